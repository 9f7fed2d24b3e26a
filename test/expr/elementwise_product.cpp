// The laws of the binary elementwise operations, part 2: * and / (part 1, elementwise_binary.cpp, says more).
#define BOOST_TEST_MODULE expr_elementwise_product
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <string>
#include <tuple>

#include "law/binary.hpp"

using float_types = std::tuple<float, double>;

BOOST_AUTO_TEST_SUITE(laws)

BOOST_AUTO_TEST_CASE_TEMPLATE(multiply, T, float_types) {
  law::binary<T, 0>(
      "operator*", [](auto const& a, auto const& b) { return a * b; }, [](double a, double b) { return a * b; },
      [](double, double b) { return b; }, [](double a, double) { return a; },
      {law::uniform(-10, 10), law::uniform(-10, 10), law::uniform(-10, 10)});
}
BOOST_AUTO_TEST_CASE_TEMPLATE(divide, T, float_types) {
  law::binary<T, 1, law::depth::exhaustive>(
      "operator/", [](auto const& a, auto const& b) { return a / b; }, [](double a, double b) { return a / b; },
      [](double, double b) { return 1 / b; }, [](double a, double b) { return -a / (b * b); },
      {law::uniform(-10, 10), law::avoiding(-5, 5, {0.0}, 0.2), law::avoiding(-5, 5, {0.0}, 0.2)});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(edges)

// Numbers take the element type of the expression: x * 2 is float for a float x.
BOOST_AUTO_TEST_CASE(numbers_adopt_the_element_type) {
  tl::var<tl::vec<float, 2>> x{1.5f, 2.5f};
  auto const y = tl::value(x * 2 + 1.0);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(y)>, tl::vec<float, 2>>);
  BOOST_TEST(y == (tl::vec<float, 2>{4.0f, 6.0f}));
  auto const z = tl::value(2.0 / x);
  BOOST_TEST(z[0] == 2.0f / 1.5f);
}

// Division by zero gives inf as in C++, and its adjoint is inf or NaN as the formulas give: no trap.
BOOST_AUTO_TEST_CASE(division_by_zero_is_ieee) {
  tl::var<tl::dvec<double>> a{1.0, -1.0};
  tl::var<tl::dvec<double>> b{0.0, 0.0};
  auto const y = tl::value(a / b);
  BOOST_TEST((std::isinf(y[0]) && y[0] > 0));
  BOOST_TEST((std::isinf(y[1]) && y[1] < 0));
  auto const [da, db] = tl::gradient(tl::sum(a / b), tl::wrt(a, b));
  BOOST_TEST(std::isinf(da[0]));
  BOOST_TEST(!std::isfinite(db[0]));
}

BOOST_AUTO_TEST_SUITE_END()
