#include <hmp/detail/backoff.hpp>
#include <hmp/detail/message.hpp>
#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/pool_core.hpp>
#include <hmp/errors.hpp>

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>

namespace hmp::detail {

namespace {

constexpr int kTagBase = 16;
constexpr std::uint64_t kTagCycle = 10000;  // 3 tags a call: 30016 < MPI's minimum tag bound 32767

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double timeout_from_environment(double asked) {
  if (asked > 0) return asked;
  if (const char* env = std::getenv("HMP_WAIT_TIMEOUT"); env && *env) {
    char* end = nullptr;
    const double v = std::strtod(env, &end);
    if (end == env || *end != '\0' || !(v > 0))
      throw UsageError(std::string("HMP_WAIT_TIMEOUT='") + env +
                       "' is not allowed: give a positive number of seconds");
    return v;
  }
  return 600;
}

bool progress_from_environment(bool asked) {
  const char* env = std::getenv("HMP_PROGRESS");
  return asked || (env && std::string(env) == "1");
}

int checked_count(std::size_t bytes) {
  if (bytes > static_cast<std::size_t>(INT_MAX))
    throw UsageError("hmp: one rank's part of a pool call exceeds 2 GiB in one message; use a "
                     "smaller chunksize with imap, or write results into a hmp::SharedArray");
  return static_cast<int>(bytes);
}

// The receive buffer is kept between messages up to this size: fresh pages
// cost a page fault each (several µs on a VM), and MPI's single-copy receive
// of MBs of results into new memory was slower than computing them.
constexpr std::size_t kKeepReceiveBuffer = std::size_t{64} << 20;

// While root has work of its own in a map, it looks for workers' messages
// only after this much claiming: those workers send once, at the end of their
// share, and an MPI_Iprobe per worker costs more than a no-op task.
constexpr auto kProbeInterval = std::chrono::microseconds(20);

// Waits for another rank spin this long before yielding or sleeping: most
// are a message's latency or the end of a peer's share, and a rank that
// yields on a busy machine may get its core back only ms later.
constexpr auto kSpin = std::chrono::microseconds(200);

// Open MPI moves a large message between ranks of a node (vader, without
// single copy: see Runtime::init) a 32 KB fragment per progress call of the
// sender. A sender that computes or sleeps meanwhile stretches 40 MB to
// seconds, so large sends are completed by spinning in MPI this long (the
// copy's time) before backing off.
constexpr auto kSendSpin = std::chrono::milliseconds(200);

}  // namespace

PoolCore::PoolCore(const Communicator& comm, const PoolOptions& options, int default_threads)
    : comm_(comm.dup()),
      rank_(comm_.rank()),
      size_(comm_.size()),
      root_(options.root),
      threads_(options.threads > 0 ? options.threads : std::max(1, default_threads)),
      progress_(progress_from_environment(options.progress)),
      tty_(isatty(STDERR_FILENO) != 0),
      wait_timeout_(timeout_from_environment(options.wait_timeout)),
      counters_(comm_, 1 + static_cast<std::size_t>(comm_.size())),
      claims_(counters_, 0) {
  if (root_ < 0 || root_ >= size_)
    throw UsageError("hmp::Pool: root " + std::to_string(root_) + " is not a rank of the pool (0.." +
                     std::to_string(size_ - 1) + ")");
}

PoolCore::~PoolCore() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;  // a pool that outlived the Runtime (a static): MPI already cleaned up
  try {
    join_all(true);
    for (auto& [req, buf] : outgoing_) MPI_Wait(&req, MPI_STATUS_IGNORE);
  } catch (...) {
    // A destructor must not throw; the calls' owners saw their errors.
  }
}

std::span<const std::byte> PoolCore::receive_probed(int source, int tag) {
  MPI_Status status;
  HMP_MPI_CHECK(MPI_Probe(source, tag, comm_.native(), &status));
  int count = 0;
  HMP_MPI_CHECK(MPI_Get_count(&status, MPI_BYTE, &count));
  const auto bytes = static_cast<std::size_t>(count);
  if (bytes <= kKeepReceiveBuffer && recv_buffer_.size() > kKeepReceiveBuffer)
    std::vector<std::byte>().swap(recv_buffer_);  // do not keep an outsized one
  if (recv_buffer_.size() < bytes) recv_buffer_.resize(bytes);
  HMP_MPI_CHECK(MPI_Recv(recv_buffer_.data(), count, MPI_BYTE, source, tag, comm_.native(), MPI_STATUS_IGNORE));
  return std::span<const std::byte>(recv_buffer_.data(), bytes);
}

