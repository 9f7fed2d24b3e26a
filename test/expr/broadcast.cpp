// The laws of broadcasting (include/tapeless/expr/detail/broadcast.hpp, the spread operands of
// expr/detail/fuse.hpp): a matrix with a 1 x C row, an R x 1 column and a vector of C elements, in both
// orders, static and runtime extents, through + - * / in one tree (the fused loops over float and
// double arrays, the plain loops of small static arrays, duals element by element), under tl::where,
// comparisons and tl::max; value, adjoint against central differences, forward against reverse
// (test/law/). The MLP layer tl::matmul(X, W) + b against its exact gradient; runtime shapes that do not
// broadcast throw tl::shape_error naming both.
#define BOOST_TEST_MODULE expr_broadcast
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

/// How an operand lies over an R x C result: which of its elements result element i reads.
enum class lies { whole, row, column, scalar };

std::size_t read_at(lies k, std::size_t i, std::size_t cols) {
  switch (k) {
    case lies::whole: return i;
    case lies::row: return i % cols;
    case lies::column: return i / cols;
    case lies::scalar: return 0;
  }
  return 0;
}
std::size_t count_of(lies k, std::size_t rows, std::size_t cols) {
  switch (k) {
    case lies::whole: return rows * cols;
    case lies::row: return cols;
    case lies::column: return rows;
    case lies::scalar: return 1;
  }
  return 0;
}
std::string name_of(lies k) {
  switch (k) {
    case lies::whole: return "matrix";
    case lies::row: return "row";
    case lies::column: return "column";
    case lies::scalar: return "scalar";
  }
  return "";
}

/// f(a, b) elementwise over an R x C result, a and b read as they lie (a's elements first in x).
template <class F>
law::spec spread_spec(std::string const& name, F f, lies ka, lies kb, std::size_t rows, std::size_t cols) {
  std::size_t const na = count_of(ka, rows, cols);
  return {name + " (" + name_of(ka) + ", " + name_of(kb) + ", " + std::to_string(rows) + " x " + std::to_string(cols) + ")",
          [=](dvec const& x) {
            dvec y(rows * cols);
            for (std::size_t i = 0; i < y.size(); ++i) y[i] = f(x[read_at(ka, i, cols)], x[na + read_at(kb, i, cols)]);
            return y;
          },
          {}, {}, {}};
}

// Every arithmetic operator in one tree: each node broadcasts b (b stays away from zero).
auto const arithmetic = [](auto const& a, auto const& b) { return a * b + a / b - b; };
auto const arithmetic_ref = [](double a, double b) { return a * b + a / b - b; };
auto const arithmetic_swapped = [](auto const& b, auto const& a) { return a * b + a / b - b; };
auto const arithmetic_swapped_ref = [](double b, double a) { return a * b + a / b - b; };
// A spread operand that is itself an elementwise tree (fused in its own loops).
auto const subtree = [](auto const& a, auto const& b) { return tl::exp(a) * tl::sin(b) + tl::square(b); };
auto const subtree_ref = [](double a, double b) { return std::exp(a) * std::sin(b) + b * b; };

auto const entries = law::uniform(-2, 2);
auto const away_from_zero = law::uniform(0.5, 2);

