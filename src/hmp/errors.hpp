// The exceptions hmp throws. Every one derives from hmp::Error, so a caller
// can catch all of hmp's failures in one place.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace hmp {

/// Base of every hmp exception.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Bad use of the API: an argument out of range, a call in the wrong state.
class UsageError : public Error {
 public:
  using Error::Error;
};

/// An environment setting the Runtime reads (OMP_NUM_THREADS,
/// SLURM_CPUS_PER_TASK, HMP_SIMULATE_NODES) has a value hmp cannot use:
/// "NAME='value' is not allowed: <what is allowed>". Runtime's constructor
/// throws it on every rank with the same text (the lowest rank with a bad
/// value decides), after MPI_Finalize (unless the program had started MPI
/// itself): world_rank() says which rank caught it, so a program can print
/// it once, from rank 0.
class SettingError : public UsageError {
 public:
  SettingError(const std::string& message, int world_rank) : UsageError(message), world_rank_(world_rank) {}
  int world_rank() const noexcept { return world_rank_; }

 private:
  int world_rank_;
};

/// An MPI call failed; the message names the call and MPI's error string.
class MpiError : public Error {
 public:
  MpiError(const std::string& call, int code);
  int code() const noexcept { return code_; }

 private:
  int code_;
};

/// A wait ran out of time (AsyncResult::get(timeout), Process::join(timeout)...).
class TimeoutError : public Error {
 public:
  using Error::Error;
};

/// A task threw on some rank. Thrown on every rank of the call that completes
/// the work, so control flow stays the same everywhere.
class TaskError : public Error {
 public:
  TaskError(std::string message, std::string type_name, int rank, std::size_t index);
  const std::string& message() const noexcept { return message_; }
  /// Demangled type of the exception the task threw.
  const std::string& type_name() const noexcept { return type_name_; }
  /// World rank that ran the failing task.
  int rank() const noexcept { return rank_; }
  /// Index of the failing item in the call's input.
  std::size_t index() const noexcept { return index_; }

 private:
  std::string message_;
  std::string type_name_;
  int rank_;
  std::size_t index_;
};

/// Ranks made different collective calls (or the same call with different
/// arguments); the message names both call sites.
class CollectiveMismatch : public Error {
 public:
  using Error::Error;
};

/// A named shared-memory segment does not exist.
class NotFound : public Error {
 public:
  using Error::Error;
};

/// A named shared-memory segment exists already.
class AlreadyExists : public Error {
 public:
  using Error::Error;
};

}  // namespace hmp
