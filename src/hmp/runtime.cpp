#include <hmp/detail/agreement.hpp>
#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/open_mpi_settings.hpp>
#include <hmp/detail/segment_owner.hpp>
#include <hmp/detail/segment_registry.hpp>
#include <hmp/detail/segment_tracker.hpp>
#include <hmp/detail/thread_cores.hpp>
#include <hmp/errors.hpp>
#include <hmp/runtime.hpp>
#include <hmp/detail/mpi_finalized.hpp>

#include <cxxabi.h>
#include <omp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <typeinfo>

namespace hmp {

namespace {

Runtime* g_current = nullptr;

int to_mpi(ThreadLevel level) {
  switch (level) {
    case ThreadLevel::single: return MPI_THREAD_SINGLE;
    case ThreadLevel::funneled: return MPI_THREAD_FUNNELED;
    case ThreadLevel::serialized: return MPI_THREAD_SERIALIZED;
    case ThreadLevel::multiple: return MPI_THREAD_MULTIPLE;
  }
  return MPI_THREAD_SINGLE;
}

ThreadLevel from_mpi(int level) {
  if (level >= MPI_THREAD_MULTIPLE) return ThreadLevel::multiple;
  if (level >= MPI_THREAD_SERIALIZED) return ThreadLevel::serialized;
  if (level >= MPI_THREAD_FUNNELED) return ThreadLevel::funneled;
  return ThreadLevel::single;
}

// std::terminate handler: one line naming the rank and the exception, then
// MPI_Abort, so the other ranks are ended at once instead of waiting forever
// in their next collective.
[[noreturn]] void abort_job() {
  int rank = -1, initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::string what = "std::terminate called without an active exception";
  if (auto eptr = std::current_exception()) {
    const std::type_info* type = abi::__cxa_current_exception_type();
    std::string type_name = type ? type->name() : "unknown";
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> demangled(
        abi::__cxa_demangle(type_name.c_str(), nullptr, nullptr, &status), std::free);
    if (status == 0 && demangled) type_name = demangled.get();
    try {
      std::rethrow_exception(eptr);
    } catch (const std::exception& e) {
      what = "uncaught exception " + type_name + ": " + e.what();
    } catch (...) {
      what = "uncaught exception of type " + type_name;
    }
  }
  std::fprintf(stderr, "hmp: rank %d: %s; aborting the job\n", rank, what.c_str());
  std::fflush(stderr);
  detail::unlink_registered_segments();  // the other ranks get SIGTERM: see on_terminate_signal
  if (initialized && !finalized) MPI_Abort(MPI_COMM_WORLD, 1);
  std::_Exit(1);
}

// mpirun ends the other ranks of an aborted job with SIGTERM (and Ctrl-C
// or a Slurm time limit sends SIGINT/SIGTERM): remove this rank's named
// segments, then die of the signal as before.
extern "C" void on_terminate_signal(int sig) {
  detail::unlink_registered_segments();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

extern "C" void unlink_at_exit() { detail::unlink_registered_segments(); }

void install_signal_cleanup() {
  // Open MPI may end a rank with exit() when it loses its daemon.
  static const bool registered = std::atexit(unlink_at_exit) == 0;
  (void)registered;
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) {
    struct sigaction old {};
    if (sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL) continue;  // someone else's: keep it
    struct sigaction sa {};
    sa.sa_handler = on_terminate_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, nullptr);
  }
}

}  // namespace

std::string to_string(ThreadLevel level) {
  switch (level) {
    case ThreadLevel::single: return "MPI_THREAD_SINGLE";
    case ThreadLevel::funneled: return "MPI_THREAD_FUNNELED";
    case ThreadLevel::serialized: return "MPI_THREAD_SERIALIZED";
    case ThreadLevel::multiple: return "MPI_THREAD_MULTIPLE";
  }
  return "unknown";
}

Runtime::Runtime(int& argc, char**& argv, RuntimeOptions options) { init(&argc, &argv, options); }
Runtime::Runtime(RuntimeOptions options) { init(nullptr, nullptr, options); }

void Runtime::init(int* argc, char*** argv, const RuntimeOptions& options) {
  if (g_current) throw UsageError("hmp::Runtime made twice: make one Runtime, first thing in main");
  if (options.abort_on_uncaught_exception) std::set_terminate(abort_job);
  requested_ = options.requested;
  int initialized = 0, provided = MPI_THREAD_SINGLE;
  MPI_Initialized(&initialized);
  // Before MPI_Init: the fork happens while this process has one thread.
  detail::start_segment_tracker();
  if (initialized) {
    MPI_Query_thread(&provided);  // the user started MPI; they finalize it
  } else {
    detail::apply_open_mpi_defaults();  // a user's own settings win
    HMP_MPI_CHECK(MPI_Init_thread(argc, argv, to_mpi(options.requested), &provided));
    finalize_ = true;
  }
  provided_ = from_mpi(provided);
  // Errors come back as codes that HMP_MPI_CHECK turns into exceptions.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  if (provided_ < options.required) {
    const std::string msg = "MPI provides " + to_string(provided_) + " but " +
                            to_string(options.required) +
                            " is required: use an MPI library built with thread support";
    if (finalize_) MPI_Finalize();
    finalize_ = false;
    throw UsageError(msg);
  }
  g_current = this;
  install_signal_cleanup();
  try {
    build_topology();
    warn_if_threads_exceed_cores(topology_.threads_per_rank);
  } catch (...) {
    g_current = nullptr;
    leaders_.reset();
    node_.reset();
    world_.reset();
    if (finalize_) MPI_Finalize();
    finalize_ = false;
    throw;
  }
  remove_orphan_segments();
}

