// test/law/values.hpp: the values a law runs on, seen from the tests (test/law/check.hpp): their element
// type and shape, and their elements as flat std::vector<double>, so that the numerics of the laws work on
// plain doubles in ordinary functions and only the parts that call tapeless are templates.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <tapeless/tapeless.hpp>

namespace law {

// Written here rather than taken from tapeless::detail so that the tests do not lean on internals.

template <class V>
struct info;

template <class T>
  requires(std::is_floating_point_v<T> || tl::is_dual<T>::value)
struct info<T> {
  using element = T;
  static constexpr std::size_t rank = 0;
  static constexpr bool is_static = true;
  template <class E>
  using rebind = E;
  static std::string name(T const&) { return "scalar"; }
};

template <class T, std::size_t... D>
struct info<tl::tensor<T, D...>> {
  using element = T;
  static constexpr std::size_t rank = sizeof...(D);
  static constexpr bool is_static = true;
  template <class E>
  using rebind = tl::tensor<E, D...>;
  static std::string name(tl::tensor<T, D...> const&) {
    std::string s = rank == 1 ? "vec<" : rank == 2 ? "mat<" : "tensor<";
    std::size_t k = 0;
    ((s += (k++ ? "," : "") + std::to_string(D)), ...);
    return s + ">";
  }
};

template <class T>
struct info<tl::dvec<T>> {
  using element = T;
  static constexpr std::size_t rank = 1;
  static constexpr bool is_static = false;
  template <class E>
  using rebind = tl::dvec<E>;
  static std::string name(tl::dvec<T> const& v) { return "dvec(" + std::to_string(v.size()) + ")"; }
};

template <class T>
struct info<tl::dmat<T>> {
  using element = T;
  static constexpr std::size_t rank = 2;
  static constexpr bool is_static = false;
  template <class E>
  using rebind = tl::dmat<E>;
  static std::string name(tl::dmat<T> const& v) {
    return "dmat(" + std::to_string(v.rows()) + "," + std::to_string(v.cols()) + ")";
  }
};

template <class V>
using element_t = typename info<V>::element;
template <class V, class E>
using rebind_t = typename info<V>::template rebind<E>;
/// The element type of an expression (a var, a let or a node): what a constant beside it must use.
template <class X>
using expr_element_t = element_t<typename std::remove_cvref_t<X>::value_type>;

template <class V>
std::string shape_name(V const& v) {
  return info<V>::name(v);
}

template <class V>
std::size_t size_of(V const& v) {
  if constexpr (info<V>::rank == 0)
    return 1;
  else
    return v.size();
}

template <class V>
auto* data_of(V& v) {
  if constexpr (info<std::remove_const_t<V>>::rank == 0)
    return &v;
  else
    return v.data();
}

/// Zeros with element type E, shaped like `like`.
template <class E, class V>
rebind_t<V, E> zeros_like(V const& like) {
  using R = rebind_t<V, E>;
  if constexpr (info<V>::is_static)
    return R{};
  else if constexpr (info<V>::rank == 1)
    return R(like.size());
  else
    return R(like.rows(), like.cols());
}

template <class T>
double primal(T const& x) {
  if constexpr (tl::is_dual<T>::value)
    return primal(x.value);
  else
    return static_cast<double>(x);
}

/// The elements of v as doubles (the value part of dual elements).
template <class V>
std::vector<double> flat(V const& v) {
  std::vector<double> out(size_of(v));
  auto const* p = data_of(v);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = primal(p[i]);
  return out;
}

/// The first tangent of each dual element of v.
template <class V>
std::vector<double> flat_tangent(V const& v) {
  std::vector<double> out(size_of(v));
  auto const* p = data_of(v);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<double>(p[i].tangent[0]);
  return out;
}

/// A value shaped like `like` with element type E holding `vals` (and, for dual E, tangents `tans`).
template <class E, class V>
rebind_t<V, E> shaped(V const& like, std::span<double const> vals, std::span<double const> tans = {}) {
  auto r = zeros_like<E>(like);
  auto* p = data_of(r);
  for (std::size_t i = 0; i < vals.size(); ++i) {
    if constexpr (tl::is_dual<E>::value) {
      using T = typename E::value_type;
      p[i] = E(static_cast<T>(vals[i]), {static_cast<T>(tans.empty() ? 0.0 : tans[i])});
    } else {
      p[i] = static_cast<E>(vals[i]);
    }
  }
  return r;
}

/// A value of the same shape as v with element type E (a dual gets zero tangents).
template <class E, class V>
rebind_t<V, E> convert(V const& v) {
  auto const f = flat(v);
  return shaped<E>(v, f);
}

}  // namespace law
