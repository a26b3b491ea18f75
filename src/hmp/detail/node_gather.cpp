#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/node_gather.hpp>
#include <hmp/errors.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <utility>

namespace hmp::detail {

NodeGather::NodeGather(PoolContext& ctx, const CallState& call)
    : ctx_(ctx),
      call_(&call),
      any_(ctx.comm.native(), MPI_ANY_SOURCE, call.data_tag),
      left_(ctx.tree.children.size()),
      busy_(left_, 0.0) {
  node_.seq = call.seq;
  node_.sig = call.desc.sig;
}

NodeGather::NodeGather(PoolContext& ctx, const CallState& call, FromSlots)
    : ctx_(ctx), call_(&call), busy_(static_cast<std::size_t>(ctx.node_results.ranks()), 0.0) {
  node_.seq = call.seq;
  node_.sig = call.desc.sig;
  node_.gathered = true;
}

void NodeGather::take_arrived(CallState& call) {
  while (left_ > 0) {
    int flag = 0;
    MPI_Status status;
    HMP_MPI_CHECK(MPI_Test(&any_.request(), &flag, &status));
    if (!flag) return;
    take_message(call, status);
  }
}

bool NodeGather::gather(CallState& call, bool leave_on_failure,
                        const std::function<void(const MPI_Status&)>& take_outcome) {
  auto& local = call.local;
  while (left_ > 0) {
    if (leave_on_failure && local.outcome_in && call.failed()) return false;
    // 0: the outcome, looked at first; 1: a message of the node's.
    const bool outcome_due = local.outcome.posted() && !local.outcome_in;
    std::array<MPI_Request, 2> requests{outcome_due ? local.outcome.request() : MPI_REQUEST_NULL, any_.request()};
    // A call root stopped (stop_board.hpp) failed, and root's outcome is
    // on its way: the leader waits for it alone and passes it on, leaving
    // its node's messages to the close (they had come first, the outcome
    // taken after them: 0.1-0.5 ms at 4,096 simulated ranks).
    if (leave_on_failure && outcome_due && local.stop.now()) requests[1] = MPI_REQUEST_NULL;
    MPI_Status status;
    const int i = ctx_.wait_any(call, "the results of its node's ranks", std::nullopt, requests, status);
    if (i < 0 || i == MPI_UNDEFINED) throw Error("hmp: a node leader lost a receive");
    if (i == 0) {
      local.outcome.request() = MPI_REQUEST_NULL;  // completed through its copy
      take_outcome(status);
      continue;
    }
    take_message(call, status);
  }
  return true;
}

// One message of a rank of the node (the posted receive completed with
// `status`): its header, then its parts; the receive posted again while
// a rank's last message is still to come.
void NodeGather::take_message(CallState& call, const MPI_Status& status) {
  const auto& children = ctx_.tree.children;
  const int child = status.MPI_SOURCE;
  const auto at = std::find(children.begin(), children.end(), child);
  if (at == children.end()) throw Error("hmp: a pool message is malformed");
  const auto c = static_cast<std::size_t>(at - children.begin());
  DataHeader h;
  decode(any_.take(status), h);
  if (h.done) --left_;
  Given given;
  if (!h.inline_parts.empty()) given = std::as_bytes(std::span(h.inline_parts));
  if (!h.direct) take_results(call, child, c, h, given);
  if (left_ > 0) any_.repost();
}

void NodeGather::take_published(CallState& call, int rank, int r, const Published& m,
                                std::span<const std::byte> sig) {
  if (m.direct) return;
  DataHeader h;  // what add_rank reads of a header
  h.seq = call.seq;
  h.done = true;
  h.busy = m.busy;
  h.requests = m.requests;
  // The node's ranks encode the same call alike: decoded only when not.
  const bool same = std::equal(m.sig.begin(), m.sig.end(), sig.begin(), sig.end());
  if (!same) decode(m.sig, h.sig);
  add_rank(call, rank, static_cast<std::size_t>(r), h, same, m.ranges, m.parts, m.results);
}

// What a rank of the node sent: its parts (received here, or `given`) into
// the node's message; its last message makes it a carried rank.
void NodeGather::take_results(CallState& call, int child, std::size_t c, const DataHeader& h, Given given) {
  add_rank(call, child, c, h, false, h.ranges, h.parts, given);
}

// `h` without its ranges and parts (`ranges`, `parts`); its signature
// unread where `same_sig` (known to be this call's).
void NodeGather::add_rank(CallState& call, int child, std::size_t c, const DataHeader& h, bool same_sig,
                          std::span<const Range> ranges, std::span<const std::uint64_t> parts, Given given) {
  if (!node_.mismatch && (h.seq != call.seq || (!same_sig && !h.sig.same_call(call.desc.sig))))
    node_.mismatch = mismatch_between(call.seq, "rank " + std::to_string(ctx_.rank), call.desc.sig,
                                      "rank " + std::to_string(child), h.sig);
  keep_earliest(node_.failure, h.failure);
  busy_[c] += h.busy;
  if (h.done) node_.carried.push_back({child, busy_[c], h.requests});
  node_.ranges.insert(node_.ranges.end(), ranges.begin(), ranges.end());
  for (const auto items : parts)
    if (items > call.desc.n) throw Error("hmp: a pool message is malformed");
  node_.parts.insert(node_.parts.end(), parts.begin(), parts.end());
  if (call.raw_item_bytes())
    take_raw_parts(call, child, parts, given);
  else
    take_encoded_parts(call, child, parts, given);
}

// Raw results, in the order of node_.ranges: received into place, or
// copied from what came with the header.
void NodeGather::take_raw_parts(CallState& call, int child, std::span<const std::uint64_t> parts, Given given) {
  const std::size_t item = call.raw_item_bytes();
  std::size_t from = 0;  // in *given
  for (const auto items : parts) {
    const std::size_t at = merged_.size(), bytes = static_cast<std::size_t>(items) * item;
    merged_.resize(at + bytes);
    if (!given) {
      ctx_.receive_part(child, call.data_tag, {merged_.data() + at, bytes});
    } else {
      if (given->size() - from < bytes) throw Error("hmp: a message from another rank is truncated");
      std::memcpy(merged_.data() + at, given->data() + from, bytes);
      from += bytes;
    }
    bytes_ += bytes;
  }
  if (given && from != given->size()) throw Error("hmp: a pool message is malformed");
}

// Results that are not raw bytes: a message a part.
void NodeGather::take_encoded_parts(CallState& call, int child, std::span<const std::uint64_t> parts,
                                    Given given) {
  for (const auto items : parts) {
    if (given) {
      // Raw results of another call (its mismatch is the outcome): dropped.
      if (!node_.mismatch) throw Error("hmp: a pool message is malformed");
      buffers_.emplace_back();
      parts_.push_back({buffers_.back(), items});
      continue;
    }
    const auto bytes = ctx_.receive_part(child, call.data_tag, {});
    buffers_.emplace_back(bytes.begin(), bytes.end());
    parts_.push_back({buffers_.back(), items});
    bytes_ += bytes.size();
  }
}

void NodeGather::add_own(CallState& call, const DataHeader& own, std::span<const Part> parts) {
  node_.done = true;
  node_.busy = own.busy;
  keep_earliest(node_.failure, own.failure);
  node_.requests = own.requests;
  node_.noticed = own.noticed;
  add_own_results(call, own.ranges, parts);
}

// The leader's own results of `ranges` (`parts`) into the node's message,
// copied: raw ones after the node's (sent in order of position, a part a
// run: order_by_position, which root receives in place), others into
// `buffers_` (where they are, call.local.send_buffers, is freed as soon as
// the leader's sends so far complete: PoolContext::sends_done).
void NodeGather::add_own_results(CallState& call, std::span<const Range> ranges, std::span<const Part> parts) {
  node_.ranges.insert(node_.ranges.end(), ranges.begin(), ranges.end());
  for (const auto& p : parts) {
    node_.parts.push_back(p.items);
    if (call.raw_item_bytes()) {
      merged_.insert(merged_.end(), p.bytes.begin(), p.bytes.end());
      continue;
    }
    buffers_.emplace_back(p.bytes.begin(), p.bytes.end());
    parts_.push_back({buffers_.back(), p.items});
  }
}

void NodeGather::forward(CallState& call) {
  DataHeader h;
  h.seq = call.seq;
  h.sig = call.desc.sig;
  h.ranges = std::exchange(node_.ranges, {});
  h.parts = std::exchange(node_.parts, {});
  send(call, h);
}

void NodeGather::send_last(CallState& call) { send(call, node_); }

// Sends root the node's results gathered since the last message, with `h`.
void NodeGather::send(CallState& call, DataHeader& h) {
  auto& local = call.local;
  const std::size_t item = call.raw_item_bytes();
  if (item && !merged_.empty() && items_in(h.ranges) * item == merged_.size()) {
    // A part a run of positions, which root receives in place.
    order_by_position(h.ranges, merged_, item, h.parts);
    local.send_buffers.push_back(std::exchange(merged_, {}));
    const std::span<const std::byte> all = local.send_buffers.back();
    parts_.clear();
    std::size_t at = 0;
    for (const auto n : h.parts) {
      parts_.push_back({all.subspan(at, n * item), n});
      at += n * item;
    }
  } else if (item && !merged_.empty()) {  // a failed rank's ranges have no results: root drops them
    std::uint64_t items = 0;
    for (const auto n : h.parts) items += n;
    h.parts.assign(1, items);
    local.send_buffers.push_back(std::exchange(merged_, {}));
    parts_.assign(1, Part{local.send_buffers.back(), items});
  } else if (item) {
    h.parts.clear();
  }
  for (auto& b : buffers_) local.send_buffers.push_back(std::move(b));  // moved: the parts still point into them
  buffers_.clear();
  send_in_parts(ctx_.comm.native(), ctx_.root, call.data_tag, encode(h), parts_, local.send_buffers,
                local.send_requests);
  parts_.clear();
  bytes_ = 0;
}

}  // namespace hmp::detail
