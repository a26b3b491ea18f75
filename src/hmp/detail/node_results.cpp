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

void NodeResults::write(std::uint64_t seq, std::span<const std::byte> header,
                        std::span<const std::span<const std::byte>> results) {
  std::byte* at = slots_[static_cast<std::size_t>(me_)] + kData;
  if (header.size() > kSlotBytes) throw Error("hmp: a node's slot overflowed");
  std::memcpy(at, header.data(), header.size());
  std::size_t bytes = header.size();
  for (const auto& r : results) {
    if (kSlotBytes - bytes < r.size()) throw Error("hmp: a node's slot overflowed");
    std::memcpy(at + bytes, r.data(), r.size());
    bytes += r.size();
  }
  Control* c = control(me_);
  c->bytes = bytes;
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

std::span<const std::byte> NodeResults::slot(int r, std::uint64_t seq) const {
  Control* c = control(r);
  if (word(c->seq).load(std::memory_order_acquire) != seq || c->bytes > kSlotBytes)
    throw Error("hmp: a node's slot holds another call's results");
  return {slots_[static_cast<std::size_t>(r)] + kData, c->bytes};
}

void NodeResults::gathered(std::uint64_t seq) noexcept {
  word(control(0)->gathered).store(seq, std::memory_order_release);
}

}  // namespace hmp::detail
