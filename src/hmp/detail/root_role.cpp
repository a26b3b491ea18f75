// Root's part of a call: it sends from_root inputs, computes its own share
// when it waits (and shares of later calls meanwhile), takes every worker's
// results into the result vector (from the worker's slab on root's node, or
// from messages), and sends the outcome to every worker.
#include <hmp/detail/call_tags.hpp>
#include <hmp/detail/message.hpp>
#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/mpi_finalized.hpp>
#include <hmp/detail/pool_role.hpp>
#include <hmp/detail/posted_message.hpp>
#include <hmp/detail/wait_until.hpp>
#include <hmp/errors.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace hmp::detail {

namespace {

// While root has work of its own in a map, it looks for workers' messages
// only after this much claiming: those workers send once, at the end of their
// share, and an MPI_Iprobe per worker costs more than a no-op task.
constexpr auto kProbeInterval = std::chrono::microseconds(20);

// What root adds to a result vector between two looks at its messages
// (grow_results): 8 pages, whose faults cost root 15-20 us of simulated time
// (128 KiB cost 60 us, a failure's notice waiting behind them).
constexpr std::size_t kResultsStep = std::size_t{32} << 10;

// Root that answers requests for blocks sleeps at most this long between
// its polls: a node waits for the answer (in simulated time a poll costs a
// simulator event, nothing more).
#ifdef HMP_SMPI
constexpr auto kServeMaxSleep = std::chrono::microseconds(2);
#else
constexpr auto kServeMaxSleep = kTargetMaxSleep;
#endif

class RootRole final : public PoolRole {
 public:
  RootRole(PoolContext& ctx, const std::vector<std::weak_ptr<CallState>>& pending) : ctx_(ctx), pending_(pending) {}
  ~RootRole() override {
    if (mpi_finalized()) return;
    wait_for_loans();
  }

  void start(CallState& call) override {
    outbox_.reap();
    reap_loans();
    const auto size = static_cast<std::size_t>(ctx_.size);
    if (call.desc.inputs_from_root) {
      call.desc.inputs_read_as_claimed = workers_read_claims(call);
      const auto workers = size * static_cast<std::size_t>(ctx_.threads);
      if (!call.desc.inputs_read_as_claimed)
        call.desc.schedule = schedule_for_inputs_from_root(call.desc.schedule, call.desc.n, workers);
    }
    call.plan = make_call_schedule(call.desc.schedule, ctx_.shape_of(call), ctx_.claims, call.desc.owner);
    if (call.desc.waited_for && earlier_calls_joined(call)) call.plan->begin_claims();
    if (serves_only(call)) call.local.done = true;
    if (call.desc.inputs_from_root) send_inputs(call);
    auto& root = call.root;
    root.results_sized = false;
    grow_results(call, call.desc.relayed() ? kResultsStep : SIZE_MAX);  // the rest while root waits
    root.worker_done.assign(size, 0);
    root.told_here.clear();
    root.worker_done[static_cast<std::size_t>(ctx_.root)] = 1;
    root.busy.assign(size, 0.0);
    root.requests.assign(size, 0);
    root.settled = false;
    root.notices_due.assign(size, 0);
    root.notices_in.assign(size, 0);
    root.last_draw = call.started;
    if (ctx_.progress) {
      root.progress_base.resize(size);
      for (std::size_t r = 0; r < size; ++r) root.progress_base[r] = ctx_.counters.load(1 + r);
    }
  }

  bool join(CallState& call, GiveUpAt deadline) override { return wait(call, Until::joined, deadline); }

  bool poll(CallState& call) override {
    if (call.joined) return true;
    call.plan->serve_blocks();
    try_receive(call);
    // Nothing left to claim means root's share is done without computing.
    if (!call.local.done && !call.plan->is_static() && call.plan->exhausted(ctx_.rank, call.local.cursor))
      call.local.done = true;
    if (call.local.done && call.root.all_workers_done()) finish(call);
    return call.joined;
  }

