// tapeless/expr/axis.hpp: reductions along one axis of a matrix: tl::sum(e, tl::axis<K>), and
// likewise tl::mean, tl::max, tl::min and tl::logsumexp.
//
// Along axis 0 the rows are reduced (one number per column, as NumPy's axis=0 and TensorFlow's
// reduce_*(axis=0)); along axis 1 the columns (one number per row). Each line is reduced by the same
// rule as the whole-array reduction (reduce.hpp): the same values, the same treatment of ties (the
// first extreme element of a line gets its derivative), of NaN and of infinities, and for float the
// same double accumulation.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "base.hpp"
#include "build.hpp"
#include "reduce.hpp"

namespace tapeless {

/// An axis of a matrix, for the reductions along it: `tl::sum(m, tl::axis<0>)` sums each column
/// (over the rows), `tl::axis<1>` each row.
template <std::size_t K>
struct axis_t {
  static constexpr std::size_t value = K;
};
/// The tag to pass: `tl::axis<0>` (over the rows) or `tl::axis<1>` (over the columns).
template <std::size_t K>
inline constexpr axis_t<K> axis{};

}  // namespace tapeless

namespace tapeless::detail {

/// Where the lines of a reduction along axis A of an R x C matrix lie: line j (a column for A = 0, a
/// row for A = 1) has `length` elements, its k-th at flat index j * line_step + k * step.
template <std::size_t A>
struct axis_lines {
  std::size_t lines, length, line_step, step;
  explicit axis_lines(extents<2> const& e)
      : lines(A == 0 ? e[1] : e[0]), length(A == 0 ? e[0] : e[1]), line_step(A == 0 ? 1 : e[1]), step(A == 0 ? e[1] : 1) {}
  std::size_t at(std::size_t j, std::size_t k) const { return j * line_step + k * step; }
  /// The matrix's extents.
  std::size_t rows() const { return A == 0 ? length : lines; }
  std::size_t cols() const { return A == 0 ? lines : length; }
};

/// Named in the diagnostic of a reduction along an axis the operand does not have, so that the
/// shape is printed.
template <std::size_t K, class S>
struct axis_of_matrix {
  static constexpr bool value = S::rank == 2 && K < 2;
};

/// The reduction by Rule of each line along axis Axis of a matrix: a vector of the number of columns
/// (axis 0) or rows (axis 1), static where the matrix is.
template <class Rule, class Axis, class N>
struct axis_reduce_node : expr_base<axis_reduce_node<Rule, Axis, N>> {
  static constexpr std::size_t A = Axis::value;
  using child_value = typename N::value_type;
  using element = element_t<child_value>;
  /// Along axis 0 a row's length (the columns), along axis 1 a column's (the rows).
  using value_type = typename vector_along<child_value, A == 0 ? 1 : 0>::type;
  static constexpr bool active = N::active;
  /// sum and mean need nothing but their lines' count; max, min and logsumexp keep each line's memo
  /// (the index of its extreme element; the shift, sum and exponentials).
  static constexpr bool linear = linear_sum_v<Rule>;
  /// logsumexp over float or double: the exponentials of the whole matrix in SIMD loops, kept for the
  /// backward pass (one array, no copy of each line; the whole-array rule's results, line by line).
  static constexpr bool whole_exp = std::is_same_v<Rule, logsumexp_rule> && simd_array_v<child_value> && !check_finite;
  using line_type = dvec<element>;
  using memo_type = decltype(Rule::value(std::declval<line_type const&>()).second);
  struct none {};
  /// What whole_exp keeps: exp(x - shift of its line) for every element, and each line's sum of them.
  struct exponentials {
    child_value e;
    std::vector<element> sums;
  };
  using memos_type = std::conditional_t<linear, none, std::conditional_t<whole_exp, exponentials, std::vector<memo_type>>>;
  struct record {
    record_t<N> child;
    value_type value;
    [[no_unique_address]] memos_type memos;
  };
  N n_;

