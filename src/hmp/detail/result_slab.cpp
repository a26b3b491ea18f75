#include <hmp/detail/fresh_token.hpp>
#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/result_slab.hpp>
#include <hmp/detail/wait_until.hpp>
#include <hmp/errors.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <string>

namespace hmp::detail {

namespace {

// A worker's slab holds at most this many bytes of results; a node's
// workers together at most kNodeBytes (each at least kMinBytes). Beyond,
// results go by message, and a worker holds only what it must.
constexpr std::size_t kMaxBytes = std::size_t{16} << 20;
constexpr std::size_t kMinBytes = std::size_t{4} << 20;
constexpr std::size_t kNodeBytes = std::size_t{256} << 20;
// The file grows in steps of at least this much (one ftruncate each).
constexpr std::size_t kGrowBytes = std::size_t{1} << 20;

#ifdef HMP_SMPI
constexpr bool kSimulatedRanks = true;
#else
constexpr bool kSimulatedRanks = false;
#endif

enum Control : std::size_t { kSealed, kReleased, kToken };

std::uint64_t& control_word(std::byte* base, Control which) {
  return reinterpret_cast<std::uint64_t*>(base)[which];
}

std::size_t page_rounded(std::size_t bytes) {
  const std::size_t page = 4096;
  return (bytes + page - 1) / page * page;
}

// What a worker offers root: its process, the slab's descriptor, the token
// written into it and its capacity (all 0: no slab).
struct Offer {
  std::uint64_t pid = 0, fd = 0, token = 0, capacity = 0;
};

std::unique_ptr<ResultSlab> make_slab(std::size_t capacity, std::uint64_t token) {
  const int fd = memfd_create("hmp-results", MFD_CLOEXEC);
  if (fd < 0) return nullptr;
  if (ftruncate(fd, SlabMapping::kDataOffset) != 0) {
    close(fd);
    return nullptr;
  }
  try {
    return std::make_unique<ResultSlab>(fd, capacity, token);  // owns fd from here on
  } catch (const Error&) {
    return nullptr;
  }
}

// Root maps a worker's slab through /proc; the token tells it the file is
// the one the worker made (a pid from another pid namespace names another process).
std::unique_ptr<SlabReader> open_slab(const Offer& o, int worker, int root, double wait_timeout) {
  const std::string path = "/proc/" + std::to_string(o.pid) + "/fd/" + std::to_string(o.fd);
  // Non-blocking, and only a regular file of at least the control page is
  // mapped: whatever that path names when the pid is someone else's.
  const int fd = open(path.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return nullptr;
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < static_cast<off_t>(SlabMapping::kDataOffset)) {
    close(fd);
    return nullptr;
  }
  try {
    auto reader = std::make_unique<SlabReader>(fd, static_cast<std::size_t>(o.capacity), worker, root, wait_timeout);
    if (reader->mapping().token() != o.token) return nullptr;
    return reader;
  } catch (const Error&) {
    return nullptr;
  }
}

}  // namespace

SlabMapping::SlabMapping(int fd, std::size_t capacity) : fd_(fd), capacity_(capacity) {
  // The whole capacity is mapped once; the file grows under it (pages past
  // its end are never touched).
  void* p = mmap(nullptr, kDataOffset + capacity, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    close(fd);
    throw Error("hmp: mapping a result slab failed");
  }
  base_ = static_cast<std::byte*>(p);
}

SlabMapping::~SlabMapping() {
  munmap(base_, kDataOffset + capacity_);
  close(fd_);
}

std::uint64_t SlabMapping::sealed() const noexcept {
  return std::atomic_ref(control_word(base_, kSealed)).load(std::memory_order_acquire);
}

void SlabMapping::seal(std::uint64_t number) noexcept {
  std::atomic_ref(control_word(base_, kSealed)).store(number, std::memory_order_release);
}

std::uint64_t SlabMapping::released() const noexcept {
  return std::atomic_ref(control_word(base_, kReleased)).load(std::memory_order_acquire);
}

void SlabMapping::release(std::uint64_t number) noexcept {
  std::atomic_ref(control_word(base_, kReleased)).store(number, std::memory_order_release);
}

std::uint64_t SlabMapping::token() const noexcept { return control_word(base_, kToken); }
void SlabMapping::set_token(std::uint64_t token) noexcept { control_word(base_, kToken) = token; }

std::byte* ResultSlab::take(std::size_t bytes) {
  if (used_ == 0 && !idle()) return nullptr;  // the last batch is still with root
  if (bytes > map_.capacity() - used_) return nullptr;
  if (used_ + bytes > file_size_ && !grow(used_ + bytes)) return nullptr;
  std::byte* p = map_.data() + used_;
  used_ += bytes;
  return p;
}

bool ResultSlab::grow(std::size_t bytes) {
  const std::size_t size = std::min(map_.capacity(), page_rounded(std::max({bytes, 2 * file_size_, kGrowBytes})));
  if (ftruncate(map_.fd(), static_cast<off_t>(SlabMapping::kDataOffset + size)) != 0) return false;
  file_size_ = size;
  return true;
}

std::uint64_t ResultSlab::seal() {
  used_ = 0;
  map_.seal(++sealed_);
  return sealed_;
}

std::span<const std::byte> SlabReader::batch(std::uint64_t number, std::size_t bytes) const {
  struct stat st {};
  if (bytes > map_.capacity() || fstat(map_.fd(), &st) != 0 ||
      static_cast<std::size_t>(st.st_size) < SlabMapping::kDataOffset + bytes)
    throw Error("hmp: a pool message is malformed (results past the end of a worker's slab)");
  // The header came by message; the results' stores are ordered before the
  // number the worker stored after them (it is there at once in practice).
  const auto sealed = [&] { return map_.sealed() >= number; };
  if (!wait_until(sealed, Deadline(Seconds(wait_timeout_), true, "hmp::Pool results"))) timed_out(number);
  return {map_.data(), bytes};
}

void SlabReader::timed_out(std::uint64_t number) const {
  throw wait_timed_out(root_, wait_timeout_,
                       "for batch #" + std::to_string(number) + " of rank " + std::to_string(worker_) +
                           "'s results to show in its result slab, after the message naming that batch came (the "
                           "worker stores the batch's number before it sends that message); does root map the "
                           "file the worker writes?");
}

ResultSlabs::ResultSlabs(const Communicator& comm, const NodeGroups& groups, int root, double wait_timeout) {
  const int rank = comm.rank(), size = comm.size();
  // A bad root is reported by the pool; simulated ranks are threads of one process.
  if (size == 1 || root < 0 || root >= size || kSimulatedRanks) return;
  Offer offer;
  if (rank != root && is_on_node(comm, root, groups.node)) {
    const auto workers = static_cast<std::size_t>(std::max(1, groups.node.size() - 1));
    const std::size_t capacity = page_rounded(std::clamp(kNodeBytes / workers, kMinBytes, kMaxBytes));
    const std::uint64_t token = fresh_token();  // unlike what another process's file holds there
    mine_ = make_slab(capacity, token);
    if (mine_) offer = {static_cast<std::uint64_t>(getpid()), static_cast<std::uint64_t>(mine_->mapping().fd()),
                        token, capacity};
  }
  std::vector<Offer> offers(rank == root ? static_cast<std::size_t>(size) : 0);
  HMP_MPI_CHECK(MPI_Gather(&offer, 4, MPI_UINT64_T, offers.data(), 4, MPI_UINT64_T, root, comm.native()));
  std::vector<int> accepted(offers.size(), 0);
  if (rank == root) {
    readers_.resize(offers.size());
    for (std::size_t r = 0; r < offers.size(); ++r)
      if (offers[r].capacity && (readers_[r] = open_slab(offers[r], static_cast<int>(r), root, wait_timeout)))
        accepted[r] = 1;
  }
  int mine_accepted = 0;
  HMP_MPI_CHECK(MPI_Scatter(accepted.data(), 1, MPI_INT, &mine_accepted, 1, MPI_INT, root, comm.native()));
  if (!mine_accepted) mine_.reset();
}

SlabReader* ResultSlabs::of(int rank) const noexcept {
  const auto r = static_cast<std::size_t>(rank);
  return r < readers_.size() ? readers_[r].get() : nullptr;
}

}  // namespace hmp::detail
