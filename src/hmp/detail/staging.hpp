// A worker's results between computing and sending: blocks that grow by
// whole claims, so a worker holds memory for its share only (not for the
// whole input), nothing is moved when it grows, and raw results are sent
// straight from the blocks. Blocks handed out to be sent stay until their
// sends complete (release_sent); later results go to new blocks.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace hmp::detail {

template <class S>
class Staging {
 public:
  /// Room for `count` results, contiguous, after those staged before.
  S* stage(std::uint64_t count) {
    if (blocks_.size() == sent_ || blocks_.back().capacity - blocks_.back().used < count) {
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
  /// Results staged and not yet handed out to be sent.
  std::uint64_t unsent() const noexcept { return total_ - sent_items_; }
  /// Hands out the blocks staged since the last call, f(data, count) each,
  /// to be sent: they stay unchanged until release_sent() or clear().
  template <class F>
  void send_blocks(F&& f) {
    for (std::size_t k = sent_; k < blocks_.size(); ++k)
      if (blocks_[k].used) f(blocks_[k].data.get(), blocks_[k].used);
    sent_ = blocks_.size();
    sent_items_ = total_;
  }
  /// Frees the blocks handed out so far (their sends completed).
  void release_sent() {
    blocks_.erase(blocks_.begin(), blocks_.begin() + static_cast<std::ptrdiff_t>(sent_));
    total_ -= sent_items_;
    sent_ = 0;
    sent_items_ = 0;
  }
  void clear() {
    blocks_.clear();
    total_ = sent_items_ = 0;
    sent_ = 0;
  }

 private:
  static constexpr std::uint64_t kMinBlock = 4096;
  struct Block {
    std::unique_ptr<S[]> data;
    std::uint64_t capacity = 0, used = 0;
  };
  std::vector<Block> blocks_;
  std::uint64_t total_ = 0;       ///< results held (handed out or not)
  std::size_t sent_ = 0;          ///< blocks_[0, sent_) are handed out
  std::uint64_t sent_items_ = 0;  ///< results in them
};

}  // namespace hmp::detail
