// tl::active (include/tapeless/expr/active.hpp): code templated over its scalar, run unchanged in
// reverse mode. Loops of runtime length, reassignment and compound assignment, branches on values,
// early returns, recursion and std::vector, against closed forms, central differences and forward
// mode (tl::dual on the same template); the gradient API's options (wrt over containers and
// structures, intermediates, outputs, seeds, stop_at, stop_gradient); the function API's
// tl::active_mode; what copies, moves and reassignment mean; the recording's life (cleared when no
// recorded value is left, stale expressions refused); threads.
#define BOOST_TEST_MODULE expr_active
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <boost/hana/at.hpp>
#include <boost/hana/tuple.hpp>

#include <tapeless/tapeless.hpp>

#include "support/compare.hpp"

namespace {

// ---- User code, written once over its scalar, as it would be for doubles ---------------------

/// A loop, locals, `+=`, a branch on a value, std::sin / std::exp found by ADL.
template <class T>
T model(T const& a, T const& b) {
  using std::exp;
  using std::sin;
  T s = 0;
  for (int i = 0; i < 4; ++i) {
    T r = a * double(i) - b;
    if (r > 1.0)
      s += sin(r) * a;
    else
      s += exp(r) * b;
  }
  return s;
}

/// A spring chain: a loop over neighbours, with a branch (springs only push).
template <class T>
T chain_energy(std::vector<T> const& q, T const& k) {
  T e = 0.0;
  for (std::size_t i = 0; i + 1 < q.size(); ++i) {
    T const d = q[i + 1] - q[i] - 1.0;
    if (d < 0.0) e += 0.5 * k * d * d;
  }
  return e;
}

/// An early return and recursion: x^n by repeated squaring.
template <class T>
T power(T const& x, unsigned n) {
  if (n == 0) return T(1.0);
  if (n == 1) return x;
  T const h = power(x, n / 2);
  if (n % 2 == 0) return h * h;
  return h * h * x;
}

/// Explicit Euler on x' = -a x, n steps: x_n = x0 (1 - a dt)^n.
template <class T>
T decay(T x, T const& a, double dt, int n) {
  for (int i = 0; i < n; ++i) x = x - dt * a * x;
  return x;
}

template <class T>
double primal(T const& x) {
  if constexpr (std::is_arithmetic_v<T>)
    return double(x);
  else
    return double(tl::value_of(x));
}

}  // namespace

using reals = std::tuple<float, double>;

BOOST_AUTO_TEST_CASE_TEMPLATE(a_templated_model_matches_differences_and_forward_mode, T, reals) {
  for (auto [a0, b0] : {std::pair{1.5, 0.25}, std::pair{0.2, -0.45}, std::pair{2.0, 0.9}}) {
    tl::active<T> a = T(a0), b = T(b0);
    tl::active<T> const y = model(a, b);
    auto const [ga, gb] = tl::gradient(y, tl::wrt(a, b));
    BOOST_TEST(support::close(y.value(), model(T(a0), T(b0)), support::tol<T>.value));

    // Forward mode on the same template.
    using D = tl::dual<T, 2>;
    D const yd = model(D(T(a0), {T(1), T(0)}), D(T(b0), {T(0), T(1)}));
    BOOST_TEST(support::close(ga, yd.tangent[0], support::tol<T>.value));
    BOOST_TEST(support::close(gb, yd.tangent[1], support::tol<T>.value));

    // Central differences in double.
    double const h = 1e-6;
    double const fa = (model(a0 + h, b0) - model(a0 - h, b0)) / (2 * h);
    double const fb = (model(a0, b0 + h) - model(a0, b0 - h)) / (2 * h);
    double const rel = std::is_same_v<T, float> ? 1e-4 : 1e-7;
    BOOST_TEST(support::close(double(ga), fa, rel));
    BOOST_TEST(support::close(double(gb), fb, rel));
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_vector_of_actives_gives_a_vector_of_gradients, T, reals) {
  std::vector<tl::active<T>> q = {T(1.0), T(1.5), T(3.0), T(3.25), T(4.0)};
  tl::active<T> k = T(2.0);
  tl::active<T> const e = chain_energy(q, k);
  auto const [gq, gk] = tl::gradient(e, tl::wrt(q, k));
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(gq)>, std::vector<T>>);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(gk)>, T>);
  // Compressed springs: d1 = -0.5 (between q0, q1), d3 = -0.75 (q2, q3), d4 = -0.25 (q3, q4).
  BOOST_TEST(support::close(e.value(), T(0.5 * 2 * (0.25 + 0.5625 + 0.0625)), support::tol<T>.value));
  BOOST_TEST(support::close(gk, T(0.5 * (0.25 + 0.5625 + 0.0625)), support::tol<T>.value));
  std::vector<double> const expected = {-2 * -0.5, 2 * -0.5, -2 * -0.75, 2 * -0.75 - 2 * -0.25, 2 * -0.25};
  BOOST_TEST(support::close_all(gq, expected, support::tol<T>.value));

  // std::array, and the gradient alone with respect to one container.
  std::array<tl::active<T>, 3> p = {T(0.0), T(0.5), T(1.25)};
  tl::active<T> const ep = chain_energy(std::vector<tl::active<T>>(p.begin(), p.end()), k);
  auto const gp = tl::gradient(ep, p);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(gp)>, std::array<T, 3>>);
  // The vector above holds copies, each a value of its own that depends on its original.
  BOOST_TEST(support::close(gp[0], T(-2 * -0.5), support::tol<T>.value));
  BOOST_TEST(support::close(gp[1], T(2 * -0.5 - 2 * -0.25), support::tol<T>.value));
  BOOST_TEST(support::close(gp[2], T(2 * -0.25), support::tol<T>.value));
}

