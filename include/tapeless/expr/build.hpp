// tapeless/expr/build.hpp: building and reshaping arrays: tl::stack, tl::concat, tl::reshape,
// tl::slice, tl::row, tl::col.
//
// None of them computes anything: each moves elements, so its backward moves the adjoint back and its
// tangent moves the operand's tangent the same way. A slice, a row and a column are blocks of their
// operand (block_node): like e[i] (index.hpp) they pass their adjoint down to a var or a let where it
// was read (`adds_blocks`), so they cost what they touch, never the size of what they are taken from.
#pragma once

#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "base.hpp"
#include "elementwise.hpp"

namespace tapeless::detail {

// ---- blocks: slice, row, col ---------------------------------------------------------------------

/// Where a block lies in its operand: element k at flat index offset + k stride.
struct block_place {
  std::size_t offset;
  std::size_t stride;
};

[[noreturn]] inline void throw_out_of_range(std::string_view what, std::string const& part, std::string const& shape) {
  throw shape_error(std::string(what) + ": " + part + " is out of range for shape " + shape);
}

/// A row (A = 1: its length is the number of columns) or a column (A = 0) of a matrix of type V.
template <class V, std::size_t A>
struct vector_along {
  using type = dvec<element_t<V>>;
};
template <class T, std::size_t R, std::size_t C, std::size_t A>
struct vector_along<tensor<T, R, C>, A> {
  using type = vec<T, A == 0 ? R : C>;
};

/// tl::slice(e, begin, count): elements [begin, begin + count) of a vector.
struct slice_kind {
  std::size_t begin, count;
  template <class V>
  using value = dvec<element_t<V>>;
  extents<1> extents_for(extents<1> const&) const { return {count}; }
  block_place place(extents<1> const& e) const {
    if (begin > e[0] || count > e[0] - begin)
      throw_out_of_range("tl::slice", "elements [" + std::to_string(begin) + ", " + std::to_string(begin + count) + ")",
                         format_extents(e));
    return {begin, 1};
  }
};
/// tl::slice<B, N>(e): the same with a static begin and count.
template <std::size_t B, std::size_t N>
struct static_slice_kind {
  template <class V>
  using value = vec<element_t<V>, N>;
  extents<1> extents_for(extents<1> const&) const { return {N}; }
  block_place place(extents<1> const& e) const { return slice_kind{B, N}.place(e); }
};
/// tl::row(e, i): row i of a matrix.
struct row_kind {
  std::size_t i;
  template <class V>
  using value = typename vector_along<V, 1>::type;
  extents<1> extents_for(extents<2> const& e) const { return {e[1]}; }
  block_place place(extents<2> const& e) const {
    if (i >= e[0]) throw_out_of_range("tl::row", "row " + std::to_string(i), format_extents(e));
    return {i * e[1], 1};
  }
};
/// tl::col(e, j): column j of a matrix.
struct col_kind {
  std::size_t j;
  template <class V>
  using value = typename vector_along<V, 0>::type;
  extents<1> extents_for(extents<2> const& e) const { return {e[0]}; }
  block_place place(extents<2> const& e) const {
    if (j >= e[1]) throw_out_of_range("tl::col", "column " + std::to_string(j), format_extents(e));
    return {j, e[1]};
  }
};

/// Gives adjoints back to elements of n's value: each(give) calls give(i, a) for every element i
/// reached and its adjoint a (an element named twice adds). In place for a var, a let, or a block or
/// index of them (`adds_blocks`), through the fused tree at each element for a fused map, else as one
/// array of n's shape, zero but for those elements. Blocks, index lists, reductions along an axis that
/// pick one element per line: each costs what it touches where the operand allows.
template <class N, class R, class Each>
void give_back_elements(N const& n, sweep& s, R const& r, Each const& each) {
  using element = element_t<typename N::value_type>;
  if constexpr (requires { N::adds_blocks; }) {
    each([&](std::size_t i, element a) { n.backward_block(s, r, i, a); });
  } else if constexpr (fused_map_node<N>) {
    each([&](std::size_t i, element a) { fused_back_at(n, s, i, r, a); });
  } else {
    auto g = zeros_like(r.value);
    each([&](std::size_t i, element a) { g.data()[i] += a; });
    n.backward(s, r, std::move(g));
  }
}

/// The tangents of elements of n's value in pass p: each(tangent_at) reads tangent_at(i) for every
/// element i it wants, read at that element alone for a var, a let or a fused map (as give_back_elements).
template <class N, class R, class Each>
void take_tangent_elements(N const& n, tangent_pass const& p, R const& r, Each const& each) {
  using element = element_t<typename N::value_type>;
  if constexpr (requires { N::adds_blocks; }) {
    each([&](std::size_t i) { return n.template tangent_block<element>(p, r, i, {}); });
  } else if constexpr (fused_map_node<N>) {
    each([&](std::size_t i) { return element(fused_tangent_at_record(n, r, i, p)); });
  } else {
    auto const t = n.tangent(p, r);
    each([&](std::size_t i) { return element(t.data()[i]); });
  }
}

/// A block of the operand's elements, evenly spaced (a slice, a row, a column).
template <class N, class Kind>
struct block_node : expr_base<block_node<N, Kind>> {
  using child_value = typename N::value_type;
  using value_type = typename Kind::template value<child_value>;
  using element = element_t<value_type>;
  static constexpr bool active = N::active;
  /// Built in place, the child's record first (docs/design.md, "Records are built in place").
  struct record {
    record_t<N> child;
    block_place place;
    value_type value;
    record(block_node const& self, sweep& s)
        : child(self.n_.forward(s)), place(self.k_.place(extents_of(child.value))), value(self.take(child.value, place)) {}
  };
  N n_;
  Kind k_;

