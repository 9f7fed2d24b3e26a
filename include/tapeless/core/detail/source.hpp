// tapeless/core/detail/source.hpp: the caller's contiguous memory as a value type: which value type a
// std::span, std::vector, std::array, other contiguous range or Eigen dense object stands for, how to
// read it (borrowed for runtime extents, copied for static ones), and how to write into it. Eigen is
// recognised by its members, so no header of the library includes Eigen.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <iterator>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "../dynamic.hpp"
#include "../shape.hpp"
#include "../tensor.hpp"
#include "../traits.hpp"

namespace tapeless::detail {

/// An Eigen dense object with direct access to its storage: Eigen::Matrix, Eigen::Map, Eigen::Ref,
/// blocks of them (recognised by the members Eigen gives them all).
template <class S>
concept eigen_dense = requires(S const& s) {
  typename S::Scalar;
  S::IsRowMajor;
  S::RowsAtCompileTime;
  S::ColsAtCompileTime;
  s.data();
  s.rows();
  s.cols();
  s.innerStride();
  s.outerStride();
};

template <class S>
struct is_std_array : std::false_type {};
template <class T, std::size_t N>
struct is_std_array<std::array<T, N>> : std::true_type {};

/// The extent a contiguous range has at compile time: std::array, T[N] and std::span<T, N> (not any
/// tuple-like range: a std::ranges::subrange has a tuple_size of 2); else std::dynamic_extent.
template <class S>
constexpr std::size_t static_extent() {
  if constexpr (std::is_bounded_array_v<S>)
    return std::extent_v<S>;
  else if constexpr (requires { S::extent; })
    return S::extent;
  else if constexpr (is_std_array<S>::value)
    return std::tuple_size<S>::value;
  else
    return std::dynamic_extent;
}

/// What the library knows about a source S (the caller's memory): `value` (the value type it is
/// read as), `data(s)`, `extents(s)` (row-major), `check(s, caller)` (throws tl::shape_error for a
/// layout it cannot read without a copy) and `column_major` (a layout refused at compile time).
template <class S>
struct source_traits {};

template <class S>
  requires(!value_type<S> && !eigen_dense<S> && std::ranges::contiguous_range<S const> &&
           std::ranges::sized_range<S const> && element<std::remove_cv_t<std::ranges::range_value_t<S>>>)
struct source_traits<S> {
  using element_type = std::remove_cv_t<std::ranges::range_value_t<S>>;
  static constexpr std::size_t n = static_extent<S>();
  using value = std::conditional_t<n == std::dynamic_extent, dvec<element_type>, vec<element_type, n>>;
  static constexpr bool column_major = false;
  static element_type const* data(S const& s) { return std::ranges::data(s); }
  static detail::extents<1> extents(S const& s) { return {std::size_t(std::ranges::size(s))}; }
  static void check(S const&, std::string_view) {}
};

template <eigen_dense S>
  requires element<std::remove_cv_t<typename S::Scalar>>
struct source_traits<S> {
  using element_type = std::remove_cv_t<typename S::Scalar>;
  static constexpr long rows_ = S::RowsAtCompileTime, cols_ = S::ColsAtCompileTime;  // -1: Eigen::Dynamic
  static constexpr bool vector = rows_ == 1 || cols_ == 1;
  static constexpr bool fixed = rows_ > 0 && cols_ > 0;
  /// A matrix stored column by column: read row by row it would be its transpose.
  static constexpr bool column_major = !vector && !bool(S::IsRowMajor);
  using value = std::conditional_t<
      vector, std::conditional_t<fixed, vec<element_type, std::size_t(fixed ? rows_ * cols_ : 1)>, dvec<element_type>>,
      std::conditional_t<fixed, mat<element_type, std::size_t(fixed ? rows_ : 1), std::size_t(fixed ? cols_ : 1)>,
                         dmat<element_type>>>;
  static element_type const* data(S const& s) { return s.data(); }
  static auto extents(S const& s) {
    if constexpr (vector)
      return detail::extents<1>{std::size_t(s.rows() * s.cols())};
    else
      return detail::extents<2>{std::size_t(s.rows()), std::size_t(s.cols())};
  }
  /// Contiguous, row after row: unit inner stride, and rows one row apart.
  static void check(S const& s, std::string_view caller) {
    long const r = s.rows(), c = s.cols();
    bool const inner_ok = r * c <= 1 || s.innerStride() == 1 || (vector && (r == 1 ? c : r) == 1);
    bool const outer_ok = vector || r <= 1 || s.outerStride() == c;
    if (!(inner_ok && outer_ok))
      throw shape_error(std::string(caller) + ": the Eigen object's elements are not contiguous (inner stride " +
                        std::to_string(s.innerStride()) + ", outer stride " + std::to_string(s.outerStride()) +
                        " for " + std::to_string(r) + " x " + std::to_string(c) +
                        "); copy it into a contiguous row-major Eigen::Matrix (or Eigen vector) first");
  }
};

/// A std::span, held by value (it only refers to memory); anything else a source can be.
template <class S>
struct is_span : std::false_type {};
template <class T, std::size_t N>
struct is_span<std::span<T, N>> : std::true_type {};

/// The caller's memory, read through tl::constant_ref and tl::var_view.
template <class S>
concept source = !value_type<std::remove_cvref_t<S>> && requires { typename source_traits<std::remove_cvref_t<S>>::value; };

template <class S>
using source_value_t = typename source_traits<std::remove_cvref_t<S>>::value;

/// The public functions that read a source, named in the compile error about a column-major one.
namespace called {
struct constant_ref {};
struct constant {};
struct var_view {};
struct var {};
struct gradient_into {};
}  // namespace called
template <class S, class Called>
struct row_major_layout : std::bool_constant<!source_traits<std::remove_cvref_t<S>>::column_major> {};
/// Refuses a column-major Eigen matrix at compile time (read row by row it would be its transpose);
/// the failed condition names the function called (`Called`).
template <class Called, class S>
constexpr bool layout_readable() {
  static_assert(row_major_layout<S, Called>::value,
                "tl::constant_ref / tl::constant / tl::var_view / tl::var / tl::gradient_into(m): m is a column-major "
                "Eigen matrix (Eigen's default), which tapeless, whose matrices are row-major, would read transposed; "
                "store it row-major (Eigen::Matrix<T, R, C, Eigen::RowMajor>, or an Eigen::Map or Eigen::Ref of one)");
  return row_major_layout<S, Called>::value;
}

/// The source's current elements into v: v borrows the caller's memory for runtime extents (it is
/// only ever referred to; a copy or move of it owns its elements), and keeps a copy for static ones.
template <class S>
void view_into(source_value_t<S>& v, S const& s) {
  using tr = source_traits<S>;
  auto const e = tr::extents(s);
  if constexpr (is_static_v<source_value_t<S>>)
    std::copy_n(tr::data(s), v.size(), v.data());
  else if constexpr (rank_v<source_value_t<S>> == 1)
    borrow_access::borrow(v, tr::data(s), e[0]);
  else
    borrow_access::borrow(v, tr::data(s), e[0], e[1]);
}
/// The same as a new value (made in place where it is returned to: a borrowed one is never moved).
template <class S>
source_value_t<S> viewed_value(S const& s) {
  using tr = source_traits<S>;
  using V = source_value_t<S>;
  if constexpr (is_static_v<V>) {
    V v{};
    view_into(v, s);
    return v;
  } else if constexpr (rank_v<V> == 1) {
    return borrow_access::borrowed<V>(tr::data(s), tr::extents(s)[0]);
  } else {
    auto const e = tr::extents(s);
    return borrow_access::borrowed<V>(tr::data(s), e[0], e[1]);
  }
}
/// A copy of the source's elements (tl::constant, tl::var of a std::vector).
template <class S>
source_value_t<S> copied_value(S const& s, std::string_view caller) {
  using tr = source_traits<S>;
  tr::check(s, caller);
  using V = source_value_t<S>;
  V v = make_value<V>(tr::extents(s));
  std::copy_n(tr::data(s), v.size(), v.data());
  return v;
}

/// The source's elements, for writing.
template <class S>
auto* mutable_data(S& s) {
  if constexpr (eigen_dense<std::remove_cvref_t<S>>)
    return s.data();
  else
    return std::ranges::data(s);
}
/// A source whose elements can be written (tl::gradient_into's destination).
template <class S>
concept writable_source =
    source<S> && !std::is_const_v<std::remove_reference_t<decltype(*mutable_data(std::declval<S&>()))>>;

}  // namespace tapeless::detail
