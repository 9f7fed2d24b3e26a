// tapeless/expr/gather.hpp: arrays made by moving elements to places given by index: tl::gather and
// tl::scatter_add (by lists of indices), tl::diag and tl::lower_triangular (a matrix from a parameter
// vector, and a matrix's diagonal).
//
// Each is a linear map that sends element `in` of its operand to element `out` of its result, for a
// list of pairs (out, in); a result element no pair names is 0, one named twice is the sum. The
// backward pass sends the adjoint of `out` back to `in` (in place for a var or a let: it costs the
// pairs, not the operand's size), the tangent moves the same way as the value.
#pragma once

#include <concepts>
#include <cstddef>
#include <memory>
#include <ranges>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "base.hpp"
#include "build.hpp"

namespace tapeless::detail {

/// A list of indices shared by the copies of an expression (an expression is copied into each one
/// built on it; the list is not).
using index_list = std::shared_ptr<std::vector<std::size_t> const>;

/// The indices of a range of integers (a std::vector<int>, a std::span<std::size_t const>, an
/// initializer list...), copied: a negative one throws tl::shape_error naming it.
template <class R>
index_list copy_indices(R const& r, std::string_view what) {
  auto v = std::make_shared<std::vector<std::size_t>>();
  if constexpr (std::ranges::sized_range<R const>) v->reserve(std::ranges::size(r));
  std::size_t k = 0;
  for (auto const& i : r) {
    if (std::cmp_less(i, 0))
      throw shape_error(std::string(what) + ": index " + std::to_string(i) + " (at position " + std::to_string(k) +
                        ") is negative");
    v->push_back(static_cast<std::size_t>(i));
    ++k;
  }
  return v;
}

/// The row length of a value of extents e: 1 for a vector (its elements are moved), the columns for a
/// matrix (its rows are moved whole).
template <std::size_t R>
std::size_t row_length(extents<R> const& e) {
  if constexpr (R == 1)
    return 1;
  else
    return e[1];
}

/// For each k, the elements of row k (of a result or operand of extents' row length) paired with those
/// of row idx[k]: f(k-th, idx[k]-th) for each column.
template <std::size_t R, class F>
void rows_by_index(std::vector<std::size_t> const& idx, extents<R> const& e, F&& f) {
  std::size_t const w = row_length(e);
  for (std::size_t k = 0; k < idx.size(); ++k)
    for (std::size_t c = 0; c < w; ++c) f(k * w + c, idx[k] * w + c);
}

/// The runtime-extent value of an index list's result: a dvec of a vector's elements, a dmat of rows.
template <class V>
using indexed_rows_value = std::conditional_t<rank_v<V> == 1, dvec<element_t<V>>, dmat<element_t<V>>>;

/// tl::gather(e, idx): row (or element) idx[k] of e is row k of the result.
struct gather_kind {
  index_list idx;
  template <class V>
  using value = indexed_rows_value<V>;
  template <std::size_t R>
  extents<R> extents_for(extents<R> const& e) const {
    for (std::size_t k = 0; k < idx->size(); ++k)
      if ((*idx)[k] >= e[0])
        throw shape_error("tl::gather: index " + std::to_string((*idx)[k]) + " (at position " + std::to_string(k) +
                          ") is out of range for shape " + format_extents(e));
    extents<R> out = e;
    out[0] = idx->size();
    return out;
  }
  template <std::size_t R, class F>
  void pairs(extents<R> const& e, F&& f) const {
    rows_by_index(*idx, e, f);  // (out, in)
  }
};

/// tl::scatter_add(e, idx, n): row (or element) k of e is added to row idx[k] of an n-row result.
struct scatter_add_kind {
  index_list idx;
  std::size_t n;
  template <class V>
  using value = indexed_rows_value<V>;
  template <std::size_t R>
  extents<R> extents_for(extents<R> const& e) const {
    if (idx->size() != e[0])
      throw shape_error("tl::scatter_add: " + std::to_string(idx->size()) + " indices for shape " + format_extents(e) +
                        " (one index per " + (R == 1 ? "element" : "row") + ")");
    for (std::size_t k = 0; k < idx->size(); ++k)
      if ((*idx)[k] >= n)
        throw shape_error("tl::scatter_add: index " + std::to_string((*idx)[k]) + " (at position " + std::to_string(k) +
                          ") is out of range for " + std::to_string(n) + (R == 1 ? " elements" : " rows"));
    extents<R> out = e;
    out[0] = n;
    return out;
  }
  template <std::size_t R, class F>
  void pairs(extents<R> const& e, F&& f) const {
    rows_by_index(*idx, e, [&](std::size_t k_th, std::size_t idx_th) { f(idx_th, k_th); });  // (out, in)
  }
};

/// A square matrix of the vector of type V on its diagonal, or the diagonal of a matrix of type V.
template <class V>
struct diagonal_of {};
template <class T, std::size_t N>
struct diagonal_of<tensor<T, N>> {
  using type = tensor<T, N, N>;
};
template <class T>
struct diagonal_of<dvec<T>> {
  using type = dmat<T>;
};
template <class T, std::size_t R, std::size_t C>
struct diagonal_of<tensor<T, R, C>> {
  using type = tensor<T, (R < C ? R : C)>;
};
template <class T>
struct diagonal_of<dmat<T>> {
  using type = dvec<T>;
};

/// tl::diag(v): v on the diagonal of a square matrix; tl::diag(m): the diagonal of a matrix.
struct diag_kind {
  template <class V>
  using value = typename diagonal_of<V>::type;
  template <std::size_t R>
  auto extents_for(extents<R> const& e) const {
    if constexpr (R == 1)
      return extents<2>{e[0], e[0]};
    else
      return extents<1>{e[0] < e[1] ? e[0] : e[1]};
  }
  template <std::size_t R, class F>
  void pairs(extents<R> const& e, F&& f) const {
    if constexpr (R == 1)
      for (std::size_t i = 0; i < e[0]; ++i) f(i * e[0] + i, i);
    else
      for (std::size_t i = 0, n = e[0] < e[1] ? e[0] : e[1]; i < n; ++i) f(i, i * e[1] + i);
  }
};

/// tl::lower_triangular(v, n): the n x n lower triangular matrix whose rows, in order, hold v's
/// elements: row i has elements i (i + 1) / 2 .. i (i + 1) / 2 + i (with `strict`, the part below
/// the diagonal: row i has i elements from i (i - 1) / 2, and the diagonal is 0).
template <std::size_t N = 0>
struct lower_triangular_kind {
  std::size_t n;
  bool strict;
  template <class V>
  using value = std::conditional_t<N == 0, dmat<element_t<V>>, tensor<element_t<V>, N, N>>;
  /// How many elements a lower triangle of n x n holds.
  static constexpr std::size_t packed(std::size_t n, bool strict) { return strict ? n * (n - 1) / 2 : n * (n + 1) / 2; }
  extents<2> extents_for(extents<1> const& e) const {
    std::size_t const need = n == 0 ? 0 : packed(n, strict);
    if (e[0] != need)
      throw shape_error(std::string(strict ? "tl::strictly_lower_triangular" : "tl::lower_triangular") + ": shape " +
                        format_extents(e) + " for a " + std::to_string(n) + " x " + std::to_string(n) +
                        " matrix, which takes " + std::to_string(need) + " elements");
    return {n, n};
  }
  template <class F>
  void pairs(extents<1> const&, F&& f) const {
    std::size_t k = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < (strict ? i : i + 1); ++j) f(i * n + j, k++);
  }
};

