#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/node_groups.hpp>
#include <hmp/detail/node_results.hpp>
#include <hmp/errors.hpp>

#include <atomic>
#include <cstring>
#include <string>

namespace hmp::detail {

// The first bytes of each slot; a message's bytes follow from kData on.
// `arrived` and `gathered` are used in node rank 0's slot only.
struct NodeResults::Control {
  std::uint64_t seq;       ///< the call whose message the slot holds
  std::uint64_t bytes;     ///< its length
  std::uint64_t arrived;   ///< (call << kCountBits) | ranks of the node counted in
  std::uint64_t gathered;  ///< the last call whose slots were read
};

// A message in a slot: this, then the signature's bytes, the ranges, the
// parts and the results (each a multiple of 8 bytes but the last two).
struct Head {
  std::uint64_t sig, ranges, parts, results;
  double busy;
  std::uint32_t requests, direct;
};

namespace {
constexpr std::size_t kData = 64;
constexpr unsigned kCountBits = 20;  // ranks of a node
constexpr std::uint64_t kCountMask = (std::uint64_t{1} << kCountBits) - 1;

std::atomic_ref<std::uint64_t> word(std::uint64_t& w) { return std::atomic_ref<std::uint64_t>(w); }
}  // namespace

NodeResults::NodeResults(const Communicator& comm, const Communicator& node)
    : ranks_(node.size()), me_(node.rank()), peers_(ranks_of_node(comm, node)) {
  if (ranks_ < 2 || static_cast<std::uint64_t>(ranks_) > kCountMask) throw Error("hmp: a node's results need 2 ranks or more");
  void* base = nullptr;
  // The same size on every rank (SMPI allocates rank 0's size times the ranks).
  window_ = Window::allocate_shared(node, kData + kSlotBytes, 1, &base);
  // One range of addresses, the ranks' parts in order (MPI's default).
  auto* first = static_cast<std::byte*>(window_.shared_query(0));
  for (int r = 0; r < ranks_; ++r) slots_.push_back(first + static_cast<std::size_t>(r) * (kData + kSlotBytes));
  if (static_cast<std::byte*>(base) != slots_[static_cast<std::size_t>(me_)])
    throw Error("hmp: MPI placed a node's parts out of order (node rank " + std::to_string(me_) + ")");
  std::memset(control(me_), 0, sizeof(Control));  // before the barrier: no rank reads it earlier
  HMP_MPI_CHECK(MPI_Barrier(node.native()));
}

NodeResults::Control* NodeResults::control(int r) const noexcept {
  return reinterpret_cast<Control*>(slots_[static_cast<std::size_t>(r)]);
}

bool NodeResults::writable() const noexcept {
  return written_ == 0 || word(control(0)->gathered).load(std::memory_order_acquire) >= written_;
}

std::size_t Published::bytes(std::size_t result_bytes) const noexcept {
  return sizeof(Head) + (sig.size() + 7) / 8 * 8 + ranges.size_bytes() + parts.size_bytes() + result_bytes;
}

void NodeResults::write(std::uint64_t seq, const Published& m, std::span<const std::span<const std::byte>> results) {
  std::size_t result_bytes = 0;
  for (const auto& r : results) result_bytes += r.size();
  if (m.bytes(result_bytes) > kSlotBytes) throw Error("hmp: a node's slot overflowed");
  std::byte* at = slots_[static_cast<std::size_t>(me_)] + kData;
  const Head head{m.sig.size(), m.ranges.size(), m.parts.size(), result_bytes, m.busy, m.requests, m.direct ? 1u : 0u};
  auto put = [&at](const void* from, std::size_t n, std::size_t padded) {
    if (n) std::memcpy(at, from, n);
    at += padded;
  };
  put(&head, sizeof head, sizeof head);
  put(m.sig.data(), m.sig.size(), (m.sig.size() + 7) / 8 * 8);
  put(m.ranges.data(), m.ranges.size_bytes(), m.ranges.size_bytes());
  put(m.parts.data(), m.parts.size_bytes(), m.parts.size_bytes());
  for (const auto& r : results) put(r.data(), r.size(), r.size());
  Control* c = control(me_);
  c->bytes = m.bytes(result_bytes);
  word(c->seq).store(seq, std::memory_order_release);
  written_ = seq;
}

bool NodeResults::arrive(std::uint64_t seq) {
  auto cell = word(control(0)->arrived);
  std::uint64_t seen = cell.load(std::memory_order_relaxed), next = 0;
  do {
    const std::uint64_t counted = (seen >> kCountBits) == seq ? seen & kCountMask : 0;
    next = (seq << kCountBits) | (counted + 1);
  } while (!cell.compare_exchange_weak(seen, next, std::memory_order_acq_rel, std::memory_order_relaxed));
  return (next & kCountMask) == static_cast<std::uint64_t>(ranks_);
}

Published NodeResults::slot(int r, std::uint64_t seq) const {
  Control* c = control(r);
  if (word(c->seq).load(std::memory_order_acquire) != seq || c->bytes > kSlotBytes ||
      c->bytes < sizeof(Head))
    throw Error("hmp: a node's slot holds another call's results");
  const std::byte* at = slots_[static_cast<std::size_t>(r)] + kData;
  Head head;
  std::memcpy(&head, at, sizeof head);
  Published m;
  m.direct = head.direct != 0;
  m.busy = head.busy;
  m.requests = head.requests;
  // Each count bounded by the slot first, so the sum below cannot wrap.
  if (head.sig > kSlotBytes || head.ranges > kSlotBytes || head.parts > kSlotBytes || head.results > kSlotBytes)
    throw Error("hmp: a node's slot is malformed");
  at += sizeof head;
  m.sig = {at, head.sig};
  at += (head.sig + 7) / 8 * 8;
  m.ranges = {reinterpret_cast<const Range*>(at), head.ranges};
  at += m.ranges.size_bytes();
  m.parts = {reinterpret_cast<const std::uint64_t*>(at), head.parts};
  at += m.parts.size_bytes();
  m.results = {at, head.results};
  if (m.bytes(m.results.size()) != c->bytes) throw Error("hmp: a node's slot is malformed");
  return m;
}

void NodeResults::gathered(std::uint64_t seq) noexcept {
  word(control(0)->gathered).store(seq, std::memory_order_release);
}

}  // namespace hmp::detail
