// The laws of the reductions along an axis (include/tapeless/expr/axis.hpp): tl::sum, tl::mean,
// tl::max, tl::min and tl::logsumexp with tl::axis<0> (over the rows: one number per column) and
// tl::axis<1> (one per row), on vars and on elementwise trees, static and runtime matrices whose lines
// leave SIMD tails (1, lanes - 1, lanes + 1, large): values, gradients against central differences and
// the exact adjoint, dual tangents and forward-mode Jacobians (test/law/). Ties go to each line's first
// extreme element; an empty axis throws tl::shape_error; a vector's axis 0 is the whole reduction.
#define BOOST_TEST_MODULE expr_axis
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "law/check.hpp"
#include "support/compare.hpp"
#include "support/errors.hpp"

using float_types = std::tuple<float, double>;
using dvec = std::vector<double>;

namespace {

/// A reduction of one line (its elements in order) to a number, and its gradient for adjoint 1.
struct line_rule {
  std::function<double(dvec const&)> value;
  std::function<dvec(dvec const&)> gradient;
};

line_rule const sum_line{[](dvec const& l) {
                           double s = 0;
                           for (double v : l) s += v;
                           return s;
                         },
                         [](dvec const& l) { return dvec(l.size(), 1.0); }};
line_rule const mean_line{[](dvec const& l) { return sum_line.value(l) / double(l.size()); },
                          [](dvec const& l) { return dvec(l.size(), 1.0 / double(l.size())); }};
line_rule extreme_line(bool largest) {
  auto pick = [largest](dvec const& l) {
    return std::size_t((largest ? std::max_element(l.begin(), l.end()) : std::min_element(l.begin(), l.end())) - l.begin());
  };
  return {[pick](dvec const& l) { return l[pick(l)]; },
          [pick](dvec const& l) {
            dvec g(l.size());
            g[pick(l)] = 1;
            return g;
          }};
}
line_rule const logsumexp_line{[](dvec const& l) {
                                 double const m = *std::max_element(l.begin(), l.end());
                                 double s = 0;
                                 for (double v : l) s += std::exp(v - m);
                                 return m + std::log(s);
                               },
                               [](dvec const& l) {
                                 double const y = logsumexp_line.value(l);
                                 dvec g(l.size());
                                 for (std::size_t k = 0; k < l.size(); ++k) g[k] = std::exp(l[k] - y);
                                 return g;
                               }};

/// The law of `rule` along axis `axis` of an R x C matrix (flat, row-major), after the elementwise
/// map g (identity or 2 sin(x) + x) on each element.
law::spec along(std::string name, line_rule const& rule, std::size_t axis, std::size_t R, std::size_t C, bool through_sin) {
  std::size_t const lines = axis == 0 ? C : R, length = axis == 0 ? R : C;
  auto at = [=](std::size_t j, std::size_t k) { return axis == 0 ? k * C + j : j * C + k; };
  auto g = [=](double x) { return through_sin ? 2 * std::sin(x) + x : x; };
  auto dg = [=](double x) { return through_sin ? 2 * std::cos(x) + 1 : 1.0; };
  auto line = [=](dvec const& x, std::size_t j) {
    dvec l(length);
    for (std::size_t k = 0; k < length; ++k) l[k] = g(x[at(j, k)]);
    return l;
  };
  return {std::move(name),
          [=](dvec const& x) {
            dvec y(lines);
            for (std::size_t j = 0; j < lines; ++j) y[j] = rule.value(line(x, j));
            return y;
          },
          {}, {},
          [=](dvec const& x, dvec const& s) {
            dvec grad(x.size());
            for (std::size_t j = 0; j < lines; ++j) {
              auto const gl = rule.gradient(line(x, j));
              for (std::size_t k = 0; k < length; ++k) grad[at(j, k)] += s[j] * gl[k] * dg(x[at(j, k)]);
            }
            return grad;
          }};
}

/// Every reduction along both axes of x (and of 2 sin(x) + x), as laws.
template <law::depth Depth = law::depth::basic, class M>
void all_reductions(M const& x0, std::size_t R, std::size_t C) {
  // On the var itself (picks go back in place) and on a fused elementwise tree of it.
  auto run = [&](std::string const& what, line_rule const& rule, auto op0, auto op1) {
    auto tree = [](auto op) { return [op](auto const& x) { return op(tl::sin(x) * 2 + x); }; };
    law::check<Depth>(along(what + "(x, axis<0>)", rule, 0, R, C, false), op0, x0);
    law::check<Depth>(along(what + "(x, axis<1>)", rule, 1, R, C, false), op1, x0);
    law::check<Depth>(along(what + "(2 sin(x) + x, axis<0>)", rule, 0, R, C, true), tree(op0), x0);
    law::check<Depth>(along(what + "(2 sin(x) + x, axis<1>)", rule, 1, R, C, true), tree(op1), x0);
  };
  run("tl::sum", sum_line, [](auto const& e) { return tl::sum(e, tl::axis<0>); }, [](auto const& e) { return tl::sum(e, tl::axis<1>); });
  run("tl::mean", mean_line, [](auto const& e) { return tl::mean(e, tl::axis<0>); },
      [](auto const& e) { return tl::mean(e, tl::axis<1>); });
  run("tl::max", extreme_line(true), [](auto const& e) { return tl::max(e, tl::axis<0>); },
      [](auto const& e) { return tl::max(e, tl::axis<1>); });
  run("tl::min", extreme_line(false), [](auto const& e) { return tl::min(e, tl::axis<0>); },
      [](auto const& e) { return tl::min(e, tl::axis<1>); });
  run("tl::logsumexp", logsumexp_line, [](auto const& e) { return tl::logsumexp(e, tl::axis<0>); },
      [](auto const& e) { return tl::logsumexp(e, tl::axis<1>); });
}

auto const entries = law::uniform(-3, 3);

}  // namespace

