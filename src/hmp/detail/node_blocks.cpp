#include <hmp/detail/call_tags.hpp>
#include <hmp/detail/claim_counter.hpp>
#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/node_blocks.hpp>
#include <hmp/detail/stop_board.hpp>
#include <hmp/detail/wait_until.hpp>
#include <hmp/errors.hpp>

#include <algorithm>
#include <chrono>
#include <string>

namespace hmp::detail {

namespace {

enum Cell : std::size_t { kState, kBlock0, kBlock1 };
constexpr std::uint64_t kLow = 0xffffffffULL;
constexpr std::uint64_t kRefilling = kLow;  // state position: a rank fetches the next block
constexpr std::uint64_t kDone = kLow;       // block end: the pool's counter had nothing left

std::size_t block_cell(std::uint64_t epoch) { return (epoch & 1) ? kBlock1 : kBlock0; }

// How many calls the call number in the high half of `v` is ahead of `s`.
std::int32_t calls_ahead(std::uint64_t v, std::uint64_t s) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>((v >> 32) - s));
}

#ifndef HMP_SMPI
// Whether a request's send and the receive of its answer both completed.
bool both_done(MPI_Request* requests) {
  int done = 0;
  HMP_MPI_CHECK(MPI_Testall(2, requests, &done, MPI_STATUSES_IGNORE));
  return done != 0;
}
#endif

}  // namespace

struct NodeBlocks::Seen {
  std::uint64_t state = 0, epoch = 0, pos = 0, block = 0;
};

NodeBlocks::NodeBlocks(const NodeGroups& groups, double timeout, int rank, int root)
    : cells_(groups.node, 3, 0),
      root_serves_only_(groups.nodes >= kRootServesOnlyFrom && root >= 0 && root < groups.group.size()),
      node_ranks_(static_cast<std::uint64_t>(groups.node.size())),
      root_here_(root >= 0 && root < groups.group.size() && is_on_node(groups.group, root, groups.node)),
      timeout_(timeout),
      rank_(rank) {
  // Where this node's first block of a call starts (refill): the ranks of
  // the nodes before it, leaders in group order, and whether root is one.
  std::uint64_t here[2] = {node_ranks_, root_here_ ? 1u : 0u}, before[2] = {0, 0};
  if (groups.leaders.valid())
    HMP_MPI_CHECK(MPI_Exscan(here, before, 2, MPI_UINT64_T, MPI_SUM, groups.leaders.native()));
  if (groups.node_index == 0) before[0] = before[1] = 0;  // MPI_Exscan leaves the first undefined
  HMP_MPI_CHECK(MPI_Bcast(before, 2, MPI_UINT64_T, 0, groups.node.native()));
  ranks_before_ = before[0];
  root_before_ = before[1] != 0;
}

NodeBlocks::Claimers NodeBlocks::claimers(const ClaimSizes& sizes) const {
  const bool out = !sizes.root_claims();
  return {ranks_before_ - (out && root_before_ ? 1 : 0), node_ranks_ - (out && root_here_ ? 1 : 0)};
}

NodeBlocks::Seen NodeBlocks::read() const {
  for (;;) {
    Seen s;
    s.state = cells_.load(kState);
    s.epoch = s.state >> 32;
    s.pos = s.state & kLow;
    s.block = cells_.load(block_cell(s.epoch));
    // A block is rewritten only two epochs later: an unchanged state means it was this epoch's.
    if (cells_.load(kState) == s.state) return s;
  }
}

std::optional<Positions> NodeBlocks::take(std::uint64_t seq, std::uint64_t limit, bool ordered,
                                          const ClaimSizes& sizes, ClaimCounter& pool) {
  const std::uint64_t s = seq & kLow;
  for (;;) {
    if (stopped(seq)) return std::nullopt;
    const Seen seen = read();
    if (seen.pos == kRefilling) {
      wait_for_refill(seq, pool.progress_comm());
      continue;
    }
    const auto ahead = calls_ahead(seen.block, s);
    if (ahead > 0) return std::nullopt;  // a later call's block: this call is all claimed
    const std::uint64_t end = seen.block & kLow;
    // kDone, or a used-up block that reached the limit: the pool's counter
    // hands out positions in order, so it has none left either.
    if (ahead == 0 && (end == kDone || (seen.pos >= end && end >= limit))) return std::nullopt;
    std::uint64_t state = seen.state;
    if (ahead == 0 && seen.pos < end) {
      const std::uint64_t left = end - seen.pos;  // a claim is sized by its node's block
      const std::uint64_t stop = seen.pos + std::min(sizes.claim(left, claimers(sizes).here), left);
      if (cells_.compare_exchange(kState, state, (seen.epoch << 32) | stop)) return Positions{seen.pos, stop};
    } else if (cells_.compare_exchange(kState, state, (seen.epoch << 32) | kRefilling)) {
      refill(seq, limit, ordered, sizes, pool, seen);  // used up, or an earlier call's
    }
  }
}

