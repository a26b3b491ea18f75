// Across nodes, the number of a Value<T> kept on the node whose ranks hold
// its lock: a node's run of locked accesses (up to CohortLock::kMaxPasses
// hand-overs inside the node) reads the value's home on rank 0 once, at
// its first access, and writes it back once, just before the node gives
// the lock's global word to the other nodes; not twice per access.
//
// Honest only because every access to a Value on several nodes holds its
// lock (value.hpp; Python's synchronized Value takes its lock on every
// .value too): whoever holds the lock next, on this node or another, sees
// the last write. The cache lives in the node's shared window, so any rank
// of the node that releases the global word can write it back.
#pragma once

#include <hmp/detail/atomic_cells.hpp>
#include <hmp/detail/cohort_lock.hpp>

#include <cstdint>
#include <cstring>

namespace hmp::detail {

template <AtomicCellValue T>
class NodeValueCache {
 public:
  /// Collective over `home`'s communicator (several nodes); `lock` is made
  /// over the same ranks and outlives this cache.
  NodeValueCache(AtomicCells<T>& home, CohortLock& lock)
      : home_(home), lock_(lock), cells_(home.groups().node, 2, 0) {
    lock_.before_global_release([this] { write_back(); });
  }
  ~NodeValueCache() { lock_.before_global_release(nullptr); }
  NodeValueCache(const NodeValueCache&) = delete;
  NodeValueCache& operator=(const NodeValueCache&) = delete;

  /// The value; only while this rank holds the lock.
  T load() {
    if (cells_.load(kState) == kEmpty) {
      cells_.store(kBits, to_bits(home_.load(0)));
      cells_.store(kState, kClean);
    }
    return from_bits(cells_.load(kBits));
  }
  /// Sets the value; only while this rank holds the lock.
  void store(T v) {
    cells_.store(kBits, to_bits(v));
    cells_.store(kState, kDirty);
  }

 private:
  static constexpr std::size_t kState = 0, kBits = 1;
  static constexpr std::int64_t kEmpty = 0, kClean = 1, kDirty = 2;

  // Run by the rank that gives the global word away, still holding the lock.
  void write_back() {
    if (cells_.load(kState) == kDirty) home_.store(0, from_bits(cells_.load(kBits)));
    cells_.store(kState, kEmpty);
  }
  static std::int64_t to_bits(T v) {
    std::int64_t bits = 0;
    std::memcpy(&bits, &v, sizeof v);
    return bits;
  }
  static T from_bits(std::int64_t bits) {
    T v{};
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }

  AtomicCells<T>& home_;
  CohortLock& lock_;
  AtomicCells<std::int64_t> cells_;  // on the node: [0] state, [1] the value's bits
};

}  // namespace hmp::detail
