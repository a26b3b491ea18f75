// A worker's results between computing and sending: blocks that grow by
// whole claims, so a worker holds memory for its share only (not for the
// whole input), nothing is moved when it grows, and raw results are sent
// straight from the blocks.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

namespace hmp::detail {

template <class S>
class Staging {
 public:
  /// Room for `count` results, contiguous, after those staged before.
  S* stage(std::uint64_t count) {
    if (blocks_.empty() || blocks_.back().capacity - blocks_.back().used < count) {
      // Blocks grow with what is staged (a quarter more each), so a share
      // staged claim by claim takes few blocks, and the last block's unused
      // room, the only memory beyond the share, is at most a quarter of it
      // (and untouched: pages a worker never writes are never resident).
      const std::uint64_t size = std::max<std::uint64_t>({count, kMinBlock, total_ / 4});
      blocks_.push_back({std::make_unique_for_overwrite<S[]>(size), size, 0});
    }
    auto& b = blocks_.back();
    S* p = b.data.get() + b.used;
    b.used += count;
    total_ += count;
    return p;
  }
  /// Drops the last `count` results staged (they were one stage() call).
  void unstage(std::uint64_t count) {
    blocks_.back().used -= count;
    total_ -= count;
  }
  std::uint64_t size() const noexcept { return total_; }
  template <class F>
  void for_each_block(F&& f) const {
    for (const auto& b : blocks_)
      if (b.used) f(b.data.get(), b.used);
  }
  void clear() {
    blocks_.clear();
    total_ = 0;
  }

 private:
  static constexpr std::uint64_t kMinBlock = 4096;
  struct Block {
    std::unique_ptr<S[]> data;
    std::uint64_t capacity = 0, used = 0;
  };
  std::vector<Block> blocks_;
  std::uint64_t total_ = 0;
};

}  // namespace hmp::detail