  record forward(sweep& s) const { return record(*this, s); }
  value_type take(child_value const& x, block_place p) const {
    value_type v = make_value<value_type>(k_.extents_for(extents_of(x)));
    for (std::size_t k = 0, n = v.size(); k < n; ++k) v.data()[k] = x.data()[p.offset + k * p.stride];
    return v;
  }
  void backward(sweep& s, record const& r, value_type const& a) const { backward_block(s, r, 0, a); }
  /// A var, a let, or a block or index of them, takes the adjoint where it was read; any other
  /// expression gets an array of its own shape, zero but for the block.
  static constexpr bool adds_blocks = true;
  template <class B>
  void backward_block(sweep& s, record const& r, std::size_t offset, B const& a) const {
    auto const at = [&](std::size_t k) { return r.place.offset + (offset + k) * r.place.stride; };
    if constexpr (requires { N::adds_blocks; })
      if (r.place.stride == 1) return n_.backward_block(s, r.child, at(0), a);
    give_back_elements(n_, s, r.child, [&](auto give) {
      for (std::size_t k = 0, n = size_of(a); k < n; ++k) give(at(k), elem(a, k));
    });
  }
  value_type tangent(tangent_pass const& p, record const& r) const {
    return tangent_block<value_type>(p, r, 0, extents_of(r.value));
  }
  /// Forward mode likewise: a var's or a let's tangent is read at the block, not copied whole.
  template <class B>
  B tangent_block(tangent_pass const& p, record const& r, std::size_t offset, extents<rank_v<B>> const& e) const {
    auto const at = [&](std::size_t k) { return r.place.offset + (offset + k) * r.place.stride; };
    if constexpr (requires { N::adds_blocks; })
      if (r.place.stride == 1) return n_.template tangent_block<B>(p, r.child, at(0), e);
    B b = make_value<B>(e);
    take_tangent_elements(n_, p, r.child, [&](auto tangent_at) {
      for (std::size_t k = 0, n = size_of(b); k < n; ++k) elem(b, k) = tangent_at(at(k));
    });
    return b;
  }
};

// ---- reshape ---------------------------------------------------------------------------------------

/// The same elements in row-major order, with the extents of V.
template <class N, class V>
struct reshape_node : expr_base<reshape_node<N, V>> {
  using child_value = typename N::value_type;
  using value_type = V;
  static constexpr bool active = N::active;
  struct record {
    record_t<N> child;
    value_type value;
    record(reshape_node const& self, sweep& s) : child(self.n_.forward(s)), value(self.moved(child.value)) {}
  };
  N n_;
  extents<rank_v<V>> to_;

