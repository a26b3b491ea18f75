// Chapter "Sharing memory": the determinants of a tensor's slices
// tensor[:, :, s], three ways, checked against a sequential loop:
//   1. RawArray + initializer: the tensor in shared memory (one copy per node),
//      each rank reads the slices it is given; determinants come back by map.
//   2. not shared: root alone holds the slices and sends each to its rank.
//   3. SharedMemory: tensor and results in named segments of this host.
#include <hmp/array.hpp>
#include <hmp/pool.hpp>
#include <hmp/serialize_eigen.hpp>  // Eigen matrices cross ranks
#include <hmp/shared_memory_manager.hpp>

#include <Eigen/Dense>
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ranges>
#include <vector>

namespace {

constexpr std::size_t n = 10, m = 200;  // m slices of n x n

// Element (i, j, s), stored at i + j*n + s*n*n (numpy order='F': slices are contiguous).
double element(std::size_t i, std::size_t j, std::size_t s) {
  return (i == j ? double(n) : 0.0) + double((i * 31 + j * 17 + s * 7) % 11) / 10.0;
}

void fill(double* tensor) {
  for (std::size_t s = 0; s < m; ++s)
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t i = 0; i < n; ++i) tensor[i + j * n + s * n * n] = element(i, j, s);
}

double det(const double* slice) {
  return Eigen::MatrixXd(Eigen::Map<const Eigen::MatrixXd>(slice, n, n)).determinant();
}

// Python's worker global, set by the pool's initializer.
const hmp::RawArray<double>* g_tensor = nullptr;
double det_of_slice(std::size_t s) { return det(g_tensor->data() + s * n * n); }

void report(const char* method, const std::vector<double>& got, const std::vector<double>& want) {
  bool same = got.size() == want.size();
  for (std::size_t s = 0; same && s < got.size(); ++s)
    same = std::abs(got[s] - want[s]) <= 1e-12 * std::abs(want[s]);
  std::printf("%-30s %zu determinants, %s\n", method, got.size(), same ? "same as sequential" : "DIFFERENT");
}

}  // namespace

int main(int argc, char** argv) {
  hmp::Runtime rt(argc, argv);

  // The sequential reference, on root.
  std::vector<double> want;
  if (rt.is_root()) {
    std::vector<double> tensor(n * n * m);
    fill(tensor.data());
    for (std::size_t s = 0; s < m; ++s) want.push_back(det(tensor.data() + s * n * n));
    double sum = 0;
    for (double d : want) sum += d;
    std::printf("%zu slices of %zu x %zu; sequential: sum of determinants %.6e\n", m, n, n, sum);
  }

  {  // 1. RawArray + initializer
    hmp::RawArray<double> tensor(rt, n * n * m);  // collective; one zeroed copy per node
    if (rt.is_root()) fill(tensor.data());
    tensor.broadcast_from_root();  // every node's copy = root's, fenced: all ranks see it
    hmp::Pool pool(rt, {.initializer = [&] { g_tensor = &tensor; }});
    auto dets = pool.map(det_of_slice, std::views::iota(std::size_t{0}, m));
    if (rt.is_root()) report("RawArray + initializer:", dets, want);
  }

  {  // 2. not shared: only root has the slices; each travels to the rank that takes it
    std::vector<Eigen::MatrixXd> slices;
    if (rt.is_root()) {
      std::vector<double> tensor(n * n * m);
      fill(tensor.data());
      for (std::size_t s = 0; s < m; ++s) slices.emplace_back(Eigen::Map<Eigen::MatrixXd>(tensor.data() + s * n * n, n, n));
    }
    hmp::Pool pool(rt);
    auto dets = pool.map([](const Eigen::MatrixXd& a) { return a.determinant(); }, hmp::from_root(slices));
    if (rt.is_root()) report("not shared (from_root):", dets, want);
  }

  {  // 3. SharedMemory: named POSIX segments, visible to the ranks of this host only
    hmp::SharedMemoryManager manager;  // root's manager unlinks the names at scope exit
    hmp::SharedMemory tensor, dets;
    char names[2][hmp::SharedMemory::max_name_length + 1] = {};
    if (rt.is_root()) {
      tensor = manager.create(n * n * m * sizeof(double));
      dets = manager.create(m * sizeof(double));
      std::strcpy(names[0], tensor.name().c_str());
      std::strcpy(names[1], dets.name().c_str());
      fill(tensor.as_span<double>().data());
    }
    // The names reach the other ranks with plain MPI (hmp never hides the communicator).
    MPI_Bcast(names, sizeof names, MPI_CHAR, 0, rt.world().native());
    if (!rt.is_root()) {
      tensor = hmp::SharedMemory::attach(names[0]);
      dets = hmp::SharedMemory::attach(names[1]);
    }
    rt.world().barrier();  // root's fill happened before any rank reads

    hmp::Pool pool(rt);
    const double* t = tensor.as_span<double>().data();
    double* out = dets.as_span<double>().data();
    pool.for_each(m, [&](std::size_t s) { out[s] = det(t + s * n * n); });  // results in place
    if (rt.is_root()) report("SharedMemory, results in it:", std::vector<double>(out, out + m), want);
    rt.world().barrier();  // nobody unmaps while root reads
  }
}