// The first half or so of a call's positions (ClaimSizes::dealt_per_rank)
// is dealt to the nodes by their claimers at the call's start, as each
// node's first block, without a message: when every node fetched its first
// block at once, the last waited for all the others' round trips to rank 0
// (1.7 ms at 128 simulated nodes).
void NodeBlocks::refill(std::uint64_t seq, std::uint64_t limit, bool ordered, const ClaimSizes& sizes,
                        ClaimCounter& pool, const Seen& seen) {
  const std::uint64_t epoch = seen.epoch;
  const std::uint64_t per_rank = sizes.dealt_per_rank();
  const auto ahead = calls_ahead(seen.block, seq & kLow);
  std::optional<Positions> block;
  if (ahead < 0 && per_rank) {
    const Claimers c = claimers(sizes);
    block = Positions{c.before * per_rank, (c.before + c.here) * per_rank};  // the node's first, dealt
  } else {
    block = fetch(seq, limit, ordered, sizes, pool);
    ++fetches_;
  }
  const std::uint64_t next = (epoch + 1) & kLow;
  cells_.store(block_cell(next), ((seq & kLow) << 32) | (block ? block->end : kDone));
  cells_.store(kState, (next << 32) | (block ? block->begin : 0));  // last: the block is whole
}

// A node's next block of call `seq`: from root by message in an ordered call
// (see the top), else from the pool's counter.
std::optional<Positions> NodeBlocks::fetch(std::uint64_t seq, std::uint64_t limit, bool ordered,
                                           const ClaimSizes& sizes, ClaimCounter& pool) {
  const std::uint64_t here = claimers(sizes).here;
  if (ordered && served())
    return served_rank_ == served_root_ ? hand_out(seq, limit, here, sizes) : request_block(seq, here, false);
  const auto size = [&](std::uint64_t pos) { return sizes.block(limit - pos, here); };
  const std::uint64_t start = dealt(sizes);
  return ordered ? pool.add_here(seq, limit, start, size) : pool.take_here(seq, limit, start, size);
}

void NodeBlocks::serve_from(MPI_Comm comm, int root, int rank_in_comm) {
  if (!root_serves_only_) return;  // fewer nodes: the counter's contention is small, root computes
  served_comm_ = comm;
  served_root_ = root;
  served_rank_ = rank_in_comm;
}

