// The laws of building and reshaping arrays (include/tapeless/expr/build.hpp): tl::stack, tl::concat,
// tl::reshape, tl::slice, tl::row and tl::col on vars (whose adjoints take the blocks where they were
// read) and on expressions, static and runtime extents, sizes with SIMD tails; value, adjoint against
// central differences and the exact adjoint, forward against reverse (test/law/). The Newton residual
// built with tl::stack and its Jacobian; each runtime mistake throws tl::shape_error naming both shapes.
#define BOOST_TEST_MODULE expr_build
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
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

/// y[k] = g(x[from[k]]) for each k, g elementwise with derivative dg: what the ops below do, each
/// element of the result read from one element of the inputs.
law::spec moves_spec(std::string name, std::vector<std::size_t> const& from, std::vector<bool> const& through_exp = {}) {
  auto g = [=](std::size_t k, double x) { return k < through_exp.size() && through_exp[k] ? std::exp(x) : x; };
  return {std::move(name),
          [=](dvec const& x) {
            dvec y(from.size());
            for (std::size_t k = 0; k < from.size(); ++k) y[k] = g(k, x[from[k]]);
            return y;
          },
          {}, {},
          [=](dvec const& x, dvec const& s) {
            dvec grad(x.size());
            for (std::size_t k = 0; k < from.size(); ++k) grad[from[k]] += s[k] * (g(k, 0.0) == 1.0 ? g(k, x[from[k]]) : 1.0);
            return grad;
          }};
}

std::vector<std::size_t> range(std::size_t begin, std::size_t count, std::size_t step = 1) {
  std::vector<std::size_t> r;
  for (std::size_t k = 0; k < count; ++k) r.push_back(begin + k * step);
  return r;
}
std::vector<std::size_t> operator+(std::vector<std::size_t> a, std::vector<std::size_t> const& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
std::vector<bool> plain_then_exp(std::size_t plain, std::size_t through) {
  std::vector<bool> r(plain, false);
  r.insert(r.end(), through, true);
  return r;
}

auto const entries = law::uniform(-2, 2);

}  // namespace

BOOST_AUTO_TEST_SUITE(laws)

// A slice of a var and one of an expression, end to end: tl::slice and tl::concat on vectors.
BOOST_AUTO_TEST_CASE_TEMPLATE(slices_and_concat_of_vectors, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  for (std::size_t n : {1, 3, 7, 9, 17, 100}) {
    std::size_t const b = n / 3, c = n - n / 3;
    auto const op = [b, c](auto const& x) { return tl::concat(tl::slice(x, b, c), tl::slice(tl::exp(x), 0, c)); };
    law::check<law::depth::exhaustive>(moves_spec("concat(slice(x), slice(exp(x)))", range(b, c) + range(0, c), plain_then_exp(c, c)),
                                       op, law::random_like(tl::dvec<T>(n), entries, gen));
  }
  auto const fixed = [](auto const& x) { return tl::concat(tl::slice<2, 5>(x), tl::exp(tl::slice<0, 3>(x))); };
  law::check<law::depth::exhaustive>(moves_spec("concat(slice<2, 5>(x), exp(slice<0, 3>(x)))", range(2, 5) + range(0, 3),
                                                plain_then_exp(5, 3)),
                                     fixed, law::random_like(tl::vec<T, 9>{}, entries, gen));
  // A static slice of a runtime vector, and a slice of a slice (the blocks pass down to the var).
  law::check(moves_spec("concat(slice<2, 5>(x), exp(slice<0, 3>(x)))", range(2, 5) + range(0, 3), plain_then_exp(5, 3)),
             fixed, law::random_like(tl::dvec<T>(17), entries, gen));
  law::check(moves_spec("slice<1, 2>(slice(x, 3, 6))", range(4, 2)), [](auto const& x) { return tl::slice<1, 2>(tl::slice(x, 3, 6)); },
             law::random_like(tl::dvec<T>(9), entries, gen));
}

