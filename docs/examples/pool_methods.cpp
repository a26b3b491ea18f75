// Chapter "The Pool class": the tutorial's split iterative sum with every
// Pool method. Every rank makes every call, in the same order; the sums land
// on root, which prints them.
#include <hmp/pool.hpp>
#include <hmp/split.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <string>
#include <tuple>
#include <vector>

namespace {

using Int = std::int64_t;

Int iterative_sum(const std::vector<Int>& numbers) {
  Int s = 0;
  for (Int x : numbers) s += x;
  return s;
}

// Several arguments (for starmap): the numbers start, start + step, ... up to last.
Int strided_sum(Int start, Int step, Int last) {
  Int s = 0;
  for (Int x = start; x <= last; x += step) s += x;
  return s;
}

void show(const char* method, const std::vector<Int>& sums) {
  std::string text;
  for (Int s : sums) text += (text.empty() ? "" : " ") + std::to_string(s);
  std::printf("%-20s [%s] total %lld\n", method, text.c_str(),
              static_cast<long long>(std::accumulate(sums.begin(), sums.end(), Int{0})));
}

}  // namespace

int main(int argc, char** argv) {
  hmp::Runtime rt(argc, argv);
  const Int n = 1'000'000;
  std::vector<Int> numbers(n);
  std::iota(numbers.begin(), numbers.end(), Int{1});  // every rank holds the same numbers

  {  // the pool lives in this scope (Python's `with Pool() as pool:`)
    hmp::Pool pool(rt);
    const bool root = pool.is_root();
    auto parts = hmp::split(numbers, pool.size());  // part i: numbers[i::size]
    if (root) std::printf("%lld numbers in %d parts; expected total %lld\n", static_cast<long long>(n),
                          pool.size(), static_cast<long long>(n * (n + 1) / 2));

    // apply: one task on one rank, and the call waits for it (so this loop is sequential).
    std::vector<Int> sums;
    for (const auto& part : parts) sums.push_back(pool.apply(iterative_sum, part));
    if (root) show("apply", sums);

    // apply_async: start every task, then wait for each result.
    std::vector<hmp::AsyncResult<Int>> pending;
    for (const auto& part : parts) pending.push_back(pool.apply_async(iterative_sum, part));
    sums.clear();
    for (auto& r : pending) sums.push_back(r.get());  // every rank calls get(), in the same order
    if (root) show("apply_async", sums);

    // map: the whole list at once, results in input order.
    auto mapped = pool.map(iterative_sum, parts);  // every rank calls; empty except on root
    if (root) show("map", mapped);

    // map_async with a callback: it runs on root when root waits.
    auto async = pool.map_async(iterative_sum, parts, {}, hmp::callback([](const std::vector<Int>& s) {
      std::printf("%-20s got %zu sums\n", "map_async callback", s.size());
    }));
    const auto& async_sums = async.get();  // root joins the work here
    if (root) show("map_async", async_sums);

    // imap: iterate results in input order as they arrive (root; empty elsewhere).
    sums.clear();
    for (Int s : pool.imap(iterative_sum, parts)) sums.push_back(s);
    if (root) show("imap", sums);

    // imap_unordered: in completion order, which changes from run to run: sort to print.
    sums.clear();
    for (Int s : pool.imap_unordered(iterative_sum, parts)) sums.push_back(s);
    std::sort(sums.begin(), sums.end());
    if (root) show("imap_unordered", sums);

    // starmap: each item is a tuple of arguments. Part i is the numbers i+1,
    // i+1+size, ...: three integers describe it, so no numbers travel at all.
    std::vector<std::tuple<Int, Int, Int>> args;
    for (Int i = 0; i < pool.size(); ++i) args.emplace_back(i + 1, pool.size(), n);
    auto starred = pool.starmap(strided_sum, args);
    if (root) show("starmap", starred);

    auto star = pool.starmap_async(strided_sum, args);
    const auto& star_sums = star.get();
    if (root) show("starmap_async", star_sums);
  }  // ~Pool: close() and join(), on every rank
}
