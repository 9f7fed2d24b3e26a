// tapeless/expr/linalg.hpp: tl::matmul and tl::transpose.
#pragma once

#include <array>
#include <cstddef>
#include <utility>

#include "../kernels/matmul.hpp"
#include "elementwise.hpp"

namespace tapeless::detail {

/// True when the columns of A equal the rows of B (a vector counts as a column on the right
/// and as a row on the left). Named in the diagnostic so that both shapes are printed.
template <class A, class B>
struct matmul_inner_dimensions_agree {
  static constexpr bool value = true;
};
template <std::size_t... DA, std::size_t... DB>
struct matmul_inner_dimensions_agree<shape<DA...>, shape<DB...>> {
  static constexpr bool value = std::array<std::size_t, sizeof...(DA)>{DA...}.back() ==
                                std::array<std::size_t, sizeof...(DB)>{DB...}.front();
};

template <class A, class B>
struct matmul_result {};
template <class T, std::size_t R, std::size_t K, std::size_t C>
struct matmul_result<tensor<T, R, K>, tensor<T, K, C>> {
  using type = tensor<T, R, C>;
};
template <class T, std::size_t R, std::size_t K>
struct matmul_result<tensor<T, R, K>, tensor<T, K>> {
  using type = tensor<T, R>;
};
template <class T, std::size_t K, std::size_t C>
struct matmul_result<tensor<T, K>, tensor<T, K, C>> {
  using type = tensor<T, C>;
};
template <class A, class B>
  requires(!is_static_v<A> || !is_static_v<B>)
struct matmul_result<A, B> {
  using T = element_t<A>;
  using type = std::conditional_t<rank_v<A> + rank_v<B> == 4, dmat<T>, dvec<T>>;
};

/// The (n, k, k2, m) a matmul of these values multiplies: a is n x k, b is k2 x m.
template <class A, class B>
std::array<std::size_t, 4> matmul_dims(A const& a, B const& b) {
  auto const ea = extents_of(a);
  auto const eb = extents_of(b);
  if constexpr (rank_v<A> == 2 && rank_v<B> == 2) return {ea[0], ea[1], eb[0], eb[1]};
  else if constexpr (rank_v<A> == 2) return {ea[0], ea[1], eb[0], 1};
  else return {1, ea[0], eb[0], eb[1]};
}

/// The element type of a product whose operands may be plain reals and duals: the duals.
template <class EL, class ER>
using matmul_element_t = std::conditional_t<std::is_floating_point_v<EL>, ER, EL>;

/// A constant operand of plain reals next to duals stays plain in a product (the kernels scale the
/// duals' tangents by it) instead of becoming a matrix of duals with zero tangents.
template <class A, class T>
inline constexpr bool keeps_plain_elements = [] {
  using E = typename operand_element<A>::type;
  if constexpr (std::is_void_v<E> || std::is_void_v<T>) {
    return false;
  } else {
    return std::is_floating_point_v<E> && !std::is_same_v<E, T> && std::is_same_v<typename element_base<T>::type, E> &&
           !node_t<A>::active;
  }
}();
template <class A, class T>
using matmul_operand_element_t = std::conditional_t<keeps_plain_elements<A, T>, typename operand_element<A>::type, T>;

template <class L, class R>
struct matmul_node : expr_base<matmul_node<L, R>> {
  using left_value = typename L::value_type;
  using right_value = typename R::value_type;
  using element_type = matmul_element_t<element_t<left_value>, element_t<right_value>>;
  using value_type =
      typename matmul_result<rebind_t<left_value, element_type>, rebind_t<right_value, element_type>>::type;
  static constexpr bool active = L::active || R::active;
  /// Built in place, the operands' records first (see "Records are built in place" in docs/design.md):
  /// assembled from locals, a small static product's record was copied twice on its way out.
  struct record {
    record_t<L> left;
    record_t<R> right;
    value_type value;
    record(matmul_node const& self, sweep& s)
        : left(forward_in(self.l_, s, "tl::matmul", 1)),
          right(forward_in(self.r_, s, "tl::matmul", 2)),
          value(product(left.value, right.value)) {
      check_result_finite("tl::matmul", value, left.value, right.value);
    }
  };
  L l_;
  R r_;

