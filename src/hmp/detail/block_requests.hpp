// The requests for blocks that a node's ranks send root in an ordered call
// (node_blocks.hpp), and the count of them on both sides. A request is (call
// number, the node's claimers, whether it only says that the call failed);
// root's answer (begin, end, positions root has left after it), an empty
// block when nothing is left.
//
// Every request sent is taken by root within its call, even one whose asker
// stopped waiting for the answer (a call that stopped): a rank tells root
// how many it sent (DataHeader::requests), root takes the rest at the call's
// end (NodeBlocks::take_requests), and the asker waits for those answers
// before its next call (finish), so no request or answer of one call is
// left for a later call with the same tags.
#pragma once

#include <mpi.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace hmp::detail {

/// Root's answer to a request: the block [begin, end) and what root has left after it.
struct BlockAnswer {
  std::uint64_t begin = 0, end = 0, left = 0;
  bool empty() const noexcept { return begin == end; }
};

class BlockRequests {
 public:
  /// One request on its way: its buffers stay until the answer is in.
  struct Ask;

  /// Requests to `root` of `comm`, from `rank` (this rank, for messages); a
  /// wait for an answer gives up after `timeout` seconds.
  BlockRequests(MPI_Comm comm, int root, int rank, double timeout);
  ~BlockRequests();
  BlockRequests(const BlockRequests&) = delete;
  BlockRequests& operator=(const BlockRequests&) = delete;

  /// Sends a request for a block of call `seq` for `here` claimers, without
  /// waiting for the answer (arrived, wait). The ask stays this object's
  /// until release(): a caller that forgets it leaves it to finish().
  Ask* send(std::uint64_t seq, std::uint64_t here);
  /// Tells root that call `seq` failed (a request with no answer).
  void tell_failed(std::uint64_t seq);
  /// Whether `ask`'s answer is in, without waiting.
  bool arrived(Ask& ask);
  /// Waits for `ask`'s answer; nullopt once `stopped` says the call stopped
  /// or the receive of wake_on completed (the ask then waits for finish()).
  std::optional<BlockAnswer> wait(Ask& ask, const std::function<bool()>& stopped);
  /// The answer of an ask that arrived, checked.
  static BlockAnswer answer(const Ask& ask);
  /// Done with an ask whose answer arrived.
  void release(Ask* ask);
  /// Requests this rank sent in call `seq` (DataHeader::requests).
  std::uint32_t sent(std::uint64_t seq) const { return sent_seq_ == seq ? sent_ : 0; }
  /// Waits for the answers of the asks not released (the call's end).
  void finish();

  /// A receive that ends a wait for an answer when it completes (the call's
  /// outcome, posted for call `seq`), or null: in the simulated build such a
  /// wait blocks in MPI on both. Once it completed, woken() has its status
  /// (and the request is null).
  void wake_on(MPI_Request* request, std::uint64_t seq) { wake_ = request, wake_seq_ = seq, woken_.reset(); }
  std::optional<MPI_Status> woken() const { return woken_; }

  /// Root: counts a request taken from `source` in call `seq`.
  void count_taken(std::uint64_t seq, int source);
  /// Root: requests taken from `source` in call `seq`.
  std::uint32_t taken(std::uint64_t seq, int source) const;

  MPI_Comm comm() const noexcept { return comm_; }
  int root() const noexcept { return root_; }

 private:
  void count_sent(std::uint64_t seq);
  bool wait_in_mpi(Ask& ask);

  MPI_Comm comm_;
  int root_, rank_;
  double timeout_;
  MPI_Request* wake_ = nullptr;
  std::uint64_t wake_seq_ = 0;
  std::optional<MPI_Status> woken_;
  // Requests this rank sent in call sent_seq_, and those not released.
  std::uint64_t sent_seq_ = 0;
  std::uint32_t sent_ = 0;
  std::vector<std::unique_ptr<Ask>> open_;
  // Root: requests taken from each rank in call taken_seq_.
  std::uint64_t taken_seq_ = 0;
  std::vector<std::uint32_t> taken_;
};

}  // namespace hmp::detail
