// hmp-sum: the tutorial's split sum. One pass over the numbers
// (sequential), an OpenMP reduction, and the Pool's ways of summing split
// parts, each summing with the tutorial's iterativeSum (--kernel chain, the
// default) or eight partial sums (--kernel multi). Numbers: --items of them,
// float64 in [0, 1) or int64 in [-1000, 1000) from --seed, or a 1-D array of
// any bool, integer or float dtype from --input; the result is a 0-d array (--output) of numpy.sum's
// dtype for integers (int64; uint64 for unsigned) and float64 for floats (as
// numpy.sum(a, dtype=np.float64): float32 inputs are summed in float64).
#include <common/compare.hpp>
#include <common/driver.hpp>
#include <common/memory_check.hpp>
#include <common/npy_convert.hpp>
#include <common/pool_support.hpp>
#include <workloads/inputs.hpp>
#include <workloads/sum.hpp>

#include <hmp/pool.hpp>
#include <hmp/split.hpp>

#include <span>
#include <tuple>
#include <type_traits>

namespace {

using namespace hmp::apps;
namespace w = hmp::workloads;

struct Numbers {
  Dtype dtype = Dtype::float64;  ///< what the sum is computed in: float64 or int64
  Dtype input_dtype = Dtype::float64;
  Dtype output_dtype = Dtype::float64;  ///< numpy.sum's: uint64 for unsigned inputs
  std::vector<double> doubles;
  std::vector<std::int64_t> ints;
};

struct Total {
  double d = 0;
  std::int64_t i = 0;
};

using Context = MethodContext<Numbers, Total>;

const char* const kKernelOption = "--kernel";

/// What every method sums a part with: the tutorial's iterativeSum (one
/// dependent chain of additions, the default) or the multi-accumulator kernel.
template <class T>
using Kernel = T (*)(std::span<const T>) noexcept;
template <class T>
Kernel<T> kernel(const Options& opt) {
  if (opt.choices.at(kKernelOption) == "multi") return w::multi_sum;
  return w::iterative_sum;
}

// The tutorial's sequential sum: one pass over all numbers, on root.
void sequential(Context& ctx) {
  ctx.time([&](Busy& busy) {
    if (!ctx.rt.is_root()) return;
    busy.measure([&] {
      if (ctx.in.dtype == Dtype::float64)
        ctx.out.d = kernel<double>(ctx.options)(ctx.in.doubles);
      else
        ctx.out.i = kernel<std::int64_t>(ctx.options)(ctx.in.ints);
    });
  });
}

// numba's prange reduction on root's team: each thread sums its block with the kernel.
void openmp(Context& ctx) {
  ctx.time([&](Busy& busy) {
    if (!ctx.rt.is_root()) return;
    busy.measure([&] {
      if (ctx.in.dtype == Dtype::float64)
        ctx.out.d = w::team_sum(std::span<const double>(ctx.in.doubles), kernel<double>(ctx.options));
      else
        ctx.out.i = w::team_sum(std::span<const std::int64_t>(ctx.in.ints), kernel<std::int64_t>(ctx.options));
    });
  });
}

// ---------------------------------------------------------------------------
// Pool methods: the tutorial's split sum. The numbers are split with
// hmp::split (cyclic: part i holds items i, i+P, i+2P, ...) into
// P = ranks x threads parts, one per worker thread of the job, on every rank
// before the timed region (the numbers are replicated, and so are the parts:
// they are where these methods keep their inputs). Each part is summed by one
// task with the kernel (--kernel); root adds the P partial sums in part
// order. Tasks get spans of the parts, so no call copies them. The pool's
// schedule is static_cyclic: each rank sums `threads` parts on its team.
// ---------------------------------------------------------------------------

template <class T>
const std::vector<T>& numbers_of(const Numbers& n) {
  if constexpr (std::is_same_v<T, double>) return n.doubles; else return n.ints;
}
template <class T>
void set_total(Total& t, T v) {
  if constexpr (std::is_same_v<T, double>) t.d = v; else t.i = v;
}

enum class PoolWay { apply, apply_async, map, map_async, imap, imap_unordered, starmap };

template <class T>
std::vector<T> partial_sums(hmp::Pool& pool, PoolWay way, const std::vector<std::span<const T>>& parts,
                            Kernel<T> kernel, TaskClock& clock) {
  auto sum = [&clock, kernel](std::span<const T> part) { return clock.measure([&] { return kernel(part); }); };
  std::vector<T> sums;
  switch (way) {
    case PoolWay::apply:  // one blocking apply per part: the parts run one after another
      for (const auto& part : parts) sums.push_back(pool.apply(sum, part));
      break;
    case PoolWay::apply_async: {  // all parts started, then each result waited for
      std::vector<hmp::AsyncResult<T>> pending;
      for (const auto& part : parts) pending.push_back(pool.apply_async(sum, part));
      for (auto& r : pending) sums.push_back(r.get());
      break;
    }
    case PoolWay::map: sums = pool.map(sum, parts, 1); break;
    case PoolWay::map_async: sums = pool.map_async(sum, std::span(parts), chunks_of(1)).get(); break;
    case PoolWay::imap:
    case PoolWay::imap_unordered: {
      auto results = way == PoolWay::imap ? pool.imap(sum, std::span(parts), 1)
                                          : pool.imap_unordered(sum, std::span(parts), 1);
      sums.assign(parts.size(), T{});
      for (auto it = results.begin(); it != std::default_sentinel; ++it) sums[it.index()] = *it;
      break;
    }
    case PoolWay::starmap: {  // the parts as 1-tuples, unpacked into the task
      std::vector<std::tuple<std::span<const T>>> args(parts.begin(), parts.end());
      sums = pool.starmap(sum, args, chunks_of(1));
      break;
    }
  }
  return sums;
}

template <class T>
void pool_sum(Context& ctx, PoolWay way) {
  // One part per worker thread, dealt cyclically (part j to rank j % ranks):
  // every worker sums one part, none waits for a claim.
  auto options = pool_options(ctx.threads);
  options.schedule = hmp::Schedule::static_cyclic();
  hmp::Pool pool(ctx.rt, options);
  const auto count = static_cast<std::size_t>(pool.size()) * static_cast<std::size_t>(pool.threads());
  const auto split = hmp::split(numbers_of<T>(ctx.in), count);
  const std::vector<std::span<const T>> parts(split.begin(), split.end());
  ctx.time([&](Busy& busy) {
    TaskClock clock;
    const auto sums = partial_sums<T>(pool, way, parts, kernel<T>(ctx.options), clock);
    busy.add(clock.seconds());
    // Root adds the partial sums (in part order, whatever order they came in).
    if (ctx.rt.is_root()) set_total(ctx.out, w::iterative_sum(std::span<const T>(sums)));
  });
}

Method<Numbers, Total> pool_method(PoolWay way) {
  return [way](Context& ctx) {
    if (ctx.in.dtype == Dtype::float64)
      pool_sum<double>(ctx, way);
    else
      pool_sum<std::int64_t>(ctx, way);
  };
}

// Every rank holds the numbers and, for pool.*, their split copy.
MemoryNeed need(std::size_t items) { return {16.0 * static_cast<double>(items), 0, 0}; }

Numbers load(hmp::Runtime& rt, Options& opt) {
  size_is_one(opt, "sum");
  Numbers n;
  if (!opt.input.empty()) {
    auto a = read_input(rt, opt.input, [](const NpyArray& a) {
      if (a.header.shape.size() != 1)
        throw InputError{"shape " + shape_string(a.header.shape) + ": expected a 1-D array of numbers"};
      if (a.header.dtype.kind == 'c')
        throw InputError{"dtype " + to_string(a.header.dtype) + ": allowed bool, integer and float dtypes"};
    });
    n.input_dtype = a.header.dtype;
    opt.items = a.header.shape[0];
    check_memory(rt, opt, need(opt.items));
    if (a.header.dtype.kind == 'f') {
      n.dtype = n.output_dtype = Dtype::float64;
      n.doubles = to_float64(a);
    } else {
      // Integers add modulo 2^64 in int64, whose bits are numpy's uint64 sum for unsigned inputs.
      n.dtype = Dtype::int64;
      n.output_dtype = a.header.dtype.kind == 'u' ? Dtype::uint64 : Dtype::int64;
      n.ints = to_int64(a);
    }
  } else {
    checked_elements({opt.items}, "--items");
    check_memory(rt, opt, need(opt.items));
    n.dtype = n.input_dtype = n.output_dtype = opt.choices.at("--dtype") == "int64" ? Dtype::int64 : Dtype::float64;
    if (n.dtype == Dtype::float64)
      n.doubles = w::random_doubles(opt.items, opt.seed);
    else
      n.ints = w::random_int64(opt.items, -1000, 1000, opt.seed);
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  AppDefinition<Numbers, Total> app;
  app.spec.app = "sum";
  app.spec.description = "hmp-sum: the tutorial's split sum (iterativeSum) by every method";
  app.spec.default_items = 10000000;
  app.spec.items_help = "how many numbers to sum";
  app.spec.size_help = "1: each item is one number (other values are refused)";
  app.spec.choices = {{"--dtype", "type of the generated numbers", {"float64", "int64"}, "float64"},
                      {kKernelOption,
                       "how a part is summed: one dependent chain of additions (chain: the tutorial's iterativeSum) "
                       "or eight partial sums (multi)",
                       {"chain", "multi"},
                       "chain"}};
  app.methods = {
      {"sequential", sequential},
      {"openmp", openmp},
      {"pool.apply", pool_method(PoolWay::apply)},
      {"pool.apply_async", pool_method(PoolWay::apply_async)},
      {"pool.map", pool_method(PoolWay::map)},
      {"pool.map_async", pool_method(PoolWay::map_async)},
      {"pool.imap", pool_method(PoolWay::imap)},
      {"pool.imap_unordered", pool_method(PoolWay::imap_unordered)},
      {"pool.starmap", pool_method(PoolWay::starmap)},
  };
  app.timed_region =
      "from the numbers in memory (replicated on every rank; for pool.* already split into ranks x threads parts by hmp::split on every rank) to the total on root";
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
      write_npy(path, n.output_dtype, {}, &t.i);  // int64 or uint64: the same bits
  };
  app.describe = [](const Numbers& n, const Options& opt) {
    return std::to_string(opt.items) + " " + to_string(n.input_dtype) + " numbers";
  };
  app.annotate = [](nlohmann::json& rec, const Numbers& n, const Options& opt) {
    rec["dtype"] = to_string(n.input_dtype);
    rec["kernel"] = opt.choices.at(kKernelOption);
  };
  app.perturb = [](Total& t) {
    t.d += 1.0;
    t.i += 1;
  };
  return app_main(argc, argv, app);
}
