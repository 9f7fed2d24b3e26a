// Defined results at the edges (docs/semantics.md): empty inputs of max, min and logsumexp throw
// tl::shape_error; a NaN anywhere in max / min is the result; logsumexp of infinities; d/dz pow(0, z);
// stop_gradient in every mode (jets included). Float and double, static and runtime extents, reverse
// mode, duals and jets. Each case gave a wrong number or a crash before it was fixed.
#define BOOST_TEST_MODULE expr_edges
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <tuple>

#include <tapeless/tapeless.hpp>

namespace {

using reals = std::tuple<float, double>;

template <class T>
constexpr T nan_v = std::numeric_limits<T>::quiet_NaN();
template <class T>
constexpr T inf_v = std::numeric_limits<T>::infinity();

BOOST_AUTO_TEST_CASE_TEMPLATE(empty_inputs_of_max_min_logsumexp_throw, T, reals) {
  tl::var<tl::dvec<T>> const e{};
  BOOST_CHECK_THROW((void)tl::value(tl::max(e)), tl::shape_error);
  BOOST_CHECK_THROW((void)tl::value(tl::min(e)), tl::shape_error);
  BOOST_CHECK_THROW((void)tl::value(tl::logsumexp(e)), tl::shape_error);
  BOOST_CHECK_THROW((void)tl::gradient(tl::max(e), e), tl::shape_error);
  BOOST_TEST(tl::value(tl::sum(e)) == T(0));
  BOOST_TEST(tl::value(tl::norm(e)) == T(0));
  BOOST_TEST(std::isnan(tl::value(tl::mean(e))));  // 0 / 0, as JAX
  try {
    (void)tl::value(tl::logsumexp(e));
  } catch (tl::shape_error const& ex) {
    BOOST_TEST(std::string(ex.what()) == "tl::logsumexp: the input is empty");
  }
  // Values of duals (eager) too.
  tl::dvec<tl::dual<T>> const d{};
  BOOST_CHECK_THROW((void)tl::value(tl::max(tl::constant(d))), tl::shape_error);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_nan_anywhere_is_the_max_and_gets_the_derivative, T, reals) {
  T const n = nan_v<T>;
  for (int where = 0; where < 3; ++where) {
    tl::dvec<T> v{T(1), T(2), T(0.5)};
    v[where] = n;
    tl::var<tl::dvec<T>> x{v};
    BOOST_TEST(std::isnan(tl::value(tl::max(x))));
    BOOST_TEST(std::isnan(tl::value(tl::min(x))));
    auto const g = tl::gradient(tl::max(x), x);
    for (int i = 0; i < 3; ++i) BOOST_TEST(g[i] == (i == where ? T(1) : T(0)));
    // Static extents, and forward mode (the tangent of the NaN element).
    tl::var<tl::vec<T, 3>> xs{v[0], v[1], v[2]};
    BOOST_TEST(std::isnan(tl::value(tl::max(xs))));
    auto const j = tl::jacfwd([](auto const& z) { return tl::min(z); })(tl::vec<T, 3>{v[0], v[1], v[2]});
    for (int i = 0; i < 3; ++i) BOOST_TEST(j[i] == (i == where ? T(1) : T(0)));
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(logsumexp_of_infinities, T, reals) {
  T const inf = inf_v<T>;
  tl::var<tl::dvec<T>> const all_minus{-inf, -inf};
  BOOST_TEST(tl::value(tl::logsumexp(all_minus)) == -inf);
  tl::var<tl::vec<T, 2>> const plus{inf, T(1)};
  BOOST_TEST(tl::value(tl::logsumexp(plus)) == inf);
  tl::var<tl::vec<T, 3>> const some_minus{-inf, T(0), T(0)};
  BOOST_TEST(std::abs(tl::value(tl::logsumexp(some_minus)) - std::log(T(2))) <= T(1e-6));
  auto const g = tl::gradient(tl::logsumexp(some_minus), some_minus);
  BOOST_TEST(g[0] == T(0));
  BOOST_TEST(std::abs(g[1] - T(0.5)) <= T(1e-6));
  // Large finite inputs are still shifted by their maximum (no overflow).
  tl::var<tl::dvec<T>> const big{T(1000), T(1000)};
  BOOST_TEST(std::abs(tl::value(tl::logsumexp(big)) - (T(1000) + std::log(T(2)))) <= T(1e-3));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(the_derivative_of_pow_0_z_in_z_is_0_in_every_mode, T, reals) {
  // JAX's rule: log 0 taken as log 1 where it multiplies 0^z.
  tl::var<T> x{T(0)}, z{T(2)};
  auto const [gx, gz] = tl::gradient(tl::pow(x, z), tl::wrt(x, z));
  BOOST_TEST(gx == T(0));
  BOOST_TEST(gz == T(0));
  tl::var<tl::dvec<T>> xs{T(0), T(2)};
  auto const gv = tl::gradient(tl::sum(tl::pow(T(0.0) * xs, xs)), xs);  // base 0, exponents 0 and 2
  BOOST_TEST(gv[0] == T(0));
  BOOST_TEST(gv[1] == T(0));
  tl::dual<T> const zd{T(2), {T(1)}};
  BOOST_TEST(pow(tl::dual<T>(T(0)), zd).tangent[0] == T(0));
  auto const d = tl::derivative<2>([](auto w) { return tl::pow(T(0), w); }, T(2));
  BOOST_TEST(d[0] == T(0));
  BOOST_TEST(d[1] == T(0));
  BOOST_TEST(d[2] == T(0));
  // Away from 0 the rule is unchanged: d/dz 2^z = 2^z log 2.
  auto const [g2] = tl::gradient(tl::pow(T(2), z), tl::wrt(z));
  BOOST_TEST(std::abs(g2 - T(4) * std::log(T(2))) <= T(1e-5));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(stop_gradient_agrees_in_every_mode, T, reals) {
  // f(x) = stop_gradient(x^2) * x: f' = x^2 (the stopped factor is a constant), f'' = 0. Jets kept
  // the coefficients of x^2 and gave 27, 18.
  auto f = [](auto const& x) { return tl::stop_gradient(x * x) * x; };
  auto const d = tl::derivative<2>(f, T(3));
  BOOST_TEST(d[0] == T(27));
  BOOST_TEST(d[1] == T(9));
  BOOST_TEST(d[2] == T(0));
  tl::var<T> x{T(3)};
  BOOST_TEST(tl::gradient(f(x), x) == T(9));
  tl::dual<T> const xd{T(3), {T(1)}};
  BOOST_TEST(tl::value(f(tl::constant(xd))).tangent[0] == T(9));
}

/// value and derivative of f at x, the same in every mode: reverse on a scalar, on runtime and static
/// vectors (fused SIMD loops under a sum), a dual's tangent and a jet's first coefficient.
template <class T, class F>
void same_in_every_mode(char const* name, F f, T x, T value, T derivative) {
  auto same = [](T a, T b) { return a == b || (std::isnan(a) && std::isnan(b)); };
  tl::var<T> v{x};
  BOOST_TEST(same(tl::value(f(v)), value), name << " value at " << x);
  BOOST_TEST(same(tl::gradient(f(v), v), derivative), name << " reverse at " << x);
  tl::var<tl::dvec<T>> d{x, x, x};
  auto const gd = tl::gradient(tl::sum(f(d)), d);
  BOOST_TEST(same(gd[2], derivative), name << " reverse, runtime vector, at " << x);
  tl::var<tl::vec<T, 3>> st{x, x, x};
  BOOST_TEST(same(tl::gradient(tl::sum(f(st)), st)[1], derivative), name << " reverse, static vector, at " << x);
  auto const fd = tl::value(f(tl::constant(tl::dual<T>{x, {T(1)}})));
  BOOST_TEST(same(fd.value, value), name << " dual value at " << x);
  BOOST_TEST(same(fd.tangent[0], derivative), name << " dual at " << x);
  auto const j = tl::derivative<1>([&](auto y) { return f(y); }, x);
  BOOST_TEST(same(j[1], derivative), name << " jet at " << x);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(singular_points_and_infinities_agree_in_every_mode, T, reals) {
  T const inf = inf_v<T>;
  same_in_every_mode<T>("sqrt", [](auto const& x) { return tl::sqrt(x); }, T(0), T(0), inf);
  same_in_every_mode<T>("abs", [](auto const& x) { return tl::abs(x); }, T(0), T(0), T(0));
  same_in_every_mode<T>("log", [](auto const& x) { return tl::log(x); }, T(0), -inf, inf);
  same_in_every_mode<T>("exp", [](auto const& x) { return tl::exp(x); }, inf, inf, inf);
  same_in_every_mode<T>("exp", [](auto const& x) { return tl::exp(x); }, -inf, T(0), T(0));
  same_in_every_mode<T>("sigmoid", [](auto const& x) { return tl::sigmoid(x); }, inf, T(1), T(0));
  same_in_every_mode<T>("sigmoid", [](auto const& x) { return tl::sigmoid(x); }, -inf, T(0), T(0));
  same_in_every_mode<T>("tanh", [](auto const& x) { return tl::tanh(x); }, inf, T(1), T(0));
  same_in_every_mode<T>("tanh", [](auto const& x) { return tl::tanh(x); }, -inf, T(-1), T(0));
  same_in_every_mode<T>("pow(x, 0)", [](auto const& x) { return tl::pow(x, T(0)); }, T(0), T(1), T(0));
  same_in_every_mode<T>("pow(x, 0.5)", [](auto const& x) { return tl::pow(x, T(0.5)); }, T(0), T(0), inf);
  // norm(0): the subgradient 0 (JAX gives NaN), for the vector and its elements alike.
  tl::var<tl::dvec<T>> z{T(0), T(0)};
  BOOST_TEST(tl::value(tl::norm(z)) == T(0));
  BOOST_TEST(tl::gradient(tl::norm(z), z)[1] == T(0));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(where_and_stop_gradient_agree_across_the_modes, T, reals) {
  // f(x) = sum(where(x > 0, x^3, -x) + stop_gradient(x) * x): f'(x_i) = (x_i > 0 ? 3 x_i^2 : -1) +
  // stop_gradient(x_i), f''(x_i) = (x_i > 0 ? 6 x_i : 0) on the diagonal (the stopped factor has no
  // derivative at any order, as in JAX). Reverse mode (tl::grad), forward mode
  // (tl::jacfwd of the gradient's pieces, duals), forward over reverse (tl::hessian), nested duals
  // and jets (tl::derivative) and actives (tl::grad in active mode).
  auto f = [](auto const& x) { return tl::sum(tl::where(x > T(0), x * x * x, -x) + tl::stop_gradient(x) * x); };
  tl::vec<T, 3> const x{T(-1.5), T(0.5), T(2)};
  auto const g = tl::grad(f)(x);
  auto const h = tl::hessian(f)(x);
  for (std::size_t i = 0; i < 3; ++i) {
    T const xi = x[i];
    T const want = (xi > 0 ? T(3) * xi * xi : T(-1)) + xi;
    BOOST_TEST(std::abs(g[i] - want) <= T(1e-5) * (T(1) + std::abs(want)), "grad " << i);
    T const want2 = xi > 0 ? T(6) * xi : T(0);
    BOOST_TEST(std::abs(h(i, i) - want2) <= T(1e-5) * (T(1) + std::abs(want2)), "hessian " << i);
  }
  // The same function of one variable: jets (value and two derivatives) and nested duals.
  auto f1 = [](auto const& y) { return tl::where(y > T(0), y * y * y, -y) + tl::stop_gradient(y) * y; };
  for (T y0 : {T(-1.5), T(0.5), T(2)}) {
    auto const d = tl::derivative<2>(f1, y0);
    T const d1 = (y0 > 0 ? T(3) * y0 * y0 : T(-1)) + y0;
    T const d2 = y0 > 0 ? T(6) * y0 : T(0);
    BOOST_TEST(std::abs(d[1] - d1) <= T(1e-5) * (T(1) + std::abs(d1)), "jet first derivative at " << y0);
    BOOST_TEST(std::abs(d[2] - d2) <= T(1e-5) * (T(1) + std::abs(d2)), "jet second derivative at " << y0);
    using D2 = tl::dual<tl::dual<T>>;
    D2 const yy{tl::dual<T>{y0, {T(1)}}, {tl::dual<T>{T(1), {T(0)}}}};
    auto const r = tl::value(f1(tl::constant(yy)));
    BOOST_TEST(std::abs(r.tangent[0].value - d1) <= T(1e-5) * (T(1) + std::abs(d1)), "nested duals, first, at " << y0);
    BOOST_TEST(std::abs(r.tangent[0].tangent[0] - d2) <= T(1e-5) * (T(1) + std::abs(d2)), "nested duals, second, at " << y0);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(stop_at_agrees_with_stop_gradient_in_every_mode, T, reals) {
  // y = sum(q * x + sin(q)) with q = x^2 bound by a let: tl::stop_at(q) treats q as a constant, as
  // writing stop_gradient(x^2) does: dy/dx_i = x_i^2, and q's own gradient is x_i + cos(x_i^2).
  // Reverse mode with stop_at (runtime and static extents, at SIMD tails), the stop_gradient
  // spelling in reverse mode, duals and jets, and tl::active with stop_at.
  auto close = [](T a, double b) { return std::abs(double(a) - b) <= (std::is_same_v<T, float> ? 1e-5 : 1e-13) * (1 + std::abs(b)); };
  auto f1 = [](auto const& v) { return tl::stop_gradient(v * v) * v + tl::sin(tl::stop_gradient(v * v)); };
  for (std::size_t n : {1u, 3u, 9u, 17u}) {
    tl::dvec<T> x0(n);
    for (std::size_t i = 0; i < n; ++i) x0[i] = T(0.3) + T(0.25) * T(i);
    tl::var<tl::dvec<T>> x(x0);
    auto q = tl::let(x * x);
    auto const [gx, gq] = tl::gradient(tl::sum(q * x + tl::sin(q)), tl::wrt(x, q), tl::stop_at(q));
    auto const gs = tl::gradient(tl::sum(f1(x)), x);
    for (std::size_t i = 0; i < n; ++i) {
      double const xi = double(x0[i]);
      BOOST_TEST(close(gx[i], xi * xi), "stop_at, n = " << n << ", element " << i);
      BOOST_TEST(close(gq[i], xi + std::cos(xi * xi)), "the stopped let's own gradient, element " << i);
      BOOST_TEST(close(gs[i], xi * xi), "stop_gradient, element " << i);
      auto const fd = tl::value(f1(tl::constant(tl::dual<T>{x0[i], {T(1)}})));
      BOOST_TEST(close(fd.tangent[0], xi * xi), "dual, element " << i);
      auto const j = tl::derivative<1>([&](auto v) { return f1(v); }, x0[i]);
      BOOST_TEST(close(j[1], xi * xi), "jet, element " << i);
      tl::active<T> xa = x0[i];
      tl::active<T> const qa = xa * xa;
      tl::active<T> const ya = qa * xa + tl::sin(qa);
      auto const [ax, aq] = tl::gradient(ya, tl::wrt(xa, qa), tl::stop_at(qa));
      BOOST_TEST(close(ax, xi * xi), "tl::active with stop_at, element " << i);
      BOOST_TEST(close(aq, xi + std::cos(xi * xi)), "tl::active, the stopped value's gradient, element " << i);
    }
  }
  tl::var<tl::vec<T, 9>> xs{T(0.1), T(0.2), T(0.3), T(0.4), T(0.5), T(0.6), T(0.7), T(0.8), T(0.9)};
  auto qs = tl::let(xs * xs);
  auto const gxs = tl::gradient(tl::sum(qs * xs + tl::sin(qs)), xs, tl::stop_at(qs));
  for (std::size_t i = 0; i < 9; ++i) BOOST_TEST(close(gxs[i], double(xs.value()[i]) * double(xs.value()[i])));
}

// Found by the fuzzer (test/fuzz): each gave a wrong number or a crash.
BOOST_AUTO_TEST_CASE_TEMPLATE(fuzzer_findings, T, reals) {
  // A NaN among a SIMD vector's worth of elements is the max and the min (Highway's Ne is an ordered
  // compare on AVX-512: the NaN test missed it), at every position and size.
  for (std::size_t n : {1u, 7u, 8u, 9u, 16u, 17u, 33u})
    for (std::size_t at = 0; at < n; at += 3) {
      tl::dvec<T> v(n);
      for (std::size_t i = 0; i < n; ++i) v[i] = T(i % 5);
      v[at] = nan_v<T>;
      tl::var<tl::dvec<T>> x{v};
      BOOST_TEST(std::isnan(tl::value(tl::max(x))), "max, n = " << n << ", NaN at " << at);
      BOOST_TEST(std::isnan(tl::value(tl::min(x))), "min, n = " << n << ", NaN at " << at);
      BOOST_TEST(tl::gradient(tl::max(x), x)[at] == T(1));
      BOOST_TEST(std::isnan(tl::value(tl::logsumexp(x))));
    }
  // dot of an empty vector and a scalar is no products: 0, not a read of element 0.
  tl::var<tl::dvec<T>> e{};
  tl::var<T> s{T(2)};
  BOOST_TEST(tl::value(tl::dot(e, s)) == T(0));
  auto const [ge, gs] = tl::gradient(tl::dot(e, s), tl::wrt(e, s));
  BOOST_TEST(ge.size() == 0u);
  BOOST_TEST(gs == T(0));
  // An array divided by a denormal scalar: the reciprocal overflows, the loop must divide.
  T const tiny = std::numeric_limits<T>::denorm_min() * T(4);
  tl::var<tl::dvec<T>> x{T(0), tiny, T(1)};
  tl::var<T> d{tiny};
  auto const q = tl::value(x / d);
  BOOST_TEST(q[0] == T(0));
  BOOST_TEST(q[1] == T(1));
  BOOST_TEST(std::isinf(q[2]));
  auto const [gx, gd] = tl::gradient(tl::sum(x / d * tiny), tl::wrt(x, d));
  BOOST_TEST(gx[1] == tiny / tiny);
  BOOST_TEST(!std::isnan(gd));
  // The same in full SIMD chunks (17 elements: two AVX-512 vectors of doubles and a tail), value and
  // gradient: the loop multiplies by 1 / (d 2^60) and by 2^60.
  tl::var<tl::dvec<T>> many{tl::dvec<T>(17, tiny)};
  auto const qm = tl::value(many / d);
  for (std::size_t i = 0; i < 17; ++i) BOOST_TEST(qm[i] == T(1));
  auto const gm = tl::gradient(tl::sum(many / d * tiny), many);
  for (std::size_t i = 0; i < 17; ++i) BOOST_TEST(gm[i] == T(1));
  // The rescaling by 2^60 stays per element: taken once into the loop's factor with the reciprocal,
  // it overflowed to inf, and 0 * inf made NaN where log(1) * (y / d) has the derivative -0 in y.
  tl::var<tl::dvec<T>> ones{tl::dvec<T>(17, T(1))}, y{tl::dvec<T>(17, T(2))};
  tl::var<T> neg{-tiny};
  auto const gy = tl::gradient(tl::mean(tl::log(ones) * (y / neg)), y);
  for (std::size_t i = 0; i < 17; ++i) {
    BOOST_TEST(gy[i] == T(0));
    BOOST_TEST(!std::isnan(gy[i]));
  }
}

}  // namespace