// A request is (call number, the node's claimers `here`, whether it only
// says that the call failed); root's answer (begin, end), empty when nothing
// is left.
std::optional<Positions> NodeBlocks::request_block(std::uint64_t seq, std::uint64_t here, bool exhaust) {
  const int tag = call_tags(seq).claim;
  if (sent_seq_ != seq) sent_seq_ = seq, sent_ = 0;
  ++sent_;
  auto r = std::make_unique<Request>();
  r->ask = {seq, here, exhaust ? 1u : 0u};
  if (exhaust) {
    // A few bytes: sent at once (eager), root takes them as it serves.
    HMP_MPI_CHECK(MPI_Send(r->ask.data(), 3, MPI_UINT64_T, served_root_, tag, served_comm_));
    return std::nullopt;
  }
  auto* requests = r->requests;
  HMP_MPI_CHECK(MPI_Irecv(r->answer.data(), 2, MPI_UINT64_T, served_root_, tag, served_comm_, &requests[0]));
  HMP_MPI_CHECK(MPI_Isend(r->ask.data(), 3, MPI_UINT64_T, served_root_, tag, served_comm_, &requests[1]));
#ifdef HMP_SMPI
  if (!wake_ || wake_seq_ != seq || *wake_ == MPI_REQUEST_NULL) {
    // Blocked in MPI, a simulated rank costs the simulator nothing until the answer.
    HMP_MPI_CHECK(MPI_Waitall(2, requests, MPI_STATUSES_IGNORE));
  } else {
    // Or until the call's outcome: root may have settled the call and left
    // it (root_role.cpp, settle_early), answering no more requests.
    MPI_Request all[3] = {requests[0], requests[1], *wake_};
    for (int open = 2; open > 0;) {
      int index = MPI_UNDEFINED;
      MPI_Status status;
      HMP_MPI_CHECK(MPI_Waitany(3, all, &index, &status));
      if (index == 2) {
        *wake_ = MPI_REQUEST_NULL;  // completed through its copy
        woken_ = status;
        break;
      }
      --open;
    }
    requests[0] = all[0];
    requests[1] = all[1];
  }
#else
  wait_until([&] { return both_done(requests) || stopped(seq); }, Deadline(Seconds(timeout_), true, "hmp::Pool claim"));
#endif
  if (requests[0] != MPI_REQUEST_NULL || requests[1] != MPI_REQUEST_NULL) {
    if (stopped(seq) || woken_) {
      unanswered_.push_back(std::move(r));  // root answers as it ends the call
      return std::nullopt;
    }
    for (auto& q : r->requests) {
      if (q == MPI_REQUEST_NULL) continue;
      MPI_Cancel(&q);
      MPI_Wait(&q, MPI_STATUS_IGNORE);
    }
    throw wait_timed_out(rank_, timeout_,
                         "for root (rank " + std::to_string(served_root_) + ") to hand its node a block of call #" +
                             std::to_string(seq) + "; did every rank make this call?");
  }
  const auto& answer = r->answer;
  if (answer[0] > answer[1]) throw Error("hmp: a pool message is malformed");
  if (answer[0] == answer[1]) return std::nullopt;
  return Positions{answer[0], answer[1]};
}

bool NodeBlocks::stopped(std::uint64_t seq) const { return board_ && board_->word(seq).now(); }

void NodeBlocks::finish_requests() {
  for (auto& r : unanswered_) {
#ifdef HMP_SMPI
    HMP_MPI_CHECK(MPI_Waitall(2, r->requests, MPI_STATUSES_IGNORE));
#else
    if (!wait_until([&] { return both_done(r->requests); }, Deadline(Seconds(timeout_), true, "hmp::Pool claim")))
      throw wait_timed_out(rank_, timeout_,
                           "for root (rank " + std::to_string(served_root_) +
                               ") to answer a request for a block of a call that stopped");
#endif
  }
  unanswered_.clear();
}

bool NodeBlocks::serve(std::uint64_t seq, int tag, std::uint64_t limit, const ClaimSizes& sizes) {
  // One request a call: root looks for other messages between two (a
  // failure sent to it waited behind 32 nodes' requests, 1.3 ms).
  int flag = 0;
  MPI_Status status;
  HMP_MPI_CHECK(MPI_Iprobe(MPI_ANY_SOURCE, tag, served_comm_, &flag, &status));
  if (flag) answer_one(seq, tag, status, limit, &sizes);
  return flag != 0;
}

void NodeBlocks::answer_one(std::uint64_t seq, int tag, const MPI_Status& status, std::uint64_t limit,
                            const ClaimSizes* sizes) {
  std::uint64_t ask[3] = {0, 0, 0};
  HMP_MPI_CHECK(MPI_Recv(ask, 3, MPI_UINT64_T, status.MPI_SOURCE, tag, served_comm_, MPI_STATUS_IGNORE));
  if (ask[0] != seq || (sizes && ask[1] > sizes->claimers()) || ask[2] > 1)
    throw Error("hmp: a pool message is malformed");
  count_taken(seq, status.MPI_SOURCE);
  if (ask[2]) {
    serve_nothing_more(seq);
    return;
  }
  const auto block = sizes ? hand_out(seq, limit, ask[1], *sizes) : std::nullopt;
  const std::uint64_t answer[2] = {block ? block->begin : 0, block ? block->end : 0};
  // The asker posted its receive before asking: this send completes at once.
  HMP_MPI_CHECK(MPI_Send(answer, 2, MPI_UINT64_T, status.MPI_SOURCE, tag, served_comm_));
}

void NodeBlocks::count_taken(std::uint64_t seq, int source) {
  if (taken_seq_ != seq || taken_.empty()) {
    int size = 0;
    HMP_MPI_CHECK(MPI_Comm_size(served_comm_, &size));
    taken_.assign(static_cast<std::size_t>(size), 0);
    taken_seq_ = seq;
  }
  ++taken_[static_cast<std::size_t>(source)];
}

