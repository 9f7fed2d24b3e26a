// tapeless/expr/reduce.hpp: reductions to a scalar: tl::sum, tl::mean, tl::norm, tl::dot,
// tl::max(e), tl::min(e), tl::logsumexp.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "elementwise.hpp"
#include "detail/fuse.hpp"

namespace tapeless::detail {

/// A reduction rule R over a child value x has
///   static std::pair<T, M> value(x)         the result, and what the backward pass wants to remember
///                                           (M: an index, or logsumexp's shift, sum and exponentials)
///   static X adjoint(x, y, memo, a)         the child's adjoint for the result's adjoint a
///   static T tangent(x, y, memo, t)         the result's tangent for the child's tangent t
struct sum_rule;
struct mean_rule;
struct root_sum_rule;

/// The reductions that run as fused SIMD loops over an elementwise tree: a sum, a mean, and the
/// square root of a sum (tl::norm over the squares). Each is a function f of the sum S of the tree.
template <class Rule>
inline constexpr bool sum_like_v =
    std::is_same_v<Rule, sum_rule> || std::is_same_v<Rule, mean_rule> || std::is_same_v<Rule, root_sum_rule>;
/// The linear ones, whose backward loop needs no value first (so it can also compute the value).
template <class Rule>
inline constexpr bool linear_sum_v = std::is_same_v<Rule, sum_rule> || std::is_same_v<Rule, mean_rule>;

template <bool Largest>
struct extreme_rule;
/// The reductions whose derivative is one element's (max and min: the memo is its index).
template <class Rule>
inline constexpr bool picks_one_v = false;
template <bool Largest>
inline constexpr bool picks_one_v<extreme_rule<Largest>> = true;

/// The norm from its sum of squares: sqrt(sum), and 0 at 0 without calling sqrt, for duals too
/// (sqrt's derivative there would make their tangents NaN).
template <class T>
T root_or_zero(T const& sum) {
  using std::sqrt;
  return sum == T{} ? T{} : T(sqrt(sum));
}

template <class Rule, class N>
struct reduce_node : expr_base<reduce_node<Rule, N>> {
  using child_value = typename N::value_type;
  using value_type = element_t<child_value>;
  static constexpr bool active = N::active;
  /// A sum or mean of an elementwise tree over float or double runs as fused SIMD loops (detail/fuse.hpp):
  /// no record per node, nothing in memory but the leaves' adjoints.
  static constexpr bool fused = fusable_v<N> && sum_like_v<Rule>;
  /// max and min of a var, a let or an index of them give the adjoint back to the one element in
  /// place, and read its tangent alone (index.hpp), with no array of the operand's size.
  static constexpr bool picks_block = picks_one_v<Rule> && requires { N::adds_blocks; };
  /// max and min of an elementwise tree that runs fused: the backward pass runs the tree at the one
  /// element alone (its leaves take it in place where they can), and the tangent reads that element's.
  static constexpr bool picks_fused = picks_one_v<Rule> && fusable_v<N>;
  using memo_type = decltype(Rule::value(std::declval<child_value const&>()).second);
  struct plain_record {
    value_type value;
    record_t<N> child;
    memo_type memo;
  };
  /// Whether lets of the tree may run block by block in its loop at a gradient's root
  /// (fused_sum_backward_in_blocks): only a tree with a let among its loop's leaves has the list and
  /// the second loop. For the others nothing changes: where the blocks' loop could be called with the
  /// record, the record escaped and the plain loop reloaded what it reads from it every chunk (a
  /// small normal_logpdf gradient took 1.4x the time).
  static constexpr bool runs_lets = fused && linear_sum_v<Rule> && may_run_lets_v<N>;
  struct no_blocks {
    static constexpr std::size_t count = 0;
  };
  struct fused_record {
    // In place, not cleared first; not a gradient's root, so the lets of its tree are evaluated whole.
    fused_record(N const& n, sweep& s) : prep(prepare_hidden<fuse<N>>(n, s)) {}
    /// A gradient's root: lets of the tree may run block by block in its loop.
    struct at_root {};
    // (The sweep's list stays open if prepare throws: the sweep ends with the exception.)
    fused_record(N const& n, sweep& s, at_root)
      requires runs_lets
        : prep((s.open_blocks(), fuse<N>::prepare(n, s))) {
      s.close_blocks(blocks);
    }
    fused_record(N const& n, sweep& s, at_root)
      requires(!runs_lets)
        : prep(fuse<N>::prepare(n, s)) {}  // no list is open
    mutable value_type value{};  // a deferred root's value is set by its backward loop
    [[no_unique_address]] std::conditional_t<runs_lets, block_list, no_blocks> blocks;  // before prep: prepare fills it
    typename fuse<N>::prep prep;
    value_type scale{1};  // 1, or 1 / n for a mean
  };
  using record = std::conditional_t<fused, fused_record, plain_record>;
  N n_;

