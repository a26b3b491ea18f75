#include <hmp/detail/call_tags.hpp>
#include <hmp/detail/claim_counter.hpp>
#include <hmp/detail/clock.hpp>
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

enum Cell : std::size_t { kState, kBlock0, kBlock1, kAhead, kParked, kRoundTrip, kCells };
constexpr std::uint64_t kLow = 0xffffffffULL;
constexpr std::uint64_t kRefilling = kLow;  // state position: a rank fetches the next block
constexpr std::uint64_t kDone = kLow;       // block end: the pool's counter had nothing left
constexpr int kAnswersAtOnce = 8;           // requests root answers before it looks at other messages
// A refill waits for another rank's ask ahead at least kAskPatience seconds
// and kAskRoundTrips of the node's last request to root (kRoundTrip, in µs).
constexpr double kAskPatience = 1e-3;
constexpr double kAskRoundTrips = 2;

// The ask ahead (kAhead): (call number << 32 | one of these); a value of
// another call is no ask. kParked holds a parked answer (begin << 32 | end).
enum Ahead : std::uint64_t {
  kNoAsk,
  kAsked,       // a rank of the node waits for root's answer
  kParkedMore,  // root's answer parked, root had more after it
  kParkedLast,  // root's answer parked, nothing after it
  kHandedOut,   // root said it has nothing after the node's block: no more asks
};

std::size_t block_cell(std::uint64_t epoch) { return (epoch & 1) ? kBlock1 : kBlock0; }

// How many calls the call number in the high half of `v` is ahead of `s`.
std::int32_t calls_ahead(std::uint64_t v, std::uint64_t s) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>((v >> 32) - s));
}

// The ask-ahead state of call `s` in the cell's value `v`.
std::uint64_t ahead_of(std::uint64_t v, std::uint64_t s) { return calls_ahead(v, s) == 0 ? (v & kLow) : kNoAsk; }

// A parked answer in its one cell (kParked): (begin << 32) | end.
std::uint64_t parked_cell(const BlockAnswer& a) { return (a.begin << 32) | a.end; }
BlockAnswer parked_block(std::uint64_t v) { return {v >> 32, v & kLow, 0}; }

}  // namespace

struct NodeBlocks::Seen {
  std::uint64_t state = 0, epoch = 0, pos = 0, block = 0;
};

NodeBlocks::NodeBlocks(const NodeGroups& groups, double timeout, int rank, int root)
    : cells_(groups.node, kCells, 0),
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
    park_answer(seq);
    const Seen seen = read();
    if (seen.pos == kRefilling) {
      wait_for_refill(seq, pool.progress_comm());
      continue;
    }
    const auto ahead = calls_ahead(seen.block, s);
    if (ahead > 0) return std::nullopt;  // a later call's block: this call is all claimed
    const std::uint64_t end = seen.block & kLow;
    std::uint64_t state = seen.state;
    if (ahead == 0 && end != kDone && seen.pos < end) {
      const std::uint64_t left = end - seen.pos;  // a claim is sized by its node's block
      const std::uint64_t stop = seen.pos + std::min(sizes.claim(left, claimers(sizes).here), left);
      if (!cells_.compare_exchange(kState, state, (seen.epoch << 32) | stop)) continue;
      if (ordered && served() && end < limit) ask_ahead(seq, end - stop, sizes);
      return Positions{seen.pos, stop};
    }
    if (ahead == 0 && nothing_more(seq, end, limit)) return std::nullopt;
    if (cells_.compare_exchange(kState, state, (seen.epoch << 32) | kRefilling))
      refill(seq, limit, ordered, sizes, pool, seen);  // used up, or an earlier call's
  }
}

// Whether a node whose block of call `seq` (ending at `end`) is used up has
// nothing more to take. kDone, or a block that reached the limit: root and
// the pool's counter hand out positions in order, so they have none left
// either; but a parked answer, or this rank's ask, may hold an earlier block
// (another rank's ask is that rank's to run).
bool NodeBlocks::nothing_more(std::uint64_t seq, std::uint64_t end, std::uint64_t limit) const {
  const std::uint64_t ask = ahead_of(cells_.load(kAhead), seq & kLow);
  if (ask == kParkedMore || ask == kParkedLast || (ask == kAsked && ahead_ && ahead_seq_ == seq)) return false;
  return end == kDone || end >= limit || ask == kHandedOut;
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
    return served_rank_ == requests_->root() ? hand_out(seq, limit, here, sizes) : next_block(seq, here);
  const auto size = [&](std::uint64_t pos) { return sizes.block(limit - pos, here); };
  const std::uint64_t start = dealt(sizes);
  return ordered ? pool.add_here(seq, limit, start, size) : pool.take_here(seq, limit, start, size);
}

