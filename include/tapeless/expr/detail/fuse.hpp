// tapeless/expr/detail/fuse.hpp: fused SIMD loops for an elementwise tree under a sum or a mean, and for
// the top node of any other elementwise tree over arrays (fused_map_*: its value in one loop, its
// backward in another).
//
// `fuse<N>` says how node N runs inside such a loop, one SIMD chunk at a time:
//   prep   prepare(n, sweep&)                 once before the loops: leaves that are not elementwise are
//                                             evaluated here (their records kept), vars are seen
//   chunk  chunk(n, d, i, prep const&)        the chunk of values at flat index i, with what the
//                                             backward step needs (the children's chunks): all in registers
//   void   back<S>(n, d, i, prep const&, chunk const&, lanes adjoint, acc&)   back-propagates that chunk
//   void   begin(prep const&) / finish<S>(n, sweep&, prep const&, totals)   around each backward loop
//   pair   jvp(n, d, i, prep const&, tangent_pass const&)           value and tangent of the chunk
//   bool   spreads(prep const&)               whether an operand below spreads over a runtime matrix in
//                                             this evaluation, or a divisor's reciprocal overflows: the
//                                             loop then runs one lane at a time
// An operand broadcast over its node's result (a row, a column, a vector against a matrix) is a leaf of
// the loop read at spread indices (fuse_spread).
// Elementwise nodes (unary_node, binary_node over float or double, not scalars) recurse into their
// children with the same op rules as everywhere else, called on simd lanes; every other node is a leaf
// of the loop: evaluated once by prepare, read chunk by chunk, its adjoint handed to its own backward
// in finish. An array leaf's adjoint is written chunk by chunk (a var's in place). A scalar leaf (a
// scalar var, or a scalar subtree such as log(sigma), which is so evaluated once rather than per
// element) owns accumulator slot S of the loop: `slots` counts them, the loop keeps them in registers
// (acc, one SIMD vector per slot) and finish gets their totals. So nothing goes to memory inside the
// loop but the array leaves' adjoints.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "../../kernels/simd-inl.h"
#include "../elementwise.hpp"
#include "../var.hpp"

namespace tapeless::detail {

namespace simd = kernels::HWY_NAMESPACE;

/// A rule's adjoint and (a times) its partials on SIMD lanes, as the rule's value goes (op::evaluate's
/// hook in kernels/simd-inl.h): on the lanes where the rule is written for them, else lane by lane.
/// Always inlined: called out of line, they kept operands alive that the rule does not read (the
/// dot products of a matrix-vector product below an addition were computed in its backward loop).
template <class Op, class D>
[[gnu::always_inline]] inline simd::lanes<D> lane_adjoint(simd::lanes<D> x, simd::lanes<D> y, simd::lanes<D> a) {
  return simd::on_lanes<Op>([](auto u, auto v, auto w) { return op::adjoint<Op>(u, v, w); }, x, y, a);
}
template <class Op, class D>
[[gnu::always_inline]] inline simd::lanes<D> lane_left(simd::lanes<D> x, simd::lanes<D> z, simd::lanes<D> y, simd::lanes<D> a) {
  return simd::on_lanes<Op>([](auto... v) { return Op::left(v...); }, x, z, y, a);
}
template <class Op, class D>
[[gnu::always_inline]] inline simd::lanes<D> lane_right(simd::lanes<D> x, simd::lanes<D> z, simd::lanes<D> y, simd::lanes<D> a) {
  return simd::on_lanes<Op>([](auto... v) { return Op::right(v...); }, x, z, y, a);
}

/// The adjoint a fused backward loop hands a node for one chunk: k v, where the number k is the same
/// for every element of the loop (the seed times what the path has multiplied by that is: a scalar
/// operand of *, the reciprocal of a scalar divisor, a rule's constant factor, the sign of -) and v
/// is the chunk's own lanes; with Unit, v is 1 on every lane and not kept (no partial on the path has
/// read a lane). Partials that read only scalars (op::reads_t) go into k, once per loop
/// rather than once per element; leaves multiply k in where they store, a scalar leaf's accumulator
/// after the loop, and a scalar leaf reached with v = 1 counts lanes rather than adding ones. So
/// sum(-0.5 * square((x - mu) / sigma) - log(sigma)) costs a chunk a subtraction and a multiplication
/// (z), an addition (mu's) and a multiply-add (sigma's): the hand-written loop's four.
template <class D, bool Unit>
struct adjoint_lanes;
template <class D>
struct adjoint_lanes<D, true> {
  simd::lane_type<D> k;
};
template <class D>
struct adjoint_lanes<D, false> {
  simd::lane_type<D> k;
  simd::lanes<D> v;
};
/// v: the lanes' own part.
template <class D, bool Unit>
[[gnu::always_inline]] inline simd::lanes<D> own_lanes(D d, adjoint_lanes<D, Unit> const& a) {
  if constexpr (Unit)
    return simd::splat(d, simd::lane_type<D>(1));
  else
    return a.v;
}
/// k v: what a leaf stores.
template <class D, bool Unit>
[[gnu::always_inline]] inline simd::lanes<D> whole(D d, adjoint_lanes<D, Unit> const& a) {
  if constexpr (Unit)
    return simd::splat(d, a.k);
  else
    return simd::splat(d, a.k) * a.v;
}
/// The same lanes' part with the factor k.
template <class D, bool Unit>
[[gnu::always_inline]] inline adjoint_lanes<D, Unit> with_factor(adjoint_lanes<D, Unit> a, simd::lane_type<D> k) {
  a.k = k;
  return a;
}
/// The adjoint k' v' of a unary node's child.
template <class Op, class D, bool Unit>
[[gnu::always_inline]] inline auto child_adjoint(D d, simd::lanes<D> x, simd::lanes<D> y, adjoint_lanes<D, Unit> const& a) {
  using T = simd::lane_type<D>;
  if constexpr (op::reads_v<Op>.adjoint == 0)
    return with_factor(a, op::adjoint<Op>(T{}, T{}, a.k));
  else if constexpr (requires { Op::factor; })
    return adjoint_lanes<D, false>{T(Op::factor) * a.k, Op::part(x, y, own_lanes(d, a))};
  else
    return adjoint_lanes<D, false>{a.k, lane_adjoint<Op>(x, y, own_lanes(d, a))};
}

/// An elementwise node over float or double whose value is an array: it runs inside the loops.
template <class N>
inline constexpr bool elementwise_array_v = simd_array_v<typename N::value_type>;

/// Whether the loop of tree N may run a let block by block (fuse<let_ref<V>> in expr/let.hpp has the
/// case of a let itself): a let among the loop's own leaves, not below another leaf or in an operand
/// spread over the loop.
template <class N>
inline constexpr bool may_run_lets_v = false;

/// Whether N heads an elementwise tree the fused loops can run.
template <class N>
inline constexpr bool fusable_v = false;
template <class Op, class N>
inline constexpr bool fusable_v<unary_node<Op, N>> = elementwise_array_v<unary_node<Op, N>> && !check_finite;
template <class Op, class L, class R>
inline constexpr bool fusable_v<binary_node<Op, L, R>> = elementwise_array_v<binary_node<Op, L, R>> && !check_finite;

/// The loop's scalar accumulators in descriptor D's lanes, and their totals.
template <class T, std::size_t K>
using totals = std::array<T, K>;

/// The chunk of a leaf of the loop: its values alone.
template <class D>
struct value_chunk {
  simd::lanes<D> value;
};

template <class D>
struct jvp_chunk {
  simd::lanes<D> value;
  simd::lanes<D> tangent;
};

/// A value that is written whole before it is read: static extents are left unset (zero-filling a
/// 256 x 64 leaf's adjoint and tangent was most of a static MLP's gradient); runtime ones are empty.
template <class V>
V unset_value() {
  if constexpr (requires { V(for_overwrite); })
    return V(for_overwrite);
  else
    return V{};
}

/// Any other node: a leaf of the loop.
template <class N>
struct fuse {
  using V = typename N::value_type;
  using T = element_t<V>;
  /// Whether N runs inside the loops itself (an elementwise node, a matrix-vector product) rather
  /// than as a leaf evaluated before them: a let of such a tree may run in a root's blocks.
  static constexpr bool loop_node = false;
  /// An active scalar leaf owns one accumulator slot.
  static constexpr std::size_t slots = N::active && rank_v<V> == 0 ? 1 : 0;