  record forward(sweep& s) const { return record(*this, s); }
  V moved(child_value const& x) const {
    if (size_of(x) != flat_count(to_))
      throw shape_error("tl::reshape: shape " + format_extents(extents_of(x)) + " (" + std::to_string(size_of(x)) +
                        " elements) cannot become shape " + format_extents(to_) + " (" +
                        std::to_string(flat_count(to_)) + " elements)");
    return copied<V>(x, to_);
  }
  template <class W, class X>
  static W copied(X const& x, extents<rank_v<W>> const& e) {
    W w = make_value<W>(e);
    for (std::size_t k = 0, n = size_of(w); k < n; ++k) w.data()[k] = x.data()[k];
    return w;
  }
  static std::size_t flat_count(extents<rank_v<V>> const& e) {
    std::size_t n = 1;
    for (auto x : e) n *= x;
    return n;
  }
  void backward(sweep& s, record const& r, V const& a) const {
    n_.backward(s, r.child, copied<child_value>(a, extents_of(r.child.value)));
  }
  V tangent(tangent_pass const& p, record const& r) const { return copied<V>(n_.tangent(p, r.child), to_); }
};

// ---- concat ----------------------------------------------------------------------------------------

/// The value of tl::concat(a, b): vectors end to end, or the rows of b below those of a.
template <class A, class B>
struct concat_value {
  using type = std::conditional_t<rank_v<A> == 2, dmat<element_t<A>>, dvec<element_t<A>>>;
};
template <class T, std::size_t N, std::size_t M>
struct concat_value<tensor<T, N>, tensor<T, M>> {
  using type = tensor<T, N + M>;
};
template <class T, std::size_t R1, std::size_t R2, std::size_t C>
struct concat_value<tensor<T, R1, C>, tensor<T, R2, C>> {
  using type = tensor<T, R1 + R2, C>;
};

/// Named in the diagnostic of tl::concat so that both shapes are printed.
template <class A, class B>
struct concat_shapes_fit {
  static constexpr bool value = A::rank == B::rank && (A::rank == 1 || A::rank == 2);
};
template <std::size_t R1, std::size_t C1, std::size_t R2, std::size_t C2>
struct concat_shapes_fit<shape<R1, C1>, shape<R2, C2>> {
  static constexpr bool value = C1 == C2;
};

template <class L, class R>
struct concat_node : expr_base<concat_node<L, R>> {
  using left_value = typename L::value_type;
  using right_value = typename R::value_type;
  using value_type = typename concat_value<left_value, right_value>::type;
  static constexpr bool active = L::active || R::active;
  struct record {
    record_t<L> left;
    record_t<R> right;
    value_type value;
    record(concat_node const& self, sweep& s)
        : left(self.l_.forward(s)), right(self.r_.forward(s)), value(joined(left.value, right.value)) {}
  };
  L l_;
  R r_;

