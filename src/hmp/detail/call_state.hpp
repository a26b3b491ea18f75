// The state of one collective pool call, in three parts: what the call is
// (set by the typed front end, the same on every rank), root's progress
// through it, and this rank's local work. The typed subclass (typed_call.hpp)
// runs the tasks and keeps the results.
#pragma once

#include <hmp/detail/call_schedule.hpp>
#include <hmp/detail/claim_clock.hpp>
#include <hmp/detail/clock.hpp>
#include <hmp/detail/message_parts.hpp>
#include <hmp/detail/posted_message.hpp>
#include <hmp/detail/range.hpp>
#include <hmp/detail/stop_board.hpp>
#include <hmp/schedule.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mpi.h>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace hmp {
class TaskError;
}

namespace hmp::detail {

/// What a task threw, where.
struct TaskFailure {
  std::string message, type;
  int rank = -1;
  std::uint64_t index = 0;
  template <class A>
  void serialize(A& ar) { ar(message, type, rank, index); }
};

/// The type name and message of the exception being handled (call in a
/// catch); `caught`, when the handler has it, gives the message without
/// throwing the exception again (an unwind: tens of us where it is cold).
TaskFailure describe_current_exception(int rank, std::uint64_t index, const std::exception* caught = nullptr);

/// What a call is, so ranks can check they make the same one.
struct CallSignature {
  std::string kind;  ///< "map", "starmap", "imap", ...
  std::string file;
  std::uint32_t line = 0;
  std::uint64_t n = 0;
  std::string type;  ///< the result type's name
  template <class A>
  void serialize(A& ar) { ar(kind, file, line, n, type); }
  std::string describe() const;
  bool same_call(const CallSignature& other) const {
    return kind == other.kind && n == other.n && type == other.type;
  }
};

/// Where a call's results go.
enum class Delivery { to_root, everywhere };
/// How workers report: once at the end of their share, or after every claim (imap*).
enum class Flow { batch, streaming };

/// The call as the front end describes it (the same on every rank).
struct CallDescription {
  CallSignature sig;
  std::size_t n = 0;
  Schedule schedule;
  Delivery delivery = Delivery::to_root;
  Flow flow = Flow::batch;
  bool inputs_from_root = false;
  /// Every rank waits for the call where it makes it (map, not map_async):
  /// a worker may then wait for root inside the call.
  bool waited_for = false;
  int owner = -1;  ///< apply/Process: the one rank that runs the call's items
  /// from_root, root: the items of some ranges as message parts.
  std::function<void(std::span<const Range>, std::vector<Part>&, std::vector<std::vector<std::byte>>&)> input_parts;
  /// from_root, worker: receives its share (these ranges) from the parts of root's message.
  std::function<void(std::span<const Range>, std::span<const std::uint64_t>, const ReceivePart&)> receive_inputs;
  /// from_root, root: what holds the items, kept while workers read them from root's memory.
  std::shared_ptr<const void> inputs;
  /// from_root, raw items: bytes of one (0: they travel encoded); root: where item 0 is.
  std::size_t input_item_bytes = 0;
  const void* input_base = nullptr;
  /// from_root, worker: reads the items of the ranges it claimed from process `pid`'s
  /// memory, where root's items start at `base` (when root lends them all, see root_role.cpp).
  std::function<void(std::uint64_t pid, std::uint64_t base, std::span<const Range>)> read_claimed;
  /// from_root: workers read the items they claim from root's memory (root decides at the call).
  bool inputs_read_as_claimed = false;
  std::function<void()> on_success;                ///< root: callback
  std::function<void(const TaskError&)> on_error;  ///< root: error_callback

  bool everywhere() const noexcept { return delivery == Delivery::everywhere; }
  bool streaming() const noexcept { return flow == Flow::streaming; }
  /// Results and the outcome go through node leaders (relay_tree.hpp): in
  /// calls every rank waits for, where each stays in the call until its outcome.
  bool relayed() const noexcept { return waited_for && !streaming(); }
};

/// Root's view of the call while it runs.
struct RootProgress {
  std::vector<char> worker_done;         ///< which ranks sent their last message
  std::vector<int> told_here;            ///< ranks whose last message came to root itself: root tells them the outcome
  std::vector<double> busy;              ///< seconds each rank spent in tasks
  std::vector<Range> arrived;            ///< ranges whose results are in place, in arrival order
  std::uint64_t items_in_place = 0;
  std::vector<std::uint64_t> progress_base;  ///< per-rank counters at the call's start
  Clock::time_point last_draw;
  std::vector<std::uint32_t> requests;   ///< requests for blocks each rank says it sent (DataHeader::requests)
  bool settled = false;                  ///< the outcome is sent: later failures do not change it
  bool results_sized = false;            ///< the result vector holds every item's slot
  std::vector<char> notices_due, notices_in;  ///< ranks that sent root their failure (DataHeader::noticed)

