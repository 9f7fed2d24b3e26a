// tl::jacobian: forward-mode passes and reverse sweeps agree with each other and with central
// differences, through every kind of node, for float and double, static and dynamic shapes.
#define BOOST_TEST_MODULE reverse_jacobian
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <tapeless/tapeless.hpp>

#include "support/compare.hpp"

namespace {

using reals = std::tuple<float, double>;

// y(x) touches every node family: elementwise, broadcasting, let, reductions, dot, matmul, index,
// where, stop_gradient, pow with both sides moving.
template <class X>
auto big_function(X const& x) {
  using V = typename X::value_type;
  using T = tl::detail::element_t<V>;
  auto A = tl::constant(tl::mat<T, 4, 3>{{1, 2, 3}, {4, 5, 6}, {0, 1, 0}, {2, 0, 1}});
  return [A, &x](auto const& b) {
    return tl::matmul(A, tl::sin(b) + tl::square(x)) / (T(1) + tl::norm(x)) + tl::logsumexp(x) * tl::max(x) +
           tl::where(x > T(1), x, T(2) * x)[1] + tl::dot(x, b) + tl::pow(x, x)[0] - tl::stop_gradient(tl::sum(b)) +
           tl::tanh(tl::mean(x)) * tl::sigmoid(x)[2];
  };
}

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_and_reverse_agree_and_match_differences, T, reals) {
  tl::var<tl::vec<T, 3>> x{T(0.5), T(1.25), T(0.75)};
  auto b = tl::let(tl::exp(x) * x);
  auto y = big_function(x)(b);
  auto const Jf = tl::jacobian(y, x, tl::forward_mode);
  auto const Jr = tl::jacobian(y, x, tl::reverse_mode);
  auto const Ja = tl::jacobian(y, x);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(Jf)>, tl::mat<T, 4, 3>>);
  BOOST_TEST(support::close_all(Jf, Jr, support::tol<T>.value));
  BOOST_TEST((Ja == Jf));  // auto picks forward here (3 inputs < 4 outputs)
  // Central differences in double, through the same function on a double var.
  tl::vec<double, 3> const x0{0.5, 1.25, 0.75};
  for (std::size_t j = 0; j < 3; ++j) {
    auto at = [&](double shift) {
      tl::vec<double, 3> xs = x0;
      xs[j] += shift;
      tl::var<tl::vec<double, 3>> xd{xs};
      auto bd = tl::let(tl::exp(xd) * xd);
      return tl::value(big_function(xd)(bd));
    };
    double const h = support::fd_step(x0[j]);
    auto const up = at(h), down = at(-h);
    for (std::size_t i = 0; i < 4; ++i) {
      double const fd = (up[i] - down[i]) / (2 * h);
      // the stop_gradient term has a derivative that is deliberately dropped
      double const dropped = -(std::exp(x0[j]) * (1 + x0[j]));
      BOOST_TEST(support::close(Jr(i, j), fd - dropped, support::tol<T>.fd), "(" << i << ", " << j << ")");
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(dynamic_shapes_and_lets_as_targets, T, reals) {
  tl::var<tl::dvec<T>> x{T(0.25), T(-0.5), T(1.5), T(2.0), T(0.125)};
  auto A = tl::constant(tl::dmat<T>{{1, 2, 0, 1, 3}, {0, 1, 1, 0, 2}});
  auto h = tl::let(tl::tanh(x) * T(3));
  auto y = tl::matmul(A, h * x);  // 2 outputs, 5 inputs: auto picks reverse
  auto const Jf = tl::jacobian(y, x, tl::forward_mode);
  auto const Jr = tl::jacobian(y, x);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(Jr)>, tl::dmat<T>>);
  BOOST_TEST((Jr == tl::jacobian(y, x, tl::reverse_mode)));  // auto picks reverse here
  BOOST_TEST(Jf.rows() == 2u);
  BOOST_TEST(Jf.cols() == 5u);
  BOOST_TEST(support::close_all(Jf, Jr, support::tol<T>.value));
  // With respect to the let: d y / d h = A diag(x), in both modes.
  auto const Hf = tl::jacobian(y, h, tl::forward_mode);
  auto const Hr = tl::jacobian(y, h, tl::reverse_mode);
  T const Av[2][5] = {{1, 2, 0, 1, 3}, {0, 1, 1, 0, 2}};
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 5; ++j) {
      BOOST_TEST(Hf(i, j) == Av[i][j] * x.value()[j]);
      BOOST_TEST(Hr(i, j) == Av[i][j] * x.value()[j]);
    }
}

BOOST_AUTO_TEST_CASE(matrix_against_matrix_is_rank_four_in_both_modes) {
  tl::var<tl::mat<double, 2, 3>> W{{1, 2, 3}, {4, 5, 6}};
  auto y = tl::transpose(tl::matmul(tl::transpose(W), W)) * tl::mean(W) + tl::pow(2.0, W)(1, 2);
  auto const Jf = tl::jacobian(y, W, tl::forward_mode);
  auto const Jr = tl::jacobian(y, W, tl::reverse_mode);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(Jf)>, tl::tensor<double, 3, 3, 2, 3>>);
  BOOST_TEST(support::close_all(Jf, Jr, support::tol<double>.value));
}