// Rows and columns of a var and of an expression.
BOOST_AUTO_TEST_CASE_TEMPLATE(rows_and_columns, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  auto const op = [](auto const& m) { return tl::concat(tl::row(m, 1), tl::concat(tl::col(m, 2), tl::col(tl::exp(m), 0))); };
  // For an R x C matrix: row 1, column 2, exp of column 0.
  auto spec = [](std::size_t r, std::size_t c) {
    return moves_spec("concat(row(m, 1), col(m, 2), col(exp(m), 0))", range(c, c) + range(2, r, c) + range(0, r, c),
                      plain_then_exp(c + r, r));
  };
  law::check<law::depth::exhaustive>(spec(3, 17), op, law::random_like(tl::mat<T, 3, 17>{}, entries, gen));
  for (std::size_t cols : {3, 7, 9, 17, 100})
    law::check<law::depth::exhaustive>(spec(2, cols), op, law::random_like(tl::dmat<T>(2, cols), entries, gen));
  // An element of a column passes its one-element block down.
  law::check(moves_spec("col(m, 1)[2]", {7}), [](auto const& m) { return tl::col(m, 1)[2]; },
             law::random_like(tl::mat<T, 3, 3>{}, entries, gen));
}

// Stacking scalars into a vector and vectors into the rows of a matrix.
BOOST_AUTO_TEST_CASE_TEMPLATE(stacks, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  auto const scalars = [](auto const& x) { return tl::stack(x[2], tl::exp(x[0]), x[1], x[2]); };
  law::check<law::depth::exhaustive>(moves_spec("stack(x[2], exp(x[0]), x[1], x[2])", {2, 0, 1, 2}, {false, true, false, false}),
                                     scalars, law::random_like(tl::vec<T, 3>{}, entries, gen));
  auto const rows = [](auto const& x) { return tl::stack(x, tl::exp(x)); };
  law::check<law::depth::exhaustive>(moves_spec("stack(x, exp(x))", range(0, 9) + range(0, 9), plain_then_exp(9, 9)), rows,
                                     law::random_like(tl::vec<T, 9>{}, entries, gen));
  for (std::size_t n : {1, 3, 7, 17, 100})
    law::check<law::depth::exhaustive>(moves_spec("stack(x, exp(x))", range(0, n) + range(0, n), plain_then_exp(n, n)), rows,
                                       law::random_like(tl::dvec<T>(n), entries, gen));
}

// Reshapes (static and runtime) and the rows of two matrices stacked by tl::concat.
BOOST_AUTO_TEST_CASE_TEMPLATE(reshapes_and_matrix_concat, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  auto const fixed = [](auto const& m) { return tl::concat(tl::reshape<tl::shape<4, 3>>(m), tl::reshape<tl::shape<2, 3>>(tl::exp(tl::row(m, 0)))); };
  law::check<law::depth::exhaustive>(moves_spec("concat(reshape<4, 3>(m), reshape<2, 3>(exp(row 0)))", range(0, 12) + range(0, 6),
                                                plain_then_exp(12, 6)),
                                     fixed, law::random_like(tl::mat<T, 2, 6>{}, entries, gen));
  for (std::size_t n : {3, 9, 51}) {
    auto const runtime = [n](auto const& x) { return tl::concat(tl::reshape(x, n / 3, 3), tl::reshape(tl::exp(x), n / 3, 3)); };
    law::check<law::depth::exhaustive>(moves_spec("concat(reshape(x, n / 3, 3), reshape(exp(x), n / 3, 3))",
                                                  range(0, n) + range(0, n), plain_then_exp(n, n)),
                                       runtime, law::random_like(tl::dvec<T>(n), entries, gen));
  }
}

BOOST_AUTO_TEST_SUITE_END()

// The Newton residual of the probe, F(x) = (x0^2 + x1^2 - 4, x0 x1 - 1, x2 - x0), built with tl::stack:
// its Jacobian in forward and reverse mode against the exact one, and one Newton step.
BOOST_AUTO_TEST_CASE_TEMPLATE(newton_residual_with_stack, T, float_types) {
  auto const F = [](auto const& x) { return tl::stack(x[0] * x[0] + x[1] * x[1] - 4.0, x[0] * x[1] - 1.0, x[2] - x[0]); };
  tl::vec<T, 3> const x{T(1.5), T(0.5), T(0.25)};
  tl::mat<T, 3, 3> const exact{{2 * x[0], 2 * x[1], T(0)}, {x[1], x[0], T(0)}, {T(-1), T(0), T(1)}};
  BOOST_TEST(support::close_all(tl::jacfwd(F)(x), exact, support::tol<T>.analytic));
  BOOST_TEST(support::close_all(tl::jacrev(F)(x), exact, support::tol<T>.analytic));
  tl::var<tl::vec<T, 3>> v{x};
  BOOST_TEST(support::close_all(tl::jacobian(F(v), v), exact, support::tol<T>.analytic));
  BOOST_TEST(support::close_all(tl::jacobian(F(v), v, tl::forward_mode), exact, support::tol<T>.analytic));
  auto const r = tl::value(F(v));
  BOOST_TEST(support::close_all(r, {x[0] * x[0] + x[1] * x[1] - 4, x[0] * x[1] - 1, x[2] - x[0]}, support::tol<T>.value));
}

