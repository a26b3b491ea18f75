// The state of one collective pool call, shared by its typed front end
// (Pool's templates, AsyncResult) and the untyped engine (PoolCore).
#pragma once

#include <hmp/detail/call_schedule.hpp>
#include <hmp/detail/range.hpp>
#include <hmp/schedule.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <mpi.h>
#include <mutex>
#include <optional>
#include <source_location>
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

/// The type name and message of the exception being handled (call in a catch).
TaskFailure describe_current_exception(int rank, std::uint64_t index);

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

struct CallState {
  virtual ~CallState() = default;

  // --- set by the typed front end ------------------------------------------
  CallSignature sig;
  std::size_t n = 0;
  Schedule schedule;
  bool everywhere = false;   ///< results on every rank, not only root
  bool streaming = false;    ///< imap*: workers send after every claim
  bool inputs_from_root = false;
  int owner = -1;            ///< apply/Process: the one rank that runs the call's items
  std::function<void(std::span<const Range>)> run;  ///< run items on this rank's team
  std::function<void(std::vector<std::byte>&, std::span<const Range>)> pack;  ///< results of ranges
  std::function<void(std::span<const std::byte>, std::span<const Range>)> unpack;
  std::function<void(std::vector<std::byte>&, std::span<const Range>)> pack_inputs;      ///< from_root
  std::function<void(std::uint64_t n, std::span<const std::byte>, std::span<const Range>)> unpack_inputs;
  std::function<void()> on_success;                  ///< root: callback
  std::function<void(const TaskError&)> on_error;    ///< root: error_callback

  // --- engine state ---------------------------------------------------------
  std::uint64_t seq = 0;
  std::unique_ptr<CallSchedule> plan;   ///< who takes which items
  int data_tag = 0, status_tag = 0, input_tag = 0;
  bool joined = false;
  bool own_done = false;       ///< this rank claims no more work
  Cursor cursor;               ///< this rank's place in a static schedule
  std::optional<TaskFailure> failure;   ///< the call's outcome, once joined
  std::optional<std::string> mismatch;
  std::vector<char> worker_done;        ///< root: which ranks sent their last message
  std::vector<double> busy;             ///< root: seconds each rank spent in tasks
  std::vector<Range> arrived;           ///< root: ranges whose results are in place, in arrival order
  std::size_t items_in_place = 0;       ///< root
  std::chrono::steady_clock::time_point started;
  std::vector<std::uint64_t> progress_base;  ///< root: per-rank counters at the call's start
  std::chrono::steady_clock::time_point last_draw;

  // Local work, possibly touched by several OpenMP threads.
  std::mutex failure_mutex;
  std::optional<TaskFailure> local_failure;
  std::atomic<bool> local_failed{false};
  double local_busy = 0;
  std::vector<Range> done_ranges;        ///< worker: computed, not yet sent
  std::vector<Range> claimed;            ///< this rank's latest claim (reused: no allocation per claim)
  std::chrono::steady_clock::time_point last_claim_end{};  ///< when this rank's latest claim finished
  std::chrono::steady_clock::time_point last_probe{};      ///< root: last_claim_end when it last looked for messages
  std::vector<std::vector<std::byte>> send_buffers;
  std::vector<MPI_Request> send_requests;

  /// Records a task failure (thread-safe): the lowest index wins.
  void fail(std::uint64_t index, int rank);
};

/// Throws the call's outcome on this rank: CollectiveMismatch or TaskError.
void raise_outcome(const CallState& call);

}  // namespace hmp::detail