  bool advance(CallState& call) override {
    const std::size_t before = call.root.arrived.size();
    Backoff backoff = backoff_for(call);
    auto last_news = Clock::now();
    while (!call.joined && call.root.arrived.size() == before) {
      if (step(call)) {
        backoff.reset();
        last_news = Clock::now();
      } else if (call.local.done && call.root.all_workers_done()) {
        finish(call);
      } else {
        if (seconds_since(last_news) > ctx_.wait_timeout) timed_out_on_results(call);
        backoff.pause();
        draw_progress(call, false);
      }
    }
    return call.root.arrived.size() > before;
  }

  const std::vector<double>& last_busy() const noexcept override { return last_busy_; }

  // A call settled early (settle_early): takes the rest of its messages
  // (every rank sends its last one as it stops) and the requests for blocks
  // sent as it stopped, so nothing of it is left for a later call to find.
  void close(CallState& call) override {
    wait(call, Until::closed, std::nullopt);
    if (!call.root.told_here.empty()) send_outcome(call);  // ranks that made another call, come since
    complete(call);
    call.tail_open = false;
  }

 private:
  // In a call every rank waits for (relayed), a task's failure is the
  // outcome as soon as root knows it: root stops every node's tasks (the
  // board), sends the outcome down the relay tree and raises, before the
  // other ranks' messages are in; those it takes before its next call
  // (close). Not where root hands out the blocks and cannot stop the nodes'
  // ranks that wait for one (no board: root does not lead its node).
  bool settle_early(CallState& call) {
    if (!call.desc.relayed() || call.root.settled) return false;
    take_own_failure(call);
    if (!call.failure || call.mismatch) return false;
    if (serves_only(call) && !ctx_.board.active()) return false;
    ctx_.board.post(call.seq);
    settle(call);
    // The puts land: over TCP (osc pt2pt) they may wait at root until then.
    ctx_.board.complete();
    call.joined = true;
    call.tail_open = true;
    return true;
  }

  // The two ways root's wait on a call ends: the call joined (its outcome
  // settled, at the end or early), or, for a call settled early, every
  // rank's last message in (close).
  enum class Until { joined, closed };

  // Root's wait on `call`: notices, block requests and messages first, then
  // its own claims (and, while joining, its share of other calls), else a
  // pause; a wait with no news for the wait timeout throws. False if
  // `deadline` passed first.
  bool wait(CallState& call, Until until, GiveUpAt deadline) {
    const bool joining = until == Until::joined;
    Backoff backoff = backoff_for(call);
    auto last_news = Clock::now();
    while (joining ? !call.joined : !call.root.all_workers_done()) {
      if (deadline && Clock::now() >= *deadline) return false;
      if (step(call)) {
        backoff.reset();
        last_news = Clock::now();
        if (joining && settle_early(call)) return true;
      } else if (joining && call.local.done && call.root.all_workers_done()) {
        finish(call);
      } else if (joining && work_on_other_call(call)) {
        backoff.reset();
      } else if (joining && !call.root.results_sized) {
        grow_results(call, kResultsStep);
      } else {
        if (seconds_since(last_news) > ctx_.wait_timeout) timed_out_on_results(call);
        backoff.pause();
      }
      if (joining) draw_progress(call, false);
    }
    return true;
  }

  Backoff backoff_for(const CallState& call) const {
    return serves_only(call) ? Backoff(kSpin, kServeMaxSleep) : Backoff(kSpin);
  }

  // Whether root takes no claims of `call` and answers the nodes' requests
  // for blocks instead (node_blocks.hpp).
  bool serves_only(const CallState& call) const {
    return !call.plan->is_static() && ctx_.shape_of(call).claims_served_by_root;
  }

  // One step: answer requests for blocks and take messages that arrived,
  // else run root's own claims.
  bool step(CallState& call) {
    bool any = take_notices(call);
    if (any && call.failure && !call.root.settled) return true;  // settled in join
    any = call.plan->serve_blocks() || any;
    any = try_receive(call) || any;
    if (!any && !call.local.done && !call.failed()) any = work_on_earlier_call(call) || run_own_claims(call);
    if (call.failed()) call.local.done = true;  // the call fails anyway: stop computing
    return any;
  }

