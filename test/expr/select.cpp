// Selection (include/tapeless/expr/elementwise.hpp): comparisons give masks, tl::where picks elementwise,
// tl::clamp limits; the derivative flows through the chosen branch only. Laws away from the switching
// points (test/law/), then the switching points themselves.
#define BOOST_TEST_MODULE expr_select
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <tuple>

#include "law/binary.hpp"
#include "law/check.hpp"
#include "law/shapes.hpp"
#include "law/unary.hpp"

using float_types = std::tuple<float, double>;

BOOST_AUTO_TEST_SUITE(laws)

BOOST_AUTO_TEST_CASE_TEMPLATE(where_exp_or_square, T, float_types) {
  law::unary<T, 0, law::depth::exhaustive>(
      "tl::where(x > 0.5, exp(x), x * x)", [](auto const& x) { return tl::where(x > 0.5, tl::exp(x), x * x); },
      [](double v) { return v > 0.5 ? std::exp(v) : v * v; }, [](double v) { return v > 0.5 ? std::exp(v) : 2 * v; },
      law::avoiding(-3, 3, {0.5}, 1e-3));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(leaky_relu, T, float_types) {
  law::unary<T, 1>(
      "tl::where(x > 0, x, 0.01 * x)", [](auto const& x) { return tl::where(x > 0.0, x, 0.01 * x); },
      [](double v) { return v > 0 ? v : 0.01 * v; }, [](double v) { return v > 0 ? 1.0 : 0.01; },
      law::avoiding(-3, 3, {0.0}, 1e-3));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(clamp, T, float_types) {
  law::unary<T, 2>(
      "tl::clamp(x, -0.5, 0.5)", [](auto const& x) { return tl::clamp(x, -0.5, 0.5); },
      [](double v) { return std::clamp(v, -0.5, 0.5); }, [](double v) { return std::abs(v) < 0.5 ? 1.0 : 0.0; },
      law::avoiding(-2, 2, {-0.5, 0.5}, 1e-3));
}
// The mask comes from one expression, the branches from others.
BOOST_AUTO_TEST_CASE_TEMPLATE(where_of_expressions, T, float_types) {
  constexpr double pi = std::numbers::pi;
  law::unary<T, 3>(
      "tl::where(sin(x) >= 0, cos(x), exp(-x))",
      [](auto const& x) { return tl::where(tl::sin(x) >= 0.0, tl::cos(x), tl::exp(-x)); },
      [](double v) { return std::sin(v) >= 0 ? std::cos(v) : std::exp(-v); },
      [](double v) { return std::sin(v) >= 0 ? -std::sin(v) : -std::exp(-v); },
      law::avoiding(-6, 6, {-2 * pi, -pi, 0.0, pi, 2 * pi}, 1e-3));
}
// Two vars: where(a < b, a * b, a - b).
BOOST_AUTO_TEST_CASE_TEMPLATE(where_of_two_vars, T, float_types) {
  law::spec const s = law::binary_spec(
      "tl::where(a < b, a * b, a - b)", [](double a, double b) { return a < b ? a * b : a - b; },
      [](double a, double b) { return a < b ? b : 1.0; }, [](double a, double b) { return a < b ? a : -1.0; });
  auto const op = [](auto const& a, auto const& b) { return tl::where(a < b, a * b, a - b); };
  std::mt19937 gen(law::fixed_seed);
  auto const d = law::uniform(-3, 3);
  for (std::size_t n : law::sizes)
    law::check<law::depth::full>(s, op, law::random_like(tl::dvec<T>(n), d, gen), law::random_like(tl::dvec<T>(n), d, gen));
  law::check(s, op, law::random_like(tl::vec<T, 9>{}, d, gen), law::random_like(tl::vec<T, 9>{}, d, gen));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(edges)

// Comparisons give masks of bool, with numbers on either side; ties: <= and >= hold, < and > do not.
BOOST_AUTO_TEST_CASE_TEMPLATE(comparisons, T, float_types) {
  tl::var<tl::vec<T, 4>> x{T(-1), T(0.5), T(2), T(0.5)};
  using mask = tl::vec<bool, 4>;
  BOOST_TEST(tl::value(x < 0.5) == (mask{true, false, false, false}));
  BOOST_TEST(tl::value(x <= 0.5) == (mask{true, true, false, true}));
  BOOST_TEST(tl::value(x > 0.5) == (mask{false, false, true, false}));
  BOOST_TEST(tl::value(x >= 0.5) == (mask{false, true, true, true}));
  BOOST_TEST(tl::value(0.5 < x) == (mask{false, false, true, false}));
  BOOST_TEST(tl::value(x < x) == (mask{false, false, false, false}));
  BOOST_TEST(tl::value(x >= x) == (mask{true, true, true, true}));
  BOOST_TEST(tl::value(tl::exp(x) > x * x) == (mask{false, true, true, true}));  // e^-1 < 1
  tl::var<tl::dvec<T>> d{T(3), T(-3)};
  BOOST_TEST(tl::value(d > 0.0) == (tl::dvec<bool>{true, false}));
  tl::var<tl::dvec<T>> e{T(1), T(2), T(3)};
  BOOST_CHECK_THROW(tl::value(d < e), tl::shape_error);
}

// The derivative flows through the chosen branch only: each var gets the adjoint where it was chosen.
BOOST_AUTO_TEST_CASE_TEMPLATE(chosen_branch_only, T, float_types) {
  tl::var<tl::dvec<T>> a{T(1), T(5), T(3)};
  tl::var<tl::dvec<T>> b{T(4), T(2), T(3)};
  auto const y = tl::where(a < b, a, b);  // elementwise minimum, ties to b
  BOOST_TEST(tl::value(y) == (tl::dvec<T>{T(1), T(2), T(3)}));
  auto const [da, db] = tl::gradient(tl::sum(y * 2.0), tl::wrt(a, b));
  BOOST_TEST(da == (tl::dvec<T>{T(2), T(0), T(0)}));
  BOOST_TEST(db == (tl::dvec<T>{T(0), T(2), T(2)}));
  // A scalar mask broadcasts over vector branches.
  tl::var<T> s{T(-1)};
  auto const [ga, gb] = tl::gradient(tl::sum(tl::where(s > 0.0, a, b)), tl::wrt(a, b));
  BOOST_TEST(ga == (tl::dvec<T>{T(0), T(0), T(0)}));
  BOOST_TEST(gb == (tl::dvec<T>{T(1), T(1), T(1)}));
  // A scalar branch broadcasts and gathers the adjoint of every element that chose it.
  auto const [gs, ga2] = tl::gradient(tl::sum(tl::where(a > 2.0, s, a)), tl::wrt(s, a));
  BOOST_TEST(gs == T(2));
  BOOST_TEST(ga2 == (tl::dvec<T>{T(1), T(0), T(0)}));
  // Forward mode picks the same branch.
  tl::var<tl::dvec<tl::dual<T>>> f{tl::dual<T>(T(1), {T(10)}), tl::dual<T>(T(5), {T(20)})};
  auto const t = tl::value(tl::where(f < 2.0, f * 3.0, f * f));
  BOOST_TEST(t[0].tangent[0] == T(30));
  BOOST_TEST(t[1].tangent[0] == T(200));
}

// The branch not taken is still evaluated and gets a zero adjoint; zero times an infinite partial is NaN
// (as in JAX; docs/guide.md says so). The guarded idiom keeps the risky branch's argument finite where it
// is not chosen, and then the gradient is exact.
BOOST_AUTO_TEST_CASE_TEMPLATE(guarded_unchosen_branch, T, float_types) {
  tl::var<tl::dvec<T>> x{T(-1), T(0), T(4)};
  auto const safe = tl::where(x > 0.0, x, 1.0);
  auto const y = tl::where(x > 0.0, tl::sqrt(safe), -x);
  BOOST_TEST(tl::value(y) == (tl::dvec<T>{T(1), T(0), T(2)}));
  BOOST_TEST(tl::gradient(tl::sum(y), x) == (tl::dvec<T>{T(-1), T(-1), T(0.25)}));
  BOOST_TEST(tl::gradient(y, x) == (tl::dvec<T>{T(-1), T(-1), T(0.25)}));
  auto const z = tl::where(x > 0.0, tl::log(safe), x);
  BOOST_TEST(tl::gradient(tl::sum(z), x) == (tl::dvec<T>{T(1), T(1), T(0.25)}));
  // Unguarded, the documented NaN: only where the unchosen branch's partial is not finite.
  auto const g = tl::gradient(tl::sum(tl::where(x > 0.0, tl::sqrt(x), -x)), x);
  BOOST_TEST(std::isnan(g[0]));
  BOOST_TEST(std::isnan(g[1]));
  BOOST_TEST(g[2] == T(0.25));
}

// clamp at its bounds: ties go to the first argument of max and min, so the derivative there is 1.
// Bounds that are vars get the derivative where they are chosen.
BOOST_AUTO_TEST_CASE_TEMPLATE(clamp_bounds, T, float_types) {
  tl::var<tl::dvec<T>> x{T(-2), T(-1), T(0), T(1), T(2)};
  BOOST_TEST(tl::value(tl::clamp(x, -1.0, 1.0)) == (tl::dvec<T>{T(-1), T(-1), T(0), T(1), T(1)}));
  BOOST_TEST(tl::gradient(tl::sum(tl::clamp(x, -1.0, 1.0)), x) == (tl::dvec<T>{T(0), T(1), T(1), T(1), T(0)}));
  tl::var<T> lo{T(-1)};
  tl::var<T> hi{T(1)};
  auto const [gx, glo, ghi] = tl::gradient(tl::sum(tl::clamp(x, lo, hi)), tl::wrt(x, lo, hi));
  BOOST_TEST(gx == (tl::dvec<T>{T(0), T(1), T(1), T(1), T(0)}));
  BOOST_TEST(glo == T(1));
  BOOST_TEST(ghi == T(1));
}

BOOST_AUTO_TEST_SUITE_END()