  record forward(sweep& s) const {
    if constexpr (fused) {
      auto r = prepare_fused(s);
      r.value = outer(fused_sum(n_, r.prep) * r.scale);
      return r;
    } else {
      auto c = forward_in(n_, s, Rule::name, 1);
      auto [y, memo] = Rule::value(c.value);
      check_result_finite(Rule::name, y, c.value);
      return record{std::move(y), std::move(c), std::move(memo)};
    }
  }
  /// For an active root whose backward follows at once: the loop runs only there, computing each
  /// transcendental once per element, and sets the value as it goes.
  record forward_deferred(sweep& s) const
    requires(fused && linear_sum_v<Rule>)
  {
    return prepare_fused(s, typename fused_record::at_root{});
  }
  template <class... At>
  record prepare_fused(sweep& s, At... at) const
    requires fused
  {
    record r(n_, s, at...);
    if constexpr (std::is_same_v<Rule, mean_rule>) r.scale = value_type(1) / value_type(flat_size<child_value>(r.prep.shape()));
    return r;
  }
  /// The backward pass of a gradient's root whose value nobody reads (tl::gradient): a deferred
  /// loop that does not compute the sum (the record's value stays unset).
  void backward_gradient_only(sweep& s, record const& r, value_type const& a) const
    requires(fused && linear_sum_v<Rule>)
  {
    if constexpr (runs_lets) {
      if (r.blocks.count != 0) {
        fused_sum_backward_in_blocks<false>(n_, s, r.prep, a * r.scale, r.blocks);
        return;
      }
    }
    fused_sum_backward<false>(n_, s, r.prep, a * r.scale);
  }
  void backward(sweep& s, record const& r, value_type const& a) const {
    if constexpr (runs_lets) {
      if (r.blocks.count != 0) {
        r.value = fused_sum_backward_in_blocks(n_, s, r.prep, a * r.scale, r.blocks) * r.scale;
        return;
      }
    }
    if constexpr (fused && linear_sum_v<Rule>)
      r.value = fused_sum_backward(n_, s, r.prep, a * r.scale) * r.scale;
    else if constexpr (fused)
      fused_sum_backward<false>(n_, s, r.prep, Rule::through_root(r.value, a));
    else if constexpr (picks_block)
      n_.backward_block(s, r.child, r.memo, a);
    else if constexpr (picks_fused)
      fuse<N>::back_at(n_, s, r.memo, r.child.prep, a);
    else if constexpr (check_finite) {
      auto out = Rule::adjoint(r.child.value, r.value, r.memo, a);
      check_result_adjoint_finite(Rule::name, 1, out, a, r.child.value);
      backward_in(n_, s, r.child, std::move(out), Rule::name, 1);
    } else {
      n_.backward(s, r.child, Rule::adjoint(r.child.value, r.value, r.memo, a));
    }
  }
  value_type tangent(tangent_pass const& p, record const& r) const {
    if constexpr (fused && linear_sum_v<Rule>)
      return fused_sum_tangent(n_, r.prep, p) * r.scale;
    else if constexpr (fused)
      return Rule::through_root(r.value, value_type(fused_sum_tangent(n_, r.prep, p)));
    else if constexpr (picks_block)
      return n_.template tangent_block<value_type>(p, r.child, r.memo, extents<0>{});
    else if constexpr (picks_fused)
      return fused_tangent_at(n_, r.child.prep, r.memo, p);
    else
      return Rule::tangent(r.child.value, r.value, r.memo, n_.tangent(p, r.child));
  }

