// tapeless/expr/view.hpp: views over the caller's memory: tl::constant_ref and tl::var_view of a
// std::span, std::vector, std::array, other contiguous range or row-major Eigen object, and
// tl::constant of one (a copy). tl::gradient_into (reverse/gradient.hpp) writes into such memory.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include "../core/detail/source.hpp"
#include "base.hpp"
#include "var.hpp"

namespace tapeless {

namespace detail {

/// The source a node reads: an lvalue by address, a std::span by value (it only refers to memory).
template <class S>
struct source_holder {
  S const* p;
  S const& get() const noexcept { return *p; }
};
template <class T, std::size_t N>
struct source_holder<std::span<T, N>> {
  std::span<T, N> s;
  std::span<T, N> const& get() const noexcept { return s; }
};

/// tl::constant_ref of a source: reads the caller's memory at every evaluation, in place for
/// runtime extents (the record's value borrows it), copied into the record for static ones.
template <class S>
struct constant_view_node : expr_base<constant_view_node<S>> {
  using value_type = source_value_t<S>;
  static constexpr bool active = false;
  struct record {
    value_type value;
  };
  source_holder<S> src_;
  record forward(sweep&) const {
    if constexpr (check_finite) check_leaf_finite("a tl::constant_ref", viewed_value(src_.get()));
    return {viewed_value(src_.get())};  // made in place: a borrowed value is never moved
  }
  void backward(sweep&, record const&, value_type const&) const noexcept {}
};
template <class S>
struct leaf_kinds<constant_view_node<S>>
    : leaf_flags<false, false, false, true, (rank_v<source_value_t<S>> > 0)> {};

/// Makes the vars of tl::var_view: each refreshes its value from the source where a sweep first
/// meets it (var_ref::forward), so the hot paths are those of any var.
struct view_access {
  template <class S>
  static var<source_value_t<S>> over(S const& s) {
    using V = source_value_t<S>;
    return var<V>(typename var<V>::view_source{&refresh_object<S>, &s, 0});
  }
  template <class T, std::size_t N>
  static var<source_value_t<std::span<T const, N>>> over(std::span<T const, N> s) {
    using V = source_value_t<std::span<T const, N>>;
    return var<V>(typename var<V>::view_source{&refresh_span<T, N>, s.data(), s.size()});
  }
  template <class S>
  static void refresh_object(var<source_value_t<S>> const& v) noexcept {
    view_into(v.value_, *static_cast<S const*>(v.view_.object));
  }
  template <class T, std::size_t N>
  static void refresh_span(var<source_value_t<std::span<T const, N>>> const& v) noexcept {
    view_into(v.value_, std::span<T const, N>(static_cast<T const*>(v.view_.object), v.view_.extent));
  }
};

template <class S>
constexpr bool not_temporary() {
  constexpr bool ok = std::is_lvalue_reference_v<S> || is_span<std::remove_cvref_t<S>>::value;
  static_assert(ok,
                "tl::constant_ref(v) / tl::var_view(v): v is a temporary, gone before the expression is evaluated; "
                "keep it in a variable that outlives the expression, or use tl::constant(v) (a copy)");
  return ok;
}

}  // namespace detail

/// A non-differentiable leaf over the caller's memory, read at every evaluation: a std::span
/// (static or dynamic extent), a std::vector, a std::array, another contiguous sized range of float
/// or double, or a row-major Eigen dense object (Matrix, Map, Ref; a vector gives a tl::vec or
/// tl::dvec, a matrix a tl::mat or tl::dmat; static extents where Eigen's are known at compile time).
/// Runtime extents are read in place, where the data is at each evaluation (a std::vector that grew
/// is read at its new place); static extents are copied into the evaluation's record.
///
///     std::vector<double> data(1000, 1.0);
///     auto y = tl::sum(tl::constant_ref(data) * w);    // data is not copied
///
/// A temporary does not compile (std::span excepted: it only refers to memory). A column-major Eigen
/// matrix (Eigen's default) would be read transposed, so it does not compile either; an Eigen object
/// whose elements are not contiguous (a Map with strides, a Ref to a block) throws tl::shape_error.
template <class S>
  requires detail::source<S>
auto constant_ref(S&& s) {
  using R = std::remove_cvref_t<S>;
  static_assert(detail::not_temporary<S>());
  static_assert(detail::layout_readable<detail::called::constant_ref, R>());
  detail::source_traits<R>::check(s, "tl::constant_ref(m)");
  if constexpr (detail::is_span<R>::value)
    return detail::constant_view_node<R>{{}, {s}};
  else
    return detail::constant_view_node<R>{{}, {&s}};
}

/// A non-differentiable leaf holding a copy of the caller's elements (the value type as for
/// tl::constant_ref: a std::vector<double> becomes a tl::dvec<double>).
template <class S>
  requires detail::source<S>
auto constant(S const& s) {
  static_assert(detail::layout_readable<detail::called::constant, S>());
  return detail::constant_node<detail::source_value_t<S>>(detail::copied_value(s, "tl::constant(m)"));
}

/// A differentiable leaf over the caller's memory (the sources of tl::constant_ref): a
/// `tl::var<V>` whose value is the caller's elements as they are when a sweep reaches it (in place
/// for runtime extents, copied for static ones). It is a var in every other way: tl::wrt, seeds,
/// stop_at, tl::jacobian and forward mode take it, and its gradient is a V (a tl::dvec for a
/// std::vector); tl::gradient_into writes one into the caller's memory.
///
///     std::vector<double> x = {1.0, 2.0, 3.0};
///     auto v = tl::var_view(x);
///     auto g = tl::gradient(tl::sum(v * v), v);   // a tl::dvec<double>: 2, 4, 6
///
/// The source must outlive the var, and the var the expressions over it (tl::lifetime_error under
/// TAPELESS_CHECKS, as for any var). Assigning to it throws: write into the source instead.
template <class S>
  requires detail::source<S>
auto var_view(S&& s) {
  using R = std::remove_cvref_t<S>;
  static_assert(detail::not_temporary<S>());
  static_assert(detail::layout_readable<detail::called::var_view, R>());
  detail::source_traits<R>::check(s, "tl::var_view(m)");
  if constexpr (detail::is_span<R>::value)
    return detail::view_access::over(std::span<typename R::element_type const, R::extent>(s));
  else
    return detail::view_access::over(static_cast<R const&>(s));
}

}  // namespace tapeless
