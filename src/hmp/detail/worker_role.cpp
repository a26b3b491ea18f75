// A worker's part of a call: receive its inputs (from_root), do its share
// inside the call, send the results to root (straight from where they were
// computed), then wait for the call's outcome.
#include <hmp/detail/message.hpp>
#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/pool_role.hpp>
#include <hmp/detail/wait_until.hpp>
#include <hmp/errors.hpp>

#include <climits>

namespace hmp::detail {

namespace {

int checked_count(std::size_t bytes) {
  if (bytes > static_cast<std::size_t>(INT_MAX))
    throw UsageError("hmp: one rank's part of a pool call exceeds 2 GiB in one message; use a "
                     "smaller chunksize with imap, or write results into a hmp::SharedArray");
  return static_cast<int>(bytes);
}

// Sends `parts` as one message, without copying them into one buffer first.
MPI_Request send_parts(std::span<const std::span<const std::byte>> parts, int dest, int tag, MPI_Comm comm) {
  std::vector<int> lengths;
  std::vector<MPI_Aint> places;
  std::size_t total = 0;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    lengths.push_back(checked_count(p.size()));
    places.emplace_back();
    HMP_MPI_CHECK(MPI_Get_address(p.data(), &places.back()));
    total += p.size();
  }
  checked_count(total);
  MPI_Datatype layout;
  HMP_MPI_CHECK(MPI_Type_create_hindexed(static_cast<int>(lengths.size()), lengths.data(), places.data(), MPI_BYTE,
                                         &layout));
  HMP_MPI_CHECK(MPI_Type_commit(&layout));
  MPI_Request req;
  HMP_MPI_CHECK(MPI_Isend(MPI_BOTTOM, 1, layout, dest, tag, comm, &req));
  HMP_MPI_CHECK(MPI_Type_free(&layout));  // freed once the send no longer needs it
  return req;
}

class WorkerRole final : public PoolRole {
 public:
  explicit WorkerRole(PoolContext& ctx) : ctx_(ctx) {}

  void start(CallState& call) override {
    if (call.desc.inputs_from_root) receive_inputs(call);
    call.plan = make_call_schedule(call.desc.schedule, ctx_.shape_of(call), ctx_.claims, call.desc.owner);
    work_share(call);
    send(call, true);
  }

  bool join(CallState& call, GiveUpAt deadline) override {
    if (call.joined) return true;
    if (!ctx_.wait_until(call, "the outcome from root", deadline,
                         [&] { return ctx_.probe(ctx_.root, call.status_tag); }))
      return false;
    const auto bytes = ctx_.receive_probed(ctx_.root, call.status_tag);
    StatusHeader h;
    const auto payload = decode(bytes, h);
    call.failure = h.failure;
    if (h.mismatch) call.mismatch = h.mismatch;
    if (h.with_results) {
      const Range all{0, call.desc.n};
      call.size_results(call.desc.n);
      call.unpack_results(payload, std::span<const Range>(&all, 1));
    }
    // Root has everything we sent, so these complete at once.
    auto& local = call.local;
    HMP_MPI_CHECK(MPI_Waitall(static_cast<int>(local.send_requests.size()), local.send_requests.data(),
                              MPI_STATUSES_IGNORE));
    local.send_requests.clear();
    local.send_buffers.clear();
    call.clear_staged();  // results were sent from the staging blocks
    call.joined = true;
    return true;
  }

  bool poll(CallState& call) override { return call.joined; }
  bool advance(CallState&) override { return false; }
  const std::vector<double>& last_busy() const noexcept override { return none_; }