 private:
  /// The result from the (scaled) sum: itself, or its square root for root_sum_rule.
  static value_type outer(value_type sum) {
    if constexpr (std::is_same_v<Rule, root_sum_rule>)
      return root_or_zero(sum);
    else
      return sum;
  }
};

/// Sums of float elements are accumulated in double: a long float sum loses digits otherwise.
template <class T>
using accumulator_t = std::conditional_t<std::is_same_v<T, float>, double, T>;

/// A reduction that is linear in x (sum, mean): its tangent is itself applied to the tangents.
template <class Rule>
struct linear_reduction {
  template <class V, class T>
  static T tangent(V const&, T const&, std::size_t, V const& t) {
    return Rule::value(t).first;
  }
};

struct sum_rule : linear_reduction<sum_rule> {
  static constexpr std::string_view name = "tl::sum";
  template <class V>
  static auto value(V const& x) {
    accumulator_t<element_t<V>> acc{};
    for (std::size_t i = 0, n = size_of(x); i < n; ++i) acc += elem(x, i);
    return std::pair{element_t<V>(acc), std::size_t{0}};
  }
  template <class V, class T>
  static V adjoint(V const& x, T const&, std::size_t, T const& a) {
    return gather_adjoint(x, size_of(x), [&](std::size_t) { return a; });
  }
};

struct mean_rule : linear_reduction<mean_rule> {
  static constexpr std::string_view name = "tl::mean";
  template <class V>
  static auto value(V const& x) {
    auto [s, k] = sum_rule::value(x);
    return std::pair{s / element_t<V>(size_of(x)), k};
  }
  template <class V, class T>
  static V adjoint(V const& x, T const&, std::size_t, T const& a) {
    T const share = a / T(size_of(x));
    return gather_adjoint(x, size_of(x), [&](std::size_t) { return share; });
  }
};

struct norm_rule {
  static constexpr std::string_view name = "tl::norm";
  template <class V>
  static auto value(V const& x) {
    element_t<V> acc{};
    for (std::size_t i = 0, n = size_of(x); i < n; ++i) acc += elem(x, i) * elem(x, i);
    return std::pair{root_or_zero(acc), std::size_t{0}};
  }
  // At x = 0 the norm has no derivative; the subgradient 0 is used (JAX gives NaN there).
  template <class V, class T>
  static V adjoint(V const& x, T const& y, std::size_t, T const& a) {
    if (y == T{}) return zeros_like(x);
    T const scale = a / y;
    return gather_adjoint(x, size_of(x), [&](std::size_t i) { return scale * elem(x, i); });
  }
  template <class V, class T>
  static T tangent(V const& x, T const& y, std::size_t, V const& t) {
    if (y == T{}) return T{};
    T acc{};
    for (std::size_t i = 0, n = size_of(x); i < n; ++i) acc += elem(x, i) * elem(t, i);
    return acc / y;
  }
};

/// sqrt(sum(x)): tl::norm over an elementwise tree of floats or doubles is this rule over the squares,
/// and reduce_node runs it only fused: y = root_or_zero(S) of the fused sum S, and the sum's adjoint
/// (and tangent) is the result's times dy/dS.
struct root_sum_rule : norm_rule {
  template <class V>
  static auto value(V const& x) {
    auto const [acc, k] = sum_rule::value(x);
    return std::pair{root_or_zero(acc), k};
  }
  /// a dy/dS = a / (2 y), and the subgradient 0 at y = 0.
  template <class T>
  static T through_root(T const& y, T const& a) {
    return y == T{} ? T{} : a / (2 * y);
  }
};

/// Whether an element (a real, a dual or a jet, by its value) is NaN, or finite.
template <class T>
bool is_nan_element(T const& v) {
  return !(v == v);
}
template <class T>
bool is_finite_element(T const& v) {
  T const d = v - v;  // NaN for an infinity or a NaN
  return d == d;
}

template <class V>
void check_not_empty(V const& x, char const* what) {
  if (size_of(x) == 0) [[unlikely]]
    throw shape_error(std::string(what) + ": the input is empty");
}

template <bool Largest>
struct extreme_rule {
  static constexpr std::string_view name = Largest ? "tl::max" : "tl::min";
  // The first extremal element gets the whole derivative (JAX splits it between ties: one pass and a
  // valid subgradient here). A NaN anywhere is the result, and the first NaN gets the derivative.
  template <class V>
  static auto value(V const& x) {
    check_not_empty(x, Largest ? "tl::max (no largest element)" : "tl::min (no smallest element)");
    if constexpr (simd_array_v<V>) {
      // SIMD passes when there is no NaN (the same first extreme element as the loop below).
      std::size_t const k = simd::first_extreme<Largest>(x.data(), size_of(x));
      if (k < size_of(x)) return std::pair{element_t<V>(elem(x, k)), k};
    }
    std::size_t k = 0;
    if (!is_nan_element(elem(x, 0)))
      for (std::size_t i = 1, n = size_of(x); i < n; ++i) {
        if (is_nan_element(elem(x, i))) {
          k = i;
          break;
        }
        if (Largest ? elem(x, k) < elem(x, i) : elem(x, i) < elem(x, k)) k = i;
      }
    return std::pair{element_t<V>(elem(x, k)), k};
  }
  template <class V, class T>
  static V adjoint(V const& x, T const&, std::size_t k, T const& a) {
    return gather_adjoint(x, size_of(x), [&](std::size_t i) { return i == k ? a : T{}; });
  }
  template <class V, class T>
  static T tangent(V const&, T const&, std::size_t k, V const& t) {
    return elem(t, k);
  }
};

struct logsumexp_rule {
  static constexpr std::string_view name = "tl::logsumexp";
  /// What the forward pass keeps for the backward one: the shift m, the sum s of exp(x - m), and for
  /// arrays of float or double the exponentials themselves (the backward pass scales them: no second
  /// exp per element).
  template <class V>
  struct memo {
    using T = element_t<V>;
    struct none {};
    T m;
    accumulator_t<T> s;
    [[no_unique_address]] std::conditional_t<simd_array_v<V> && !check_finite, V, none> e;
  };
  // Shifted by the maximum, so large inputs do not overflow; by 0 when the maximum is not finite (as
  // JAX does), so that all -inf gives -inf, and a +inf gives +inf, not NaN from inf - inf.
  template <class V>
  static auto value(V const& x) {
    using std::log;
    using T = element_t<V>;
    check_not_empty(x, "tl::logsumexp");
    memo<V> r{shift(largest(x)), {}, {}};
    if constexpr (vectorized<V>) {
      // exp(x - m) once, in one fused SIMD loop that stores it and sums it.
      sweep s{sweep::numbers_only_t{}};
      auto const e = shifted_exp(x, r.m);
      r.e = make_for_overwrite<V>(extents_of(x));
      r.s = fused_store_and_sum(e, fuse<std::remove_const_t<decltype(e)>>::prepare(e, s), r.e.data());
    } else {
      using std::exp;
      for (std::size_t i = 0, n = size_of(x); i < n; ++i) r.s += exp(elem(x, i) - r.m);
    }
    T const y = r.m + T(log(r.s));
    return std::pair{y, std::move(r)};
  }
  // The softmax as exp(x - m) / s, not exp(x - y): y is large where x is, and its rounding would
  // cost float most of its digits.
  template <class V, class T>
  static V adjoint(V const& x, T const&, memo<V> const& r, T const& a) {
    T const scale = a / T(r.s);
    if constexpr (vectorized<V>) {
      // One pass: the stored exponentials times the scale, in a fused SIMD loop.
      using scaled = binary_node<op::multiply, constant_ref_node<V>, constant_node<T>>;
      sweep s{sweep::numbers_only_t{}};
      return std::move(scaled{{}, constant_ref_node<V>{{}, &r.e}, constant_node<T>(scale)}.forward(s).value);
    } else {
      using std::exp;
      return gather_adjoint(x, size_of(x), [&](std::size_t i) { return scale * exp(elem(x, i) - r.m); });
    }
  }
  template <class V, class T>
  static T tangent(V const& x, T const&, memo<V> const& r, V const& t) {
    using std::exp;
    accumulator_t<T> acc{};
    for (std::size_t i = 0, n = size_of(x); i < n; ++i) {
      if constexpr (vectorized<V>)
        acc += elem(r.e, i) * elem(t, i);  // the exponentials the forward pass stored
      else
        acc += exp(elem(x, i) - r.m) * elem(t, i);
    }
    return T(acc / r.s);
  }

