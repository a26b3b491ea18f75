#include <hmp/detail/call_schedule.hpp>
#include <hmp/detail/claim_sizes.hpp>
#include <hmp/errors.hpp>

#include <algorithm>
#include <string>

namespace hmp::detail {

namespace {

std::uint64_t u64(int v) { return static_cast<std::uint64_t>(v); }

/// Where chunk p of a call begins: chunks of `size` items, the first
/// `larger` of them one item more.
struct ChunkLayout {
  std::uint64_t size = 1, larger = 0;
  std::uint64_t begin(std::uint64_t p) const { return p * size + std::min(p, larger); }
  /// The chunk that holds item `i`.
  std::uint64_t chunk_of(std::uint64_t i) const {
    const std::uint64_t big = larger * (size + 1);
    return i < big ? i / (size + 1) : larger + (i - big) / size;
  }
};

/// `n` items in `parts` chunks (> 0) whose sizes differ by at most one, the
/// larger first: numpy.array_split's blocks.
ChunkLayout even_chunks(std::uint64_t n, std::uint64_t parts) { return {n / parts, n % parts}; }

/// Chunk j goes to rank j % ranks; a claim takes one chunk per thread.
class StaticCyclic final : public CallSchedule {
 public:
  StaticCyclic(const CallShape& s, std::uint64_t chunksize) : CallSchedule(s, chunksize ? chunksize : 1) {}
  bool next(int rank, Cursor& cursor, std::vector<Range>& out) override {
    const std::size_t before = out.size();
    for (int t = 0; t < shape_.threads; ++t) {
      const std::uint64_t j = chunk_of(rank, cursor.taken);
      if (j >= chunks()) break;
      ++cursor.taken;
      append_merged(out, {j * chunk_, std::min(shape_.n, (j + 1) * chunk_)});
    }
    return out.size() > before;
  }
  int owner_of(std::uint64_t i) const override { return static_cast<int>((i / chunk_) % u64(shape_.ranks)); }
  bool exhausted(int rank, const Cursor& cursor) const override {
    return chunk_of(rank, cursor.taken) >= chunks();
  }

 private:
  std::uint64_t chunks() const { return (shape_.n + chunk_ - 1) / chunk_; }
  std::uint64_t chunk_of(int rank, std::uint64_t k) const { return u64(rank) + k * u64(shape_.ranks); }
};

/// One contiguous block per rank, sizes as numpy.array_split.
class StaticBlock final : public CallSchedule {
 public:
  explicit StaticBlock(const CallShape& s) : CallSchedule(s, 1), blocks_(even_chunks(s.n, u64(s.ranks))) {}
  bool next(int rank, Cursor& cursor, std::vector<Range>& out) override {
    if (exhausted(rank, cursor)) return false;
    ++cursor.taken;
    out.push_back(block(rank));
    return true;
  }
  int owner_of(std::uint64_t i) const override { return static_cast<int>(blocks_.chunk_of(i)); }
  bool exhausted(int rank, const Cursor& cursor) const override {
    return cursor.taken > 0 || block(rank).size() == 0;
  }

 private:
  Range block(int rank) const { return {blocks_.begin(u64(rank)), blocks_.begin(u64(rank) + 1)}; }
  ChunkLayout blocks_;
};

/// Ranks claim chunks from the shared counter, one per thread a claim.
/// Positions count chunks; guided's count items. Across nodes a rank claims
/// from its node's block (node_blocks.hpp), sized here too.
class Claimed : public CallSchedule, public ClaimSizes {
 public:
  Claimed(const CallShape& s, std::uint64_t chunk, std::uint64_t limit, ClaimCounter& counter)
      : CallSchedule(s, chunk), limit_(limit), counter_(&counter) {
    if (limit_ >= ClaimCounter::kLimit)
      throw UsageError("hmp::Pool: " + std::to_string(s.n) + " items in chunks of " + std::to_string(chunk) +
                       " make too many chunks (at most 2^32 - 2): use a larger chunksize");
  }
  int owner_of(std::uint64_t) const override { return -1; }
  bool exhausted(int, const Cursor&) const override {
    return counter_->exhausted(shape_.seq, limit_, shape_.ordered);
  }
  void stop_claims() override {
    const bool fits = limit_ < ClaimCounter::kAddLimit && (limit_ * (u64(shape_.ranks) + 1)) >> 32 == 0;
    counter_->exhaust(shape_.seq, limit_, shape_.ordered, fits);
  }
  bool is_static() const noexcept override { return false; }
  void begin_claims() override { counter_->begin(shape_.seq, *this); }
  bool serve_blocks() override { return shape_.ordered && counter_->serve(shape_.seq, limit_, *this); }

  std::uint64_t claimers() const override { return u64(std::max(1, shape_.claiming())); }
  bool root_claims() const override { return !shape_.claims_served_by_root; }

 protected:
  /// Takes the next claim of this rank, positions into `p`.
  bool take(Positions& p) {
    const auto taken = counter_->take(shape_.seq, limit_, shape_.ordered, *this);
    if (taken) p = *taken;
    return taken.has_value();
  }
  /// At most three quarters of the call dealt at its start: the rest
  /// balances the nodes.
  std::uint64_t dealable(std::uint64_t per_rank) const {
    return per_rank * claimers() <= limit_ - limit_ / 4 ? per_rank : 0;
  }

