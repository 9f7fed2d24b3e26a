// The laws of tl::matmul and tl::transpose (include/tapeless/expr/linalg.hpp, kernels/matmul.hpp):
// matrix x matrix, matrix x vector, vector x matrix, static shapes from 1x1 to 17x9 * 9x4, runtime
// shapes, mixed; value against a double reference, adjoint against finite differences and the
// hand-derived formulas dA = S B^T, dB = A^T S, forward against reverse (test/law/).
#define BOOST_TEST_MODULE expr_linalg
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <string>
#include <tuple>
#include <vector>

#include "law/check.hpp"
#include "law/shapes.hpp"

using float_types = std::tuple<float, double>;
using dvec = std::vector<double>;

namespace {

/// y = A B for A (r x k) and B (k x c), given flat and concatenated: x = [A row-major, B row-major].
law::spec matmul_spec(std::string name, std::size_t r, std::size_t k, std::size_t c) {
  auto ref = [=](dvec const& x) {
    dvec y(r * c);
    for (std::size_t i = 0; i < r; ++i)
      for (std::size_t j = 0; j < c; ++j) {
        long double acc = 0;
        for (std::size_t p = 0; p < k; ++p) acc += static_cast<long double>(x[i * k + p]) * x[r * k + p * c + j];
        y[i * c + j] = double(acc);
      }
    return y;
  };
  // The hand-derived adjoints: dA = S B^T, dB = A^T S.
  auto vjp = [=](dvec const& x, dvec const& s) {
    dvec g(r * k + k * c);
    for (std::size_t i = 0; i < r; ++i)
      for (std::size_t p = 0; p < k; ++p)
        for (std::size_t j = 0; j < c; ++j) {
          g[i * k + p] += s[i * c + j] * x[r * k + p * c + j];
          g[r * k + p * c + j] += x[i * k + p] * s[i * c + j];
        }
    return g;
  };
  return {name + " " + std::to_string(r) + "x" + std::to_string(k) + " * " + std::to_string(k) + "x" + std::to_string(c),
          ref, {}, {}, vjp};
}

auto const matmul_op = [](auto const& a, auto const& b) { return tl::matmul(a, b); };
auto const entries = law::uniform(-2, 2);

template <class A, class B>
void check_matmul(std::size_t r, std::size_t k, std::size_t c, A const& a, B const& b, std::mt19937& gen) {
  law::check(matmul_spec("tl::matmul", r, k, c), matmul_op, law::random_like(a, entries, gen), law::random_like(b, entries, gen));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(laws)

BOOST_AUTO_TEST_CASE_TEMPLATE(matmul_static, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  check_matmul(1, 1, 1, tl::mat<T, 1, 1>{}, tl::mat<T, 1, 1>{}, gen);
  check_matmul(3, 5, 2, tl::mat<T, 3, 5>{}, tl::mat<T, 5, 2>{}, gen);
  check_matmul(17, 9, 4, tl::mat<T, 17, 9>{}, tl::mat<T, 9, 4>{}, gen);
  check_matmul(3, 5, 1, tl::mat<T, 3, 5>{}, tl::vec<T, 5>{}, gen);  // matrix x vector
  check_matmul(1, 5, 2, tl::vec<T, 5>{}, tl::mat<T, 5, 2>{}, gen);  // vector (a row) x matrix
}

BOOST_AUTO_TEST_CASE_TEMPLATE(matmul_dynamic, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  // Column counts past four vectors (64 floats, 32 doubles at AVX-512) reach the kernels' widest blocks.
  std::size_t const shapes[][3] = {{1, 1, 1},  {3, 5, 2},  {17, 9, 4},  {4, 8, 9},
                                   {2, 1000, 3}, {9, 3, 17}, {5, 7, 67}, {3, 33, 130}};
  for (auto const& d : shapes)
    law::check<law::depth::exhaustive>(matmul_spec("tl::matmul", d[0], d[1], d[2]), matmul_op,
                                 law::random_like(tl::dmat<T>(d[0], d[1]), entries, gen),
                                 law::random_like(tl::dmat<T>(d[1], d[2]), entries, gen));
  for (std::size_t n : law::sizes) {
    check_matmul(3, n, 1, tl::dmat<T>(3, n), tl::dvec<T>(n), gen);  // matrix x vector
    check_matmul(1, n, 2, tl::dvec<T>(n), tl::dmat<T>(n, 2), gen);  // vector x matrix
  }
  // Static with runtime shapes: the result has runtime extents.
  check_matmul(3, 5, 2, tl::mat<T, 3, 5>{}, tl::dmat<T>(5, 2), gen);
}

// The same var on both sides: d sum(X X) / dX = S X^T + X^T S.
BOOST_AUTO_TEST_CASE_TEMPLATE(matmul_square, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  for (std::size_t n : {std::size_t{1}, std::size_t{4}, std::size_t{9}}) {
    law::spec const two = matmul_spec("", n, n, n);
    law::spec const s{"tl::matmul(x, x) " + std::to_string(n) + "x" + std::to_string(n),
                      [two](dvec const& x) {
                        dvec xx(x);
                        xx.insert(xx.end(), x.begin(), x.end());
                        return two.dense(xx);
                      },
                      {}, {},
                      [two, n](dvec const& x, dvec const& w) {
                        dvec xx(x);
                        xx.insert(xx.end(), x.begin(), x.end());
                        dvec const g2 = two.vjp(xx, w);
                        dvec g(n * n);
                        for (std::size_t i = 0; i < n * n; ++i) g[i] = g2[i] + g2[n * n + i];
                        return g;
                      }};
    law::check<law::depth::full>(s, [](auto const& x) { return tl::matmul(x, x); },
                                 law::random_like(tl::dmat<T>(n, n), entries, gen));
  }
}

// A constant on one side (as a weight matrix times data).
BOOST_AUTO_TEST_CASE_TEMPLATE(matmul_with_constant, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  auto const data = law::random_like(tl::dmat<T>(5, 3), entries, gen);
  dvec const df = law::flat(data);
  law::spec const two = matmul_spec("", 4, 5, 3);
  law::spec const s{"tl::matmul(w, constant) 4x5 * 5x3",
                    [two, df](dvec const& w) {
                      dvec x(w);
                      x.insert(x.end(), df.begin(), df.end());
                      return two.dense(x);
                    },
                    {}, {},
                    [two, df](dvec const& w, dvec const& seed) {
                      dvec x(w);
                      x.insert(x.end(), df.begin(), df.end());
                      dvec g = two.vjp(x, seed);
                      g.resize(w.size());
                      return g;
                    }};
  law::check(s, [&data](auto const& w) { return tl::matmul(w, tl::constant(law::convert<law::expr_element_t<decltype(w)>>(data))); },
             law::random_like(tl::dmat<T>(4, 5), entries, gen));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(transpose, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  auto spec = [](std::size_t r, std::size_t c) {
    return law::spec{"tl::transpose " + std::to_string(r) + "x" + std::to_string(c),
                     [=](dvec const& x) {
                       dvec y(r * c);
                       for (std::size_t i = 0; i < r; ++i)
                         for (std::size_t j = 0; j < c; ++j) y[j * r + i] = x[i * c + j];
                       return y;
                     },
                     {}, {},
                     [=](dvec const&, dvec const& s) {
                       dvec g(r * c);
                       for (std::size_t i = 0; i < r; ++i)
                         for (std::size_t j = 0; j < c; ++j) g[i * c + j] = s[j * r + i];
                       return g;
                     }};
  };
  auto const op = [](auto const& x) { return tl::transpose(x); };
  law::check(spec(3, 5), op, law::random_like(tl::mat<T, 3, 5>{}, entries, gen));
  for (auto [r, c] : {std::pair<std::size_t, std::size_t>{1, 1}, {4, 3}, {1, 17}, {9, 8}})
    law::check<law::depth::full>(spec(r, c), op, law::random_like(tl::dmat<T>(r, c), entries, gen));
  // transpose inside matmul: A^T B for A 5x3, B 5x2.
  law::spec const two = matmul_spec("", 3, 5, 2);
  law::spec const atb{"tl::matmul(tl::transpose(a), b) 5x3, 5x2",
                      [two](dvec const& x) {
                        dvec y(x);
                        for (std::size_t i = 0; i < 5; ++i)
                          for (std::size_t j = 0; j < 3; ++j) y[j * 5 + i] = x[i * 3 + j];
                        return two.dense(y);
                      },
                      {}, {}, {}};
  law::check(atb, [](auto const& a, auto const& b) { return tl::matmul(tl::transpose(a), b); },
             law::random_like(tl::mat<T, 5, 3>{}, entries, gen), law::random_like(tl::mat<T, 5, 2>{}, entries, gen));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(edges)

// Hand-computed: A = [[1, 2], [3, 4]], B = [[5, 6], [7, 8]].
BOOST_AUTO_TEST_CASE(hand_derived) {
  tl::var<tl::mat<double, 2, 2>> a{{1, 2}, {3, 4}};
  tl::var<tl::mat<double, 2, 2>> b{{5, 6}, {7, 8}};
  BOOST_TEST(tl::value(tl::matmul(a, b)) == (tl::mat<double, 2, 2>{{19, 22}, {43, 50}}));
  auto const [da, db] = tl::gradient(tl::matmul(a, b), tl::wrt(a, b));
  BOOST_TEST(da == (tl::mat<double, 2, 2>{{11, 15}, {11, 15}}));  // ones B^T: row sums of B
  BOOST_TEST(db == (tl::mat<double, 2, 2>{{4, 4}, {6, 6}}));      // A^T ones: column sums of A
  tl::var<tl::vec<double, 2>> v{1, -1};
  BOOST_TEST(tl::value(tl::matmul(a, v)) == (tl::vec<double, 2>{-1, -1}));
  auto const [dav, dv] = tl::gradient(tl::matmul(a, v), tl::wrt(a, v));
  BOOST_TEST(dav == (tl::mat<double, 2, 2>{{1, -1}, {1, -1}}));
  BOOST_TEST(dv == (tl::vec<double, 2>{4, 6}));
  tl::var<tl::vec<double, 2>> u{1, 2};
  BOOST_TEST(tl::value(tl::matmul(u, b)) == (tl::vec<double, 2>{19, 22}));
  BOOST_TEST(tl::gradient(tl::matmul(u, b), u) == (tl::vec<double, 2>{11, 15}));
  // The Jacobian of A v with respect to v is A.
  BOOST_TEST(tl::jacobian(tl::matmul(a, v), v) == a.value());
  BOOST_TEST(tl::jacobian(tl::matmul(a, v), v, tl::forward_mode) == a.value());
  // transpose: sum(transpose(A) * W) has gradient W^T.
  tl::mat<double, 2, 2> const w{{1, 10}, {100, 1000}};
  BOOST_TEST(tl::gradient(tl::sum(tl::transpose(a) * w), a) == (tl::mat<double, 2, 2>{{1, 100}, {10, 1000}}));
  // Rectangular transpose keeps rows and columns apart.
  tl::var<tl::mat<double, 2, 3>> r{{1, 2, 3}, {4, 5, 6}};
  auto const rt = tl::value(tl::transpose(r));
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(rt)>, tl::mat<double, 3, 2>>);
  BOOST_TEST(rt == (tl::mat<double, 3, 2>{{1, 4}, {2, 5}, {3, 6}}));
}

// Runtime inner dimensions that differ throw tl::shape_error naming both shapes.
BOOST_AUTO_TEST_CASE(dynamic_inner_dimension_mismatch) {
  tl::var<tl::dmat<double>> a{tl::dmat<double>(2, 3)};
  tl::var<tl::dmat<double>> b{tl::dmat<double>(2, 3)};
  BOOST_CHECK_THROW(tl::value(tl::matmul(a, b)), tl::shape_error);
  BOOST_CHECK_THROW(tl::gradient(tl::sum(tl::matmul(a, b)), a), tl::shape_error);
  tl::var<tl::dvec<double>> v{1.0, 2.0};
  BOOST_CHECK_THROW(tl::value(tl::matmul(a, v)), tl::shape_error);
  try {
    tl::value(tl::matmul(a, b));
  } catch (tl::shape_error const& e) {
    std::string const what = e.what();
    BOOST_TEST(what.find("(2, 3)") != std::string::npos);
  }
  BOOST_TEST(tl::value(tl::matmul(tl::transpose(a), b)) == tl::dmat<double>(3, 3));
}

BOOST_AUTO_TEST_SUITE_END()
