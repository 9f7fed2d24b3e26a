// tl::scan (include/tapeless/expr/scan.hpp): loops of runtime length in reverse mode. Gradients against
// exact values and central differences, forward mode against reverse mode, float and double, states
// of static and runtime extents at the SIMD tail sizes, the stacked ys and per-step inputs, lets in the
// step, nested scans, the checkpoint schedule (its step count against an exhaustive search, its states
// kept), and the errors.
#define BOOST_TEST_MODULE expr_scan
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/hana/at.hpp>
#include <boost/hana/tuple.hpp>

#include <tapeless/tapeless.hpp>

namespace hana = boost::hana;

namespace {

template <class T>
T tol() {
  return std::is_same_v<T, float> ? T(2e-4) : T(1e-10);
}

bool close(double a, double b, double rel) { return std::abs(a - b) <= rel * std::max({1.0, std::abs(a), std::abs(b)}); }

/// Central difference of g at p[i] (p changed in place and restored).
template <class G>
double central(G const& g, double& p, double h = 1e-6) {
  double const p0 = p;
  p = p0 + h;
  double const up = g();
  p = p0 - h;
  double const down = g();
  p = p0;
  return (up - down) / (2 * h);
}

}  // namespace

// x_{t+1} = x_t - dt k x_t: x_n = x0 q^n with q = 1 - dt k, so dx_n/dx0 = q^n, dx_n/dk = -dt n x0 q^(n-1).
using reals = std::tuple<float, double>;
BOOST_AUTO_TEST_CASE_TEMPLATE(decay_against_exact_values, T, reals) {
  for (int n : {0, 1, 2, 17, 100}) {
    tl::var<T> x0{T(1.5)}, k{T(0.5)};
    T const dt = T(0.1);
    auto xn = tl::scan([&](auto const& x) { return x - dt * k * x; }, x0, n);
    auto [g0, gk] = tl::gradient(xn, tl::wrt(x0, k));
    double const q = 1 - 0.1 * 0.5;
    BOOST_TEST(close(tl::value(xn), 1.5 * std::pow(q, n), tol<T>()));
    BOOST_TEST(close(g0, std::pow(q, n), tol<T>()));
    BOOST_TEST(close(gk, n == 0 ? 0.0 : -0.1 * n * 1.5 * std::pow(q, n - 1), tol<T>()));
  }
}

