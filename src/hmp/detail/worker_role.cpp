// A worker's part of a call: receive its inputs (from_root), do its share
// inside the call, hand the results to root (on root's node through the
// worker's slab, else straight from where they were computed, a message per
// block), then wait for the call's outcome.
#include <hmp/detail/cross_memory.hpp>
#include <hmp/detail/message.hpp>
#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/node_gather.hpp>
#include <hmp/detail/pool_role.hpp>
#include <hmp/detail/posted_message.hpp>
#include <hmp/detail/wait_until.hpp>
#include <hmp/errors.hpp>

#include <optional>

namespace hmp::detail {

namespace {

// A worker sends the results it has staged once they reach this size,
// before its share is done (see send_batch).
constexpr std::size_t kBatchBytes = std::size_t{8} << 20;

// In a call every rank waits for, a rank sends its results on (to its node
// leader, or root on root's node) once it holds kStreamBytes of them and
// has computed kStreamAfterSeconds since its last message, and a node
// leader forwards what its node sent once it holds kForwardBytes: a long
// call's large results travel while it runs, and its end carries only the
// last part. Smaller or shorter calls send nothing before their end: each
// message costs its receiver, and root is also the one that hands out the
// blocks (sending after every claim of 2.4 ms, 192 bytes, cost a map of
// 10^5 tasks of 100 us 2-3% of its efficiency at 1,024 simulated ranks).
constexpr double kStreamAfterSeconds = 1e-3;
constexpr std::size_t kStreamBytes = std::size_t{16} << 10;
constexpr std::size_t kForwardBytes = std::size_t{64} << 10;

// Raw results up to this size go to a node leader inside their header (the
// posted receive takes up to kPostedBytes at once).
constexpr std::size_t kInlineBytes = std::size_t{3} << 10;

class WorkerRole final : public PoolRole {
 public:
  explicit WorkerRole(PoolContext& ctx) : ctx_(ctx) {}

  void start(CallState& call) override {
    outbox_.reap();
    if (call.desc.relayed()) {
      // Who tells this rank the outcome is fixed (relay_tree.hpp): posted
      // now, root's outcome of a failed call can come before the share ends.
      call.local.told_by = ctx_.tree.parent;
      call.local.tells = ctx_.tree.told;
      call.local.outcome = PostedReceive(ctx_.comm.native(), ctx_.tree.parent, call.status_tag);
      call.local.stop = ctx_.board.word(call.seq);
      if (ctx_.node_blocks) ctx_.node_blocks->wake_on(&call.local.outcome.request(), call.seq);
    }
    if (call.desc.inputs_from_root) receive_inputs(call);
    call.plan = make_call_schedule(call.desc.schedule, ctx_.shape_of(call), ctx_.claims, call.desc.owner);
    if (call.desc.relayed() && ctx_.tree.parent == ctx_.root && ctx_.tree.relays() && !in_slots(call))
      begin_gather(call);
    work_share(call);
    take_outcome_woken(call);
    if (!call.desc.relayed())
      send(call, true);
    else if (in_slots(call))
      publish(call);
    else if (ctx_.tree.parent != ctx_.root)
      send_to_leader(call);
    else if (ctx_.tree.relays())
      send_for_node(call);
    else
      send(call, true);
  }

  bool join(CallState& call, GiveUpAt deadline) override {
    if (call.joined) return true;
    auto& local = call.local;
    if (!local.outcome_in) {
      const int from = local.told_by;
      if (!local.outcome.posted()) local.outcome = PostedReceive(ctx_.comm.native(), from, call.status_tag);
      MPI_Status status;
      const Awaited what = from == ctx_.root ? Awaited("the outcome from root")
                                             : Awaited("the outcome from its node leader, rank", from);
      if (ctx_.wait_any(call, what, deadline, std::span(&local.outcome.request(), 1), status) < 0) return false;
      take_outcome(call, status);
    }
    call.joined = true;
    if (call.failed() && call.desc.relayed()) {
      // Root sent the outcome before it had every message of the call: this
      // rank's sends complete later (close), so it raises now.
      call.tail_open = true;
      return true;
    }
    close(call);
    return true;
  }