void NodeBlocks::take_requests(std::uint64_t seq, int tag, int source, std::uint32_t sent) {
  if (!served() || sent == 0) return;
  const auto taken = [&] {
    return taken_seq_ == seq && !taken_.empty() ? taken_[static_cast<std::size_t>(source)] : 0u;
  };
  while (taken() < sent) {
    int flag = 0;
    MPI_Status status;
    const auto arrived = [&] {
      HMP_MPI_CHECK(MPI_Iprobe(source, tag, served_comm_, &flag, &status));
      return flag != 0;
    };
    if (!wait_until(arrived, Deadline(Seconds(timeout_), true, "hmp::Pool claim")))
      throw wait_timed_out(rank_, timeout_,
                           "for rank " + std::to_string(source) + "'s request for a block of call #" +
                               std::to_string(seq) + ", which it says it sent");
    answer_one(seq, tag, status, 0, nullptr);  // the call is over: nothing left to hand out
  }
}

void NodeBlocks::start_serving(std::uint64_t seq, const ClaimSizes& sizes) {
  if (served_started_ && served_seq_ == seq) return;
  served_started_ = true;
  served_seq_ = seq;
  served_next_ = dealt(sizes);  // the positions before were dealt at the call's start
  served_done_ = false;
}

void NodeBlocks::serve_nothing_more(std::uint64_t seq) {
  served_started_ = true;
  served_seq_ = seq;
  served_done_ = true;
}

std::optional<Positions> NodeBlocks::hand_out(std::uint64_t seq, std::uint64_t limit, std::uint64_t node_claimers,
                                              const ClaimSizes& sizes) {
  start_serving(seq, sizes);
  if (served_done_ || served_next_ >= limit) return std::nullopt;
  const std::uint64_t size = sizes.block(limit - served_next_, node_claimers);
  const Positions block{served_next_, std::min(limit, served_next_ + size)};
  served_next_ = block.end;
  return block;
}

// The fetch is one round trip to the pool's counter on rank 0, which moves
// only while rank 0 is inside MPI: a waiter that is rank 0 keeps entering it
// (wait_until.hpp); the others sleep briefly, leaving it the cores.
void NodeBlocks::wait_for_refill(std::uint64_t seq, MPI_Comm progress) const {
  const auto refilled = [&] {
#ifndef HMP_SMPI
    // Root may wait inside MPI for a batch of results this rank sent, which
    // moves over TCP only while this rank enters MPI, and only then answers
    // the request of the rank that fetches this node's block.
    if (served() && may_call_mpi()) progress_mpi(served_comm_);
#endif
    return (cells_.load(kState) & kLow) != kRefilling || stopped(seq);
  };
  if (wait_until(refilled, Deadline(Seconds(timeout_), true, "hmp::Pool claim"), progress)) return;
  throw wait_timed_out(rank_, timeout_,
                       "for a rank of its node to fetch a block of call #" + std::to_string(seq) +
                           " from the pool's counter");
}

void NodeBlocks::exhaust(std::uint64_t seq, std::uint64_t limit, bool ordered, bool by_adding, ClaimCounter& pool) {
  // First: a refill from now on finds nothing.
  if (!ordered || !served())
    pool.exhaust_here(seq, limit, by_adding);
  else if (served_rank_ == served_root_)
    serve_nothing_more(seq);
  else
    request_block(seq, 0, true);
  const std::uint64_t s = seq & kLow;
  const Seen seen = read();
  std::uint64_t block = seen.block;
  if (seen.pos != kRefilling && calls_ahead(block, s) == 0)
    cells_.compare_exchange(block_cell(seen.epoch), block, (s << 32) | kDone);
}

bool NodeBlocks::exhausted(std::uint64_t seq, std::uint64_t limit, bool ordered, const ClaimCounter& pool) const {
  const Seen seen = read();
  if (seen.pos == kRefilling) return false;
  const auto ahead = calls_ahead(seen.block, seq & kLow);
  if (ahead > 0) return true;
  const std::uint64_t end = seen.block & kLow;
  if (ahead == 0 && (end == kDone || (seen.pos >= end && end >= limit))) return true;
  if (ahead < 0 || seen.pos < end) return false;  // this node's first block (dealt) or the current one
  if (ordered && served())  // root knows; another rank learns at its next request
    return served_rank_ == served_root_ && served_started_ && served_seq_ == seq &&
           (served_done_ || served_next_ >= limit);
  return pool.exhausted_here(seq, limit);
}

}  // namespace hmp::detail