 private:
  /// The largest element (one SIMD pass for arrays of float or double: no index is needed here); NaN
  /// if there is one (then the shift is 0, and the NaN reaches the result through the sum).
  template <class V>
  static element_t<V> largest(V const& x) {
    if constexpr (simd_array_v<V>)
      return simd::extreme<true>(x.data(), size_of(x));
    else
      return extreme_rule<true>::value(x).first;
  }
  template <class T>
  static T shift(T const& m) {
    return is_finite_element(m) ? m : T{};
  }
  // Arrays of float or double run their exponentials as the fused SIMD loops do (detail/fuse.hpp), over the
  // values as constants: a scalar exp per element made logsumexp 3-6x slower than the same thing
  // spelled with tl::exp and tl::sum.
  template <class V>
  static constexpr bool vectorized = simd_array_v<V> && !check_finite;
  template <class V>
  using shifted_exp_node = unary_node<op::exp_, binary_node<op::subtract, constant_ref_node<V>, constant_node<element_t<V>>>>;
  template <class V, class T>
  static shifted_exp_node<V> shifted_exp(V const& x, T const& m) {
    using E = element_t<V>;
    return {{}, {{}, constant_ref_node<V>{{}, &x}, constant_node<E>(E(m))}};
  }
};

/// How many products dot sums: the array's elements, a scalar counting as broadcast (an empty array
/// against a scalar is no products, not one).
template <class X, class Z>
std::size_t operand_count(X const& x, Z const& z) {
  if constexpr (rank_v<X> == 0 && rank_v<Z> == 0)
    return 1;
  else if constexpr (rank_v<X> == 0)
    return size_of(z);
  else
    return size_of(x);
}

/// The scalar product: sum of a * b over all elements.
template <class L, class R>
struct dot_node : expr_base<dot_node<L, R>> {
  using value_type = element_t<broadcast_t<typename L::value_type, typename R::value_type>>;
  static constexpr bool active = L::active || R::active;
  struct record {
    value_type value;
    record_t<L> left;
    record_t<R> right;
  };
  L l_;
  R r_;

