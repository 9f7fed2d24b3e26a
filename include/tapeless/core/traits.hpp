// tapeless/core/traits.hpp: what counts as a scalar element and as a value, and how to walk one.
#pragma once

#include <concepts>
#include <cstddef>
#include <type_traits>

#include "dynamic.hpp"
#include "shape.hpp"
#include "tensor.hpp"

namespace tapeless {

/// Customisation point: element types are float, double, tl::dual and tl::jet (forward/dual.hpp and
/// forward/jet.hpp specialise it).
template <class T>
struct is_element : std::is_floating_point<T> {};

/// An element type of a value: float, double, or a tl::dual or tl::jet of them.
template <class T>
concept element = is_element<T>::value;

/// The real number type at the bottom of an element type (float for tl::dual<tl::dual<float>>).
template <class T>
struct element_base {
  using type = T;
};

namespace detail {

/// x without its derivative parts (tl::stop_gradient): a plain number is itself; any other number
/// kind provides the hook `without_derivatives(x)`, found by argument-dependent lookup (a dual's
/// tangents at every nesting level, a jet's coefficients past the value, set to zero).
template <class T>
T strip_derivatives(T const& x) {
  if constexpr (std::is_arithmetic_v<T>)
    return x;
  else
    return without_derivatives(x);
}

/// Everything the library needs to know about a value type V.
template <class V>
struct value_traits {};

template <class T>
  requires(element<T> || std::same_as<T, bool>)
struct value_traits<T> {
  using element_type = T;
  using shape_type = shape<>;
  static constexpr std::size_t rank = 0;
  static constexpr bool is_static = true;
  template <class U>
  using rebind = U;
};

template <class T, std::size_t... D>
struct value_traits<tensor<T, D...>> {
  using element_type = T;
  using shape_type = shape<D...>;
  static constexpr std::size_t rank = sizeof...(D);
  static constexpr bool is_static = true;
  template <class U>
  using rebind = tensor<U, D...>;
};

/// tl::dvec and tl::dmat: their rank and shape are members (one rule for both).
template <template <class> class C, class T>
  requires(std::same_as<C<T>, dvec<T>> || std::same_as<C<T>, dmat<T>>)
struct value_traits<C<T>> {
  using element_type = T;
  using shape_type = typename C<T>::shape_type;
  static constexpr std::size_t rank = C<T>::rank;
  static constexpr bool is_static = false;
  template <class U>
  using rebind = C<U>;
};

}  // namespace detail

/// A value the library computes with: a scalar element, tl::tensor (vec, mat), tl::dvec or tl::dmat.
template <class V>
concept value_type = requires { detail::value_traits<V>::rank; };

namespace detail {

template <class V>
using element_t = typename value_traits<V>::element_type;
template <class V>
using shape_t = typename value_traits<V>::shape_type;
template <class V>
inline constexpr std::size_t rank_v = value_traits<V>::rank;
template <class V>
inline constexpr bool is_static_v = value_traits<V>::is_static;
template <class V, class U>
using rebind_t = typename value_traits<V>::template rebind<U>;

template <class V>
constexpr extents<rank_v<V>> extents_of(V const& v) {
  if constexpr (rank_v<V> == 0)
    return {};
  else
    return v.extents();
}

template <class V>
constexpr std::size_t size_of(V const& v) {
  if constexpr (rank_v<V> == 0)
    return 1;
  else
    return v.size();
}

/// Element i of v, where a scalar is its own element for every i (scalar broadcasting).
template <class V>
constexpr decltype(auto) elem(V& v, [[maybe_unused]] std::size_t i) {
  if constexpr (rank_v<std::remove_const_t<V>> == 0)
    return (v);
  else
    return (v.data()[i]);
}

/// A zero-filled value of type V with the given extents (ignored for static V).
template <class V>
V make_value([[maybe_unused]] extents<rank_v<V>> const& e) {
  if constexpr (is_static_v<V>)
    return V{};
  else if constexpr (rank_v<V> == 1)
    return V(e[0]);
  else
    return V(e[0], e[1]);
}

/// A value of type V with the given extents whose elements the caller writes, every one, before
/// reading any: not zero-filled (a number is zero).
template <class V>
V make_for_overwrite([[maybe_unused]] extents<rank_v<V>> const& e) {
  if constexpr (rank_v<V> == 0)
    return V{};
  else if constexpr (is_static_v<V>)
    return V(for_overwrite);
  else if constexpr (rank_v<V> == 1)
    return V(e[0], for_overwrite);
  else
    return V(e[0], e[1], for_overwrite);
}

/// Zeros shaped like v.
template <class V>
V zeros_like(V const& v) {
  return make_value<V>(extents_of(v));
}

/// Sets every element of v to zero, keeping its extents.
template <class V>
void set_zero(V& v) {
  if constexpr (rank_v<V> == 0)
    v = V{};
  else
    for (auto& x : v) x = element_t<V>{};
}

/// Makes `dst` a zero-filled value shaped like `like`, reusing its storage where it can.
template <class V>
void zero_like(V& dst, V const& like) {
  if constexpr (!is_static_v<V>) {
    if (dst.extents() != like.extents()) {
      dst = zeros_like(like);
      return;
    }
  }
  set_zero(dst);
}

/// dst += src, elementwise (same shapes).
template <class V>
void add_into(V& dst, V const& src) {
  if constexpr (rank_v<V> == 0) {
    dst += src;
  } else {
    auto* d = dst.data();
    auto const* s = src.data();
    for (std::size_t i = 0, n = dst.size(); i < n; ++i) d[i] += s[i];
  }
}

/// dst's elements from `offset` on += the elements of b (a number, or a block of them): what e[i] or
/// e(i, j) gives back to e, added where it was read (index.hpp).
template <class V, class B>
void add_block_into(V& dst, std::size_t offset, B const& b) {
  if constexpr (rank_v<B> == 0) {
    dst.data()[offset] += b;
  } else {
    auto* d = dst.data() + offset;
    auto const* s = b.data();
    for (std::size_t i = 0, n = b.size(); i < n; ++i) d[i] += s[i];
  }
}

/// The block of type B (a number, or an array of B's extents `e`) at `offset` in src's elements.
template <class B, class V>
B block_of(V const& src, std::size_t offset, extents<rank_v<B>> const& e) {
  if constexpr (rank_v<B> == 0) {
    return src.data()[offset];
  } else {
    B b = make_value<B>(e);
    auto const* s = src.data() + offset;
    for (std::size_t i = 0, n = b.size(); i < n; ++i) b.data()[i] = s[i];
    return b;
  }
}

template <class V>
std::string format_shape(V const& v) {
  return format_extents(extents_of(v));
}

}  // namespace detail
}  // namespace tapeless