  // The rest of a call after its outcome: root (or the leader) has or takes
  // everything this rank sent, so these complete.
  void close(CallState& call) override {
    auto& local = call.local;
    if (gather_ && gather_->call() == &call && gather_node(call, false)) send_node(call);
    if (!PoolContext::sends_done(call))
      ctx_.wait_until(call, "root to take the results of a call that failed", std::nullopt,
                      [&] { return PoolContext::sends_done(call); });
    if (ctx_.node_blocks) ctx_.node_blocks->finish_requests();
    call.clear_staged();  // results were sent from the staging blocks
    local.outcome = {};
    call.tail_open = false;
  }

  // The outcome message: passed on to the ranks this rank tells (a node
  // leader's node, relay_tree.hpp), then the call's failure or results.
  void take_outcome(CallState& call, const MPI_Status& status) {
    auto& local = call.local;
    const auto bytes = local.outcome.take(status);
    if (!local.tells.empty())
      outbox_.send(ctx_.comm.native(), local.tells, call.status_tag, {bytes.begin(), bytes.end()});
    StatusHeader h;
    const auto payload = decode(bytes, h);
    call.failure = h.failure;
    if (h.mismatch) call.mismatch = h.mismatch;
    if (h.with_results) {
      const Range all{0, call.desc.n};
      call.size_results(call.desc.n);
      call.unpack_results(payload, std::span<const Range>(&all, 1));
    }
    local.outcome_in = true;
  }

  // The outcome that ended a wait for a block (NodeBlocks::wake_on): taken
  // now, a leader passing it on at once.
  void take_outcome_woken(CallState& call) {
    if (!ctx_.node_blocks) return;
    const auto status = ctx_.node_blocks->woken();
    ctx_.node_blocks->wake_on(nullptr, 0);
    if (status && !call.local.outcome_in) take_outcome(call, *status);
  }

  bool poll(CallState& call) override { return call.joined; }
  bool advance(CallState&) override { return false; }
  const std::vector<double>& last_busy() const noexcept override { return none_; }

 private:
  void receive_inputs(CallState& call) {
    ctx_.wait_until(call, "inputs from root", std::nullopt, [&] { return ctx_.probe(ctx_.root, call.input_tag); });
    InputHeader h;
    decode(ctx_.receive_probed(ctx_.root, call.input_tag), h);
    if (h.sig.kind != call.desc.sig.kind)
      call.mismatch = mismatch_between(call.seq, "root", h.sig, "rank " + std::to_string(ctx_.rank), call.desc.sig);
    call.desc.n = h.n;
    call.desc.sig.n = h.n;
    call.desc.schedule = h.schedule;  // as root resolved it for this n
    check_parts(h.parts, items_in(h.ranges));
    if (h.pid && h.claimed) {
      if (call.desc.input_item_bytes == 0 || h.bytes[0] / call.desc.input_item_bytes != h.n ||
          h.bytes[0] % call.desc.input_item_bytes != 0)
        throw Error("hmp: a pool message is malformed");
      lender_ = {h.pid, h.at[0]};
      return;
    }
    if (h.pid) {
      read_inputs(call, h);
      return;
    }
    call.desc.receive_inputs(h.ranges, h.parts, [&](std::span<std::byte> dest) {
      return ctx_.receive_part(ctx_.root, call.input_tag, dest);
    });
  }

