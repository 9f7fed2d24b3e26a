// tapeless/expr/select.hpp: comparisons (masks, never differentiated), tl::where, tl::max / tl::min of
// two operands and tl::clamp.
#pragma once

#include <concepts>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "base.hpp"
#include "elementwise.hpp"

namespace tapeless::detail {

/// A comparison: a mask of bools, never differentiated.
template <class Op, class L, class R>
struct compare_node : expr_base<compare_node<Op, L, R>> {
  using value_type = rebind_t<broadcast_t<typename L::value_type, typename R::value_type>, bool>;
  static constexpr bool active = false;
  struct record {
    value_type value;
  };
  L l_;
  R r_;

  record forward(sweep& s) const {
    auto l = l_.forward(s);
    auto r = r_.forward(s);
    check_broadcast(Op::name, l.value, r.value);
    value_type y = make_broadcast<value_type>(l.value, r.value);
    auto const ls = spread_of(l.value, extents_of(y));
    auto const rs = spread_of(r.value, extents_of(y));
    for (std::size_t i = 0, n = size_of(y); i < n; ++i) elem(y, i) = Op::value(ls(i), rs(i));
    return {std::move(y)};
  }
  void backward(sweep&, record const&, value_type const&) const noexcept {}

  /// A comparison of numbers computed from tl::active values alone is a condition (`if (r > 1.0)` in
  /// code templated over the scalar): it is evaluated now, as the statements before it were. Over vars
  /// and lets it stays a mask, since their expressions are evaluated later.
  explicit operator bool() const
    requires(rank_v<value_type> == 0 && leaf_kinds<compare_node>::actives && !leaf_kinds<compare_node>::vars &&
             !leaf_kinds<compare_node>::deferred)
  {
    sweep s;
    return forward(s).value;
  }
};

template <class M, class A, class B>
struct where_node : expr_base<where_node<M, A, B>> {
  using value_type = broadcast_t<broadcast_t<typename A::value_type, typename B::value_type>,
                                 rebind_t<typename M::value_type, element_t<typename A::value_type>>>;
  static constexpr bool active = A::active || B::active;
  struct record {
    value_type value;
    record_t<M> mask;
    record_t<A> a;
    record_t<B> b;
  };
  M m_;
  A a_;
  B b_;

  record forward(sweep& s) const {
    auto m = m_.forward(s);
    auto a = a_.forward(s);
    auto b = b_.forward(s);
    check_broadcast("tl::where", m.value, a.value, b.value);
    check_broadcast("tl::where", a.value, b.value);
    value_type y = make_broadcast<value_type>(m.value, a.value, b.value);
    auto const e = extents_of(y);
    auto const ms = spread_of(m.value, e);
    auto const as = spread_of(a.value, e);
    auto const bs = spread_of(b.value, e);
    for (std::size_t i = 0, n = size_of(y); i < n; ++i) elem(y, i) = ms(i) ? as(i) : bs(i);
    return record{std::move(y), std::move(m), std::move(a), std::move(b)};
  }
  void backward(sweep& s, record const& rec, value_type const& g) const {
    using T = element_t<value_type>;
    auto const e = extents_of(rec.value);
    auto const m = spread_of(rec.mask.value, e);
    if constexpr (A::active)
      a_.backward(s, rec.a, gather_adjoint(rec.a.value, e, [&](std::size_t i) { return m(i) ? T(elem(g, i)) : T{}; }));
    if constexpr (B::active)
      b_.backward(s, rec.b, gather_adjoint(rec.b.value, e, [&](std::size_t i) { return m(i) ? T{} : T(elem(g, i)); }));
  }
  value_type tangent(tangent_pass const& p, record const& rec) const {
    value_type t = zeros_like(rec.value);
    auto const e = extents_of(t);
    auto const m = spread_of(rec.mask.value, e);
    auto const ta = tangent_of(a_, p, rec.a);
    auto const tb = tangent_of(b_, p, rec.b);
    auto const as = spread_of(ta, e);
    auto const bs = spread_of(tb, e);
    for (std::size_t i = 0, n = size_of(t); i < n; ++i) elem(t, i) = m(i) ? as(i) : bs(i);
    return t;
  }
};

}  // namespace tapeless::detail

