// tapeless/expr/detail/pointwise.hpp: the value of an elementwise tree over arrays of duals, computed one
// element at a time.
//
// Node by node, a tree such as `tanh(matmul(W, x)) + sin(x) * x` over a vector of tl::dual<double, 64>
// makes one array per node (37 KB each here), zeroes it, and copies each element's result into it.
// Float and double trees avoid that with the fused Highway loops (fuse.hpp); for other element types
// this evaluator walks the tree once per element instead, so the inner values live on the stack and
// only the result is an array. It gives values only (no records for a backward pass): tl::jacfwd uses
// it, where the whole derivative is in the duals' tangents.
//
// `pointwise<N>` says how node N takes part:
//   prep   prepare(n, sweep&)       once: leaves (anything that is not an elementwise node over an array
//                                   of duals: vars, constants, matmul, scalar subtrees) are evaluated here
//   shape  shape(prep const&)       the node's extents; operand extents are checked as the nodes check them
//   E      at(n, prep const&, i)    element i of the node's value (a scalar leaf gives itself)
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include "../elementwise.hpp"

namespace tapeless::detail {

/// An elementwise node whose value is an array of duals (or of another non-SIMD element type).
template <class N>
inline constexpr bool pointwise_node_v = false;
template <class Op, class C>
inline constexpr bool pointwise_node_v<unary_node<Op, C>> =
    rank_v<typename unary_node<Op, C>::value_type> != 0 && !unary_node<Op, C>::fused;
template <class Op, class L, class R>
inline constexpr bool pointwise_node_v<binary_node<Op, L, R>> =
    rank_v<typename binary_node<Op, L, R>::value_type> != 0 && !binary_node<Op, L, R>::fused;

/// Any other node: a leaf, evaluated once.
template <class N>
struct pointwise {
  using V = typename N::value_type;
  struct prep {
    record_t<N> rec;
  };
  static prep prepare(N const& n, sweep& s) { return {n.forward(s)}; }
  static extents<rank_v<V>> shape(prep const& p) { return extents_of(p.rec.value); }
  static decltype(auto) at(N const&, prep const& p, std::size_t i) { return elem(p.rec.value, i); }
};

template <class Op, class C>
  requires pointwise_node_v<unary_node<Op, C>>
struct pointwise<unary_node<Op, C>> {
  using N = unary_node<Op, C>;
  using E = element_t<typename N::value_type>;
  struct prep {
    typename pointwise<C>::prep child;
  };
  static prep prepare(N const& n, sweep& s) { return {pointwise<C>::prepare(n.n_, s)}; }
  static auto shape(prep const& p) { return pointwise<C>::shape(p.child); }
  static E at(N const& n, prep const& p, std::size_t i) { return op::evaluate<Op>(E(pointwise<C>::at(n.n_, p.child, i))); }
};

template <class Op, class L, class R>
  requires pointwise_node_v<binary_node<Op, L, R>>
struct pointwise<binary_node<Op, L, R>> {
  using N = binary_node<Op, L, R>;
  using V = typename N::value_type;
  using E = element_t<V>;
  static constexpr std::size_t K = rank_v<V>;
  struct prep {
    typename pointwise<L>::prep left;
    typename pointwise<R>::prep right;
    extents<K> out{};
    spread_map<K> left_map{}, right_map{};  // where element i of the result reads each operand
  };
  static prep prepare(N const& n, sweep& s) {
    prep p{pointwise<L>::prepare(n.l_, s), pointwise<R>::prepare(n.r_, s)};
    // The operands' extents are checked before any element is computed.
    auto const l = pointwise<L>::shape(p.left);
    auto const r = pointwise<R>::shape(p.right);
    if constexpr (rank_v<typename L::value_type> == 0) {
      p.out = r;
    } else if constexpr (rank_v<typename R::value_type> == 0) {
      p.out = l;
    } else {
      p.out = broadcast_extents<K>(Op::name, l, r);
      p.left_map = spread_map<K>::of(l, p.out);
      p.right_map = spread_map<K>::of(r, p.out);
    }
    return p;
  }
  static extents<K> shape(prep const& p) { return p.out; }
  static E at(N const& n, prep const& p, std::size_t i) {
    return op::evaluate<Op>(E(pointwise<L>::at(n.l_, p.left, p.left_map(i))),
                            E(pointwise<R>::at(n.r_, p.right, p.right_map(i))));
  }
};

/// The elements of node n's value handed to put(i, element) in order, after size(count) says how many:
/// computed one at a time when n is an elementwise node over an array of duals (no array of the
/// result is made: tl::jacfwd writes each element's tangents into the Jacobian), otherwise read from
/// its forward pass.
template <class N, class Size, class Put>
void for_each_element_pointwise(N const& n, sweep& s, Size const& size, Put const& put) {
  if constexpr (pointwise_node_v<N>) {
    auto const p = pointwise<N>::prepare(n, s);
    std::size_t const count = flat_size<typename N::value_type>(pointwise<N>::shape(p));
    size(count);
    for (std::size_t i = 0; i < count; ++i) put(i, pointwise<N>::at(n, p, i));
  } else {
    auto const r = n.forward(s);
    std::size_t const count = size_of(r.value);
    size(count);
    for (std::size_t i = 0; i < count; ++i) put(i, elem(r.value, i));
  }
}

}  // namespace tapeless::detail