  // Reads the parts from root's memory (cross_memory.hpp), then tells root
  // it may free them. A read that fails (root's memory is readable since
  // the pool's start, so this is rare) fails the call at the share's first
  // item, with the system's reason, on every rank.
  void read_inputs(CallState& call, const InputHeader& h) {
    std::size_t k = 0;
    try {
      call.desc.receive_inputs(h.ranges, h.parts, [&](std::span<std::byte> dest) -> std::span<const std::byte> {
        if (k == h.at.size() || (!dest.empty() && dest.size() != h.bytes[k]))
          throw Error("hmp: a pool message is malformed");
        if (dest.empty()) {
          pulled_.resize(h.bytes[k]);
          dest = pulled_;
        }
        read_process_memory(h.pid, h.at[k], dest);
        ++k;
        return dest;
      });
    } catch (...) {
      call.fail(h.ranges.empty() ? 0 : h.ranges.front().begin, ctx_.rank);
    }
    say_inputs_read(call);
  }

  void work_share(CallState& call) {
    auto& local = call.local;
    if (auto* slab = ctx_.slabs.mine()) slab->discard();  // nothing half-taken from an earlier call
    local.clock.begin();
    while (ctx_.claim(call)) {
      if (!read_claimed(call)) break;
      const std::size_t slab_bytes = stage_in_slab(call);
      if (!slab_bytes) call.stage(local.claimed, dests_);
      ctx_.run_claimed(call, dests_);
      // A claim with a failed task holds items never computed (the failed
      // one, and those its team skipped after it): they are not reported
      // as done, so imap never yields them; the failure travels with the
      // rank's last message. Root hears of it first, then the claims stop.
      if (local.failed.load(std::memory_order_relaxed)) {
        tell_failure(call);
        call.plan->stop_claims();
      }
      if (local.failed.load(std::memory_order_relaxed) || local.stopped.load(std::memory_order_relaxed)) {
        if (slab_bytes)
          ctx_.slabs.mine()->untake(slab_bytes);
        else
          call.unstage(items_in(local.claimed));
      } else {
        for (const auto& r : local.claimed) append_merged(slab_bytes ? local.in_slab : local.unsent, r);
      }
      if (call.desc.streaming()) {
        local.clock.end(local.busy);
        send(call, false);
        local.clock.begin();
      } else if (local.clock.after_claim(local.busy)) {
        serve_counter(local.clock.last());
        if (call.desc.waited_for && call.unsent_bytes() >= kBatchBytes) {
          send_batch(call);
          local.clock.begin();
        } else if (stream(call)) {
          local.clock.begin();
        }
      }
    }
    local.clock.end(local.busy);
    if (lender_.pid) {
      lender_ = {};
      say_inputs_read(call);
    }
  }

  // Items root lent whole (InputHeader::claimed) are read as they are
  // claimed; a read that fails fails the call at the claim's first item.
  bool read_claimed(CallState& call) {
    if (!lender_.pid) return true;
    try {
      call.desc.read_claimed(lender_.pid, lender_.base, call.local.claimed);
      return true;
    } catch (...) {
      call.fail(call.local.claimed.front().begin, ctx_.rank);
      return false;
    }
  }

  // Root keeps the items it lent until each reader says it is done with them.
  void say_inputs_read(CallState& call) {
    HMP_MPI_CHECK(MPI_Send(nullptr, 0, MPI_BYTE, ctx_.root, call.input_tag, ctx_.comm.native()));
  }

  // A worker that outpaces root holds at most two batches of results (one
  // in flight, one staged) beyond the claim it runs, whatever its share.
  // Only in calls every rank waits for, where root is inside the call and
  // takes them (an async call's worker goes on to its own code, which may
  // wait for root in MPI, so there it sends only at the end).
  void send_batch(CallState& call) {
    ctx_.wait_until(call, "root to take results", std::nullopt, [&] { return PoolContext::sends_done(call); });
    call.release_sent();
    send(call, false);
  }

  // Sends root what this rank computed since its last message (with `last`,
  // the end of its share and its failure, if any).
  void send(CallState& call, bool last) {
    std::vector<Part> parts;
    const DataHeader h = next_message(call, last, parts);
    if (!last) call.local.sent_before = true;
    if (last && !call.desc.relayed()) call.local.told_by = ctx_.root;
    send_in_parts(ctx_.comm.native(), ctx_.root, call.data_tag, encode(h), parts, call.local.send_buffers,
                  call.local.send_requests);
  }

