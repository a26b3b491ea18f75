// hmp-determinants: det of every slice tensor[:, :, s] of the tutorial's
// tensor, shape (size, size, items), integer entries in [-5, 5) from --seed
// or any bool, integer or float dtype from --input (converted to float64 as
// numpy.linalg.det does); results (items,) float64 (--output). LU with
// partial pivoting, as numpy.linalg.det: the tutorial's per-matrix kernel
// (Eigen, one slice at a time; the default) or --kernel batched (16 slices
// at once, one per SIMD lane), in every method.
#include <common/compare.hpp>
#include <common/broadcast.hpp>
#include <common/driver.hpp>
#include <common/memory_check.hpp>
#include <common/npy_convert.hpp>
#include <common/pool_support.hpp>
#include <workloads/determinant.hpp>
#include <workloads/determinant_batched.hpp>

#include <hmp/pool.hpp>
#include <hmp/serialize_eigen.hpp>  // Eigen matrices cross ranks
#include <hmp/shared_array.hpp>
#include <hmp/shared_memory.hpp>

#include <mpi.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>

#include <cmath>

namespace {

using namespace hmp::apps;
namespace w = hmp::workloads;

struct Tensor {
  std::size_t size = 0, items = 0;
  Dtype input_dtype = Dtype::float64;
  std::vector<double> data;  ///< (size, size, items), C order
};

using Dets = std::vector<double>;
using Context = MethodContext<Tensor, Dets>;

/// dets[s - first] = det(tensor[:, :, s]), s in [first, last): both kernels' signature.
using Kernel = void (*)(const double* tensor, std::size_t size, std::size_t items, std::size_t first,
                        std::size_t last, double* dets);

const char* const kKernelOption = "--kernel";

bool batched(const Options& opt) { return opt.choices.at(kKernelOption) == "batched"; }
Kernel kernel(const Options& opt) { return batched(opt) ? w::determinants_batched : w::determinants; }

void sequential(Context& ctx) {
  const auto& t = ctx.in;
  const Kernel det = kernel(ctx.options);
  ctx.time([&](Busy& busy) {
    if (!ctx.rt.is_root()) return;
    busy.measure([&] { det(t.data.data(), t.size, t.items, 0, t.items, ctx.out.data()); });
  });
}

// The numba prange chapter: slices shared out among root's OpenMP threads,
// a contiguous block each (what schedule(static) over slices gave).
void openmp(Context& ctx) {
  const auto& t = ctx.in;
  const Kernel det = kernel(ctx.options);
  ctx.time([&](Busy& busy) {
    if (!ctx.rt.is_root()) return;
    busy.measure([&] {
#pragma omp parallel
      {
        const auto mine = thread_block(t.items);
        det(t.data.data(), t.size, t.items, mine.begin, mine.end, ctx.out.data() + mine.begin);
      }
    });
  });
}

// ---------------------------------------------------------------------------
// Pool methods: the tutorial's three ways of sharing the tensor. Every one
// keeps the tutorial's (size, size, items) C layout (slices strided, as in
// sequential and openmp) and the same kernel (--kernel), so the ratios
// compare sharing and scheduling, not layouts.
// ---------------------------------------------------------------------------

// Python's Pool(initializer=init, initargs=(shared_array,)) makes the shared
// array a global of every worker; here the initializer sets this pointer on
// every rank.
const double* shared_tensor = nullptr;

// pool.shared_array: the tensor in a SharedArray (one copy per node) filled
// once before the timed region; the pool's initializer hands it to the tasks;
// blocks of slices (static_block) write their dets in place into a
// SharedArray of dets; gather_to_root brings other nodes' dets to root's node.
void pool_shared_array(Context& ctx) {
  const auto& t = ctx.in;
  hmp::SharedArray<double> tensor(ctx.rt, t.data.size());
  if (ctx.rt.is_root()) std::copy(t.data.begin(), t.data.end(), tensor.begin());
  tensor.broadcast_from_root();
  hmp::SharedArray<double> dets(ctx.rt, t.items);
  auto options = pool_options(ctx.threads);
  options.initializer = [&tensor] { shared_tensor = tensor.data(); };
  hmp::Pool pool(ctx.rt, options);
  const Blocks blocks = blocks_for(pool, t.items);
  const Kernel det = kernel(ctx.options);
  ctx.time([&](Busy& busy) {
    const auto mine = for_each_block(pool, blocks, busy, [&](std::size_t first, std::size_t last) {
      det(shared_tensor, t.size, t.items, first, last, dets.data() + first);
    });
    dets.gather_to_root(mine);
  });
  if (ctx.rt.is_root()) std::copy(dets.begin(), dets.end(), ctx.out.begin());
  shared_tensor = nullptr;
}

// pool.not_shared: the slices as values of their own, made on root before
// the timed region and sent to the rank that takes them (hmp::from_root,
// where Python pickles); the dets come back to root in pool.map's result.
// Per-matrix kernel: one matrix per slice. Batched kernel: one item per
// w::batch_lanes slices, in the tensor's layout (lanes fastest).

template <class Matrix>
void not_shared_per_matrix(Context& ctx) {
  const auto& t = ctx.in;
  std::vector<Matrix> slices;
  if (ctx.rt.is_root()) {
    slices.resize(t.items);
    for (std::size_t s = 0; s < t.items; ++s) slices[s] = w::slice_view(t.data.data(), t.size, t.items, s);
  }
  hmp::Pool pool(ctx.rt, pool_options(ctx.threads));
  ctx.time([&](Busy& busy) {
    TaskClock clock;
    const auto dets = pool.map(
        [&clock](const Matrix& m) {
          return clock.measure([&] {
            thread_local Eigen::PartialPivLU<w::RowMatrix> lu;  // the per-matrix kernel, reused: no allocation per slice
            if (m.rows() == 0) return 1.0;
            lu.compute(m);
            return lu.determinant();
          });
        },
        hmp::from_root(slices));
    busy.add(clock.seconds());
    if (ctx.rt.is_root()) std::copy(dets.begin(), dets.end(), ctx.out.begin());
  });
}

void not_shared_batched(Context& ctx) {
  const auto& t = ctx.in;
  constexpr std::size_t lanes = w::batch_lanes;
  const std::size_t elements = t.size * t.size;
  // Group g: rows = the slice elements, columns = slices g*lanes... (fewer in the last group).
  std::vector<w::RowMatrix> groups;
  if (ctx.rt.is_root()) {
    groups.resize((t.items + lanes - 1) / lanes);
    for (std::size_t g = 0; g < groups.size(); ++g) {
      const std::size_t first = g * lanes, count = std::min(lanes, t.items - first);
      groups[g].resize(static_cast<Eigen::Index>(elements), static_cast<Eigen::Index>(count));
      for (std::size_t e = 0; e < elements; ++e)
        std::copy_n(t.data.data() + e * t.items + first, count, groups[g].data() + e * count);
    }
  }
  hmp::Pool pool(ctx.rt, pool_options(ctx.threads));
  const std::size_t size = t.size;
  ctx.time([&](Busy& busy) {
    TaskClock clock;
    const auto dets = pool.map(
        [&clock, size](const w::RowMatrix& g) {
          return clock.measure([&] {
            std::array<double, lanes> d{};
            const auto count = static_cast<std::size_t>(g.cols());
            w::determinants_batched(g.data(), size, count, 0, count, d.data());
            return d;
          });
        },
        hmp::from_root(groups));
    busy.add(clock.seconds());
    if (ctx.rt.is_root())
      for (std::size_t s = 0; s < t.items; ++s) ctx.out[s] = dets[s / lanes][s % lanes];
  });
}

void pool_not_shared(Context& ctx) {
  if (batched(ctx.options))
    not_shared_batched(ctx);
  else if (ctx.in.size == 10)  // the tutorial's slices: fixed-size matrices travel as raw bytes, one block a chunk
    not_shared_per_matrix<Eigen::Matrix<double, 10, 10, Eigen::RowMajor>>(ctx);
  else  // shape + coefficients each
    not_shared_per_matrix<w::RowMatrix>(ctx);
}

// Root's copy of `data` gets the items other nodes wrote in theirs (each
// rank names its ranges); ranks of root's node wrote root's copy already.
void gather_written(const hmp::Runtime& rt, const std::vector<hmp::IndexRange>& mine, double* data) {
  if (rt.topology().nodes == 1) return;
  const bool remote = rt.topology().node_index != 0;  // root is world rank 0, on node 0
  std::vector<std::uint64_t> ranges;
  std::vector<double> values;
  if (remote)
    for (const auto& r : mine) {
      ranges.insert(ranges.end(), {r.begin, r.end});
      values.insert(values.end(), data + r.begin, data + r.end);
    }
  const MPI_Comm comm = rt.world().native();
  const int counts[2] = {static_cast<int>(ranges.size()), static_cast<int>(values.size())};
  std::vector<int> all(2 * static_cast<std::size_t>(rt.world().size()));
  MPI_Gather(counts, 2, MPI_INT, all.data(), 2, MPI_INT, 0, comm);
  std::vector<int> rcounts, vcounts, rdispl, vdispl;
  std::vector<std::uint64_t> all_ranges;
  std::vector<double> all_values;
  if (rt.is_root()) {
    int ro = 0, vo = 0;
    for (std::size_t k = 0; k < all.size(); k += 2) {
      rcounts.push_back(all[k]), rdispl.push_back(ro), ro += all[k];
      vcounts.push_back(all[k + 1]), vdispl.push_back(vo), vo += all[k + 1];
    }
    all_ranges.resize(static_cast<std::size_t>(ro));
    all_values.resize(static_cast<std::size_t>(vo));
  }
  MPI_Gatherv(ranges.data(), counts[0], MPI_UINT64_T, all_ranges.data(), rcounts.data(), rdispl.data(),
              MPI_UINT64_T, 0, comm);
  MPI_Gatherv(values.data(), counts[1], MPI_DOUBLE, all_values.data(), vcounts.data(), vdispl.data(), MPI_DOUBLE, 0,
              comm);
  std::size_t v = 0;
  for (std::size_t k = 0; k < all_ranges.size(); k += 2)
    for (auto i = all_ranges[k]; i < all_ranges[k + 1]; ++i) data[i] = all_values[v++];
}

// pool.shared_memory: named POSIX segments (SharedMemory, as Python's
// shared_memory.SharedMemory) for the tensor and the dets, one pair per node,
// created by the node's first rank and attached by the others by name. Each
// node's first rank fills its tensor before the timed region; blocks of
// slices write their dets into the dets segment; other nodes' dets reach
// root by message (segments are host-local).
void pool_shared_memory(Context& ctx) {
  const auto& t = ctx.in;
  const auto& topo = ctx.rt.topology();
  // Names unique to this run and node: the root's pid, the node's index.
  const int root_pid = broadcast_int(ctx.rt.world(), static_cast<int>(getpid()));
  const std::string name = "hmp-determinants-" + std::to_string(root_pid) + "-" + std::to_string(topo.node_index);
  auto tensor = hmp::SharedMemory::create_on_node(ctx.rt.node(), name + "-tensor", t.data.size() * sizeof(double));
  auto dets = hmp::SharedMemory::create_on_node(ctx.rt.node(), name + "-dets", std::max<std::size_t>(t.items, 1) * sizeof(double));
  if (topo.local_rank == 0) {
    // Every rank of the node has mapped both (create_on_node returned): the
    // names can go now, so a killed run leaves nothing in /dev/shm.
    tensor.unlink();
    dets.unlink();
    std::copy(t.data.begin(), t.data.end(), tensor.as_span<double>().begin());
  }
  ctx.rt.node().barrier();  // the tensor is filled before any rank reads it
  const double* tensor_data = tensor.as_span<double>().data();
  double* dets_data = dets.as_span<double>().data();
  hmp::Pool pool(ctx.rt, pool_options(ctx.threads));
  const Blocks blocks = blocks_for(pool, t.items);
  const Kernel det = kernel(ctx.options);
  ctx.time([&](Busy& busy) {
    const auto mine = for_each_block(pool, blocks, busy, [&](std::size_t first, std::size_t last) {
      det(tensor_data, t.size, t.items, first, last, dets_data + first);
    });
    std::atomic_thread_fence(std::memory_order_seq_cst);
    ctx.rt.node().barrier();  // this node's dets are all written (and visible) before root reads them
    gather_written(ctx.rt, mine, dets_data);
  });
  if (ctx.rt.is_root()) std::copy(dets_data, dets_data + t.items, ctx.out.begin());
  ctx.rt.node().barrier();  // nobody unmaps while root still copies
}

// Every rank holds the tensor; root the slices of pool.not_shared, the dets
// and --check's; each node a SharedArray and a named segment of the tensor.
MemoryNeed need(const Options& opt) {
  const double tensor = 8.0 * static_cast<double>(opt.size * opt.size * opt.items);
  return {tensor, tensor + 8.0 * static_cast<double>(opt.items) * (opt.check ? 4 : 3), 2 * tensor};
}

Tensor load(hmp::Runtime& rt, Options& opt) {
  Tensor t;
  if (!opt.input.empty()) {
    auto a = read_input(rt, opt.input, [](const NpyArray& a) {
      const auto& s = a.header.shape;
      if (s.size() != 3 || s[0] != s[1])
        throw InputError{"shape " + shape_string(s) + ": expected (size, size, items), the tutorial's tensor"};
      if (a.header.dtype.kind == 'c')
        throw InputError{"dtype " + to_string(a.header.dtype) + ": allowed bool, integer and float dtypes"};
    });
    t.size = opt.size = a.header.shape[0];
    t.items = opt.items = a.header.shape[2];
    check_memory(rt, opt, need(opt));
    t.input_dtype = a.header.dtype;
    t.data = to_float64(a);
  } else {
    checked_elements({opt.size, opt.size, opt.items}, "--size x --size x --items");
    check_memory(rt, opt, need(opt));
    t.size = opt.size;
    t.items = opt.items;
    t.data = w::random_tensor(t.size, t.items, opt.seed);
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  AppDefinition<Tensor, Dets> app;
  app.spec.app = "determinants";
  app.spec.description = "hmp-determinants: det of every slice tensor[:, :, s] of a (size, size, items) tensor";
  app.spec.default_items = 10000;
  app.spec.default_size = 10;
  app.spec.items_help = "slices of the tensor";
  app.spec.size_help = "rows (= columns) of each slice";
  app.spec.choices = {{kKernelOption,
                       "LU of one slice at a time (per-matrix: Eigen, the tutorial's) or of 16 at once, one per SIMD "
                       "lane (batched)",
                       {"per-matrix", "batched"},
                       "per-matrix"}};
  app.methods = {
      {"sequential", sequential},
      {"openmp", openmp},
      {"pool.shared_array", pool_shared_array},
      {"pool.not_shared", pool_not_shared},
      {"pool.shared_memory", pool_shared_memory},
  };
  app.timed_region =
      "from the tensor in memory (a vector on root; pool.shared_array: a SharedArray per node; pool.not_shared: one "
      "matrix per slice (batched kernel: per 16 slices) on root; pool.shared_memory: a named segment per node) to every "
      "det readable on root";
  app.load = load;
  app.make_output = [](const Tensor& t, const Options&) { return Dets(t.items, std::nan("")); };
  app.reference = [](const Tensor& t, const Options&, Dets& d) {
    w::determinants(t.data.data(), t.size, t.items, 0, t.items, d.data());
  };
  app.compare = [](const Tensor&, const Dets& got, const Dets& want) {
    // The same pivots everywhere (the batched kernel too); the tolerance only
    // absorbs a different rounding: 1e-9 relative (absolute below 1).
    return first_difference(got, want, 1, 0, [&](std::size_t i) { return 1e-9 * std::max(1.0, std::fabs(want[i])); });
  };
  app.write_output = [](const std::string& path, const Tensor& t, const Dets& d) { write_npy(path, {t.items}, d); };
  app.perturb = [](Dets& d) { d.back() += 1.0; };
  app.describe = [](const Tensor& t, const Options&) {
    return std::to_string(t.items) + " slices of " + std::to_string(t.size) + "x" + std::to_string(t.size) + " (" +
           to_string(t.input_dtype) + " in, float64 out)";
  };
  app.annotate = [](nlohmann::json& rec, const Tensor& t, const Options& opt) {
    rec["dtype"] = to_string(t.input_dtype);
    rec["kernel"] = opt.choices.at(kKernelOption);
  };
  return app_main(argc, argv, app);
}