namespace tapeless {

/// Comparisons give masks for tl::where; they are not differentiated.
template <class A, class B>
  requires detail::operator_operands<A, B>
auto operator<(A const& a, B const& b) {
  return detail::make_binary<detail::compare_node, detail::op::less>(a, b);
}
/// A mask: a <= b, elementwise (see operator<).
template <class A, class B>
  requires detail::operator_operands<A, B>
auto operator<=(A const& a, B const& b) {
  return detail::make_binary<detail::compare_node, detail::op::less_equal>(a, b);
}
/// A mask: a > b, elementwise (see operator<).
template <class A, class B>
  requires detail::operator_operands<A, B>
auto operator>(A const& a, B const& b) {
  return detail::make_binary<detail::compare_node, detail::op::greater>(a, b);
}
/// A mask: a >= b, elementwise (see operator<).
template <class A, class B>
  requires detail::operator_operands<A, B>
auto operator>=(A const& a, B const& b) {
  return detail::make_binary<detail::compare_node, detail::op::greater_equal>(a, b);
}

/// The larger of a and b, elementwise; the derivative goes to the chosen one (to a on ties).
template <class A, class B>
  requires(detail::function_argument<A> && detail::function_argument<B>)
auto max(A const& a, B const& b) {
  return detail::apply_binary<detail::op::max2>(a, b);
}
/// The smaller of a and b, elementwise; the derivative goes to the chosen one (to a on ties).
template <class A, class B>
  requires(detail::function_argument<A> && detail::function_argument<B>)
auto min(A const& a, B const& b) {
  return detail::apply_binary<detail::op::min2>(a, b);
}
/// e limited to [lo, hi], elementwise: min(max(e, lo), hi).
template <class A, class L, class H>
  requires(detail::function_argument<A> && detail::function_argument<L> && detail::function_argument<H>)
auto clamp(A const& e, L const& lo, H const& hi) {
  return min(max(e, lo), hi);
}

/// On plain numbers and duals: `mask ? a : b`, computed at once (so one generic f serves both modes).
template <class A, class B>
  requires(detail::eager_scalar<A> && detail::eager_scalar<B>)
auto where(bool mask, A const& a, B const& b) {
  using T = detail::eager_common_t<A, B>;
  return mask ? T(a) : T(b);
}

/// Picks a where mask is true, b elsewhere, elementwise; the derivative flows through the chosen branch.
///
///     auto y = tl::where(x > 0.0, x, 0.01 * x);   // leaky ReLU
template <class M, class A, class B>
  requires(expression<M> && operand<A> && operand<B>)
auto where(M const& mask, A const& a, B const& b) {
  using MN = detail::node_t<M>;
  static_assert(std::same_as<detail::element_t<typename MN::value_type>, bool>,
                "tl::where(mask, a, b): mask must be a comparison such as `x > 0.0`");
  using T = detail::common_element_t<A, B>;
  static_assert(!std::is_void_v<T>, "tl::where(mask, a, b): a or b must be an expression or a value");
  using AN = decltype(detail::node_of<T>(a));
  using BN = decltype(detail::node_of<T>(b));
  static_assert(detail::check_elementwise<typename AN::value_type, typename BN::value_type>());
  static_assert(detail::check_elementwise<detail::rebind_t<typename MN::value_type, T>,
                                           detail::broadcast_t<typename AN::value_type, typename BN::value_type>>());
  return detail::where_node<MN, AN, BN>{{}, detail::as_node(mask), detail::node_of<T>(a), detail::node_of<T>(b)};
}

}  // namespace tapeless