void PoolCore::reap_sends() {
  std::erase_if(outgoing_, [](auto& entry) {
    int done = 0;
    MPI_Test(&entry.first, &done, MPI_STATUS_IGNORE);
    return done != 0;
  });
}

void PoolCore::start(const std::shared_ptr<CallState>& call_ptr, bool synchronous) {
  CallState& call = *call_ptr;
  reap_sends();
  call.seq = next_seq_++;
  const int base = kTagBase + static_cast<int>(3 * (call.seq % kTagCycle));
  call.data_tag = base;
  call.status_tag = base + 1;
  call.input_tag = base + 2;
  call.started = call.last_draw = Clock::now();
  if (call.inputs_from_root) {
    const auto workers = static_cast<std::size_t>(size_) * static_cast<std::size_t>(threads_);
    if (is_root()) {
      call.schedule = schedule_for_inputs_from_root(call.schedule, call.n, workers);
      call.plan = make_call_schedule(call.schedule, shape_of(call), claims_);
      send_inputs(call);
    } else {
      receive_inputs(call);  // sets n to root's
      call.schedule = schedule_for_inputs_from_root(call.schedule, call.n, workers);
    }
  }
  if (!call.plan) call.plan = make_call_schedule(call.schedule, shape_of(call), claims_, call.owner);
  std::erase_if(pending_, [](const auto& weak) {
    const auto c = weak.lock();
    return !c || c->joined;
  });
  pending_.push_back(call_ptr);
  if (is_root()) {
    call.worker_done.assign(static_cast<std::size_t>(size_), 0);
    call.worker_done[static_cast<std::size_t>(root_)] = 1;
    call.busy.assign(static_cast<std::size_t>(size_), 0.0);
    if (progress_) {
      call.progress_base.resize(static_cast<std::size_t>(size_));
      for (int r = 0; r < size_; ++r) call.progress_base[static_cast<std::size_t>(r)] = counters_.load(1 + r);
    }
  } else {
    work_share(call);
    send_data(call, true);
  }
  if (synchronous) join(call, std::nullopt);
}

CallShape PoolCore::shape_of(const CallState& call) const {
  return {call.n, size_, threads_, call.seq};
}

bool PoolCore::claim(CallState& call, std::vector<Range>& out) {
  out.clear();
  if (!call.own_done && !call.local_failed.load(std::memory_order_relaxed) &&
      call.plan->next(rank_, call.cursor, out))
    return true;
  call.own_done = true;
  return false;
}

void PoolCore::run_claim(CallState& call, const std::vector<Range>& ranges) {
  const auto t0 = Clock::now();
  call.run(ranges);
  const auto t1 = Clock::now();
  call.last_claim_end = t1;
  call.local_busy += std::chrono::duration<double>(t1 - t0).count();
  if (progress_) counters_.fetch_add(1 + static_cast<std::size_t>(rank_), items_in(ranges));
  // A claim with a failed task holds items never computed (the failed one,
  // and those its team skipped after it): they are not reported as done, so
  // imap never yields them; the failure travels with the rank's last message.
  if (call.local_failed.load(std::memory_order_relaxed)) return;
  if (is_root()) {
    // imap_unordered walks `arrived` while it grows: there ranges are only appended.
    for (const auto& r : ranges) {
      if (call.streaming)
        call.arrived.push_back(r);
      else
        append_merged(call.arrived, r);
    }
    call.items_in_place += items_in(ranges);
  } else {
    for (const auto& r : ranges) append_merged(call.done_ranges, r);
  }
}

void PoolCore::work_share(CallState& call) {
  while (claim(call, call.claimed)) {
    run_claim(call, call.claimed);
    if (call.streaming) send_data(call, false);
  }
}

void PoolCore::send_data(CallState& call, bool done) {
  DataHeader h;
  h.seq = call.seq;
  h.sig = call.sig;
  h.done = done;
  h.ranges = std::move(call.done_ranges);
  call.done_ranges.clear();
  h.busy = call.local_busy;
  call.local_busy = 0;
  if (done) {
    std::lock_guard lock(call.failure_mutex);
    h.failure = call.local_failure;
  }
  auto bytes = encode(h);
  if (call.pack && !h.failure) call.pack(bytes, h.ranges);
  MPI_Request req;
  HMP_MPI_CHECK(MPI_Isend(bytes.data(), checked_count(bytes.size()), MPI_BYTE, root_, call.data_tag,
                          comm_.native(), &req));
  call.send_buffers.push_back(std::move(bytes));
  call.send_requests.push_back(req);
}

