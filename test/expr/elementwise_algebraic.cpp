// The laws of the unary elementwise operations, part 3: sqrt, square, abs, sigmoid (test/law/; part 1
// in elementwise.cpp says more).
#define BOOST_TEST_MODULE expr_elementwise_algebraic
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <tuple>

#include "law/unary.hpp"

using float_types = std::tuple<float, double>;

namespace {
double sigmoid_ref(double v) { return v >= 0 ? 1 / (1 + std::exp(-v)) : std::exp(v) / (1 + std::exp(v)); }
}  // namespace

BOOST_AUTO_TEST_SUITE(laws)

BOOST_AUTO_TEST_CASE_TEMPLATE(sqrt, T, float_types) {
  law::unary<T, 0>("tl::sqrt", [](auto const& x) { return tl::sqrt(x); }, [](double v) { return std::sqrt(v); },
                   [](double v) { return 0.5 / std::sqrt(v); }, law::uniform(0.01, 50));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(square, T, float_types) {
  law::unary<T, 1>("tl::square", [](auto const& x) { return tl::square(x); }, [](double v) { return v * v; },
                   [](double v) { return 2 * v; }, law::uniform(-10, 10));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(abs, T, float_types) {
  law::unary<T, 2>("tl::abs", [](auto const& x) { return tl::abs(x); }, [](double v) { return std::abs(v); },
                    [](double v) { return v > 0 ? 1.0 : -1.0; }, law::avoiding(-5, 5, {0.0}, 1e-3));
}
// Like tanh, y (1 - y) loses float digits for large |x|.
BOOST_AUTO_TEST_CASE_TEMPLATE(sigmoid, T, float_types) {
  law::unary<T, 3, law::depth::exhaustive>("tl::sigmoid", [](auto const& x) { return tl::sigmoid(x); }, sigmoid_ref,
                    [](double v) { return sigmoid_ref(v) * sigmoid_ref(-v); }, law::uniform(-5, 5));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(edges)

// sigmoid never overflows: exp only sees non-positive arguments. Its derivative underflows to 0, not NaN.
BOOST_AUTO_TEST_CASE_TEMPLATE(sigmoid_far_out, T, float_types) {
  tl::var<tl::dvec<T>> x{T(-1000), T(-100), T(100), T(1000)};
  auto const y = tl::value(tl::sigmoid(x));
  BOOST_TEST(y[0] == T(0));
  BOOST_TEST(y[2] == T(1));
  BOOST_TEST(y[3] == T(1));
  BOOST_TEST((y[1] >= T(0) && y[1] < T(1e-40)));
  BOOST_TEST(tl::value(tl::sum(tl::sigmoid(x))) == T(2));
  auto const g = tl::gradient(tl::sum(tl::sigmoid(x)), x);
  for (std::size_t i = 0; i < 4; ++i) BOOST_TEST((std::isfinite(g[i]) && g[i] >= T(0) && g[i] < T(1e-40)));
  auto const d = tl::sigmoid(tl::dual<T>(T(-1000), {T(1)}));
  BOOST_TEST(d.value == T(0));
  BOOST_TEST(d.tangent[0] == T(0));
}

// abs has the subgradient 0 at 0 (as JAX and TensorFlow), in reverse and in forward mode, fused or not.
BOOST_AUTO_TEST_CASE_TEMPLATE(abs_at_zero, T, float_types) {
  tl::var<tl::dvec<T>> x{T(0), T(-0.0), T(2), T(-2)};
  auto const g = tl::gradient(tl::sum(tl::abs(x)), x);
  BOOST_TEST(g == (tl::dvec<T>{T(0), T(0), T(1), T(-1)}));
  auto const h = tl::gradient(tl::abs(x), x);
  BOOST_TEST(h == (tl::dvec<T>{T(0), T(0), T(1), T(-1)}));
  BOOST_TEST(tl::abs(tl::dual<T>(T(0), {T(1)})).tangent[0] == T(0));
}

// sqrt(0) is 0 and its derivative is +inf (1 / (2 * 0)), the limit from the right.
BOOST_AUTO_TEST_CASE(sqrt_at_zero) {
  tl::var<tl::dvec<double>> x{0.0, 4.0};
  BOOST_TEST(tl::value(tl::sqrt(x)) == (tl::dvec<double>{0.0, 2.0}));
  auto const g = tl::gradient(tl::sum(tl::sqrt(x)), x);
  BOOST_TEST((std::isinf(g[0]) && g[0] > 0));
  BOOST_TEST(g[1] == 0.25);
}

// Nested unary ops on a matrix var keep the shape and apply elementwise.
BOOST_AUTO_TEST_CASE(matrix_shape_kept) {
  tl::var<tl::mat<double, 2, 3>> m{{1, 2, 3}, {4, 5, 6}};
  auto const y = tl::value(tl::square(tl::sqrt(m)));
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(y)>, tl::mat<double, 2, 3>>);
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 3; ++j) BOOST_TEST(y(i, j) == m.value()(i, j), boost::test_tools::tolerance(1e-15));
  auto const g = tl::gradient(tl::abs(tl::square(m) - 10.0), m);
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 3; ++j) {
      double const v = m.value()(i, j);
      BOOST_TEST(g(i, j) == (v * v > 10 ? 2 * v : -2 * v));
    }
}

BOOST_AUTO_TEST_SUITE_END()
