#include <hmp/detail/message_parts.hpp>
#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/mpi_finalized.hpp>
#include <hmp/detail/posted_message.hpp>
#include <hmp/errors.hpp>

#include <climits>
#include <cstring>
#include <utility>

namespace hmp::detail {

namespace {

constexpr std::size_t kLengthWord = sizeof(std::uint64_t);

}  // namespace

void send_posted(MPI_Comm comm, int dest, int tag, std::span<const std::byte> bytes,
                 std::vector<std::vector<std::byte>>& buffers, std::vector<MPI_Request>& requests) {
  if (bytes.size() <= kLengthWord) throw Error("hmp: a pool message is malformed");
  if (bytes.size() > kPostedBytes) {
    const std::uint64_t length = bytes.size();
    auto& word = buffers.emplace_back(kLengthWord);
    std::memcpy(word.data(), &length, kLengthWord);
    isend(word, comm, dest, tag, requests);
  }
  isend(bytes, comm, dest, tag, requests);
}

PostedReceive::PostedReceive(MPI_Comm comm, int source, int tag)
    : comm_(comm), source_(source), tag_(tag), buffer_(kPostedBytes) {
  HMP_MPI_CHECK(MPI_Irecv(buffer_.data(), static_cast<int>(kPostedBytes), MPI_BYTE, source, tag, comm, &request_));
}

PostedReceive::~PostedReceive() {
  // A call dropped before its message came: nothing may land in freed memory.
  if (request_ == MPI_REQUEST_NULL || mpi_finalized()) return;
  MPI_Cancel(&request_);
  MPI_Wait(&request_, MPI_STATUS_IGNORE);
}

PostedReceive::PostedReceive(PostedReceive&& other) noexcept
    : comm_(std::exchange(other.comm_, MPI_COMM_NULL)),
      source_(other.source_),
      tag_(other.tag_),
      request_(std::exchange(other.request_, MPI_REQUEST_NULL)),
      buffer_(std::move(other.buffer_)) {}

PostedReceive& PostedReceive::operator=(PostedReceive&& other) noexcept {
  if (this != &other) {
    PostedReceive gone(std::move(*this));
    comm_ = std::exchange(other.comm_, MPI_COMM_NULL);
    source_ = other.source_;
    tag_ = other.tag_;
    request_ = std::exchange(other.request_, MPI_REQUEST_NULL);
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

std::span<const std::byte> PostedReceive::take(const MPI_Status& status) {
  request_ = MPI_REQUEST_NULL;  // completed (a copy waited elsewhere is freed already)
  int count = 0;
  HMP_MPI_CHECK(MPI_Get_count(&status, MPI_BYTE, &count));
  if (count < 0 || static_cast<std::size_t>(count) < kLengthWord) throw Error("hmp: a pool message is truncated");
  if (static_cast<std::size_t>(count) > kLengthWord) return {buffer_.data(), static_cast<std::size_t>(count)};
  std::uint64_t length = 0;
  std::memcpy(&length, buffer_.data(), kLengthWord);
  if (length <= kPostedBytes || length > static_cast<std::uint64_t>(INT_MAX))
    throw Error("hmp: a pool message is malformed");
  buffer_.resize(length);
  MPI_Status rest;
  // From the sender of the length word (the receive may take any rank's).
  HMP_MPI_CHECK(MPI_Recv(buffer_.data(), static_cast<int>(length), MPI_BYTE, status.MPI_SOURCE, tag_, comm_, &rest));
  HMP_MPI_CHECK(MPI_Get_count(&rest, MPI_BYTE, &count));
  if (static_cast<std::size_t>(count) != length) throw Error("hmp: a pool message is truncated");
  return {buffer_.data(), buffer_.size()};
}

void PostedReceive::repost() {
  if (request_ != MPI_REQUEST_NULL || comm_ == MPI_COMM_NULL) throw Error("hmp: a posted receive is still pending");
  buffer_.resize(kPostedBytes);  // a long message grew it; shrinking keeps the memory
  HMP_MPI_CHECK(MPI_Irecv(buffer_.data(), static_cast<int>(kPostedBytes), MPI_BYTE, source_, tag_, comm_, &request_));
}

Outbox::~Outbox() {
  if (mpi_finalized()) return;
  for (auto& l : letters_) MPI_Waitall(static_cast<int>(l.requests.size()), l.requests.data(), MPI_STATUSES_IGNORE);
}

void Outbox::send(MPI_Comm comm, std::span<const int> dests, int tag, std::vector<std::byte> bytes) {
  reap();
  auto& letter = letters_.emplace_back();
  letter.buffers.push_back(std::move(bytes));  // a moved vector keeps its memory
  const std::span<const std::byte> message = letter.buffers.front();
  for (const int d : dests) send_posted(comm, d, tag, message, letter.buffers, letter.requests);
}

void Outbox::reap() {
  std::erase_if(letters_, [](Letter& l) {
    int done = 0;
    HMP_MPI_CHECK(MPI_Testall(static_cast<int>(l.requests.size()), l.requests.data(), &done, MPI_STATUSES_IGNORE));
    return done != 0;
  });
}

}  // namespace hmp::detail