void PoolCore::complete_sends(CallState& call, const char* what) {
  Backoff backoff(kSendSpin);
  const auto since = Clock::now();
  for (;;) {
    int done = 0;
    HMP_MPI_CHECK(MPI_Testall(static_cast<int>(call.send_requests.size()), call.send_requests.data(), &done,
                              MPI_STATUSES_IGNORE));
    if (done) break;
    if (seconds_since(since) > wait_timeout_) timed_out(call, what);
    backoff.pause();
  }
  call.send_requests.clear();
  call.send_buffers.clear();
}

void PoolCore::send_inputs(CallState& call) {
  std::vector<MPI_Request> reqs;
  std::vector<std::vector<std::byte>> buffers;
  for (int w = 0; w < size_; ++w) {
    if (w == root_) continue;
    InputHeader h;
    h.seq = call.seq;
    h.sig = call.sig;
    h.n = call.n;
    h.ranges = call.plan->share_of(w);
    auto bytes = encode(h);
    call.pack_inputs(bytes, h.ranges);
    reqs.emplace_back();
    HMP_MPI_CHECK(MPI_Isend(bytes.data(), checked_count(bytes.size()), MPI_BYTE, w, call.input_tag,
                            comm_.native(), &reqs.back()));
    buffers.push_back(std::move(bytes));
  }
  // The items leave before root computes its own share: they would not
  // travel meanwhile (see kSendSpin).
  call.send_requests.insert(call.send_requests.end(), reqs.begin(), reqs.end());
  for (auto& b : buffers) call.send_buffers.push_back(std::move(b));
  complete_sends(call, "workers to take their inputs");
}

void PoolCore::receive_inputs(CallState& call) {
  Backoff backoff(kSpin);
  const auto since = Clock::now();
  for (;;) {
    int flag = 0;
    HMP_MPI_CHECK(MPI_Iprobe(root_, call.input_tag, comm_.native(), &flag, MPI_STATUS_IGNORE));
    if (flag) break;
    if (seconds_since(since) > wait_timeout_) timed_out(call, "inputs from root");
    backoff.pause();
  }
  const auto bytes = receive_probed(root_, call.input_tag);
  InputHeader h;
  const auto payload = decode(bytes, h);
  if (h.sig.kind != call.sig.kind)
    call.mismatch = "collective mismatch in call #" + std::to_string(call.seq) + ": root made " +
                    h.sig.describe() + ", rank " + std::to_string(rank_) + " made " + call.sig.describe();
  call.n = h.n;
  call.sig.n = h.n;
  call.unpack_inputs(h.n, payload, h.ranges);
}

bool PoolCore::receive_one(CallState& call, int source) {
  int flag = 0;
  HMP_MPI_CHECK(MPI_Iprobe(source, call.data_tag, comm_.native(), &flag, MPI_STATUS_IGNORE));
  if (!flag) return false;
  const auto bytes = receive_probed(source, call.data_tag);
  DataHeader h;
  const auto payload = decode(bytes, h);
  const auto s = static_cast<std::size_t>(source);
  if (h.seq != call.seq || !h.sig.same_call(call.sig)) {
    if (!call.mismatch)
      call.mismatch = "collective mismatch in call #" + std::to_string(call.seq) + ": rank " +
                      std::to_string(root_) + " made " + call.sig.describe() + ", rank " +
                      std::to_string(source) + " made " + h.sig.describe();
  } else if (h.failure) {
    if (!call.failure || h.failure->index < call.failure->index) call.failure = h.failure;
  } else if (call.unpack) {
    call.unpack(payload, h.ranges);
  }
  if (!call.mismatch && !h.failure) {
    call.arrived.insert(call.arrived.end(), h.ranges.begin(), h.ranges.end());
    call.items_in_place += items_in(h.ranges);
  }
  call.busy[s] += h.busy;
  if (h.done) call.worker_done[s] = 1;
  return true;
}

bool PoolCore::try_receive(CallState& call) {
  bool any = false;
  for (int w = 0; w < size_; ++w)
    if (!call.worker_done[static_cast<std::size_t>(w)] && receive_one(call, w)) any = true;
  return any;
}