  record forward(sweep& s) const { return record(*this, s); }
  template <class X, class Z>
  static value_type joined(X const& x, Z const& z) {
    auto const ex = extents_of(x);
    auto const ez = extents_of(z);
    extents<rank_v<value_type>> e = ex;
    e[0] += ez[0];
    if constexpr (rank_v<value_type> == 2)
      if (ex[1] != ez[1])
        throw shape_error("tl::concat: shapes " + format_extents(ex) + " and " + format_extents(ez) +
                          " have different numbers of columns");
    value_type y = make_value<value_type>(e);
    std::size_t const n = size_of(x);
    for (std::size_t k = 0; k < n; ++k) y.data()[k] = x.data()[k];
    for (std::size_t k = 0, m = size_of(z); k < m; ++k) y.data()[n + k] = z.data()[k];
    return y;
  }
  void backward(sweep& s, record const& r, value_type const& a) const {
    if constexpr (L::active) l_.backward(s, r.left, block_of<left_value>(a, 0, extents_of(r.left.value)));
    if constexpr (R::active)
      r_.backward(s, r.right, block_of<right_value>(a, size_of(r.left.value), extents_of(r.right.value)));
  }
  value_type tangent(tangent_pass const& p, record const& r) const {
    return joined(tangent_of(l_, p, r.left), tangent_of(r_, p, r.right));
  }
};

// ---- stack -----------------------------------------------------------------------------------------

/// The value of tl::stack of n values of type V: a vector of n numbers, or n rows.
template <std::size_t N, class V>
struct stack_value {
  using type = dmat<element_t<V>>;  // n runtime vectors
};
template <std::size_t N, class T>
  requires(rank_v<T> == 0)
struct stack_value<N, T> {
  using type = vec<T, N>;
};
template <std::size_t N, class T, std::size_t... D>
struct stack_value<N, tensor<T, D...>> {
  using type = tensor<T, N, D...>;
};

template <class... N>
struct stack_node : expr_base<stack_node<N...>> {
  using part_value = typename std::tuple_element_t<0, std::tuple<N...>>::value_type;
  using value_type = typename stack_value<sizeof...(N), part_value>::type;
  static constexpr bool active = (N::active || ...);
  static constexpr std::size_t count = sizeof...(N);
  struct record {
    std::tuple<record_t<N>...> parts;
    value_type value;
    record(stack_node const& self, sweep& s)
        : parts(std::apply([&](auto const&... n) { return std::tuple<record_t<N>...>{n.forward(s)...}; }, self.n_)),
          value(stacked(parts, [](auto const& part) -> auto const& { return part.value; })) {}
  };
  std::tuple<N...> n_;

  record forward(sweep& s) const { return record(*this, s); }
  /// The values of(part) of the parts, one after the other.
  template <class Parts, class Of>
  static value_type stacked(Parts const& parts, Of const& of) {
    auto const e0 = extents_of(of(std::get<0>(parts)));
    extents<rank_v<value_type>> e{};
    e[0] = count;
    for (std::size_t a = 0; a < e0.size(); ++a) e[a + 1] = e0[a];
    value_type y = make_value<value_type>(e);
    std::size_t const w = size_of(of(std::get<0>(parts)));
    for_each_index<count>([&](auto k) {
      auto const& v = of(std::get<k>(parts));
      if constexpr (rank_v<part_value> == 0) {
        y.data()[k] = v;
      } else {
        if (extents_of(v) != e0) throw_shapes("tl::stack", "argument shapes", e0, extents_of(v));
        for (std::size_t i = 0; i < w; ++i) y.data()[k * w + i] = v.data()[i];
      }
    });
    return y;
  }
  void backward(sweep& s, record const& r, value_type const& a) const {
    for_each_index<count>([&](auto k) {
      using P = std::tuple_element_t<k, std::tuple<N...>>;
      if constexpr (P::active) {
        auto const& rec = std::get<k>(r.parts);
        std::size_t const w = size_of(rec.value);
        std::get<k>(n_).backward(s, rec, block_of<part_value>(a, k * w, extents_of(rec.value)));
      }
    });
  }
  value_type tangent(tangent_pass const& p, record const& r) const {
    auto const tangents = [&]<std::size_t... k>(std::index_sequence<k...>) {
      return std::tuple{tangent_of(std::get<k>(n_), p, std::get<k>(r.parts))...};
    }(std::make_index_sequence<count>{});
    return stacked(tangents, [](auto const& t) -> auto const& { return t; });
  }
};

template <class N, class Kind>
struct leaf_kinds<block_node<N, Kind>> : leaf_kinds<N> {};

/// The element type the arguments of tl::stack share: the first expression's or value's.
template <class... A>
struct first_element {
  using type = void;
};
template <class A, class... B>
struct first_element<A, B...> {
  using type = std::conditional_t<std::is_void_v<typename operand_element<A>::type>, typename first_element<B...>::type,
                                  typename operand_element<A>::type>;
};

/// Named in the diagnostics of tl::slice, tl::row and tl::col so that the shape is printed.
template <class S>
struct is_vector_shape {
  static constexpr bool value = S::rank == 1;
};
template <class S>
struct is_matrix_shape {
  static constexpr bool value = S::rank == 2;
};
/// tl::slice<B, N>(e) on a static vector of M elements: B + N <= M.
template <std::size_t B, std::size_t N, class S>
struct slice_within {
  static constexpr bool value = true;
};
template <std::size_t B, std::size_t N, std::size_t M>
struct slice_within<B, N, shape<M>> {
  static constexpr bool value = B + N <= M;
};
/// tl::reshape<S>(e) of a static e: the same number of elements.
template <class From, class To>
struct same_element_count {
  static constexpr bool value = true;
};
template <std::size_t... F, std::size_t... T>
struct same_element_count<shape<F...>, shape<T...>> {
  static constexpr bool value = (F * ...) == (T * ...);
};

template <class Kind, class E>
auto make_block(E const& e, Kind k) {
  using N = node_t<E>;
  return block_node<N, Kind>{{}, as_node(e), k};
}

template <class S, class T>
struct tensor_of_shape;
template <std::size_t... D, class T>
struct tensor_of_shape<shape<D...>, T> {
  using type = tensor<T, D...>;
};

}  // namespace tapeless::detail

