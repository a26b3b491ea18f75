// hmp-determinants: det of every slice tensor[:, :, s] of the tutorial's
// tensor, shape (size, size, items), integer entries in [-5, 5) from --seed
// or float64 from --input; results (items,) float64 (--output). Eigen LU with
// partial pivoting, as numpy.linalg.det.
#include <common/compare.hpp>
#include <common/driver.hpp>
#include <workloads/determinant.hpp>

#include <omp.h>

#include <cmath>

namespace {

using namespace hmp::apps;
namespace w = hmp::workloads;

struct Tensor {
  std::size_t size = 0, items = 0;
  std::vector<double> data;  ///< (size, size, items), C order
};

using Dets = std::vector<double>;
using Context = MethodContext<Tensor, Dets>;

void sequential(Context& ctx) {
  const auto& t = ctx.in;
  ctx.time([&](Busy& busy) {
    if (!ctx.rt.is_root()) return;
    busy.measure([&] { w::determinants(t.data.data(), t.size, t.items, 0, t.items, ctx.out.data()); });
  });
}

// The numba prange chapter: slices shared out among root's OpenMP threads.
void openmp(Context& ctx) {
  const auto& t = ctx.in;
  ctx.time([&](Busy& busy) {
    if (!ctx.rt.is_root()) return;
    busy.measure([&] {
      const auto items = static_cast<std::ptrdiff_t>(t.items);
#pragma omp parallel
      {
        w::DeterminantWorkspace ws;  // one per thread: no allocation per slice
#pragma omp for schedule(static)
        for (std::ptrdiff_t s = 0; s < items; ++s)
          ctx.out[static_cast<std::size_t>(s)] = ws(t.data.data(), t.size, t.items, static_cast<std::size_t>(s));
      }
    });
  });
}

// ---------------------------------------------------------------------------
// Pool methods (issue 6, second half): `void name(Context& ctx)`, setup
// untimed (SharedArray + initializer / slices sent / SharedMemory with the
// results in shared memory), then ctx.time(body); dets into ctx.out on root.
// Register each by replacing the `{}` in its line of the table in main().
// ---------------------------------------------------------------------------

Tensor load(hmp::Runtime& rt, Options& opt) {
  Tensor t;
  if (!opt.input.empty()) {
    auto a = read_input(rt, opt.input, [](const NpyArray& a) {
      const auto& s = a.header.shape;
      if (s.size() != 3 || s[0] != s[1])
        throw InputError{"shape " + shape_string(s) + ": expected (size, size, items), the tutorial's tensor"};
      if (a.header.dtype != Dtype::float64) throw InputError{"dtype " + to_string(a.header.dtype) + ": allowed float64"};
    });
    t.size = opt.size = a.header.shape[0];
    t.items = opt.items = a.header.shape[2];
    t.data = std::move(std::get<0>(a.data));
  } else {
    checked_elements({opt.size, opt.size, opt.items}, "--size x --size x --items");
    t.size = opt.size;
    t.items = opt.items;
    t.data = w::random_tensor(t.size, t.items, opt.seed);
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  hmp::Runtime rt(argc, argv);
  AppDefinition<Tensor, Dets> app;
  app.spec.app = "determinants";
  app.spec.description = "hmp-determinants: det of every slice tensor[:, :, s] of a (size, size, items) tensor";
  app.spec.default_items = 10000;
  app.spec.default_size = 10;
  app.spec.items_help = "slices of the tensor";
  app.spec.size_help = "rows (= columns) of each slice";
  app.methods = {
      {"sequential", sequential},
      {"openmp", openmp},
      // Pool methods: fill in after merging hmp::Pool (see the comment above load()).
      {"pool.shared_array", {}},
      {"pool.not_shared", {}},
      {"pool.shared_memory", {}},
  };
  app.timed_region = "from the tensor in memory (a vector on root, or where the method shares it) to every det on root";
  app.load = load;
  app.make_output = [](const Tensor& t, const Options&) { return Dets(t.items, std::nan("")); };
  app.reference = [](const Tensor& t, const Options&, Dets& d) {
    w::determinants(t.data.data(), t.size, t.items, 0, t.items, d.data());
  };
  app.compare = [](const Tensor&, const Dets& got, const Dets& want) {
    // The same LU everywhere; the tolerance only absorbs a different
    // instruction order: 1e-9 relative (absolute below 1).
    return first_difference(got, want, 1, 0, [&](std::size_t i) { return 1e-9 * std::max(1.0, std::fabs(want[i])); });
  };
  app.write_output = [](const std::string& path, const Tensor& t, const Dets& d) { write_npy(path, {t.items}, d); };
  app.perturb = [](Dets& d) { d.back() += 1.0; };
  app.describe = [](const Tensor& t, const Options&) {
    return std::to_string(t.items) + " slices of " + std::to_string(t.size) + "x" + std::to_string(t.size);
  };
  return run_app(rt, argc, argv, app);
}