  // A rank of a node without root sends its last message to its node
  // leader, whose posted receive takes it (posted_message.hpp). One that
  // sent root results before sends this one to root too (so root has them
  // all when the leader's message says this rank is done) and tells the leader.
  void send_to_leader(CallState& call) {
    auto& local = call.local;
    std::vector<Part> parts;
    DataHeader h;
    // A rank whose task failed tells root itself: the failure is the call's
    // outcome as soon as root knows it (root_role.cpp, settle_early).
    if (local.sent_before || local.failed.load(std::memory_order_relaxed)) {
      send(call, true);
      h.seq = call.seq;
      h.sig = call.desc.sig;
      h.done = h.direct = true;
    } else {
      h = next_message(call, true, parts);
    }
    send_up(call, h, parts);
  }

  // A message to this rank's node leader, for its posted receive; small
  // raw results inside it (a message less for the leader to take: at
  // 4,096 simulated ranks each costs it 4-16 us, 31 of them at its share's end).
  void send_up(CallState& call, DataHeader h, std::span<const Part> parts) {
    auto& local = call.local;
    std::size_t bytes = 0;
    for (const auto& p : parts) bytes += p.bytes.size();
    if (call.raw_item_bytes() && bytes <= kInlineBytes) {
      for (const auto& p : parts) {
        const auto* at = reinterpret_cast<const unsigned char*>(p.bytes.data());
        h.inline_parts.insert(h.inline_parts.end(), at, at + p.bytes.size());
      }
      parts = {};
    }
    local.send_buffers.push_back(encode(h));
    send_posted(ctx_.comm.native(), ctx_.tree.parent, call.data_tag, local.send_buffers.back(), local.send_buffers,
                local.send_requests);
    for (const auto& p : parts) isend(p.bytes, ctx_.comm.native(), ctx_.tree.parent, call.data_tag,
                                      local.send_requests);
  }

  // During a call every rank waits for (after a claim): a rank that holds
  // kStreamBytes of results and computed kStreamAfterSeconds since its last
  // message sends them on (a node leader takes what its node sent, and
  // forwards it from kForwardBytes).
  // Sends only once its earlier ones completed, so it never waits here.
  // True if it sent something.
  bool stream(CallState& call) {
    auto& local = call.local;
    if (!call.desc.relayed() || in_slots(call) || call.failed() || local.failed.load(std::memory_order_relaxed) ||
        local.stopped.load(std::memory_order_relaxed))
      return false;
    if (gather_) {
      gather_->take_arrived(call);
      if (gather_->bytes() < kForwardBytes || !PoolContext::sends_done(call)) return false;
      gather_->forward(call);
      return true;
    }
    // Results in this rank's slab (root's node) are root's to copy at the end: no transfer to overlap.
    if (local.busy < kStreamAfterSeconds || call.unsent_bytes() < kStreamBytes || !local.in_slab.empty() ||
        !PoolContext::sends_done(call))
      return false;
    call.release_sent();
    if (ctx_.tree.parent == ctx_.root) {
      send(call, false);
      return true;
    }
    std::vector<Part> parts;
    const DataHeader h = next_message(call, false, parts);
    send_up(call, h, parts);
    return true;
  }

  // Whether this call's last messages on this node go through its shared
  // memory (node_results.hpp): the same answer on every rank of a node
  // without root. Such a call streams nothing (its node leader takes no
  // messages): results that do not fit a slot go to root at the end.
  bool in_slots(const CallState& call) const {
    return call.desc.relayed() && ctx_.node_results.active() && call.raw_item_bytes() > 0;
  }