void Runtime::remove_orphan_segments() {
  if (topology_.local_rank != 0) return;
  // Silent: an app's bad input must stay one line (hmp-info --clean lists them).
  try {
    for (const auto& o : detail::remove_orphan_segments()) orphans_removed_.push_back(o.name);
  } catch (const std::exception&) {
    // Cleaning up after others must never stop this job from starting.
  }
}

void Runtime::build_topology() {
  world_ = Communicator(MPI_COMM_WORLD, false).dup();
  Topology& t = topology_;
  t.world_rank = world_.rank();
  t.world_size = world_.size();
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  t.host = host;
  const int simulated_nodes = read_settings();
  t.sockets_per_node = detail::count_sockets();
  t.cores_per_node = detail::count_cores();
#ifdef HMP_SMPI
  t.threads_per_rank = 1;  // a simulated rank is one thread of the simulator
  char name[MPI_MAX_PROCESSOR_NAME] = {};
  int length = 0;
  if (MPI_Get_processor_name(name, &length) == MPI_SUCCESS) t.host = name;  // the simulated host
#endif
  // Without this, each rank's OpenMP runtime would start one thread per core
  // and R ranks would run R x cores threads.
  omp_set_num_threads(t.threads_per_rank);

  MPI_Comm shared = MPI_COMM_NULL;
  HMP_MPI_CHECK(MPI_Comm_split_type(world_.native(), MPI_COMM_TYPE_SHARED, t.world_rank,
                                    MPI_INFO_NULL, &shared));
  Communicator real_node(shared, true);
  int real_leader = real_node.rank() == 0 ? 1 : 0, real_nodes = 0;
  HMP_MPI_CHECK(MPI_Allreduce(&real_leader, &real_nodes, 1, MPI_INT, MPI_SUM, world_.native()));
  detail::check_one_sided_between_nodes(world_.native(), real_nodes);
  if (simulated_nodes > 0) {
    // Contiguous blocks of world ranks; a block never spans two real nodes.
    const int block = static_cast<int>(static_cast<long>(t.world_rank) * simulated_nodes / t.world_size);
    node_ = real_node.split(block, t.world_rank);
    t.simulated = true;
  } else {
    node_ = std::move(real_node);
  }
  t.local_rank = node_.rank();
  t.ranks_per_node = node_.size();
  leaders_ = world_.split(t.local_rank == 0 ? 0 : MPI_UNDEFINED, t.world_rank);
  int ids[2] = {0, 0};  // node index, node count, known on leaders first
  if (leaders_.valid()) {
    ids[0] = leaders_.rank();
    ids[1] = leaders_.size();
  }
  HMP_MPI_CHECK(MPI_Bcast(ids, 2, MPI_INT, 0, node_.native()));
  t.node_index = ids[0];
  t.nodes = ids[1];
}

int Runtime::read_settings() {
  std::string error;
  int simulated_nodes = 0;
  try {
    topology_.threads_per_rank = detail::threads_from_environment();
    simulated_nodes = detail::simulated_nodes_from_environment(topology_.world_size);
  } catch (const UsageError& e) {
    error = e.what();
  }
  // Each rank has its own environment: all must stop alike, with one text.
  if (const auto bad = detail::first_failure(world_, error)) throw SettingError(bad->message, topology_.world_rank);
  return simulated_nodes;
}

void Runtime::warn_if_threads_exceed_cores(int threads) {
  const int cpus = detail::cpus_allowed();
  const int short_of_cores = cpus > 0 && threads > cpus ? 1 : 0;
  int mine[2] = {short_of_cores, short_of_cores ? -cpus : INT_MIN};  // ranks short; -(fewest CPUs)
  int all[2] = {0, 0};
  HMP_MPI_CHECK(MPI_Allreduce(&mine[0], &all[0], 1, MPI_INT, MPI_SUM, world_.native()));
  HMP_MPI_CHECK(MPI_Allreduce(&mine[1], &all[1], 1, MPI_INT, MPI_MAX, world_.native()));
  if (all[0] == 0 || threads_warned_) return;
  threads_warned_ = true;
  if (is_root())
    std::fprintf(stderr, "%s\n", detail::threads_exceed_cores_warning(threads, -all[1], all[0], size()).c_str());
}

Runtime::~Runtime() {
  while (!exit_hooks_.empty()) {
    auto hook = std::move(exit_hooks_.back());
    exit_hooks_.pop_back();
    try {
      hook();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "hmp: rank %d: at exit: %s\n", topology_.world_rank, e.what());
    }
  }
  // Named segments created and never unlinked: removed, with a warning, as
  // Python's resource tracker does at exit.
  std::string leaked;
  for (const auto& name : detail::registered_segments())
    if (detail::unlink_segment(name) == 0) leaked += (leaked.empty() ? "" : ", ") + name;
  if (!leaked.empty())
    std::fprintf(stderr, "hmp: rank %d: unlinked shared memory segment(s) left at exit: %s\n",
                 topology_.world_rank, leaked.c_str());
  leaders_.reset();
  node_.reset();
  world_.reset();
  g_current = nullptr;
  if (finalize_) {
    detail::note_mpi_finalized();
    MPI_Finalize();
  }
}

Runtime& Runtime::current() {
  if (!g_current) throw UsageError("no hmp::Runtime: make one first thing in main");
  return *g_current;
}

}  // namespace hmp
