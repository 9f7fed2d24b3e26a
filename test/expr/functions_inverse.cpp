// The laws of the inverse trigonometric and hyperbolic functions and the other logarithms (test/law/):
// each is one rule in expr/ops.hpp and nothing else, and is checked here in reverse mode, the fused loops,
// duals, nested duals and jets against a long double reference and central differences.
#define BOOST_TEST_MODULE expr_functions_inverse
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <tuple>

#include "law/unary.hpp"

using float_types = std::tuple<float, double>;
using ld = long double;

BOOST_AUTO_TEST_SUITE(laws)

BOOST_AUTO_TEST_CASE_TEMPLATE(log2, T, float_types) {
  law::unary<T, 0>("tl::log2", [](auto const& x) { return tl::log2(x); }, [](double v) { return double(std::log2(ld(v))); },
                   [](double v) { return double(1 / (ld(v) * std::log(ld(2)))); }, law::uniform(0.05, 20));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(log10, T, float_types) {
  law::unary<T, 1>("tl::log10", [](auto const& x) { return tl::log10(x); }, [](double v) { return double(std::log10(ld(v))); },
                   [](double v) { return double(1 / (ld(v) * std::log(ld(10)))); }, law::uniform(0.05, 20));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(asin, T, float_types) {
  law::unary<T, 2, law::depth::exhaustive>("tl::asin", [](auto const& x) { return tl::asin(x); },
                   [](double v) { return double(std::asin(ld(v))); },
                   [](double v) { return double(1 / std::sqrt(1 - ld(v) * ld(v))); }, law::uniform(-0.9, 0.9));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(acos, T, float_types) {
  law::unary<T, 3>("tl::acos", [](auto const& x) { return tl::acos(x); }, [](double v) { return double(std::acos(ld(v))); },
                   [](double v) { return double(-1 / std::sqrt(1 - ld(v) * ld(v))); }, law::uniform(-0.9, 0.9));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(atan, T, float_types) {
  law::unary<T, 4>("tl::atan", [](auto const& x) { return tl::atan(x); }, [](double v) { return double(std::atan(ld(v))); },
                   [](double v) { return double(1 / (1 + ld(v) * ld(v))); }, law::uniform(-6, 6));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(sinh, T, float_types) {
  law::unary<T, 5>("tl::sinh", [](auto const& x) { return tl::sinh(x); }, [](double v) { return double(std::sinh(ld(v))); },
                   [](double v) { return double(std::cosh(ld(v))); }, law::uniform(-4, 4));
}
// cosh has a minimum at 0, where the value's condition number is 0: the domain keeps away from it, so
// the relative tolerances stay meaningful.
BOOST_AUTO_TEST_CASE_TEMPLATE(cosh, T, float_types) {
  law::unary<T, 6>("tl::cosh", [](auto const& x) { return tl::cosh(x); }, [](double v) { return double(std::cosh(ld(v))); },
                   [](double v) { return double(std::sinh(ld(v))); }, law::avoiding(-4, 4, {0.0}, 0.05));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(asinh, T, float_types) {
  law::unary<T, 7>("tl::asinh", [](auto const& x) { return tl::asinh(x); }, [](double v) { return double(std::asinh(ld(v))); },
                   [](double v) { return double(1 / std::sqrt(ld(v) * ld(v) + 1)); }, law::uniform(-8, 8));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(acosh, T, float_types) {
  law::unary<T, 8>("tl::acosh", [](auto const& x) { return tl::acosh(x); }, [](double v) { return double(std::acosh(ld(v))); },
                   [](double v) { return double(1 / std::sqrt(ld(v) * ld(v) - 1)); }, law::uniform(1.1, 8));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(atanh, T, float_types) {
  law::unary<T, 9>("tl::atanh", [](auto const& x) { return tl::atanh(x); }, [](double v) { return double(std::atanh(ld(v))); },
                   [](double v) { return double(1 / (1 - ld(v) * ld(v))); }, law::uniform(-0.9, 0.9));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(cbrt, T, float_types) {
  law::unary<T, 10>("tl::cbrt", [](auto const& x) { return tl::cbrt(x); }, [](double v) { return double(std::cbrt(ld(v))); },
                    [](double v) { return double(1 / (3 * std::cbrt(ld(v)) * std::cbrt(ld(v)))); },
                    law::avoiding(-8, 8, {0.0}, 0.05));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(singular_points)

// At the ends of their domains the values are exact and the derivatives infinite, in every mode; outside
// them NaN, as std:: gives.
BOOST_AUTO_TEST_CASE_TEMPLATE(domain_ends, T, float_types) {
  T const inf = std::numeric_limits<T>::infinity();
  tl::var<tl::dvec<T>> x{T(1), T(-1)};
  auto const as = tl::value(tl::asin(x));
  BOOST_TEST(as[0] == std::asin(T(1)));
  BOOST_TEST(as[1] == std::asin(T(-1)));
  auto const gas = tl::gradient(tl::sum(tl::asin(x)), x);
  BOOST_TEST(gas[0] == inf);
  BOOST_TEST(gas[1] == inf);
  auto const gac = tl::gradient(tl::sum(tl::acos(x)), x);
  BOOST_TEST(gac[0] == -inf);
  auto const gat = tl::gradient(tl::sum(tl::atanh(x)), x);
  BOOST_TEST(gat[0] == inf);
  BOOST_TEST(tl::value(tl::atanh(x))[0] == inf);
  BOOST_TEST(tl::value(tl::atanh(x))[1] == -inf);
  // the same on duals
  auto const d = tl::asin(tl::dual<T>(T(1), {T(1)}));
  BOOST_TEST(d.tangent[0] == inf);
  auto const h = tl::acosh(tl::dual<T>(T(1), {T(1)}));
  BOOST_TEST(h.value == T(0));
  BOOST_TEST(h.tangent[0] == inf);
  // cbrt: real for negative x, derivative +inf at 0; log2 and log10 at 0: -inf with derivative +inf
  tl::var<tl::dvec<T>> z{T(0), T(-8)};
  auto const c = tl::value(tl::cbrt(z));
  BOOST_TEST(c[0] == T(0));
  BOOST_TEST(c[1] == T(-2));
  auto const gc = tl::gradient(tl::sum(tl::cbrt(z)), z);
  BOOST_TEST(gc[0] == inf);
  BOOST_TEST(std::abs(gc[1] - T(1) / T(12)) <= T(1e-6));
  BOOST_TEST(tl::value(tl::log2(z))[0] == -inf);
  BOOST_TEST(tl::gradient(tl::sum(tl::log10(z)), z)[0] == inf);
  BOOST_TEST(std::isnan(tl::value(tl::log2(z))[1]));
  BOOST_TEST(std::isnan(tl::asin(T(2))));
}

// Far out: sinh and cosh overflow to inf with derivative inf, atan and asinh stay accurate.
BOOST_AUTO_TEST_CASE_TEMPLATE(far_out, T, float_types) {
  T const inf = std::numeric_limits<T>::infinity();
  tl::var<tl::dvec<T>> x{T(1000), T(-1000), T(1e6)};
  auto const gs = tl::gradient(tl::sum(tl::sinh(x)), x);
  BOOST_TEST(gs[0] == inf);
  BOOST_TEST(gs[1] == inf);
  auto const ga = tl::gradient(tl::sum(tl::atan(x)), x);
  BOOST_TEST(std::abs(ga[2] - T(1e-12)) <= T(1e-18));
  auto const gh = tl::gradient(tl::sum(tl::asinh(x)), x);
  BOOST_TEST(std::abs(gh[0] - T(1) / std::sqrt(T(1e6) + 1)) <= T(1e-9));
  BOOST_TEST(std::isnan(tl::value(tl::cosh(x))[0]) == false);
}

BOOST_AUTO_TEST_SUITE_END()