// The refill of a served call: the parked answer of an ask ahead if there
// is one, else this rank's own ask's answer, else a request now.
std::optional<Positions> NodeBlocks::next_block(std::uint64_t seq, std::uint64_t here) {
  const std::uint64_t s = seq & kLow;
  std::uint64_t v = cells_.load(kAhead);
  const std::uint64_t ask = ahead_of(v, s);
  if (ask == kParkedMore || ask == kParkedLast) {
    const BlockAnswer parked = parked_block(cells_.load(kParked));
    // Exhausting the call (exhaust) takes the parked block away.
    if (!cells_.compare_exchange(kAhead, v, (s << 32) | (ask == kParkedLast ? kHandedOut : kNoAsk)))
      return std::nullopt;
    if (parked.empty()) return std::nullopt;
    return Positions{parked.begin, parked.end};
  }
  if (ask == kHandedOut) return std::nullopt;  // root said so with the node's last block
  if (ask == kAsked && ahead_ && ahead_seq_ == seq) {
    if (!park_answer(seq, true)) return std::nullopt;  // the call stopped
    return next_block(seq, here);  // parked now (or taken away by exhaust: nothing)
  }
  if (ask == kAsked && wait_for_ask(seq)) return stopped(seq) ? std::nullopt : next_block(seq, here);
  return request_block(seq, here);
}

// Root may wait inside MPI for a batch of results this rank sent, which
// moves over TCP only while this rank enters MPI, and only then answers the
// request of the rank that fetches this node's block.
void NodeBlocks::let_root_progress() const {
#ifndef HMP_SMPI
  if (served() && may_call_mpi()) progress_mpi(requests_->comm());
#endif
}

// Another rank's ask ahead: its answer, parked once that rank is back from
// its claim, is waited for kAskPatience, or two of the node's last round
// trips to root where those take longer (over TCP a request moves only
// while root enters MPI: 7-180 ms on two fake hosts of 8 ranks, where a
// wait of 1 ms gave up on most asks). Then this rank asks root itself: an
// answer parked too becomes the block after, but each such block is a
// share of what was left, and guided's shares doubled so (96-97% at 256
// simulated ranks fell to 89%).
bool NodeBlocks::wait_for_ask(std::uint64_t seq) {
  const std::uint64_t s = seq & kLow;
  const auto answered = [&] {
    let_root_progress();
    return ahead_of(cells_.load(kAhead), s) != kAsked || stopped(seq);
  };
  const double last = static_cast<double>(cells_.load(kRoundTrip)) * 1e-6;
  const double patience = std::min(std::max(kAskPatience, kAskRoundTrips * last), timeout_);
  return wait_until(answered, Deadline(Seconds(patience), true, "hmp::Pool claim"));
}

// Asks root for the node's next block when its current one holds at most
// two of the smallest claims a rank (the asker is back for its next claim,
// and parks the answer, before the others have used up the rest), unless
// the node asked already or root has nothing left. Not earlier: root sizes
// a block from what is left when asked, as if the node held nothing (guided
// asking as a block began: 96-97% at 256 simulated ranks fell to 87-88%).
void NodeBlocks::ask_ahead(std::uint64_t seq, std::uint64_t left_in_block, const ClaimSizes& sizes) {
  const std::uint64_t here = claimers(sizes).here;
  if (left_in_block > 2 * here * sizes.claim(1, here) || served_rank_ == requests_->root()) return;
  if (!move_ask(seq, kNoAsk, kAsked)) return;
  ahead_ = requests_->send(seq, here);
  ahead_seq_ = seq;
}

// This rank's ask ahead: its answer into the node's cells once it is in
// (waiting for it when `wait`); false if it is not. An ask of an earlier
// call, or one whose wait the call's stop ended, is left to finish_requests.
bool NodeBlocks::park_answer(std::uint64_t seq, bool wait) {
  if (!ahead_) return false;
  if (ahead_seq_ != seq) {
    ahead_ = nullptr;
    return false;
  }
  std::optional<BlockAnswer> answer;
  if (wait)
    answer = requests_->wait(*ahead_, [&] { return stopped(seq); });
  else if (requests_->arrived(*ahead_))
    answer = BlockRequests::answer(*ahead_);
  if (!answer) {
    if (wait) ahead_ = nullptr;
    return false;
  }
  requests_->release(ahead_);
  ahead_ = nullptr;
  cells_.store(kParked, parked_cell(*answer));
  move_ask(seq, kAsked, answer->left ? kParkedMore : kParkedLast);
  return true;
}

// The node's ask state of call `seq` becomes `to` if it is still `from`
// (kNoAsk: also a state of another call); false if another rank's move came first.
bool NodeBlocks::move_ask(std::uint64_t seq, std::uint64_t from, std::uint64_t to) {
  const std::uint64_t s = seq & kLow;
  std::uint64_t v = cells_.load(kAhead);
  return ahead_of(v, s) == from && cells_.compare_exchange(kAhead, v, (s << 32) | to);
}

void NodeBlocks::serve_from(MPI_Comm comm, int root, int rank_in_comm) {
  if (!root_serves_only_) return;  // fewer nodes: the counter's contention is small, root computes
  requests_ = std::make_unique<BlockRequests>(comm, root, rank_, timeout_);
  served_rank_ = rank_in_comm;
}

