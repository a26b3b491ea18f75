// A pool call with its result type: how a claimed range runs on the rank's
// OpenMP team, where results are kept (root's result vector, a worker's
// staging) and how they travel.
#pragma once

#include <hmp/codec.hpp>
#include <hmp/detail/call_state.hpp>
#include <hmp/detail/staging.hpp>

#include <omp.h>

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <vector>

namespace hmp::detail {

/// std::vector<bool> has no data(): bools are kept as bytes.
template <class R>
using Slot = std::conditional_t<std::is_same_v<R, bool>, unsigned char, R>;

/// R's readable name, demangled once per type (every call carries it).
template <class R>
const std::string& type_name() {
  static const std::string name = [] {
    if constexpr (std::is_void_v<R>) {
      return std::string("void");
    } else {
      int status = 0;
      std::unique_ptr<char, void (*)(void*)> d(abi::__cxa_demangle(typeid(R).name(), nullptr, nullptr, &status),
                                               std::free);
      return status == 0 && d ? std::string(d.get()) : std::string(typeid(R).name());
    }
  }();
  return name;
}

struct NoResult {};

/// Runs `one(i, k, j)` for item i = ranges[j].begin + k of every range on
/// `threads` OpenMP threads, skipping the rest once a task of this rank
/// failed (`one` returns false for a task that threw), or once `stop` says
/// the call stopped (then `stopped` is set).
template <class One>
void run_ranges(std::span<const Range> ranges, int threads, const std::atomic<bool>& failed, const StopWord& stop,
                std::atomic<bool>& stopped, One&& one) {
  const std::uint64_t total = items_in(ranges);
  if (stop.word && threads <= 1) {
    // A pool across nodes: the node's board is read between tasks (a load).
    if (failed.load(std::memory_order_relaxed)) return;
    for (std::size_t j = 0; j < ranges.size(); ++j)
      for (std::uint64_t k = 0; k < ranges[j].size(); ++k) {
        if (stop.now()) return stopped.store(true, std::memory_order_relaxed);
        if (!one(ranges[j].begin + k, k, j)) return;
      }
    return;
  }
  if (threads <= 1 || total <= 1) {
    // One thread: only its own tasks set `failed`, so checking it once and
    // then each task's outcome skips exactly as before, and a loop over a
    // task that cannot throw has no memory load per item (it vectorizes).
    if (failed.load(std::memory_order_relaxed)) return;
    for (std::size_t j = 0; j < ranges.size(); ++j)
      for (std::uint64_t k = 0; k < ranges[j].size(); ++k)
        if (!one(ranges[j].begin + k, k, j)) return;
    return;
  }
  // Item k of the claim is item k - starts[j] of range j.
  std::vector<std::uint64_t> starts;
  starts.reserve(ranges.size());
  std::uint64_t acc = 0;
  for (const auto& r : ranges) starts.push_back(acc), acc += r.size();
  const auto count = static_cast<long long>(total);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (long long k = 0; k < count; ++k) {
    if (failed.load(std::memory_order_relaxed) || stopped.load(std::memory_order_relaxed)) continue;
    if (stop.now()) {
      stopped.store(true, std::memory_order_relaxed);
      continue;
    }
    const auto uk = static_cast<std::uint64_t>(k);
    std::size_t j = ranges.size() - 1;
    while (starts[j] > uk) --j;
    one(ranges[j].begin + (uk - starts[j]), uk - starts[j], j);
  }
}

/// The results of a call returning R: root's result vector (every rank's
/// when delivered everywhere) and a worker's staged results.
template <class R>
class TypedCall : public CallState {
 public:
  using Stored = std::conditional_t<std::is_void_v<R>, NoResult, Slot<R>>;
  std::vector<Stored> slots;  ///< the result vector

  /// The first result as an R (apply).
  const auto& first() {
    if constexpr (std::is_same_v<R, bool>) {
      one_bool_ = static_cast<bool>(slots.front());
      return one_bool_;
    } else {
      return slots.front();
    }
  }
  const auto& results() {
    if constexpr (std::is_same_v<R, bool>) {
      if (bools_.size() != slots.size()) bools_.assign(slots.begin(), slots.end());
      return bools_;
    } else {
      return slots;
    }
  }

