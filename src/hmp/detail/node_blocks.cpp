#include <hmp/detail/claim_counter.hpp>
#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/node_blocks.hpp>
#include <hmp/detail/wait_until.hpp>
#include <hmp/errors.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

namespace hmp::detail {

namespace {

enum Cell : std::size_t { kState, kBlock0, kBlock1 };
constexpr std::uint64_t kLow = 0xffffffffULL;
constexpr std::uint64_t kRefilling = kLow;  // state position: a rank fetches the next block
constexpr std::uint64_t kDone = kLow;       // block end: the pool's counter had nothing left

// A block is a node's part of the pool's counter: half of what is left per
// node (so blocks shrink as the call ends, as guided's claims do), at least
// two claims for each rank of the node (so the last blocks are not fetched
// a claim at a time; at Python's default chunking, four chunks a worker,
// that is half a node's share, so nodes still balance).
constexpr std::uint64_t kClaimsPerRank = 2;
constexpr std::uint64_t kSplit = 2;

std::size_t block_cell(std::uint64_t epoch) { return (epoch & 1) ? kBlock1 : kBlock0; }

// How many calls the call number in the high half of `v` is ahead of `s`.
std::int32_t calls_ahead(std::uint64_t v, std::uint64_t s) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>((v >> 32) - s));
}

}  // namespace

struct NodeBlocks::Seen {
  std::uint64_t state = 0, epoch = 0, pos = 0, block = 0;
};

NodeBlocks::NodeBlocks(const NodeGroups& groups, double timeout, int rank)
    : cells_(groups.node, 3, 0),
      node_ranks_(static_cast<std::uint64_t>(groups.node.size())),
      nodes_(static_cast<std::uint64_t>(groups.nodes)),
      ranks_(static_cast<std::uint64_t>(groups.group.size())),
      timeout_(timeout),
      rank_(rank) {
  // Where this node's first block of a call starts (dealt_per_rank): the
  // ranks of the nodes before it, leaders in group order.
  if (groups.leaders.valid())
    HMP_MPI_CHECK(MPI_Exscan(&node_ranks_, &ranks_before_, 1, MPI_UINT64_T, MPI_SUM, groups.leaders.native()));
  if (groups.node_index == 0) ranks_before_ = 0;  // MPI_Exscan leaves the first undefined
  HMP_MPI_CHECK(MPI_Bcast(&ranks_before_, 1, MPI_UINT64_T, 0, groups.node.native()));
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

std::optional<Positions> NodeBlocks::take(std::uint64_t seq, std::uint64_t limit, bool ordered, const Want& want,
                                          ClaimCounter& pool) {
  const std::uint64_t s = seq & kLow;
  for (;;) {
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
      const std::uint64_t stop = seen.pos + std::min(want(seen.pos), end - seen.pos);
      if (cells_.compare_exchange(kState, state, (seen.epoch << 32) | stop)) return Positions{seen.pos, stop};
    } else if (cells_.compare_exchange(kState, state, (seen.epoch << 32) | kRefilling)) {
      refill(seq, limit, ordered, want, pool, seen);  // used up, or an earlier call's
    }
  }
}

void NodeBlocks::refill(std::uint64_t seq, std::uint64_t limit, bool ordered, const Want& want, ClaimCounter& pool,
                        const Seen& seen) {
  const std::uint64_t epoch = seen.epoch;
  const auto size = [&](std::uint64_t pos) { return block_size(pos, limit, want); };
  const std::uint64_t per_rank = dealt_per_rank(limit, want), start = per_rank * ranks_;
  const auto ahead = calls_ahead(seen.block, seq & kLow);
  std::optional<Positions> block;
  if (ahead < 0 && per_rank) {
    block = Positions{ranks_before_ * per_rank, (ranks_before_ + node_ranks_) * per_rank};  // the node's first
  } else {
    block = ordered ? pool.add_here(seq, limit, start, size) : pool.take_here(seq, limit, start, size);
    ++fetches_;
  }
  const std::uint64_t next = (epoch + 1) & kLow;
  cells_.store(block_cell(next), ((seq & kLow) << 32) | (block ? block->end : kDone));
  cells_.store(kState, (next << 32) | (block ? block->begin : 0));  // last: the block is whole
}

// The fetch is one round trip to the pool's counter on rank 0, which moves
// only while rank 0 is inside MPI: a waiter that is rank 0 keeps entering it
// (wait_until.hpp); the others sleep briefly, leaving it the cores.
void NodeBlocks::wait_for_refill(std::uint64_t seq, MPI_Comm progress) const {
  const auto refilled = [&] { return (cells_.load(kState) & kLow) != kRefilling; };
  if (wait_until(refilled, Deadline(Seconds(timeout_), true, "hmp::Pool claim"), progress)) return;
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f", timeout_);
  throw TimeoutError("hmp: rank " + std::to_string(rank_) + " waited " + secs +
                     " s for a rank of its node to fetch a block of call #" + std::to_string(seq) +
                     " from the pool's counter (HMP_WAIT_TIMEOUT sets the limit)");
}

void NodeBlocks::exhaust(std::uint64_t seq, std::uint64_t limit, bool by_adding, ClaimCounter& pool) {
  pool.exhaust_here(seq, limit, by_adding);  // first: a refill from now on finds nothing
  const std::uint64_t s = seq & kLow;
  const Seen seen = read();
  std::uint64_t block = seen.block;
  if (seen.pos != kRefilling && calls_ahead(block, s) == 0)
    cells_.compare_exchange(block_cell(seen.epoch), block, (s << 32) | kDone);
}

std::uint64_t NodeBlocks::block_size(std::uint64_t pos, std::uint64_t limit, const Want& want) const {
  const std::uint64_t share = (limit - pos + kSplit * nodes_ - 1) / (kSplit * nodes_);
  return std::max(kClaimsPerRank * node_ranks_ * want(pos), share);
}

// The first half of a call's positions is dealt to the nodes by their ranks
// at the call's start, as each node's first block, without a message: when
// every node fetched its first block at once, the last waited for all the
// others' round trips to rank 0 (1.7 ms at 128 simulated nodes). Each rank's
// part is at least kClaimsPerRank claims (0 when that is most of the call).
std::uint64_t NodeBlocks::dealt(std::uint64_t limit, const Want& want) const {
  return dealt_per_rank(limit, want) * ranks_;
}

std::uint64_t NodeBlocks::dealt_per_rank(std::uint64_t limit, const Want& want) const {
  const std::uint64_t per = std::max(kClaimsPerRank * want(0), limit / (kSplit * ranks_));
  // At most three quarters dealt: the rest balances the nodes.
  return per * ranks_ <= limit - limit / (2 * kSplit) ? per : 0;
}

bool NodeBlocks::exhausted(std::uint64_t seq, std::uint64_t limit, const ClaimCounter& pool) const {
  const Seen seen = read();
  if (seen.pos == kRefilling) return false;
  const auto ahead = calls_ahead(seen.block, seq & kLow);
  if (ahead > 0) return true;
  const std::uint64_t end = seen.block & kLow;
  if (ahead == 0 && (end == kDone || (seen.pos >= end && end >= limit))) return true;
  if (ahead < 0 || seen.pos < end) return false;  // this node's first block (dealt) or the current one
  return pool.exhausted_here(seq, limit);
}

}  // namespace hmp::detail
