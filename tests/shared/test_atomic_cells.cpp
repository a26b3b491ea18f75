// 64-bit compare-and-swap and fetch-and-op across nodes (open-mpi/ompi#7967
// broke 64-bit MPI_Compare_and_swap under osc/rdma over vader): AtomicCells
// of 8-byte values, and the raw MPI atomics under them, on a window that
// spans the job's nodes (separate hosts in the .hosts2 runs). Values use the
// high 32 bits, so a 32-bit operation would show.
#include <gtest/gtest.h>
#include <hmp/detail/atomic_cells.hpp>
#include <hmp/detail/window.hpp>
#include <hmp/runtime.hpp>

#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace {

hmp::Runtime& rt() { return hmp::Runtime::current(); }

constexpr int kPerRank = 20;  // each op costs milliseconds over TCP

// Every rank's old values, gathered on every rank and sorted.
template <class T>
std::vector<T> all_olds(const std::vector<T>& mine) {
  std::vector<T> all(mine.size() * static_cast<std::size_t>(rt().size()));
  MPI_Allgather(mine.data(), static_cast<int>(mine.size() * sizeof(T)), MPI_BYTE, all.data(),
                static_cast<int>(mine.size() * sizeof(T)), MPI_BYTE, rt().world().native());
  std::sort(all.begin(), all.end());
  return all;
}

// base, base + step, ..., base + (n - 1) step
template <class T>
std::vector<T> sequence(T base, T step, std::size_t n) {
  std::vector<T> out(n);
  for (std::size_t k = 0; k < n; ++k) out[k] = static_cast<T>(base + static_cast<T>(k) * step);
  return out;
}

// fetch_add on cell 0 and a compare_exchange loop on cell 1: every old value
// is seen exactly once (nothing lost, nothing torn), the end value adds up.
template <class T>
void check_cells(T base, T step) {
  hmp::detail::AtomicCells<T> cells(rt().world(), 2, base);
  EXPECT_EQ(cells.single_node(), rt().topology().nodes == 1);
  std::vector<T> added, swapped;
  for (int k = 0; k < kPerRank; ++k) {
    added.push_back(cells.fetch_add(0, step));
    T expected = cells.load(1);
    while (!cells.compare_exchange(1, expected, static_cast<T>(expected + step))) {
    }
    swapped.push_back(expected);
  }
  rt().world().barrier();
  const std::size_t n = static_cast<std::size_t>(kPerRank) * static_cast<std::size_t>(rt().size());
  const auto want = sequence(base, step, n);
  EXPECT_EQ(all_olds(added), want);
  EXPECT_EQ(all_olds(swapped), want);
  EXPECT_EQ(cells.load(0), static_cast<T>(base + static_cast<T>(n) * step));
  EXPECT_EQ(cells.load(1), static_cast<T>(base + static_cast<T>(n) * step));
  rt().world().barrier();
}

TEST(AtomicCells, SignedSixtyFourBit) { check_cells<std::int64_t>(std::int64_t{1} << 40, (std::int64_t{1} << 33) + 1); }

TEST(AtomicCells, UnsignedSixtyFourBit) {
  check_cells<std::uint64_t>(std::uint64_t{3} << 62, (std::uint64_t{1} << 32) + 3);
}

TEST(AtomicCells, DoubleByItsBits) { check_cells<double>(1099511627776.0, 0.5); }  // 2^40: halves add exactly

// The MPI calls themselves, with no hmp logic between: 64-bit
// MPI_Compare_and_swap and MPI_Fetch_and_op on rank 0's window.
TEST(AtomicCells, RawMpiSixtyFourBitAtomics) {
#ifdef HMP_SMPI
  GTEST_SKIP() << "SMPI's MPI_Compare_and_swap is a get then a put, not atomic (AtomicCells works around it)";
#endif
  void* base = nullptr;
  auto win = hmp::detail::Window::allocate(rt().world(), rt().rank() == 0 ? 2 * sizeof(std::int64_t) : 0,
                                           sizeof(std::int64_t), &base);
  const std::int64_t start = (std::int64_t{1} << 41) + 7, step = (std::int64_t{1} << 34) + 1;
  win.lock_all();
  if (rt().rank() == 0) {
    static_cast<std::int64_t*>(base)[0] = start;
    static_cast<std::int64_t*>(base)[1] = start;
  }
  win.sync();
  rt().world().barrier();
  win.sync();
  std::vector<std::int64_t> added, swapped;
  for (int k = 0; k < kPerRank; ++k) {
    std::int64_t old = 0;
    MPI_Fetch_and_op(&step, &old, MPI_INT64_T, 0, 0, MPI_SUM, win.native());
    win.flush(0);
    added.push_back(old);
    std::int64_t seen = 0, want = 0;
    MPI_Fetch_and_op(nullptr, &want, MPI_INT64_T, 0, 1, MPI_NO_OP, win.native());
    win.flush(0);
    for (;;) {
      const std::int64_t next = want + step;
      MPI_Compare_and_swap(&next, &want, &seen, MPI_INT64_T, 0, 1, win.native());
      win.flush(0);
      if (seen == want) break;
      want = seen;
    }
    swapped.push_back(want);
  }
  rt().world().barrier();
  const std::size_t n = static_cast<std::size_t>(kPerRank) * static_cast<std::size_t>(rt().size());
  EXPECT_EQ(all_olds(added), sequence(start, step, n));
  EXPECT_EQ(all_olds(swapped), sequence(start, step, n));
  win.sync();
  if (rt().rank() == 0) {
    EXPECT_EQ(static_cast<std::int64_t*>(base)[0], start + static_cast<std::int64_t>(n) * step);
    EXPECT_EQ(static_cast<std::int64_t*>(base)[1], start + static_cast<std::int64_t>(n) * step);
  }
  rt().world().barrier();
}

}  // namespace
