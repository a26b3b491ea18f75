// imap over an input only root holds, read as the results are consumed: the
// tutorial's lazy iteration (Python's imap over a generator).
#include <hmp/pool.hpp>

#include <cstdio>
#include <ranges>

int main(int argc, char** argv) {
  hmp::Runtime rt(argc, argv);
  hmp::Pool pool(rt);
  std::size_t read = 0;  // how many numbers root's input has produced
  // An endless input, like a Python generator: 1, 2, 3, ...
  auto numbers = std::views::iota(1) | std::views::transform([&read](int i) {
                   ++read;
                   return i;
                 });
  long total = 0, results = 0;
  for (long square : pool.imap([](int x) { return long{x} * x; }, hmp::from_root(numbers))) {
    total += square;
    ++results;
    if (total > 1000) break;  // stop consuming: the input is read no further
  }
  if (rt.is_root()) {
    std::printf("%ld squares sum to %ld\n", results, total);
    std::printf("root read %zu numbers: at most one window (4 x ranks x chunksize) ahead\n", read);
  }
}
