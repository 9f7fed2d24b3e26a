// tl::dual and tl::derivative: tangents against closed forms, nesting, and forward against reverse.
#define BOOST_TEST_MODULE forward_dual
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <tapeless/tapeless.hpp>

namespace {

template <class T>
constexpr T tol() {
  return std::is_same_v<T, float> ? T(2e-6) : T(1e-14);
}

template <class T>
bool close(T a, T b) {
  return std::abs(a - b) <= tol<T>() * std::max(T(1), std::max(std::abs(a), std::abs(b)));
}

using reals = std::tuple<float, double>;

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(arithmetic_follows_the_product_and_quotient_rules, T, reals) {
  tl::dual<T, 2> x{T(3), {T(1), T(0)}};
  tl::dual<T, 2> y{T(5), {T(0), T(1)}};
  auto p = x * y;
  BOOST_TEST(p.value == T(15));
  BOOST_TEST(p.tangent[0] == T(5));
  BOOST_TEST(p.tangent[1] == T(3));
  auto q = x / y;
  BOOST_TEST(close(q.value, T(3) / T(5)));
  BOOST_TEST(close(q.tangent[0], T(1) / T(5)));
  BOOST_TEST(close(q.tangent[1], -T(3) / T(25)));
  auto r = 2 * x - y + 1;  // numbers mix in as constants
  BOOST_TEST(r.value == T(2));
  BOOST_TEST(r.tangent[0] == T(2));
  BOOST_TEST(r.tangent[1] == T(-1));
  auto n = -x;
  BOOST_TEST(n.tangent[0] == T(-1));
  BOOST_TEST((x < y));
  BOOST_TEST(!(x > 4));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(elementary_functions_have_their_derivatives, T, reals) {
  for (T v : {T(0.3), T(0.9), T(2.5)}) {
    tl::dual<T> x{v, {T(1)}};
    auto d = [&](auto const& y) { return y.tangent[0]; };
    BOOST_TEST(close(d(tl::exp(x)), std::exp(v)));
    BOOST_TEST(close(d(tl::log(x)), T(1) / v));
    BOOST_TEST(close(d(tl::sin(x)), std::cos(v)));
    BOOST_TEST(close(d(tl::cos(x)), -std::sin(v)));
    BOOST_TEST(close(d(tl::tan(x)), T(1) / (std::cos(v) * std::cos(v))));
    BOOST_TEST(close(d(tl::tanh(x)), T(1) - std::tanh(v) * std::tanh(v)));
    BOOST_TEST(close(d(tl::sqrt(x)), T(0.5) / std::sqrt(v)));
    BOOST_TEST(close(d(tl::square(x)), 2 * v));
    BOOST_TEST(close(d(tl::abs(-x)), T(1)));
    BOOST_TEST(close(d(tl::log1p(x)), T(1) / (1 + v)));
    BOOST_TEST(close(d(tl::expm1(x)), std::exp(v)));
    T const s = T(1) / (1 + std::exp(-v));
    BOOST_TEST(close(d(tl::sigmoid(x)), s * (1 - s)));
    BOOST_TEST(close(d(tl::pow(x, 3)), 3 * v * v));
    BOOST_TEST(close(d(tl::pow(T(2), x)), std::pow(T(2), v) * std::log(T(2))));
    BOOST_TEST(close(d(tl::pow(x, x)), std::pow(v, v) * (std::log(v) + 1)));
    // The values are those of the plain functions.
    BOOST_TEST(close(tl::exp(x).value, std::exp(v)));
    BOOST_TEST(close(tl::sigmoid(x).value, s));
  }
}

BOOST_AUTO_TEST_CASE(pow_with_a_constant_exponent_stays_finite_at_zero) {
  tl::dual<double> x{0.0, {1.0}};
  auto y = tl::pow(x, tl::dual<double>(2.0));
  BOOST_TEST(y.value == 0.0);
  BOOST_TEST(y.tangent[0] == 0.0);
  BOOST_TEST(std::isfinite(y.tangent[0]));
}

BOOST_AUTO_TEST_CASE(nested_duals_give_second_derivatives) {
  using d1 = tl::dual<double>;
  using d2 = tl::dual<d1>;
  double const v = 0.7;
  d2 x{d1{v, {1.0}}, {d1{1.0, {0.0}}}};
  auto second = [](d2 const& y) { return y.tangent[0].tangent[0]; };
  BOOST_TEST(close(second(x * x * x), 6 * v));
  BOOST_TEST(close(second(tl::exp(x)), std::exp(v)));
  BOOST_TEST(close(second(tl::sin(x)), -std::sin(v)));
  BOOST_TEST(close(second(tl::log(x)), -1 / (v * v)));
  BOOST_TEST(close(second(tl::pow(x, 4)), 12 * v * v));
  BOOST_TEST(close(second(tl::sqrt(x)), -0.25 * std::pow(v, -1.5)));
  // Mixed partials of f(x, y) = x^2 y with one lane per level.
  d2 a{d1{2.0, {1.0}}, {d1{0.0, {0.0}}}};  // x: inner direction
  d2 b{d1{3.0, {0.0}}, {d1{1.0, {0.0}}}};  // y: outer direction
  auto f = a * a * b;
  BOOST_TEST(close(f.tangent[0].tangent[0], 2 * 2.0));  // d2f / dx dy = 2x
}

BOOST_AUTO_TEST_CASE(derivative_matches_closed_forms) {
  auto sq = tl::derivative<3>([](auto const& x) { return tl::pow(x, 2); }, 2.0);
  BOOST_TEST(sq[0] == 4.0);
  BOOST_TEST(sq[1] == 4.0);
  BOOST_TEST(sq[2] == 2.0);
  BOOST_TEST(sq[3] == 0.0);

  double const v = 0.8;
  auto e = tl::derivative<6>([](auto const& x) { return tl::exp(x); }, v);
  for (double d : e) BOOST_TEST(close(d, std::exp(v)));

  auto s = tl::derivative<6>([](auto const& x) { return tl::sin(x); }, v);
  double const cycle[] = {std::sin(v), std::cos(v), -std::sin(v), -std::cos(v)};
  for (std::size_t k = 0; k < s.size(); ++k) BOOST_TEST(close(s[k], cycle[k % 4]));

  auto l = tl::derivative<5>([](auto const& x) { return tl::log(x); }, v);
  double fact = 1;
  for (std::size_t k = 1; k < l.size(); ++k) {
    double const expected = (k % 2 ? 1 : -1) * fact / std::pow(v, double(k));
    BOOST_TEST(close(l[k], expected));
    fact *= double(k);
  }

  auto p = tl::derivative<6>([](auto const& x) { return tl::pow(x, 5); }, 1.5);
  double const pv[] = {std::pow(1.5, 5), 5 * std::pow(1.5, 4), 20 * std::pow(1.5, 3), 60 * 1.5 * 1.5, 120 * 1.5, 120, 0};
  for (std::size_t k = 0; k < p.size(); ++k) BOOST_TEST(close(p[k], pv[k]));
}

BOOST_AUTO_TEST_CASE(sigmoid_is_smooth_at_zero_and_stable_far_out) {
  // Its branches meet at 0: a dual exactly there must keep the full derivative.
  auto d = tl::derivative<3>([](auto const& x) { return tl::sigmoid(x); }, 0.0);
  BOOST_TEST(d[0] == 0.5);
  BOOST_TEST(d[1] == 0.25);
  BOOST_TEST(d[2] == 0.0);
  BOOST_TEST(close(d[3], -0.125));
  for (double v : {-40.0, 40.0}) {
    auto f = tl::derivative<1>([](auto const& x) { return tl::sigmoid(x); }, v);
    double const s = 1 / (1 + std::exp(-v));
    double const e = std::exp(-std::abs(v));
    BOOST_TEST(close(f[0], s));
    double const ref = e / ((1 + e) * (1 + e));  // not s (1 - s), which rounds to 0 at 40
    BOOST_TEST(std::abs(f[1] - ref) <= 1e-14 * ref);
  }
}

BOOST_AUTO_TEST_CASE(derivative_accepts_functions_that_build_expressions) {
  // f builds a tapeless expression over a dual-valued var; derivative evaluates it.
  auto d = tl::derivative<2>([](auto const& x) { return tl::sum(tl::exp(tl::constant(tl::vec<double, 2>{1.0, 2.0}) * x)); }, 0.5);
  double const v0 = std::exp(0.5) + std::exp(1.0);
  BOOST_TEST(close(d[0], v0));
  BOOST_TEST(close(d[1], std::exp(0.5) + 2 * std::exp(1.0)));
  BOOST_TEST(close(d[2], std::exp(0.5) + 4 * std::exp(1.0)));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_mode_through_an_expression_agrees_with_reverse, T, reals) {
  using D = tl::dual<T, 3>;
  tl::vec<T, 3> const x0{T(0.2), T(-0.4), T(1.1)};
  // Reverse mode on plain elements.
  tl::var<tl::vec<T, 3>> x{x0};
  auto f = [](auto const& v) { return tl::sum(tl::exp(v) * v + tl::sin(v) / (1 + tl::square(v))); };
  auto g = tl::gradient(f(x), x);
  // Forward mode: the same f on a var of duals, one lane per input direction.
  tl::vec<D, 3> seeded;
  for (std::size_t i = 0; i < 3; ++i) {
    seeded[i].value = x0[i];
    seeded[i].tangent[i] = T(1);
  }
  tl::var<tl::vec<D, 3>> xd{seeded};
  D const y = tl::value(f(xd));
  for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(close(y.tangent[i], g[i]));
}
