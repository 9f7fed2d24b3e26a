// tapeless/expr/elementwise.hpp: the elementwise nodes, the arithmetic operators and the functions of
// expr/ops.hpp's lists, with scalar broadcasting (detail/broadcast.hpp); comparisons, tl::where,
// tl::max, tl::min and tl::clamp are in select.hpp.
#pragma once

#include <concepts>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "base.hpp"
#include "detail/broadcast.hpp"
#include "ops.hpp"

namespace tapeless::detail {

template <class T>
inline constexpr bool simd_real_v = std::is_same_v<T, float> || std::is_same_v<T, double>;
/// A static array of at most one AVX-512 vector of doubles (a vec<4> state, a 3 x 2 matrix): each
/// node computes its own small array, straight-line code the compiler keeps in registers. A fused
/// loop's setup (its leaves' records, adjoint buffers, the chunk loop) costs more than it saves there.
template <class V>
inline constexpr bool small_static_v = [] {
  if constexpr (rank_v<V> != 0 && is_static_v<V>)
    return sizeof(V) / sizeof(element_t<V>) <= 8;
  else
    return false;
}();
/// An array of float or double (not a small static one): an elementwise node with such a value runs
/// as one fused SIMD loop.
template <class V>
inline constexpr bool simd_array_v = simd_real_v<element_t<V>> && rank_v<V> != 0 && !small_static_v<V>;

// The top node of an elementwise tree over arrays of float or double (the tree's output feeds
// something that is not elementwise: a matmul, a let, an index, the root of a gradient) evaluates the
// whole tree in one SIMD loop into its own value, and its backward runs one loop that recomputes each
// chunk's inner values in registers: one array for the whole tree, none per node (detail/fuse.hpp).
template <class Node>
struct fused_map_record;
template <class Node>
fused_map_record<Node> fused_map_forward(Node const& n, sweep& s);
template <class Node>
void fused_map_backward(Node const& n, sweep& s, fused_map_record<Node> const& r, typename Node::value_type const& a);
template <class Node>
typename Node::value_type fused_map_tangent(Node const& n, tangent_pass const& p, fused_map_record<Node> const& r);

template <class Op, class N>
struct unary_node : expr_base<unary_node<Op, N>> {
  using value_type = typename N::value_type;
  static constexpr bool active = N::active;
  /// A real scalar keeps dy/dx when its rule asks (ops.hpp): sin and cos become one sincos.
  static constexpr bool keeps_derivative = std::is_floating_point_v<value_type> && op::derivative_in_forward_v<Op>;
  struct no_derivative {};
  /// Built in place, the child's record first (see "Records are built in place" in docs/design.md).
  struct plain_record {
    record_t<N> child;
    value_type value;
    [[no_unique_address]] std::conditional_t<keeps_derivative, value_type, no_derivative> derivative;
    plain_record(unary_node const& self, sweep& s)
        : child(forward_in(self.n_, s, Op::name, 1)), value(apply(child.value)), derivative(derive(child.value, value)) {
      check_made_finite(Op::name, value, child.value);
    }
  };
  static constexpr bool fused = simd_array_v<value_type> && !check_finite;
  using record = std::conditional_t<fused, fused_map_record<unary_node>, plain_record>;
  N n_;

