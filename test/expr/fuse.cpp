// The fused SIMD loops (expr/fuse.hpp) against closed forms: every tail size, scalar and array leaves,
// leaves that are not elementwise (evaluated once, differentiated after the loop), lets, means,
// repeated backward sweeps (jacobian) and forward-mode tangents.
#define BOOST_TEST_MODULE expr_fuse
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <vector>

#include <tapeless/tapeless.hpp>

namespace {

using reals = std::tuple<float, double>;

template <class T>
T tol() {
  return std::is_same_v<T, float> ? T(3e-5) : T(1e-12);
}

template <class T>
bool close(T a, T b) {
  return std::abs(a - b) <= tol<T>() * std::max(T(1), std::max(std::abs(a), std::abs(b)));
}

template <class T>
tl::dvec<T> ramp(std::size_t n) {
  tl::dvec<T> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = T(-1) + T(2.5) * T(i) / T(n);
  return v;
}

// Sizes around every vector length: 1, lanes - 1, lanes, lanes + 1 for 2 to 16 lanes, and large.
std::size_t const sizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 1000};

static_assert(tl::detail::reduce_node<tl::detail::sum_rule,
                                      decltype(tl::exp(std::declval<tl::var<tl::dvec<double>> const&>()))>::fused,
              "a sum of an elementwise tree over double must take the fused loops");

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(elementwise_sum_at_every_tail, T, reals) {
  for (std::size_t n : sizes) {
    tl::var<tl::dvec<T>> x{ramp<T>(n)};
    auto y = tl::sum(tl::exp(x) * x + tl::sin(x));
    auto const g = tl::gradient(y, x);
    T value{};
    for (std::size_t i = 0; i < n; ++i) {
      T const v = x.value()[i];
      BOOST_TEST(close(g[i], std::exp(v) * (v + 1) + std::cos(v)), "n = " << n << ", i = " << i);
      value += std::exp(v) * v + std::sin(v);
    }
    BOOST_TEST(close(tl::value(y), value), "n = " << n);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(scalar_leaves_gather_across_lanes, T, reals) {
  // A normal log-density: mu and sigma are scalars broadcast over the data.
  for (std::size_t n : sizes) {
    tl::dvec<T> const data = ramp<T>(n);
    tl::var<T> mu{T(0.25)}, sigma{T(1.5)};
    auto z = (tl::constant_ref(data) - mu) / sigma;
    auto lp = -T(0.5) * tl::sum(tl::square(z)) - T(n) * tl::log(sigma);
    auto const [gm, gs] = tl::gradient(lp, tl::wrt(mu, sigma));
    T em{}, es{};
    for (std::size_t i = 0; i < n; ++i) {
      T const zi = (data[i] - T(0.25)) / T(1.5);
      em += zi / T(1.5);
      es += zi * zi / T(1.5);
    }
    es -= T(n) / T(1.5);
    BOOST_TEST(close(gm, em), "n = " << n);
    BOOST_TEST(close(gs, es), "n = " << n);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(scalar_subtrees_inside_the_loop, T, reals) {
  // log(sigma) and exp(c) * c are scalar subtrees inside the summed tree: each is a leaf of the loop,
  // evaluated once, and with mu and sigma there are five scalar slots, all summed across lanes.
  using node = std::remove_cvref_t<decltype(tl::square(std::declval<tl::var<tl::dvec<T>> const&>() -
                                                       std::declval<tl::var<T> const&>()) /
                                            std::declval<tl::var<T> const&>() +
                                            tl::log(std::declval<tl::var<T> const&>()))>;
  static_assert(tl::detail::fuse<node>::slots == 3, "mu, sigma and log(sigma): one slot each");
  for (std::size_t n : sizes) {
    tl::var<tl::dvec<T>> x{ramp<T>(n)};
    tl::var<T> mu{T(0.25)}, sigma{T(1.5)}, c{T(0.3)};
    auto y = tl::sum(tl::square(x - mu) / sigma + tl::log(sigma) + tl::exp(c) * c - sigma * x);
    auto const [gx, gm, gs, gc] = tl::gradient(y, tl::wrt(x, mu, sigma, c));
    T em{}, es{}, value{};
    for (std::size_t i = 0; i < n; ++i) {
      T const xi = x.value()[i], d = xi - T(0.25);
      BOOST_TEST(close(gx[i], T(2) * d / T(1.5) - T(1.5)), "n = " << n << ", i = " << i);
      em += -T(2) * d / T(1.5);
      es += -d * d / (T(1.5) * T(1.5)) + T(1) / T(1.5) - xi;
      value += d * d / T(1.5) + std::log(T(1.5)) + std::exp(T(0.3)) * T(0.3) - T(1.5) * xi;
    }
    BOOST_TEST(close(gm, em), "n = " << n);
    BOOST_TEST(close(gs, es), "n = " << n);
    BOOST_TEST(close(gc, T(n) * std::exp(T(0.3)) * (T(1) + T(0.3))), "n = " << n);
    BOOST_TEST(close(tl::value(y), value), "n = " << n);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(non_elementwise_leaves_and_lets, T, reals) {
  // logistic regression: a matmul (a leaf of the loop), a bias, labels as constants, a let.
  std::size_t const n = 37;
  tl::dmat<T> X(n, 3);
  tl::dvec<T> labels(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < 3; ++j) X(i, j) = T(std::sin(double(i * 3 + j)));
    labels[i] = (i % 3 == 0) ? T(1) : T(-1);
  }
  tl::var<tl::dvec<T>> w{T(0.5), T(-0.25), T(1.0)};
  tl::var<T> b{T(0.1)};
  auto margin = tl::let(tl::constant_ref(labels) * (tl::matmul(tl::constant_ref(X), w) + b));
  auto loss = tl::mean(tl::log1p(tl::exp(-margin)));
  auto const [gw, gb, gm] = tl::gradient(loss, tl::wrt(w, b, margin));
  T ew[3] = {}, eb{};
  for (std::size_t i = 0; i < n; ++i) {
    T zi = b.value();
    for (std::size_t j = 0; j < 3; ++j) zi += X(i, j) * w.value()[j];
    T const m = labels[i] * zi;
    T const dm = -T(1) / (T(1) + std::exp(m)) / T(n);  // d mean(log1p(exp(-m))) / dm_i
    BOOST_TEST(close(gm[i], dm));
    for (std::size_t j = 0; j < 3; ++j) ew[j] += dm * labels[i] * X(i, j);
    eb += dm * labels[i];
  }
  for (std::size_t j = 0; j < 3; ++j) BOOST_TEST(close(gw[j], ew[j]));
  BOOST_TEST(close(gb, eb));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(inner_sums_and_repeated_sweeps, T, reals) {
  // A sum that is not the root: its loop runs forward, then again backward. jacobian repeats the
  // backward with the same records, and its forward mode runs the tangent loop.
  tl::var<tl::vec<T, 19>> x;
  tl::vec<T, 19> x0;
  for (std::size_t i = 0; i < 19; ++i) x0[i] = T(0.1) * T(i) - T(0.7);
  x = x0;
  auto s = tl::sum(tl::tanh(x) * x);
  auto m = tl::mean(tl::square(x - T(0.2)));
  auto y = tl::log(T(3) + s) * x + m;  // vec of 19
  auto const Jr = tl::jacobian(y, x, tl::reverse_mode);
  auto const Jf = tl::jacobian(y, x, tl::forward_mode);
  T sv{};
  for (std::size_t i = 0; i < 19; ++i) sv += std::tanh(x0[i]) * x0[i];
  for (std::size_t i = 0; i < 19; ++i)
    for (std::size_t j = 0; j < 19; ++j) {
      T const t = std::tanh(x0[j]);
      T const ds = t + x0[j] * (1 - t * t);
      T const dm = T(2) * (x0[j] - T(0.2)) / T(19);
      T const expected = (i == j ? std::log(T(3) + sv) : T(0)) + x0[i] * ds / (T(3) + sv) + dm;
      BOOST_TEST(close(Jr(i, j), expected));
      BOOST_TEST(close(Jf(i, j), expected));
    }
}

// An elementwise tree whose output is not summed (it feeds a matmul, or is the root) is one loop
// forward into one array, and one loop backward that recomputes the inner values (fused_map_*).
template <class T>
using tree_t = std::remove_cvref_t<decltype(tl::tanh(std::declval<tl::var<tl::dvec<T>> const&>() *
                                                     std::declval<tl::var<T> const&>()) +
                                            std::declval<tl::var<tl::dvec<T>> const&>())>;
static_assert(std::is_same_v<tl::detail::record_t<tree_t<float>>, tl::detail::fused_map_record<tree_t<float>>>,
              "the top of an elementwise tree over float must take the fused loops");
static_assert(std::is_same_v<tl::detail::record_t<tree_t<double>>, tl::detail::fused_map_record<tree_t<double>>>,
              "the top of an elementwise tree over double must take the fused loops");

BOOST_AUTO_TEST_CASE_TEMPLATE(elementwise_tree_under_a_matmul_at_every_tail, T, reals) {
  for (std::size_t n : sizes) {
    std::size_t const m = 3;
    tl::dmat<T> W(m, n);
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) W(i, j) = T(std::cos(double(i * n + j)));
    tl::var<tl::dvec<T>> x{ramp<T>(n)};
    tl::var<T> a{T(0.75)};
    auto h = tl::tanh(x * a) + x;  // an n-vector, the fused tree
    auto y = tl::sum(tl::square(tl::matmul(tl::constant_ref(W), h)));
    auto const [gx, ga] = tl::gradient(y, tl::wrt(x, a));
    // y = sum_i u_i^2, u = W h: dy/dh_j = 2 sum_i u_i W_ij; dh_j/dx_j = a (1 - t_j^2) + 1, dh_j/da = x_j (1 - t_j^2).
    std::vector<T> u(m, T(0));
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) u[i] += W(i, j) * (std::tanh(x.value()[j] * T(0.75)) + x.value()[j]);
    T ea{};
    for (std::size_t j = 0; j < n; ++j) {
      T dh{};
      for (std::size_t i = 0; i < m; ++i) dh += T(2) * u[i] * W(i, j);
      T const xj = x.value()[j], t = std::tanh(xj * T(0.75));
      BOOST_TEST(close(gx[j], dh * (T(0.75) * (T(1) - t * t) + T(1))), "n = " << n << ", j = " << j);
      ea += dh * xj * (T(1) - t * t);
    }
    BOOST_TEST(close(ga, ea), "n = " << n);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(elementwise_tree_at_the_root_at_every_tail, T, reals) {
  // The summed gradient of a vector output (TensorFlow's rule), a seeded one, and both Jacobians.
  for (std::size_t n : sizes) {
    tl::var<tl::dvec<T>> x{ramp<T>(n)};
    tl::var<T> s{T(1.25)};
    auto y = tl::exp(x) * s + tl::sin(x) / s;
    auto const [gx, gs] = tl::gradient(y, tl::wrt(x, s));
    tl::dvec<T> seed(n);
    for (std::size_t i = 0; i < n; ++i) seed[i] = T(0.5) + T(i % 3);
    auto const [hx] = tl::gradient(tl::outputs(y), tl::wrt(x), tl::seeds(seed));
    bool const square = n <= 33;  // n x n Jacobians, so not at the largest size
    tl::dmat<T> const Jr = square ? tl::jacobian(y, x, tl::reverse_mode) : tl::dmat<T>(1, 1);
    tl::dmat<T> const Jf = square ? tl::jacobian(y, x, tl::forward_mode) : tl::dmat<T>(1, 1);
    T es{};
    for (std::size_t i = 0; i < n; ++i) {
      T const xi = x.value()[i];
      T const dx = std::exp(xi) * T(1.25) + std::cos(xi) / T(1.25);
      BOOST_TEST(close(gx[i], dx), "n = " << n << ", i = " << i);
      BOOST_TEST(close(hx[i], seed[i] * dx), "n = " << n << ", i = " << i);
      for (std::size_t j = 0; square && j < n; ++j) {
        BOOST_TEST(close(Jr(i, j), i == j ? dx : T(0)));
        BOOST_TEST(close(Jf(i, j), i == j ? dx : T(0)));
      }
      es += std::exp(xi) - std::sin(xi) / (T(1.25) * T(1.25));
    }
    BOOST_TEST(close(gs, es), "n = " << n);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(scalar_factors_taken_once_per_loop, T, reals) {
  // The loop carries the adjoint as k v with k once per loop (adjoint_lanes): every way a scalar
  // operand multiplies it (a * x, x * a, x / s and its divisor, - b, negation, square's 2) and the
  // scalar leaves reached with v = 1 (- b, + log(s): lanes counted, not added), against closed forms:
  // the gradient, a mean (another seed), seeded maps (an adjoint per element), the value.
  for (std::size_t n : sizes) {
    tl::var<tl::dvec<T>> x{ramp<T>(n)};
    tl::var<T> a{T(0.75)}, b{T(-0.5)}, c{T(1.25)}, s{T(1.5)};
    auto const f = a * x + x * a - (-(c * tl::square(x / s - b))) - b + tl::log(s) - 2 * b;
    auto const y = tl::sum(f);
    auto const [vy, g] = tl::value_and_gradient(y, tl::wrt(x, a, b, c, s));
    auto const& [gx, ga, gb, gc, gs] = g;
    auto const [mx, ma, mb, mc, ms] = tl::gradient(tl::mean(f), tl::wrt(x, a, b, c, s));
    tl::dvec<T> seed(n);
    for (std::size_t i = 0; i < n; ++i) seed[i] = T(0.5) + T(i % 5) * T(0.25);
    auto const [wx, wa, wb, wc, ws] = tl::gradient(tl::outputs(f), tl::wrt(x, a, b, c, s), tl::seeds(seed));
    T ea{}, eb{}, ec{}, es{}, value{}, fa{}, fb{}, fc{}, fs{};
    for (std::size_t i = 0; i < n; ++i) {
      T const xi = x.value()[i], u = xi / T(1.5) + T(0.5);
      T const dx = T(1.5) + T(2) * T(1.25) * u / T(1.5);
      BOOST_TEST(close(gx[i], dx), "n = " << n << ", i = " << i);
      BOOST_TEST(close(mx[i], dx / T(n)), "n = " << n << ", i = " << i);
      BOOST_TEST(close(wx[i], seed[i] * dx), "n = " << n << ", i = " << i);
      T const pa = T(2) * xi, pb = -T(2) * T(1.25) * u - T(3), pc = u * u,
              ps = -T(2) * T(1.25) * u * xi / (T(1.5) * T(1.5)) + T(1) / T(1.5);
      ea += pa, eb += pb, ec += pc, es += ps;
      fa += seed[i] * pa, fb += seed[i] * pb, fc += seed[i] * pc, fs += seed[i] * ps;
      value += T(1.5) * xi + T(1.25) * u * u + T(1.5) + std::log(T(1.5));
    }
    T const nn = T(n);
    BOOST_TEST(close(ga, ea), "n = " << n);
    BOOST_TEST(close(gb, eb), "n = " << n);
    BOOST_TEST(close(gc, ec), "n = " << n);
    BOOST_TEST(close(gs, es), "n = " << n);
    BOOST_TEST(close(vy, value), "n = " << n);
    BOOST_TEST(close(ma, ea / nn), "n = " << n);
    BOOST_TEST(close(mb, eb / nn), "n = " << n);
    BOOST_TEST(close(mc, ec / nn), "n = " << n);
    BOOST_TEST(close(ms, es / nn), "n = " << n);
    BOOST_TEST(close(wa, fa), "n = " << n);
    BOOST_TEST(close(wb, fb), "n = " << n);
    BOOST_TEST(close(wc, fc), "n = " << n);
    BOOST_TEST(close(ws, fs), "n = " << n);
  }
}

BOOST_AUTO_TEST_CASE(out_of_range_lanes_follow_std) {
  // Outside the range where Highway's functions are specified, lanes fall back to std:: so results do
  // not depend on the SIMD target: exp overflows to inf, log of a negative is NaN, sin of a huge
  // argument is std::sin's.
  tl::var<tl::dvec<double>> x{1.0, 2.0, 800.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0};
  BOOST_TEST(std::isinf(tl::value(tl::sum(tl::exp(x)))));
  tl::var<tl::dvec<double>> y{1.0, 2.0, 3.0, -1.0, 4.0, 5.0, 6.0, 7.0, 8.0};
  BOOST_TEST(std::isnan(tl::value(tl::sum(tl::log(y)))));
  tl::var<tl::dvec<double>> z{1e5, 2e5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0};
  auto const g = tl::gradient(tl::sum(tl::sin(z)), z);
  BOOST_TEST(g[0] == std::cos(1e5));
  BOOST_TEST(g[1] == std::cos(2e5));
  double expected = 0;
  for (double v : z.value()) expected += std::sin(v);
  BOOST_TEST(std::abs(tl::value(tl::sum(tl::sin(z))) - expected) <= 1e-12 * 9);
  tl::var<tl::dvec<double>> u{-0.5, 0.25, -0.75, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0};
  auto const gl = tl::gradient(tl::sum(tl::log1p(u)), u);
  for (std::size_t i = 0; i < 9; ++i) BOOST_TEST(std::abs(gl[i] - 1 / (1 + u.value()[i])) <= 1e-15);
  BOOST_TEST(std::abs(tl::value(tl::sum(tl::log1p(u))) - [&] {
               double e = 0;
               for (double v : u.value()) e += std::log1p(v);
               return e;
             }()) <= 1e-13);
}