  record forward(sweep& s) const {
    auto c = forward_in(n_, s, Rule::name, 1);
    axis_lines<A> const at(extents_of(c.value));
    check_lines(at, extents_of(c.value));
    auto y = make_value<value_type>({at.lines});
    record r{std::move(c), {}, {}};
    if constexpr (linear) {
      reduce_linear(r.child.value, at, y);
    } else if constexpr (whole_exp) {
      r.memos = shifted_exponentials(r.child.value, at, y);
    } else {
      r.memos.reserve(at.lines);
      line_type line(at.length);
      for (std::size_t j = 0; j < at.lines; ++j) {
        read_line(r.child.value, at, j, line);
        auto [v, memo] = Rule::value(line);
        elem(y, j) = v;
        r.memos.push_back(std::move(memo));
      }
    }
    check_result_finite(Rule::name, y, r.child.value);
    r.value = std::move(y);
    return r;
  }

  void backward(sweep& s, record const& r, value_type const& a) const {
    auto const& x = r.child.value;
    axis_lines<A> const at(extents_of(x));
    if constexpr (picks_one_v<Rule>) {
      // One element per line: given back where it lies (in place for a var, a let, a fused map).
      give_back_elements(n_, s, r.child, [&](auto give) {
        for (std::size_t j = 0; j < at.lines; ++j) give(at.at(j, r.memos[j]), elem(a, j));
      });
    } else {
      auto g = make_for_overwrite<child_value>(extents_of(x));
      if constexpr (linear) {
        element const scale = std::is_same_v<Rule, mean_rule> ? element(1) / element(at.length) : element(1);
        for (std::size_t j = 0; j < at.lines; ++j) {
          element const aj = elem(a, j) * scale;
          for (std::size_t k = 0; k < at.length; ++k) g.data()[at.at(j, k)] = aj;
        }
      } else if constexpr (whole_exp) {
        // The softmax of each line, exp(x - shift) / sum, times the line's adjoint, as the whole-array
        // rule gives it (NaN at a +inf); exactly 0 for a line whose adjoint is 0 (a line of -inf would
        // give 0 times NaN).
        element const* e = r.memos.e.data();
        for (std::size_t j = 0; j < at.lines; ++j) {
          element const aj = elem(a, j), scale = aj / r.memos.sums[j];
          for (std::size_t k = 0; k < at.length; ++k) {
            std::size_t const i = at.at(j, k);
            g.data()[i] = aj == element{} ? element{} : e[i] * scale;
          }
        }
      } else {
        line_type line(at.length);
        for (std::size_t j = 0; j < at.lines; ++j) {
          // A line nothing depends on gets zeros, not 0 times its softmax (NaN for a line of -inf). A
          // dual adjoint may be 0 with a tangent that is not: it goes through the rule.
          if (std::is_floating_point_v<element> && elem(a, j) == element{}) {
            for (std::size_t k = 0; k < at.length; ++k) g.data()[at.at(j, k)] = element{};
            continue;
          }
          read_line(x, at, j, line);
          auto const gl = Rule::adjoint(line, element(elem(r.value, j)), r.memos[j], element(elem(a, j)));
          for (std::size_t k = 0; k < at.length; ++k) g.data()[at.at(j, k)] = elem(gl, k);
        }
      }
      if constexpr (check_finite) check_result_adjoint_finite(Rule::name, 1, g, a, x);
      backward_in(n_, s, r.child, std::move(g), Rule::name, 1);
    }
  }