namespace {

// A pendulum chain integrated by velocity Verlet, state (q, v) as a hana tuple, lets inside the step.
struct verlet {
  double dt = 0.05;
  template <class K>
  auto step(K const& k) const {
    return [&k, dt = dt](auto const& s) {
      auto const& q = hana::at_c<0>(s);
      auto const& v = hana::at_c<1>(s);
      auto a = tl::let(-k * tl::sin(q));
      auto vh = tl::let(v + 0.5 * dt * a);
      auto qn = tl::let(q + dt * vh);
      return hana::make_tuple(qn + 0.0, vh + 0.5 * dt * (-k * tl::sin(qn)));
    };
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(tuple_state_with_lets_against_central_differences) {
  auto s0 = hana::make_tuple(tl::var<tl::vec<double, 3>>{1.0, 0.5, -0.2}, tl::var<tl::vec<double, 3>>{0.0, 0.1, 0.3});
  auto const& q0 = hana::at_c<0>(s0);
  auto const& v0 = hana::at_c<1>(s0);
  tl::var<double> k{2.0};
  verlet integ;
  auto step = integ.step(k);
  auto st = tl::scan(step, s0, 40);
  auto energy = tl::sum(0.5 * tl::square(hana::at_c<1>(st)) - k * tl::cos(hana::at_c<0>(st)));
  auto [gq, gv, gk] = tl::gradient(energy, tl::wrt(q0, v0, k));

  // Central differences of the same program on plain doubles.
  tl::vec<double, 3> q = q0.value(), v = v0.value();
  double kk = 2.0;
  auto run = [&] {
    tl::vec<double, 3> a = q, b = v;
    for (int t = 0; t < 40; ++t)
      for (std::size_t i = 0; i < 3; ++i) {
        double const vh = b[i] + 0.5 * 0.05 * (-kk * std::sin(a[i]));
        a[i] = a[i] + 0.05 * vh;
        b[i] = vh + 0.5 * 0.05 * (-kk * std::sin(a[i]));
      }
    double e = 0;
    for (std::size_t i = 0; i < 3; ++i) e += 0.5 * b[i] * b[i] - kk * std::cos(a[i]);
    return e;
  };
  BOOST_TEST(close(tl::value(energy), run(), 1e-12));
  for (std::size_t i = 0; i < 3; ++i) {
    BOOST_TEST(close(gq[i], central(run, q[i]), 1e-7));
    BOOST_TEST(close(gv[i], central(run, v[i]), 1e-7));
  }
  BOOST_TEST(close(gk, central(run, kk), 1e-7));
}

// Every checkpoint count gives the same gradient (the same operations in the same order), keeps at
// most k states, and evaluates the step 2n + (the binomial schedule's advances) - (the steps the
// forward pass made before its last checkpoint) times. Keeping every state (the default, or k >= n)
// keeps every step's records too: n evaluations, none in the reverse pass.
BOOST_AUTO_TEST_CASE(checkpoints_same_gradient_counted_steps) {
  for (std::size_t n : {1u, 2u, 3u, 7u, 20u, 64u, 101u}) {
    auto s0 = hana::make_tuple(tl::var<tl::vec<double, 3>>{1.0, 0.5, -0.2}, tl::var<tl::vec<double, 3>>{0.0, 0.1, 0.3});
    tl::var<double> k{2.0};
    verlet integ;
    auto step = integ.step(k);
    auto full = tl::scan(step, s0, n);
    auto e_full = tl::sum(hana::at_c<0>(full) * hana::at_c<1>(full));
    tl::detail::scan_stats() = {};
    auto const [gq_full, gv_full, gk_full] = tl::gradient(e_full, tl::wrt(hana::at_c<0>(s0), hana::at_c<1>(s0), k));
    auto const stats_full = tl::detail::scan_stats();
    BOOST_TEST(stats_full.evaluations == n);
    BOOST_TEST(stats_full.max_states == n);

    for (std::size_t c : {1u, 2u, 3u, 5u, 32u}) {
      auto part = tl::scan(step, s0, n, tl::checkpoints(c));
      auto e = tl::sum(hana::at_c<0>(part) * hana::at_c<1>(part));
      tl::detail::scan_stats() = {};
      auto const [gq, gv, gk] = tl::gradient(e, tl::wrt(hana::at_c<0>(s0), hana::at_c<1>(s0), k));
      auto const st = tl::detail::scan_stats();
      BOOST_TEST(gk == gk_full);
      for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(gq[i] == gq_full[i]);
        BOOST_TEST(gv[i] == gv_full[i]);
      }
      std::size_t const kept = std::min(c, n);
      BOOST_TEST(st.max_states <= kept);
      if (c >= n)
        BOOST_TEST(st.evaluations == n);
      else
        BOOST_TEST(st.evaluations == 2 * n + tl::detail::binomial_advances(n, kept - 1) - st.last_checkpoint,
                   "n " << n << " checkpoints " << c);
      if (c == 1 && n > 1) BOOST_TEST(st.evaluations == 2 * n + n * (n - 1) / 2);
    }
  }
}

namespace {

/// The fewest advances of any schedule reversing l steps from a stored state with s free slots:
/// exhaustive search over where to put the next checkpoint.
std::uint64_t fewest_advances(std::size_t l, std::size_t s, std::vector<std::vector<std::uint64_t>>& memo) {
  if (l <= 1) return 0;
  if (s == 0) return l * (l - 1) / 2;
  auto& m = memo[l][s];
  if (m != 0) return m;
  std::uint64_t best = std::numeric_limits<std::uint64_t>::max();
  for (std::size_t j = 1; j < l; ++j)
    best = std::min(best, j + fewest_advances(l - j, s - 1, memo) + fewest_advances(j, s, memo));
  return m = best;
}

/// The advances of the schedule scan uses (its split at every level).
std::uint64_t split_advances(std::size_t l, std::size_t s) {
  if (l <= 1) return 0;
  if (s == 0) return l * (l - 1) / 2;
  std::size_t const j = tl::detail::checkpoint_split(l, s);
  return j + split_advances(l - j, s - 1) + split_advances(j, s);
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_schedule_is_the_cheapest) {
  std::size_t const L = 120, S = 7;
  std::vector<std::vector<std::uint64_t>> memo(L + 1, std::vector<std::uint64_t>(S + 1, 0));
  for (std::size_t s = 0; s <= S; ++s)
    for (std::size_t l = 1; l <= L; ++l) {
      auto const best = fewest_advances(l, s, memo);
      BOOST_TEST(split_advances(l, s) == best, "l " << l << " s " << s);
      BOOST_TEST(tl::detail::binomial_advances(l, s) == best, "l " << l << " s " << s);
    }
  // Large counts stay O(k) in memory at a bounded recompute factor: 10,000 steps with 32 states
  // need each step advanced at most 3 times (C(33 + 3, 3) = 7140 < 10,000 <= C(36, 4) = 58905).
  BOOST_TEST(tl::detail::binomial_advances(10000, 31) <= 4u * 10000u);
}

// ys: a step returning std::pair{state, y} stacks the y's; their gradient flows back through every step.
BOOST_AUTO_TEST_CASE_TEMPLATE(stacked_outputs, T, reals) {
  tl::var<T> a{T(0.9)};
  auto [xn, ys] = tl::scan([&](auto const& x) { return std::pair{x * a, x * x}; }, T(1), 4);
  // x_t = a^t, ys_t = a^(2t): ys = [1, a^2, a^4, a^6]
  auto const yv = tl::value(ys);
  BOOST_TEST(yv.size() == 4u);
  for (int t = 0; t < 4; ++t) BOOST_TEST(close(yv[t], std::pow(0.9, 2 * t), tol<T>()));
  // d/da sum(ys * w) with seeds w = [1, 2, 3, 4]: 2*2a + 3*4a^3 + 4*6a^5
  T const g = tl::gradient(ys, a, tl::seeds(tl::dvec<T>{1, 2, 3, 4}));
  BOOST_TEST(close(g, 4 * 0.9 + 12 * std::pow(0.9, 3) + 24 * std::pow(0.9, 5), tol<T>()));
  // Both outputs used: the loop runs once (and its records are kept: no second evaluation).
  tl::detail::scan_stats() = {};
  T const g2 = tl::gradient(xn + tl::sum(ys), a);
  BOOST_TEST(tl::detail::scan_stats().evaluations == 4u);
  BOOST_TEST(close(g2, 4 * std::pow(0.9, 3) + 2 * 0.9 + 4 * std::pow(0.9, 3) + 6 * std::pow(0.9, 5), tol<T>()));
  // Vector ys stack into the rows of a dmat.
  tl::var<tl::vec<T, 2>> w{T(0.5), T(2)};
  auto [hn, rows] = tl::scan([&](auto const& h) { return std::pair{h * T(0.5), h * w}; }, T(1), 3);
  auto const r = tl::value(rows);
  BOOST_TEST(r.rows() == 3u);
  BOOST_TEST(r.cols() == 2u);
  BOOST_TEST(close(r(2, 1), 0.25 * 2, tol<T>()));
  auto const gw = tl::gradient(rows, w);  // sum over t of 0.5^t
  BOOST_TEST(close(gw[0], 1.75, tol<T>()));
  BOOST_TEST(close(gw[1], 1.75, tol<T>()));
  (void)hn;
}

// Per-step inputs: the rows of a matrix, the elements of a vector, ranges; a differentiable xs.
BOOST_AUTO_TEST_CASE(per_step_inputs) {
  tl::var<double> c{0.5};
  std::vector<double> u{1, 2, 3};
  auto s = tl::scan([&](auto const& h, auto const& x) { return h * c + x; }, 0.0, u);
  BOOST_TEST(tl::value(s) == 4.25);
  tl::detail::scan_stats() = {};
  BOOST_TEST(tl::gradient(s, c) == 3.0);  // h3 = c h2 + 3, h2 = c + 2
  // The input row is one buffer: the records of a scan over xs are not kept, its steps run again.
  BOOST_TEST(tl::detail::scan_stats().evaluations == 6u);
  // xs an expression: h3 = c^2 x1^2 + c x2^2 + x3^2.
  tl::var<tl::dvec<double>> xv{1.0, 2.0, 3.0};
  auto s2 = tl::scan([&](auto const& h, auto const& x) { return h * c + x * x; }, 0.0, xv);
  auto const g2 = tl::gradient(s2, xv);
  BOOST_TEST(g2[0] == 0.5);
  BOOST_TEST(g2[1] == 2.0);
  BOOST_TEST(g2[2] == 6.0);
  // Rows of a static matrix and a range of static vectors give the same steps.
  tl::var<tl::vec<double, 2>> w{0.5, -0.5};
  auto cell = [&](auto const& h, auto const& x) { return tl::tanh(h * w + 0.1 * x); };
  auto r1 = tl::scan(cell, tl::vec<double, 2>{0.1, 0.2}, tl::mat<double, 3, 2>{{1, 2}, {3, 4}, {5, 6}});
  auto r2 = tl::scan(cell, tl::vec<double, 2>{0.1, 0.2}, std::vector<tl::vec<double, 2>>{{1, 2}, {3, 4}, {5, 6}});
  auto const g1 = tl::gradient(tl::sum(r1), w);
  auto const gr = tl::gradient(tl::sum(r2), w);
  BOOST_TEST(g1[0] == gr[0]);
  BOOST_TEST(g1[1] == gr[1]);
  double w0 = 0.5, w1 = -0.5;
  auto run = [&] {
    double h0 = 0.1, h1 = 0.2;
    double const xs[3][2] = {{1, 2}, {3, 4}, {5, 6}};
    for (auto const& x : xs) {
      h0 = std::tanh(h0 * w0 + 0.1 * x[0]);
      h1 = std::tanh(h1 * w1 + 0.1 * x[1]);
    }
    return h0 + h1;
  };
  BOOST_TEST(close(g1[0], central(run, w0), 1e-8));
  BOOST_TEST(close(g1[1], central(run, w1), 1e-8));
  // Rows of a dmat are dvecs.
  tl::dmat<double> xm{{1, 2}, {3, 4}};
  auto r3 = tl::scan([&](auto const& h, auto const& x) { return h * c + tl::sum(x); }, 0.0, xm);
  BOOST_TEST(tl::value(r3) == 0.5 * 3 + 7);
}

// A dvec state at the SIMD tail sizes: the step's tree runs fused; reverse against forward mode and
// central differences.
BOOST_AUTO_TEST_CASE_TEMPLATE(runtime_state_at_tail_sizes, T, reals) {
  for (std::size_t n : {1u, 7u, 8u, 9u, 15u, 17u, 1000u}) {
    tl::dvec<T> x0v(n);
    for (std::size_t i = 0; i < n; ++i) x0v[i] = T(0.1) + T(0.7) * T(i % 5) / T(5);
    tl::var<tl::dvec<T>> x0{x0v};
    tl::var<T> k{T(0.3)};
    auto xn = tl::scan([&](auto const& x) { return x + T(0.1) * (tl::sin(x) * k - x * x * T(0.5)); }, x0, 6);
    auto loss = tl::sum(tl::square(xn));
    tl::detail::scan_stats() = {};
    auto [gx, gk] = tl::gradient(loss, tl::wrt(x0, k));
    // Records over runtime extents own their arrays: not kept, the steps run again backwards.
    BOOST_TEST(tl::detail::scan_stats().evaluations == 12u);
    // Forward mode over the same scan: d loss / d k by a tangent pass, d xn / d x0 column 0.
    auto const jk = tl::jacobian(loss, k, tl::forward_mode);
    BOOST_TEST(close(jk, gk, tol<T>() * 10));
    // Central differences in double of the same loop.
    std::vector<double> xd(x0v.data(), x0v.data() + n);
    double kd = 0.3;
    auto run = [&] {
      double s = 0;
      for (std::size_t i = 0; i < n; ++i) {
        double x = xd[i];
        for (int t = 0; t < 6; ++t) x = x + 0.1 * (std::sin(x) * kd - x * x * 0.5);
        s += x * x;
      }
      return s;
    };
    double const rel = std::is_same_v<T, float> ? 2e-3 : 1e-7;
    BOOST_TEST(close(gk, central(run, kd), rel));
    for (std::size_t i : {std::size_t{0}, n / 2, n - 1}) BOOST_TEST(close(gx[i], central(run, xd[i]), rel));
  }
}

// Forward mode through scan: tangent passes, jvp, jacfwd on duals, jets through the plain loop,
// hessian (forward over reverse), all against reverse mode.
BOOST_AUTO_TEST_CASE(forward_mode_agrees_with_reverse) {
  tl::var<tl::vec<double, 2>> z{0.3, 0.7};
  auto sz = tl::scan([&](auto const& x) { return x * z + 1.0; }, z, 3);
  auto const jf = tl::jacobian(sz, z, tl::forward_mode);
  auto const jr = tl::jacobian(sz, z, tl::reverse_mode);
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 2; ++j) BOOST_TEST(close(jf(i, j), jr(i, j), 1e-14));
  BOOST_TEST(close(jf(0, 0), 1.708, 1e-14));  // x1 = z^2 + 1, x2 = z x1 + 1, x3 = z x2 + 1 at 0.3