namespace tapeless {

/// Scalars to a vector, vectors to the rows of a matrix (equal shapes): `tl::stack(f0, f1, f2)` is a
/// vec of three expressions, differentiable like any other. Plain numbers mix in as constants.
///
///     auto r = tl::stack(x[0] * x[1] - 1.0, x[0] - x[1]);   // a residual, a vec<2> expression
template <class... E>
  requires(sizeof...(E) >= 1 && (operand<E> && ...) && (expression<E> || ...))
auto stack(E const&... e) {
  using T = typename detail::first_element<E...>::type;
  using E0 = std::tuple_element_t<0, std::tuple<E...>>;
  using P0 = typename decltype(detail::node_of<T>(std::declval<E0 const&>()))::value_type;
  constexpr bool same = (std::is_same_v<typename decltype(detail::node_of<T>(e))::value_type, P0> && ...);
  if constexpr (!same) {
    static_assert((detail::shapes_agree<detail::shape_t<P0>, detail::shape_t<typename decltype(detail::node_of<T>(e))::value_type>>::value && ...),
                  "tl::stack(e...): every argument must have the same shape (and element type)");
    return;
  } else if constexpr (detail::rank_v<P0> >= 2 && !detail::is_static_v<P0>) {
    static_assert(detail::is_static_v<P0>, "tl::stack(e...): runtime matrices cannot be stacked (no rank-3 runtime value)");
    return;
  } else {
    return detail::stack_node<decltype(detail::node_of<T>(e))...>{{}, {detail::node_of<T>(e)...}};
  }
}

/// a and b end to end: two vectors, or the rows of b below the rows of a (equal numbers of columns).
///
///     auto z = tl::concat(x, tl::exp(y));   // a vector of x.size() + y.size() elements
template <class A, class B>
  requires(operand<A> && operand<B> && (expression<A> || expression<B>))
auto concat(A const& a, B const& b) {
  using T = detail::common_element_t<A, B>;
  using L = decltype(detail::node_of<T>(a));
  using R = decltype(detail::node_of<T>(b));
  using LV = typename L::value_type;
  using RV = typename R::value_type;
  using fit = detail::concat_shapes_fit<detail::shape_t<LV>, detail::shape_t<RV>>;
  if constexpr (!fit::value) {
    static_assert(fit::value,
                  "tl::concat(a, b): a and b must be two vectors, or two matrices with the same number of columns");
    return;
  } else {
    return detail::concat_node<L, R>{{}, detail::node_of<T>(a), detail::node_of<T>(b)};
  }
}

/// The elements of e in row-major order, with the static shape S (`tl::shape<2, 3>`): the numbers of
/// elements must agree (a compile error for a static e, tl::shape_error for a runtime one).
///
///     auto m = tl::reshape<tl::shape<2, 3>>(v);   // a vec<6> as a 2 x 3 matrix
template <class S, class E>
  requires expression<E>
auto reshape(E const& e) {
  using N = detail::node_t<E>;
  using V = typename N::value_type;
  using W = typename detail::tensor_of_shape<S, detail::element_t<V>>::type;
  using fit = detail::same_element_count<detail::shape_t<V>, S>;
  if constexpr (detail::rank_v<V> == 0) {
    static_assert(detail::rank_v<V> != 0, "tl::reshape<S>(e): e must be a vector, matrix or tensor, not a scalar");
    return;
  } else if constexpr (!fit::value) {
    static_assert(fit::value, "tl::reshape<S>(e): S must have as many elements as e's shape");
    return;
  } else {
    return detail::reshape_node<N, W>{{}, detail::as_node(e), W::extents()};
  }
}

/// The elements of e in row-major order as a rows x cols matrix with runtime extents (tl::shape_error
/// when rows * cols is not e's size).
///
///     auto m = tl::reshape(v, 2, 3);   // a dmat
template <class E>
  requires expression<E>
auto reshape(E const& e, std::size_t rows, std::size_t cols) {
  using N = detail::node_t<E>;
  using V = typename N::value_type;
  static_assert(detail::rank_v<V> != 0, "tl::reshape(e, rows, cols): e must be a vector, matrix or tensor, not a scalar");
  return detail::reshape_node<N, dmat<detail::element_t<V>>>{{}, detail::as_node(e), {rows, cols}};
}

/// Elements [begin, begin + count) of a vector expression, as a tl::dvec expression; the backward pass
/// costs `count`, not the vector's size. Out of range: tl::shape_error.
///
///     auto head = tl::slice(x, 0, 3);
template <class E>
  requires expression<E>
auto slice(E const& e, std::size_t begin, std::size_t count) {
  using V = typename detail::node_t<E>::value_type;
  static_assert(detail::is_vector_shape<detail::shape_t<V>>::value, "tl::slice(e, begin, count): e must be a vector");
  return detail::make_block(e, detail::slice_kind{begin, count});
}

/// Elements [B, B + N) of a vector expression, as a tl::vec<T, N> expression (a compile error when e
/// has a static size below B + N, tl::shape_error for a runtime one).
///
///     auto tail = tl::slice<3, 2>(x);   // x[3], x[4]
template <std::size_t B, std::size_t N, class E>
  requires expression<E>
auto slice(E const& e) {
  using V = typename detail::node_t<E>::value_type;
  using S = detail::shape_t<V>;
  if constexpr (!detail::is_vector_shape<S>::value) {
    static_assert(detail::is_vector_shape<S>::value, "tl::slice<B, N>(e): e must be a vector");
    return;
  } else if constexpr (!detail::slice_within<B, N, S>::value) {
    static_assert(detail::slice_within<B, N, S>::value, "tl::slice<B, N>(e): elements [B, B + N) must lie within e");
    return;
  } else {
    return detail::make_block(e, detail::static_slice_kind<B, N>{});
  }
}

/// Row i of a matrix expression (as e[i]), a vector expression; out of range: tl::shape_error.
template <class E>
  requires expression<E>
auto row(E const& e, std::size_t i) {
  using V = typename detail::node_t<E>::value_type;
  static_assert(detail::is_matrix_shape<detail::shape_t<V>>::value, "tl::row(e, i): e must be a matrix");
  return detail::make_block(e, detail::row_kind{i});
}

/// Column j of a matrix expression, a vector expression; its backward pass costs the number of rows.
/// Out of range: tl::shape_error.
///
///     auto first = tl::col(X, 0);
template <class E>
  requires expression<E>
auto col(E const& e, std::size_t j) {
  using V = typename detail::node_t<E>::value_type;
  static_assert(detail::is_matrix_shape<detail::shape_t<V>>::value, "tl::col(e, j): e must be a matrix");
  return detail::make_block(e, detail::col_kind{j});
}

namespace detail {
/// What `tl::vec{f0, f1, f2}` of expressions deduces to: a type whose only use is the message.
template <class... E>
struct vector_of_expressions {
  static_assert(sizeof...(E) == 0,
                "tl::vec{e0, e1, ...} holds numbers; to build a vector expression from expressions, use tl::stack(e0, e1, ...)");
};
}  // namespace detail

/// `tl::vec{f0, f1, f2}` (or `tl::tensor{...}`) with an expression among the elements: a compile
/// error that names tl::stack, which builds the vector expression.
template <class E, class... F>
  requires(expression<E> || (expression<F> || ...))
tensor(E const&, F const&...) -> tensor<detail::vector_of_expressions<E, F...>, 1 + sizeof...(F)>;

}  // namespace tapeless