bool PoolCore::root_step(CallState& call, bool compute) {
  const bool may_compute = compute && !call.own_done && !call.failure && !call.mismatch;
  bool any = false;
  if (!may_compute || call.streaming || call.last_claim_end - call.last_probe >= kProbeInterval) {
    call.last_probe = call.last_claim_end;
    any = try_receive(call);
  }
  if (!any && may_compute && claim(call, call.claimed)) {
    run_claim(call, call.claimed);
    any = true;
  }
  if (call.failure || call.mismatch) call.own_done = true;  // the call fails anyway: stop computing
  return any;
}

void PoolCore::finish_root(CallState& call) {
  // Sends of this call (inputs, from_root) completed in send_inputs.
  {
    std::lock_guard lock(call.failure_mutex);
    if (call.local_failure && (!call.failure || call.local_failure->index < call.failure->index))
      call.failure = call.local_failure;
  }
  call.busy[static_cast<std::size_t>(root_)] += call.local_busy;
  StatusHeader h;
  h.seq = call.seq;
  h.failure = call.failure;
  h.mismatch = call.mismatch;
  h.with_results = call.everywhere && !call.failure && !call.mismatch && call.pack;
  auto bytes = std::make_shared<std::vector<std::byte>>(encode(h));
  if (h.with_results) {
    const Range all{0, call.n};
    call.pack(*bytes, std::span<const Range>(&all, 1));
  }
  for (int w = 0; w < size_; ++w) {
    if (w == root_) continue;
    MPI_Request req;
    HMP_MPI_CHECK(MPI_Isend(bytes->data(), checked_count(bytes->size()), MPI_BYTE, w, call.status_tag,
                            comm_.native(), &req));
    outgoing_.emplace_back(req, bytes);
  }
  last_busy_ = call.busy;
  call.joined = true;
  draw_progress(call, true);
  if (call.failure || call.mismatch) {
    if (call.on_error && call.failure)
      call.on_error(TaskError(call.failure->message, call.failure->type, call.failure->rank,
                              call.failure->index));
  } else if (call.on_success) {
    call.on_success();
  }
}

bool PoolCore::wait_status(CallState& call, std::optional<Clock::time_point> deadline) {
  Backoff backoff(kSpin), sending(kSendSpin);  // this rank's results still leaving: no sleeps (see kSendSpin)
  const auto since = Clock::now();
  for (;;) {
    int flag = 0;
    HMP_MPI_CHECK(MPI_Iprobe(root_, call.status_tag, comm_.native(), &flag, MPI_STATUS_IGNORE));
    if (flag) break;
    if (deadline && Clock::now() >= *deadline) return false;
    if (seconds_since(since) > wait_timeout_) timed_out(call, "the outcome from root");
    int sent = 1;
    if (!call.send_requests.empty())
      HMP_MPI_CHECK(MPI_Testall(static_cast<int>(call.send_requests.size()), call.send_requests.data(), &sent,
                                MPI_STATUSES_IGNORE));
    if (sent) {
      backoff.pause();
    } else {
      sending.pause();
    }
  }
  const auto bytes = receive_probed(root_, call.status_tag);
  StatusHeader h;
  const auto payload = decode(bytes, h);
  call.failure = h.failure;
  if (h.mismatch) call.mismatch = h.mismatch;
  if (h.with_results) {
    const Range all{0, call.n};
    call.unpack(payload, std::span<const Range>(&all, 1));
  }
  // Root has everything we sent, so these complete at once.
  HMP_MPI_CHECK(MPI_Waitall(static_cast<int>(call.send_requests.size()), call.send_requests.data(),
                            MPI_STATUSES_IGNORE));
  call.send_requests.clear();
  call.send_buffers.clear();
  call.joined = true;
  return true;
}

bool PoolCore::join(CallState& call, std::optional<Clock::time_point> deadline, bool quiet) {
  if (!call.joined) {
    if (is_root()) {
      Backoff backoff(kSpin);
      auto last_news = Clock::now();
      while (!call.joined) {
        if (deadline && Clock::now() >= *deadline) return false;
        if (root_step(call, true)) {
          backoff.reset();
          last_news = Clock::now();
        } else if (call.own_done &&
                   std::all_of(call.worker_done.begin(), call.worker_done.end(), [](char d) { return d; })) {
          finish_root(call);
          break;
        } else if (work_on_other_call(call)) {
          backoff.reset();
        } else {
          if (seconds_since(last_news) > wait_timeout_) timed_out(call, "results");
          backoff.pause();
        }
        draw_progress(call, false);
      }
    } else if (!wait_status(call, deadline)) {
      return false;
    }
  }
  if (!quiet) raise_outcome(call);
  return true;
}