BOOST_AUTO_TEST_CASE(early_returns_and_recursion) {
  for (unsigned n : {0u, 1u, 2u, 5u, 8u, 13u}) {
    tl::active<double> x = 1.1;
    tl::active<double> const y = power(x, n);
    double const g = tl::gradient(y, x);
    BOOST_TEST(support::close(y.value(), std::pow(1.1, n), 1e-13));
    BOOST_TEST(support::close(g, n == 0 ? 0.0 : n * std::pow(1.1, n - 1.0), 1e-13), "n = " << n);
  }
}

BOOST_AUTO_TEST_CASE(a_time_loop_of_runtime_length_with_reassignment) {
  double const dt = 0.01;
  for (int n : {0, 1, 7, 1000}) {
    tl::active<double> x0 = 2.0, a = 0.7;
    tl::active<double> const xn = decay(x0, a, dt, n);
    auto const [g0, ga] = tl::gradient(xn, tl::wrt(x0, a));
    double const q = 1 - 0.7 * dt;
    BOOST_TEST(support::close(xn.value(), 2.0 * std::pow(q, n), 1e-12));
    BOOST_TEST(support::close(g0, std::pow(q, n), 1e-12));
    BOOST_TEST(support::close(ga, n == 0 ? 0.0 : 2.0 * n * std::pow(q, n - 1) * -dt, 1e-12));
  }
}

BOOST_AUTO_TEST_CASE(comparisons_give_bool_and_std_max_works) {
  tl::active<double> a = 2.0, b = 3.0;
  BOOST_TEST((a < b));
  BOOST_TEST(!(a > b));
  BOOST_TEST((a <= 2.0));
  BOOST_TEST((3.0 == b));
  BOOST_TEST((a != b));
  // An expression of actives compared with a number is evaluated now.
  BOOST_TEST(static_cast<bool>(a * b > 5.0));
  BOOST_TEST(!(a * b > 7.0));
  tl::active<double> const m = std::max(a, b);  // by value: a copy of b, which depends on b
  tl::active<double> const y = m * a;
  auto const [ga, gb] = tl::gradient(y, tl::wrt(a, b));
  BOOST_TEST(ga == 3.0);
  BOOST_TEST(gb == 2.0);
  // std::sort moves actives around by their comparisons; each keeps its identity.
  std::vector<tl::active<double>> v = {a * 3.0, a * 1.0, a * 2.0};
  std::sort(v.begin(), v.end());
  BOOST_TEST(v[0].value() == 2.0);
  BOOST_TEST(v[2].value() == 6.0);
  tl::active<double> const w = v[0] * v[2];  // (a) (3 a) = 3 a^2
  BOOST_TEST(tl::gradient(w, a) == 6 * 2.0);
  // tl::max of two actives is differentiable the same way.
  tl::active<double> const z = max(a, b) * a;
  auto const [za, zb] = tl::gradient(z, tl::wrt(a, b));
  BOOST_TEST(za == 3.0);
  BOOST_TEST(zb == 2.0);
}