  struct none {};
  /// Storage an inactive leaf (a constant, the data) does not have: with static extents it would be
  /// two arrays of the data's size, zeroed and copied with every prep.
  using if_active = std::conditional_t<N::active, V, none>;
  // Every prep has a constructor that builds its parts in place: an aggregate initialised with braces
  // was first cleared whole by GCC (a 532 KB memset for a static MLP's tree) and then filled.
  struct prep {
    prep(N const& n, sweep& s) : rec(n.forward(s)) {}
    record_t<N> rec;
    [[no_unique_address]] mutable if_active adjoint = unset_value<if_active>();  // arrays: stored chunk by chunk
    [[no_unique_address]] mutable if_active tangent = unset_value<if_active>();  // set before it is read
    mutable std::uint64_t tangent_id = 0;
    extents<rank_v<V>> shape() const { return extents_of(rec.value); }
  };
  template <class D>
  using chunk_type = value_chunk<D>;

  static prep prepare(N const& n, sweep& s) { return prep(n, s); }
  /// Whether an operand below spreads over a runtime matrix in this evaluation (see fuse_spread).
  static bool spreads(prep const&) { return false; }

  template <class D>
  static simd::lanes<D> load(D d, std::size_t i, V const& v) {
    if constexpr (rank_v<V> == 0)
      return simd::splat(d, v);
    else
      return simd::load(d, v.data() + i);
  }
  template <class D>
  static chunk_type<D> chunk(N const&, D d, std::size_t i, prep const& p) {
    return {load(d, i, p.rec.value)};
  }
  /// A scalar leaf's number, every lane of its chunks (a partial that reads it is taken on it once
  /// per loop: see adjoint_lanes).
  static T scalar(prep const& p)
    requires(rank_v<V> == 0)
  {
    return p.rec.value;
  }
  static void begin(prep const& p) {
    if constexpr (N::active && rank_v<V> != 0) {
      if (size_of(p.adjoint) != size_of(p.rec.value))
        p.adjoint = make_for_overwrite<V>(extents_of(p.rec.value));  // the loop stores every element
    }
  }
  template <std::size_t S, class D, class A, class Acc>
  static void back(N const&, D d, std::size_t i, prep const& p, chunk_type<D> const&, A const& a, Acc& acc) {
    if constexpr (N::active) {
      if constexpr (rank_v<V> == 0)
        acc.template add<S>(d, a);
      else
        simd::store(whole(d, a), d, p.adjoint.data() + i);
    }
  }
  /// The adjoint `a` of the loop's element k alone (tl::max and tl::min of the tree): given back to
  /// that element in place where the node takes blocks (a var, a let, an index), else as an array.
  static void back_at(N const& n, sweep& s, std::size_t k, prep const& p, T a) {
    if constexpr (N::active) {
      if constexpr (rank_v<V> == 0) {
        n.backward(s, p.rec, a);
      } else if constexpr (requires { N::adds_blocks; }) {
        n.backward_block(s, p.rec, k, a);
      } else {
        V adjoint = zeros_like(p.rec.value);
        elem(adjoint, k) = a;
        n.backward(s, p.rec, std::move(adjoint));
      }
    }
  }
  template <std::size_t S, class Totals>
  static void finish(N const& n, sweep& s, prep const& p, Totals const& t) {
    if constexpr (N::active) {
      if constexpr (rank_v<V> == 0)
        n.backward(s, p.rec, std::get<S>(t));
      else
        n.backward(s, p.rec, std::move(p.adjoint));
    }
  }
  template <class D>
  static jvp_chunk<D> jvp(N const& n, D d, std::size_t i, prep const& p, tangent_pass const& t) {
    if constexpr (N::active) {
      if (p.tangent_id != t.id()) {
        p.tangent = tangent_of(n, t, p.rec);
        p.tangent_id = t.id();
      }
      return {load(d, i, p.rec.value), load(d, i, p.tangent)};
    } else {
      return {load(d, i, p.rec.value), {}};
    }
  }
};

/// A var of an array: read and accumulated in place, no buffer. The first loop of a sweep that
/// reaches the var stores its adjoint (no zero-filling pass before it); every later one, and a later
/// occurrence of the var in the same loop, adds. Occurrences begin in the order they go back in
/// each chunk (children left to right), so the storing one writes each chunk first.
template <class V>
  requires(rank_v<V> != 0)
struct fuse<var_ref<V>> {
  using N = var_ref<V>;
  using T = element_t<V>;
  static constexpr std::size_t slots = 0;
  struct prep {
    V const* value;
    N const* node;
    mutable T* adjoint = nullptr;  // set by begin
    mutable bool store = false;    // this loop is the sweep's first contribution
    extents<rank_v<V>> shape() const { return extents_of(*value); }
  };
  template <class D>
  using chunk_type = value_chunk<D>;
  static prep prepare(N const& n, sweep& s) {
    n.forward(s);
    return {&n.value(), &n};
  }
  static bool spreads(prep const&) { return false; }
  template <class D>
  static chunk_type<D> chunk(N const&, D d, std::size_t i, prep const& p) {
    return {simd::load(d, p.value->data() + i)};
  }
  static void begin(prep const& p) { p.adjoint = p.node->claim_adjoint(p.store); }
  template <std::size_t, class D, class A, class Acc>
  static void back(N const&, D d, std::size_t i, prep const& p, chunk_type<D> const&, A const& a, Acc&) {
    if (p.store)
      simd::store(whole(d, a), d, p.adjoint + i);
    else
      simd::add_into(whole(d, a), d, p.adjoint + i);
  }
  template <std::size_t, class Totals>
  static void finish(N const&, sweep&, prep const&, Totals const&) {}
  static void back_at(N const& n, sweep& s, std::size_t k, prep const& p, T a) {
    n.backward_block(s, typename N::record{*p.value}, k, a);
  }
  template <class D>
  static jvp_chunk<D> jvp(N const& n, D d, std::size_t i, prep const& p, tangent_pass const& t) {
    auto const v = simd::load(d, p.value->data() + i);
    if (auto const* dir = t.direction_for<V>(n.identity())) return {v, simd::load(d, dir->data() + i)};
    return {v, {}};
  }
};

template <class Op, class N>
  requires elementwise_array_v<unary_node<Op, N>>
struct fuse<unary_node<Op, N>> {
  using C = fuse<N>;
  using T = element_t<typename unary_node<Op, N>::value_type>;
  static constexpr std::size_t slots = C::slots;
  static constexpr bool loop_node = true;
  struct prep {
    prep(N const& n, sweep& s) : child(C::prepare(n, s)) {}
    typename C::prep child;
    auto shape() const { return child.shape(); }
  };
  template <class D>
  struct chunk_type {
    simd::lanes<D> value;
    typename C::template chunk_type<D> child;
  };
  static prep prepare(unary_node<Op, N> const& n, sweep& s) { return prep(n.n_, s); }
  static bool spreads(prep const& p) { return C::spreads(p.child); }
  template <class D>
  static chunk_type<D> chunk(unary_node<Op, N> const& n, D d, std::size_t i, prep const& p) {
    auto c = C::chunk(n.n_, d, i, p.child);
    return {op::evaluate<Op>(c.value), c};
  }
  /// The chunk with the node's own value read from `stored` (its forward loop's output), not computed:
  /// the top node of a map's backward loop (tanh or exp at the top is not evaluated twice).
  template <class D>
  [[gnu::always_inline]] static chunk_type<D> chunk_stored(unary_node<Op, N> const& n, D d, std::size_t i, prep const& p, T const* stored) {
    return chunk_with(n, d, i, p, simd::load(d, stored + i));
  }
  /// The chunk with the node's own value given. Inlined where it is used, so that children's values
  /// the rules do not read (a matrix-vector product below an addition) are not computed.
  template <class D>
  [[gnu::always_inline]] static chunk_type<D> chunk_with(unary_node<Op, N> const& n, D d, std::size_t i, prep const& p, simd::lanes<D> value) {
    return {value, C::chunk(n.n_, d, i, p.child)};
  }
  static void begin(prep const& p) { C::begin(p.child); }
  template <std::size_t S, class D, class A, class Acc>
  static void back(unary_node<Op, N> const& n, D d, std::size_t i, prep const& p, chunk_type<D> const& c,
                   A const& a, Acc& acc) {
    if constexpr (N::active)
      C::template back<S>(n.n_, d, i, p.child, c.child, child_adjoint<Op>(d, c.child.value, c.value, a), acc);
  }
  template <std::size_t S, class Totals>
  static void finish(unary_node<Op, N> const& n, sweep& s, prep const& p, Totals const& t) {
    C::template finish<S>(n.n_, s, p.child, t);
  }
  static void back_at(unary_node<Op, N> const& n, sweep& s, std::size_t k, prep const& p, T a) {
    if constexpr (N::active) {
      simd::tail_tag<T> const d1;
      auto const c = chunk(n, d1, k, p);
      C::back_at(n.n_, s, k, p.child, T(simd::sum_of_lanes(d1, lane_adjoint<Op>(c.child.value, c.value, simd::splat(d1, a)))));
    }
  }
  template <class D>
  static jvp_chunk<D> jvp(unary_node<Op, N> const& n, D d, std::size_t i, prep const& p, tangent_pass const& t) {
    auto const c = C::jvp(n.n_, d, i, p.child, t);
    auto const y = op::evaluate<Op>(c.value);
    return {y, lane_adjoint<Op>(c.value, y, c.tangent)};
  }
};

/// x / s with a scalar s runs as x * (1 / s), the reciprocal taken once per loop: a division per
/// element costs several multiplications. (The value differs from x / s by a rounding.) Where 1 / s
/// overflows (a denormal s) x * inf would give inf and NaN where x / s is finite; there the loop
/// takes r = 1 / (s c) with c = 2^60 and multiplies the rule's results by c: (x r) c. Elsewhere c = 1,
/// an exact multiplication. (The rule is chosen at compile time: a run-time choice between dividing
/// and multiplying per chunk made GCC copy each chunk's record through memory, 30x slower.) Such a
/// loop runs one lane at a time (`spreads`), so only one-lane chunks test c: in full chunks the test
/// was a quarter of normal_logpdf's vector work.
template <class Op, class R>
inline constexpr bool by_reciprocal_v = std::is_same_v<Op, op::divide> && rank_v<typename R::value_type> == 0;

/// The rules of division by a reciprocal r = 1 / z: y = x r, dy/dx = r, dy/dz = -y r.
struct times_reciprocal {
  static constexpr bool simd = true;
  template <class X> static X value(X const& x, X const& r) { return x * r; }
  static constexpr op::reads_t reads{.left = op::reads_z};
  template <class X> static X left(X const&, X const& r, X const&, X const& a) { return a * r; }
  /// right = right_factor(r, a) y: the factor is the same on every element of a loop.
  template <class X> static X right_factor(X const& r, X const& a) { return -(a * r); }
  template <class X> static X right(X const&, X const& r, X const& y, X const& a) { return right_factor(r, a) * y; }
};

/// An operand broadcast over its node's result (a row, a column, a vector against a matrix): a leaf of
/// the loop, read and its adjoint gathered at the result's flat indices (defined below).
template <class N, class Result>
struct fuse_spread;
/// Whether operand N of an elementwise node with value type Result may be spread over it: a rank
/// below the result's, static shapes that differ, or matrices with runtime extents (decided then).
template <class N, class Result>
inline constexpr bool spread_operand_v = [] {
  using O = typename N::value_type;
  if constexpr (rank_v<O> == 0)
    return false;
  else if constexpr (rank_v<O> != rank_v<Result>)
    return true;
  else if constexpr (is_static_v<O> && is_static_v<Result>)
    return !std::is_same_v<shape_t<O>, shape_t<Result>>;
  else
    return rank_v<O> >= 2;
}();
template <class N, class Result>
using operand_fuse = std::conditional_t<spread_operand_v<N, Result>, fuse_spread<N, Result>, fuse<N>>;

template <class Op, class L, class R>
  requires elementwise_array_v<binary_node<Op, L, R>>
struct fuse<binary_node<Op, L, R>> {
  using Node = binary_node<Op, L, R>;
  using V = typename Node::value_type;
  using T = element_t<V>;
  using FL = operand_fuse<L, V>;
  using FR = operand_fuse<R, V>;
  static constexpr std::size_t slots = FL::slots + FR::slots;
  static constexpr bool loop_node = true;
  static constexpr bool reciprocal = by_reciprocal_v<Op, R>;
  struct prep {
    prep(Node const& n, sweep& s) : left(FL::prepare(n.l_, s)), right(FR::prepare(n.r_, s)) {}
    typename FL::prep left;
    typename FR::prep right;
    T reciprocal{};  // 1 / (right c), when the loop multiplies by a reciprocal
    T scale{1};      // c: 1, or 2^60 where 1 / right overflows
    extents<rank_v<V>> out{};
    extents<rank_v<V>> shape() const { return out; }
  };
  /// The result's extents (operand extents checked here, before any loop runs).
  static extents<rank_v<V>> result_extents(typename FL::prep const& l, typename FR::prep const& r) {
    if constexpr (rank_v<typename L::value_type> == 0)
      return r.shape();
    else if constexpr (rank_v<typename R::value_type> == 0)
      return l.shape();
    else if constexpr (std::is_same_v<Op, op::dot_product>) {  // tl::dot does not broadcast
      if (l.shape() != r.shape()) throw_shapes(Op::name, "operand shapes", l.shape(), r.shape());
      return l.shape();
    } else
      return broadcast_extents<rank_v<V>>(Op::name, l.shape(), r.shape());
  }
  template <class D>
  struct chunk_type {
    simd::lanes<D> value;
    typename FL::template chunk_type<D> left;
    typename FR::template chunk_type<D> right;
  };
  // The children's preps are built in place (prvalues initialising the members) and the whole
  // returned as one object: moving preps up a tree level by level copied each leaf's once per level,
  // and the wide loads of what small stores had just written stalled (normal_logpdf, N = 16: most of
  // the time).
  static prep prepare(Node const& n, sweep& s) {
    prep p(n, s);
    if constexpr (reciprocal) {
      T const z = p.right.rec.value;
      p.reciprocal = T(1) / z;
      if (std::isfinite(z) && z != T(0) && std::isinf(p.reciprocal)) {  // a denormal z
        p.scale = T(1152921504606846976.0);                               // 2^60
        p.reciprocal = T(1) / (z * p.scale);
      }
    }
    p.out = result_extents(p.left, p.right);
    if constexpr (spread_operand_v<L, V>) FL::bind(n.l_, p.left, p.out);
    if constexpr (spread_operand_v<R, V>) FR::bind(n.r_, p.right, p.out);
    return p;
  }
  static bool spreads(prep const& p) {
    return FL::spreads(p.left) || FR::spreads(p.right) || (reciprocal && p.scale != T(1));
  }
  using Rule = std::conditional_t<reciprocal, times_reciprocal, Op>;
  /// A result of the rule, times c when the loop multiplies by a reciprocal (c is 1 in full chunks).
  template <class D>
  static simd::lanes<D> scaled(D d, prep const& p, simd::lanes<D> v) {
    if constexpr (reciprocal && std::is_same_v<D, simd::tail_tag<T>>)
      if (p.scale != T(1)) [[unlikely]]
        return v * simd::splat(d, p.scale);
    return v;
  }
  template <class D>
  static chunk_type<D> chunk(Node const& n, D d, std::size_t i, prep const& p) {
    auto l = FL::chunk(n.l_, d, i, p.left);
    auto r = FR::chunk(n.r_, d, i, p.right);
    if constexpr (reciprocal) r.value = simd::splat(d, p.reciprocal);  // what the rules see as the right operand
    return {scaled(d, p, op::evaluate<Rule>(l.value, r.value)), l, r};
  }
  template <class D>
  [[gnu::always_inline]] static chunk_type<D> chunk_stored(Node const& n, D d, std::size_t i, prep const& p, T const* stored) {
    return chunk_with(n, d, i, p, simd::load(d, stored + i));
  }
  /// The chunk with the node's own value given.
  template <class D>
  [[gnu::always_inline]] static chunk_type<D> chunk_with(Node const& n, D d, std::size_t i, prep const& p, simd::lanes<D> value) {
    auto l = FL::chunk(n.l_, d, i, p.left);
    auto r = FR::chunk(n.r_, d, i, p.right);
    if constexpr (reciprocal) r.value = simd::splat(d, p.reciprocal);
    return {value, l, r};
  }
  static void begin(prep const& p) {
    FL::begin(p.left);
    FR::begin(p.right);
  }
  /// A scalar operand's number (what the rules see: the reciprocal of a divisor).
  static T right_scalar(prep const& p) {
    if constexpr (reciprocal)
      return p.reciprocal;
    else if constexpr (rank_v<typename R::value_type> == 0)
      return FR::scalar(p.right);
    else
      return T{};  // not read
  }
  static T left_scalar(prep const& p) {
    if constexpr (rank_v<typename L::value_type> == 0)
      return FL::scalar(p.left);
    else
      return T{};
  }
  /// The adjoints k' v' of the operands (see adjoint_lanes): a partial that reads only a scalar
  /// operand, or no operand, is taken on numbers into k' (x * s, x / s, +, -); the divisor of x / s
  /// gets -(k r) (x r) v; any other partial is taken on the lanes' part v. The rescaling c of a
  /// denormal divisor stays per element (one-lane chunks only, see by_reciprocal_v): in k, k r c
  /// overflowed where every element's (k v r) c is finite or 0 (log(x) * (y / s) with x = 1).
  template <class D, class A>
  [[gnu::always_inline]] static auto left_adjoint(D d, prep const& p, chunk_type<D> const& c, A const& a) {
    constexpr unsigned reads = op::reads_v<Rule>.left;
    if constexpr (reciprocal && std::is_same_v<D, simd::tail_tag<T>>)
      return adjoint_lanes<D, false>{Rule::left(T{}, p.reciprocal, T{}, a.k), scaled(d, p, own_lanes(d, a))};
    else if constexpr (reads == 0 || (reads == op::reads_z && rank_v<typename R::value_type> == 0))
      return with_factor(a, Rule::left(T{}, right_scalar(p), T{}, a.k));
    else
      return adjoint_lanes<D, false>{a.k, lane_left<Rule>(c.left.value, c.right.value, c.value, own_lanes(d, a))};
  }
  template <class D, class A>
  [[gnu::always_inline]] static auto right_adjoint(D d, prep const& p, chunk_type<D> const& c, A const& a) {
    constexpr unsigned reads = op::reads_v<Rule>.right;
    if constexpr (reciprocal)
      return adjoint_lanes<D, false>{Rule::right_factor(p.reciprocal, a.k), scaled(d, p, own_lanes(d, a) * c.value)};
    else if constexpr (reads == 0 || (reads == op::reads_x && rank_v<typename L::value_type> == 0))
      return with_factor(a, Rule::right(left_scalar(p), T{}, T{}, a.k));
    else
      return adjoint_lanes<D, false>{a.k, lane_right<Rule>(c.left.value, c.right.value, c.value, own_lanes(d, a))};
  }
  template <std::size_t S, class D, class A, class Acc>
  static void back(Node const& n, D d, std::size_t i, prep const& p, chunk_type<D> const& c, A const& a, Acc& acc) {
    if constexpr (L::active) FL::template back<S>(n.l_, d, i, p.left, c.left, left_adjoint(d, p, c, a), acc);
    if constexpr (R::active) FR::template back<S + FL::slots>(n.r_, d, i, p.right, c.right, right_adjoint(d, p, c, a), acc);
  }
  template <std::size_t S, class Totals>
  static void finish(Node const& n, sweep& s, prep const& p, Totals const& t) {
    FL::template finish<S>(n.l_, s, p.left, t);
    FR::template finish<S + FL::slots>(n.r_, s, p.right, t);
  }
  static void back_at(Node const& n, sweep& s, std::size_t k, prep const& p, T a) {
    simd::tail_tag<T> const d1;
    auto const c = chunk(n, d1, k, p);
    auto const av = simd::splat(d1, a);
    if constexpr (L::active)
      FL::back_at(n.l_, s, k, p.left,
                  T(simd::sum_of_lanes(d1, scaled(d1, p, lane_left<Rule>(c.left.value, c.right.value, c.value, av)))));
    if constexpr (R::active)
      FR::back_at(n.r_, s, k, p.right,
                  T(simd::sum_of_lanes(d1, scaled(d1, p, lane_right<Rule>(c.left.value, c.right.value, c.value, av)))));
  }
  template <class D>
  static jvp_chunk<D> jvp(Node const& n, D d, std::size_t i, prep const& p, tangent_pass const& t) {
    auto const l = FL::jvp(n.l_, d, i, p.left, t);
    auto const r = FR::jvp(n.r_, d, i, p.right, t);
    auto const y = op::evaluate<Op>(l.value, r.value);
    simd::lanes<D> tan{};
    if constexpr (L::active) tan = tan + lane_left<Op>(l.value, r.value, y, l.tangent);
    if constexpr (R::active) tan = tan + lane_right<Op>(l.value, r.value, y, r.tangent);
    return {y, tan};
  }
};

template <class Op, class C>
inline constexpr bool may_run_lets_v<unary_node<Op, C>> = fusable_v<unary_node<Op, C>> && may_run_lets_v<C>;
template <class Op, class L, class R>
inline constexpr bool may_run_lets_v<binary_node<Op, L, R>> = [] {
  using V = typename binary_node<Op, L, R>::value_type;
  return fusable_v<binary_node<Op, L, R>> && ((!spread_operand_v<L, V> && may_run_lets_v<L>) ||
                                                (!spread_operand_v<R, V> && may_run_lets_v<R>));
}();

/// The loop of the fused kernels over n elements of the tree F prepared in p: simd::for_each_chunk,
/// or one lane at a time when an operand spreads over a runtime matrix in this evaluation (only
/// one-lane chunks read such operands at the spread indices: see fuse_spread) or a divisor's
/// reciprocal overflows (only one-lane chunks rescale: see by_reciprocal_v).
template <class F, class T, class Body>
[[gnu::always_inline]] inline void for_each_chunk_of(typename F::prep const& p, std::size_t n, Body&& body) {
  if (F::spreads(p)) [[unlikely]] {
    simd::tail_tag<T> const d1;
    for (std::size_t i = 0; i < n; ++i) body(d1, i, simd::slot<2>{});
  } else {
    simd::for_each_chunk<T>(n, body);
  }
}

/// The same over the elements [first, last) of the loop (one block of it).
template <class F, class T, class Body>
[[gnu::always_inline]] inline void for_each_chunk_of_in(typename F::prep const& p, std::size_t first, std::size_t last, Body&& body) {
  if (F::spreads(p)) [[unlikely]] {
    simd::tail_tag<T> const d1;
    for (std::size_t i = first; i < last; ++i) body(d1, i, simd::slot<2>{});
  } else {
    simd::for_each_chunk_in<T>(first, last, body);
  }
}

/// A loop's preparation with the root's block list hidden: every loop but a gradient root's own (an
/// elementwise tree's map, an inner sum, an operand spread over the loop, whatever a leaf of the root's
/// loop evaluates) prepares so, and so the lets its leaves reach are evaluated whole. (The loops are
/// where it is hidden, not each leaf: a leaf's evaluation reaches a let only through a loop.)
template <class F, class N>
[[gnu::always_inline]] inline typename F::prep prepare_hidden(N const& n, sweep& s) {
  sweep::hide_blocks h(s);
  return F::prepare(n, s);
}

/// The chunk of a tree whose top value is known (read from where its loop stored it): the top node's
/// own value is not computed again where the node can take it.
template <class F, class N, class D>
[[gnu::always_inline]] inline auto chunk_given(N const& n, D d, std::size_t i, typename F::prep const& p, simd::lanes<D> value) {
  if constexpr (requires { F::chunk_with(n, d, i, p, value); })
    return F::chunk_with(n, d, i, p, value);
  else
    return F::chunk(n, d, i, p);
}

template <class V>
std::size_t flat_size(extents<rank_v<V>> const& e) {
  std::size_t n = 1;
  for (auto x : e) n *= x;
  return n;
}

// The loops below all run on kernels' one loop driver, simd::for_each_chunk: full chunks in pairs
// (slot 0 and 1, each with its own accumulators, so consecutive additions do not wait on each other),
// then the tail one lane at a time (slot 2). Each accumulator set is indexed by a constant: the
// compiler keeps them in registers only when no loop indexes them at run time.

/// One loop slot's accumulators of the K scalar leaves: the sums of v, the factor k each leaf is
/// reached with (the same in every chunk), and the lanes it was reached with v = 1 (see adjoint_lanes).
template <class D, std::size_t K>
struct scalar_sums {
  std::array<simd::lanes<D>, K> v{};
  std::array<simd::lane_type<D>, K> k{};
  std::array<std::size_t, K> ones{};
  template <std::size_t S, bool Unit>
  [[gnu::always_inline]] void add(D d, adjoint_lanes<D, Unit> const& a) {
    std::get<S>(k) = a.k;
    if constexpr (Unit)
      std::get<S>(ones) += simd::lane_count(d);
    else
      std::get<S>(v) = std::get<S>(v) + a.v;
  }
};
template <class T, std::size_t K>
struct slot_accumulators {
  template <class D>
  using type = scalar_sums<D, K>;
};
/// The scalar leaves' accumulators of a loop with K slots, one set per loop slot.
template <class T, std::size_t K>
using accumulator_sets = simd::per_slot<T, slot_accumulators<T, K>::template type>;
template <class D>
using lanes_of = simd::lanes<D>;

/// The totals of the scalar accumulators over the slots. Inlined: called, the accumulators went
/// through memory (a small gradient, normal_logpdf at N = 16, took a third longer).
template <class T, std::size_t K>
[[gnu::always_inline]] inline totals<T, K> sum_accumulators(accumulator_sets<T, K> const& acc) {
  simd::full_tag<T> const d;
  simd::tail_tag<T> const d1;
  return [&]<std::size_t... k>(std::index_sequence<k...>) {
    // The second slot runs only after the first, with the same factor.
    return totals<T, K>{T(std::get<k>(acc.first.k) * (simd::sum_of_lanes(d, std::get<k>(acc.first.v) + std::get<k>(acc.second.v)) +
                                                      T(std::get<k>(acc.first.ones) + std::get<k>(acc.second.ones))) +
                          std::get<k>(acc.tail.k) * (simd::sum_of_lanes(d1, std::get<k>(acc.tail.v)) + T(std::get<k>(acc.tail.ones))))...};
  }(std::make_index_sequence<K>{});
}

/// The record of the top node of an elementwise tree (elementwise.hpp): the loop's preparation and
/// the tree's value, the only array the tree stores.
template <class Node>
struct fused_map_record {
  fused_map_record(Node const& n, sweep& s)
      : prep(prepare_hidden<fuse<Node>>(n, s)), value(unset_value<typename Node::value_type>()) {}
  typename fuse<Node>::prep prep;
  typename Node::value_type value;
};

/// One loop evaluates the whole tree into its value.
template <class Node>
fused_map_record<Node> fused_map_forward(Node const& n, sweep& s) {
  using V = typename Node::value_type;
  using T = element_t<V>;
  fused_map_record<Node> r(n, s);  // in place: no copy of either
  if constexpr (!is_static_v<V>) r.value = make_for_overwrite<V>(r.prep.shape());  // the loop stores every element
  T* y = r.value.data();
  for_each_chunk_of<fuse<Node>, T>(r.prep, size_of(r.value), [&](auto d, std::size_t i, auto) {
    simd::store(fuse<Node>::chunk(n, d, i, r.prep).value, d, y + i);
  });
  return r;
}

/// The adjoints of a chunk read from an array: k = 1, v the chunk's.
template <class D>
[[gnu::always_inline]] inline adjoint_lanes<D, false> given_adjoint(D d, simd::lane_type<D> const* a) {
  return {simd::lane_type<D>(1), simd::load(d, a)};
}

/// One loop over the n elements of the tree prepared in p back-propagates the adjoints ap[0, n),
/// recomputing each chunk's inner values in registers. With `stored` (a map's value, from its forward
/// loop), the top node reads its own value there instead of computing it again: tanh or exp at the
/// top of a map runs once per element, not twice.
template <bool Stored = false, class Node>
void fused_backward_loop(Node const& n, sweep& s, typename fuse<Node>::prep const& p,
                         element_t<typename Node::value_type> const* ap, std::size_t size,
                         [[maybe_unused]] element_t<typename Node::value_type> const* stored = nullptr) {
  using F = fuse<Node>;
  using T = element_t<typename Node::value_type>;
  F::begin(p);
  accumulator_sets<T, F::slots> acc;
  if constexpr (Stored) {
    for_each_chunk_of<F, T>(p, size, [&](auto d, std::size_t i, auto slot) __attribute__((always_inline)) {
      F::template back<0>(n, d, i, p, F::chunk_stored(n, d, i, p, stored), given_adjoint(d, ap + i), acc[slot]);
    });
  } else {
    for_each_chunk_of<F, T>(p, size, [&](auto d, std::size_t i, auto slot) __attribute__((always_inline)) {
      F::template back<0>(n, d, i, p, F::chunk(n, d, i, p), given_adjoint(d, ap + i), acc[slot]);
    });
  }
  F::template finish<0>(n, s, p, sum_accumulators<T, F::slots>(acc));
}

/// One loop back-propagates the adjoint array `a`.
template <class Node>
void fused_map_backward(Node const& n, sweep& s, fused_map_record<Node> const& r, typename Node::value_type const& a) {
  fused_backward_loop<true>(n, s, r.prep, a.data(), size_of(r.value), r.value.data());
}

/// An operand spread over its node's result. Its own tree (a leaf, or an elementwise subtree) runs in
/// loops of its own size: its value is computed into an array once per evaluation, each chunk of the
/// result reads it at the spread indices (one load or one splat when the chunk lies within a row of
/// the result, else lane by lane), and the chunk's adjoint is added back there; after the result's
/// loop, its own backward loop takes the gathered adjoint. Matrices with runtime extents that turn out
/// to match the result run fused as before (`spread` false): the choice is one branch per chunk.
template <class N, class Result>
struct fuse_spread {
  using F = fuse<N>;
  using V = typename N::value_type;
  using T = element_t<V>;
  static constexpr std::size_t K = rank_v<Result>;
  static constexpr bool always = rank_v<V> != K || (is_static_v<V> && is_static_v<Result>);
  static constexpr std::size_t slots = F::slots;
  struct prep {
    prep(N const& n, sweep& s) : inner(prepare_hidden<F>(n, s)) {}
    typename F::prep inner;
    spread_map<K> map{};
    bool spread = true;
    V value = unset_value<V>();            // the operand's value, when spread
    mutable V adjoint = unset_value<V>();  // and its adjoint, gathered by the result's loop
    mutable V tangent = unset_value<V>();
    mutable std::uint64_t tangent_id = 0;
    extents<rank_v<V>> shape() const { return inner.shape(); }
  };
  // A spread chunk is the inner tree's chunk with only its value set (back does not read the rest).
  template <class D>
  struct spread_chunk {
    simd::lanes<D> value;
  };
  template <class D>
  using chunk_type = std::conditional_t<always, spread_chunk<D>, typename F::template chunk_type<D>>;
  static prep prepare(N const& n, sweep& s) { return prep(n, s); }
  static bool spreads(prep const& p) { return !always && (p.spread || F::spreads(p.inner)); }
  /// Whether chunks of descriptor D read the operand spread: always-spread operands in every chunk;
  /// the others (runtime matrices) only in one-lane chunks, since a loop where one of them spreads runs
  /// one lane at a time (for_each_chunk_of), so full chunks need no run-time choice.
  template <class D>
  static bool spread_in(D, prep const& p) {
    if constexpr (always)
      return true;
    else if constexpr (std::is_same_v<D, simd::tail_tag<T>>)
      return p.spread;
    else
      return false;
  }
  /// Once the result's extents are known: where the operand is read, and its value if spread.
  static void bind(N const& n, prep& p, extents<K> const& out) {
    p.map = spread_map<K>::of(p.inner.shape(), out);
    p.spread = always || !p.map.identity;
    if (p.spread) p.value = own_loop(n, p, [&](auto d, std::size_t i) { return F::chunk(n, d, i, p.inner).value; });
  }
  /// An array of the operand's extents, chunk by chunk from f(d, i).
  template <class G>
  static V own_loop(N const&, prep const& p, G const& f) {
    V v = make_for_overwrite<V>(p.inner.shape());  // the loop stores every element
    T* y = v.data();
    for_each_chunk_of<F, T>(p.inner, size_of(v), [&](auto d, std::size_t i, auto) { simd::store(f(d, i), d, y + i); });
    return v;
  }
  template <class D>
  static simd::lanes<D> gather(D d, std::size_t i, prep const& p, T const* from) {
    auto const [off, step] = p.map.run(i, simd::lane_count(d));
    if (step == 1) return simd::load(d, from + off);
    if (step == 0) return simd::splat(d, from[off]);
    return simd::load_at(d, from, [&](std::size_t k) { return p.map(i + k); });
  }
  template <class D>
  static chunk_type<D> chunk(N const& n, D d, std::size_t i, prep const& p) {
    if constexpr (!always) {
      if (!spread_in(d, p)) return F::chunk(n, d, i, p.inner);
    }
    chunk_type<D> c{};
    c.value = gather(d, i, p, p.value.data());
    return c;
  }
  static void begin(prep const& p) {
    if (p.spread) {
      if constexpr (N::active) zero_like(p.adjoint, p.value);
    } else {
      F::begin(p.inner);
    }
  }
  template <std::size_t S, class D, class A, class Acc>
  static void back(N const& n, D d, std::size_t i, prep const& p, chunk_type<D> const& c, A const& adjoint, Acc& acc) {
    if constexpr (N::active) {
      if constexpr (!always) {
        if (!spread_in(d, p)) {
          F::template back<S>(n, d, i, p.inner, c, adjoint, acc);
          return;
        }
      }
      auto const a = whole(d, adjoint);
      T* q = p.adjoint.data();
      auto const [off, step] = p.map.run(i, simd::lane_count(d));
      if (step == 1)
        simd::add_into(a, d, q + off);
      else if (step == 0)
        q[off] += simd::sum_of_lanes(d, a);
      else
        simd::add_at(a, d, q, [&](std::size_t k) { return p.map(i + k); });
    }
  }
  static void back_at(N const& n, sweep& s, std::size_t k, prep const& p, T a) {
    if constexpr (N::active) F::back_at(n, s, p.spread ? p.map(k) : k, p.inner, a);
  }
  template <std::size_t S, class Totals>
  static void finish(N const& n, sweep& s, prep const& p, Totals const& t) {
    if (!p.spread)
      F::template finish<S>(n, s, p.inner, t);
    else if constexpr (N::active)
      fused_backward_loop(n, s, p.inner, p.adjoint.data(), size_of(p.adjoint));
  }
  template <class D>
  static jvp_chunk<D> jvp(N const& n, D d, std::size_t i, prep const& p, tangent_pass const& t) {
    if (!spread_in(d, p)) return F::jvp(n, d, i, p.inner, t);
    if constexpr (N::active) {
      if (p.tangent_id != t.id()) {
        p.tangent = own_loop(n, p, [&](auto e, std::size_t j) { return F::jvp(n, e, j, p.inner, t).tangent; });
        p.tangent_id = t.id();
      }
      return {gather(d, i, p, p.value.data()), gather(d, i, p, p.tangent.data())};
    } else {
      return {gather(d, i, p, p.value.data()), {}};
    }
  }
};

/// One loop gives the tangent of the whole tree.
template <class Node>
typename Node::value_type fused_map_tangent(Node const& n, tangent_pass const& p, fused_map_record<Node> const& r) {
  using V = typename Node::value_type;
  using T = element_t<V>;
  V t = make_value<V>(extents_of(r.value));
  T* out = t.data();
  for_each_chunk_of<fuse<Node>, T>(r.prep, size_of(t), [&](auto d, std::size_t i, auto) {
    simd::store(fuse<Node>::jvp(n, d, i, r.prep, p).tangent, d, out + i);
  });
  return t;
}

/// The tangent of the tree's element k alone in pass t.
template <class N>
auto fused_tangent_at(N const& n, typename fuse<N>::prep const& p, std::size_t k, tangent_pass const& t) {
  using T = element_t<typename N::value_type>;
  simd::tail_tag<T> const d1;
  return T(simd::sum_of_lanes(d1, fuse<N>::jvp(n, d1, k, p, t).tangent));
}

/// The same from the tree's record (declared in index.hpp, for an index or a slice of the tree).
template <class N, class R, class T>
void fused_back_at(N const& n, sweep& s, std::size_t k, R const& r, T a) {
  fuse<N>::back_at(n, s, k, r.prep, a);
}
template <class N, class R>
auto fused_tangent_at_record(N const& n, R const& r, std::size_t k, tangent_pass const& t) {
  return fused_tangent_at(n, r.prep, k, t);
}

/// The fused sum of an elementwise tree: forward only.
template <class N>
auto fused_sum(N const& n, typename fuse<N>::prep const& p) {
  using T = element_t<typename N::value_type>;
  simd::per_slot<T, lanes_of> sum;
  for_each_chunk_of<fuse<N>, T>(p, flat_size<typename N::value_type>(p.shape()), [&](auto d, std::size_t i, auto slot) {
    sum[slot] = sum[slot] + fuse<N>::chunk(n, d, i, p).value;
  });
  return T(simd::sum_of_lanes(simd::full_tag<T>(), sum.first + sum.second) +
           simd::sum_of_lanes(simd::tail_tag<T>(), sum.tail));
}

/// One loop stores the tree's values at `out` and returns their sum (forward only).
template <class N>
auto fused_store_and_sum(N const& n, typename fuse<N>::prep const& p, element_t<typename N::value_type>* out) {
  using T = element_t<typename N::value_type>;
  simd::per_slot<T, lanes_of> sum;
  for_each_chunk_of<fuse<N>, T>(p, flat_size<typename N::value_type>(p.shape()), [&](auto d, std::size_t i, auto slot) {
    auto const v = fuse<N>::chunk(n, d, i, p).value;
    simd::store(v, d, out + i);
    sum[slot] = sum[slot] + v;
  });
  return T(simd::sum_of_lanes(simd::full_tag<T>(), sum.first + sum.second) +
           simd::sum_of_lanes(simd::tail_tag<T>(), sum.tail));
}

/// Back-propagates `adjoint` (the same for every element: the adjoint of a sum) through the tree,
/// recomputing each chunk's forward values in registers. Returns the sum as a by-product, unless
/// `WithValue` is false (a gradient's root whose value nobody reads: two vector operations of
/// normal_logpdf's eight per chunk; GCC used to drop them only where it happened to inline the whole
/// backward pass into tl::gradient). Always inlined into the root's backward pass: called, with the
/// root's record just built in memory, a small gradient (N = 16) took a third longer. The loop bodies
/// here and below are always inlined too: GCC made one a call per chunk (static elementwise_sum at
/// N = 16, 1.2x the time).
template <bool WithValue = true, class N>
[[gnu::always_inline]] inline auto fused_sum_backward(N const& n, sweep& s, typename fuse<N>::prep const& p,
                                                      element_t<typename N::value_type> adjoint) {
  using T = element_t<typename N::value_type>;
  fuse<N>::begin(p);
  simd::per_slot<T, lanes_of> sum;
  accumulator_sets<T, fuse<N>::slots> acc;
  for_each_chunk_of<fuse<N>, T>(p, flat_size<typename N::value_type>(p.shape()), [&](auto d, std::size_t i, auto slot) __attribute__((always_inline)) {
    auto const c = fuse<N>::chunk(n, d, i, p);
    fuse<N>::template back<0>(n, d, i, p, c, adjoint_lanes<decltype(d), true>{adjoint}, acc[slot]);
    if constexpr (WithValue) sum[slot] = sum[slot] + c.value;
  });
  fuse<N>::template finish<0>(n, s, p, sum_accumulators<T, fuse<N>::slots>(acc));
  if constexpr (WithValue)
    return T(simd::sum_of_lanes(simd::full_tag<T>(), sum.first + sum.second) +
             simd::sum_of_lanes(simd::tail_tag<T>(), sum.tail));
  else
    return T{};
}

/// fused_sum_backward with lets run by blocks (`blocks`, registered when a gradient's root prepared
/// the loop: fuse<let_ref<V>> in expr/let.hpp): the loop goes over blocks of block_list::block
/// elements, and for each block each let's own loop computes the block's values, the root's chunks
/// run over the block, and each let's loop takes the block's adjoints back. Every let begins after
/// the root's leaves, and goes back after the root's chunks of each block, so a var in both is stored
/// first by the root's occurrence. Each block has accumulators of its own, added to the totals after
/// it: kept across the lets' calls, GCC kept them in memory for the whole loop. A function of its own
/// (the plain loop above stays as it was: with both in one function, or one loop for both, GCC spilled
/// the plain loop's registers or made its body a call per chunk, normal_logpdf 1.3x the time).
template <bool WithValue = true, class N>
[[gnu::noinline]] auto fused_sum_backward_in_blocks(N const& n, sweep& s, typename fuse<N>::prep const& p,
                                                    element_t<typename N::value_type> adjoint, block_list const& blocks) {
  using T = element_t<typename N::value_type>;
  using F = fuse<N>;
  F::begin(p);
  for (std::size_t k = 0; k < blocks.count; ++k) blocks.lets[k]->blocks_->begin(*blocks.lets[k]);
  T total{};
  totals<T, F::slots> scalars{};
  std::size_t const size = flat_size<typename N::value_type>(p.shape());
  for (std::size_t first = 0; first < size; first += block_list::block) {
    std::size_t const last = std::min(size, first + block_list::block);
    for (std::size_t k = 0; k < blocks.count; ++k) blocks.lets[k]->blocks_->forward(*blocks.lets[k], first, last);
    simd::per_slot<T, lanes_of> sum;
    accumulator_sets<T, F::slots> acc;
    for_each_chunk_of_in<F, T>(p, first, last, [&](auto d, std::size_t i, auto slot) __attribute__((always_inline)) {
      auto const c = F::chunk(n, d, i, p);
      F::template back<0>(n, d, i, p, c, adjoint_lanes<decltype(d), true>{adjoint}, acc[slot]);
      if constexpr (WithValue) sum[slot] = sum[slot] + c.value;
    });
    if constexpr (WithValue)
      total += T(simd::sum_of_lanes(simd::full_tag<T>(), sum.first + sum.second) +
                 simd::sum_of_lanes(simd::tail_tag<T>(), sum.tail));
    if constexpr (F::slots > 0) {
      auto const t = sum_accumulators<T, F::slots>(acc);
      for (std::size_t k = 0; k < F::slots; ++k) scalars[k] += t[k];
    }
    for (std::size_t k = 0; k < blocks.count; ++k) blocks.lets[k]->blocks_->backward(*blocks.lets[k], first, last);
  }
  F::template finish<0>(n, s, p, scalars);
  for (std::size_t k = 0; k < blocks.count; ++k) blocks.lets[k]->blocks_->finish(*blocks.lets[k], s);
  return total;
}

/// The tangent of the sum in pass t.
template <class N>
auto fused_sum_tangent(N const& n, typename fuse<N>::prep const& p, tangent_pass const& t) {
  using T = element_t<typename N::value_type>;
  simd::per_slot<T, lanes_of> sum;
  for_each_chunk_of<fuse<N>, T>(p, flat_size<typename N::value_type>(p.shape()), [&](auto d, std::size_t i, auto slot) {
    sum[slot] = sum[slot] + fuse<N>::jvp(n, d, i, p, t).tangent;
  });
  return T(simd::sum_of_lanes(simd::full_tag<T>(), sum.first + sum.second) +
           simd::sum_of_lanes(simd::tail_tag<T>(), sum.tail));
}

}  // namespace tapeless::detail
