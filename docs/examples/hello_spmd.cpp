// Chapter "What multiprocessing is": every rank runs main (SPMD), every rank
// makes the same pool calls, and the results land on root, in input order.
#include <hmp/pool.hpp>
#include <hmp/serialize.hpp>  // results that are not trivially copyable

#include <cstdio>
#include <ranges>
#include <utility>

int main(int argc, char** argv) {
  hmp::Runtime rt(argc, argv);  // MPI_Init_thread ... MPI_Finalize: first thing, on every rank

  // Every rank executes this line: one pool of rt.size() ranks. static_cyclic
  // deals item i to rank i % size, so we can tell who computed what.
  hmp::Pool pool(rt, {.threads = 1, .schedule = hmp::Schedule::static_cyclic()});

  auto squares = pool.map([&](int i) { return std::pair{i * i, rt.rank()}; }, std::views::iota(0, 6));

  // Only root holds the results; ask every rank how many it got (item r runs on rank r).
  auto held = pool.map([&](int) { return squares.size(); }, std::views::iota(0, rt.size()));

  if (rt.is_root()) {  // only root prints: one ordered output
    for (int i = 0; i < 6; ++i)
      std::printf("item %d -> %2d (computed on rank %d)\n", i, squares[i].first, squares[i].second);
    for (int r = 0; r < rt.size(); ++r) std::printf("rank %d holds %zu results\n", r, held[r]);
  }
}