  // The result vector of a call every rank waits for grows while root
  // waits, a step at a time: made at once, its page faults kept root from
  // everything else (0.3 ms of simulated time for 10^5 results), a task's
  // failure sent to it included. Whole before a result lands in it.
  static void grow_results(CallState& call, std::size_t step_bytes) {
    if (!call.root.results_sized) call.root.results_sized = call.size_results_toward(call.desc.n, step_bytes);
  }
  static void ready_results(CallState& call) { grow_results(call, SIZE_MAX); }

  // Root's own claims of `call` until kProbeInterval has passed (one claim
  // for imap*, whose reader waits for each new range); false if none was left.
  bool run_own_claims(CallState& call) {
    ready_results(call);
    auto& clock = call.local.clock;
    clock.begin();
    const auto since = clock.last();
    bool any = false;
    while (ctx_.claim(call)) {
      run_own_claim(call);
      any = true;
      if (call.desc.streaming()) break;
      if (clock.after_claim(call.local.busy) && clock.last() - since >= kProbeInterval) break;
    }
    clock.end(call.local.busy);
    return any;
  }

  void run_own_claim(CallState& call) {
    dests_.clear();
    for (const auto& r : call.local.claimed) dests_.push_back(call.has_results() ? call.result_slot(r.begin) : nullptr);
    ctx_.run_claimed(call, dests_);
    // A failed claim holds items never computed: imap must not yield them.
    if (call.local.failed.load(std::memory_order_relaxed)) {
      call.plan->stop_claims();
      return;
    }
    auto& arrived = call.root.arrived;
    for (const auto& r : call.local.claimed) {
      // imap_unordered walks `arrived` while it grows: there ranges are only appended.
      if (call.desc.streaming())
        arrived.push_back(r);
      else
        append_merged(arrived, r);
    }
    call.root.items_in_place += items_in(call.local.claimed);
  }

  // Whether every call made before `call` is joined (so none has items left).
  bool earlier_calls_joined(const CallState& call) const {
    for (const auto& weak : pending_) {
      auto other = weak.lock();
      if (other.get() == &call) break;  // pending_ is in call order
      if (other && !other->joined) return false;
    }
    return true;
  }

  // Root's share of calls made before `call` comes first: a claim of a
  // later call moves the claim counter on to it (claim_counter.hpp), after
  // which an earlier call's items could no longer be claimed.
  bool work_on_earlier_call(const CallState& call) {
    for (const auto& weak : pending_) {
      auto other = weak.lock();
      if (other.get() == &call) break;  // pending_ is in call order
      if (other && !other->joined && !other->local.done && !other->failed() && run_own_claims(*other)) return true;
    }
    return false;
  }

  // Root waiting for one call does its own share of later calls meanwhile:
  // a loop of apply_async then get() runs the tasks side by side.
  bool work_on_other_call(const CallState& waiting) {
    for (const auto& weak : pending_) {
      auto other = weak.lock();
      if (!other || other.get() == &waiting || other->joined || other->local.done) continue;
      if (run_own_claims(*other)) return true;
    }
    return false;
  }

  // Workers' messages that arrived, up to one a worker: one probe for any
  // source, not one per worker (at thousands of ranks a probe of every
  // worker in each pass cost more than the messages).
  bool try_receive(CallState& call) {
    bool any = false;
    for (int k = 1; k < ctx_.size; ++k) {
      // Between two messages: a failure sent as it happened first (settled in join).
      if (k > 1 && take_notices(call) && call.failure && call.desc.relayed() && !call.root.settled) break;
      const int source = ctx_.probe_any(call.data_tag);
      if (source < 0) break;
      // A rank done with this call sent this for a call kTagCycle later (call_tags.hpp): look past it.
      if (call.root.worker_done[static_cast<std::size_t>(source)]) return probe_each(call) || any;
      take_message(call, source);
      any = true;
      // A node waiting for its next block waits no longer than one message:
      // nodes' results arrive together at the end, where a request waited
      // behind root's take of the lot (2.6 ms at 1,024 simulated ranks).
      call.plan->serve_blocks();
      if (call.failure && call.desc.relayed() && !call.root.settled) break;  // settle it first (join)
    }
    return any;
  }