  record forward(sweep& s) const {
    auto l = forward_in(l_, s, "tl::dot", 1);
    auto r = forward_in(r_, s, "tl::dot", 2);
    check_extents("tl::dot", l.value, r.value);
    std::size_t const n = operand_count(l.value, r.value);
    value_type acc{};
    for (std::size_t i = 0; i < n; ++i) acc += elem(l.value, i) * elem(r.value, i);
    check_result_finite("tl::dot", acc, l.value, r.value);
    return record{acc, std::move(l), std::move(r)};
  }
  void backward(sweep& s, record const& rec, value_type const& a) const {
    auto const& x = rec.left.value;
    auto const& z = rec.right.value;
    std::size_t const n = operand_count(x, z);
    if constexpr (L::active) l_.backward(s, rec.left, gather_adjoint(x, n, [&](std::size_t i) { return a * elem(z, i); }));
    if constexpr (R::active) r_.backward(s, rec.right, gather_adjoint(z, n, [&](std::size_t i) { return a * elem(x, i); }));
  }
  value_type tangent(tangent_pass const& p, record const& rec) const {
    auto const& x = rec.left.value;
    auto const& z = rec.right.value;
    std::size_t const n = operand_count(x, z);
    value_type acc{};
    if constexpr (L::active) {
      auto const tx = l_.tangent(p, rec.left);
      for (std::size_t i = 0; i < n; ++i) acc += elem(tx, i) * elem(z, i);
    }
    if constexpr (R::active) {
      auto const tz = r_.tangent(p, rec.right);
      for (std::size_t i = 0; i < n; ++i) acc += elem(x, i) * elem(tz, i);
    }
    return acc;
  }
};

template <class Op, class L, class R>
using dot_node_t = dot_node<L, R>;

template <class Rule, class A>
auto make_reduce(A const& a) {
  if constexpr (eager_scalar<A>) {
    return Rule::value(static_cast<eager_t<A>>(a)).first;
  } else {
    return reduce_node<Rule, node_t<A>>{{}, as_node(a)};
  }
}

}  // namespace tapeless::detail