// Second derivatives (forward over reverse: duals through the reverse sweep) through stack, slice and
// reshape, and through a broadcast: f(x) = x0 x1^2 + x1 x2^2 + sum_ij reshape(x)(i, j) x_j.
BOOST_AUTO_TEST_CASE_TEMPLATE(hessians_through_building_and_broadcasting, T, float_types) {
  auto const f = [](auto const& x) {
    return tl::sum(tl::stack(x[0] * x[1], x[1] * x[2]) * tl::slice<1, 2>(x)) +
           tl::sum(tl::reshape<tl::shape<2, 3>>(x) * tl::slice<0, 3>(x));
  };
  tl::vec<T, 6> const x{T(0.5), T(-1), T(2), T(1.5), T(0.25), T(-0.75)};
  tl::mat<T, 6, 6> exact{};
  exact(0, 1) = exact(1, 0) = 2 * x[1];
  exact(1, 1) = 2 * x[0];
  exact(1, 2) = exact(2, 1) = 2 * x[2];
  exact(2, 2) = 2 * x[1];
  for (std::size_t j = 0; j < 3; ++j) {
    exact(j, j) += 2;  // x_j x_j from row 0
    exact(j, j + 3) += 1;
    exact(j + 3, j) += 1;  // x_{3+j} x_j from row 1
  }
  BOOST_TEST(support::close_all(tl::hessian(f)(x), exact, support::tol<T>.analytic));
  tl::vec<T, 6> const v{T(1), T(0), T(0), T(0), T(0), T(1)};
  tl::vec<T, 6> want{};
  for (std::size_t i = 0; i < 6; ++i) want[i] = exact(i, 0) + exact(i, 5);
  BOOST_TEST(support::close_all(tl::hvp(f, x, v), want, support::tol<T>.analytic));
}

BOOST_AUTO_TEST_SUITE(errors)

using support::shape_error_of;

BOOST_AUTO_TEST_CASE(runtime_mistakes_name_both_shapes) {
  tl::var<tl::dvec<double>> x{tl::dvec<double>(5)};
  tl::var<tl::dvec<double>> y{tl::dvec<double>(4)};
  tl::var<tl::dmat<double>> m{tl::dmat<double>(2, 3)};
  tl::var<tl::dmat<double>> wide{tl::dmat<double>(1, 4)};
  BOOST_TEST(shape_error_of([&] { tl::value(tl::slice(x, 3, 3)); }) == "tl::slice: elements [3, 6) is out of range for shape (5)");
  BOOST_TEST(shape_error_of([&] { tl::value(tl::slice(x, 6, 0)); }) == "tl::slice: elements [6, 6) is out of range for shape (5)");
  BOOST_TEST(shape_error_of([&] { tl::value(tl::slice<4, 2>(x)); }) == "tl::slice: elements [4, 6) is out of range for shape (5)");
  BOOST_TEST(shape_error_of([&] { tl::value(tl::row(m, 2)); }) == "tl::row: row 2 is out of range for shape (2, 3)");
  BOOST_TEST(shape_error_of([&] { tl::value(tl::col(m, 3)); }) == "tl::col: column 3 is out of range for shape (2, 3)");
  BOOST_TEST(shape_error_of([&] { tl::value(tl::reshape(x, 2, 3)); }) ==
             "tl::reshape: shape (5) (5 elements) cannot become shape (2, 3) (6 elements)");
  BOOST_TEST(shape_error_of([&] { tl::value(tl::concat(m, wide)); }) ==
             "tl::concat: shapes (2, 3) and (1, 4) have different numbers of columns");
  BOOST_TEST(shape_error_of([&] { tl::value(tl::stack(x, y)); }) == "tl::stack: argument shapes (5) and (4) differ");
  // Nothing is modified: the gradient of a failing expression throws before any adjoint moves.
  BOOST_CHECK_THROW(tl::gradient(tl::sum(tl::slice(x, 4, 2)), x), tl::shape_error);
}

BOOST_AUTO_TEST_SUITE_END()