// A request now, waited for; root's answer says whether it has more.
std::optional<Positions> NodeBlocks::request_block(std::uint64_t seq, std::uint64_t here) {
  const auto sent = Clock::now();
  auto* ask = requests_->send(seq, here);
  const auto answer = requests_->wait(*ask, [&] { return stopped(seq); });
  if (!answer) return std::nullopt;  // stopped: the ask waits for finish_requests
  requests_->release(ask);
  cells_.store(kRoundTrip, static_cast<std::uint64_t>(seconds_since(sent) * 1e6));
  if (!answer->left) move_ask(seq, kNoAsk, kHandedOut);
  if (answer->empty()) return std::nullopt;
  return Positions{answer->begin, answer->end};
}

bool NodeBlocks::stopped(std::uint64_t seq) const { return board_ && board_->word(seq).now(); }

void NodeBlocks::finish_requests() {
  ahead_ = nullptr;
  if (requests_) requests_->finish();
}

bool NodeBlocks::serve(std::uint64_t seq, int tag, std::uint64_t limit, const ClaimSizes& sizes) {
  // A few requests a call: root looks for other messages between them (a
  // failure sent to it waited behind 32 nodes' requests, 1.3 ms, when root
  // answered them all at once), but answers a wave of every node's asks
  // without a pass over the rest between two.
  int flag = 0, answered = 0;
  MPI_Status status;
  do {
    HMP_MPI_CHECK(MPI_Iprobe(MPI_ANY_SOURCE, tag, requests_->comm(), &flag, &status));
    if (flag) answer_one(seq, tag, status, limit, &sizes), ++answered;
  } while (flag && answered < kAnswersAtOnce);
  return answered > 0;
}

void NodeBlocks::answer_one(std::uint64_t seq, int tag, const MPI_Status& status, std::uint64_t limit,
                            const ClaimSizes* sizes) {
  std::uint64_t ask[3] = {0, 0, 0};
  const MPI_Comm comm = requests_->comm();
  HMP_MPI_CHECK(MPI_Recv(ask, 3, MPI_UINT64_T, status.MPI_SOURCE, tag, comm, MPI_STATUS_IGNORE));
  if (ask[0] != seq || (sizes && ask[1] > sizes->claimers()) || ask[2] > 1)
    throw Error("hmp: a pool message is malformed");
  requests_->count_taken(seq, status.MPI_SOURCE);
  if (ask[2]) {
    serve_nothing_more(seq);
    return;
  }
  const auto block = sizes ? hand_out(seq, limit, ask[1], *sizes) : std::nullopt;
  const std::uint64_t left = sizes && !served_done_ && served_next_ < limit ? limit - served_next_ : 0;
  const std::uint64_t answer[3] = {block ? block->begin : 0, block ? block->end : 0, left};
  // The asker posted its receive before asking: this send completes at once.
  HMP_MPI_CHECK(MPI_Send(answer, 3, MPI_UINT64_T, status.MPI_SOURCE, tag, comm));
}

void NodeBlocks::take_requests(std::uint64_t seq, int tag, int source, std::uint32_t sent) {
  if (!served() || sent == 0) return;
  while (requests_->taken(seq, source) < sent) {
    int flag = 0;
    MPI_Status status;
    const auto arrived = [&] {
      HMP_MPI_CHECK(MPI_Iprobe(source, tag, requests_->comm(), &flag, &status));
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
// A rank that asked ahead parks the answer meanwhile: the refilling rank may wait for it.
void NodeBlocks::wait_for_refill(std::uint64_t seq, MPI_Comm progress) {
  const auto refilled = [&] {
    let_root_progress();
    park_answer(seq);
    return (cells_.load(kState) & kLow) != kRefilling || stopped(seq);
  };
  if (wait_until(refilled, Deadline(Seconds(timeout_), true, "hmp::Pool claim"), progress)) return;
  throw wait_timed_out(rank_, timeout_,
                       "for a rank of its node to fetch a block of call #" + std::to_string(seq) +
                           " from the pool's counter");
}

void NodeBlocks::exhaust(std::uint64_t seq, std::uint64_t limit, bool ordered, bool by_adding, ClaimCounter& pool) {
  // First: a refill from now on finds nothing.
  const std::uint64_t s = seq & kLow;
  if (!ordered || !served()) {
    pool.exhaust_here(seq, limit, by_adding);
  } else if (served_rank_ == requests_->root()) {
    serve_nothing_more(seq);
  } else {
    requests_->tell_failed(seq);
    // And no parked block runs: the node asks no more.
    for (std::uint64_t v = cells_.load(kAhead); !cells_.compare_exchange(kAhead, v, (s << 32) | kHandedOut);) {
    }
  }
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
    return served_rank_ == requests_->root() && served_started_ && served_seq_ == seq &&
           (served_done_ || served_next_ >= limit);
  return pool.exhausted_here(seq, limit);
}

}  // namespace hmp::detail
