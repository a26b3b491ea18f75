#include <workloads/determinant_batched.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

// One build runs on any x86-64, each kernel compiled also for AVX2+FMA and
// AVX-512 and picked at load time (GCC's function multiversioning).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
// Vec below never crosses a call boundary between clones: GCC's note that a
// 64-byte vector's calling convention depends on AVX-512 does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"
#define HMP_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define HMP_SIMD_CLONES
#endif

namespace hmp::workloads {
namespace {

// Eight doubles: one AVX-512 register, two AVX2 ones (GCC's vector
// extension, so every clone below gets the widest form its ISA has). Selects
// are `mask ? x : y` on whole vectors: no branch, no per-lane code. Only
// 8-byte alignment is assumed (unaligned loads cost nothing extra here, and
// std::vector does not promise 64).
typedef double Vec __attribute__((vector_size(64), aligned(8)));
constexpr std::size_t kWidth = 8;
// Vectors per element of a block: 16 slices factored together, so that each
// loop step has two independent vector operations; a 10 x 10 block (12.8 KB)
// and its pivot row stay in L1.
constexpr std::size_t kVecs = 2;
constexpr std::size_t kLanes = kWidth * kVecs;
static_assert(kLanes == batch_lanes);

// a[(i * n + j) * kVecs + v] = element (i, j) of the matrices in vector v's
// lanes; `prow` holds n * kVecs vectors of scratch. det[v] receives the
// determinants of vector v's lanes.
HMP_SIMD_CLONES
void factor_block(Vec* __restrict a, std::size_t n, Vec* __restrict prow, Vec* __restrict det) {
  constexpr std::size_t V = kVecs;
  for (std::size_t v = 0; v < V; ++v) det[v] = Vec{} + 1.0;
  for (std::size_t k = 0; k < n; ++k) {
    const Vec* ak = a + (k * n + k) * V;
    const Vec kk = Vec{} + static_cast<double>(k);
    Vec best[V], pivot[V], prow_index[V], inv[V];
    for (std::size_t v = 0; v < V; ++v) best[v] = ak[v] < 0 ? -ak[v] : ak[v], pivot[v] = ak[v], prow_index[v] = kk;
    // Each lane's pivot: the first largest |a(i, k)|, i >= k (as LAPACK's idamax).
    for (std::size_t i = k + 1; i < n; ++i) {
      const Vec* aik = a + (i * n + k) * V;
      const Vec row = Vec{} + static_cast<double>(i);
      for (std::size_t v = 0; v < V; ++v) {
        const Vec m = aik[v] < 0 ? -aik[v] : aik[v];
        const auto larger = m > best[v];
        best[v] = larger ? m : best[v];
        pivot[v] = larger ? aik[v] : pivot[v];
        prow_index[v] = larger ? row : prow_index[v];
      }
    }
    for (std::size_t v = 0; v < V; ++v) {
      const Vec p = pivot[v];
      det[v] = (prow_index[v] != kk ? -det[v] : det[v]) * p;  // a row exchange flips the sign
      const auto zero = p == 0;
      inv[v] = zero ? Vec{} : 1.0 / (zero ? Vec{} + 1.0 : p);  // a zero pivot: det is 0, nothing to eliminate
    }
    // The pivot row (columns k+1..n-1), selected lane by lane.
    for (std::size_t j = k + 1; j < n; ++j)
      for (std::size_t v = 0; v < V; ++v) prow[j * V + v] = a[(k * n + j) * V + v];
    for (std::size_t i = k + 1; i < n; ++i) {
      const Vec row = Vec{} + static_cast<double>(i);
      for (std::size_t j = k + 1; j < n; ++j)
        for (std::size_t v = 0; v < V; ++v)
          prow[j * V + v] = prow_index[v] == row ? a[(i * n + j) * V + v] : prow[j * V + v];
    }
    // Eliminate below row k. The lanes whose pivot row is i take row k in its
    // place (the exchange); row k itself is not needed again.
    for (std::size_t i = k + 1; i < n; ++i) {
      const Vec row = Vec{} + static_cast<double>(i);
      const Vec* aik = a + (i * n + k) * V;
      Vec mult[V];
      for (std::size_t v = 0; v < V; ++v) mult[v] = (prow_index[v] == row ? ak[v] : aik[v]) * inv[v];
      for (std::size_t j = k + 1; j < n; ++j) {
        Vec* aij = a + (i * n + j) * V;
        const Vec* akj = a + (k * n + j) * V;
        const Vec* pj = prow + j * V;
        for (std::size_t v = 0; v < V; ++v) aij[v] = (prow_index[v] == row ? akj[v] : aij[v]) - mult[v] * pj[v];
      }
    }
  }
}

}  // namespace

void determinants_batched(const double* tensor, std::size_t size, std::size_t items, std::size_t first,
                          std::size_t last, double* dets) {
  constexpr std::size_t L = kLanes;
  const std::size_t n = size, elements = size * size;
  std::vector<double> block(elements * L), prow(n * L), det(L);
  const auto vecs = [](std::vector<double>& v) { return reinterpret_cast<Vec*>(v.data()); };
  for (std::size_t s = first; s < last; s += L) {
    const std::size_t lanes = std::min(L, last - s);
    for (std::size_t e = 0; e < elements; ++e) {
      const double* src = tensor + e * items + s;
      double* dst = block.data() + e * L;
      if (lanes == L) {
        std::memcpy(dst, src, L * sizeof(double));
        // Lines four blocks ahead: n * n streams are more than the hardware
        // prefetcher follows (four measured best: 4x the per-matrix kernel).
        __builtin_prefetch(src + 4 * L);
        __builtin_prefetch(src + 4 * L + 8);
      } else {
        const bool diagonal = e % (n + 1) == 0;  // unused lanes: the identity (det 1, no zero pivots)
        for (std::size_t l = 0; l < L; ++l) dst[l] = l < lanes ? src[l] : (diagonal ? 1.0 : 0.0);
      }
    }
    factor_block(vecs(block), n, vecs(prow), vecs(det));
    std::copy_n(det.data(), lanes, dets + (s - first));
  }
}

double lu_flops(std::size_t size) {
  double flops = 0;
  for (std::size_t m = 1; m < size; ++m) flops += static_cast<double>(m) + 2.0 * static_cast<double>(m * m);
  return flops;
}

}  // namespace hmp::workloads
