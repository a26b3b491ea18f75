// The result board (detail/result_board.hpp): a worker on root's node writes
// raw results straight into the memory root published, only while the entry
// is open and only inside it; everywhere else the write is refused and the
// worker sends as before (root's memory untouched).
#include <gtest/gtest.h>
#include <hmp/detail/node_groups.hpp>
#include <hmp/detail/result_board.hpp>
#include <hmp/runtime.hpp>

#include <cstring>
#include <vector>

namespace {

using hmp::detail::Range;
using hmp::detail::ResultBoard;

constexpr std::uint64_t kPer = 3000;  // items per rank: 12 KB of ints, above the per-range minimum

struct Board {
  hmp::detail::NodeGroups groups = hmp::detail::split_by_node(hmp::Runtime::current().world());
  ResultBoard board{groups.node};
  // Whether this rank shares root's node (world rank 0 is node rank 0 of node 0).
  bool with_root() const { return groups.node_index == 0; }
};

Board& board() {
  static Board b;
  return b;
}

// Rank r writes items [r * kPer, (r + 1) * kPer) of call `seq` as value i + offset.
bool write_mine(std::uint64_t seq, int offset, std::uint64_t extra = 0) {
  const auto r = static_cast<std::uint64_t>(hmp::Runtime::current().rank());
  std::vector<int> mine(kPer + extra);
  for (std::uint64_t k = 0; k < mine.size(); ++k) mine[k] = static_cast<int>(r * kPer + k) + offset;
  const std::span<const std::byte> block(reinterpret_cast<const std::byte*>(mine.data()), mine.size() * sizeof(int));
  const Range range{r * kPer, (r + 1) * kPer + extra};
  return board().board.write(seq, std::span(&block, 1), std::span(&range, 1), sizeof(int));
}

// Root's results for call `seq`, all -1, published on the board (collective).
std::vector<int> published(std::uint64_t seq) {
  auto& rt = hmp::Runtime::current();
  (void)board();  // collective: made on every rank first
  std::vector<int> results(kPer * static_cast<std::uint64_t>(rt.size()), -1);
  if (rt.is_root()) board().board.publish(seq, results.data(), results.size() * sizeof(int));
  MPI_Barrier(MPI_COMM_WORLD);
  return results;
}

TEST(ResultBoard, WorkersOnRootsNodeWriteIntoRootsResults) {
  auto& rt = hmp::Runtime::current();
  auto results = published(1);
  int wrote = rt.is_root() ? 1 : write_mine(1, 0);
  // Off root's node there is no entry: the write is refused.
  if (!board().with_root()) EXPECT_FALSE(wrote);
  MPI_Barrier(MPI_COMM_WORLD);
  if (rt.is_root()) board().board.close(1);
  std::vector<int> wrote_by(static_cast<std::size_t>(rt.size()));
  MPI_Gather(&wrote, 1, MPI_INT, wrote_by.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (!rt.is_root()) return;
  for (int r = 1; r < rt.size(); ++r)
    for (std::uint64_t k = 0; k < kPer; ++k) {
      const auto i = static_cast<std::uint64_t>(r) * kPer + k;
      // Written: exactly the worker's values; refused: untouched.
      ASSERT_EQ(results[i], wrote_by[static_cast<std::size_t>(r)] ? static_cast<int>(i) : -1) << "item " << i;
    }
}

TEST(ResultBoard, ClosedEntriesAndRangesPastTheEndAreRefused) {
  auto& rt = hmp::Runtime::current();
  const auto n = kPer * static_cast<std::uint64_t>(rt.size());
  auto results = published(2);
  // A range that runs past the published length, and another call's number.
  if (!rt.is_root() && rt.rank() == rt.size() - 1) EXPECT_FALSE(write_mine(2, 5, 1));
  if (!rt.is_root()) EXPECT_FALSE(write_mine(3, 5));
  MPI_Barrier(MPI_COMM_WORLD);
  if (rt.is_root()) board().board.close(2);
  MPI_Barrier(MPI_COMM_WORLD);
  if (!rt.is_root()) EXPECT_FALSE(write_mine(2, 5)) << "written after root closed the entry";
  MPI_Barrier(MPI_COMM_WORLD);
  if (rt.is_root())
    for (std::uint64_t i = 0; i < n; ++i) ASSERT_EQ(results[i], -1) << "item " << i;
}

}  // namespace