namespace tapeless {

/// The sum of all elements: a scalar expression.
template <class A>
  requires detail::function_argument<A>
auto sum(A const& e) {
  return detail::make_reduce<detail::sum_rule>(e);
}
/// The mean of all elements.
template <class A>
  requires detail::function_argument<A>
auto mean(A const& e) {
  return detail::make_reduce<detail::mean_rule>(e);
}
/// The Euclidean norm, sqrt(sum(square(e))); its derivative at 0 is taken as 0.
template <class A>
  requires detail::function_argument<A>
auto norm(A const& e) {
  // Over arrays of float or double, the square root of a fused sum of squares.
  using S = decltype(detail::make_unary<detail::op::square>(e));
  if constexpr (!detail::eager_scalar<A> && detail::fusable_v<S>)
    return detail::reduce_node<detail::root_sum_rule, S>{{}, detail::make_unary<detail::op::square>(e)};
  else
    return detail::make_reduce<detail::norm_rule>(e);
}
/// The largest element; the derivative goes to the first largest one.
template <class A>
  requires detail::function_argument<A>
auto max(A const& e) {
  return detail::make_reduce<detail::extreme_rule<true>>(e);
}
/// The smallest element; the derivative goes to the first smallest one.
template <class A>
  requires detail::function_argument<A>
auto min(A const& e) {
  return detail::make_reduce<detail::extreme_rule<false>>(e);
}
/// log(sum(exp(e))), computed stably (shifted by the maximum).
template <class A>
  requires detail::function_argument<A>
auto logsumexp(A const& e) {
  return detail::make_reduce<detail::logsumexp_rule>(e);
}
/// The scalar product of two operands of the same shape (or one scalar).
template <class A, class B>
  requires(detail::function_argument<A> && detail::function_argument<B> && (expression<A> || expression<B>))
auto dot(A const& a, B const& b) {
  using T = detail::common_element_t<A, B>;
  using LV = typename decltype(detail::node_of<T>(a))::value_type;
  using RV = typename decltype(detail::node_of<T>(b))::value_type;
  using G = detail::elementwise_agreement<LV, RV>;
  if constexpr (!G::ok) {
    static_assert(G::element_types::value, "tl::dot(a, b): a and b must have the same element type");
    if constexpr (G::both_static)
      static_assert(G::shapes::value, "tl::dot(a, b): a and b must have the same shape (or one must be a scalar)");
    else
      static_assert(G::shapes::value, "tl::dot(a, b): a and b must have the same rank (or one must be a scalar)");
    return;
  } else {
    // Over arrays of float or double, the sum of the products: one fused SIMD loop forward and one
    // backward, nothing stored (the dot node's loops are for duals and small static arrays).
    using P = decltype(detail::make_binary<detail::binary_node, detail::op::dot_product>(a, b));
    if constexpr (detail::fusable_v<P>)
      return detail::reduce_node<detail::sum_rule, P>{{}, detail::make_binary<detail::binary_node, detail::op::dot_product>(a, b)};
    else
      return detail::make_binary<detail::dot_node_t, void>(a, b);
  }
}

}  // namespace tapeless