  // Failures ranks sent root as they happened (worker_role.cpp,
  // tell_failure), on the call's status tag: root looks for them before
  // anything else, and settles the call (settle_early).
  bool take_notices(CallState& call) {
    if (!call.desc.relayed()) return false;
    bool any = false;
    for (int source; (source = ctx_.probe_any(call.status_tag)) >= 0;) {
      StatusHeader h;
      decode(ctx_.receive_probed(source, call.status_tag), h);
      if (h.seq != call.seq || !h.failure) throw Error("hmp: a pool message is malformed");
      call.root.notices_in[static_cast<std::size_t>(source)] = 1;
      if (!call.root.settled) keep_earliest(call.failure, h.failure);
      any = true;
    }
    return any;
  }

  bool probe_each(CallState& call) {
    bool any = false;
    for (int w = 0; w < ctx_.size; ++w)
      if (!call.root.worker_done[static_cast<std::size_t>(w)] && ctx_.probe(w, call.data_tag)) {
        take_message(call, w);
        any = true;
      }
    return any;
  }

  // The message probe found from `source`: its header, then its parts.
  void take_message(CallState& call, int source) {
    ready_results(call);
    DataHeader h;
    decode(ctx_.receive_probed(source, call.data_tag), h);
    const bool same = h.seq == call.seq && h.sig.same_call(call.desc.sig);
    if (call.root.settled) {
      // The outcome was sent: this message only completes the call.
    } else if (!same) {
      if (!call.mismatch)
        call.mismatch = mismatch_between(call.seq, "rank " + std::to_string(ctx_.root), call.desc.sig,
                                         "rank " + std::to_string(source), h.sig);
    } else {
      keep_earliest(call.failure, h.failure);
    }
    if (h.mismatch && !call.mismatch && !call.root.settled) call.mismatch = h.mismatch;
    const bool keep = same && !h.failure && !h.mismatch;
    take_slab_batch(call, source, h, keep);
    receive_results(call, source, h, keep);
    if (keep) {
      auto& arrived = call.root.arrived;
      arrived.insert(arrived.end(), h.slab_ranges.begin(), h.slab_ranges.end());
      arrived.insert(arrived.end(), h.ranges.begin(), h.ranges.end());
      call.root.items_in_place += items_in(h.slab_ranges) + items_in(h.ranges);
    }
    const auto s = static_cast<std::size_t>(source);
    call.root.busy[s] += h.busy;
    if (h.done) {
      call.root.worker_done[s] = 1;
      // In calls every rank waits for, root tells its relay tree, and
      // directly only a rank that made another call (a mismatch), not one
      // that sent its node's message (its leader tells it).
      const auto& tree = ctx_.tree.told;
      if (!call.desc.relayed() ||
          (!same && !h.gathered && std::find(tree.begin(), tree.end(), source) == tree.end()))
        call.root.told_here.push_back(source);
      call.root.requests[s] = std::max(call.root.requests[s], h.requests);
      if (h.noticed) call.root.notices_due[s] = 1;
    }
    take_carried(call, h.carried);
  }

  // A node leader's message was also the last one of these ranks of its node.
  void take_carried(CallState& call, std::span<const Carried> carried) {
    for (const auto& c : carried) {
      if (c.rank < 0 || c.rank >= ctx_.size || c.rank == ctx_.root) throw Error("hmp: a pool message is malformed");
      const auto r = static_cast<std::size_t>(c.rank);
      call.root.busy[r] += c.busy;
      call.root.worker_done[r] = 1;
      call.root.requests[r] = std::max(call.root.requests[r], c.requests);
    }
  }