BOOST_AUTO_TEST_CASE(every_function_found_by_adl) {
  tl::active<double> x = 0.3;
  using std::abs;
  using std::cos;
  using std::exp;
  using std::log;
  using std::pow;
  using std::sin;
  using std::sqrt;
  using std::tan;
  using std::tanh;
  tl::active<double> const y = sin(x) + cos(x) + tan(x) + exp(x) + log(x) + sqrt(x) + tanh(x) + abs(x) + pow(x, 3.0) +
                               pow(2.0, x) + pow(x, x) + tl::sigmoid(x) + tl::log1p(x) + tl::expm1(x) + tl::square(x);
  double const v = 0.3;
  double const expected = std::cos(v) - std::sin(v) + 1 / (std::cos(v) * std::cos(v)) + std::exp(v) + 1 / v +
                          0.5 / std::sqrt(v) + 1 - std::tanh(v) * std::tanh(v) + 1 + 3 * v * v +
                          std::log(2.0) * std::pow(2.0, v) + std::pow(v, v) * (std::log(v) + 1) +
                          (1 / (1 + std::exp(-v))) * (1 - 1 / (1 + std::exp(-v))) + 1 / (1 + v) + std::exp(v) + 2 * v;
  BOOST_TEST(support::close(tl::gradient(y, x), expected, 1e-13));
}

BOOST_AUTO_TEST_CASE(gradients_with_respect_to_intermediates_and_stop_at) {
  tl::active<double> x = 3.0;
  tl::active<double> const z = x * x;   // 9
  tl::active<double> const y = z * x;   // x^3
  auto const [gz, gx] = tl::gradient(y, tl::wrt(z, x));
  BOOST_TEST(gz == 3.0);    // dy/dz with x held: x
  BOOST_TEST(gx == 27.0);   // 3 x^2
  // stop_at(z): z still gets its gradient, nothing flows through the statement that made it.
  auto const [sz, sx] = tl::gradient(y, tl::wrt(z, x), tl::stop_at(z));
  BOOST_TEST(sz == 3.0);
  BOOST_TEST(sx == 9.0);  // z only: y = z x
  // stop_gradient inside a statement.
  tl::active<double> const w = tl::stop_gradient(x * x) * x;
  BOOST_TEST(tl::gradient(w, x) == 9.0);
  // A gradient taken twice is the same: the recording is not consumed.
  BOOST_TEST(tl::gradient(y, x) == 27.0);
  BOOST_TEST(tl::gradient(y, x) == 27.0);
}

BOOST_AUTO_TEST_CASE(outputs_seeds_and_expression_roots) {
  tl::active<double> a = 2.0, b = 5.0;
  tl::active<double> const y1 = a * b;
  tl::active<double> const y2 = a * a;
  auto const [ga, gb] = tl::gradient(tl::outputs(y1, y2), tl::wrt(a, b));
  BOOST_TEST(ga == 5.0 + 4.0);
  BOOST_TEST(gb == 2.0);
  auto const [sa, sb] = tl::gradient(tl::outputs(y1, y2), tl::wrt(a, b), tl::seeds(2.0, -1.0));
  BOOST_TEST(sa == 2 * 5.0 - 4.0);
  BOOST_TEST(sb == 4.0);
  // The root may be an expression of actives (one more statement's worth, not recorded).
  BOOST_TEST(tl::gradient(y1 * y2 + tl::exp(a), a) == 3 * 4.0 * 5.0 + std::exp(2.0));
  // And may mix vars in: actives are constants for a var and vice versa.
  tl::var<double> w{3.0};
  auto const [gw, gy1] = tl::gradient(w * y1, tl::wrt(w, a));
  BOOST_TEST(gw == 10.0);
  BOOST_TEST(gy1 == 15.0);
}

BOOST_AUTO_TEST_CASE(wrt_takes_hana_structures) {
  namespace hana = boost::hana;
  // The structure owns the actives (as it owns vars): the model is computed from its members.
  auto params = hana::make_tuple(tl::active<double>(1.0), hana::make_tuple(std::vector<tl::active<double>>{2.0, 3.0}));
  auto const& a = hana::at_c<0>(params);
  auto const& v = hana::at_c<0>(hana::at_c<1>(params));
  tl::active<double> const y = a * v[0] * v[1];
  auto const g = tl::gradient(y, params);
  BOOST_TEST(hana::at_c<0>(g) == 6.0);
  auto const& gv = hana::at_c<0>(hana::at_c<1>(g));
  BOOST_TEST(gv[0] == 3.0);
  BOOST_TEST(gv[1] == 2.0);
  // A structure of copies made after the output cannot have influenced it: refused, not zeros.
  BOOST_CHECK_THROW((void)tl::gradient(y, hana::make_tuple(a)), tl::scope_error);
  tl::active<double> later = a * 2.0;
  BOOST_CHECK_THROW((void)tl::gradient(y, later), tl::scope_error);
}