  record forward(sweep& s) const {
    if constexpr (fused)
      return fused_map_forward(*this, s);
    else
      return plain_record(*this, s);
  }
  static value_type apply(typename N::value_type const& x) {
    value_type y = make_broadcast<value_type>(x);
    for (std::size_t i = 0, n = size_of(y); i < n; ++i) elem(y, i) = op::evaluate<Op>(elem(x, i));
    return y;
  }
  static auto derive(typename N::value_type const& x, value_type const& y) {
    if constexpr (keeps_derivative)
      return Op::derivative(x, y);
    else
      return no_derivative{};
  }
  /// The adjoint by reference: a static array passed on by value was copied at every level. A
  /// temporary is rewritten in place and handed on (one buffer for a chain of functions).
  void backward(sweep& s, record const& r, value_type const& a) const {
    if constexpr (fused) {
      fused_map_backward(*this, s, r, a);
    } else {
      value_type own = a;
      backward_plain(s, r, own);
    }
  }
  void backward(sweep& s, record const& r, value_type&& a) const {
    if constexpr (fused)
      fused_map_backward(*this, s, r, a);
    else
      backward_plain(s, r, a);
  }
  /// The unfused backward step on an adjoint the node may rewrite.
  void backward_plain(sweep& s, record const& r, value_type& a) const {
    if constexpr (check_finite) {
      value_type const given = a;
      plain_adjoint(r, a);
      check_adjoint_finite(Op::name, 1, a, given, r.child.value);
    } else {
      plain_adjoint(r, a);
    }
    backward_in(n_, s, r.child, std::move(a), Op::name, 1);
  }
  static void plain_adjoint(plain_record const& r, value_type& a) {
    if constexpr (keeps_derivative)
      a = a * r.derivative;
    else
      for (std::size_t i = 0, n = size_of(a); i < n; ++i)
        elem(a, i) = op::adjoint<Op>(elem(r.child.value, i), elem(r.value, i), elem(a, i));
  }
  // A unary rule's adjoint is a times the derivative, so the same rule gives the tangent.
  value_type tangent(tangent_pass const& p, record const& r) const {
    if constexpr (fused)
      return fused_map_tangent(*this, p, r);
    else
      return plain_tangent(p, r);
  }
  value_type plain_tangent(tangent_pass const& p, plain_record const& r) const {
    value_type t = n_.tangent(p, r.child);
    if constexpr (keeps_derivative)
      t = t * r.derivative;
    else
      for (std::size_t i = 0, n = size_of(t); i < n; ++i)
        elem(t, i) = op::adjoint<Op>(elem(r.child.value, i), elem(r.value, i), elem(t, i));
    return t;
  }
};

template <class Op, class L, class R>
struct binary_node : expr_base<binary_node<Op, L, R>> {
  using left_value = typename L::value_type;
  using right_value = typename R::value_type;
  using value_type = broadcast_t<left_value, right_value>;
  static constexpr bool active = L::active || R::active;
  /// Built in place, the children's records first.
  struct plain_record {
    record_t<L> left;
    record_t<R> right;
    value_type value;
    plain_record(binary_node const& self, sweep& s)
        : left(forward_in(self.l_, s, Op::name, 1)),
          right(forward_in(self.r_, s, Op::name, 2)),
          value(apply(left.value, right.value)) {
      check_made_finite(Op::name, value, left.value, right.value);
    }
  };
  static constexpr bool fused = simd_array_v<value_type> && !check_finite;
  using record = std::conditional_t<fused, fused_map_record<binary_node>, plain_record>;
  L l_;
  R r_;