  auto f = [](auto const& x) { return tl::scan([&](auto const& y) { return tl::sin(y) * x; }, x, 4); };
  tl::vec<double, 2> const x{0.3, 0.4};
  auto const jac_fwd = tl::jacfwd(f)(x);
  auto const jac_rev = tl::jacrev(f)(x);
  auto const [value, jv] = tl::jvp(f, x, tl::vec<double, 2>{1.0, -2.0});
  for (std::size_t i = 0; i < 2; ++i) {
    for (std::size_t j = 0; j < 2; ++j) BOOST_TEST(close(jac_fwd(i, j), jac_rev(i, j), 1e-13));
    BOOST_TEST(close(jv[i], jac_rev(i, 0) - 2 * jac_rev(i, 1), 1e-13));
  }
  (void)value;
  auto g = [](auto const& x) { return tl::sum(tl::scan([&](auto const& y) { return tl::sin(y) * x; }, x, 4)); };
  auto const h = tl::hessian(g)(x);
  // Hessian against central differences of the reverse-mode gradient.
  for (std::size_t j = 0; j < 2; ++j) {
    auto xp = x, xm = x;
    xp[j] += 1e-6;
    xm[j] -= 1e-6;
    auto const gp = tl::grad(g)(xp), gm = tl::grad(g)(xm);
    for (std::size_t i = 0; i < 2; ++i) BOOST_TEST(close(h(i, j), (gp[i] - gm[i]) / 2e-6, 1e-7));
  }
  // The plain loop on jets and nested duals: x^4 by three multiplications.
  auto p = [](auto const& x) { return tl::scan([&](auto const& y) { return y * x; }, x, 3); };
  auto const d = tl::derivative<4>(p, 2.0);
  auto const dn = tl::derivative<4>(p, 2.0, tl::nested_duals);
  double const want[] = {16, 32, 48, 48, 24};
  for (std::size_t i = 0; i < 5; ++i) {
    BOOST_TEST(d[i] == want[i]);
    BOOST_TEST(dn[i] == want[i]);
  }
  BOOST_TEST(tl::grad(p)(2.0) == 32.0);
}

// seeds, stop_at on an outer let used in the step, and a let of the scan's result.
BOOST_AUTO_TEST_CASE(gradient_options_through_scan) {
  tl::var<double> a{0.5};
  auto b = tl::let(a * a);  // outer let, used inside the step
  auto xn = tl::scan([&](auto const& x) { return x * b + a; }, tl::vec<double, 2>{1.0, 2.0}, 2);
  // x1 = x0 b + a, x2 = x1 b + a = x0 b^2 + a b + a; b = a^2
  auto const g = tl::gradient(xn, a, tl::seeds(tl::vec<double, 2>{1.0, 3.0}));
  // d x2 / d a = x0 4 a^3 + 3 a^2 + 1
  double const d0 = 1 * 4 * 0.125 + 3 * 0.25 + 1, d1 = 2 * 4 * 0.125 + 3 * 0.25 + 1;
  BOOST_TEST(close(g, d0 + 3 * d1, 1e-14));
  // stop_at(b): b is a constant; d x2 / d a = b + 1 per element
  auto const [gs, gb] = tl::gradient(xn, tl::wrt(a, b), tl::stop_at(b));
  BOOST_TEST(close(gs, 2 * (0.25 + 1), 1e-14));
  // d x2 / d b = 2 x0 b + a
  BOOST_TEST(close(gb, (2 * 1 * 0.25 + 0.5) + (2 * 2 * 0.25 + 0.5), 1e-14));
  // A let of the result, used twice.
  auto y = tl::let(tl::sum(xn));
  tl::detail::scan_stats() = {};
  auto const gy = tl::gradient(y * y, a);
  BOOST_TEST(tl::detail::scan_stats().evaluations == 2u);
  double const yv = tl::value(y);
  BOOST_TEST(close(gy, 2 * yv * (d0 + d1), 1e-14));
}

// The function API with a structure of parameters (tf.nest / pytrees) through a scan.
BOOST_AUTO_TEST_CASE(structured_parameters_through_scan) {
  auto f = [](auto const& p) {
    auto const& w = hana::at_c<0>(p);   // a vec<2>
    auto const& b = hana::at_c<1>(p);   // a number
    auto xn = tl::scan([&](auto const& x) { return tl::tanh(x * w + b); }, tl::vec<double, 2>{0.5, -0.5}, 5);
    return tl::sum(xn);
  };
  auto const params = hana::make_tuple(tl::vec<double, 2>{0.8, 1.2}, 0.1);
  auto const g = tl::grad(f)(params);
  auto run = [&](double w0, double w1, double b) {
    double x0 = 0.5, x1 = -0.5;
    for (int t = 0; t < 5; ++t) {
      x0 = std::tanh(x0 * w0 + b);
      x1 = std::tanh(x1 * w1 + b);
    }
    return x0 + x1;
  };
  double const h = 1e-6;
  BOOST_TEST(close(hana::at_c<0>(g)[0], (run(0.8 + h, 1.2, 0.1) - run(0.8 - h, 1.2, 0.1)) / (2 * h), 1e-8));
  BOOST_TEST(close(hana::at_c<0>(g)[1], (run(0.8, 1.2 + h, 0.1) - run(0.8, 1.2 - h, 0.1)) / (2 * h), 1e-8));
  BOOST_TEST(close(hana::at_c<1>(g), (run(0.8, 1.2, 0.1 + h) - run(0.8, 1.2, 0.1 - h)) / (2 * h), 1e-8));
}

BOOST_AUTO_TEST_CASE(nested_scans) {
  tl::var<double> a{0.9};
  auto outer = tl::scan(
      [&](auto const& x) {
        auto c = tl::let(x * a);
        return tl::scan([&](auto const& y) { return y * c + x; }, c, 2);
      },
      a, 3);
  double const g = tl::gradient(outer, a);
  double av = 0.9;
  auto run = [&] {
    double x = av;
    for (int t = 0; t < 3; ++t) {
      double const c = x * av;
      double y = c;
      for (int u = 0; u < 2; ++u) y = y * c + x;
      x = y;
    }
    return x;
  };
  BOOST_TEST(close(tl::value(outer), run(), 1e-14));
  BOOST_TEST(close(g, central(run, av), 1e-7));
  // Forward mode through both loops.
  BOOST_TEST(close(tl::jacobian(outer, a, tl::forward_mode), g, 1e-12));
  // And with checkpoints on both levels.
  auto outer_k = tl::scan(
      [&](auto const& x) {
        auto c = tl::let(x * a);
        return tl::scan([&](auto const& y) { return y * c + x; }, c, 2, tl::checkpoints(1));
      },
      a, 3, tl::checkpoints(2));
  BOOST_TEST(tl::gradient(outer_k, a) == g);
}

BOOST_AUTO_TEST_CASE(errors_change_nothing) {
  tl::var<tl::dvec<double>> x{1.0, 2.0};
  tl::var<double> k{2.0};
  // The step changes the state's length.
  auto grow = tl::scan([&](auto const& s) { return s * k; }, x, 3);
  BOOST_TEST(tl::gradient(tl::sum(grow), k) == 3.0 * 4.0 * 3.0);  // sum(x) 3 k^2 ... d/dk (3 k^3) = 9 k^2 = 36
  tl::var<tl::dvec<double>> other{1.0, 2.0, 3.0};
  auto bad = tl::scan([&](auto const& s) { return s * k + other; }, x, 3);
  BOOST_CHECK_EXCEPTION(tl::gradient(tl::sum(bad), k), tl::shape_error, [](tl::shape_error const& e) {
    return std::string(e.what()).find("(2)") != std::string::npos && std::string(e.what()).find("(3)") != std::string::npos;
  });
  BOOST_TEST(k.value() == 2.0);
  BOOST_CHECK_THROW(tl::scan([&](auto const& s) { return s * k; }, x, 3, tl::checkpoints(0)), std::invalid_argument);
  BOOST_CHECK_THROW(tl::scan([&](auto const& s) { return s * k; }, x, -1), std::invalid_argument);
  // A let made inside the step and used outside it.
  std::function<double()> leak;
  auto s = tl::scan(
      [&](auto const& v) {
        auto inner = tl::let(v * k);
        leak = [p = inner.state()] {
          tl::detail::let_ref<double> r{p};
          return tl::value(r);
        };
        return inner + 0.0;
      },
      1.0, 2);
  BOOST_TEST(tl::value(s) == 4.0);
  BOOST_CHECK_THROW(leak(), tl::scope_error);
  // ... and inside the step of another scan, where a frame of the same level is open: still an error,
  // never the first scan's stale value.
  std::optional<tl::detail::let_ref<double>> escaped;
  auto first = tl::scan(
      [&](auto const& v) {
        auto inner = tl::let(v * k);
        escaped.emplace(inner.state());
        return inner + 0.0;
      },
      1.0, 2);
  BOOST_TEST(tl::value(first) == 4.0);
  auto second = tl::scan([&](auto const& u) { return u + *escaped; }, 0.0, 3);
  BOOST_CHECK_THROW(tl::value(second), tl::scope_error);
  BOOST_CHECK_THROW(tl::gradient(second, k), tl::scope_error);
}