/// The linear map of Kind (a list of pairs (out, in): element `in` of the operand is added to element
/// `out` of the result, which is 0 elsewhere).
template <class N, class Kind>
struct moved_node : expr_base<moved_node<N, Kind>> {
  using child_value = typename N::value_type;
  using value_type = typename Kind::template value<child_value>;
  static constexpr bool active = N::active;
  struct record {
    record_t<N> child;
    value_type value;
    record(moved_node const& self, sweep& s) : child(self.n_.forward(s)), value(self.moved(child.value)) {}
  };
  N n_;
  Kind k_;

  record forward(sweep& s) const { return record(*this, s); }
  value_type moved(child_value const& x) const {
    auto v = make_value<value_type>(k_.extents_for(extents_of(x)));  // checked before anything is written
    k_.pairs(extents_of(x), [&](std::size_t out, std::size_t in) { v.data()[out] += x.data()[in]; });
    return v;
  }
  void backward(sweep& s, record const& r, value_type const& a) const {
    give_back_elements(n_, s, r.child, [&](auto give) {
      k_.pairs(extents_of(r.child.value), [&](std::size_t out, std::size_t in) { give(in, a.data()[out]); });
    });
  }
  value_type tangent(tangent_pass const& tp, record const& r) const {
    auto t = zeros_like(r.value);
    take_tangent_elements(n_, tp, r.child, [&](auto tangent_at) {
      k_.pairs(extents_of(r.child.value), [&](std::size_t out, std::size_t in) { t.data()[out] += tangent_at(in); });
    });
    return t;
  }
};

/// tl::lower_triangular<N>(v) of a static v: it must hold N (N + 1) / 2 elements (named so that the
/// shape is printed).
template <std::size_t N, class S, bool Strict>
struct fills_triangle {
  static constexpr bool value = true;
};
template <std::size_t N, std::size_t M, bool Strict>
struct fills_triangle<N, shape<M>, Strict> {
  static constexpr bool value = M == (Strict ? N * (N - 1) / 2 : N * (N + 1) / 2);
};

template <class S>
struct is_vector_or_matrix_shape {
  static constexpr bool value = S::rank == 1 || S::rank == 2;
};

template <class E, class Kind>
auto make_moved(E const& e, Kind k) {
  return moved_node<node_t<E>, Kind>{{}, as_node(e), std::move(k)};
}

