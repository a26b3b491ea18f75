// Chapter "Advice": split the inputs in as many parts as the pool has ranks,
// keep the pool in a scope, prefer map, use starmap for several arguments;
// results may be any type that can cross ranks (here a struct with cereal).
#include <hmp/pool.hpp>
#include <hmp/serialize.hpp>  // results that are not trivially copyable
#include <hmp/split.hpp>

#include <cstdint>
#include <cstdio>
#include <numeric>
#include <string>
#include <tuple>
#include <vector>

namespace {

// Not trivially copyable (a std::string): hmp sends it with its cereal serialize().
struct Stats {
  std::string label;
  std::int64_t count = 0;
  double mean = 0;
  template <class Archive>
  void serialize(Archive& ar) { ar(label, count, mean); }
};

Stats describe(const std::vector<double>& part, const std::string& label) {
  const double sum = std::accumulate(part.begin(), part.end(), 0.0);
  return {label, static_cast<std::int64_t>(part.size()), part.empty() ? 0.0 : sum / double(part.size())};
}

}  // namespace

int main(int argc, char** argv) {
  hmp::Runtime rt(argc, argv);
  std::vector<double> values(1000);
  std::iota(values.begin(), values.end(), 0.0);  // replicated inputs: every rank has them

  std::vector<Stats> stats;
  {  // 1. a pool in a scope: its destructor closes and joins it on every rank
    hmp::Pool pool(rt);
    // 2. as many parts as ranks: one task each, little traffic
    auto parts = hmp::array_split(values, pool.size());
    // 3. several arguments: starmap over tuples
    std::vector<std::tuple<std::vector<double>, std::string>> args;
    for (std::size_t i = 0; i < parts.size(); ++i) args.emplace_back(parts[i], "part " + std::to_string(i));
    stats = pool.starmap(describe, args);
  }
  if (rt.is_root())
    for (const auto& s : stats) std::printf("%s: %lld values, mean %.1f\n", s.label.c_str(), static_cast<long long>(s.count), s.mean);
}