bool PoolCore::poll(CallState& call) {
  if (call.joined) return true;
  if (!is_root()) return false;
  try_receive(call);
  // Nothing left to claim means root's share is done without computing.
  if (!call.own_done && !call.plan->is_static() && call.plan->exhausted(rank_, call.cursor)) call.own_done = true;
  if (call.own_done && std::all_of(call.worker_done.begin(), call.worker_done.end(), [](char d) { return d; })) {
    finish_root(call);
    return true;
  }
  return false;
}

bool PoolCore::advance(CallState& call) {
  const std::size_t before = call.arrived.size();
  Backoff backoff(kSpin);
  auto last_news = Clock::now();
  while (!call.joined) {
    const bool any = root_step(call, true);
    if (call.arrived.size() > before) return true;
    if (call.failure || call.mismatch) call.own_done = true;
    if (any) {
      backoff.reset();
      last_news = Clock::now();
      continue;
    }
    if (call.own_done && std::all_of(call.worker_done.begin(), call.worker_done.end(), [](char d) { return d; })) {
      finish_root(call);
      break;
    }
    if (seconds_since(last_news) > wait_timeout_) timed_out(call, "results");
    backoff.pause();
    draw_progress(call, false);
  }
  return call.arrived.size() > before;
}

bool PoolCore::work_on_other_call(const CallState& waiting) {
  // Root waiting for one call does its own share of later calls meanwhile:
  // a loop of apply_async then get() runs the tasks side by side.
  for (auto& weak : pending_) {
    auto other = weak.lock();
    if (!other || other.get() == &waiting || other->joined || other->own_done) continue;
    if (claim(*other, other->claimed)) {
      run_claim(*other, other->claimed);
      return true;
    }
  }
  return false;
}

void PoolCore::join_all(bool quiet) {
  for (auto& weak : pending_)
    if (auto call = weak.lock(); call && !call->joined) join(*call, std::nullopt, quiet);
  pending_.clear();
}

void PoolCore::draw_progress(CallState& call, bool final) {
  if (!progress_ || !is_root()) return;
  const auto now = Clock::now();
  const double since_draw = std::chrono::duration<double>(now - call.last_draw).count();
  if (!final && since_draw < (tty_ ? 0.25 : 1.0)) return;
  call.last_draw = now;
  std::uint64_t total = 0, slowest_done = UINT64_MAX;
  int slowest = 0;
  for (int r = 0; r < size_; ++r) {
    const std::uint64_t d = counters_.load(1 + r) - call.progress_base[static_cast<std::size_t>(r)];
    total += d;
    if (d < slowest_done) slowest_done = d, slowest = r;
  }
  // The counters may hold items a worker ran before root read their base at
  // the call's start; root's own count is exact once the call is joined.
  total = final ? call.items_in_place : std::min<std::uint64_t>(total, call.n);
  const double elapsed = seconds_since(call.started);
  const double rate = elapsed > 0 ? static_cast<double>(total) / elapsed : 0;
  const double left = rate > 0 ? static_cast<double>(call.n - total) / rate : 0;
  char line[256];
  std::snprintf(line, sizeof line, "%s: %llu/%llu items (%.0f%%), %.3g items/s, ~%.1f s left, slowest rank %d (%llu items)",
                call.sig.kind.c_str(), static_cast<unsigned long long>(total),
                static_cast<unsigned long long>(call.n), call.n ? 100.0 * static_cast<double>(total) / static_cast<double>(call.n) : 100.0,
                rate, left, slowest, static_cast<unsigned long long>(slowest_done == UINT64_MAX ? 0 : slowest_done));
  if (tty_)
    std::fprintf(stderr, "\r%s\033[K%s", line, final ? "\n" : "");
  else
    std::fprintf(stderr, "%s\n", line);
  std::fflush(stderr);
}

void PoolCore::timed_out(const CallState& call, const std::string& what) const {
  std::string from;
  if (is_root() && what == "results") {
    for (int w = 0; w < size_; ++w)
      if (!call.worker_done[static_cast<std::size_t>(w)]) from += (from.empty() ? "" : ",") + std::to_string(w);
    from = " from rank(s) " + from;
  }
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f", wait_timeout_);
  throw TimeoutError("hmp: rank " + std::to_string(rank_) + " waited " + secs + " s in " + call.sig.describe() +
                     " (call #" + std::to_string(call.seq) + ") for " + what + from +
                     "; did every rank make this call? (HMP_WAIT_TIMEOUT sets the limit)");
}

}  // namespace hmp::detail
