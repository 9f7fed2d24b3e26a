// The laws of the unary elementwise operations, part 2: sin, cos, tan, tanh (test/law/; part 1 in
// elementwise.cpp says more).
#define BOOST_TEST_MODULE expr_elementwise_trig
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <tuple>

#include "law/unary.hpp"

using float_types = std::tuple<float, double>;

BOOST_AUTO_TEST_SUITE(laws)

BOOST_AUTO_TEST_CASE_TEMPLATE(sin, T, float_types) {
  law::unary<T, 0, law::depth::exhaustive>("tl::sin", [](auto const& x) { return tl::sin(x); }, [](double v) { return std::sin(v); },
                   [](double v) { return std::cos(v); }, law::uniform(-6, 6));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(cos, T, float_types) {
  law::unary<T, 1>("tl::cos", [](auto const& x) { return tl::cos(x); }, [](double v) { return std::cos(v); },
                   [](double v) { return -std::sin(v); }, law::uniform(-6, 6));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(tan, T, float_types) {
  law::unary<T, 2>("tl::tan", [](auto const& x) { return tl::tan(x); }, [](double v) { return std::tan(v); },
                   [](double v) { return 1 + std::tan(v) * std::tan(v); }, law::uniform(-1.3, 1.3));
}
// 1 - tanh^2 cancels where tanh nears 1: in float that costs digits beyond |x| = 3 or so (as in every
// library that differentiates through the result), so the domain stays where float keeps 5 digits.
BOOST_AUTO_TEST_CASE_TEMPLATE(tanh, T, float_types) {
  law::unary<T, 3>("tl::tanh", [](auto const& x) { return tl::tanh(x); }, [](double v) { return std::tanh(v); },
                   [](double v) { return 1 - std::tanh(v) * std::tanh(v); }, law::uniform(-2.5, 2.5));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(edges)

// Large arguments: sin and cos stay in [-1, 1] and match std:: (argument reduction), elementwise and fused.
BOOST_AUTO_TEST_CASE_TEMPLATE(large_arguments, T, float_types) {
  tl::var<tl::dvec<T>> x{T(1e4), T(-3e4), T(12345.678), T(0)};
  auto const s = tl::value(tl::sin(x));
  auto const c = tl::value(tl::cos(x));
  T sum = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    BOOST_TEST(s[i] == std::sin(x.value()[i]), boost::test_tools::tolerance(T(1e-5)));
    BOOST_TEST(c[i] == std::cos(x.value()[i]), boost::test_tools::tolerance(T(1e-5)));
    sum += std::sin(x.value()[i]);
  }
  BOOST_TEST(tl::value(tl::sum(tl::sin(x))) == sum, boost::test_tools::tolerance(T(1e-4)));
  auto const g = tl::gradient(tl::sum(tl::sin(x)), x);
  for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(g[i] == std::cos(x.value()[i]), boost::test_tools::tolerance(T(1e-4)));
}

// tanh saturates to +-1 with derivative 0 (not NaN) far out.
BOOST_AUTO_TEST_CASE_TEMPLATE(tanh_far_out, T, float_types) {
  tl::var<tl::dvec<T>> x{T(-1000), T(-50), T(50), T(1000)};
  auto const y = tl::value(tl::tanh(x));
  BOOST_TEST(y[0] == T(-1));
  BOOST_TEST(y[3] == T(1));
  auto const g = tl::gradient(tl::sum(tl::tanh(x)), x);
  for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(g[i] == T(0));
}

BOOST_AUTO_TEST_SUITE_END()
