#include <hmp/detail/atomic_cells.hpp>
#include <hmp/detail/mpi_check.hpp>
#include <hmp/process.hpp>

#include <unistd.h>

#include <chrono>

namespace hmp {

namespace detail {

// What all Processes of a Runtime share: the pool that runs targets, one
// stop flag per process (in a window every rank can set), the ranks' pids.
struct ProcessRuntime {
  static constexpr int kSlots = 1024;
  explicit ProcessRuntime(Runtime& rt)
      : pool(rt, [] {
          PoolOptions o;
          o.threads = 1;  // a target is one task; it may use OpenMP itself
          return o;
        }()),
        flags(rt.world(), kSlots) {
    const int mine = static_cast<int>(getpid());
    pids.resize(static_cast<std::size_t>(rt.size()));
    HMP_MPI_CHECK(MPI_Allgather(&mine, 1, MPI_INT, pids.data(), 1, MPI_INT, rt.world().native()));
  }

  Pool pool;
  AtomicCells<std::uint64_t> flags;
  std::vector<int> pids;
  int next_id = 0;
  std::vector<Process*> live;  // started and not yet joined, for the exit hook
};

std::shared_ptr<ProcessRuntime> process_runtime(Runtime& rt) {
  // One per Runtime, made by the first Process (collectively, as every rank
  // makes the same Processes) and released at the Runtime's exit.
  static std::weak_ptr<ProcessRuntime> current;
  static std::shared_ptr<ProcessRuntime> keep;
  if (auto p = current.lock()) return p;
  keep = std::make_shared<ProcessRuntime>(rt);
  current = keep;
  rt.at_exit([] {
    // Python joins non-daemonic children at exit and terminates daemons.
    if (keep) {
      auto live = keep->live;
      for (auto* p : live)
        if (p->daemon) p->terminate();
      for (auto* p : live) p->join();
    }
    keep.reset();
  });
  return keep;
}

}  // namespace detail

namespace {
double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

bool StopToken::stop_requested() const { return rt_ && rt_->flags.load(slot_) != 0; }

Process::Process(Runtime& rt) : prt_(detail::process_runtime(rt)) {
  id_ = prt_->next_id++;
  name = "Process-" + std::to_string(id_ + 1);
  // Clear this process's stop flag (left by a process kSlots ago).
  if (rt.is_root()) {
    const int slot = id_ % detail::ProcessRuntime::kSlots;
    const std::uint64_t v = prt_->flags.load(slot);
    if (v) prt_->flags.fetch_add(slot, ~v + 1);
  }
  rt.world().barrier();
}

Process::~Process() {
  if (!started_ || joined_ || closed_) return;
  try {
    if (daemon) terminate();
    join();
  } catch (...) {
    // A destructor must not throw; join() in user code reports errors.
  }
}

void Process::check_open(const char* what) const {
  if (closed_) throw UsageError(std::string("hmp::Process::") + what + ": the process is closed");
}

void Process::start() {
  check_open("start");
  if (started_) throw UsageError("hmp::Process::start: a process can only be started once (" + name + ")");
  started_ = true;
  auto prt = prt_;
  const int slot = id_ % detail::ProcessRuntime::kSlots;
  auto body = body_;
  auto task = [prt, slot, body]() {
    ProcessOutcome out;
    out.pid = static_cast<int>(getpid());
    out.rank = prt->pool.rank();
    out.started = now_seconds();
    try {
      body(StopToken(prt, slot));
    } catch (...) {
      const auto f = detail::describe_current_exception(out.rank, 0);
      out.exitcode = 1;
      out.error = f.type + ": " + f.message;
    }
    out.ended = now_seconds();
    return out;
  };
  owner_ = prt_->pool.core_->next_owner();
  pid_ = prt_->pids[static_cast<std::size_t>(owner_)];
  result_ = prt_->pool.apply_on(owner_, detail::Delivery::everywhere, std::move(task), "Process.start");
  prt_->live.push_back(this);
}

void Process::collect() {
  if (joined_) return;
  outcome_ = result_.get();
  exitcode_ = outcome_.exitcode;
  joined_ = true;
  std::erase(prt_->live, this);
}

void Process::join() {
  check_open("join");
  if (!started_) throw UsageError("hmp::Process::join: can only join a started process");
  result_.wait();
  collect();
}

bool Process::is_alive() {
  check_open("is_alive");
  if (!started_ || joined_) return false;
  return !result_.ready();
}

void Process::terminate() {
  check_open("terminate");
  if (!started_ || joined_) return;
  // A worker that owns the process runs the target inside start(), so its
  // own call comes after the target returned; the other ranks' calls raise
  // the flag the running target polls.
  const int slot = id_ % detail::ProcessRuntime::kSlots;
  if (prt_->flags.load(slot) == 0) prt_->flags.fetch_add(slot, 1);
}

void Process::close() {
  if (closed_) return;
  if (started_ && !joined_ && is_alive())
    throw UsageError("hmp::Process::close: " + name + " is still running; join() it first");
  if (started_ && !joined_) collect();
  closed_ = true;
}

}  // namespace hmp
