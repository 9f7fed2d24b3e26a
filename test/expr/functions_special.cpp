// The laws of the statistical and special functions (softplus, log_sigmoid, erf, erfc, lgamma, digamma)
// and of atan2 and hypot (test/law/), each one rule in expr/ops.hpp and nothing else; then the jets'
// recurrence through the rules against nested duals and against the hand-written recurrences, the
// polygamma functions against known constants, and the singular points.
#define BOOST_TEST_MODULE expr_functions_special
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <numbers>
#include <tuple>

#include "law/binary.hpp"
#include "law/unary.hpp"

using float_types = std::tuple<float, double>;
using ld = long double;

namespace {
double polygamma_ref(unsigned n, double v) { return double(tl::detail::polygamma<ld>(n, ld(v))); }
}  // namespace

BOOST_AUTO_TEST_SUITE(laws)

BOOST_AUTO_TEST_CASE_TEMPLATE(softplus, T, float_types) {
  law::unary<T, 0, law::depth::exhaustive>("tl::softplus", [](auto const& x) { return tl::softplus(x); },
                   [](double v) { return double(std::log1p(std::exp(ld(v)))); },
                   [](double v) { return double(1 / (1 + std::exp(-ld(v)))); }, law::uniform(-20, 20));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(log_sigmoid, T, float_types) {
  law::unary<T, 1>("tl::log_sigmoid", [](auto const& x) { return tl::log_sigmoid(x); },
                   [](double v) { return double(-std::log1p(std::exp(-ld(v)))); },
                   [](double v) { return double(1 / (1 + std::exp(ld(v)))); }, law::uniform(-20, 20));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(erf, T, float_types) {
  law::unary<T, 2>("tl::erf", [](auto const& x) { return tl::erf(x); }, [](double v) { return double(std::erf(ld(v))); },
                   [](double v) { return double(2 / std::sqrt(std::numbers::pi_v<ld>) * std::exp(-ld(v) * ld(v))); },
                   law::uniform(-3, 3));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(erfc, T, float_types) {
  law::unary<T, 3>("tl::erfc", [](auto const& x) { return tl::erfc(x); }, [](double v) { return double(std::erfc(ld(v))); },
                   [](double v) { return double(-2 / std::sqrt(std::numbers::pi_v<ld>) * std::exp(-ld(v) * ld(v))); },
                   law::uniform(-3, 3));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(lgamma, T, float_types) {
  law::unary<T, 4>("tl::lgamma", [](auto const& x) { return tl::lgamma(x); }, [](double v) { return double(std::lgamma(ld(v))); },
                   [](double v) { return polygamma_ref(0, v); }, law::avoiding(-3.9, 9, {0, -1, -2, -3}, 0.1));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(digamma, T, float_types) {
  law::unary<T, 5>("tl::digamma", [](auto const& x) { return tl::digamma(x); }, [](double v) { return polygamma_ref(0, v); },
                   [](double v) { return polygamma_ref(1, v); }, law::avoiding(-3.9, 9, {0, -1, -2, -3}, 0.1));
}
// atan2 jumps by 2 pi across the negative z axis (x = 0, z < 0): the left operand keeps away from 0.
BOOST_AUTO_TEST_CASE_TEMPLATE(atan2, T, float_types) {
  law::binary<T, 6, law::depth::exhaustive>(
      "tl::atan2", [](auto const& a, auto const& b) { return tl::atan2(a, b); },
      [](double x, double z) { return double(std::atan2(ld(x), ld(z))); },
      [](double x, double z) { return double(ld(z) / (ld(x) * x + ld(z) * z)); },
      [](double x, double z) { return double(-ld(x) / (ld(x) * x + ld(z) * z)); },
      {law::avoiding(-3, 3, {0.0}, 0.2), law::uniform(-3, 3), law::avoiding(-3, 3, {0.0}, 0.2)});
}
BOOST_AUTO_TEST_CASE_TEMPLATE(hypot, T, float_types) {
  law::binary<T, 7>(
      "tl::hypot", [](auto const& a, auto const& b) { return tl::hypot(a, b); },
      [](double x, double z) { return double(std::hypot(ld(x), ld(z))); },
      [](double x, double z) { return double(ld(x) / std::hypot(ld(x), ld(z))); },
      [](double x, double z) { return double(ld(z) / std::hypot(ld(x), ld(z))); },
      {law::avoiding(-3, 3, {0.0}, 0.2), law::uniform(-3, 3), law::avoiding(-3, 3, {0.0}, 0.2)});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(jets)

// Each function's first four derivatives by a Taylor jet (the recurrence through the rule's derivative,
// or a hand-written one) and by four nested duals (the chain rule through the same rule, level by level)
// agree; the first two also with the long double derivatives.
template <class F>
void jets_agree_with_nested_duals(char const* name, F const& f, double x, double d1, double d2) {
  auto const j = tl::derivative<4>(f, x);
  auto const n = tl::derivative<4>(f, x, tl::nested_duals);
  for (std::size_t k = 0; k <= 4; ++k)
    BOOST_TEST(std::abs(j[k] - n[k]) <= 1e-11 * std::max(1.0, std::abs(n[k])), name << " derivative " << k << " at " << x
                                                                                     << ": jet " << j[k] << ", nested duals " << n[k]);
  BOOST_TEST(std::abs(j[1] - d1) <= 1e-12 * std::max(1.0, std::abs(d1)), name << " first derivative at " << x);
  BOOST_TEST(std::abs(j[2] - d2) <= 1e-7 * std::max(1.0, std::abs(d2)), name << " second derivative at " << x);
}

// d/dx of the first derivative by central differences in long double, for the second derivative.
template <class G>
double second_by_differences(G const& g, double x) {
  ld const h = 1e-5L * std::max(1.0L, std::abs(ld(x)));
  return double((g(ld(x) + h) - g(ld(x) - h)) / (2 * h));
}

BOOST_AUTO_TEST_CASE(every_new_function) {
  using std::numbers::pi_v;
  auto d_asin = [](ld v) { return 1 / std::sqrt(1 - v * v); };
  auto d_atan = [](ld v) { return 1 / (1 + v * v); };
  auto d_asinh = [](ld v) { return 1 / std::sqrt(v * v + 1); };
  auto d_acosh = [](ld v) { return 1 / std::sqrt(v * v - 1); };
  auto d_atanh = [](ld v) { return 1 / (1 - v * v); };
  auto d_erf = [](ld v) { return 2 / std::sqrt(pi_v<ld>) * std::exp(-v * v); };
  auto d_softplus = [](ld v) { return 1 / (1 + std::exp(-v)); };
  auto d_log_sigmoid = [](ld v) { return 1 / (1 + std::exp(v)); };
  auto d_cbrt = [](ld v) { return 1 / (3 * std::cbrt(v) * std::cbrt(v)); };
  auto d_log2 = [](ld v) { return 1 / (v * std::log(2.0L)); };
  auto d_lgamma = [](ld v) { return tl::detail::polygamma<ld>(0, v); };
  auto d_digamma = [](ld v) { return tl::detail::polygamma<ld>(1, v); };
  auto d_sinh = [](ld v) { return std::cosh(v); };
#define TAPELESS_JET_CASE(F, D, X) \
  jets_agree_with_nested_duals(#F, [](auto const& x) { return tl::F(x); }, X, double(D(ld(X))), second_by_differences(D, X))
  for (double x : {-0.7, 0.3, 0.55}) {
    TAPELESS_JET_CASE(asin, d_asin, x);
    TAPELESS_JET_CASE(atan, d_atan, x);
    TAPELESS_JET_CASE(asinh, d_asinh, x);
    TAPELESS_JET_CASE(atanh, d_atanh, x);
    TAPELESS_JET_CASE(erf, d_erf, x);
    TAPELESS_JET_CASE(softplus, d_softplus, x);
    TAPELESS_JET_CASE(log_sigmoid, d_log_sigmoid, x);
    TAPELESS_JET_CASE(cbrt, d_cbrt, x);
    TAPELESS_JET_CASE(sinh, d_sinh, x);
    TAPELESS_JET_CASE(lgamma, d_lgamma, x);
    TAPELESS_JET_CASE(digamma, d_digamma, x);
  }
  for (double x : {1.3, 4.5}) {
    TAPELESS_JET_CASE(acosh, d_acosh, x);
    TAPELESS_JET_CASE(log2, d_log2, x);
    TAPELESS_JET_CASE(lgamma, d_lgamma, x);
  }
#undef TAPELESS_JET_CASE
}

// The generic recurrence (through the rule's derivative) exists for every rule, also where a faster
// hand-written one is used: both give the same coefficients.
template <class Op, class F>
void generic_matches_hand(char const* name, F const& hand, double x) {
  auto const v = tl::jet<double, 6>::variable(x);
  auto const g = tl::detail::jet_by_rule<Op>(v);
  auto const h = hand(v);
  for (std::size_t k = 0; k <= 6; ++k)
    BOOST_TEST(std::abs(g.c[k] - h.c[k]) <= 1e-12 * std::max(1.0, std::abs(h.c[k])),
               name << " coefficient " << k << " at " << x << ": generic " << g.c[k] << ", hand-written " << h.c[k]);
}

BOOST_AUTO_TEST_CASE(generic_recurrence_matches_the_hand_written_ones) {
  namespace op = tl::detail::op;
  for (double x : {-0.8, 0.4, 1.7}) {
    generic_matches_hand<op::exp_>("exp", [](auto const& v) { return tl::exp(v); }, x);
    generic_matches_hand<op::expm1_>("expm1", [](auto const& v) { return tl::expm1(v); }, x);
    generic_matches_hand<op::sin_>("sin", [](auto const& v) { return tl::sin(v); }, x);
    generic_matches_hand<op::cos_>("cos", [](auto const& v) { return tl::cos(v); }, x);
    generic_matches_hand<op::tan_>("tan", [](auto const& v) { return tl::tan(v); }, x);
    generic_matches_hand<op::tanh_>("tanh", [](auto const& v) { return tl::tanh(v); }, x);
    generic_matches_hand<op::abs_>("abs", [](auto const& v) { return tl::abs(v); }, x);
  }
  for (double x : {0.3, 1.7}) {
    generic_matches_hand<op::log_>("log", [](auto const& v) { return tl::log(v); }, x);
    generic_matches_hand<op::log1p_>("log1p", [](auto const& v) { return tl::log1p(v); }, x);
    generic_matches_hand<op::sqrt_>("sqrt", [](auto const& v) { return tl::sqrt(v); }, x);
  }
  // pow: both operands moving, and a constant exponent
  auto const a = tl::jet<double, 5>::variable(1.3);
  auto const b = 0.5 * a + 0.25;
  auto const g = tl::detail::jet_by_rule<op::pow_>(a, b);
  auto const h = tl::pow(a, b);
  auto const g2 = tl::detail::jet_by_rule<op::pow_>(a, tl::jet<double, 5>(2.5));
  auto const h2 = tl::pow(a, 2.5);
  for (std::size_t k = 0; k <= 5; ++k) {
    BOOST_TEST(std::abs(g.c[k] - h.c[k]) <= 1e-12 * std::max(1.0, std::abs(h.c[k])));
    BOOST_TEST(std::abs(g2.c[k] - h2.c[k]) <= 1e-12 * std::max(1.0, std::abs(h2.c[k])));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(polygamma)

BOOST_AUTO_TEST_CASE(known_values) {
  using tl::detail::polygamma;
  double const gamma = 0.57721566490153286061, zeta3 = 1.2020569031595942854, pi = std::numbers::pi;
  // within 2 ulps of the reference (itself rounded once or twice)
  auto ulps = [](double got, double want) { return std::abs(got - want) / (std::numeric_limits<double>::epsilon() * std::abs(want)); };
  BOOST_TEST(ulps(polygamma(0, 1.0), -gamma) <= 2);
  BOOST_TEST(ulps(polygamma(0, 0.5), -gamma - 2 * std::numbers::ln2) <= 2);
  BOOST_TEST(ulps(polygamma(0, -0.5), double(2 - 0.57721566490153286061L - 2 * std::numbers::ln2_v<ld>)) <= 2);
  BOOST_TEST(ulps(polygamma(1, 1.0), pi * pi / 6) <= 2);
  BOOST_TEST(ulps(polygamma(2, 1.0), -2 * zeta3) <= 2);
  BOOST_TEST(ulps(polygamma(3, 1.0), std::pow(pi, 4) / 15) <= 2);
  BOOST_TEST(ulps(polygamma(1, 0.5), pi * pi / 2) <= 2);
  // psi(x + 1) = psi(x) + 1 / x across the switch to the reflection formula at -1000
  BOOST_TEST(std::abs(polygamma(0, -1000.5) - (polygamma(0, -1001.5) + 1 / -1001.5)) <= 1e-12);
  BOOST_TEST(std::abs(polygamma(1, -1000.5) - (polygamma(1, -1001.5) - 1 / (1001.5 * 1001.5))) <= 1e-9);
  // digamma is the derivative of lgamma: against central differences of lgammal
  for (double x : {0.3, 1.5, 7.25, 40.0, -2.5}) {
    ld const h = 1e-6L;
    double const fd = double((std::lgamma(ld(x) + h) - std::lgamma(ld(x) - h)) / (2 * h));
    BOOST_TEST(std::abs(polygamma(0, x) - fd) <= 1e-8 * std::max(1.0, std::abs(fd)), "digamma at " << x);
  }
  // float agrees with double to float's precision
  for (float x : {0.3f, 2.5f, 11.0f})
    BOOST_TEST(std::abs(polygamma(0, x) - float(polygamma(0, double(x)))) <= 4e-7f * std::max(1.0f, std::abs(polygamma(0, x))));
}

BOOST_AUTO_TEST_CASE(poles_and_infinities) {
  using tl::detail::polygamma;
  double const inf = std::numeric_limits<double>::infinity();
  BOOST_TEST(std::isnan(polygamma(0, 0.0)));  // digamma changes sign across each pole
  BOOST_TEST(std::isnan(polygamma(0, -3.0)));
  BOOST_TEST(polygamma(1, 0.0) == inf);  // trigamma tends to +inf from both sides
  BOOST_TEST(polygamma(1, -2.0) == inf);
  BOOST_TEST(polygamma(0, inf) == inf);
  BOOST_TEST(polygamma(1, inf) == 0.0);
  BOOST_TEST(std::isnan(polygamma(0, -inf)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(singular_points)

BOOST_AUTO_TEST_CASE_TEMPLATE(far_out_and_poles, T, float_types) {
  T const inf = std::numeric_limits<T>::infinity();
  tl::var<tl::dvec<T>> x{T(1000), T(-1000), T(0)};
  // softplus and log_sigmoid neither overflow nor lose the derivative far out, in reverse mode and on duals
  auto const sp = tl::value(tl::softplus(x));
  BOOST_TEST(sp[0] == T(1000));
  BOOST_TEST(sp[1] == T(0));
  BOOST_TEST(sp[2] == std::log(T(2)));
  auto const gsp = tl::gradient(tl::sum(tl::softplus(x)), x);
  BOOST_TEST(gsp[0] == T(1));
  BOOST_TEST(gsp[1] == T(0));
  BOOST_TEST(gsp[2] == T(0.5));
  auto const ls = tl::value(tl::log_sigmoid(x));
  BOOST_TEST(ls[0] == T(0));
  BOOST_TEST(ls[1] == T(-1000));
  auto const gls = tl::gradient(tl::sum(tl::log_sigmoid(x)), x);
  BOOST_TEST(gls[0] == T(0));
  BOOST_TEST(gls[1] == T(1));
  auto const d = tl::softplus(tl::dual<T>(T(-1000), {T(1)}));
  BOOST_TEST(d.value == T(0));
  BOOST_TEST(d.tangent[0] == T(0));
  // erf saturates to +-1 with a derivative that stays exact into the denormals and then underflows to 0
  tl::var<tl::dvec<T>> e{T(10), T(-10), T(30)};
  auto const ge = tl::gradient(tl::sum(tl::erf(e)), e);
  BOOST_TEST(tl::value(tl::erf(e))[0] == T(1));
  T const tiny = T(2 / std::sqrt(std::numbers::pi) * std::exp(-100.0));  // 4.2e-44: a float denormal
  BOOST_TEST(std::abs(ge[0] - tiny) <= T(1e-2) * tiny);
  BOOST_TEST(ge[1] == ge[0]);
  BOOST_TEST(ge[2] == T(0));
  // lgamma at a pole: +inf, with the derivative digamma gives there (NaN: its sign changes across the pole)
  tl::var<tl::dvec<T>> p{T(0), T(-2)};
  BOOST_TEST(tl::value(tl::lgamma(p))[0] == inf);
  BOOST_TEST(std::isnan(tl::gradient(tl::sum(tl::lgamma(p)), p)[1]));
}

// hypot's gradient at the origin is 0 (as norm's); atan2's is NaN there (0/0, as JAX's); the values are
// std::'s, including the quadrants.
BOOST_AUTO_TEST_CASE_TEMPLATE(binary_origins, T, float_types) {
  tl::var<tl::dvec<T>> a{T(0), T(0), T(3)};
  tl::var<tl::dvec<T>> b{T(0), T(-1), T(4)};
  auto const [ha, hb] = tl::gradient(tl::sum(tl::hypot(a, b)), tl::wrt(a, b));
  BOOST_TEST(ha[0] == T(0));
  BOOST_TEST(hb[0] == T(0));
  BOOST_TEST(std::abs(ha[2] - T(0.6)) <= T(1e-6));
  BOOST_TEST(std::abs(hb[2] - T(0.8)) <= T(1e-6));
  auto const at = tl::value(tl::atan2(a, b));
  BOOST_TEST(at[1] == std::atan2(T(0), T(-1)));
  auto const [aa, ab] = tl::gradient(tl::sum(tl::atan2(a, b)), tl::wrt(a, b));
  BOOST_TEST(std::isnan(aa[0]));
  BOOST_TEST(std::abs(aa[1] - T(-1)) <= T(1e-6));
  BOOST_TEST(ab[1] == T(0));
  auto const hd = tl::hypot(tl::dual<T, 2>(T(0), {T(1), T(0)}), tl::dual<T, 2>(T(0), {T(0), T(1)}));
  BOOST_TEST(hd.tangent[0] == T(0));
  BOOST_TEST(hd.tangent[1] == T(0));
}

// The <cmath> names generic code calls on its numbers work on duals and jets.
BOOST_AUTO_TEST_CASE(cmath_names_on_duals_and_jets) {
  double const nan = std::numeric_limits<double>::quiet_NaN();
  tl::dual<double, 2> const x(-1.5, {1.0, nan});
  BOOST_TEST(isnan(x));
  BOOST_TEST(!isfinite(x));
  BOOST_TEST(!isinf(x));
  auto const f = fabs(tl::dual<double>(-1.5, {2.0}));
  BOOST_TEST(f.value == 1.5);
  BOOST_TEST(f.tangent[0] == -2.0);
  BOOST_TEST(isfinite(tl::dual<double>(1.0, {2.0})));
  auto const j = tl::jet<double, 2>::variable(-2.0);
  BOOST_TEST(fabs(j).c[1] == -1.0);
  BOOST_TEST(isfinite(j));
  BOOST_TEST(isinf(tl::jet<double, 2>(std::numeric_limits<double>::infinity())));
}

BOOST_AUTO_TEST_SUITE_END()
