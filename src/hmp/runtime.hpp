// hmp::Runtime: MPI's lifetime, the job's communicators and its topology.
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/topology.hpp>

#include <functional>
#include <string>
#include <vector>

namespace hmp {

/// MPI thread support levels, in increasing order.
enum class ThreadLevel { single = 0, funneled = 1, serialized = 2, multiple = 3 };
std::string to_string(ThreadLevel level);

struct RuntimeOptions {
  /// Level asked of MPI_Init_thread. hmp calls MPI only from the thread that
  /// made the Runtime, with OpenMP teams in between: funneled suffices.
  ThreadLevel requested = ThreadLevel::funneled;
  /// Below this, the constructor throws UsageError naming both levels.
#ifdef HMP_SMPI
  // SimGrid's SMPI provides MPI_THREAD_SINGLE; a simulated rank runs one
  // thread (teams of one), so no other thread ever calls MPI.
  ThreadLevel required = ThreadLevel::single;
#else
  ThreadLevel required = ThreadLevel::funneled;
#endif
  /// An uncaught exception on any rank aborts the whole job (MPI_Abort) with
  /// a message naming the rank, instead of leaving the other ranks waiting.
  bool abort_on_uncaught_exception = true;
};

/// RAII for MPI_Init_thread / MPI_Finalize, made once per process, first
/// thing in main, by every rank (collective). A bad OMP_NUM_THREADS,
/// SLURM_CPUS_PER_TASK or HMP_SIMULATE_NODES on any rank: every rank throws
/// the same SettingError, MPI already finalized (unless it was started
/// before the Runtime).
class Runtime {
 public:
  Runtime(int& argc, char**& argv, RuntimeOptions options = {});
  explicit Runtime(RuntimeOptions options = {});
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;
  ~Runtime();

  /// All ranks (a private duplicate of MPI_COMM_WORLD).
  const Communicator& world() const noexcept { return world_; }
  /// The ranks of this rank's node (real or simulated): they share memory.
  const Communicator& node() const noexcept { return node_; }
  /// One rank per node (local rank 0); null on the other ranks.
  const Communicator& leaders() const noexcept { return leaders_; }
  const Topology& topology() const noexcept { return topology_; }

  int rank() const noexcept { return topology_.world_rank; }
  int size() const noexcept { return topology_.world_size; }
  bool is_root() const noexcept { return topology_.world_rank == 0; }

  ThreadLevel thread_level_requested() const noexcept { return requested_; }
  ThreadLevel thread_level_provided() const noexcept { return provided_; }

  /// Collective over world: warns once per process, in one line on root's
  /// stderr, when `threads` OpenMP threads per rank exceed the CPUs some rank
  /// may run on (its binding), naming the fix. The constructor checks the
  /// threads from the environment; apps call it again with --threads.
  void warn_if_threads_exceed_cores(int threads);

  /// Runs `hook` in the destructor, before MPI_Finalize (hooks run in
  /// reverse order of registration, on every rank that registered one).
  void at_exit(std::function<void()> hook) { exit_hooks_.push_back(std::move(hook)); }

  /// Named segments this start removed from the node because the process
  /// that made them had ended without unlinking them (empty except on
  /// local rank 0; see hmp-info --clean).
  const std::vector<std::string>& orphan_segments_removed() const noexcept { return orphans_removed_; }

  /// The Runtime of this process; throws UsageError when there is none.
  static Runtime& current();

 private:
  void init(int* argc, char*** argv, const RuntimeOptions& options);
  void build_topology();
  /// Collective: the threads per rank (into topology_) and the simulated
  /// nodes (returned: 0 for none) from the environment; a bad value on any
  /// rank throws SettingError on every rank.
  int read_settings();
  void remove_orphan_segments();

  std::vector<std::function<void()>> exit_hooks_;
  bool finalize_ = false;
  bool threads_warned_ = false;
  ThreadLevel requested_ = ThreadLevel::funneled;
  ThreadLevel provided_ = ThreadLevel::single;
  Communicator world_;
  Communicator node_;
  Communicator leaders_;
  Topology topology_;
  std::vector<std::string> orphans_removed_;
};

}  // namespace hmp
