// Options of hmp::Pool.
#pragma once

#include <hmp/schedule.hpp>

#include <functional>

namespace hmp {

class Communicator;

struct PoolOptions {
  /// OpenMP threads per rank; 0 takes the Runtime's (OMP_NUM_THREADS, else
  /// SLURM_CPUS_PER_TASK, else 1).
  int threads = 0;
  /// The rank that plays Python's parent: results land there.
  int root = 0;
  /// Default schedule of every call (a call may override it).
  Schedule schedule = Schedule::dynamic();
  /// Run once on every rank at construction (Python's initializer/initargs:
  /// capture the arguments in the lambda).
  std::function<void()> initializer{};  // {}: designated initializers that skip it warn (-Wextra) otherwise
  /// Root shows a progress line on stderr while it waits for a call
  /// (also switched on by HMP_PROGRESS=1).
  bool progress = false;
  /// Longest wait, in seconds, for another rank before TimeoutError names who
  /// waited for what; 0 takes HMP_WAIT_TIMEOUT, else 600.
  double wait_timeout = 0;
  /// The ranks of the pool; null means the Runtime's world.
  const Communicator* comm = nullptr;
  /// Python's Pool(processes=k): the pool is the first k ranks of `comm`
  /// (root among them); 0 takes them all. The other ranks hold a Pool that is
  /// not a member (member() is false): they make no calls on it and are free
  /// for other work, or another pool over their own communicator.
  int processes = 0;
};

namespace detail {
/// The OpenMP threads of each of the pool's ranks: the options', else the
/// Runtime's (`default_threads`), at least 1.
inline int pool_threads(const PoolOptions& options, int default_threads) noexcept {
#ifdef HMP_SMPI
  (void)options, (void)default_threads;
  return 1;  // a simulated rank is one thread of the simulator
#endif
  return options.threads > 0 ? options.threads : (default_threads > 1 ? default_threads : 1);
}
}  // namespace detail

}  // namespace hmp