  value_type tangent(tangent_pass const& p, record const& r) const {
    auto const& x = r.child.value;
    axis_lines<A> const at(extents_of(x));
    auto y = make_value<value_type>({at.lines});
    if constexpr (picks_one_v<Rule>) {
      take_tangent_elements(n_, p, r.child, [&](auto tangent_at) {
        for (std::size_t j = 0; j < at.lines; ++j) elem(y, j) = tangent_at(at.at(j, r.memos[j]));
      });
    } else {
      auto const t = n_.tangent(p, r.child);
      if constexpr (linear) {
        reduce_linear(t, at, y);
      } else if constexpr (whole_exp) {
        std::vector<accumulator_t<element>> acc(at.lines);
        for (std::size_t j = 0; j < at.lines; ++j)
          for (std::size_t k = 0; k < at.length; ++k) acc[j] += r.memos.e.data()[at.at(j, k)] * t.data()[at.at(j, k)];
        for (std::size_t j = 0; j < at.lines; ++j) elem(y, j) = element(acc[j] / r.memos.sums[j]);
      } else {
        line_type line(at.length), tline(at.length);
        for (std::size_t j = 0; j < at.lines; ++j) {
          read_line(x, at, j, line);
          read_line(t, at, j, tline);
          elem(y, j) = Rule::tangent(line, element(elem(r.value, j)), r.memos[j], tline);
        }
      }
    }
    return y;
  }

 private:
  static std::string name_with_axis() { return std::string(Rule::name) + "(e, tl::axis<" + std::to_string(A) + ">)"; }
  /// A mean, max, min or logsumexp of an empty line has no value (a sum of one is 0).
  static void check_lines(axis_lines<A> const& at, extents<2> const& e) {
    if constexpr (!std::is_same_v<Rule, sum_rule>)
      if (at.length == 0 && at.lines != 0)
        throw shape_error(name_with_axis() + ": the axis is empty (shape " + format_extents(e) + ")");
  }
  template <class V>
  static void read_line(V const& x, axis_lines<A> const& at, std::size_t j, line_type& line) {
    for (std::size_t k = 0; k < at.length; ++k) line.data()[k] = x.data()[at.at(j, k)];
  }
  /// logsumexp of each line of x into y (whole_exp): each line's shift (its largest element, 0 where
  /// that is not finite, NaN where the line holds one), then exp(x - shift) of every element, kept,
  /// and summed per line.
  static exponentials shifted_exponentials(child_value const& x, axis_lines<A> const& at, value_type& y) {
    using std::log;
    std::size_t const rows = at.rows(), cols = at.cols();
    std::vector<element> shift(at.lines);
    if constexpr (A == 1) {
      for (std::size_t i = 0; i < rows; ++i) shift[i] = simd::extreme<true>(x.data() + i * cols, cols);
    } else {
      for (std::size_t j = 0; j < cols; ++j) shift[j] = x.data()[j];
      for (std::size_t i = 1; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) {
          element const v = x.data()[i * cols + j];
          if (shift[j] == shift[j] && (shift[j] < v || v != v)) shift[j] = v;  // a NaN stays
        }
    }
    for (auto& m : shift)
      if (!is_finite_element(m) && m == m) m = element{};
    // x - shift, then exp of the whole array in one SIMD loop (lines shorter than a vector, as the
    // components of a mixture, would otherwise run one lane at a time), then the sums along the rows.
    exponentials r{make_for_overwrite<child_value>(extents_of(x)), std::vector<element>(at.lines)};
    element* e = r.e.data();
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < cols; ++j) e[i * cols + j] = x.data()[i * cols + j] - shift[A == 1 ? i : j];
    simd::for_each_chunk<element>(rows * cols, [&](auto d, std::size_t i, auto) { simd::store(simd::exp(simd::load(d, e + i)), d, e + i); });
    for (std::size_t i = 0; i < rows; ++i) {
      if constexpr (A == 1) {
        element s{};
        for (std::size_t j = 0; j < cols; ++j) s += e[i * cols + j];
        r.sums[i] = s;
      } else {
        for (std::size_t j = 0; j < cols; ++j) r.sums[j] += e[i * cols + j];
      }
    }
    for (std::size_t j = 0; j < at.lines; ++j) elem(y, j) = shift[j] + element(log(r.sums[j]));
    return r;
  }
  /// The sums (or means) of x's lines into y: row after row, so that both axes read x in order; float
  /// accumulates in double, as tl::sum does.
  template <class V>
  static void reduce_linear(V const& x, axis_lines<A> const& at, value_type& y) {
    using acc_t = accumulator_t<element>;
    std::vector<acc_t> acc(at.lines, acc_t{});
    std::size_t const rows = at.rows(), cols = at.cols();
    for (std::size_t i = 0; i < rows; ++i) {
      element const* row = x.data() + i * cols;
      if constexpr (A == 0) {
        for (std::size_t j = 0; j < cols; ++j) acc[j] += row[j];
      } else {
        acc_t s{};
        for (std::size_t j = 0; j < cols; ++j) s += row[j];
        acc[i] = s;
      }
    }
    for (std::size_t j = 0; j < at.lines; ++j) {
      if constexpr (std::is_same_v<Rule, mean_rule>)
        elem(y, j) = element(acc[j] / acc_t(at.length));
      else
        elem(y, j) = element(acc[j]);
    }
  }
};

