// tl::jet and tl::derivative<K>: Taylor coefficients against closed forms up to K = 16, against nested
// duals, and at the points where a recurrence would divide by zero.
#define BOOST_TEST_MODULE forward_jet
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <numbers>
#include <tapeless/tapeless.hpp>

namespace {

using reals = std::tuple<float, double>;

/// Each Taylor coefficient comes from a sum of at most K + 1 products of earlier ones, so rounding
/// grows about as K^2 ulp; the k! that turns coefficients into derivatives is exact up to 18! in
/// double (and rounds once in float).
template <class T>
T tol(std::size_t K) {
  return T(4) * T((K + 1) * (K + 1)) * std::numeric_limits<T>::epsilon();
}

template <class T>
bool close(T got, T want, std::size_t K) {
  return std::abs(got - want) <= tol<T>(K) * std::max(T(1), std::abs(want));
}

template <class T, std::size_t N>
void check_all(std::array<T, N> const& got, auto const& want) {
  for (std::size_t k = 0; k < N; ++k)
    BOOST_TEST(close(got[k], T(want(k)), N - 1), "derivative " << k << ": " << got[k] << " against " << want(k));
}

double falling(double r, std::size_t k) {  // r (r - 1) ... (r - k + 1)
  double p = 1;
  for (std::size_t i = 0; i < k; ++i) p *= r - double(i);
  return p;
}

double factorial(std::size_t k) {
  double p = 1;
  for (std::size_t i = 2; i <= k; ++i) p *= double(i);
  return p;
}

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(derivatives_up_to_16_match_closed_forms, T, reals) {
  constexpr std::size_t K = 16;
  for (double v : {0.3, 0.8, 1.7}) {
    T const x = T(v);
    double const xd = double(x);
    check_all(tl::derivative<K>([](auto const& t) { return tl::exp(t); }, x), [&](std::size_t) { return std::exp(xd); });
    check_all(tl::derivative<K>([](auto const& t) { return tl::sin(t); }, x),
              [&](std::size_t k) { return std::sin(xd + double(k) * std::numbers::pi / 2); });
    check_all(tl::derivative<K>([](auto const& t) { return tl::cos(t); }, x),
              [&](std::size_t k) { return std::cos(xd + double(k) * std::numbers::pi / 2); });
    // log: (-1)^(k-1) (k-1)! / x^k.
    check_all(tl::derivative<K>([](auto const& t) { return tl::log(t); }, x), [&](std::size_t k) {
      return k == 0 ? std::log(xd) : (k % 2 ? 1.0 : -1.0) * factorial(k - 1) / std::pow(xd, double(k));
    });
    // pow with a real exponent: r (r - 1) ... (r - k + 1) x^(r - k).
    check_all(tl::derivative<K>([](auto const& t) { return tl::pow(t, 2.5); }, x),
              [&](std::size_t k) { return falling(2.5, k) * std::pow(xd, 2.5 - double(k)); });
    check_all(tl::derivative<K>([](auto const& t) { return tl::pow(t, -1.5); }, x),
              [&](std::size_t k) { return falling(-1.5, k) * std::pow(xd, -1.5 - double(k)); });
    // pow with a variable exponent: 2^x has derivatives 2^x log(2)^k.
    check_all(tl::derivative<K>([](auto const& t) { return tl::pow(2.0, t); }, x),
              [&](std::size_t k) { return std::pow(2.0, xd) * std::pow(std::log(2.0), double(k)); });
    // A product: (e^x sin x)^(k) = 2^(k/2) e^x sin(x + k pi / 4).
    check_all(tl::derivative<K>([](auto const& t) { return tl::exp(t) * tl::sin(t); }, x), [&](std::size_t k) {
      return std::pow(2.0, double(k) / 2) * std::exp(xd) * std::sin(xd + double(k) * std::numbers::pi / 4);
    });
    // A quotient: 1 / (1 - x) has derivatives k! / (1 - x)^(k + 1) (below x = 1).
    if (v < 1)
      check_all(tl::derivative<K>([](auto const& t) { return 1 / (1 - t); }, x),
                [&](std::size_t k) { return factorial(k) / std::pow(1 - xd, double(k + 1)); });
    // sqrt: falling(1/2, k) x^(1/2 - k).
    check_all(tl::derivative<K>([](auto const& t) { return tl::sqrt(t); }, x),
              [&](std::size_t k) { return falling(0.5, k) * std::pow(xd, 0.5 - double(k)); });
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(jets_agree_with_nested_duals, T, reals) {
  // Every function a jet implements, composed; nested duals (2^6 components) as the reference.
  constexpr std::size_t K = 6;
  auto f = [](auto const& x) {
    auto const a = tl::tan(x / 2) + tl::tanh(x) * tl::sqrt(1 + x * x);
    auto const b = tl::log1p(tl::square(x)) - tl::expm1(-x) / (2 + tl::cos(3 * x));
    auto const c = tl::sigmoid(x - 0.25) * tl::abs(x - 2) + tl::pow(x, x) + tl::pow(tl::exp(x), 1.5);
    return a * b + c - tl::max(x, 0.5 * x) + tl::log(x) * tl::pow(3.0, x);
  };
  for (double v : {0.35, 0.9, 1.4}) {
    auto const jet = tl::derivative<K>(f, T(v));
    auto const nested = tl::derivative<K>(f, T(v), tl::nested_duals);
    for (std::size_t k = 0; k <= K; ++k)
      BOOST_TEST(close(jet[k], nested[k], K), "derivative " << k << " at " << v << ": " << jet[k] << " against " << nested[k]);
  }
}

BOOST_AUTO_TEST_CASE(natural_powers_are_exact_at_zero) {
  // The real-exponent recurrence divides by x; at x = 0 a natural exponent goes by squaring.
  auto p = tl::derivative<5>([](auto const& t) { return tl::pow(t, 3); }, 0.0);
  double const want[] = {0, 0, 0, 6, 0, 0};
  for (std::size_t k = 0; k < 6; ++k) BOOST_TEST(p[k] == want[k]);
  auto q = tl::derivative<3>([](auto const& t) { return tl::pow(t, tl::jet<double, 3>(2.0)); }, 0.0);
  BOOST_TEST(q[0] == 0.0);
  BOOST_TEST(q[1] == 0.0);
  BOOST_TEST(q[2] == 2.0);
  BOOST_TEST(q[3] == 0.0);
  auto one = tl::derivative<2>([](auto const& t) { return tl::pow(t, 0); }, 0.0);
  BOOST_TEST(one[0] == 1.0);
  BOOST_TEST(one[1] == 0.0);
  // |x| at 0: the zero jet, the subgradient duals give too.
  auto a = tl::derivative<2>([](auto const& t) { return tl::abs(t); }, 0.0);
  BOOST_TEST(a[0] == 0.0);
  BOOST_TEST(a[1] == 0.0);
  auto b = tl::derivative<2>([](auto const& t) { return tl::abs(t); }, -2.0);
  BOOST_TEST(b[1] == -1.0);
}

BOOST_AUTO_TEST_CASE(arithmetic_on_jets_is_series_arithmetic) {
  using J = tl::jet<double, 5>;
  J const t = J::variable(0.0);  // the series t
  // 1 / (1 + t) = 1 - t + t^2 - ...
  J const g = 1.0 / (1.0 + t);
  for (std::size_t k = 0; k <= 5; ++k) BOOST_TEST(g.c[k] == (k % 2 ? -1.0 : 1.0));
  // (1 + t)^2 = 1 + 2t + t^2, and scaling, subtracting and compound assignment.
  J h = (1.0 + t) * (t + 1.0);
  BOOST_TEST(h.c[0] == 1.0);
  BOOST_TEST(h.c[1] == 2.0);
  BOOST_TEST(h.c[2] == 1.0);
  BOOST_TEST(h.c[3] == 0.0);
  h -= 1.0;
  h *= 2.0;
  h /= 4.0;
  h += t;
  BOOST_TEST(h.c[0] == 0.0);
  BOOST_TEST(h.c[1] == 2.0);
  BOOST_TEST(h.c[2] == 0.5);
  BOOST_TEST((2.0 - t).c[1] == -1.0);
  BOOST_TEST((t - 2.0).c[0] == -2.0);
  BOOST_TEST((t * 3.0).c[1] == 3.0);
  BOOST_TEST((t / 2.0).c[1] == 0.5);
  BOOST_TEST((-t).c[1] == -1.0);
  // Comparisons look at the value.
  BOOST_TEST((t < 1.0));
  BOOST_TEST((t + 2.0 > J(1.0)));
  BOOST_TEST((t == 0.0));
  // derivative(k) = k! c[k]: exp's coefficients are 1 / k!, its derivatives all 1.
  J const e = tl::exp(t);
  BOOST_TEST(std::abs(e.c[4] - 1.0 / 24) <= 1e-16);
  for (std::size_t k = 0; k <= 5; ++k) BOOST_TEST(std::abs(e.derivative(k) - 1.0) <= 1e-15);
}

BOOST_AUTO_TEST_CASE(jets_run_through_expressions) {
  // A function that builds a tapeless expression over a vector, evaluated on jet elements.
  auto f = [](auto const& x) {
    return tl::sum(tl::exp(tl::constant(tl::vec<double, 3>{1.0, 2.0, -1.0}) * x) + tl::sin(x));
  };
  auto const d = tl::derivative<8>(f, 0.4);
  for (std::size_t k = 0; k <= 8; ++k) {
    double want = 0;
    for (double a : {1.0, 2.0, -1.0}) want += std::pow(a, double(k)) * std::exp(a * 0.4);
    want += 3 * std::sin(0.4 + double(k) * std::numbers::pi / 2);  // sin(x) is broadcast to three elements
    BOOST_TEST(close(d[k], want, 8));
  }
}

BOOST_AUTO_TEST_CASE(jets_agree_with_central_differences) {
  // The first derivative of a jet-evaluated function against (f(x + h) - f(x - h)) / 2h, and the
  // second against the second difference of f itself.
  auto f = [](auto const& x) { return tl::exp(tl::sin(x)) * tl::sqrt(1 + x * x); };
  double const x = 0.7, h = 1e-4;
  auto const d = tl::derivative<2>(f, x);
  double const fd1 = (f(x + h) - f(x - h)) / (2 * h);
  double const fd2 = (f(x + h) - 2 * f(x) + f(x - h)) / (h * h);
  BOOST_TEST(std::abs(d[0] - f(x)) <= 1e-15 * std::abs(f(x)));
  BOOST_TEST(std::abs(d[1] - fd1) <= 1e-7 * std::abs(fd1));
  BOOST_TEST(std::abs(d[2] - fd2) <= 1e-5 * std::abs(fd2));
}

BOOST_AUTO_TEST_CASE(a_composition_to_order_16_against_exact_integers) {
  // The derivatives of exp(sin(x)) at 0 are integers (OEIS A002017), computed exactly in rational
  // arithmetic from the same series: 1, 1, 1, 0, -3, -8, -3, 56, 217, 64, -2951, ...
  double const exact[] = {1, 1, 1, 0, -3, -8, -3, 56, 217, 64, -2951, -12672, 5973, 309376, 1237173, -2917888, -52635599};
  auto const d = tl::derivative<16>([](auto const& x) { return tl::exp(tl::sin(x)); }, 0.0);
  for (std::size_t k = 0; k <= 16; ++k)
    BOOST_TEST(std::abs(d[k] - exact[k]) <= tol<double>(16) * std::max(1.0, std::abs(exact[k])),
               "derivative " << k << ": " << d[k] << " against " << exact[k]);
}

BOOST_AUTO_TEST_CASE(real_powers_at_zero_match_duals) {
  // x^2.5 at 0: 0, 0, 0 and then infinite (2.5 * 1.5 * 0.5 * 0^-0.5); nested duals agree where finite.
  auto const p = tl::derivative<3>([](auto const& t) { return tl::pow(t, 2.5); }, 0.0);
  auto const q = tl::derivative<2>([](auto const& t) { return tl::pow(t, 2.5); }, 0.0, tl::nested_duals);
  BOOST_TEST(p[0] == 0.0);
  BOOST_TEST(p[1] == 0.0);
  BOOST_TEST(p[2] == 0.0);
  BOOST_TEST((std::isinf(p[3]) && p[3] > 0));
  for (std::size_t k = 0; k <= 2; ++k) BOOST_TEST(p[k] == q[k]);
  // sqrt-like: x^0.5 has an infinite first derivative at 0, as on duals.
  auto const s = tl::derivative<1>([](auto const& t) { return tl::pow(t, 0.5); }, 0.0);
  auto const sd = tl::derivative<1>([](auto const& t) { return tl::pow(t, 0.5); }, 0.0, tl::nested_duals);
  BOOST_TEST(s[0] == 0.0);
  BOOST_TEST((std::isinf(s[1]) && s[1] > 0 && s[1] == sd[1]));
}
