// The laws of the binary elementwise operations, part 3: tl::pow, tl::max(a, b), tl::min(a, b) (part 1,
// elementwise_binary.cpp, says more).
#define BOOST_TEST_MODULE expr_elementwise_pow_minmax
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <string>
#include <tuple>

#include "law/binary.hpp"

using float_types = std::tuple<float, double>;

BOOST_AUTO_TEST_SUITE(laws)

BOOST_AUTO_TEST_CASE_TEMPLATE(pow, T, float_types) {
  law::binary<T, 0>(
      "tl::pow", [](auto const& a, auto const& b) { return tl::pow(a, b); },
      [](double a, double b) { return std::pow(a, b); }, [](double a, double b) { return b * std::pow(a, b - 1); },
      [](double a, double b) { return std::pow(a, b) * std::log(a); },
      {law::uniform(0.1, 4), law::uniform(-2.5, 2.5), law::uniform(0.1, 3)});
}
BOOST_AUTO_TEST_CASE_TEMPLATE(max, T, float_types) {
  law::binary<T, 1, law::depth::exhaustive>(
      "tl::max", [](auto const& a, auto const& b) { return tl::max(a, b); },
      [](double a, double b) { return a >= b ? a : b; }, [](double a, double b) { return a >= b ? 1.0 : 0.0; },
      [](double a, double b) { return a >= b ? 0.0 : 1.0; },
      {law::uniform(-5, 5), law::uniform(-5, 5), law::uniform(-5, 5)});
}
BOOST_AUTO_TEST_CASE_TEMPLATE(min, T, float_types) {
  law::binary<T, 2>(
      "tl::min", [](auto const& a, auto const& b) { return tl::min(a, b); },
      [](double a, double b) { return a <= b ? a : b; }, [](double a, double b) { return a <= b ? 1.0 : 0.0; },
      [](double a, double b) { return a <= b ? 0.0 : 1.0; },
      {law::uniform(-5, 5), law::uniform(-5, 5), law::uniform(-5, 5)});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(edges)

// With a constant exponent the exponent's partial (y log x) is never formed, so pow(x, 2) is finite at
// x <= 0, in reverse and in forward mode.
BOOST_AUTO_TEST_CASE_TEMPLATE(pow_constant_exponent_at_nonpositive_base, T, float_types) {
  tl::var<tl::dvec<T>> x{T(-1.5), T(0), T(2)};
  auto const y = tl::value(tl::pow(x, 2.0));
  BOOST_TEST(y[0] == T(2.25));
  BOOST_TEST(y[1] == T(0));
  auto const g = tl::gradient(tl::sum(tl::pow(x, 2.0)), x);
  BOOST_TEST(g[0] == T(-3));
  BOOST_TEST(g[1] == T(0));
  BOOST_TEST(g[2] == T(4));
  auto const d = tl::pow(tl::dual<T>(T(-1.5), {T(1)}), T(2));
  BOOST_TEST(d.value == T(2.25));
  BOOST_TEST(d.tangent[0] == T(-3));
  tl::var<tl::vec<tl::dual<T>, 2>> xd{tl::dual<T>(T(-1.5), {T(1)}), tl::dual<T>(T(0), {T(1)})};
  auto const yd = tl::value(tl::pow(xd, 2.0));
  BOOST_TEST(yd[0].tangent[0] == T(-3));
  BOOST_TEST(yd[1].tangent[0] == T(0));
}

// Ties go to the left operand: max(a, b) and min(a, b) at a == b pass the whole derivative to a.
BOOST_AUTO_TEST_CASE_TEMPLATE(max_min_ties_go_left, T, float_types) {
  tl::var<tl::vec<T, 3>> a{T(1), T(2), T(3)};
  tl::var<tl::vec<T, 3>> b{T(1), T(0), T(5)};
  auto const [da, db] = tl::gradient(tl::sum(tl::max(a, b)), tl::wrt(a, b));
  BOOST_TEST(da == (tl::vec<T, 3>{T(1), T(1), T(0)}));
  BOOST_TEST(db == (tl::vec<T, 3>{T(0), T(0), T(1)}));
  auto const [ma, mb] = tl::gradient(tl::sum(tl::min(a, b)), tl::wrt(a, b));
  BOOST_TEST(ma == (tl::vec<T, 3>{T(1), T(0), T(1)}));
  BOOST_TEST(mb == (tl::vec<T, 3>{T(0), T(1), T(0)}));
  // The same var on both sides: the derivative is 1, not 2 and not 1/2.
  BOOST_TEST(tl::gradient(tl::sum(tl::max(a, a)), a) == (tl::vec<T, 3>{T(1), T(1), T(1)}));
  BOOST_TEST(tl::gradient(tl::sum(tl::min(a, a)), a) == (tl::vec<T, 3>{T(1), T(1), T(1)}));
  // Forward mode agrees.
  auto const f = tl::max(tl::dual<T, 2>(T(1), {T(1), T(0)}), tl::dual<T, 2>(T(1), {T(0), T(1)}));
  BOOST_TEST(f.tangent[0] == T(1));
  BOOST_TEST(f.tangent[1] == T(0));
}

BOOST_AUTO_TEST_SUITE_END()
