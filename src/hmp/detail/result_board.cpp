#include <hmp/detail/backoff.hpp>
#include <hmp/detail/result_board.hpp>

#include <sys/uio.h>
#include <unistd.h>

#include <climits>
#include <vector>

namespace hmp::detail {

namespace {

enum Field : std::size_t { kState, kPid, kBase, kBytes };
constexpr std::uint64_t kWriterBits = 16;
constexpr std::uint64_t kWriters = (std::uint64_t{1} << kWriterBits) - 1;

// Below this many bytes a range, a message is cheaper: at chunksize 1 a
// worker's share is one range per item, and one iovec per item costs more
// than root's copy of it.
constexpr std::size_t kMinBytesPerRange = 4096;

std::uint64_t call_of(std::uint64_t state) { return state >> kWriterBits; }

// Consumes `want` bytes from the local blocks at (block, offset) into iovecs.
void take_local(std::span<const std::span<const std::byte>> blocks, std::size_t& block, std::size_t& offset,
                std::size_t want, std::vector<iovec>& out) {
  while (want > 0 && block < blocks.size()) {
    const auto& b = blocks[block];
    const std::size_t n = std::min(want, b.size() - offset);
    out.push_back({const_cast<std::byte*>(b.data() + offset), n});
    want -= n;
    offset += n;
    if (offset == b.size()) ++block, offset = 0;
  }
}

// Writes the local blocks, in order, to the remote iovecs of process `pid`,
// IOV_MAX remote pieces at a time.
bool write_process(pid_t pid, std::span<const std::span<const std::byte>> blocks, const std::vector<iovec>& remote) {
  std::size_t block = 0, offset = 0;
  std::vector<iovec> local;
  for (std::size_t first = 0; first < remote.size(); first += IOV_MAX) {
    const std::size_t count = std::min<std::size_t>(IOV_MAX, remote.size() - first);
    std::size_t bytes = 0;
    for (std::size_t k = first; k < first + count; ++k) bytes += remote[k].iov_len;
    local.clear();
    take_local(blocks, block, offset, bytes, local);
    // Local pieces beyond IOV_MAX: write what fits and report failure.
    if (local.size() > IOV_MAX) return false;
    const ssize_t done = process_vm_writev(pid, local.data(), local.size(), remote.data() + first, count, 0);
    if (done < 0 || static_cast<std::size_t>(done) != bytes) return false;
  }
  return true;
}

}  // namespace

ResultBoard::ResultBoard(const Communicator& node) : cells_(node, kEntries * kCells, 0) {}

void ResultBoard::publish(std::uint64_t seq, void* base, std::size_t bytes) {
  close(call_of(cells_.load(cell(seq, kState))));  // the entry's earlier call, if still open: it sends
  cells_.store(cell(seq, kPid), static_cast<std::uint64_t>(getpid()));
  cells_.store(cell(seq, kBase), reinterpret_cast<std::uintptr_t>(base));
  cells_.store(cell(seq, kBytes), bytes);
  cells_.store(cell(seq, kState), seq << kWriterBits);  // last: the entry is whole
}

void ResultBoard::close(std::uint64_t seq) {
  Backoff backoff;
  for (;;) {
    std::uint64_t state = cells_.load(cell(seq, kState));
    if (call_of(state) != seq) return;  // not open (or another call's)
    if ((state & kWriters) == 0 && cells_.compare_exchange(cell(seq, kState), state, 0)) return;
    backoff.pause();  // a writer is copying: it lets go without waiting on anything
  }
}

bool ResultBoard::open(std::uint64_t seq) {
  std::uint64_t state = cells_.load(cell(seq, kState));
  while (call_of(state) == seq && (state & kWriters) < kWriters)
    if (cells_.compare_exchange(cell(seq, kState), state, state + 1)) return true;
  return false;
}

void ResultBoard::let_go(std::uint64_t seq) { cells_.fetch_add(cell(seq, kState), ~std::uint64_t{0}); }

bool ResultBoard::write(std::uint64_t seq, std::span<const std::span<const std::byte>> blocks,
                        std::span<const Range> ranges, std::size_t item_bytes) {
  std::size_t total = 0;
  for (const auto& b : blocks) total += b.size();
  if (ranges.empty() || total != items_in(ranges) * item_bytes || total < ranges.size() * kMinBytesPerRange)
    return false;
  if (!open(seq)) return false;
  const auto base = static_cast<std::uintptr_t>(cells_.load(cell(seq, kBase)));
  const auto bytes = cells_.load(cell(seq, kBytes));
  std::vector<iovec> remote;
  remote.reserve(ranges.size());
  bool ok = true;
  for (const auto& r : ranges) {
    ok = ok && r.end * item_bytes <= bytes;
    remote.push_back({reinterpret_cast<void*>(base + r.begin * item_bytes), r.size() * item_bytes});
  }
  ok = ok && write_process(static_cast<pid_t>(cells_.load(cell(seq, kPid))), blocks, remote);
  let_go(seq);
  return ok;
}

}  // namespace hmp::detail