  bool has_results() const noexcept override { return !std::is_void_v<R>; }
  std::size_t raw_item_bytes() const noexcept override {
    if constexpr (std::is_void_v<R>)
      return 0;
    else
      return raw_value<Stored> ? sizeof(Stored) : 0;
  }
  void size_results(std::uint64_t n) override {
    if constexpr (!std::is_void_v<R>) slots.resize(n);
  }
  bool size_results_toward(std::uint64_t n, std::size_t step_bytes) override {
    if constexpr (!std::is_void_v<R>) {
      if (slots.capacity() < n) slots.reserve(n);
      const std::uint64_t step = std::max<std::uint64_t>(1, step_bytes / sizeof(Stored));
      // What is left, not size + step: a step of SIZE_MAX bytes (the rest
      // at once) would wrap around for 1-byte results.
      const std::uint64_t left = n - std::min<std::uint64_t>(n, slots.size());
      slots.resize(slots.size() + std::min(left, step));
      return slots.size() >= n;
    }
    return true;
  }
  void* result_slot(std::uint64_t i) override { return slots.data() + i; }
  void pack_results(std::vector<std::byte>& out, std::span<const Range> ranges) const override {
    if constexpr (!std::is_void_v<R>)
      for (const auto& r : ranges) pack(out, std::span<const Stored>(slots.data() + r.begin, r.size()));
  }
  std::size_t unpack_results(std::span<const std::byte> in, std::span<const Range> ranges) override {
    std::size_t off = 0;
    if constexpr (!std::is_void_v<R>)
      for (const auto& r : ranges) {
        if (slots.size() < r.end) slots.resize(r.end);
        off += unpack(in.subspan(off), std::span<Stored>(slots.data() + r.begin, r.size()));
      }
    return off;
  }
  void stage(std::span<const Range> ranges, std::vector<void*>& dests) override {
    dests.clear();
    if constexpr (!std::is_void_v<R>) {
      Stored* p = staging_.stage(items_in(ranges));
      for (const auto& r : ranges) dests.push_back(p), p += r.size();
    } else {
      dests.assign(ranges.size(), nullptr);
    }
  }
  void unstage(std::uint64_t count) override {
    if constexpr (!std::is_void_v<R>) staging_.unstage(count);
  }
  void staged_parts(std::vector<Part>& out, std::vector<std::vector<std::byte>>& encoded) override {
    if constexpr (!std::is_void_v<R>) {
      staging_.send_blocks([&](const Stored* p, std::uint64_t count) {
        if constexpr (raw_value<Stored>) {
          out.push_back({{reinterpret_cast<const std::byte*>(p), count * sizeof(Stored)}, count});
        } else {
          encoded.emplace_back();
          pack(encoded.back(), std::span<const Stored>(p, count));
          out.push_back({encoded.back(), count});
        }
      });
    }
  }
  std::size_t unsent_bytes() const noexcept override {
    if constexpr (std::is_void_v<R>)
      return 0;
    else
      return staging_.unsent() * sizeof(Stored);
  }
  void release_sent() override {
    if constexpr (!std::is_void_v<R>) staging_.release_sent();
  }
  void clear_staged() override { staging_.clear(); }

 private:
  Staging<Stored> staging_;
  std::vector<std::conditional_t<std::is_void_v<R>, NoResult, R>> bools_;  // R = bool: slots converted once
  bool one_bool_ = false;
};

/// A call of `task` over `access(i)` (Star: each item a tuple unpacked into task).
template <class R, bool Star, class Task, class Access>
class TaskCall final : public TypedCall<R> {
 public:
  TaskCall(Task task, Access access) : task_(std::move(task)), access_(std::move(access)) {
    if constexpr (!std::is_void_v<R>) require_sendable<typename TypedCall<R>::Stored>();
  }

  void run(std::span<const Range> ranges, std::span<void* const> dests, int threads, int rank) override {
    using S = typename TypedCall<R>::Stored;
    run_ranges(ranges, threads, this->local.failed, this->local.stop, this->local.stopped, [&](std::uint64_t i, std::uint64_t k, std::size_t j) {
      try {
        if constexpr (std::is_void_v<R>) {
          invoke(i);
          (void)k, (void)j;
        } else {
          static_cast<S*>(dests[j])[k] = invoke(i);
        }
        return true;
      } catch (const std::exception& e) {
        this->fail(i, rank, &e);
        return false;
      } catch (...) {
        this->fail(i, rank);
        return false;
      }
    });
  }

 private:
  decltype(auto) invoke(std::uint64_t i) {
    if constexpr (Star)
      return std::apply(task_, access_(i));
    else
      return std::invoke(task_, access_(i));
  }
  Task task_;
  Access access_;
};

/// The call of `task` over `access(i)`.
template <class R, bool Star, class Task, class Access>
std::shared_ptr<TypedCall<R>> make_typed_call(Task task, Access access) {
  return std::make_shared<TaskCall<R, Star, Task, Access>>(std::move(task), std::move(access));
}

}  // namespace hmp::detail
