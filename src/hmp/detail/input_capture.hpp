// How a pool call holds its inputs until its tasks ran: a view is kept as it
// is, a synchronous call refers to the caller's range (it outlives the
// call), an async call keeps a copy (root runs its share only when it waits;
// Python copies the inputs at the call too), and from_root items travel
// from root to the rank that runs them.
#pragma once

#include <hmp/codec.hpp>
#include <hmp/detail/pool_traits.hpp>
#include <hmp/detail/range.hpp>

#include <cstdint>
#include <memory>
#include <ranges>
#include <span>
#include <type_traits>
#include <vector>

namespace hmp::detail {

/// Whether the call may refer to the caller's range (synchronous calls).
enum class InputLifetime { call, copy };

/// from_root: root's items where they are (a synchronous call over a
/// contiguous range) or a copy; workers fill `own` with the items root
/// sends them.
template <class T>
struct RootItems {
  std::vector<T> own;
  std::span<const T> view;
};

template <class V>
auto capture_root_items(const V& range, InputLifetime lifetime, bool is_root) {
  using T = std::ranges::range_value_t<V>;
  require_sendable<T>();
  auto items = std::make_shared<RootItems<T>>();
  if (!is_root) return items;
  if constexpr (std::ranges::contiguous_range<V>)
    if (lifetime == InputLifetime::call) items->view = std::span<const T>(std::ranges::data(range), std::ranges::size(range));
  if (items->view.size() != static_cast<std::size_t>(std::ranges::size(range))) {
    items->own.assign(std::ranges::begin(range), std::ranges::end(range));
    items->view = items->own;
  }
  return items;
}

/// The ways root's items travel: root packs each worker's ranges, a worker
/// unpacks its own.
template <class Call, class T>
void wire_root_items(Call& call, const std::shared_ptr<RootItems<T>>& items) {
  call.desc.inputs_from_root = true;
  call.desc.pack_inputs = [items](std::vector<std::byte>& out, std::span<const Range> ranges) {
    for (const auto& r : ranges) pack(out, items->view.subspan(r.begin, r.size()));
  };
  call.desc.unpack_inputs = [items](std::uint64_t n, std::span<const std::byte> in, std::span<const Range> ranges) {
    reserve_fresh(items->own, n);
    items->own.resize(n);
    items->view = items->own;
    std::size_t off = 0;
    for (const auto& r : ranges) off += unpack(in.subspan(off), std::span<T>(items->own.data() + r.begin, r.size()));
  };
}

/// Calls make(n, access) with access(i) giving item i of `inputs`, held as
/// `lifetime` allows; returns the call make returned.
template <class In, class Make>
auto capture_inputs(In&& inputs, InputLifetime lifetime, bool is_root, Make&& make) {
  using Raw = std::remove_cvref_t<In>;
  if constexpr (is_from_root<Raw>::value) {
    auto items = capture_root_items(inputs.range, lifetime, is_root);
    auto call = make(items->view.size(), [items](std::uint64_t i) -> const auto& { return items->view[i]; });
    wire_root_items(*call, items);
    return call;
  } else {
    static_assert(std::ranges::random_access_range<Raw> && std::ranges::sized_range<Raw>,
                  "hmp::Pool: inputs must be a sized random-access range (vector, span, iota...) or "
                  "hmp::from_root(range); an input range read as it is consumed (hmp::from_root(generator)) "
                  "works with imap and imap_unordered");
    const auto n = static_cast<std::size_t>(std::ranges::size(inputs));
    if constexpr (std::ranges::view<Raw>) {
      // Views are cheap to copy and do not own: keep the view.
      return make(n, [v = Raw(inputs)](std::uint64_t i) -> decltype(auto) {
        return std::ranges::begin(v)[static_cast<std::ptrdiff_t>(i)];
      });
    } else if (lifetime == InputLifetime::copy) {
      using T = std::ranges::range_value_t<Raw>;
      auto items = std::make_shared<std::vector<T>>(std::ranges::begin(inputs), std::ranges::end(inputs));
      return make(n, [items](std::uint64_t i) -> const T& { return (*items)[i]; });
    } else {
      const auto* p = &inputs;
      return make(n, [p](std::uint64_t i) -> decltype(auto) {
        return std::ranges::begin(*p)[static_cast<std::ptrdiff_t>(i)];
      });
    }
  }
}

}  // namespace hmp::detail
