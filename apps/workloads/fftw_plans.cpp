#include <workloads/fftw_plans.hpp>
#include <workloads/fftw_wisdom.hpp>

#include <hmp/detail/environment_setting.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

namespace hmp::workloads::fftw {

namespace {

std::mutex planner_mutex;
std::map<PlanKey, fftw_plan>& plans() {
  static std::map<PlanKey, fftw_plan> cache;  // plans live as long as the process
  return cache;
}

// Scratch of `bytes` whose start has FFTW alignment `align`: plans made on it
// run on user arrays of that alignment.
struct Scratch {
  Scratch(std::size_t bytes, int align) {
    base = static_cast<char*>(fftw_malloc(bytes + 64));
    if (!base) throw std::bad_alloc();
    for (std::size_t off = 0; off < 64; off += 8)
      if (alignment_of(base + off) == align) {
        ptr = base + off;
        break;
      }
    if (!ptr) {
      fftw_free(base);
      throw std::runtime_error("fftw: no scratch offset gives alignment " + std::to_string(align));
    }
    std::memset(ptr, 0, bytes);
  }
  ~Scratch() { fftw_free(base); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  char* base = nullptr;
  char* ptr = nullptr;
};

fftw_plan make(const PlanKey& k) {
  const unsigned flags = planner_flags();
  const auto n0 = static_cast<std::size_t>(k.n0), n1 = static_cast<std::size_t>(k.n1);
  const std::size_t half = n0 * (n1 / 2 + 1) * sizeof(fftw_complex);
  const auto many = static_cast<std::size_t>(k.howmany);
  // Every kind as plan_many: `howmany` matrices one after another (one is the plain 2-D plan).
  const int dims[2] = {k.n0, k.n1};
  const int real_dist = k.n0 * k.n1, half_dist = k.n0 * (k.n1 / 2 + 1);
  switch (k.kind) {
    case Kind::r2c_2d: {
      Scratch in(n0 * n1 * sizeof(double) * many, k.align_in), out(half * many, k.align_out);
      return fftw_plan_many_dft_r2c(2, dims, k.howmany, reinterpret_cast<double*>(in.ptr), nullptr, 1, real_dist,
                                    reinterpret_cast<fftw_complex*>(out.ptr), nullptr, 1, half_dist, flags);
    }
    case Kind::c2r_2d: {
      Scratch in(half * many, k.align_in), out(n0 * n1 * sizeof(double) * many, k.align_out);
      return fftw_plan_many_dft_c2r(2, dims, k.howmany, reinterpret_cast<fftw_complex*>(in.ptr), nullptr, 1,
                                    half_dist, reinterpret_cast<double*>(out.ptr), nullptr, 1, real_dist, flags);
    }
    case Kind::dft_2d: {
      const std::size_t bytes = n0 * n1 * many * sizeof(fftw_complex);
      Scratch in(bytes, k.align_in), out(bytes, k.align_out);
      return fftw_plan_many_dft(2, dims, k.howmany, reinterpret_cast<fftw_complex*>(in.ptr), nullptr, 1,
                                real_dist, reinterpret_cast<fftw_complex*>(out.ptr), nullptr, 1, real_dist,
                                FFTW_FORWARD, flags | FFTW_PRESERVE_INPUT);
    }
  }
  return nullptr;
}

}  // namespace

unsigned planner_flags() {
  const char* v = std::getenv("HMP_FFTW_PLANNER");
  const std::string s = v ? v : "";
  if (s.empty() || s == "measure") return FFTW_MEASURE;
  if (s == "estimate") return FFTW_ESTIMATE;
  if (s == "patient") return FFTW_PATIENT;
  throw hmp::detail::bad_environment_setting("HMP_FFTW_PLANNER", s, "give estimate, measure (the default) or patient");
}

int alignment_of(const void* p) { return fftw_alignment_of(static_cast<double*>(const_cast<void*>(p))); }

int alignment_classes(std::size_t granule, int* classes, int max_classes) {
  // FFTW's alignment is at most 64 bytes: offsets below 64 cover every class.
  char* base = static_cast<char*>(fftw_malloc(128));
  int n = 0;
  for (std::size_t off = 0; off < 64 && n < max_classes; off += granule) {
    const int a = alignment_of(base + off);
    bool seen = false;
    for (int j = 0; j < n; ++j) seen = seen || classes[j] == a;
    if (!seen) classes[n++] = a;
  }
  fftw_free(base);
  return n;
}

fftw_plan plan(const PlanKey& key) {
  if (key.n0 <= 0 || key.n1 <= 0 || key.howmany <= 0)
    throw std::invalid_argument("fftw: plan sizes must be positive");
  std::lock_guard lock(planner_mutex);
  auto& cache = plans();
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  static bool loaded = false;
  if (!loaded) {
    loaded = true;
    load_wisdom(wisdom_path());
  }
  fftw_plan p = make(key);
  if (!p) throw std::runtime_error("fftw: the planner returned no plan");
  cache.emplace(key, p);
  save_wisdom(wisdom_path());
  return p;
}

}  // namespace hmp::workloads::fftw