  static value_type product(left_value const& x, right_value const& z) {
    auto const [n, k, k2, m] = matmul_dims(x, z);
    if (k != k2) throw_shapes("tl::matmul", "inner dimensions of shapes", extents_of(x), extents_of(z));
    // Not zero-filled here: kernels::matmul sets y to zero before adding the products. (No lambda:
    // clang 14 cannot capture the structured bindings.)
    extents<rank_v<value_type>> e{};
    if constexpr (rank_v<value_type> == 2)
      e = {n, m};
    else
      e = {rank_v<left_value> == 2 ? n : m};
    value_type y = make_for_overwrite<value_type>(e);
    kernels::matmul(y.data(), x.data(), z.data(), n, k, m);
    return y;
  }
  record forward(sweep& s) const { return record(*this, s); }
  /// An operand that is a var takes its adjoint in place: the kernel adds straight into the var's
  /// storage (zeroed first if this is the sweep's first contribution). An array made and handed over
  /// was a copy of the whole adjoint for static extents (a move copies a std::array).
  template <class N>
  static constexpr bool in_place_v = requires(N const& c) { c.zeroed_adjoint(); } && !check_finite;
  void backward(sweep& s, record const& rec, value_type const& a) const {
    auto const& x = rec.left.value;
    auto const& z = rec.right.value;
    auto const [n, k, k2, m] = matmul_dims(x, z);
    if constexpr (L::active && in_place_v<L>) {
      kernels::matmul_adjoint_left(l_.zeroed_adjoint().data(), a.data(), z.data(), n, k, m);
    } else if constexpr (L::active) {
      auto g = zeros_like(x);
      kernels::matmul_adjoint_left(g.data(), a.data(), z.data(), n, k, m);
      check_result_adjoint_finite("tl::matmul", 1, g, a, x, z);
      backward_in(l_, s, rec.left, std::move(g), "tl::matmul", 1);
    }
    if constexpr (R::active && in_place_v<R>) {
      kernels::matmul_adjoint_right(r_.zeroed_adjoint().data(), a.data(), x.data(), n, k, m);
    } else if constexpr (R::active) {
      auto g = zeros_like(z);
      kernels::matmul_adjoint_right(g.data(), a.data(), x.data(), n, k, m);
      check_result_adjoint_finite("tl::matmul", 2, g, a, x, z);
      backward_in(r_, s, rec.right, std::move(g), "tl::matmul", 2);
    }
  }
  value_type tangent(tangent_pass const& p, record const& rec) const {
    auto const& x = rec.left.value;
    auto const& z = rec.right.value;
    auto const [n, k, k2, m] = matmul_dims(x, z);
    value_type t = zeros_like(rec.value);
    if constexpr (L::active) kernels::matmul_add(t.data(), l_.tangent(p, rec.left).data(), z.data(), n, k, m);
    if constexpr (R::active) kernels::matmul_add(t.data(), x.data(), r_.tangent(p, rec.right).data(), n, k, m);
    return t;
  }
};

/// A matrix times a vector over float or double, inside a fused loop (a logistic regression's
/// `sum(y * z - log1p(exp(z)))` with `z = matmul(X, w) + b`): a leaf that reads its chunk of rows of X
/// where the loop is, not a product stored before the loop and an adjoint X^T a after it. Each row of
/// X is read once per loop, forward and backward; the product is never stored.
template <class L, class R>
inline constexpr bool fused_matvec_v = [] {
  using V = typename matmul_node<L, R>::value_type;
  using T = element_t<V>;
  return simd_array_v<V> && rank_v<typename L::value_type> == 2 && rank_v<typename R::value_type> == 1 &&
         std::is_same_v<element_t<typename L::value_type>, T> && std::is_same_v<element_t<typename R::value_type>, T> &&
         !check_finite;
}();

template <class L, class R>
  requires fused_matvec_v<L, R>
struct fuse<matmul_node<L, R>> {
  using Node = matmul_node<L, R>;
  using V = typename Node::value_type;
  using T = element_t<V>;
  using LV = typename L::value_type;
  using RV = typename R::value_type;
  static constexpr std::size_t slots = 0;
  static constexpr bool loop_node = true;
  /// The rows whose adjoints are added into the vector's at once: one multiply-add per row and chunk,
  /// into an accumulator in memory, waited on the one before (4 cycles a row against the loop's 20).
  /// A multiple of every chunk width and a divisor of the blocks of a root's loop (block_list), so a
  /// chunk never straddles two runs.
  static constexpr std::size_t gathered = 64;
  static_assert(block_list::block % gathered == 0);
  struct none {};
  template <bool Active, class A>
  using if_active = std::conditional_t<Active, A, none>;
  struct prep {
    prep(Node const& n, sweep& s)
        : left(forward_in(n.l_, s, "tl::matmul", 1)), right(forward_in(n.r_, s, "tl::matmul", 2)) {
      auto const [rows_, k_, k2, m] = matmul_dims(left.value, right.value);
      if (k_ != k2) throw_shapes("tl::matmul", "inner dimensions of shapes", extents_of(left.value), extents_of(right.value));
      rows = rows_;
      k = k_;
    }
    record_t<L> left;
    record_t<R> right;
    std::size_t rows = 0, k = 0;
    // The adjoints: of the vector summed over the loop's chunks (begin zeroes it), of the matrix a
    // row per element (every row stored once per loop); the tangent of the result, per pass.
    [[no_unique_address]] mutable if_active<R::active, RV> right_adjoint = unset_value<if_active<R::active, RV>>();
    // The chunks' adjoints of the current run of `gathered` rows: added into right_adjoint a run at a time.
    [[no_unique_address]] mutable if_active<R::active, std::array<T, gathered>> run;
    [[no_unique_address]] mutable if_active<L::active, LV> left_adjoint = unset_value<if_active<L::active, LV>>();
    [[no_unique_address]] mutable if_active<Node::active, V> tangent = unset_value<if_active<Node::active, V>>();
    mutable std::uint64_t tangent_id = 0;
    extents<1> shape() const { return {rows}; }
    T const* row(std::size_t i) const { return left.value.data() + i * k; }
  };
  template <class D>
  using chunk_type = value_chunk<D>;
  static prep prepare(Node const& n, sweep& s) { return prep(n, s); }
  static bool spreads(prep const&) { return false; }
  // Inlined where it is used: a parent whose rule does not read the product (an addition's
  // backward) then computes no dot product.
  template <class D>
  [[gnu::always_inline]] static chunk_type<D> chunk(Node const&, D d, std::size_t i, prep const& p) {
    return {simd::rows_dot(d, p.row(i), p.k, p.right.value.data(), p.k)};
  }
  static void begin(prep const& p) {
    if constexpr (R::active) p.right_adjoint = zeros_like(p.right.value);
    if constexpr (L::active)
      if (size_of(p.left_adjoint) != size_of(p.left.value)) p.left_adjoint = make_for_overwrite<LV>(extents_of(p.left.value));
  }
  // Chunks come in order of their index in every loop (blocks too), so a run ends at the chunk that
  // fills it or at the last row.
  template <std::size_t S, class D, class A, class Acc>
  static void back(Node const&, D d, std::size_t i, prep const& p, chunk_type<D> const&, A const& adjoint, Acc&) {
    auto const a = whole(d, adjoint);
    if constexpr (R::active) {
      std::size_t const end = i + simd::lane_count(d);
      simd::store(a, d, p.run.data() + i % gathered);
      if (end % gathered == 0 || end == p.rows) {
        std::size_t const start = (i / gathered) * gathered;
        simd::row_sum(p.right_adjoint.data(), p.run.data(), 1, p.row(start), p.k, end - start, p.k);
      }
    }
    if constexpr (L::active) simd::store_rows_scaled(d, a, p.right.value.data(), p.k, p.left_adjoint.data() + i * p.k, p.k);
  }
  template <std::size_t S, class Totals>
  static void finish(Node const& n, sweep& s, prep const& p, Totals const&) {
    if constexpr (L::active) backward_in(n.l_, s, p.left, std::move(p.left_adjoint), "tl::matmul", 1);
    if constexpr (R::active) backward_in(n.r_, s, p.right, std::move(p.right_adjoint), "tl::matmul", 2);
  }
  /// The adjoint `a` of element i alone (tl::max and tl::min of the tree).
  static void back_at(Node const& n, sweep& s, std::size_t i, prep const& p, T a) {
    simd::tail_tag<T> const d1;
    if constexpr (L::active) {
      auto g = zeros_like(p.left.value);
      simd::store_rows_scaled(d1, simd::splat(d1, a), p.right.value.data(), p.k, g.data() + i * p.k, p.k);
      backward_in(n.l_, s, p.left, std::move(g), "tl::matmul", 1);
    }
    if constexpr (R::active) {
      auto g = zeros_like(p.right.value);
      simd::add_rows_scaled(d1, simd::splat(d1, a), p.row(i), p.k, p.k, g.data());
      backward_in(n.r_, s, p.right, std::move(g), "tl::matmul", 2);
    }
  }
  template <class D>
  static jvp_chunk<D> jvp(Node const& n, D d, std::size_t i, prep const& p, tangent_pass const& t) {
    auto const value = simd::rows_dot(d, p.row(i), p.k, p.right.value.data(), p.k);
    if constexpr (Node::active) {
      if (p.tangent_id != t.id()) {  // the product's tangent, once per pass
        V tan = make_value<V>(p.shape());
        if constexpr (L::active)
          kernels::matmul_add(tan.data(), tangent_of(n.l_, t, p.left).data(), p.right.value.data(), p.rows, p.k, 1);
        if constexpr (R::active)
          kernels::matmul_add(tan.data(), p.left.value.data(), tangent_of(n.r_, t, p.right).data(), p.rows, p.k, 1);
        p.tangent = std::move(tan);
        p.tangent_id = t.id();
      }
      return {value, simd::load(d, p.tangent.data() + i)};
    } else {
      return {value, {}};
    }
  }
};

template <class V>
struct transposed {};
template <class T, std::size_t R, std::size_t C>
struct transposed<tensor<T, R, C>> {
  using type = tensor<T, C, R>;
};
template <class T>
struct transposed<dmat<T>> {
  using type = dmat<T>;
};

template <class N>
struct transpose_node : expr_base<transpose_node<N>> {
  using child_value = typename N::value_type;
  using value_type = typename transposed<child_value>::type;
  static constexpr bool active = N::active;
  struct record {
    value_type value;
    record_t<N> child;
  };
  N n_;

