// hmp-autocorr: scipy.signal.correlate2d(a, a, 'full') of many matrices, a
// stack (items, size, size) of float64 in [-1, 1) from --seed, or (items,
// rows, cols) of any bool, integer or float dtype from --input (converted to
// float64 as numpy's astype does); results (items, 2*rows-1, 2*cols-1)
// float64 (--output).
// --algorithm direct|fft|auto; --check compares with the direct method.
#include <common/compare.hpp>
#include <common/driver.hpp>
#include <common/memory_check.hpp>
#include <common/npy_convert.hpp>
#include <common/pool_support.hpp>
#include <workloads/correlate2d.hpp>
#include <workloads/fftw_plans.hpp>
#include <workloads/inputs.hpp>

#include <hmp/pool.hpp>
#include <hmp/serialize.hpp>  // vectors cross ranks
#include <hmp/shared_array.hpp>

#include <omp.h>

#include <algorithm>

namespace {

using namespace hmp::apps;
namespace w = hmp::workloads;

struct Stack {
  std::size_t items = 0, rows = 0, cols = 0;
  Dtype input_dtype = Dtype::float64;
  w::CorrelateAlgorithm algorithm = w::CorrelateAlgorithm::automatic;  ///< resolved: direct or fft
  std::vector<double> data;  ///< (items, rows, cols), C order
  std::size_t in_elems() const { return rows * cols; }
  std::size_t out_elems() const { return w::autocorrelate2d_output_size(rows, cols); }
  /// One matrix's correlation: out[0, out_elems()) from a[0, in_elems()).
  void correlate(const double* a, double* out) const { w::autocorrelate2d(algorithm, a, rows, cols, out); }
  /// Matrices [first, last) of the stack into out[first * out_elems(), ...) (FFT: in plan_many batches).
  void correlate_range(std::size_t first, std::size_t last, double* out) const {
    w::autocorrelate2d_many(algorithm, data.data() + first * in_elems(), rows, cols, last - first,
                            out + first * out_elems());
  }
};

using Correlations = std::vector<double>;
using Context = MethodContext<Stack, Correlations>;

// Plans (for the FFT algorithm) before any timed region, for every method alike.
void prepare(const Stack& s) {
  if (s.algorithm == w::CorrelateAlgorithm::fft) w::prepare_autocorrelate2d_fft(s.rows, s.cols);
}

void sequential(Context& ctx) {
  const auto& s = ctx.in;
  prepare(s);
  ctx.time([&](Busy& busy) {
    if (!ctx.rt.is_root()) return;
    busy.measure([&] { s.correlate_range(0, s.items, ctx.out.data()); });
  });
}

void openmp(Context& ctx) {
  const auto& s = ctx.in;
#pragma omp parallel
  prepare(s);  // each thread's FFTW buffers made before timing
  ctx.time([&](Busy& busy) {
    if (!ctx.rt.is_root()) return;
    busy.measure([&] {
#pragma omp parallel
      {
        const auto mine = thread_block(s.items);  // a contiguous block each, in batches
        s.correlate_range(mine.begin, mine.end, ctx.out.data());
      }
    });
  });
}

// The tutorial's pool.map(autocorrelate, matrices): root holds the matrices
// (a list of them, made before the timed region); Pool::map ships each to the
// rank that takes it (hmp::from_root) and brings its correlation back to
// root, in order. Timed from root's matrices to root's list of correlations;
// the copy into ctx.out (for --check and --output) comes after.
void pool_map(Context& ctx) {
  const auto& s = ctx.in;
  hmp::Pool pool(ctx.rt, pool_options(ctx.threads));
#pragma omp parallel num_threads(ctx.threads)
  prepare(s);  // plans, and each thread's FFTW buffers, before timing (the pool's tasks run on this team)
  map_from_root(
      ctx, pool, s.data, s.items, s.out_elems(), [&](const double* a, double* out) { s.correlate(a, out); },
      ctx.out);
}

// hmp's answer to shipping: pool.for_each over blocks of matrices (one block
// per worker thread, static_block schedule), correlations written in place
// into a SharedArray (one copy per node): no matrix or result travels by
// message. With several nodes, gather_to_root brings the ranges other nodes
// wrote to root's node. Inputs: the replicated stack. The timed region ends
// with every correlation in root's node's shared copy; the copy into ctx.out
// comes after it.
void pool_shared_array(Context& ctx) {
  const auto& s = ctx.in;
  hmp::Pool pool(ctx.rt, pool_options(ctx.threads));
#pragma omp parallel num_threads(ctx.threads)
  prepare(s);
  hmp::SharedArray<double> out(ctx.rt, s.items * s.out_elems());
  const Blocks blocks = blocks_for(pool, s.items, 1);
  ctx.time([&](Busy& busy) {
    const auto mine = for_each_block(pool, blocks, busy, [&](std::size_t first, std::size_t last) {
      s.correlate_range(first, last, out.data());
    });
    out.gather_to_root(scaled(mine, s.out_elems()));
  });
  if (ctx.rt.is_root()) std::copy(out.begin(), out.end(), ctx.out.begin());
}

w::CorrelateAlgorithm parse_algorithm(const std::string& word) {
  if (word == "direct") return w::CorrelateAlgorithm::direct;
  if (word == "fft") return w::CorrelateAlgorithm::fft;
  return w::CorrelateAlgorithm::automatic;
}

// Every rank holds the matrices; root the outputs, pool.map's lists and
// --check's reference; each node the SharedArray of correlations.
MemoryNeed need(const Options& opt, const Stack& s) {
  const double in = 8.0 * static_cast<double>(s.items * s.in_elems());
  const double out = 8.0 * static_cast<double>(s.items * s.out_elems());
  return {in, in + out * (opt.check ? 4 : 3), out};
}

Stack load(hmp::Runtime& rt, Options& opt) {
  Stack s;
  if (!opt.input.empty()) {
    auto a = read_matrix_stack(rt, opt, [](const NpyArray& a) {
      if (a.header.dtype.kind == 'c')
        throw InputError{"dtype " + to_string(a.header.dtype) + ": allowed bool, integer and float dtypes"};
    });
    s.items = opt.items;
    s.rows = opt.size;
    s.cols = a.header.shape[2];
    check_memory(rt, opt, need(opt, s));
    s.input_dtype = a.header.dtype;
    s.data = to_float64(a);
  } else {
    checked_elements({opt.items, 2 * opt.size, 2 * opt.size}, "--items x (2 --size - 1)^2 output elements");
    s.items = opt.items;
    s.rows = s.cols = opt.size;
    check_memory(rt, opt, need(opt, s));
    s.data = w::random_signed_doubles(s.items * s.in_elems(), opt.seed);
  }
  s.algorithm = parse_algorithm(opt.choices.at("--algorithm"));
  if (s.algorithm == w::CorrelateAlgorithm::automatic) s.algorithm = w::choose_autocorrelate2d(s.rows, s.cols);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  AppDefinition<Stack, Correlations> app;
  app.spec.app = "autocorr";
  app.spec.description =
      "hmp-autocorr: scipy.signal.correlate2d(a, a, 'full') of a stack of (size x size) matrices (--input: any (items, "
      "rows, cols))";
  app.spec.default_items = 200;
  app.spec.default_size = 100;
  app.spec.items_help = "matrices";
  app.spec.size_help = "rows (= columns) of each matrix";
  app.spec.choices = {
      {"--algorithm", "direct (the definition), fft (FFTW r2c/c2r, padded) or auto (by size)", {"direct", "fft", "auto"},
       "auto"}};
  app.methods = {
      {"sequential", sequential},
      {"openmp", openmp},
      {"pool.map", pool_map},
      {"pool.shared_array", pool_shared_array},
  };
  app.timed_region =
      "from the matrices in memory (a vector on root; for pool.map a list of matrices on root; replicated on every "
      "rank for pool.shared_array) to every correlation readable on root (a vector; for pool.map a list; for "
      "pool.shared_array root's node's SharedArray); FFTW plans made before";
  app.check_settings = [] { w::fftw::planner_flags(); };
  app.load = load;
  app.make_output = [](const Stack& s, const Options&) { return Correlations(s.items * s.out_elems(), std::nan("")); };
  app.reference = [](const Stack& s, const Options&, Correlations& out) {
    // The definition, whatever the algorithm timed: --check tests the FFT too.
    for (std::size_t m = 0; m < s.items; ++m)
      w::autocorrelate2d_direct(s.data.data() + m * s.in_elems(), s.rows, s.cols, out.data() + m * s.out_elems());
  };
  app.compare = [](const Stack& s, const Correlations& got, const Correlations& want) {
    // FFT rounding: 1e-9 of the item's largest value (its zero shift, sum a^2).
    return first_difference(got, want, s.out_elems(), 2 * s.cols - 1,
                            [&](std::size_t i) { return 1e-9 * std::max(1.0, item_scale(want, i, s.out_elems())); });
  };
  app.write_output = [](const std::string& path, const Stack& s, const Correlations& out) {
    write_npy(path, {s.items, 2 * s.rows - 1, 2 * s.cols - 1}, out);
  };
  app.describe = [](const Stack& s, const Options&) {
    return std::to_string(s.items) + " matrices of " + std::to_string(s.rows) + "x" + std::to_string(s.cols) + " " +
           to_string(s.input_dtype) + ", algorithm " + w::to_string(s.algorithm);
  };
  app.annotate = [](nlohmann::json& rec, const Stack& s, const Options& opt) {
    rec["algorithm"] = w::to_string(s.algorithm);
    rec["algorithm_requested"] = opt.choices.at("--algorithm");
    rec["dtype"] = to_string(s.input_dtype);
    rec["cols"] = s.cols;
  };
  app.perturb = [](Correlations& c) { c.back() += 1.0; };
  return app_main(argc, argv, app);
}
