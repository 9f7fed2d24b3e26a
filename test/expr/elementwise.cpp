// The laws of the unary elementwise operations (include/tapeless/expr/elementwise.hpp, ops.hpp), part 1:
// exp, log, log1p, expm1. Value against std::, adjoint against finite differences and the analytic
// derivative, forward against reverse (test/law/). The other unary ops are in elementwise_trig.cpp,
// elementwise_algebraic.cpp and elementwise_composite.cpp, the binary ones in elementwise_binary.cpp,
// elementwise_product.cpp and elementwise_pow_minmax.cpp, selection in select.cpp.
#define BOOST_TEST_MODULE expr_elementwise
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <tuple>

#include "law/unary.hpp"

using float_types = std::tuple<float, double>;

// Each law has its own slot (the second template argument), numbered from 0 in this file; the slot picks
// the static shape the law also runs on (test/law/shapes.hpp).
BOOST_AUTO_TEST_SUITE(laws)

BOOST_AUTO_TEST_CASE_TEMPLATE(exp, T, float_types) {
  law::unary<T, 0, law::depth::exhaustive>("tl::exp", [](auto const& x) { return tl::exp(x); },
                                           [](double v) { return std::exp(v); }, [](double v) { return std::exp(v); },
                                           law::uniform(-5, 5));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(log, T, float_types) {
  law::unary<T, 1>("tl::log", [](auto const& x) { return tl::log(x); }, [](double v) { return std::log(v); },
                   [](double v) { return 1 / v; }, law::uniform(0.05, 20));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(log1p, T, float_types) {
  law::unary<T, 2>("tl::log1p", [](auto const& x) { return tl::log1p(x); }, [](double v) { return std::log1p(v); },
                   [](double v) { return 1 / (1 + v); }, law::uniform(-0.9, 10));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(expm1, T, float_types) {
  law::unary<T, 3>("tl::expm1", [](auto const& x) { return tl::expm1(x); }, [](double v) { return std::expm1(v); },
                   [](double v) { return std::exp(v); }, law::uniform(-5, 5));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(edges)

// log1p and expm1 keep their digits near 0, where log(1 + x) and exp(x) - 1 lose them.
BOOST_AUTO_TEST_CASE(log1p_expm1_near_zero) {
  tl::var<double> x{1e-12};
  BOOST_TEST(tl::value(tl::log1p(x)) == std::log1p(1e-12));
  BOOST_TEST(tl::value(tl::expm1(x)) == std::expm1(1e-12));
  BOOST_TEST(tl::gradient(tl::log1p(x), x) == 1 / (1 + 1e-12), boost::test_tools::tolerance(1e-15));
  BOOST_TEST(tl::gradient(tl::expm1(x), x) == std::exp(1e-12), boost::test_tools::tolerance(1e-15));
  // The same through the fused loops (sum of an elementwise tree), where exp(x) - 1 would keep 4 digits.
  tl::var<tl::dvec<double>> v{1e-12, 2e-12, 3e-12};
  BOOST_TEST(tl::value(tl::sum(tl::expm1(v))) == std::expm1(1e-12) + std::expm1(2e-12) + std::expm1(3e-12),
             boost::test_tools::tolerance(1e-12));
  BOOST_TEST(tl::value(tl::sum(tl::log1p(v))) == std::log1p(1e-12) + std::log1p(2e-12) + std::log1p(3e-12),
             boost::test_tools::tolerance(1e-12));
  auto const g = tl::gradient(tl::sum(tl::log1p(v)), v);
  BOOST_TEST(g[0] == 1 / (1 + 1e-12), boost::test_tools::tolerance(1e-15));
}

// exp overflows to inf and log(0) is -inf as in std::, in the elementwise and the fused paths alike;
// the gradient of exp at the overflow is inf, not NaN.
BOOST_AUTO_TEST_CASE(exp_log_at_the_limits) {
  tl::var<tl::dvec<double>> x{1000.0, -1000.0, 0.0};
  auto const y = tl::value(tl::exp(x));
  BOOST_TEST(std::isinf(y[0]));
  BOOST_TEST(y[1] == 0.0);
  BOOST_TEST(std::isinf(tl::value(tl::sum(tl::exp(x)))));
  auto const g = tl::gradient(tl::sum(tl::exp(x)), x);
  BOOST_TEST(std::isinf(g[0]));
  BOOST_TEST(g[1] == 0.0);
  BOOST_TEST(g[2] == 1.0);
  tl::var<tl::dvec<double>> z{0.0, 1.0};
  BOOST_TEST(tl::value(tl::log(z))[0] == -std::numeric_limits<double>::infinity());
  BOOST_TEST(tl::value(tl::sum(tl::log(z))) == -std::numeric_limits<double>::infinity());
}

// A constant operand is not differentiated; a var of the same value is. constant_ref re-reads its data.
BOOST_AUTO_TEST_CASE(constants_are_not_differentiated) {
  tl::var<tl::vec<double, 3>> x{1.0, 2.0, 3.0};
  tl::vec<double, 3> const c{4.0, 5.0, 6.0};
  auto const g = tl::gradient(tl::sum(tl::exp(tl::constant(c)) * x), x);
  for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(g[i] == std::exp(c[i]), boost::test_tools::tolerance(1e-12));
  tl::vec<double, 3> data{1.0, 1.0, 1.0};
  auto const e = tl::sum(tl::constant_ref(data) * x);
  BOOST_TEST(tl::value(e) == 6.0);
  data = tl::vec<double, 3>{2.0, 2.0, 2.0};
  BOOST_TEST(tl::value(e) == 12.0);
  BOOST_TEST(tl::gradient(e, x) == (tl::vec<double, 3>{2.0, 2.0, 2.0}));
}

BOOST_AUTO_TEST_SUITE_END()