BOOST_AUTO_TEST_CASE(unreached_and_unused_inputs_get_zeros) {
  tl::active<double> a = 2.0, unused = 1.0;
  tl::active<double> const c = 4.0;  // a constant, never used
  tl::active<double> const y = a * a;
  auto const [ga, gu, gc] = tl::gradient(y, tl::wrt(a, unused, c));
  BOOST_TEST(ga == 4.0);
  BOOST_TEST(gu == 0.0);
  BOOST_TEST(gc == 0.0);
  // An active assigned from numbers only is a constant of the recording.
  tl::active<double> k = 2.0;
  k = 3.0 * 4.0;
  BOOST_TEST(tl::gradient(k, a) == 0.0);
  BOOST_TEST(tl::gradient(k, k) == 1.0);
}

BOOST_AUTO_TEST_CASE(copies_moves_and_reassignment) {
  tl::active<double> a = 2.0;
  tl::active<double> b = a;          // a new value that depends on a
  tl::active<double> const y = b * b;
  auto const [ga, gb] = tl::gradient(y, tl::wrt(a, b));
  BOOST_TEST(ga == 4.0);
  BOOST_TEST(gb == 4.0);
  b = 10.0;                          // b is a new input now; y keeps what it was
  BOOST_TEST(y.value() == 4.0);
  BOOST_TEST(tl::gradient(y, a) == 4.0);
  BOOST_TEST(tl::gradient(y, b) == 0.0);

  // A move hands over the identity: the gradient of a moved value is the original's.
  tl::active<double> c = a * 3.0;
  tl::active<double> d = std::move(c);
  tl::active<double> const z = d * a;
  BOOST_TEST(tl::gradient(z, a) == 2 * 3.0 * 2.0);
  BOOST_TEST(tl::gradient(z, d) == 2.0);

  // A vector of actives that reallocates keeps every identity.
  std::vector<tl::active<double>> v;
  for (int i = 0; i < 100; ++i) v.push_back(a * double(i));
  tl::active<double> s = 0.0;
  for (auto const& e : v) s += e;
  BOOST_TEST(tl::gradient(s, a) == 4950.0);

  // An expression means what it meant when it was written, even after its actives change.
  tl::active<double> x = 1.0;
  auto const e = x * 2.0;
  x = 5.0;
  tl::active<double> const u = e;
  BOOST_TEST(u.value() == 2.0);
  // Compound assignment and increments.
  tl::active<double> w = a;
  w *= a;
  w += 1.0;
  w -= a;
  w /= 2.0;
  ++w;
  BOOST_TEST(w.value() == (4.0 + 1.0 - 2.0) / 2.0 + 1.0);
  BOOST_TEST(tl::gradient(w, a) == (2 * 2.0 - 1.0) / 2.0);
}

BOOST_AUTO_TEST_CASE(the_recording_is_cleared_when_no_recorded_value_is_left) {
  auto& h = tl::detail::program<double>;
  tl::active<double> k = 2.0;  // an input that lives on
  for (int round = 0; round < 3; ++round) {
    {
      tl::active<double> y = k * k;
      for (int i = 0; i < 50; ++i) y = y * k;
      BOOST_TEST(tl::gradient(y, k) == 52 * std::pow(2.0, 51));
    }
    // y is gone; the next reference to an active clears the statements.
    tl::active<double> const z = k * 3.0;
    BOOST_TEST(h.tape->statements.size() == 1u, "round " << round);
    BOOST_TEST(tl::gradient(z, k) == 3.0);
  }
}

BOOST_AUTO_TEST_CASE(an_expression_that_outlived_its_recording_is_refused) {
  auto make = [] {
    tl::active<double> x = 2.0;
    tl::active<double> y = x * x;
    return y * 3.0;  // refers to y's slot; y dies here
  };
  auto const e = make();
  // Nothing recorded since: the statements are still there, and the expression still means y * 3.
  tl::active<double> a = 1.0;
  (void)a;
  // Something new is recorded: the old statements go, and the expression is refused rather than wrong.
  tl::active<double> const b = a * a;
  BOOST_CHECK_THROW((void)tl::gradient(e, a), tl::scope_error);
  BOOST_TEST(tl::gradient(b, a) == 2.0);  // nothing was disturbed
}