  // A batch of raw results in the worker's slab (result_slab.hpp): copied
  // into the result vector when kept, and the slab given back either way.
  void take_slab_batch(CallState& call, int source, const DataHeader& h, bool keep) {
    if (h.slab_batch == 0) return;
    SlabReader* slab = ctx_.slabs.of(source);
    const std::size_t item = call.raw_item_bytes();
    if (!slab || (keep && item == 0)) throw Error("hmp: a pool message is malformed");
    if (keep) {
      std::size_t bytes = 0;
      for (const auto& r : h.slab_ranges)
        if (r.begin > r.end || r.end > call.desc.n ||
            __builtin_add_overflow(bytes, static_cast<std::size_t>(r.size()) * item, &bytes))
          throw Error("hmp: a pool message is malformed");
      const auto from = slab->batch(h.slab_batch, bytes);
      std::size_t at = 0;
      for (const auto& r : h.slab_ranges) {
        const std::size_t n = static_cast<std::size_t>(r.size()) * item;
        std::memcpy(call.result_slot(r.begin), from.data() + at, n);
        at += n;
      }
    }
    slab->release(h.slab_batch);
  }

  // The parts that follow a worker's header, into the result vector (`keep`)
  // or taken and dropped (so the next message read is a header again).
  // A part of raw results that is one range (a node leader sends a part a
  // run of positions: order_by_position) is received into place, no copy.
  void receive_results(CallState& call, int source, const DataHeader& h, bool keep) {
    if (keep) check_parts(h.parts, call.has_results() ? items_in(h.ranges) : 0);
    const std::size_t item = keep ? call.raw_item_bytes() : 0;
    RangeCursor cursor(h.ranges);
    for (const auto items : h.parts) {
      if (!keep) {
        ctx_.receive_probed(source, call.data_tag);
        continue;
      }
      cursor.take(items, part_ranges_);
      if (item && part_ranges_.size() == 1) {
        receive_in_place(call, source, part_ranges_.front(), item);
        continue;
      }
      call.unpack_results(ctx_.receive_probed(source, call.data_tag), part_ranges_);
    }
  }

  void receive_in_place(CallState& call, int source, Range r, std::size_t item) {
    if (r.begin >= r.end || r.end > call.desc.n) throw Error("hmp: a pool message is malformed");
    const std::span<std::byte> dest(static_cast<std::byte*>(call.result_slot(r.begin)), r.size() * item);
    ctx_.receive_part(source, call.data_tag, dest);
  }

  // Raw items that every worker can read from root's memory are lent whole:
  // each worker reads the chunks it claims, so the call keeps its schedule
  // (dynamic by default) and a worker slowed by its reads takes fewer. Only
  // in calls every rank waits for (map, starmap): async calls keep the
  // static shares they had (not measured otherwise).
  bool workers_read_claims(const CallState& call) const {
    if (call.desc.input_item_bytes == 0 || call.desc.owner >= 0 || !call.desc.waited_for || ctx_.size == 1)
      return false;
    for (int w = 0; w < ctx_.size; ++w)
      if (w != ctx_.root && !ctx_.reads_root_memory[static_cast<std::size_t>(w)]) return false;
    return true;
  }

  void send_inputs(CallState& call) {
    auto& local = call.local;
    std::vector<Part> parts;
    for (int w = 0; w < ctx_.size; ++w) {
      if (w == ctx_.root) continue;
      InputHeader h;
      h.seq = call.seq;
      h.sig = call.desc.sig;
      h.n = call.desc.n;
      h.schedule = call.desc.schedule;
      if (call.desc.inputs_read_as_claimed) {
        h.claimed = true;
        const Part all{{static_cast<const std::byte*>(call.desc.input_base), call.desc.n * call.desc.input_item_bytes},
                       call.desc.n};
        lend_inputs(call, w, h, std::span(&all, 1), {});
        continue;
      }
      h.ranges = call.plan->share_of(w);
      parts.clear();
      std::vector<std::vector<std::byte>> encoded;
      call.desc.input_parts(h.ranges, parts, encoded);
      for (const auto& p : parts) h.parts.push_back(p.items);
      if (ctx_.reads_root_memory[static_cast<std::size_t>(w)]) {
        lend_inputs(call, w, h, parts, std::move(encoded));
        continue;
      }
      for (auto& e : encoded) local.send_buffers.push_back(std::move(e));  // moved: `parts` still points into them
      send_in_parts(ctx_.comm.native(), w, call.input_tag, encode(h), parts, local.send_buffers, local.send_requests);
    }
    // The items leave before root computes its own share: they would not
    // travel meanwhile (see kSendSpin). Lent items need no wait.
    ctx_.wait_until(call, "workers to take their inputs", std::nullopt, [&] { return PoolContext::sends_done(call); });
  }

