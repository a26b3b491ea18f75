// hmp-sum: the tutorial's split sum. iterativeSum over the numbers
// (sequential), an OpenMP SIMD reduction, and the Pool's ways of summing
// split parts. Numbers: --items of them, float64 in [0, 1) or int64 in
// [-1000, 1000) from --seed, or a 1-D array from --input; the result is a 0-d
// array (--output).
#include <common/compare.hpp>
#include <common/driver.hpp>
#include <workloads/inputs.hpp>
#include <workloads/sum.hpp>

#include <span>

namespace {

using namespace hmp::apps;
namespace w = hmp::workloads;

struct Numbers {
  Dtype dtype = Dtype::float64;
  std::vector<double> doubles;
  std::vector<std::int64_t> ints;
};

struct Total {
  double d = 0;
  std::int64_t i = 0;
};

using Context = MethodContext<Numbers, Total>;

// The tutorial's sequential sum: one iterativeSum over all numbers, on root.
void sequential(Context& ctx) {
  ctx.time([&](Busy& busy) {
    if (!ctx.rt.is_root()) return;
    busy.measure([&] {
      if (ctx.in.dtype == Dtype::float64)
        ctx.out.d = w::iterative_sum(std::span<const double>(ctx.in.doubles));
      else
        ctx.out.i = w::iterative_sum(std::span<const std::int64_t>(ctx.in.ints));
    });
  });
}

// numba's prange reduction: `omp parallel for simd reduction(+)` on root's team.
void openmp(Context& ctx) {
  ctx.time([&](Busy& busy) {
    if (!ctx.rt.is_root()) return;
    busy.measure([&] {
      if (ctx.in.dtype == Dtype::float64)
        ctx.out.d = w::simd_sum(std::span<const double>(ctx.in.doubles));
      else
        ctx.out.i = w::simd_sum(std::span<const std::int64_t>(ctx.in.ints));
    });
  });
}

// ---------------------------------------------------------------------------
// Pool methods (issue 6, second half). Each is one function with the
// signature `void name(Context& ctx)`: untimed setup, then ctx.time(body),
// parts = hmp::split(numbers, pool.size()), partial sums with
// w::iterative_sum over each part, results into ctx.out on root. Register it
// by replacing the `{}` in its line of the table in main().
// ---------------------------------------------------------------------------

Numbers load(hmp::Runtime& rt, Options& opt) {
  Numbers n;
  if (!opt.input.empty()) {
    auto a = read_input(rt, opt.input, [](const NpyArray& a) {
      if (a.header.shape.size() != 1)
        throw InputError{"shape " + shape_string(a.header.shape) + ": expected a 1-D array of numbers"};
      if (a.header.dtype == Dtype::complex128) throw InputError{"dtype complex128: allowed float64, int64"};
    });
    n.dtype = a.header.dtype;
    opt.items = a.header.shape[0];
    if (n.dtype == Dtype::float64)
      n.doubles = std::move(std::get<0>(a.data));
    else
      n.ints = std::move(std::get<1>(a.data));
  } else {
    checked_elements({opt.items}, "--items");
    n.dtype = opt.choices.at("--dtype") == "int64" ? Dtype::int64 : Dtype::float64;
    if (n.dtype == Dtype::float64)
      n.doubles = w::random_doubles(opt.items, opt.seed);
    else
      n.ints = w::random_int64(opt.items, -1000, 1000, opt.seed);
  }
  opt.size = 1;  // each item is one number
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  hmp::Runtime rt(argc, argv);
  AppDefinition<Numbers, Total> app;
  app.spec.app = "sum";
  app.spec.description = "hmp-sum: the tutorial's split sum (iterativeSum) by every method";
  app.spec.default_items = 10000000;
  app.spec.items_help = "how many numbers to sum";
  app.spec.size_help = "not used (each item is one number; records say 1)";
  app.spec.choices = {{"--dtype", "type of the generated numbers", {"float64", "int64"}, "float64"}};
  app.methods = {
      {"sequential", sequential},
      {"openmp", openmp},
      // Pool methods: fill in after merging hmp::Pool (see the comment above load()).
      {"pool.apply", {}},
      {"pool.apply_async", {}},
      {"pool.map", {}},
      {"pool.map_async", {}},
      {"pool.imap", {}},
      {"pool.imap_unordered", {}},
      {"pool.starmap", {}},
  };
  app.timed_region = "from the numbers in memory (replicated on every rank) to the total on root";
  app.load = load;
  app.make_output = [](const Numbers&, const Options&) { return Total{}; };
  app.reference = [](const Numbers& n, const Options&, Total& t) {
    t.d = w::iterative_sum(std::span<const double>(n.doubles));
    t.i = w::iterative_sum(std::span<const std::int64_t>(n.ints));
  };
  app.compare = [](const Numbers& n, const Total& got, const Total& want) -> std::optional<std::string> {
    if (n.dtype == Dtype::int64) {
      if (got.i == want.i) return std::nullopt;  // integers: exact
      return "item 0 (the total): got " + std::to_string(got.i) + ", expected " + std::to_string(want.i) + " (exact)";
    }
    // Another order of additions rounds differently: n * eps * sum|x|, twice.
    const double tol = w::sum_tolerance(n.doubles);
    return first_difference(std::vector<double>{got.d}, std::vector<double>{want.d}, 1, 0,
                            [&](std::size_t) { return tol; });
  };
  app.write_output = [](const std::string& path, const Numbers& n, const Total& t) {
    if (n.dtype == Dtype::float64)
      write_npy(path, Dtype::float64, {}, &t.d);
    else
      write_npy(path, Dtype::int64, {}, &t.i);
  };
  app.describe = [](const Numbers& n, const Options& opt) {
    return std::to_string(opt.items) + " " + to_string(n.dtype) + " numbers";
  };
  app.annotate = [](nlohmann::json& rec, const Numbers& n, const Options&) { rec["dtype"] = to_string(n.dtype); };
  app.perturb = [](Total& t) {
    t.d += 1.0;
    t.i += 1;
  };
  return run_app(rt, argc, argv, app);
}