  record forward(sweep& s) const {
    auto c = n_.forward(s);
    auto const e = extents_of(c.value);
    auto y = make_value<value_type>({e[1], e[0]});
    kernels::transpose(y.data(), c.value.data(), e[0], e[1]);
    return record{std::move(y), std::move(c)};
  }
  void backward(sweep& s, record const& r, value_type const& a) const {
    auto g = zeros_like(r.child.value);
    auto const e = extents_of(a);
    kernels::transpose(g.data(), a.data(), e[0], e[1]);
    n_.backward(s, r.child, std::move(g));
  }
  value_type tangent(tangent_pass const& p, record const& r) const {
    auto const t = n_.tangent(p, r.child);
    auto const e = extents_of(t);
    value_type y = zeros_like(r.value);
    kernels::transpose(y.data(), t.data(), e[0], e[1]);
    return y;
  }
};

}  // namespace tapeless::detail

namespace tapeless {

/// The matrix product. Matrix x matrix gives a matrix, matrix x vector a vector, vector x matrix a
/// vector (the vector taken as a row). The inner dimensions must agree: a compile error for static
/// shapes, tl::shape_error for runtime extents.
template <class A, class B>
  requires(detail::function_argument<A> && detail::function_argument<B> && (expression<A> || expression<B>))
auto matmul(A const& a, B const& b) {
  using T = detail::common_element_t<A, B>;
  using TA = detail::matmul_operand_element_t<A, T>;
  using TB = detail::matmul_operand_element_t<B, T>;
  using LN = decltype(detail::node_of<TA>(a));
  using RN = decltype(detail::node_of<TB>(b));
  using LV = typename LN::value_type;
  using RV = typename RN::value_type;
  // Equal element types, or a constant of plain reals kept beside duals on purpose (TA != TB).
  static_assert(detail::element_types_agree<detail::element_t<LV>, detail::element_t<RV>>::value || !std::is_same_v<TA, TB>,
                "tl::matmul(a, b): a and b must have the same element type (a constant of plain reals may "
                "multiply duals; a var of plain reals may not, as its own derivative would be lost)");
  static_assert(detail::rank_v<LV> >= 1 && detail::rank_v<LV> <= 2 && detail::rank_v<RV> >= 1 && detail::rank_v<RV> <= 2,
                "tl::matmul(a, b): a and b must be matrices or vectors (for a scalar factor use *)");
  static_assert(detail::rank_v<LV> + detail::rank_v<RV> >= 3,
                "tl::matmul(a, b): a and b are both vectors; for their scalar product use tl::dot(a, b)");
  constexpr bool fits = !(detail::is_static_v<LV> && detail::is_static_v<RV>) ||
                        detail::matmul_inner_dimensions_agree<detail::shape_t<LV>, detail::shape_t<RV>>::value;
  if constexpr (!fits) {
    static_assert(detail::matmul_inner_dimensions_agree<detail::shape_t<LV>, detail::shape_t<RV>>::value,
                  "tl::matmul(a, b): the columns of a must equal the rows of b");
    return;  // nothing else to report
  } else {
    return detail::matmul_node<LN, RN>{{}, detail::node_of<TA>(a), detail::node_of<TB>(b)};
  }
}

/// The transpose of a matrix expression.
template <class A>
  requires(detail::function_argument<A> && !std::is_arithmetic_v<A>)
auto transpose(A const& e) {
  using N = detail::node_t<A>;
  static_assert(detail::rank_v<typename N::value_type> == 2,
                "tl::transpose(e): e must be a matrix (a vector has no orientation here; use tl::matmul with it directly)");
  return detail::transpose_node<N>{{}, detail::as_node(e)};
}

}  // namespace tapeless
