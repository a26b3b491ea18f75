// How a pool call holds its inputs until its tasks ran: a view is kept as it
// is, a synchronous call refers to the caller's range (it outlives the
// call), an async call keeps a copy (root runs its share only when it waits;
// Python copies the inputs at the call too), and from_root items travel
// from root to the rank that runs them (which holds only those).
#pragma once

#include <hmp/codec.hpp>
#include <hmp/detail/pool_traits.hpp>
#include <hmp/detail/call_state.hpp>
#include <hmp/detail/cross_memory.hpp>
#include <hmp/detail/range.hpp>
#include <hmp/detail/share_index.hpp>

#include <algorithm>
#include <cstddef>
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
/// contiguous range) or a copy (`own`); a worker holds the items root sends
/// it, its share only (`share`, item i at index(i)).
template <class T>
struct RootItems {
  std::vector<T> own;
  std::unique_ptr<T[]> share;
  std::uint64_t room = 0;  ///< items `share` holds (read_claim reuses it)
  std::span<const T> view;
  ShareIndex index;  ///< root: identity
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

// Raw items of ranges at least this long (on average) travel a range per
// message, straight from root's memory into the worker's; shorter ones are
// copied into one message first.
inline constexpr std::size_t kDirectRangeBytes = std::size_t{64} << 10;
// No message part longer than this (MPI counts bytes in an int).
inline constexpr std::size_t kMaxPartBytes = std::size_t{1} << 30;

/// Root: the items of `ranges` as message parts.
template <class T>
void root_item_parts(std::span<const T> view, std::span<const Range> ranges, std::vector<Part>& out,
                     std::vector<std::vector<std::byte>>& encoded) {
  const std::uint64_t count = items_in(ranges);
  if constexpr (raw_value<T>) {
    if (!ranges.empty() && count * sizeof(T) / ranges.size() >= kDirectRangeBytes) {
      constexpr std::uint64_t most = std::max<std::uint64_t>(1, kMaxPartBytes / sizeof(T));
      for (const auto& r : ranges)
        for (std::uint64_t b = r.begin; b < r.end; b += most) {
          const auto items = view.subspan(b, std::min(most, r.end - b));
          out.push_back({std::as_bytes(items), items.size()});
        }
      return;
    }
  }
  encoded.emplace_back();
  for (const auto& r : ranges) pack(encoded.back(), view.subspan(r.begin, r.size()));
  out.push_back({encoded.back(), count});
}

/// Worker: its share, `ranges`, from the parts that follow root's header
/// (raw items received straight into place).
template <class T>
void receive_share(RootItems<T>& items, std::span<const Range> ranges, std::span<const std::uint64_t> parts,
                   const ReceivePart& receive) {
  const std::uint64_t count = items_in(ranges);
  items.index = ShareIndex::of(ranges);
  if constexpr (raw_value<T>) {
    items.share = std::make_unique_for_overwrite<T[]>(count);  // each byte is received before it is read
    advise_huge_pages(items.share.get(), count * sizeof(T));
  } else {
    items.share = std::make_unique<T[]>(count);
  }
  items.view = std::span<const T>(items.share.get(), count);
  std::uint64_t at = 0;
  for (const auto p : parts) {
    const std::span<T> dest(items.share.get() + at, p);
    if constexpr (raw_value<T>)
      receive(std::as_writable_bytes(dest));
    else
      unpack(receive({}), dest);
    at += p;
  }
}

/// Worker: the raw items of a claim, `ranges`, read from root's memory
/// (process `pid`, item 0 at `base`) into room kept between claims.
template <class T>
void read_claim(RootItems<T>& items, std::uint64_t pid, std::uint64_t base, std::span<const Range> ranges) {
  if constexpr (raw_value<T>) {
    const std::uint64_t count = items_in(ranges);
    if (count > items.room) {
      items.share = std::make_unique_for_overwrite<T[]>(count);  // each byte is read before it is used
      advise_huge_pages(items.share.get(), count * sizeof(T));
      items.room = count;
    }
    items.index = ShareIndex::of(ranges);
    items.view = std::span<const T>(items.share.get(), count);
    T* at = items.share.get();
    for (const auto& r : ranges) {
      read_process_memory(pid, base + r.begin * sizeof(T), std::as_writable_bytes(std::span<T>(at, r.size())));
      at += r.size();
    }
  } else {
    throw Error("hmp: a pool message is malformed (items read as claimed)");
  }
}

/// The ways root's items travel: root sends each worker's ranges, or lends
/// them all to workers that read what they claim; a worker receives its own.
template <class Call, class T>
void wire_root_items(Call& call, const std::shared_ptr<RootItems<T>>& items) {
  call.desc.inputs_from_root = true;
  call.desc.inputs = items;
  call.desc.input_item_bytes = raw_value<T> ? sizeof(T) : 0;
  call.desc.input_base = items->view.data();
  call.desc.read_claimed = [items](std::uint64_t pid, std::uint64_t base, std::span<const Range> ranges) {
    read_claim(*items, pid, base, ranges);
  };
  call.desc.input_parts = [items](std::span<const Range> ranges, std::vector<Part>& out,
                                  std::vector<std::vector<std::byte>>& encoded) {
    root_item_parts(items->view, ranges, out, encoded);
  };
  call.desc.receive_inputs = [items](std::span<const Range> ranges, std::span<const std::uint64_t> parts,
                                     const ReceivePart& receive) { receive_share(*items, ranges, parts, receive); };
}

/// Calls make(n, access) with access(i) giving item i of `inputs`, held as
/// `lifetime` allows; returns the call make returned.
template <class In, class Make>
auto capture_inputs(In&& inputs, InputLifetime lifetime, bool is_root, Make&& make) {
  using Raw = std::remove_cvref_t<In>;
  if constexpr (is_from_root<Raw>::value) {
    auto items = capture_root_items(inputs.range, lifetime, is_root);
    auto call = make(items->view.size(),
                     [items](std::uint64_t i) -> const auto& { return items->view[items->index(i)]; });
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