  // A worker of root's node reads its parts from root's memory itself
  // (cross_memory.hpp) while root computes: root sends where they are, and
  // keeps them, and the items they point into, until the worker says it has
  // read them (an empty message with the call's input tag).
  void lend_inputs(CallState& call, int worker, InputHeader& h, std::span<const Part> parts,
                   std::vector<std::vector<std::byte>> encoded) {
    h.pid = static_cast<std::uint64_t>(getpid());
    for (const auto& p : parts) {
      h.at.push_back(reinterpret_cast<std::uintptr_t>(p.bytes.data()));
      h.bytes.push_back(p.bytes.size());
    }
    auto& loan = loans_.emplace_back();
    loan.items = call.desc.inputs;
    loan.encoded = std::move(encoded);  // moved: `parts` still points into them
    HMP_MPI_CHECK(MPI_Irecv(nullptr, 0, MPI_BYTE, worker, call.input_tag, ctx_.comm.native(), &loan.read));
    send_in_parts(ctx_.comm.native(), worker, call.input_tag, encode(h), {}, call.local.send_buffers,
                  call.local.send_requests);
  }

  // Drops the loans whose reader said it has read them.
  void reap_loans() {
    std::erase_if(loans_, [](Loan& loan) {
      int done = 0;
      HMP_MPI_CHECK(MPI_Test(&loan.read, &done, MPI_STATUS_IGNORE));
      return done != 0;
    });
  }

  // Before the pool goes: lent memory stays until its reader is done (a call
  // dropped unjoined may still be read); a worker that never says so within
  // the wait timeout is given up (its receive cancelled).
  void wait_for_loans() noexcept {
    Backoff backoff(kSpin);
    const auto since = Clock::now();
    try {
      while (!loans_.empty() && seconds_since(since) < ctx_.wait_timeout) {
        reap_loans();
        backoff.pause();
      }
    } catch (...) {
      // An MPI error: the rest are given up below.
    }
    for (auto& loan : loans_) {
      MPI_Cancel(&loan.read);
      MPI_Request_free(&loan.read);
    }
    loans_.clear();
  }

  void finish(CallState& call) {
    ready_results(call);
    settle(call);
    complete(call);
    call.joined = true;
  }

  // The outcome, sent; it no longer changes.
  void settle(CallState& call) {
    reap_loans();
    take_own_failure(call);
    send_outcome(call);
    call.root.settled = true;
    if (call.failure) {
      if (call.desc.on_error) call.desc.on_error(task_error(*call.failure));
    } else if (!call.mismatch && call.desc.on_success) {
      call.desc.on_success();
    }
  }

  // Every rank's messages are in.
  void complete(CallState& call) {
    for (int r = 0; r < ctx_.size; ++r) {
      const auto u = static_cast<std::size_t>(r);
      if (!call.root.notices_due[u] || call.root.notices_in[u]) continue;
      ctx_.wait_until(call, Awaited("the failure sent as it happened by rank", r), std::nullopt,
                      [&] { return ctx_.probe(r, call.status_tag); });
      take_notices(call);
    }
    if (ctx_.node_blocks)
      for (int r = 0; r < ctx_.size; ++r)
        ctx_.node_blocks->take_requests(call.seq, call_tags(call.seq).claim, r,
                                        call.root.requests[static_cast<std::size_t>(r)]);
    ctx_.board.complete();
    call.root.busy[static_cast<std::size_t>(ctx_.root)] += call.local.busy;
    last_busy_ = call.root.busy;
    draw_progress(call, true);
  }

  void take_own_failure(CallState& call) {
    std::lock_guard lock(call.local.failure_mutex);
    keep_earliest(call.failure, call.local.failure);
  }

