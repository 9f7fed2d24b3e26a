// Reference case 12: the full Jacobian instead of the sum. For y of shape (M, N) and x of shape
// (Q, P), tl::jacobian(y, x) has shape (M, N, Q, P), and summing it over its first two axes gives
// tl::gradient(y, x). Checked against the closed form and against central finite differences.
#define BOOST_TEST_MODULE reference_jacobian
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <vector>

#include <tapeless/tapeless.hpp>

#include "reference_check.hpp"

using reference::close;
using reference::element_types;

namespace {

constexpr std::size_t M = 2, N = 5, Q = 3, P = 4;

// Quarters and halves: float holds them exactly, so the float and double runs see the same inputs
// and the matmuls below are exact in both precisions (only sin and cos round).
template <class T>
tl::mat<T, M, Q> const a_value{{0.5, -0.25, 1.0}, {-0.75, 0.25, 0.5}};
template <class T>
tl::mat<T, P, N> const b_value{
    {0.25, -0.5, 0.75, 0.0, 1.0}, {-1.0, 0.5, 0.25, -0.25, 0.5}, {0.5, 0.25, -0.75, 1.0, 0.0}, {0.0, 1.0, 0.5, -0.5, -0.25}};
template <class T>
tl::mat<T, Q, P> const x_value{{0.5, -1.0, 0.25, 0.75}, {1.0, 0.5, -0.5, 0.25}, {-0.25, 0.75, 1.0, -0.5}};

// y = sin(A x B): (2 x 3)(3 x 4)(4 x 5) = 2 x 5, a nonlinear function of every element of x.
auto model = [](auto const& a, auto const& x, auto const& b) { return tl::sin(tl::matmul(tl::matmul(a, x), b)); };

// z = A x B in double (exact for these inputs).
double z_at(std::size_t m, std::size_t n) {
  double z = 0;
  for (std::size_t q = 0; q < Q; ++q)
    for (std::size_t p = 0; p < P; ++p) z += a_value<double>(m, q) * x_value<double>(q, p) * b_value<double>(p, n);
  return z;
}

/// Central differences of the double model in x(q, p), h relative to |x(q, p)|.
tl::mat<double, M, N> finite_difference(std::size_t q, std::size_t p) {
  tl::var<tl::mat<double, Q, P>> x{x_value<double>};
  auto y = model(tl::constant(a_value<double>), x, tl::constant(b_value<double>));
  double const h = support::fd_step(x_value<double>(q, p));
  auto shifted = x_value<double>;
  shifted(q, p) += h;
  x = shifted;
  auto const up = tl::value(y);
  shifted(q, p) -= 2 * h;
  x = shifted;
  auto const down = tl::value(y);
  tl::mat<double, M, N> d;
  for (std::size_t i = 0; i < M * N; ++i) d.data()[i] = (up.data()[i] - down.data()[i]) / (2 * h);
  return d;
}

// The checks work on doubles and are compiled once, not once per element type.

/// J (row-major M x N x Q x P) against the closed form dy(m, n) / dx(q, p) = cos(z(m, n)) A(m, q) B(p, n)
/// and against central differences.
void check_jacobian(std::vector<double> const& J, double tol, double fd_tol) {
  BOOST_REQUIRE_EQUAL(J.size(), M * N * Q * P);
  auto at = [&](std::size_t m, std::size_t n, std::size_t q, std::size_t p) { return J[((m * N + n) * Q + q) * P + p]; };
  for (std::size_t q = 0; q < Q; ++q)
    for (std::size_t p = 0; p < P; ++p) {
      auto const fd = finite_difference(q, p);
      for (std::size_t m = 0; m < M; ++m)
        for (std::size_t n = 0; n < N; ++n) {
          BOOST_TEST_CONTEXT("J(" << m << ", " << n << ", " << q << ", " << p << ") = " << at(m, n, q, p)) {
            double const expected = std::cos(z_at(m, n)) * a_value<double>(m, q) * b_value<double>(p, n);
            BOOST_TEST(support::near(at(m, n, q, p), expected, tol), "closed form " << expected);
            BOOST_TEST(support::near(at(m, n, q, p), fd(m, n), fd_tol), "central difference " << fd(m, n));
          }
        }
    }
}

/// g (Q x P) against J summed over its first two axes.
void check_summed(std::vector<double> const& J, std::vector<double> const& g, double tol) {
  BOOST_REQUIRE_EQUAL(g.size(), Q * P);
  for (std::size_t i = 0; i < Q * P; ++i) {
    double sum = 0;
    for (std::size_t mn = 0; mn < M * N; ++mn) sum += J[mn * Q * P + i];
    BOOST_TEST(support::near(g[i], sum, tol), "gradient element " << i << " = " << g[i] << ", summed Jacobian " << sum);
  }
}

/// The dvec case: y = sin(A x) with A 2 x 3, so J(i, j) = cos(z(i)) A(i, j); g must be J's column sums.
void check_runtime_jacobian(std::vector<double> const& a, std::vector<double> const& x, std::vector<double> const& J,
                            std::vector<double> const& g, double tol, double fd_tol) {
  BOOST_REQUIRE_EQUAL(J.size(), 6u);
  BOOST_REQUIRE_EQUAL(g.size(), 3u);
  auto z = [&](std::size_t i, std::size_t j, double shift) {
    double z = 0;
    for (std::size_t k = 0; k < 3; ++k) z += a[i * 3 + k] * (x[k] + (k == j ? shift : 0.0));
    return z;
  };
  for (std::size_t j = 0; j < 3; ++j) {
    double sum = 0;
    for (std::size_t i = 0; i < 2; ++i) {
      BOOST_TEST_CONTEXT("J(" << i << ", " << j << ") = " << J[i * 3 + j]) {
        double const expected = std::cos(z(i, j, 0)) * a[i * 3 + j];
        BOOST_TEST(support::near(J[i * 3 + j], expected, tol), "closed form " << expected);
        double const h = support::fd_step(x[j]);
        double const fd = (std::sin(z(i, j, h)) - std::sin(z(i, j, -h))) / (2 * h);
        BOOST_TEST(support::near(J[i * 3 + j], fd, fd_tol), "central difference " << fd);
      }
      sum += J[i * 3 + j];
    }
    BOOST_TEST(support::near(g[j], sum, tol), "gradient[" << j << "] = " << g[j] << ", summed Jacobian " << sum);
  }
}

template <class V>
std::vector<double> as_doubles(V const& v) {
  return std::vector<double>(v.begin(), v.end());
}

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(case_12_jacobian_of_matrix_by_matrix, T, element_types) {
  tl::var<tl::mat<T, Q, P>> x{x_value<T>};
  auto y = model(tl::constant(a_value<T>), x, tl::constant(b_value<T>));

  auto J = tl::jacobian(y, x);
  static_assert(std::is_same_v<decltype(J), tl::tensor<T, M, N, Q, P>>, "shape(y) ++ shape(x)");
  check_jacobian(as_doubles(J), support::tol<T>.value, support::tol<T>.fd);
  // The automatic choice is one of these two; both must give the same Jacobian.
  BOOST_TEST_CONTEXT("forward mode") {
    check_jacobian(as_doubles(tl::jacobian(y, x, tl::forward_mode)), support::tol<T>.value, support::tol<T>.fd);
  }
  BOOST_TEST_CONTEXT("reverse mode") {
    check_jacobian(as_doubles(tl::jacobian(y, x, tl::reverse_mode)), support::tol<T>.value, support::tol<T>.fd);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(case_12_summed_jacobian_is_gradient, T, element_types) {
  tl::var<tl::mat<T, Q, P>> x{x_value<T>};
  auto y = model(tl::constant(a_value<T>), x, tl::constant(b_value<T>));
  auto const J = as_doubles(tl::jacobian(y, x));
  auto const g = tl::gradient(y, x);
  static_assert(std::is_same_v<std::remove_const_t<decltype(g)>, tl::mat<T, Q, P>>);
  check_summed(J, as_doubles(g), support::tol<T>.value);

  // Seeding the gradient with a one-hot weight picks out one slice of the Jacobian.
  tl::mat<T, M, N> one_hot{};
  one_hot(1, 3) = 1;
  auto const slice = as_doubles(tl::gradient(y, x, tl::seeds(one_hot)));
  std::vector<double> const row(J.begin() + (1 * N + 3) * Q * P, J.begin() + (1 * N + 4) * Q * P);
  BOOST_TEST(support::close_all(slice, row, support::tol<T>.value));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(case_12_scalar_ends, T, element_types) {
  // shape(y) ++ shape(x) with a scalar on either side: a scalar y gives x's shape (the gradient),
  // a scalar x gives y's shape.
  tl::var<tl::mat<T, Q, P>> x{x_value<T>};
  auto y = model(tl::constant(a_value<T>), x, tl::constant(b_value<T>));
  auto const whole = tl::jacobian(tl::sum(y), x);
  static_assert(std::is_same_v<std::remove_const_t<decltype(whole)>, tl::mat<T, Q, P>>);
  auto const g = tl::gradient(y, x);
  BOOST_TEST(support::close_all(as_doubles(whole), as_doubles(g), support::tol<T>.value));

  tl::var<T> s{T(0.5)};
  auto const Js = tl::jacobian(s * tl::constant(a_value<T>), s);
  static_assert(std::is_same_v<std::remove_const_t<decltype(Js)>, tl::mat<T, M, Q>>);
  BOOST_TEST(close(Js, {0.5, -0.25, 1.0, -0.75, 0.25, 0.5}));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(case_12_runtime_extents, T, element_types) {
  // dvec y (length 2) against dvec x (length 3) gives a 2 x 3 dmat.
  tl::dmat<T> const a{{0.5, -0.25, 1.0}, {-0.75, 0.25, 0.5}};
  tl::var<tl::dvec<T>> x{0.5, -1.0, 0.25};
  auto y = tl::sin(tl::matmul(tl::constant(a), x));

  auto J = tl::jacobian(y, x);
  static_assert(std::is_same_v<decltype(J), tl::dmat<T>>);
  BOOST_REQUIRE_EQUAL(J.rows(), 2u);
  BOOST_REQUIRE_EQUAL(J.cols(), 3u);

  auto const g = tl::gradient(y, x);
  static_assert(std::is_same_v<std::remove_const_t<decltype(g)>, tl::dvec<T>>);
  check_runtime_jacobian(as_doubles(a), as_doubles(x.value()), as_doubles(J), as_doubles(g), support::tol<T>.value,
                         support::tol<T>.fd);
  BOOST_TEST_CONTEXT("forward mode") {
    check_runtime_jacobian(as_doubles(a), as_doubles(x.value()), as_doubles(tl::jacobian(y, x, tl::forward_mode)),
                           as_doubles(g), support::tol<T>.value, support::tol<T>.fd);
  }
  BOOST_TEST_CONTEXT("reverse mode") {
    check_runtime_jacobian(as_doubles(a), as_doubles(x.value()), as_doubles(tl::jacobian(y, x, tl::reverse_mode)),
                           as_doubles(g), support::tol<T>.value, support::tol<T>.fd);
  }
}