BOOST_AUTO_TEST_CASE(the_function_api_in_active_mode) {
  auto f = [](auto const& q) {
    using T = std::remove_cvref_t<decltype(q[0])>;
    return chain_energy(q, T(3.0));
  };
  std::vector<double> const q = {0.0, 0.5, 2.0, 2.5};
  // By forward mode on the same function, lane by lane.
  auto reference = [&](std::size_t j) {
    using D = tl::dual<double, 1>;
    std::vector<D> qd(q.begin(), q.end());
    qd[j].tangent[0] = 1;
    return f(qd).tangent[0];
  };
  std::vector<double> const g = tl::grad(f, tl::active_mode)(q);
  BOOST_TEST_REQUIRE(g.size() == q.size());
  for (std::size_t j = 0; j < q.size(); ++j) BOOST_TEST(support::close(g[j], reference(j), 1e-14));
  auto const [v, g2] = tl::value_and_grad(f, tl::active_mode)(q);
  BOOST_TEST(v == 3.0 * 0.5 * (0.25 + 0.25));
  BOOST_TEST(g2 == g);

  // Several arguments, numbers and std::array.
  auto const [gx, gp] = tl::grad([](auto const& x, auto const& p) { return x * p[0] + p[1] * p[1]; },
                                 tl::active_mode)(2.0, std::array<double, 2>{3.0, 4.0});
  BOOST_TEST(gx == 3.0);
  BOOST_TEST(gp[0] == 2.0);
  BOOST_TEST(gp[1] == 8.0);

  // A Hessian, forward over reverse on tl::active<tl::dual<double, N>>: the springs are quadratic.
  auto const H = tl::hessian(f, tl::active_mode)(q);
  // Compressed: (q0, q1) d = -0.5 and (q2, q3) d = -0.5; stretched (q1, q2) contributes nothing.
  double const expected[4][4] = {{3, -3, 0, 0}, {-3, 3, 0, 0}, {0, 0, 3, -3}, {0, 0, -3, 3}};
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 4; ++j) BOOST_TEST(H(i, j) == expected[i][j], i << ", " << j);
  // A static size: a tl::mat, all lanes in one sweep.
  auto const Hs = tl::hessian([](auto const& x) { return x[0] * x[0] * x[1] + tl::sin(x[1]); },
                              tl::active_mode)(std::array<double, 2>{1.5, 0.5});
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(Hs)>, tl::mat<double, 2, 2>>);
  BOOST_TEST(Hs(0, 0) == 2 * 0.5);
  BOOST_TEST(Hs(0, 1) == 2 * 1.5);
  BOOST_TEST(Hs(1, 0) == 2 * 1.5);
  BOOST_TEST(support::close(Hs(1, 1), -std::sin(0.5), 1e-15));
  BOOST_TEST(tl::hessian([](auto x) { return x * x * x; }, tl::active_mode)(2.0) == 12.0);

  // A Jacobian by reverse sweeps of the recording, one per output.
  auto const J = tl::jacrev([](auto const& x) {
    using T = std::remove_cvref_t<decltype(x[0])>;
    return std::array<T, 3>{x[0] * x[1], tl::sin(x[0]), x[1] * x[1] * x[1]};
  }, tl::active_mode)(std::array<double, 2>{2.0, 3.0});
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(J)>, tl::mat<double, 3, 2>>);
  BOOST_TEST(J(0, 0) == 3.0);
  BOOST_TEST(J(0, 1) == 2.0);
  BOOST_TEST(J(1, 0) == std::cos(2.0));
  BOOST_TEST(J(1, 1) == 0.0);
  BOOST_TEST(J(2, 0) == 0.0);
  BOOST_TEST(J(2, 1) == 27.0);
  auto const Jd = tl::jacrev([](auto const& x) {
    using T = std::remove_cvref_t<decltype(x[0])>;
    std::vector<T> y;
    for (std::size_t i = 0; i + 1 < x.size(); ++i) y.push_back(x[i] * x[i + 1]);
    return y;
  }, tl::active_mode)(std::vector<double>{1.0, 2.0, 3.0});
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(Jd)>, tl::dmat<double>>);
  BOOST_TEST(Jd.rows() == 2u);
  BOOST_TEST(Jd.cols() == 3u);
  BOOST_TEST(Jd(0, 0) == 2.0);
  BOOST_TEST(Jd(0, 1) == 1.0);
  BOOST_TEST(Jd(0, 2) == 0.0);
  BOOST_TEST(Jd(1, 1) == 3.0);
  BOOST_TEST(Jd(1, 2) == 2.0);
}