  // At the share's end, where in_slots: this rank's last message into its
  // slot; the node's last rank to count itself in sends root the node's
  // message, with its own. A message that does not fit, of a rank whose
  // task failed (its `noticed` goes with its own message) or that sent
  // root results before, goes to root itself, its slot saying so.
  void publish(CallState& call) {
    auto& local = call.local;
    auto& slots = ctx_.node_results;
    std::vector<Part> parts;
    const DataHeader own = next_message(call, true, parts);
    const std::vector<std::byte> sig = encode(call.desc.sig);
    Published m;
    m.busy = own.busy;
    m.requests = own.requests;
    m.sig = sig;
    m.ranges = own.ranges;
    m.parts = own.parts;
    std::vector<std::span<const std::byte>> results;
    std::size_t result_bytes = 0;
    for (const auto& p : parts) results.push_back(p.bytes), result_bytes += p.bytes.size();
    m.direct = local.sent_before || local.failed.load(std::memory_order_relaxed) || !slots.fits(m.bytes(result_bytes));
    if (m.direct) {
      m.ranges = {};
      m.parts = {};
      results.clear();
    }
    if (!slots.writable())
      ctx_.wait_until(call, "its node's last rank to read the slots of the call before", std::nullopt,
                      [&] { return slots.writable(); });
    slots.write(call.seq, m, results);
    if (slots.arrive(call.seq)) {
      NodeGather node(ctx_, call, NodeGather::FromSlots{});
      for (int r = 0; r < slots.ranks(); ++r)
        if (r != slots.me()) node.take_published(call, slots.rank_of(r), r, slots.slot(r, call.seq), sig);
      slots.gathered(call.seq);
      node.add_own(call, own, parts);
      node.send_last(call);
    } else if (m.direct) {
      send_in_parts(ctx_.comm.native(), ctx_.root, call.data_tag, encode(own), parts, local.send_buffers,
                    local.send_requests);
    }
  }

  // A node leader takes its node's messages from the call's start
  // (node_gather.hpp).
  void begin_gather(CallState& call) { gather_.emplace(ctx_, call); }

  // A node leader at its share's end: its last message carries its node's
  // (their ranges and parts with its own), so root takes one message for
  // the node at the end. Root's outcome of a failed call may come first:
  // it goes on to the node at once, and the leader leaves the rest of the
  // gathering for the call's close.
  void send_for_node(CallState& call) {
    std::vector<Part> parts;
    const DataHeader own = next_message(call, true, parts);
    gather_->add_own(call, own, parts);
    if (gather_node(call, true)) send_node(call);
  }

  // The node's messages until every rank's last (NodeGather::gather), the
  // outcome taken and passed on if it comes meanwhile.
  bool gather_node(CallState& call, bool leave_on_failure) {
    return gather_->gather(call, leave_on_failure, [&](const MPI_Status& status) { take_outcome(call, status); });
  }

  void send_node(CallState& call) {
    gather_->send_last(call);
    gather_.reset();
  }

  // A failed task's rank tells root the failure at once, in a call every
  // rank waits for: root settles the call as soon as it knows (root_role.cpp,
  // settle_early), not when the rank's last message comes through its node.
  void tell_failure(CallState& call) {
    auto& local = call.local;
    if (local.noticed || !call.desc.relayed() || ctx_.is_root()) return;
    StatusHeader h;
    h.seq = call.seq;
    {
      std::lock_guard lock(local.failure_mutex);
      h.failure = local.failure;
    }
    local.noticed = true;
    send_in_parts(ctx_.comm.native(), ctx_.root, call.status_tag, encode(h), {}, local.send_buffers,
                  local.send_requests);
  }