  void send_outcome(CallState& call) {
    StatusHeader h;
    h.seq = call.seq;
    h.failure = call.failure;
    h.mismatch = call.mismatch;
    h.with_results = call.desc.everywhere() && !call.failed() && call.has_results();
    auto bytes = encode(h);
    if (h.with_results) {
      const Range all{0, call.desc.n};
      call.pack_results(bytes, std::span<const Range>(&all, 1));
    }
    // In calls every rank waits for, down the relay tree (once); and to
    // the ranks whose last message came here, as far as they are not in it.
    auto& dests = call.root.told_here;
    if (call.desc.relayed() && !call.root.settled) dests.insert(dests.end(), ctx_.tree.told.begin(), ctx_.tree.told.end());
    if (!dests.empty()) outbox_.send(ctx_.comm.native(), dests, call.status_tag, std::move(bytes));
    dests.clear();
  }

  [[noreturn]] void timed_out_on_results(const CallState& call) const {
    std::string from;
    for (int w = 0; w < ctx_.size; ++w)
      if (!call.root.worker_done[static_cast<std::size_t>(w)]) from += (from.empty() ? "" : ",") + std::to_string(w);
    ctx_.timed_out(call, "results", " from rank(s) " + from);
  }

  void draw_progress(CallState& call, bool final);

  PoolContext& ctx_;
  const std::vector<std::weak_ptr<CallState>>& pending_;
  std::vector<void*> dests_;
  std::vector<Range> part_ranges_;  ///< the ranges of one part of a worker's results
  std::vector<double> last_busy_;
  // Inputs workers read from root's memory, kept until each says it has read them.
  struct Loan {
    MPI_Request read = MPI_REQUEST_NULL;     ///< the worker's word that it has read them
    std::shared_ptr<const void> items;       ///< the call's items (the parts point into them)
    std::vector<std::vector<std::byte>> encoded;  ///< or the parts themselves
  };
  std::vector<Loan> loans_;
  Outbox outbox_;  ///< outcomes on their way to the workers
};

// A line on stderr: items done, rate, time left, the slowest rank.
void RootRole::draw_progress(CallState& call, bool final) {
  if (!ctx_.progress) return;
  const auto now = Clock::now();
  if (!final && std::chrono::duration<double>(now - call.root.last_draw).count() < (ctx_.tty ? 0.25 : 1.0)) return;
  call.root.last_draw = now;
  std::uint64_t total = 0, slowest_done = UINT64_MAX;
  int slowest = 0;
  for (int r = 0; r < ctx_.size; ++r) {
    const auto u = static_cast<std::size_t>(r);
    const std::uint64_t d = ctx_.counters.load(1 + u) - call.root.progress_base[u];
    total += d;
    if (d < slowest_done) slowest_done = d, slowest = r;
  }
  // The counters may hold items a worker ran before root read their base at
  // the call's start; root's own count is exact once the call is joined.
  const std::uint64_t n = call.desc.n;
  total = final ? call.root.items_in_place : std::min<std::uint64_t>(total, n);
  const double elapsed = seconds_since(call.started);
  const double rate = elapsed > 0 ? static_cast<double>(total) / elapsed : 0;
  const double left = rate > 0 ? static_cast<double>(n - total) / rate : 0;
  char line[256];
  std::snprintf(line, sizeof line, "%s: %llu/%llu items (%.0f%%), %.3g items/s, ~%.1f s left, slowest rank %d (%llu items)",
                call.desc.sig.kind.c_str(), static_cast<unsigned long long>(total), static_cast<unsigned long long>(n),
                n ? 100.0 * static_cast<double>(total) / static_cast<double>(n) : 100.0, rate, left, slowest,
                static_cast<unsigned long long>(slowest_done == UINT64_MAX ? 0 : slowest_done));
  if (ctx_.tty)
    std::fprintf(stderr, "\r%s\033[K%s", line, final ? "\n" : "");
  else
    std::fprintf(stderr, "%s\n", line);
  std::fflush(stderr);
}

}  // namespace

std::unique_ptr<PoolRole> make_root_role(PoolContext& ctx, const std::vector<std::weak_ptr<CallState>>& pending) {
  return std::make_unique<RootRole>(ctx, pending);
}

}  // namespace hmp::detail
