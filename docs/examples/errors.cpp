// Chapter "The Pool class", when a task throws: every rank gets the same
// hmp::TaskError from the same call, so all ranks take the same path.
#include <hmp/pool.hpp>

#include <cstdio>
#include <ranges>
#include <stdexcept>
#include <string>

int main(int argc, char** argv) {
  hmp::Runtime rt(argc, argv);
  hmp::Pool pool(rt, {.schedule = hmp::Schedule::static_cyclic()});  // item i on rank i % size

  int caught = 0;
  try {
    pool.map([](int i) {
      if (i == 5) throw std::domain_error("item " + std::to_string(i) + " is not allowed");
      return i * i;
    }, std::views::iota(0, 8));
  } catch (const hmp::TaskError& e) {  // thrown on every rank
    caught = 1;
    if (rt.is_root())
      std::printf("TaskError: %s \"%s\" (item %zu, rank %d)\n", e.type_name().c_str(), e.message().c_str(),
                  e.index(), e.rank());
  }
  // Every rank caught it: count them with one more (working) call.
  auto caught_by = pool.map([&](int) { return caught; }, std::views::iota(0, rt.size()));
  int ranks = 0;
  for (int c : caught_by) ranks += c;
  if (rt.is_root()) std::printf("caught on %d of %d ranks; the pool still works\n", ranks, rt.size());
}
