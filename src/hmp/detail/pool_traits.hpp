// Type questions the Pool's templates ask of their arguments: the item and
// result types of a call, and which arguments of apply_async are callbacks.
#pragma once

#include <hmp/pool_arguments.hpp>

#include <functional>
#include <ranges>
#include <tuple>
#include <type_traits>

namespace hmp::detail {

template <class T>
struct is_from_root : std::false_type {};
template <class V>
struct is_from_root<FromRoot<V>> : std::true_type {};

template <class In>
struct input_of {
  using type = std::ranges::range_value_t<In>;
};
template <class V>
struct input_of<FromRoot<V>> {
  using type = std::ranges::range_value_t<V>;
};
template <class V>
struct input_of<FromRootStream<V>> {
  using type = std::ranges::range_value_t<V>;
};

template <bool Star, class F, class Item>
struct result_of {
  using type = std::invoke_result_t<F&, const Item&>;
};
template <class F, class Item>
struct result_of<true, F, Item> {
  using type = decltype(std::apply(std::declval<F&>(), std::declval<const Item&>()));
};

template <class T>
struct is_success_callback : std::false_type {};
template <class F>
struct is_success_callback<Callback<F>> : std::true_type {};
template <class T>
struct is_error_callback : std::false_type {};
template <class F>
struct is_error_callback<ErrorCallback<F>> : std::true_type {};
template <class T>
inline constexpr bool is_callback_v = is_success_callback<T>::value || is_error_callback<T>::value;

/// The arguments of apply_async that are not callbacks, as a tuple of copies.
template <class A>
auto plain_arg(A&& a) {
  if constexpr (is_callback_v<std::decay_t<A>> || std::is_same_v<std::decay_t<A>, NoCallback>)
    return std::tuple<>();
  else
    return std::tuple<std::decay_t<A>>(std::forward<A>(a));
}

/// What a pool call of F over In (Star: items unpacked into F) returns per item.
template <bool Star, class F, class In>
using pool_result_t =
    std::decay_t<typename result_of<Star, std::decay_t<F>, typename input_of<std::remove_cvref_t<In>>::type>::type>;

}  // namespace hmp::detail