/// The node of a reduction along axis K of e: a compile error naming e's shape when e has no such axis.
/// Along the one axis of a vector it is the whole reduction.
template <class Rule, std::size_t K, class E>
auto make_axis_reduce(E const& e) {
  using N = node_t<E>;
  using V = typename N::value_type;
  if constexpr (rank_v<V> == 1 && K == 0) {
    return make_reduce<Rule>(e);
  } else if constexpr (!axis_of_matrix<K, shape_t<V>>::value) {
    static_assert(axis_of_matrix<K, shape_t<V>>::value,
                  "tl::sum/mean/max/min/logsumexp(e, tl::axis<K>): e must be a matrix and K 0 or 1 (or a vector and K 0)");
    return;
  } else {
    return axis_reduce_node<Rule, axis_t<K>, N>{{}, as_node(e)};
  }
}

}  // namespace tapeless::detail

namespace tapeless {

/// The sums along axis K of a matrix: `tl::sum(m, tl::axis<0>)` a vector of its column sums,
/// `tl::axis<1>` of its row sums. Differentiable like tl::sum; float sums accumulate in double.
///
///     auto per_row = tl::sum(tl::square(X), tl::axis<1>);   // one number per row of X
template <class A, std::size_t K>
  requires(detail::function_argument<A> && !std::is_arithmetic_v<A>)
auto sum(A const& e, axis_t<K>) {
  return detail::make_axis_reduce<detail::sum_rule, K>(e);
}
/// The means along axis K of a matrix (tl::shape_error if the axis is empty).
template <class A, std::size_t K>
  requires(detail::function_argument<A> && !std::is_arithmetic_v<A>)
auto mean(A const& e, axis_t<K>) {
  return detail::make_axis_reduce<detail::mean_rule, K>(e);
}
/// The largest element of each line along axis K; the derivative goes to the first largest of each.
template <class A, std::size_t K>
  requires(detail::function_argument<A> && !std::is_arithmetic_v<A>)
auto max(A const& e, axis_t<K>) {
  return detail::make_axis_reduce<detail::extreme_rule<true>, K>(e);
}
/// The smallest element of each line along axis K; the derivative goes to the first smallest of each.
template <class A, std::size_t K>
  requires(detail::function_argument<A> && !std::is_arithmetic_v<A>)
auto min(A const& e, axis_t<K>) {
  return detail::make_axis_reduce<detail::extreme_rule<false>, K>(e);
}
/// log(sum(exp(line))) of each line along axis K, each shifted by its own maximum.
///
///     auto log_norm = tl::logsumexp(scores, tl::axis<1>);   // one per row: a softmax's log normaliser
template <class A, std::size_t K>
  requires(detail::function_argument<A> && !std::is_arithmetic_v<A>)
auto logsumexp(A const& e, axis_t<K>) {
  return detail::make_axis_reduce<detail::logsumexp_rule, K>(e);
}

}  // namespace tapeless