template <std::size_t N, bool Strict, class E>
auto make_triangle(E const& e, std::size_t n) {
  using V = typename node_t<E>::value_type;
  if constexpr (!is_vector_shape<shape_t<V>>::value) {
    static_assert(is_vector_shape<shape_t<V>>::value, "tl::lower_triangular(e, n) and tl::strictly_lower_triangular(e, n): e must be a vector");
    return;
  } else if constexpr (N != 0 && !fills_triangle<N, shape_t<V>, Strict>::value) {
    static_assert(fills_triangle<N, shape_t<V>, Strict>::value,
                  "tl::lower_triangular<N>(e): e must have N (N + 1) / 2 elements (N (N - 1) / 2 for strictly_lower_triangular)");
    return;
  } else {
    return make_moved(e, lower_triangular_kind<N>{n, Strict});
  }
}

}  // namespace tapeless::detail

namespace tapeless {

/// The rows (of a matrix) or elements (of a vector) of e at the given indices, in their order, as a
/// runtime-sized expression; an index may repeat. Out of range: tl::shape_error. The indices are
/// copied (any range of integers); the backward pass adds each row's adjoint back where it was read.
///
///     auto picked = tl::gather(x, std::vector<int>{2, 0, 2});   // x[2], x[0], x[2]
template <class E, class R>
  requires(expression<E> && std::ranges::input_range<R> && std::integral<std::ranges::range_value_t<R>>)
auto gather(E const& e, R const& idx) {
  using V = typename detail::node_t<E>::value_type;
  static_assert(detail::is_vector_or_matrix_shape<detail::shape_t<V>>::value, "tl::gather(e, idx): e must be a vector or a matrix");
  return detail::make_moved(e, detail::gather_kind{detail::copy_indices(idx, "tl::gather")});
}
template <class E, std::integral I>
  requires expression<E>
auto gather(E const& e, std::initializer_list<I> idx) {
  return tapeless::gather(e, std::vector<I>(idx));
}

/// A vector of n elements (a matrix of n rows) with element (row) k of e added at idx[k], zero where
/// no index points: segment sums, histograms, assembling per-element contributions into a global
/// vector. idx holds one index per element (row) of e, each below n; else tl::shape_error.
///
///     auto per_node = tl::scatter_add(element_force, element_node, n_nodes);
template <class E, class R>
  requires(expression<E> && std::ranges::input_range<R> && std::integral<std::ranges::range_value_t<R>>)
auto scatter_add(E const& e, R const& idx, std::size_t n) {
  using V = typename detail::node_t<E>::value_type;
  static_assert(detail::is_vector_or_matrix_shape<detail::shape_t<V>>::value,
                "tl::scatter_add(e, idx, n): e must be a vector or a matrix");
  return detail::make_moved(e, detail::scatter_add_kind{detail::copy_indices(idx, "tl::scatter_add"), n});
}
template <class E, std::integral I>
  requires expression<E>
auto scatter_add(E const& e, std::initializer_list<I> idx, std::size_t n) {
  return tapeless::scatter_add(e, std::vector<I>(idx), n);
}

/// Of a vector v, the square matrix with v on its diagonal (static where v is); of a matrix, its
/// diagonal as a vector.
///
///     auto D = tl::diag(tl::exp(log_d));   // a positive diagonal from free parameters
template <class E>
  requires expression<E>
auto diag(E const& e) {
  using V = typename detail::node_t<E>::value_type;
  static_assert(detail::is_vector_or_matrix_shape<detail::shape_t<V>>::value, "tl::diag(e): e must be a vector or a matrix");
  return detail::make_moved(e, detail::diag_kind{});
}

/// The n x n lower triangular matrix filled row by row from the vector e, which must hold
/// n (n + 1) / 2 elements (tl::shape_error otherwise): row i takes the next i + 1 elements. The
/// unconstrained parametrisation of a Cholesky factor, as Stan's and TensorFlow Probability's.
///
///     auto L = tl::lower_triangular(theta, 3);   // theta: 6 elements
template <class E>
  requires expression<E>
auto lower_triangular(E const& e, std::size_t n) {
  return detail::make_triangle<0, false>(e, n);
}
/// The same with a static n: a tl::mat<T, N, N> (a compile error when e's static size is not
/// N (N + 1) / 2).
template <std::size_t N, class E>
  requires expression<E>
auto lower_triangular(E const& e) {
  return detail::make_triangle<N, false>(e, N);
}
/// The part below the diagonal only, from n (n - 1) / 2 elements; the diagonal is 0 (add a
/// tl::diag of it).
template <class E>
  requires expression<E>
auto strictly_lower_triangular(E const& e, std::size_t n) {
  return detail::make_triangle<0, true>(e, n);
}
template <std::size_t N, class E>
  requires expression<E>
auto strictly_lower_triangular(E const& e) {
  return detail::make_triangle<N, true>(e, N);
}

}  // namespace tapeless