BOOST_AUTO_TEST_SUITE(laws)

// Runtime matrices whose lines (along either axis) have 1, 7, 9, 17 and 33 elements: the SIMD tails
// of double and float on AVX2 and AVX-512.
BOOST_AUTO_TEST_CASE_TEMPLATE(runtime_matrices, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  for (auto [R, C] : std::vector<std::pair<std::size_t, std::size_t>>{{1, 1}, {1, 7}, {7, 1}, {3, 9}, {17, 4}, {2, 33}, {33, 3}})
    all_reductions<law::depth::exhaustive>(law::random_like(tl::dmat<T>(R, C), entries, gen), R, C);
}

// A static matrix: the result is a static vector of the other extent.
BOOST_AUTO_TEST_CASE_TEMPLATE(static_matrix, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  all_reductions<law::depth::exhaustive>(law::random_like(tl::mat<T, 3, 5>{}, entries, gen), 3, 5);
  using M = tl::var<tl::mat<T, 3, 5>>;
  static_assert(std::is_same_v<typename decltype(tl::sum(std::declval<M const&>(), tl::axis<0>))::value_type, tl::vec<T, 5>>);
  static_assert(std::is_same_v<typename decltype(tl::logsumexp(std::declval<M const&>(), tl::axis<1>))::value_type, tl::vec<T, 3>>);
  static_assert(std::is_same_v<typename decltype(tl::max(std::declval<tl::var<tl::dmat<T>> const&>(), tl::axis<1>))::value_type,
                               tl::dvec<T>>);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(edges)

// Exact values: sums and means of each line, the extreme of each line with ties going to the first,
// and logsumexp shifted per line (large rows do not overflow, a row of -inf gives -inf).
BOOST_AUTO_TEST_CASE(exact_values_and_ties) {
  tl::var<tl::dmat<double>> X{tl::dmat<double>{{1, 5, 5}, {2, 0, 2}}};
  BOOST_TEST(support::close_all(tl::value(tl::sum(X, tl::axis<0>)), {3, 5, 7}, 0));
  BOOST_TEST(support::close_all(tl::value(tl::sum(X, tl::axis<1>)), {11, 4}, 0));
  BOOST_TEST(support::close_all(tl::value(tl::mean(X, tl::axis<1>)), {11.0 / 3, 4.0 / 3}, 1e-15));
  auto const mx = tl::max(X, tl::axis<1>);
  BOOST_TEST(support::close_all(tl::value(mx), {5, 2}, 0));
  // Row 0's 5 and row 1's 2 tie: the first of each gets the derivative.
  BOOST_TEST(support::close_all(tl::gradient(tl::dot(mx, tl::vec<double, 2>{10, 20}), X), {0, 10, 0, 20, 0, 0}, 0));
  BOOST_TEST(support::close_all(tl::gradient(tl::sum(tl::min(X, tl::axis<0>)), X), {1, 0, 0, 0, 1, 1}, 0));

  tl::var<tl::dmat<double>> big{tl::dmat<double>{{1000, 1000}, {-INFINITY, -INFINITY}}};
  auto const l = tl::value(tl::logsumexp(big, tl::axis<1>));
  BOOST_TEST(l[0] == 1000 + std::log(2.0));
  BOOST_TEST(l[1] == -INFINITY);
  BOOST_TEST(support::close_all(tl::gradient(tl::logsumexp(big, tl::axis<1>)[0], big), {0.5, 0.5, 0, 0}, 1e-15));
  // Along axis 0 likewise; a NaN makes its own line NaN and no other; a +inf gives +inf.
  auto const l0 = tl::value(tl::logsumexp(tl::transpose(big), tl::axis<0>));
  BOOST_TEST(l0[0] == 1000 + std::log(2.0));
  BOOST_TEST(l0[1] == -INFINITY);
  tl::var<tl::dmat<float>> odd{tl::dmat<float>{{1, NAN, 2}, {INFINITY, 0, 1}, {3, 4, 5}}};
  for (auto const& v : {tl::value(tl::logsumexp(odd, tl::axis<1>)), tl::value(tl::logsumexp(tl::transpose(odd), tl::axis<0>))}) {
    BOOST_TEST(std::isnan(v[0]));
    BOOST_TEST(v[1] == INFINITY);
    BOOST_TEST(v[2] == float(5 + std::log(1 + std::exp(-1.0) + std::exp(-2.0))), boost::test_tools::tolerance(1e-6f));
  }
  // The gradient of each line is the whole-array rule's: NaN at the +inf (semantics.md), 0 elsewhere in
  // its line, and the same on duals (reverse and forward modes agree on it).
  auto const row_inf = tl::gradient(tl::logsumexp(odd, tl::axis<1>)[1], odd);
  tl::var<tl::dvec<float>> row{tl::dvec<float>{INFINITY, 0, 1}};
  auto const whole = tl::gradient(tl::logsumexp(row), row);
  BOOST_TEST(std::isnan(whole[0]));
  BOOST_TEST(std::isnan(row_inf(1, 0)));
  for (std::size_t k : {0u, 1u, 2u, 4u, 5u, 6u, 7u, 8u}) BOOST_TEST(row_inf.data()[k] == 0.0f);
  auto const col_inf = tl::gradient(tl::logsumexp(tl::transpose(odd), tl::axis<0>)[1], odd);
  BOOST_TEST(std::isnan(col_inf(1, 0)));
  BOOST_TEST(col_inf(1, 1) == 0.0f);
}

// Float sums along an axis accumulate in double, as tl::sum does: 2^24 + 1 + 1 + ... is not stuck.
BOOST_AUTO_TEST_CASE(float_sums_accumulate_in_double) {
  std::size_t const n = 1000;
  tl::dmat<float> m(n, 1);
  for (std::size_t i = 0; i < n; ++i) m(i, 0) = 1.0f;
  m(0, 0) = 16777216.0f;
  tl::var<tl::dmat<float>> X{m};
  BOOST_TEST(tl::value(tl::sum(X, tl::axis<0>))[0] == float(16777216.0 + double(n - 1)));
  BOOST_TEST(tl::value(tl::sum(tl::transpose(X), tl::axis<1>))[0] == float(16777216.0 + double(n - 1)));
}

// Along the one axis of a vector: the whole reduction (a scalar).
BOOST_AUTO_TEST_CASE(vector_axis_zero_is_the_whole_reduction) {
  tl::var<tl::dvec<double>> x{tl::dvec<double>{1, 4, 2}};
  auto const s = tl::sum(x, tl::axis<0>);
  static_assert(std::is_same_v<typename std::remove_cvref_t<decltype(s)>::value_type, double>);
  BOOST_TEST(tl::value(s) == 7);
  BOOST_TEST(tl::value(tl::max(x, tl::axis<0>)) == 4);
}

// A mean, max, min or logsumexp of an empty axis throws before anything moves; a sum of one is 0.
BOOST_AUTO_TEST_CASE(empty_axis) {
  using support::shape_error_of;
  tl::var<tl::dmat<double>> X{tl::dmat<double>(0, 3)};
  BOOST_TEST(shape_error_of([&] { tl::value(tl::mean(X, tl::axis<0>)); }) == "tl::mean(e, tl::axis<0>): the axis is empty (shape (0, 3))");
  BOOST_TEST(shape_error_of([&] { tl::value(tl::max(X, tl::axis<0>)); }) == "tl::max(e, tl::axis<0>): the axis is empty (shape (0, 3))");
  BOOST_TEST(shape_error_of([&] { tl::gradient(tl::sum(tl::logsumexp(X, tl::axis<0>)), X); }) ==
             "tl::logsumexp(e, tl::axis<0>): the axis is empty (shape (0, 3))");
  BOOST_TEST(support::close_all(tl::value(tl::sum(X, tl::axis<0>)), {0, 0, 0}, 0));
  BOOST_TEST(tl::value(tl::max(X, tl::axis<1>)).size() == 0u);  // no lines: nothing to reduce
}

// A max along an axis of a fused tree runs the tree at the one element of each line: sqrt at 0
// elsewhere must not make 0 * inf = NaN, in reverse or forward mode.
BOOST_AUTO_TEST_CASE(max_of_fused_tree_reads_one_element_per_line) {
  tl::var<tl::dmat<double>> X{tl::dmat<double>{{0, 4}, {9, 0}}};
  auto const g = tl::gradient(tl::sum(tl::max(tl::sqrt(X), tl::axis<1>)), X);
  BOOST_TEST(support::close_all(g, {0, 0.25, 1.0 / 6, 0}, 1e-15));
  tl::var<tl::dvec<double>> v{tl::dvec<double>{0, 4, 9, 0}};
  auto const y = tl::max(tl::sqrt(tl::reshape(v, 2, 2)), tl::axis<0>);
  auto const jf = tl::jacobian(y, v, tl::forward_mode);
  auto const jr = tl::jacobian(y, v, tl::reverse_mode);
  BOOST_TEST(support::close_all(jf, {0, 0, 1.0 / 6, 0, 0, 0.25, 0, 0}, 1e-15));
  BOOST_TEST(support::close_all(jr, {0, 0, 1.0 / 6, 0, 0, 0.25, 0, 0}, 1e-15));
}

BOOST_AUTO_TEST_SUITE_END()
