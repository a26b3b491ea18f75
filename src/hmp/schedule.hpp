// How a pool call's items are dealt to ranks.
#pragma once

#include <cstddef>
#include <string>

namespace hmp {

/// The scheduling of items across ranks. Inside a rank, each claim runs on
/// the rank's OpenMP team.
struct Schedule {
  enum class Kind {
    static_cyclic,  ///< chunk j to rank j % ranks: with chunksize 1, the tutorial's split(container, count)
    static_block,   ///< one contiguous block per rank, sizes as numpy.array_split
    dynamic,        ///< ranks claim chunks from one atomic counter (the default)
    guided,         ///< like dynamic, chunks shrink with the work left (OpenMP's guided)
  };
  Kind kind = Kind::dynamic;
  /// Items per chunk (Python's chunksize); 0 chooses: for dynamic, 4 chunks
  /// a worker as Python's default intends, made exact: 4 x workers chunks
  /// of floor or ceil(n / (4 x workers)) items, the larger first (chunks of
  /// one below 4 x workers items), so that workers end together (Python's
  /// ceil for every chunk leaves the last round short); 1 for
  /// static_cyclic, the minimum chunk for guided.
  std::size_t chunksize = 0;

  static Schedule static_cyclic(std::size_t chunksize = 0) { return {Kind::static_cyclic, chunksize}; }
  static Schedule static_block() { return {Kind::static_block, 0}; }
  static Schedule dynamic(std::size_t chunksize = 0) { return {Kind::dynamic, chunksize}; }
  static Schedule guided(std::size_t min_chunk = 0) { return {Kind::guided, min_chunk}; }
};

std::string to_string(Schedule::Kind kind);

/// Python's default chunksize for `n` items over `workers` workers:
/// ceil(n / (4 x workers)), at least 1.
std::size_t default_chunksize(std::size_t n, std::size_t workers);

}  // namespace hmp
