// hmp-fft2: numpy.fft.fft2 of many matrices, a stack (items, size, size) of
// random complex128 from --seed, or (items, rows, cols) of any bool, integer,
// float or complex dtype from --input (converted to complex128 as numpy
// does); results (items, rows, cols) complex128 (--output). FFTW plans are
// made before the timed region and shared by every thread.
#include <common/compare.hpp>
#include <common/driver.hpp>
#include <common/memory_check.hpp>
#include <common/npy_convert.hpp>
#include <common/pool_support.hpp>
#include <workloads/fft2.hpp>
#include <workloads/fftw_plans.hpp>
#include <workloads/inputs.hpp>

#include <hmp/pool.hpp>
#include <hmp/serialize.hpp>  // vectors cross ranks
#include <hmp/shared_array.hpp>

#include <algorithm>
#include <complex>

namespace {

using namespace hmp::apps;
namespace w = hmp::workloads;
using cd = std::complex<double>;

struct Stack {
  std::size_t items = 0, rows = 0, cols = 0;
  Dtype input_dtype = Dtype::complex128;
  std::vector<cd> data;  ///< (items, rows, cols), C order
  std::size_t elems() const { return rows * cols; }
};

using Spectra = std::vector<cd>;
using Context = MethodContext<Stack, Spectra>;

void sequential(Context& ctx) {
  const auto& s = ctx.in;
  w::prepare_fft2(s.rows, s.cols);
  ctx.time([&](Busy& busy) {
    if (!ctx.rt.is_root()) return;
    busy.measure([&] { w::fft2(s.data.data(), ctx.out.data(), s.rows, s.cols, s.items); });
  });
}

// One contiguous block of matrices per thread of root's team, same plans.
void openmp(Context& ctx) {
  const auto& s = ctx.in;
  w::prepare_fft2(s.rows, s.cols);
  ctx.time([&](Busy& busy) {
    if (!ctx.rt.is_root()) return;
    busy.measure([&] {
      const std::size_t n = s.elems();
#pragma omp parallel
      {
        const auto mine = thread_block(s.items);
        w::fft2(s.data.data() + mine.begin * n, ctx.out.data() + mine.begin * n, s.rows, s.cols,
                mine.end - mine.begin);
      }
    });
  });
}

// The tutorial's pool.map(np.fft.fft2, matrices): root holds the matrices
// (a list of them, made before the timed region); Pool::map ships each to the
// rank that takes it (hmp::from_root) and brings its spectrum back to root,
// in order. Timed from root's matrices to root's list of spectra; the copy
// into ctx.out (for --check and --output) comes after.
void pool_map(Context& ctx) {
  const auto& s = ctx.in;
  w::prepare_fft2(s.rows, s.cols);
  hmp::Pool pool(ctx.rt, pool_options(ctx.threads));
  map_from_root(
      ctx, pool, s.data, s.items, s.elems(),
      [&](const cd* in, cd* out) { w::fft2(in, out, s.rows, s.cols, 1); }, ctx.out);
}

// hmp's answer to shipping: pool.for_each over blocks of matrices (one block
// per worker thread, static_block schedule), each block's spectra written in
// place into a SharedArray (one copy per node, starting on a cache line so
// FFTW keeps its aligned kernels, mapped by every rank of the node): no
// matrix or result travels by message. With several nodes, gather_to_root
// brings the ranges other nodes wrote to root's node. Inputs: the replicated
// stack. The timed region ends with every spectrum in root's node's shared
// copy; the copy into ctx.out (for --check and --output) comes after it.
void pool_shared_array(Context& ctx) {
  const auto& s = ctx.in;
  w::prepare_fft2(s.rows, s.cols);
  hmp::Pool pool(ctx.rt, pool_options(ctx.threads));
  hmp::SharedArray<cd> spectra(ctx.rt, s.data.size());
  const std::size_t n = s.elems();
  const Blocks blocks = blocks_for(pool, s.items, 1);
  ctx.time([&](Busy& busy) {
    const auto mine = for_each_block(pool, blocks, busy, [&](std::size_t first, std::size_t last) {
      w::fft2(s.data.data() + first * n, spectra.data() + first * n, s.rows, s.cols, last - first);
    });
    spectra.gather_to_root(scaled(mine, n));
  });
  if (ctx.rt.is_root()) std::copy(spectra.begin(), spectra.end(), ctx.out.begin());
}

// Every rank holds the matrices; root the outputs, pool.map's lists and
// --check's reference; each node the SharedArray of spectra.
MemoryNeed need(const Options& opt, std::size_t elements) {
  const double bytes = 16.0 * static_cast<double>(elements);
  return {bytes, bytes * (opt.check ? 5 : 4), bytes};
}

Stack load(hmp::Runtime& rt, Options& opt) {
  Stack s;
  if (!opt.input.empty()) {
    auto a = read_matrix_stack(rt, opt);
    s.items = opt.items;
    s.rows = opt.size;
    s.cols = a.header.shape[2];
    check_memory(rt, opt, need(opt, s.items * s.rows * s.cols));
    s.input_dtype = a.header.dtype;
    s.data = to_complex128(a);
  } else {
    const auto n = checked_elements({opt.items, opt.size, opt.size}, "--items x --size x --size");
    check_memory(rt, opt, need(opt, n));
    s.items = opt.items;
    s.rows = s.cols = opt.size;
    s.data = w::random_complex(n, opt.seed);
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  AppDefinition<Stack, Spectra> app;
  app.spec.app = "fft2";
  app.spec.description =
      "hmp-fft2: numpy.fft.fft2 of a stack of (size x size) complex matrices, with FFTW (--input: any (items, rows, "
      "cols))";
  app.spec.default_items = 500;
  app.spec.default_size = 100;
  app.spec.items_help = "matrices";
  app.spec.size_help = "rows (= columns) of each matrix";
  app.methods = {
      {"sequential", sequential},
      {"openmp", openmp},
      {"pool.map", pool_map},
      {"pool.shared_array", pool_shared_array},
  };
  app.timed_region =
      "from the matrices in memory (a vector on root; for pool.map a list of matrices on root; replicated on every "
      "rank for pool.shared_array) to every spectrum readable on root (a vector; for pool.map a list; for "
      "pool.shared_array root's node's SharedArray); FFTW plans made before";
  app.check_settings = [] { w::fftw::planner_flags(); };
  app.load = load;
  app.make_output = [](const Stack& s, const Options&) { return Spectra(s.data.size(), cd(std::nan(""), 0)); };
  app.reference = [](const Stack& s, const Options&, Spectra& out) {
    w::fft2(s.data.data(), out.data(), s.rows, s.cols, s.items);
  };
  app.compare = [](const Stack& s, const Spectra& got, const Spectra& want) {
    // Other plans (batch, alignment) round differently: 1e-9 of the item's largest magnitude.
    const std::size_t n = s.elems();
    return first_difference(got, want, n, s.cols,
                            [&](std::size_t i) { return 1e-9 * std::max(1.0, item_scale(want, i, n)); });
  };
  app.write_output = [](const std::string& path, const Stack& s, const Spectra& out) {
    write_npy(path, {s.items, s.rows, s.cols}, out);
  };
  app.describe = [](const Stack& s, const Options&) {
    return std::to_string(s.items) + " matrices of " + std::to_string(s.rows) + "x" + std::to_string(s.cols) + " (" +
           to_string(s.input_dtype) + " in, complex128 out)";
  };
  app.annotate = [](nlohmann::json& rec, const Stack& s, const Options&) {
    rec["dtype"] = to_string(s.input_dtype);
    rec["cols"] = s.cols;
    rec["fft_batch"] = w::kFft2Batch;
  };
  app.perturb = [](Spectra& s) { s.back() += 1.0; };
  return app_main(argc, argv, app);
}