BOOST_AUTO_TEST_CASE(actives_of_duals_nest_forward_over_reverse) {
  // The gradient of x^2 y with duals along x: its tangent is d/dx of the gradient.
  using D = tl::dual<double, 1>;
  tl::active<D> x = D(2.0, {1.0});
  tl::active<D> y = D(5.0, {0.0});
  tl::active<D> const f = x * x * y;
  auto const [gx, gy] = tl::gradient(f, tl::wrt(x, y));
  BOOST_TEST(gx.value == 20.0);
  BOOST_TEST(gx.tangent[0] == 10.0);  // d/dx (2 x y)
  BOOST_TEST(gy.value == 4.0);
  BOOST_TEST(gy.tangent[0] == 4.0);   // d/dx (x^2)
}

BOOST_AUTO_TEST_CASE(scans_and_lets_compose_with_actives) {
  tl::active<double> a = 2.0, r = 0.5;
  auto step = [&](auto const& x) { return x * r + 1.0; };
  // An active feeds a scan, and the scan's result is assigned to an active (one statement).
  tl::active<double> const y = tl::scan(step, a, 3);  // a r^3 + r^2 + r + 1
  auto const [ga, gr] = tl::gradient(y, tl::wrt(a, r));
  BOOST_TEST(y.value() == 2 * 0.125 + 0.25 + 0.5 + 1);
  BOOST_TEST(ga == 0.125);
  BOOST_TEST(gr == 3 * 2 * 0.25 + 2 * 0.5 + 1);
  // A scan over actives is a gradient root like any expression.
  auto const [ha, hr] = tl::gradient(tl::scan(step, a, 3) * a, tl::wrt(a, r));
  BOOST_TEST(ha == y.value() + 2 * 0.125);
  BOOST_TEST(hr == 2 * gr);
  // A let of actives inside a statement.
  auto const b = tl::let(a * a);
  tl::active<double> const z = b * b + b;
  BOOST_TEST(z.value() == 20.0);
  BOOST_TEST(tl::gradient(z, a) == 4 * 8.0 + 4.0);
  // A var reached through a let is refused at run time, and nothing is recorded.
  tl::var<double> w{3.0};
  auto const c = tl::let(w * a);
  auto& h = tl::detail::program<double>;
  auto const statements = h.tape->statements.size();
  BOOST_CHECK_THROW(tl::active<double>(c + 1.0), tl::scope_error);
  BOOST_TEST(h.tape->statements.size() == statements);
  tl::active<double> const after = a * 3.0;
  BOOST_TEST(tl::gradient(after, a) == 3.0);
}

BOOST_AUTO_TEST_CASE(two_threads_record_and_sweep_independently) {
  std::atomic<int> wrong{0};
  auto work = [&](double scale) {
    for (int it = 0; it < 200; ++it) {
      std::vector<tl::active<double>> q = {0.0, 0.5 * scale, 2.0, 2.5};
      tl::active<double> k = scale;
      tl::active<double> const e = chain_energy(q, k);
      auto const [gq, gk] = tl::gradient(e, tl::wrt(q, k));
      double const d = 0.5 * scale - 1.0;  // the first spring, compressed for scale < 2
      if (gk != 0.5 * (d * d + 0.25) || gq[0] != -scale * d) ++wrong;
    }
  };
  std::thread t1(work, 1.0), t2(work, 0.5);
  t1.join();
  t2.join();
  BOOST_TEST(wrong.load() == 0);
}

BOOST_AUTO_TEST_CASE(a_value_recorded_on_another_thread_is_refused) {
  tl::active<double> a = 2.0;
  tl::active<double> const y = a * a;
  bool threw = false;
  std::thread t([&] {
    try {
      tl::active<double> const z = y * 2.0;
      (void)z;
    } catch (tl::scope_error const&) {
      threw = true;
    }
  });
  t.join();
  BOOST_TEST(threw);
  BOOST_TEST(tl::gradient(y, a) == 4.0);
}