template <class V>
V random(V like, law::domain const& d, std::mt19937& gen) {
  return law::random_like(std::move(like), d, gen);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(laws)

// Static extents: 3 x 17 runs in the fused loops (a row's chunks cross row ends: 17 is no multiple of
// any vector width), 2 x 3 in the plain loops of small arrays.
BOOST_AUTO_TEST_CASE_TEMPLATE(static_matrix_with_row_column_and_vector, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  tl::mat<T, 3, 17> const a = random(tl::mat<T, 3, 17>{}, entries, gen);
  auto const row = random(tl::mat<T, 1, 17>{}, away_from_zero, gen);
  auto const column = random(tl::mat<T, 3, 1>{}, away_from_zero, gen);
  auto const vector = random(tl::vec<T, 17>{}, away_from_zero, gen);
  law::check<law::depth::exhaustive>(spread_spec("a * b + a / b - b", arithmetic_ref, lies::whole, lies::row, 3, 17),
                                     arithmetic, a, row);
  law::check<law::depth::exhaustive>(spread_spec("a * b + a / b - b", arithmetic_ref, lies::whole, lies::column, 3, 17),
                                     arithmetic, a, column);
  law::check<law::depth::exhaustive>(spread_spec("b first", arithmetic_swapped_ref, lies::row, lies::whole, 3, 17),
                                     arithmetic_swapped, vector, a);
  law::check<law::depth::exhaustive>(spread_spec("exp(a) sin(b) + b^2", subtree_ref, lies::whole, lies::row, 3, 17),
                                     subtree, a, row);

  tl::mat<T, 2, 3> const small = random(tl::mat<T, 2, 3>{}, entries, gen);
  law::check<law::depth::exhaustive>(spread_spec("a * b + a / b - b", arithmetic_ref, lies::whole, lies::row, 2, 3),
                                     arithmetic, small, random(tl::vec<T, 3>{}, away_from_zero, gen));
}

// Runtime extents: one instantiation serves a matrix with a row, a column or a matrix of its own shape
// (fused as before: decided when evaluated), another a matrix with a vector; sizes with SIMD tails.
BOOST_AUTO_TEST_CASE_TEMPLATE(runtime_matrix_with_row_column_and_vector, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  for (std::size_t rows : {1, 3})
    for (std::size_t cols : {1, 3, 7, 9, 17, 100}) {
      auto const a = random(tl::dmat<T>(rows, cols), entries, gen);
      auto const row = random(tl::dmat<T>(1, cols), away_from_zero, gen);
      auto const column = random(tl::dmat<T>(rows, 1), away_from_zero, gen);
      auto const whole = random(tl::dmat<T>(rows, cols), away_from_zero, gen);
      auto const vector = random(tl::dvec<T>(cols), away_from_zero, gen);
      constexpr auto all = law::depth::exhaustive;
      law::check<all>(spread_spec("a * b + a / b - b", arithmetic_ref, lies::whole, lies::row, rows, cols), arithmetic, a, row);
      law::check<all>(spread_spec("a * b + a / b - b", arithmetic_ref, lies::whole, lies::column, rows, cols), arithmetic, a,
                      column);
      law::check<all>(spread_spec("a * b + a / b - b", arithmetic_ref, lies::whole, lies::whole, rows, cols), arithmetic, a,
                      whole);
      law::check<all>(spread_spec("b first", arithmetic_swapped_ref, lies::column, lies::whole, rows, cols),
                      arithmetic_swapped, column, a);
      law::check<all>(spread_spec("a * b + a / b - b", arithmetic_ref, lies::whole, lies::row, rows, cols), arithmetic, a,
                      vector);
      law::check<all>(spread_spec("exp(a) sin(b) + b^2", subtree_ref, lies::whole, lies::row, rows, cols), subtree, a, row);
      law::check<all>(spread_spec("exp(a) sin(b) + b^2", subtree_ref, lies::whole, lies::whole, rows, cols), subtree, a,
                      whole);
    }
}

// A static row against a runtime matrix (and the other way round): spread as the runtime extents say.
BOOST_AUTO_TEST_CASE_TEMPLATE(static_row_with_runtime_matrix, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  auto const row = random(tl::mat<T, 1, 9>{}, away_from_zero, gen);
  for (std::size_t rows : {1, 4})
    law::check(spread_spec("a * b + a / b - b", arithmetic_ref, lies::whole, lies::row, rows, 9), arithmetic,
               random(tl::dmat<T>(rows, 9), entries, gen), row);
}

// tl::where, comparisons and tl::max share the rule; the derivative follows the chosen operand.
BOOST_AUTO_TEST_CASE_TEMPLATE(selection_broadcasts, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  auto const pick = [](auto const& a, auto const& b) { return tl::where(a > b, a * b, b) + tl::max(a, b * 0.5); };
  auto const pick_ref = [](double a, double b) { return (a > b ? a * b : b) + std::max(a, b * 0.5); };
  law::check(spread_spec("where(a > b, a b, b) + max(a, b / 2)", pick_ref, lies::whole, lies::column, 3, 7), pick,
             random(tl::dmat<T>(3, 7), entries, gen), random(tl::dmat<T>(3, 1), entries, gen));
  // A mask of the row's shape picks between matrices.
  auto const masked = [](auto const& a, auto const& b) { return tl::where(b > 0.0, a, -a); };
  auto const masked_ref = [](double a, double b) { return b > 0.0 ? a : -a; };
  law::check(spread_spec("where(b > 0, a, -a)", masked_ref, lies::whole, lies::row, 3, 9), masked,
             random(tl::dmat<T>(3, 9), entries, gen), random(tl::dmat<T>(1, 9), entries, gen));
}

BOOST_AUTO_TEST_SUITE_END()

// The MLP layer of the probe: tl::matmul(X, W) + b with b a 1 x 64 row; the gradient with respect to b is
// the adjoint of the layer summed over the rows.
BOOST_AUTO_TEST_CASE_TEMPLATE(mlp_layer_gradient_of_bias, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  constexpr std::size_t n = 5, k = 3, m = 64;
  auto const X = random(tl::mat<T, n, k>{}, entries, gen);
  tl::var<tl::mat<T, k, m>> W{random(tl::mat<T, k, m>{}, entries, gen)};
  tl::var<tl::mat<T, 1, m>> b{random(tl::mat<T, 1, m>{}, entries, gen)};
  auto const layer = tl::tanh(tl::matmul(tl::constant(X), W) + b);
  auto const gb = tl::gradient(tl::sum(layer), b);
  // Exact: d/db_j sum_i tanh(z_ij) = sum_i (1 - tanh(z_ij)^2), z = X W + b, in double.
  for (std::size_t j = 0; j < m; ++j) {
    double want = 0;
    for (std::size_t i = 0; i < n; ++i) {
      double z = static_cast<double>(b.value()(0, j));
      for (std::size_t p = 0; p < k; ++p) z += static_cast<double>(X(i, p)) * static_cast<double>(W.value()(p, j));
      want += 1 - std::tanh(z) * std::tanh(z);
    }
    BOOST_TEST(support::close(gb(0, j), want, support::tol<T>.analytic * 10));
  }
  // The same layer over runtime extents, b a runtime row.
  tl::dmat<T> Xd(n, k);
  for (std::size_t i = 0; i < n * k; ++i) Xd.data()[i] = X.data()[i];
  tl::var<tl::dmat<T>> Wd{tl::dmat<T>(k, m)};
  tl::var<tl::dmat<T>> bd{tl::dmat<T>(1, m)};
  tl::dmat<T> w0(k, m), b0(1, m);
  for (std::size_t i = 0; i < k * m; ++i) w0.data()[i] = W.value().data()[i];
  for (std::size_t i = 0; i < m; ++i) b0.data()[i] = b.value().data()[i];
  Wd = w0;
  bd = b0;
  auto const gbd = tl::gradient(tl::sum(tl::tanh(tl::matmul(tl::constant(Xd), Wd) + bd)), bd);
  BOOST_TEST(support::close_all(gbd, gb, support::tol<T>.value));
}

BOOST_AUTO_TEST_SUITE(errors)

using support::shape_error_of;

// Each runtime mismatch names both shapes, on the fused path (double), the plain one (duals) and in
// the selection nodes.
BOOST_AUTO_TEST_CASE(runtime_shapes_that_do_not_broadcast) {
  tl::var<tl::dmat<double>> a{tl::dmat<double>(3, 4)};
  tl::var<tl::dmat<double>> row5{tl::dmat<double>(1, 5)};
  tl::var<tl::dmat<double>> col2{tl::dmat<double>(2, 1)};
  tl::var<tl::dvec<double>> v5{tl::dvec<double>(5)};
  BOOST_TEST(shape_error_of([&] { tl::value(a + row5); }) == "tl::operator+: operand shapes (3, 4) and (1, 5) differ");
  BOOST_TEST(shape_error_of([&] { tl::value(col2 * a); }) == "tl::operator*: operand shapes (2, 1) and (3, 4) differ");
  BOOST_TEST(shape_error_of([&] { tl::value(a - v5); }) == "tl::operator-: operand shapes (3, 4) and (5) differ");
  BOOST_TEST(shape_error_of([&] { tl::gradient(tl::sum(tl::exp(a) / row5), a); }) ==
             "tl::operator/: operand shapes (3, 4) and (1, 5) differ");
  BOOST_TEST(shape_error_of([&] { tl::value(tl::where(a > 0.0, a, row5)); }) ==
             "tl::where: operand shapes (3, 4) and (1, 5) differ");
  BOOST_TEST(shape_error_of([&] { tl::value(a < v5); }) == "tl::operator<: operand shapes (3, 4) and (5) differ");
  // tl::dot takes operands of one shape (its fused loop over doubles, its plain loop over duals).
  tl::var<tl::dmat<double>> row4{tl::dmat<double>(1, 4)};
  BOOST_TEST(shape_error_of([&] { tl::value(tl::dot(a, row4)); }) == "tl::dot: operand shapes (3, 4) and (1, 4) differ");
  // A vector's one extent is not stretched: a dvec of 1 is not a scalar.
  tl::var<tl::dvec<double>> v1{tl::dvec<double>(1)};
  BOOST_TEST(shape_error_of([&] { tl::value(v5 + v1); }) == "tl::operator+: operand shapes (5) and (1) differ");
  using D = tl::dual<double, 1>;
  tl::var<tl::dmat<D>> ad{tl::dmat<D>(3, 4)};
  tl::var<tl::dmat<D>> rd{tl::dmat<D>(1, 5)};
  BOOST_TEST(shape_error_of([&] { tl::value(ad * rd); }) == "tl::operator*: operand shapes (3, 4) and (1, 5) differ");
  tl::var<tl::dmat<D>> r4{tl::dmat<D>(1, 4)};
  BOOST_TEST(shape_error_of([&] { tl::value(tl::dot(ad, r4)); }) == "tl::dot: operand shapes (3, 4) and (1, 4) differ");
}

BOOST_AUTO_TEST_SUITE_END()