  record forward(sweep& s) const {
    if constexpr (fused)
      return fused_map_forward(*this, s);
    else
      return plain_record(*this, s);
  }
  static value_type apply(left_value const& x, right_value const& z) {
    check_broadcast(Op::name, x, z);
    value_type y = make_broadcast<value_type>(x, z);
    auto const xs = spread_of(x, extents_of(y));
    auto const zs = spread_of(z, extents_of(y));
    for (std::size_t i = 0, n = size_of(y); i < n; ++i) elem(y, i) = op::evaluate<Op>(xs(i), zs(i));
    return y;
  }
  void backward(sweep& s, record const& rec, value_type const& a) const {
    if constexpr (fused)
      fused_map_backward(*this, s, rec, a);
    else
      plain_backward(s, rec, a);
  }
  void plain_backward(sweep& s, plain_record const& rec, value_type const& a) const {
    auto const& x = rec.left.value;
    auto const& z = rec.right.value;
    auto const& y = rec.value;
    auto const e = extents_of(y);
    auto const xs = spread_of(x, e);
    auto const zs = spread_of(z, e);
    if constexpr (L::active) {
      auto out = gather_adjoint(x, e, [&](std::size_t i) { return Op::left(xs(i), zs(i), elem(y, i), elem(a, i)); });
      check_operand_adjoint(1, out, a, x, z);
      backward_in(l_, s, rec.left, std::move(out), Op::name, 1);
    }
    if constexpr (R::active) {
      auto out = gather_adjoint(z, e, [&](std::size_t i) { return Op::right(xs(i), zs(i), elem(y, i), elem(a, i)); });
      check_operand_adjoint(2, out, a, x, z);
      backward_in(r_, s, rec.right, std::move(out), Op::name, 2);
    }
  }
  /// TAPELESS_CHECK_FINITE: element by element where the operand was not broadcast, else as a whole.
  template <class Out>
  static void check_operand_adjoint(int argument, Out const& out, value_type const& a, left_value const& x,
                                    right_value const& z) {
    if constexpr (check_finite) {
      if constexpr (rank_v<Out> == rank_v<value_type>)
        check_adjoint_finite(Op::name, argument, out, a, x, z);
      else
        check_result_adjoint_finite(Op::name, argument, out, a, x, z);
    }
  }
  value_type tangent(tangent_pass const& p, record const& rec) const {
    if constexpr (fused)
      return fused_map_tangent(*this, p, rec);
    else
      return plain_tangent(p, rec);
  }
  value_type plain_tangent(tangent_pass const& p, plain_record const& rec) const {
    auto const& x = rec.left.value;
    auto const& z = rec.right.value;
    value_type t = zeros_like(rec.value);
    std::size_t const n = size_of(t);
    auto const e = extents_of(t);
    auto const xs = spread_of(x, e);
    auto const zs = spread_of(z, e);
    if constexpr (L::active) {
      auto const tx = l_.tangent(p, rec.left);
      auto const txs = spread_of(tx, e);
      for (std::size_t i = 0; i < n; ++i) elem(t, i) += Op::left(xs(i), zs(i), elem(rec.value, i), txs(i));
    }
    if constexpr (R::active) {
      auto const tz = r_.tangent(p, rec.right);
      auto const tzs = spread_of(tz, e);
      for (std::size_t i = 0; i < n; ++i) elem(t, i) += Op::right(xs(i), zs(i), elem(rec.value, i), tzs(i));
    }
    return t;
  }
};

/// Arguments that are computed at once rather than built into an expression: plain numbers and duals.
template <class A>
concept eager_scalar = std::is_arithmetic_v<A> || (element<A> && !expression<A>);

template <class A>
using eager_t = std::conditional_t<std::is_floating_point_v<A> || !std::is_arithmetic_v<A>, A, double>;

/// The type two eager operands compute in. As in expressions, a plain number adopts the other side's
/// type: a dual wins over a number, and float with double stays float (`tl::max(x, 0.5 * x)` on a
/// float x is a float, though C++ made `0.5 * x` a double).
template <class A, class B>
struct eager_common {
  using type = std::common_type_t<eager_t<A>, eager_t<B>>;
};
template <class A, class B>
  requires(std::is_floating_point_v<eager_t<A>> && std::is_floating_point_v<eager_t<B>>)
struct eager_common<A, B> {
  using type = std::conditional_t<(sizeof(eager_t<A>) <= sizeof(eager_t<B>)), eager_t<A>, eager_t<B>>;
};
template <class A, class B>
using eager_common_t = typename eager_common<A, B>::type;

/// The element type two operands share: a plain number adopts the other side's, and constants of
/// plain reals are promoted to the duals of the other side (f(x) = A x in forward mode just works).
template <class EA, class EB>
struct common_element {
  using type = EA;
};
template <class EB>
struct common_element<void, EB> {
  using type = EB;
};
template <class EA, class EB>
  requires(!std::is_void_v<EA> && !std::is_void_v<EB> && !std::is_same_v<EA, EB> &&
           std::is_same_v<typename element_base<EB>::type, EA>)
struct common_element<EA, EB> {
  using type = EB;
};
template <class A, class B>
using common_element_t =
    typename common_element<typename operand_element<A>::type, typename operand_element<B>::type>::type;

template <class Op, class A>
auto make_unary(A const& a) {
  if constexpr (eager_scalar<A>)
    return op::evaluate<Op>(static_cast<eager_t<A>>(a));
  else
    return unary_node<Op, node_t<A>>{{}, as_node(a)};
}

template <class A, class B>
using binary_nodes_t = std::pair<decltype(node_of<common_element_t<A, B>>(std::declval<A const&>())),
                                 decltype(node_of<common_element_t<A, B>>(std::declval<B const&>()))>;

template <template <class, class, class> class Node, class Op, class A, class B>
auto make_binary(A const& a, B const& b) {
  using T = common_element_t<A, B>;
  using LN = decltype(node_of<T>(a));
  using RN = decltype(node_of<T>(b));
  if constexpr (!elementwise_fits<typename LN::value_type, typename RN::value_type>()) {
    static_assert(check_elementwise<typename LN::value_type, typename RN::value_type>());
    return;  // the assertion above says what is wrong; nothing further to report
  } else {
    return Node<Op, LN, RN>{{}, node_of<T>(a), node_of<T>(b)};
  }
}

template <class Op, class A, class B>
auto apply_binary(A const& a, B const& b) {
  if constexpr (eager_scalar<A> && eager_scalar<B>) {
    using T = eager_common_t<A, B>;
    return op::evaluate<Op>(static_cast<T>(a), static_cast<T>(b));
  } else {
    return make_binary<binary_node, Op>(a, b);
  }
}

/// Operands of an operator: at least one must be a tapeless expression (vars and lets are).
template <class A, class B>
concept operator_operands = operand<A> && operand<B> && (expression<A> || expression<B>);

/// Arguments of a named function: expressions, plain numbers, values.
template <class A>
concept function_argument = operand<A>;

}  // namespace tapeless::detail