 private:
  void receive_inputs(CallState& call) {
    ctx_.wait_until(call, "inputs from root", std::nullopt, [&] { return ctx_.probe(ctx_.root, call.input_tag); });
    const auto bytes = ctx_.receive_probed(ctx_.root, call.input_tag);
    InputHeader h;
    const auto payload = decode(bytes, h);
    if (h.sig.kind != call.desc.sig.kind)
      call.mismatch = "collective mismatch in call #" + std::to_string(call.seq) + ": root made " +
                      h.sig.describe() + ", rank " + std::to_string(ctx_.rank) + " made " + call.desc.sig.describe();
    call.desc.n = h.n;
    call.desc.sig.n = h.n;
    call.desc.schedule = h.schedule;  // as root resolved it for this n
    call.desc.unpack_inputs(h.n, payload, h.ranges);
  }

  void work_share(CallState& call) {
    auto& local = call.local;
    local.clock.begin();
    while (ctx_.claim(call)) {
      call.stage(local.claimed, dests_);
      ctx_.run_claimed(call, dests_);
      // A claim with a failed task holds items never computed (the failed
      // one, and those its team skipped after it): they are not reported
      // as done, so imap never yields them; the failure travels with the
      // rank's last message.
      if (local.failed.load(std::memory_order_relaxed))
        call.unstage(items_in(local.claimed));
      else
        for (const auto& r : local.claimed) append_merged(local.unsent, r);
      if (call.desc.streaming()) {
        local.clock.end(local.busy);
        send(call, false);
        local.clock.begin();
      } else if (local.clock.after_claim(local.busy)) {
        serve_counter(local.clock.last());
      }
    }
    local.clock.end(local.busy);
  }

  // Sends what this rank computed since its last message (with `last`, the
  // end of its share and its failure, if any).
  void send(CallState& call, bool last) {
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
    }
    if (last && !h.failure && !call.desc.streaming()) h.written = write_to_root(call, h.ranges);
    auto header = encode(h);
    std::vector<std::span<const std::byte>> parts{header};
    std::vector<std::vector<std::byte>> encoded;  // results that are not raw bytes
    if (!h.failure && !h.written) call.staged_blocks(parts, encoded);
    if (call.desc.streaming()) {
      // Later claims stage into the same blocks: send a copy, start afresh.
      for (std::size_t k = 1; k < parts.size(); ++k) header.insert(header.end(), parts[k].begin(), parts[k].end());
      call.clear_staged();
      encoded.clear();
      parts.assign(1, header);
    }
    // Moved vectors keep their memory: `parts` still points into it.
    local.send_buffers.push_back(std::move(header));
    for (auto& e : encoded) local.send_buffers.push_back(std::move(e));
    local.send_requests.push_back(send_parts(parts, ctx_.root, call.data_tag, ctx_.comm.native()));
  }

  // Across nodes the pool's counter lives on rank 0 and other nodes fetch
  // blocks from it by one-sided MPI, which moves only while rank 0 is in MPI:
  // rank 0 enters it every kServeInterval while it computes (root does anyway).
  void serve_counter(Clock::time_point now) {
    if (!ctx_.node_blocks || rma_targets_here().load() == 0 || now - last_served_ < kServeInterval) return;
    last_served_ = now;
    progress_mpi(ctx_.comm.native());
  }

  // On root's node, raw results go straight into root's result vector
  // (result_board.hpp); false when they must be sent.
  bool write_to_root(CallState& call, std::span<const Range> ranges) {
    const std::size_t item = call.raw_item_bytes();
    if (item == 0) return false;
    std::vector<std::span<const std::byte>> blocks;
    std::vector<std::vector<std::byte>> none;  // raw results are never encoded
    call.staged_blocks(blocks, none);
    return ctx_.board.write(call.seq, blocks, ranges, item);
  }

  static constexpr auto kServeInterval = std::chrono::microseconds(20);
  PoolContext& ctx_;
  Clock::time_point last_served_{};
  std::vector<void*> dests_;
  std::vector<double> none_;
};

}  // namespace

std::unique_ptr<PoolRole> make_worker_role(PoolContext& ctx) { return std::make_unique<WorkerRole>(ctx); }

}  // namespace hmp::detail
