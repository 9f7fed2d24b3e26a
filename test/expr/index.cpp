// The laws of indexing (include/tapeless/expr/index.hpp): e[i] (an element of a vector, a row of a
// matrix), e(i, j) and e(i, j, k) on vars and on any expression, matmul results included; value,
// adjoint against finite differences and the exact one-hot gradient, forward against reverse
// (test/law/). Indices out of range throw tl::shape_error.
#define BOOST_TEST_MODULE expr_index
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <string>
#include <tuple>
#include <vector>

#include "law/check.hpp"
#include "law/shapes.hpp"
#include "support/compare.hpp"

using float_types = std::tuple<float, double>;
using dvec = std::vector<double>;

namespace {

/// Picks elements [first, first + count) of the flat input.
law::spec pick_spec(std::string name, std::size_t first, std::size_t count) {
  return {std::move(name),
          [=](dvec const& x) { return dvec(x.begin() + first, x.begin() + first + count); },
          {}, {},
          [=](dvec const& x, dvec const& s) {
            dvec g(x.size());
            for (std::size_t k = 0; k < count; ++k) g[first + k] = s[k];
            return g;
          }};
}

auto const entries = law::uniform(-3, 3);

}  // namespace

BOOST_AUTO_TEST_SUITE(laws)

BOOST_AUTO_TEST_CASE_TEMPLATE(vector_element, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  for (std::size_t n : law::sizes)
    for (std::size_t i : {std::size_t{0}, n / 2, n - 1})
      law::check<law::depth::exhaustive>(pick_spec("x[" + std::to_string(i) + "]", i, 1),
                                   [i](auto const& x) { return x[i]; }, law::random_like(tl::dvec<T>(n), entries, gen));
  law::check(pick_spec("x[3]", 3, 1), [](auto const& x) { return x[3]; }, law::random_like(tl::vec<T, 5>{}, entries, gen));
  law::check(pick_spec("x(16)", 16, 1), [](auto const& x) { return x(16); }, law::random_like(tl::vec<T, 17>{}, entries, gen));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(matrix_row_and_element, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  law::check(pick_spec("m[1] (a row)", 5, 5), [](auto const& m) { return m[1]; }, law::random_like(tl::mat<T, 3, 5>{}, entries, gen));
  law::check(pick_spec("m(2, 4)", 14, 1), [](auto const& m) { return m(2, 4); }, law::random_like(tl::mat<T, 3, 5>{}, entries, gen));
  law::check<law::depth::full>(pick_spec("m[2] (a row)", 8, 4), [](auto const& m) { return m[2]; },
                               law::random_like(tl::dmat<T>(3, 4), entries, gen));
  law::check(pick_spec("m(1, 3)", 7, 1), [](auto const& m) { return m(1, 3); }, law::random_like(tl::dmat<T>(3, 4), entries, gen));
  law::check(pick_spec("t(1, 2) of a 2x3x4 tensor", 20, 4), [](auto const& t) { return t(1, 2); },
             law::random_like(tl::tensor<T, 2, 3, 4>{}, entries, gen));
  law::check(pick_spec("t(1, 0, 3) of a 2x3x4 tensor", 15, 1), [](auto const& t) { return t(1, 0, 3); },
             law::random_like(tl::tensor<T, 2, 3, 4>{}, entries, gen));
}

// An index on any expression is an expression: indexing a matmul result, an elementwise result, a row of
// a row.
BOOST_AUTO_TEST_CASE_TEMPLATE(index_of_expressions, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  // matmul(a, b)(i, j) for a 3x4, b 4x2: sum_p a(i, p) b(p, j).
  auto mm_elem = [](std::size_t i, std::size_t j) {
    return law::spec{"matmul(a, b)(" + std::to_string(i) + ", " + std::to_string(j) + ")",
                     [=](dvec const& x) {
                       double s = 0;
                       for (std::size_t p = 0; p < 4; ++p) s += x[i * 4 + p] * x[12 + p * 2 + j];
                       return dvec{s};
                     },
                     {}, {},
                     [=](dvec const& x, dvec const& w) {
                       dvec g(x.size());
                       for (std::size_t p = 0; p < 4; ++p) {
                         g[i * 4 + p] = w[0] * x[12 + p * 2 + j];
                         g[12 + p * 2 + j] = w[0] * x[i * 4 + p];
                       }
                       return g;
                     }};
  };
  law::check(mm_elem(2, 1), [](auto const& a, auto const& b) { return tl::matmul(a, b)(2, 1); },
             law::random_like(tl::mat<T, 3, 4>{}, entries, gen), law::random_like(tl::mat<T, 4, 2>{}, entries, gen));
  law::check<law::depth::full>(mm_elem(0, 0), [](auto const& a, auto const& b) { return tl::matmul(a, b)(0, 0); },
                               law::random_like(tl::dmat<T>(3, 4), entries, gen), law::random_like(tl::dmat<T>(4, 2), entries, gen));
  // matmul(a, b)[1]: the second row, then [1][0] its first element.
  law::spec const row{"matmul(a, b)[1]",
                      [](dvec const& x) {
                        dvec y(2);
                        for (std::size_t j = 0; j < 2; ++j)
                          for (std::size_t p = 0; p < 4; ++p) y[j] += x[4 + p] * x[12 + p * 2 + j];
                        return y;
                      },
                      {}, {}, {}};
  law::check(row, [](auto const& a, auto const& b) { return tl::matmul(a, b)[1]; },
             law::random_like(tl::mat<T, 3, 4>{}, entries, gen), law::random_like(tl::mat<T, 4, 2>{}, entries, gen));
  law::check(mm_elem(1, 0), [](auto const& a, auto const& b) { return tl::matmul(a, b)[1][0]; },
             law::random_like(tl::dmat<T>(3, 4), entries, gen), law::random_like(tl::dmat<T>(4, 2), entries, gen));
  // exp(x)[i] and (x * x)[i] + x[0]: the index of an elementwise expression.
  law::spec const e{"exp(x)[4] + (x * x)[4] * x[0]",
                    [](dvec const& x) { return dvec{std::exp(x[4]) + x[4] * x[4] * x[0]}; },
                    {}, {},
                    [](dvec const& x, dvec const& w) {
                      dvec g(x.size());
                      g[4] = w[0] * (std::exp(x[4]) + 2 * x[4] * x[0]);
                      g[0] += w[0] * x[4] * x[4];
                      return g;
                    }};
  auto const op = [](auto const& x) { return tl::exp(x)[4] + (x * x)[4] * x[0]; };
  law::check<law::depth::full>(e, op, law::random_like(tl::dvec<T>(9), entries, gen));
  law::check(e, op, law::random_like(tl::vec<T, 8>{}, entries, gen));
}

// Elements of vars and lets give their adjoints and tangents in place (index.hpp, backward_block and
// tangent_block): forward mode agrees with reverse mode through x[i], l[i], l(i) of a matrix let and
// an index of an index, at sizes on both sides of a SIMD width.
BOOST_AUTO_TEST_CASE_TEMPLATE(forward_and_reverse_agree_through_indices_of_vars_and_lets, T, float_types) {
  for (std::size_t n : {3u, 9u, 17u}) {
    tl::dvec<T> x0(n);
    for (std::size_t i = 0; i < n; ++i) x0[i] = T(0.2) + T(0.1) * T(i);
    tl::var<tl::dvec<T>> x{x0};
    auto l = tl::let(tl::exp(x));
    tl::var<tl::mat<T, 2, 3>> m{{T(1), T(2), T(3)}, {T(4), T(5), T(6)}};
    auto lm = tl::let(m * T(2));
    auto y = x * l[1] + l * x[n - 1] + x[0] * lm(1, 2) * lm[0][1];
    auto const fx = tl::jacobian(y, x, tl::forward_mode);
    auto const rx = tl::jacobian(y, x, tl::reverse_mode);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) {
        // dy_i/dx_j, exact: [i == j](l1 + l_i x_{n-1}) + x_i [j == 1] l_1 + l_i [j == n-1] + [j == 0] lm(1,2) lm(0,1)
        double const xi = double(x0[i]), li = std::exp(xi), l1 = std::exp(double(x0[1]));
        double want = (i == j ? l1 + li * double(x0[n - 1]) : 0.0) + (j == 1 ? xi * l1 : 0.0) +
                      (j == n - 1 ? li : 0.0) + (j == 0 ? 12.0 * 4.0 : 0.0);
        BOOST_TEST(support::close(fx(i, j), want, support::tol<T>.value),
                   "forward dy" << i << "/dx" << j << ", n = " << n);
        BOOST_TEST(support::close(rx(i, j), want, support::tol<T>.value),
                   "reverse dy" << i << "/dx" << j << ", n = " << n);
      }
    }
    // The matrix let's elements in reverse mode: dsum(y)/dm(1, 2) = 2 lm(0, 1) sum_i x_0 = 8 n x_0, and
    // dsum(y)/dm(0, 1) = 2 lm(1, 2) n x_0 = 24 n x_0.
    auto const gm = tl::gradient(tl::sum(y), m);
    double const nx0 = double(n) * double(x0[0]);
    BOOST_TEST(std::abs(double(gm(1, 2)) - 8.0 * nx0) <= 1e-4 * nx0);
    BOOST_TEST(std::abs(double(gm(0, 1)) - 24.0 * nx0) <= 1e-4 * nx0);
    BOOST_TEST(double(gm(0, 0)) == 0.0);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(edges)

// Reference case 1: the gradient of y(0, 0) (and of the row y[0]) with y = matmul(w, x) is exact.
BOOST_AUTO_TEST_CASE(gradient_of_an_element_of_a_matmul) {
  tl::var<tl::mat<double, 2, 2>> w{{1.0, 2.3}, {4.5, 6.7}};
  tl::mat<double, 2, 1> const x{{1.2}, {2.3}};
  auto const y = tl::matmul(w, x);
  BOOST_TEST(tl::gradient(y(0, 0), w) == (tl::mat<double, 2, 2>{{1.2, 2.3}, {0, 0}}));
  BOOST_TEST(tl::gradient(y[0], w) == (tl::mat<double, 2, 2>{{1.2, 2.3}, {0, 0}}));
  BOOST_TEST(tl::gradient(y(1, 0), w) == (tl::mat<double, 2, 2>{{0, 0}, {1.2, 2.3}}));
  tl::var<tl::dmat<double>> dw{{1.0, 2.3}, {4.5, 6.7}};
  tl::dmat<double> const dx{{1.2}, {2.3}};
  BOOST_TEST(tl::gradient(tl::matmul(dw, dx)(0, 0), dw) == (tl::dmat<double>{{1.2, 2.3}, {0, 0}}));
}

// Indices out of range throw tl::shape_error naming the index and the shape: at once for a static shape,
// when evaluated for a runtime one; nothing is evaluated or changed.
BOOST_AUTO_TEST_CASE(out_of_range_throws) {
  tl::var<tl::vec<double, 3>> v{1.0, 2.0, 3.0};
  BOOST_CHECK_THROW(v[3], tl::shape_error);
  BOOST_CHECK_THROW(v(7), tl::shape_error);
  BOOST_CHECK_THROW((v * v)[3], tl::shape_error);
  BOOST_CHECK_THROW(v[-1], tl::shape_error);  // a negative index wraps to a huge one
  tl::var<tl::mat<double, 2, 3>> m{{1, 2, 3}, {4, 5, 6}};
  BOOST_CHECK_THROW(m[2], tl::shape_error);
  BOOST_CHECK_THROW(m(1, 3), tl::shape_error);
  BOOST_CHECK_THROW(m(2, 0), tl::shape_error);
  BOOST_CHECK_THROW(tl::matmul(m, v)[2], tl::shape_error);
  try {
    (void)m(1, 3);
  } catch (tl::shape_error const& e) {
    std::string const what = e.what();
    BOOST_TEST(what.find("(1, 3)") != std::string::npos);
    BOOST_TEST(what.find("(2, 3)") != std::string::npos);
  }

  tl::var<tl::dvec<double>> d{1.0, 2.0, 3.0};
  auto const past = d[3];
  BOOST_CHECK_THROW(tl::value(past), tl::shape_error);
  BOOST_CHECK_THROW(tl::gradient(past, d), tl::shape_error);
  BOOST_CHECK_THROW(tl::value(tl::exp(d)[5]), tl::shape_error);
  tl::var<tl::dmat<double>> dm{{1, 2}, {3, 4}};
  BOOST_CHECK_THROW(tl::value(dm(0, 2)), tl::shape_error);
  BOOST_CHECK_THROW(tl::value(dm[2]), tl::shape_error);
  BOOST_CHECK_THROW(tl::value(tl::matmul(dm, d)[0]), tl::shape_error);  // the matmul itself does not fit
  // The index is checked against the current extents: growing the var makes it valid.
  d = tl::dvec<double>{1.0, 2.0, 3.0, 4.0};
  BOOST_TEST(tl::value(past) == 4.0);
  BOOST_TEST(tl::gradient(past, d) == (tl::dvec<double>{0, 0, 0, 1}));
}

// A row of a matrix is a vector expression that can be indexed, reduced and differentiated.
BOOST_AUTO_TEST_CASE(rows_are_vectors) {
  tl::var<tl::mat<double, 2, 3>> m{{1, 2, 3}, {4, 5, 6}};
  auto const r = tl::value(m[1]);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(r)>, tl::vec<double, 3>>);
  BOOST_TEST(r == (tl::vec<double, 3>{4, 5, 6}));
  BOOST_TEST(tl::value(m[1][2]) == 6.0);
  BOOST_TEST(tl::gradient(tl::sum(tl::square(m[0])), m) == (tl::mat<double, 2, 3>{{2, 4, 6}, {0, 0, 0}}));
  BOOST_TEST(tl::gradient(m[0][1] * m[1][1], m) == (tl::mat<double, 2, 3>{{0, 5, 0}, {0, 2, 0}}));
}

BOOST_AUTO_TEST_SUITE_END()
