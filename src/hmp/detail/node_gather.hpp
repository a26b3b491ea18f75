// A node leader's gathering of its node's messages in a call every rank
// waits for (relay_tree.hpp): one receive posted at the call's start for
// any rank of the node, taken as messages come (between the leader's
// claims, and at its share's end until every rank's last); what they carry
// goes to root with the leader's own messages, one message for many. Or,
// where the node's last messages are in its shared memory (node_results.hpp),
// the node's last rank reads them all and sends root the node's message.
#pragma once

#include <hmp/detail/message.hpp>
#include <hmp/detail/message_parts.hpp>
#include <hmp/detail/node_results.hpp>
#include <hmp/detail/pool_context.hpp>
#include <hmp/detail/posted_message.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <vector>

namespace hmp::detail {

class NodeGather {
 public:
  /// At the call's start: the receive posted for the node's ranks.
  NodeGather(PoolContext& ctx, const CallState& call);
  /// The node's last rank, which reads the others' slots (take_published).
  struct FromSlots {};
  NodeGather(PoolContext& ctx, const CallState& call, FromSlots);

  const CallState* call() const noexcept { return call_; }
  /// Bytes of the node's results held, not yet sent to root.
  std::size_t bytes() const noexcept { return bytes_; }

  /// The node's messages that came, without waiting.
  void take_arrived(CallState& call);
  /// Takes the node's messages as they come, until every rank's last,
  /// waiting inside MPI (PoolContext::wait_any) on them and on the call's
  /// outcome, which goes to `take_outcome` when it comes. False if the
  /// outcome of a failed call came first and `leave_on_failure`.
  bool gather(CallState& call, bool leave_on_failure, const std::function<void(const MPI_Status&)>& take_outcome);
  /// Node rank `r`'s (pool rank `rank`'s) last message, read from its slot;
  /// `sig` this call's signature as the node's ranks encode it.
  void take_published(CallState& call, int rank, int r, const Published& m, std::span<const std::byte> sig);
  /// The leader's (or last rank's) own last message (`own`, `parts`) into the node's.
  void add_own(CallState& call, const DataHeader& own, std::span<const Part> parts);
  /// What the node sent so far, to root during the call (not its last message).
  void forward(CallState& call);
  /// The node's last message to root, once every rank of the node's is in.
  void send_last(CallState& call);

 private:
  void take_message(CallState& call, const MPI_Status& status);
  /// Results that came with the header (inline, or in a slot): no part to receive.
  using Given = std::optional<std::span<const std::byte>>;
  void take_results(CallState& call, int child, std::size_t c, const DataHeader& h, Given given);
  void add_rank(CallState& call, int child, std::size_t c, const DataHeader& h, bool same_sig,
                std::span<const Range> ranges, std::span<const std::uint64_t> parts, Given given);
  void take_raw_parts(CallState& call, int child, std::span<const std::uint64_t> parts, Given given);
  void take_encoded_parts(CallState& call, int child, std::span<const std::uint64_t> parts, Given given);
  void add_own_results(CallState& call, std::span<const Range> ranges, std::span<const Part> parts);
  void send(CallState& call, DataHeader& h);

  PoolContext& ctx_;
  const CallState* call_ = nullptr;
  PostedReceive any_;                ///< the next message of any rank of the node
  std::size_t left_ = 0;             ///< ranks of the node whose last message is still to come
  std::vector<double> busy_;         ///< each such rank's time in tasks, summed over its messages
  DataHeader node_;                  ///< the node's message so far (results since the last to root)
  std::vector<Part> parts_;          ///< results that are not raw bytes (into `buffers_`)
  std::vector<std::vector<std::byte>> buffers_;
  std::vector<std::byte> merged_;    ///< raw results, in the order of node_.ranges
  std::size_t bytes_ = 0;            ///< of results held
};

}  // namespace hmp::detail
