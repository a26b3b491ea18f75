#include <hmp/detail/call_state.hpp>
#include <hmp/errors.hpp>

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <typeinfo>

namespace hmp::detail {

TaskFailure describe_current_exception(int rank, std::uint64_t index, const std::exception* caught) {
  TaskFailure f;
  f.rank = rank;
  f.index = index;
  const std::type_info* type = abi::__cxa_current_exception_type();
  f.type = type ? type->name() : "unknown";
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(
      abi::__cxa_demangle(f.type.c_str(), nullptr, nullptr, &status), std::free);
  if (status == 0 && demangled) f.type = demangled.get();
  if (caught) {
    f.message = caught->what();
    return f;
  }
  try {
    throw;
  } catch (const std::exception& e) {
    f.message = e.what();
  } catch (...) {
    f.message = "(an exception not derived from std::exception)";
  }
  return f;
}

std::string CallSignature::describe() const {
  std::string out = kind;
  out.append(" of ").append(std::to_string(n)).append(" items returning ").append(type);
  out.append(" at ").append(file).append(":").append(std::to_string(line));
  return out;
}

bool RootProgress::all_workers_done() const {
  return std::all_of(worker_done.begin(), worker_done.end(), [](char d) { return d != 0; });
}

void CallState::fail(std::uint64_t index, int rank, const std::exception* caught) {
  TaskFailure f = describe_current_exception(rank, index, caught);
  std::lock_guard lock(local.failure_mutex);
  keep_earliest(local.failure, std::move(f));
  local.failed.store(true, std::memory_order_relaxed);
}

void keep_earliest(std::optional<TaskFailure>& kept, std::optional<TaskFailure> f) {
  if (f && (!kept || f->index < kept->index)) kept = std::move(f);
}

std::string mismatch_between(std::uint64_t seq, const std::string& who_a, const CallSignature& a,
                             const std::string& who_b, const CallSignature& b) {
  return "collective mismatch in call #" + std::to_string(seq) + ": " + who_a + " made " + a.describe() + ", " +
         who_b + " made " + b.describe();
}

TaskError task_error(const TaskFailure& f) { return TaskError(f.message, f.type, f.rank, f.index); }

void raise_outcome(const CallState& call) {
  if (call.mismatch) throw CollectiveMismatch(*call.mismatch);
  if (call.failure) throw task_error(*call.failure);
}

}  // namespace hmp::detail