  std::uint64_t limit_;
  ClaimCounter* counter_;
};

/// Position p is chunk p of `layout`, `chunks` of them.
class Dynamic final : public Claimed {
 public:
  Dynamic(const CallShape& s, ChunkLayout layout, std::uint64_t chunks, ClaimCounter& counter)
      : Claimed(s, layout.size + (layout.larger ? 1 : 0), chunks, counter), layout_(layout) {}
  bool next(int, Cursor&, std::vector<Range>& out) override {
    Positions p;
    if (!take(p)) return false;
    out.push_back({layout_.begin(p.begin), std::min(shape_.n, layout_.begin(p.end))});
    return true;
  }
  std::uint64_t claim(std::uint64_t, std::uint64_t) const override { return u64(shape_.threads); }
  // A node's block: half the node's share of what is left, so blocks shrink
  // as the call ends and a call crosses nodes a few dozen times a node, not
  // once a claim; at least two claims a rank of the node. One claim a rank
  // would balance a call's tail better, but doubles the requests root
  // answers one at a time: at 4,096 simulated ranks, 10^5 tasks of 100 us
  // took 8.8 and 10.2 ms against 4.9 and 5.0 ms with two.
  std::uint64_t block(std::uint64_t left, std::uint64_t node) const override {
    const std::uint64_t all = claimers();
    return std::max(2 * node * claim(left, all), (left * node + 2 * all - 1) / (2 * all));
  }
  // Half the call, at least two claims a rank (a claim each would send
  // every node for its second block at once).
  std::uint64_t dealt_per_rank() const override {
    return dealable(std::max(2 * u64(shape_.threads), limit_ / (2 * claimers())));
  }

 private:
  ChunkLayout layout_;
};

/// Like dynamic; a claim takes what is left over the ways it is shared,
/// ceil(left / ways), at least the chunk (OpenMP's guided: ceil(left /
/// workers)). Across nodes a node's block is its ranks' share of what is
/// left and a claim from it the rank's share of the block's rest, so chunks
/// shrink with the work left on each node as the whole call's would.
class Guided final : public Claimed {
 public:
  Guided(const CallShape& s, std::uint64_t min_chunk, ClaimCounter& counter) : Claimed(s, min_chunk, s.n, counter) {}
  bool next(int, Cursor&, std::vector<Range>& out) override {
    Positions p;
    if (!take(p)) return false;
    out.push_back({p.begin, p.end});
    return true;
  }
  std::uint64_t claim(std::uint64_t left, std::uint64_t ways) const override {
    ways = std::max<std::uint64_t>(1, ways);
    return std::max(chunk_, (left + ways - 1) / ways);
  }
  // A node's block: its ranks' share of what is left.
  std::uint64_t block(std::uint64_t left, std::uint64_t node) const override { return node * claim(left, claimers()); }
  // Half the call, evenly: a rank's first claim is half what it would take
  // at the counter, the other half goes by blocks that balance the nodes.
  std::uint64_t dealt_per_rank() const override { return dealable(std::max(chunk_, limit_ / (2 * claimers()))); }
};

/// Every item on one rank, in one claim (apply, Process).
class SingleRank final : public CallSchedule {
 public:
  SingleRank(const CallShape& s, int owner) : CallSchedule(s, s.n ? s.n : 1), owner_(owner) {}
  bool next(int rank, Cursor& cursor, std::vector<Range>& out) override {
    if (exhausted(rank, cursor)) return false;
    ++cursor.taken;
    out.push_back({0, shape_.n});
    return true;
  }
  int owner_of(std::uint64_t) const override { return owner_; }
  bool exhausted(int rank, const Cursor& cursor) const override {
    return rank != owner_ || cursor.taken > 0 || shape_.n == 0;
  }

 private:
  int owner_;
};

}  // namespace

std::vector<Range> CallSchedule::share_of(int rank) {
  std::vector<Range> out;
  Cursor cursor;
  while (next(rank, cursor, out)) {
  }
  return out;
}

std::unique_ptr<CallSchedule> make_call_schedule(const Schedule& schedule, const CallShape& shape,
                                                 ClaimCounter& counter, int owner) {
  if (owner >= 0) return std::make_unique<SingleRank>(shape, owner);
  const std::uint64_t c = schedule.chunksize;
  switch (schedule.kind) {
    case Schedule::Kind::static_cyclic: return std::make_unique<StaticCyclic>(shape, c);
    case Schedule::Kind::static_block: return std::make_unique<StaticBlock>(shape);
    case Schedule::Kind::guided: return std::make_unique<Guided>(shape, c ? c : 1, counter);
    case Schedule::Kind::dynamic: break;
  }
  if (c) return std::make_unique<Dynamic>(shape, ChunkLayout{c, 0}, (shape.n + c - 1) / c, counter);
  // Chunksize 0: Python's intent, 4 chunks a worker (the ranks that claim
  // times their threads), made exact. Python's ceil(n / (4 x workers)) for
  // every chunk leaves the last round short: at 4,095 workers 10^6 items
  // made 16,129 chunks of 62, most workers ran 4 (248 items) and 122 two.
  // 4 x workers chunks of floor or ceil(n / chunks) items, the larger
  // first, put at most 4 x ceil(n / chunks) on a worker and let them end
  // together; with fewer items than that, chunks of one, as Python's.
  const std::uint64_t workers = u64(std::max(1, shape.claiming())) * u64(std::max(1, shape.threads));
  const std::uint64_t chunks = std::min(shape.n, 4 * workers);
  return std::make_unique<Dynamic>(shape, chunks ? even_chunks(shape.n, chunks) : ChunkLayout{}, chunks, counter);
}

Schedule schedule_for_inputs_from_root(Schedule schedule, std::uint64_t n, std::size_t workers) {
  if (schedule.kind == Schedule::Kind::static_block) return schedule;
  const std::size_t c = schedule.chunksize ? schedule.chunksize : default_chunksize(n, workers);
  return Schedule::static_cyclic(c);
}

}  // namespace hmp::detail
