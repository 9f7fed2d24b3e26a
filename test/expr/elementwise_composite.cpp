// The laws of the unary elementwise operations, part 4: negation, unary plus, and compositions in which
// one var is reached along several paths and nodes nest under nodes (test/law/; part 1 in
// elementwise.cpp says more).
#define BOOST_TEST_MODULE expr_elementwise_composite
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <functional>
#include <tuple>
#include <type_traits>

#include "law/unary.hpp"

using float_types = std::tuple<float, double>;

// In float the chain rule through a composition sums terms that can cancel: there the analytic check
// (tolerance relative to the result) would be too strict, and the finite-difference check stands alone.
template <class T>
law::scalar_fn double_only(law::scalar_fn df) {
  return std::is_same_v<T, double> ? df : law::scalar_fn{};
}

BOOST_AUTO_TEST_SUITE(laws)

BOOST_AUTO_TEST_CASE_TEMPLATE(negate, T, float_types) {
  law::unary<T, 0>("unary -", [](auto const& x) { return -x; }, [](double v) { return -v; },
                    [](double) { return -1.0; }, law::uniform(-10, 10));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(unary_plus, T, float_types) {
  law::unary<T, 1>("unary +", [](auto const& x) { return +x; }, [](double v) { return v; },
                    [](double) { return 1.0; }, law::uniform(-10, 10));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(x_exp_x, T, float_types) {
  law::unary<T, 2>("x * exp(x)", [](auto const& x) { return x * tl::exp(x); },
                    [](double v) { return v * std::exp(v); },
                    double_only<T>([](double v) { return (1 + v) * std::exp(v); }), law::uniform(-4, 4));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(rational, T, float_types) {
  law::unary<T, 3, law::depth::exhaustive>(
      "log(x^2 + 2) * sin(x) / (x^2 + 1) - x",
      [](auto const& x) { return tl::log(tl::square(x) + 2) * tl::sin(x) / (x * x + 1) - x; },
      [](double v) { return std::log(v * v + 2) * std::sin(v) / (v * v + 1) - v; },
      double_only<T>([](double v) {
        double const p = v * v + 2, q = v * v + 1, l = std::log(p);
        return (2 * v / p * std::sin(v) + l * std::cos(v)) / q - l * std::sin(v) * 2 * v / (q * q) - 1;
      }),
      law::uniform(-4, 4));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(edges)

// Sub-expressions built in separate statements stay valid as long as the vars do (AddressSanitizer
// watches), and re-evaluate with the vars' current values.
BOOST_AUTO_TEST_CASE(expressions_built_in_steps) {
  tl::var<tl::dvec<double>> x{1.0, 2.0, 3.0};
  auto const e = tl::exp(x) * x;
  auto const f = -e + 1.0;
  auto const y = tl::sum(f);
  double want = 0;
  for (double v : x.value()) want += 1 - v * std::exp(v);
  BOOST_TEST(tl::value(y) == want, boost::test_tools::tolerance(1e-12));
  x = tl::dvec<double>{0.0, 0.0, 0.0, 0.0, 0.0};
  BOOST_TEST(tl::value(y) == 5.0);
  BOOST_TEST(tl::gradient(y, x) == (tl::dvec<double>(5, -1.0)));
}

// A var used many times in one expression gets the sum of its adjoints.
BOOST_AUTO_TEST_CASE(many_uses_of_one_var) {
  tl::var<tl::vec<double, 4>> x{0.5, 1.0, 1.5, 2.0};
  auto const y = tl::sum(x * x * x - x / x + x + x + x);
  auto const g = tl::gradient(y, x);
  for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(g[i] == 3 * x.value()[i] * x.value()[i] + 3, boost::test_tools::tolerance(1e-14));
}

BOOST_AUTO_TEST_SUITE_END()