namespace tapeless {

/// a + b, elementwise; a scalar or a plain number broadcasts.
template <class A, class B>
  requires detail::operator_operands<A, B>
auto operator+(A const& a, B const& b) {
  return detail::make_binary<detail::binary_node, detail::op::add>(a, b);
}
/// a - b, elementwise; a scalar or a plain number broadcasts.
template <class A, class B>
  requires detail::operator_operands<A, B>
auto operator-(A const& a, B const& b) {
  return detail::make_binary<detail::binary_node, detail::op::subtract>(a, b);
}
/// a * b, elementwise (tl::matmul is the matrix product); a scalar or a plain number broadcasts.
template <class A, class B>
  requires detail::operator_operands<A, B>
auto operator*(A const& a, B const& b) {
  return detail::make_binary<detail::binary_node, detail::op::multiply>(a, b);
}
/// a / b, elementwise; a scalar or a plain number broadcasts.
template <class A, class B>
  requires detail::operator_operands<A, B>
auto operator/(A const& a, B const& b) {
  return detail::make_binary<detail::binary_node, detail::op::divide>(a, b);
}
/// -a, elementwise.
template <expression A>
auto operator-(A const& a) {
  return detail::make_unary<detail::op::negate>(a);
}
/// a itself.
template <expression A>
auto operator+(A const& a) {
  return detail::as_node(a);
}

// The elementwise functions of expr/ops.hpp's lists. On expressions, vars, lets and values they build
// an expression; on plain numbers they compute at once (forward/dual.hpp and forward/jet.hpp give the
// same names to duals and jets). Each overload takes part only for the kinds it serves, so a user's
// `template <class T> T sigmoid(T)` beside them is never ambiguous: on a number the constrained
// overload here is the more specialized, on a dual or jet the one of dual.hpp or jet.hpp.
#define TAPELESS_UNARY(NAME, RULE, ...)                                                            \
  template <class A>                                                                              \
    requires(detail::function_argument<A> && !std::is_arithmetic_v<A>)                           \
  auto NAME(A const& a) {                                                                         \
    return detail::make_unary<detail::op::RULE>(a);                                               \
  }                                                                                               \
  template <class A>                                                                              \
    requires std::is_arithmetic_v<A>                                                              \
  auto NAME(A a) {                                                                                \
    return detail::op::evaluate<detail::op::RULE>(static_cast<detail::eager_t<A>>(a));           \
  }
/// Declares tl::exp, log, log2, log10, log1p, expm1, sin, cos, tan, asin, acos, atan, sinh, cosh, tanh,
/// asinh, acosh, atanh, sqrt, cbrt, square, abs, sigmoid, log_sigmoid, softplus, erf, erfc, lgamma and
/// digamma (the list TAPELESS_UNARY_FUNCTIONS of expr/ops.hpp), each twice: on an expression, var, let,
/// active or value, an expression node; on a plain number, the value at once (a float stays float, an
/// integer becomes double). Value and derivative come from the rule of the same name in expr/ops.hpp
/// (tl::exp from op::exp_); docs/reference.md lists every derivative.
///
///     auto y = tl::sum(tl::exp(w) * x);   // an expression
///     double z = tl::exp(1.0);            // 2.71828, at once
TAPELESS_UNARY_FUNCTIONS(TAPELESS_UNARY)
#undef TAPELESS_UNARY

#define TAPELESS_BINARY(NAME, RULE, ...)                                                           \
  template <class A, class B>                                                                     \
    requires(detail::function_argument<A> && detail::function_argument<B> &&                      \
             !(std::is_arithmetic_v<A> && std::is_arithmetic_v<B>))                               \
  auto NAME(A const& x, B const& z) {                                                             \
    return detail::apply_binary<detail::op::RULE>(x, z);                                          \
  }                                                                                               \
  template <class A, class B>                                                                     \
    requires(std::is_arithmetic_v<A> && std::is_arithmetic_v<B>)                                  \
  auto NAME(A x, B z) {                                                                           \
    using T = detail::eager_common_t<A, B>;                                                       \
    return detail::op::evaluate<detail::op::RULE>(static_cast<T>(x), static_cast<T>(z));         \
  }
/// Declares tl::pow(x, z), tl::atan2(y, x) and tl::hypot(x, z) (the list TAPELESS_BINARY_FUNCTIONS of
/// expr/ops.hpp): with at least one operand an expression, var, let, active or value (the other may be a
/// number or a value; a scalar broadcasts), an expression node; on two plain numbers, the value at once
/// (float with double gives float). Value and partials come from the rules op::pow_, op::atan2_ and
/// op::hypot_ of expr/ops.hpp.
///
///     auto r = tl::hypot(x, y);   // elementwise sqrt(x^2 + y^2), without overflow
TAPELESS_BINARY_FUNCTIONS(TAPELESS_BINARY)
#undef TAPELESS_BINARY

}  // namespace tapeless

// The fused loops, which define fused_map_record and its functions (detail/fuse.hpp includes this header).
#include "detail/fuse.hpp"
