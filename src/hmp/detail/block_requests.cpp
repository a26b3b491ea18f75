#include <hmp/detail/block_requests.hpp>
#include <hmp/detail/call_tags.hpp>
#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/wait_until.hpp>
#include <hmp/errors.hpp>

#include <algorithm>
#include <string>

namespace hmp::detail {

namespace {

constexpr int kAskWords = 3, kAnswerWords = 3;

#ifndef HMP_SMPI
// Whether a request's send and the receive of its answer both completed.
bool both_done(MPI_Request* requests) {
  int done = 0;
  HMP_MPI_CHECK(MPI_Testall(2, requests, &done, MPI_STATUSES_IGNORE));
  return done != 0;
}
#endif

}  // namespace

struct BlockRequests::Ask {
  std::array<std::uint64_t, kAskWords> ask{};
  std::array<std::uint64_t, kAnswerWords> answer{};
  MPI_Request requests[2] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL};  ///< the answer's receive, the ask's send
  bool done() const { return requests[0] == MPI_REQUEST_NULL && requests[1] == MPI_REQUEST_NULL; }
};

BlockRequests::BlockRequests(MPI_Comm comm, int root, int rank, double timeout)
    : comm_(comm), root_(root), rank_(rank), timeout_(timeout) {}

BlockRequests::~BlockRequests() = default;

void BlockRequests::count_sent(std::uint64_t seq) {
  if (sent_seq_ != seq) sent_seq_ = seq, sent_ = 0;
  ++sent_;
}

BlockRequests::Ask* BlockRequests::send(std::uint64_t seq, std::uint64_t here) {
  const int tag = call_tags(seq).claim;
  count_sent(seq);
  auto& a = *open_.emplace_back(std::make_unique<Ask>());
  a.ask = {seq, here, 0};
  HMP_MPI_CHECK(MPI_Irecv(a.answer.data(), kAnswerWords, MPI_UINT64_T, root_, tag, comm_, &a.requests[0]));
  HMP_MPI_CHECK(MPI_Isend(a.ask.data(), kAskWords, MPI_UINT64_T, root_, tag, comm_, &a.requests[1]));
  return &a;
}

void BlockRequests::tell_failed(std::uint64_t seq) {
  count_sent(seq);
  const std::uint64_t ask[kAskWords] = {seq, 0, 1};
  // A few bytes: sent at once (eager), root takes them as it serves.
  HMP_MPI_CHECK(MPI_Send(ask, kAskWords, MPI_UINT64_T, root_, call_tags(seq).claim, comm_));
}

bool BlockRequests::arrived(Ask& ask) {
  int done = 0;
  HMP_MPI_CHECK(MPI_Testall(2, ask.requests, &done, MPI_STATUSES_IGNORE));
  return done != 0;
}

// In the simulated build blocked in MPI, which costs the simulator nothing
// until the answer, or until the call's outcome: root may have settled the
// call and left it (root_role.cpp, settle_early), answering no more requests.
bool BlockRequests::wait_in_mpi(Ask& ask) {
  const std::uint64_t seq = ask.ask[0];
  if (!wake_ || wake_seq_ != seq || *wake_ == MPI_REQUEST_NULL) {
    HMP_MPI_CHECK(MPI_Waitall(2, ask.requests, MPI_STATUSES_IGNORE));
    return true;
  }
  MPI_Request all[3] = {ask.requests[0], ask.requests[1], *wake_};
  for (int open = 2 - (all[0] == MPI_REQUEST_NULL) - (all[1] == MPI_REQUEST_NULL); open > 0;) {
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
  ask.requests[0] = all[0];
  ask.requests[1] = all[1];
  return ask.done();
}

std::optional<BlockAnswer> BlockRequests::wait(Ask& ask, const std::function<bool()>& stopped) {
#ifdef HMP_SMPI
  const bool done = wait_in_mpi(ask);
#else
  const bool done = wait_until([&] { return both_done(ask.requests) || stopped(); },
                               Deadline(Seconds(timeout_), true, "hmp::Pool claim")) &&
                    ask.done();
#endif
  if (done) return answer(ask);
  if (stopped() || woken_) return std::nullopt;  // root answers as it ends the call: finish()
  for (auto& q : ask.requests) {
    if (q == MPI_REQUEST_NULL) continue;
    MPI_Cancel(&q);
    MPI_Wait(&q, MPI_STATUS_IGNORE);
  }
  throw wait_timed_out(rank_, timeout_,
                       "for root (rank " + std::to_string(root_) + ") to hand its node a block of call #" +
                           std::to_string(ask.ask[0]) + "; did every rank make this call?");
}

BlockAnswer BlockRequests::answer(const Ask& ask) {
  const auto& a = ask.answer;
  if (a[0] > a[1]) throw Error("hmp: a pool message is malformed");
  return {a[0], a[1], a[2]};
}

void BlockRequests::release(Ask* ask) {
  std::erase_if(open_, [&](const std::unique_ptr<Ask>& a) { return a.get() == ask; });
}

void BlockRequests::finish() {
  for (auto& a : open_) {
#ifdef HMP_SMPI
    HMP_MPI_CHECK(MPI_Waitall(2, a->requests, MPI_STATUSES_IGNORE));
#else
    if (!wait_until([&] { return both_done(a->requests); }, Deadline(Seconds(timeout_), true, "hmp::Pool claim")))
      throw wait_timed_out(rank_, timeout_,
                           "for root (rank " + std::to_string(root_) +
                               ") to answer a request for a block of a call that stopped");
#endif
  }
  open_.clear();
}

void BlockRequests::count_taken(std::uint64_t seq, int source) {
  if (taken_seq_ != seq || taken_.empty()) {
    int size = 0;
    HMP_MPI_CHECK(MPI_Comm_size(comm_, &size));
    taken_.assign(static_cast<std::size_t>(size), 0);
    taken_seq_ = seq;
  }
  ++taken_[static_cast<std::size_t>(source)];
}

std::uint32_t BlockRequests::taken(std::uint64_t seq, int source) const {
  return taken_seq_ == seq && !taken_.empty() ? taken_[static_cast<std::size_t>(source)] : 0u;
}

}  // namespace hmp::detail
