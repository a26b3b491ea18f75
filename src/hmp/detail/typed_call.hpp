// A pool call with its result type: per-item results, how a claimed range
// runs on the rank's OpenMP team, and how results travel.
#pragma once

#include <hmp/detail/call_state.hpp>
#include <hmp/codec.hpp>

#include <omp.h>

#include <cxxabi.h>

#include <cstdlib>
#include <cstring>
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

template <class R>
struct TypedCall : CallState {
  using Stored = std::conditional_t<std::is_void_v<R>, NoResult, Slot<R>>;
  std::vector<Stored> slots;
  std::vector<std::conditional_t<std::is_void_v<R>, NoResult, R>> bools;  // R = bool: slots converted once

  bool one_bool = false;  // R = bool: apply's single result

  /// The first result as an R (apply).
  const auto& first() {
    if constexpr (std::is_same_v<R, bool>) {
      one_bool = static_cast<bool>(slots.front());
      return one_bool;
    } else {
      return slots.front();
    }
  }

  const auto& results() {
    if constexpr (std::is_same_v<R, bool>) {
      if (bools.size() != slots.size()) bools.assign(slots.begin(), slots.end());
      return bools;
    } else {
      return slots;
    }
  }
};

/// Runs `one(i)` for every item of `ranges` on `threads` OpenMP threads,
/// skipping the rest once a task of this rank failed (`one` returns false
/// for a task that threw).
template <class One>
void run_ranges(std::span<const Range> ranges, int threads, const std::atomic<bool>& failed, One&& one) {
  std::uint64_t total = 0;
  for (const auto& r : ranges) total += r.end - r.begin;
  if (threads <= 1 || total <= 1) {
    // One thread: only its own tasks set `failed`, so checking it once and
    // then each task's outcome skips exactly as before, and a loop over a
    // task that cannot throw has no memory load per item (it vectorizes).
    if (failed.load(std::memory_order_relaxed)) return;
    for (const auto& r : ranges)
      for (std::uint64_t i = r.begin; i < r.end; ++i)
        if (!one(i)) return;
    return;
  }
  // Item k of the claim is item at(k) of the input.
  std::vector<std::uint64_t> starts;
  starts.reserve(ranges.size() + 1);
  std::uint64_t acc = 0;
  for (const auto& r : ranges) starts.push_back(acc), acc += r.end - r.begin;
  const auto count = static_cast<long long>(total);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (long long k = 0; k < count; ++k) {
    if (failed.load(std::memory_order_relaxed)) continue;
    const auto uk = static_cast<std::uint64_t>(k);
    std::size_t j = ranges.size() - 1;
    while (starts[j] > uk) --j;
    one(ranges[j].begin + (uk - starts[j]));
  }
}

/// Wires `call` to run `task` over `access(i)` and to move results around.
template <class R, bool Star, class Task, class Access>
void wire(const std::shared_ptr<TypedCall<R>>& call, Task task, Access access, int threads, int rank) {
  TypedCall<R>* c = call.get();  // the closures live inside *c: no ownership cycle
  if constexpr (!std::is_void_v<R>) c->slots.resize(c->n);
  c->run = [c, task = std::move(task), access = std::move(access), threads, rank](std::span<const Range> ranges) mutable {
    run_ranges(ranges, threads, c->local_failed, [&](std::uint64_t i) {
      try {
        if constexpr (std::is_void_v<R>) {
          if constexpr (Star) std::apply(task, access(i)); else std::invoke(task, access(i));
        } else {
          if constexpr (Star) c->slots[i] = std::apply(task, access(i)); else c->slots[i] = std::invoke(task, access(i));
        }
        return true;
      } catch (...) {
        c->fail(i, rank);
        return false;
      }
    });
  };
  if constexpr (!std::is_void_v<R>) {
    using S = Slot<R>;
    require_sendable<S>();
    c->pack = [c](std::vector<std::byte>& out, std::span<const Range> ranges) {
      for (const auto& r : ranges) pack(out, std::span<const S>(c->slots.data() + r.begin, r.end - r.begin));
    };
    c->unpack = [c](std::span<const std::byte> in, std::span<const Range> ranges) {
      std::size_t off = 0;
      for (const auto& r : ranges) {
        if (c->slots.size() < r.end) c->slots.resize(r.end);
        off += unpack(in.subspan(off), std::span<S>(c->slots.data() + r.begin, r.end - r.begin));
      }
    };
  }
}

}  // namespace hmp::detail