  // The header of this rank's next message and its parts (results staged
  // since the last; `parts` point into the staging blocks or into
  // call.local.send_buffers).
  DataHeader next_message(CallState& call, bool last, std::vector<Part>& parts) {
    auto& local = call.local;
    DataHeader h;
    h.seq = call.seq;
    h.sig = call.desc.sig;
    h.done = last;
    h.ranges = std::move(local.unsent);
    local.unsent.clear();
    h.busy = local.busy;
    local.busy = 0;
    if (last) {
      std::lock_guard lock(local.failure_mutex);
      h.failure = local.failure;
      if (ctx_.node_blocks) h.requests = ctx_.node_blocks->requests_sent(call.seq);
      h.noticed = local.noticed;
    }
    // A call that failed or stopped sends no results (root drops them anyway).
    const bool drop = h.failure || local.stopped.load(std::memory_order_relaxed) || call.failed();
    hand_over_slab(call, h, drop);
    if (drop) h.ranges.clear();  // not sent, so not done: root counts none of them
    std::vector<std::vector<std::byte>> encoded;  // results that are not raw bytes
    if (!drop) call.staged_parts(parts, encoded);
    if (call.desc.streaming() && !parts.empty()) {
      // Later claims stage into the same blocks: send a copy, start afresh.
      std::vector<std::byte> copy;
      std::uint64_t items = 0;
      for (const auto& p : parts) copy.insert(copy.end(), p.bytes.begin(), p.bytes.end()), items += p.items;
      call.clear_staged();
      encoded.assign(1, std::move(copy));
      parts.assign(1, Part{encoded.back(), items});
    }
    for (const auto& p : parts) h.parts.push_back(p.items);
    for (auto& e : encoded) local.send_buffers.push_back(std::move(e));  // moved: `parts` still points into them
    return h;
  }

  // Across nodes the pool's counter lives on rank 0 and other nodes fetch
  // blocks from it by one-sided MPI, which moves only while rank 0 is in MPI:
  // rank 0 enters it every kServeInterval while it computes (root does anyway).
  void serve_counter(Clock::time_point now) {
    if (!ctx_.node_blocks || rma_targets_here().load() == 0 || now - last_served_ < kServeInterval) return;
    last_served_ = now;
    progress_mpi(ctx_.comm.native());
  }

  // On root's node, raw results of a claim go into this worker's slab when
  // it has room (result_slab.hpp): dests_ point there. Returns the bytes
  // taken, 0 when they are to be staged and sent. Not for imap*, whose
  // results go one claim at a time.
  std::size_t stage_in_slab(CallState& call) {
    ResultSlab* slab = ctx_.slabs.mine();
    const std::size_t item = call.raw_item_bytes();
    if (!slab || item == 0 || call.desc.streaming()) return 0;
    const auto& claimed = call.local.claimed;
    const std::size_t bytes = items_in(claimed) * item;
    std::byte* p = slab->take(bytes);
    if (!p) return 0;
    dests_.clear();
    for (const auto& r : claimed) dests_.push_back(p), p += r.size() * item;
    return bytes;
  }

  // The results computed into the slab since the last message go to root
  // as one batch named in the header (those of a failed share never do).
  void hand_over_slab(CallState& call, DataHeader& h, bool drop) {
    auto& local = call.local;
    if (local.in_slab.empty()) return;
    if (drop) {
      ctx_.slabs.mine()->discard();
    } else {
      h.slab_ranges = std::move(local.in_slab);
      h.slab_batch = ctx_.slabs.mine()->seal();
    }
    local.in_slab.clear();
  }

  static constexpr auto kServeInterval = std::chrono::microseconds(20);
  PoolContext& ctx_;
  Clock::time_point last_served_{};
  std::vector<void*> dests_;
  std::vector<std::byte> pulled_;  ///< an encoded part read from root's memory
  Outbox outbox_;                  ///< a node leader's outcomes on their way to its node
  std::optional<NodeGather> gather_;  ///< a node leader's, in a call every rank waits for
  struct Lender {
    std::uint64_t pid = 0, base = 0;
  } lender_;
  std::vector<double> none_;
};

}  // namespace

std::unique_ptr<PoolRole> make_worker_role(PoolContext& ctx) { return std::make_unique<WorkerRole>(ctx); }

}  // namespace hmp::detail