  bool all_workers_done() const;
};

/// This rank's own share: what it claimed, ran and has still to send.
struct LocalWork {
  Cursor cursor;                 ///< place in a static schedule
  bool done = false;             ///< claims no more work
  std::vector<Range> claimed;    ///< the latest claim (reused: no allocation per claim)
  std::vector<Range> unsent;     ///< worker: computed, not yet sent (results staged in that order)
  std::vector<Range> in_slab;    ///< worker: computed into its slab, not yet handed over (result_slab.hpp)
  double busy = 0;               ///< seconds in tasks, not yet reported
  bool sent_before = false;      ///< worker: sent results before its last message (straight to root)
  PostedReceive outcome;         ///< worker: the receive of the call's outcome, once posted
  int told_by = -1;              ///< worker: where its last message went, which tells it the outcome
  std::vector<int> tells;        ///< the ranks it passes the outcome to (a node leader's node)
  bool outcome_in = false;       ///< worker: the outcome was taken (call.failure etc. set)
  bool noticed = false;          ///< worker: sent root its failure as it happened
  StopWord stop;                 ///< the node's board for this call (stop_board.hpp)
  std::atomic<bool> stopped{false};  ///< the board stopped this rank's share (its claim is not done)
  ClaimClock clock;              ///< times runs of claims into `busy`
  // Failures, possibly recorded by several OpenMP threads at once.
  std::mutex failure_mutex;
  std::optional<TaskFailure> failure;
  std::atomic<bool> failed{false};
  // Messages in flight and the memory they are sent from.
  std::vector<std::vector<std::byte>> send_buffers;
  std::vector<MPI_Request> send_requests;
};

class CallState {
 public:
  virtual ~CallState() = default;

  CallDescription desc;
  std::uint64_t seq = 0;
  int data_tag = 0, status_tag = 0, input_tag = 0;
  std::unique_ptr<CallSchedule> plan;  ///< who takes which items
  Clock::time_point started;
  bool joined = false;
  std::optional<TaskFailure> failure;  ///< the call's outcome, once joined
  std::optional<std::string> mismatch;
  RootProgress root;
  LocalWork local;
  /// Joined before its messages were all in (a failed call, settled early):
  /// the pool completes it before its next call (PoolCore::close_tails).
  bool tail_open = false;

  /// Records a task failure of this rank (thread-safe): the lowest index
  /// wins. Call in a catch (`caught`: see describe_current_exception).
  void fail(std::uint64_t index, int rank, const std::exception* caught = nullptr);
  /// Whether the call failed, as far as this rank knows.
  bool failed() const noexcept { return failure || mismatch; }

  // ---- what the typed call does -------------------------------------------
  /// Runs the items of `ranges` on `threads` threads; the result of item
  /// ranges[j].begin + k goes to slot k from dests[j].
  virtual void run(std::span<const Range> ranges, std::span<void* const> dests, int threads, int rank) = 0;
  virtual bool has_results() const noexcept = 0;
  /// Bytes of one result when results are raw bytes (trivially copyable), else 0.
  virtual std::size_t raw_item_bytes() const noexcept = 0;
  /// Sizes the result vector (root; every rank when delivered everywhere).
  virtual void size_results(std::uint64_t n) = 0;
  /// Root: grows the result vector toward `n` results by about `step_bytes`
  /// (its memory is taken at once, but touched only as it grows); true once
  /// it holds `n`.
  virtual bool size_results_toward(std::uint64_t n, std::size_t step_bytes) = 0;
  /// Address of item i's slot in the result vector.
  virtual void* result_slot(std::uint64_t i) = 0;
  virtual void pack_results(std::vector<std::byte>& out, std::span<const Range> ranges) const = 0;
  /// Reads results of `ranges` into the result vector; returns the bytes read.
  virtual std::size_t unpack_results(std::span<const std::byte> in, std::span<const Range> ranges) = 0;
  /// Worker: room for the results of `ranges`, kept until sent; dests gets
  /// where each range's results go.
  virtual void stage(std::span<const Range> ranges, std::vector<void*>& dests) = 0;
  /// Worker: drops the last `count` staged results (a claim that failed).
  virtual void unstage(std::uint64_t count) = 0;
  /// Worker: the results staged since the last call as parts to send, in
  /// staging order (valid until release_sent or clear_staged); raw results
  /// are sent from where they are, others are encoded into `encoded`.
  virtual void staged_parts(std::vector<Part>& out, std::vector<std::vector<std::byte>>& encoded) = 0;
  /// Worker: bytes of the results staged and not yet handed to staged_parts
  /// (by their size in memory).
  virtual std::size_t unsent_bytes() const noexcept = 0;
  /// Worker: frees the results handed to staged_parts (their sends completed).
  virtual void release_sent() = 0;
  virtual void clear_staged() = 0;
};

/// Throws the call's outcome on this rank: CollectiveMismatch or TaskError.
void raise_outcome(const CallState& call);
/// Keeps in `kept` whichever of it and `f` is at the lower item index: the
/// failure every rank reports, however the failures arrive.
void keep_earliest(std::optional<TaskFailure>& kept, std::optional<TaskFailure> f);
/// "collective mismatch in call #seq: A made a, B made b" (A, B: "root",
/// "rank 3").
std::string mismatch_between(std::uint64_t seq, const std::string& who_a, const CallSignature& a,
                             const std::string& who_b, const CallSignature& b);

/// The call's TaskError (call.failure must be set).
TaskError task_error(const TaskFailure& failure);

}  // namespace hmp::detail
