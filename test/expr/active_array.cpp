// Array-valued tl::active (tl::active<tl::dvec<T>>, tl::active<tl::vec<T, N>>, matrices): one recorded
// statement per assignment. A time loop on vectors against central differences (double) and against
// forward mode (the same loop on actives of tl::dual), float and double, at the sizes that leave SIMD
// tails; statements with matmul, reductions, indexing and broadcast scalars; scalar statements over
// arrays; what copies, moves, reassignment, stop_at and containers mean; the recording's life; and
// leaves behind an index (a let read by element) found by a statement.
#define BOOST_TEST_MODULE expr_active_array
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include <boost/hana/tuple.hpp>

#include <tapeless/tapeless.hpp>

namespace {

template <class T>
bool close(T a, T b, double rel) {
  return std::abs(double(a) - double(b)) <= rel * std::max({1.0, std::abs(double(a)), std::abs(double(b))});
}

template <class T>
constexpr double tol() {
  return std::is_same_v<T, float> ? 2e-5 : 1e-12;
}

/// Damped oscillators with a cubic term, stepped by explicit Euler on whole vectors, with a branch on
/// a value; e is the final energy. E is the element type: a real (reverse mode) or a tl::dual (the
/// same loop in forward mode).
template <class E>
tl::active<E> oscillators(tl::active<tl::dvec<E>> const& q0, tl::active<tl::dvec<E>> const& v0,
                          tl::active<E> const& k, int steps, double h) {
  using A = tl::active<tl::dvec<E>>;
  A q = q0, v = v0;
  for (int t = 0; t < steps; ++t) {
    A a = -k * q - 0.1 * q * q * q - 0.05 * v;
    if (tl::sum(a * a) > 4.0 * double(q.size())) a *= 0.5;  // a branch on a value
    q += h * v;
    v += h * a;
  }
  tl::active<E> e = 0.5 * tl::sum(v * v) + 0.5 * k * tl::sum(q * q);
  return e;
}

template <class T>
tl::dvec<T> start(std::size_t n, double phase) {
  tl::dvec<T> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = T(std::sin(1.3 * double(i) + phase));
  return x;
}

using reals = std::tuple<float, double>;
constexpr std::array<std::size_t, 6> sizes{1, 3, 7, 8, 17, 200};

BOOST_AUTO_TEST_CASE(a_vector_time_loop_matches_central_differences) {
  for (std::size_t n : sizes) {
    tl::active<tl::dvec<double>> q0 = start<double>(n, 0.2), v0 = start<double>(n, 1.1);
    tl::active<double> k = 2.0;
    auto const e = oscillators(q0, v0, k, 25, 0.05);
    auto const [gq, gv, gk] = tl::gradient(e, tl::wrt(q0, v0, k));
    BOOST_TEST_REQUIRE(gq.size() == n);
    BOOST_TEST_REQUIRE(gv.size() == n);
    auto value_at = [&](tl::dvec<double> const& q, tl::dvec<double> const& v, double kk) {
      tl::active<tl::dvec<double>> qa = q, va = v;
      return oscillators(qa, va, tl::active<double>(kk), 25, 0.05).value();
    };
    double const eps = 1e-6;
    for (std::size_t i = 0; i < n; i += std::max<std::size_t>(1, n / 7)) {
      auto qp = q0.value(), qm = q0.value();
      qp[i] += eps;
      qm[i] -= eps;
      double const fq = (value_at(qp, v0.value(), 2.0) - value_at(qm, v0.value(), 2.0)) / (2 * eps);
      BOOST_TEST(close(gq[i], fq, 1e-6), "n = " << n << ", dq[" << i << "]: " << gq[i] << " vs " << fq);
      auto vp = v0.value(), vm = v0.value();
      vp[i] += eps;
      vm[i] -= eps;
      double const fv = (value_at(q0.value(), vp, 2.0) - value_at(q0.value(), vm, 2.0)) / (2 * eps);
      BOOST_TEST(close(gv[i], fv, 1e-6), "n = " << n << ", dv[" << i << "]: " << gv[i] << " vs " << fv);
    }
    double const fk = (value_at(q0.value(), v0.value(), 2.0 + eps) - value_at(q0.value(), v0.value(), 2.0 - eps)) / (2 * eps);
    BOOST_TEST(close(gk, fk, 1e-6), "n = " << n << ", dk: " << gk << " vs " << fk);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(reverse_mode_matches_forward_mode_on_the_same_loop, T, reals) {
  using D = tl::dual<T, 1>;
  for (std::size_t n : sizes) {
    tl::active<tl::dvec<T>> q0 = start<T>(n, 0.4), v0 = start<T>(n, 2.0);
    tl::active<T> k = T(1.5);
    auto const e = oscillators(q0, v0, k, 12, 0.05);
    auto const [gq, gv, gk] = tl::gradient(e, tl::wrt(q0, v0, k));
    // Forward mode: one run per direction, on actives of duals (values only, no gradient taken).
    auto directional = [&](std::size_t which) {
      tl::dvec<D> q(n), v(n);
      for (std::size_t i = 0; i < n; ++i) {
        q[i] = D(q0.value()[i], {i == which ? T(1) : T(0)});
        v[i] = D(v0.value()[i], {n + i == which ? T(1) : T(0)});
      }
      tl::active<tl::dvec<D>> qa = q, va = v;
      tl::active<D> ka = D(T(1.5), {which == 2 * n ? T(1) : T(0)});
      return oscillators(qa, va, ka, 12, 0.05).value().tangent[0];
    };
    for (std::size_t i = 0; i < n; i += std::max<std::size_t>(1, n / 5)) {
      BOOST_TEST(close(gq[i], directional(i), tol<T>()), "n = " << n << ", dq[" << i << "]");
      BOOST_TEST(close(gv[i], directional(n + i), tol<T>()), "n = " << n << ", dv[" << i << "]");
    }
    BOOST_TEST(close(gk, directional(2 * n), tol<T>()), "n = " << n << ", dk");
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(static_vectors_matrices_matmul_and_indexing, T, reals) {
  using V3 = tl::vec<T, 3>;
  using M23 = tl::mat<T, 2, 3>;
  tl::active<V3> x = V3{T(1), T(2), T(3)};
  tl::active<M23> w = M23{{T(0.5), T(-1), T(2)}, {T(1), T(0), T(-0.5)}};
  tl::active<T> b = T(0.25);
  // y = W x + b (a matmul with a broadcast scalar), then a statement reading y by element.
  tl::active<tl::vec<T, 2>> y = tl::matmul(w, x) + b;
  BOOST_TEST(close(y.value()[0], T(4.75), tol<T>()));
  BOOST_TEST(close(y.value()[1], T(-0.25), tol<T>()));
  tl::active<T> s = y[0] * y[0] + T(3) * y[1];
  auto const [gx, gw, gb] = tl::gradient(s, tl::wrt(x, w, b));
  // ds/dy = (2 y0, 3); ds/dx = W^T ds/dy; ds/dW = ds/dy x^T; ds/db = sum(ds/dy).
  T const d0 = T(2) * y.value()[0], d1 = T(3);
  T const wv[2][3] = {{T(0.5), T(-1), T(2)}, {T(1), T(0), T(-0.5)}};
  for (std::size_t j = 0; j < 3; ++j) {
    BOOST_TEST(close(gx[j], wv[0][j] * d0 + wv[1][j] * d1, tol<T>()));
    BOOST_TEST(close(gw(0, j), d0 * T(j + 1), tol<T>()));
    BOOST_TEST(close(gw(1, j), d1 * T(j + 1), tol<T>()));
  }
  BOOST_TEST(close(gb, d0 + d1, tol<T>()));
}

BOOST_AUTO_TEST_CASE(a_gradient_of_an_array_output_is_summed_and_takes_seeds) {
  tl::active<tl::dvec<double>> x = tl::dvec<double>{1.0, 2.0, 3.0};
  tl::active<tl::dvec<double>> y = x * x;
  auto const [g] = tl::gradient(y, tl::wrt(x));  // the sum of y, as TensorFlow's gradient
  for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(g[i] == 2.0 * (double(i) + 1.0));
  auto const [gs] = tl::gradient(y, tl::wrt(x), tl::seeds(tl::dvec<double>{1.0, 0.0, -2.0}));
  BOOST_TEST(gs[0] == 2.0);
  BOOST_TEST(gs[1] == 0.0);
  BOOST_TEST(gs[2] == -12.0);
  // An expression over array actives as the root, and a gradient with respect to an intermediate.
  auto const [gx, gy] = tl::gradient(tl::sum(y * x), tl::wrt(x, y));  // sum(x^3): 3 x^2; d/dy = x
  for (std::size_t i = 0; i < 3; ++i) {
    BOOST_TEST(gx[i] == 3.0 * (double(i) + 1.0) * (double(i) + 1.0));
    BOOST_TEST(gy[i] == double(i) + 1.0);
  }
}

BOOST_AUTO_TEST_CASE(copies_moves_reassignment_and_snapshots) {
  tl::active<tl::dvec<double>> x = tl::dvec<double>{1.0, 2.0};
  tl::active<tl::dvec<double>> y = 3.0 * x;
  auto const old = y * 1.0;            // refers to y's value as it is now
  tl::active<tl::dvec<double>> c = y;  // a copy: a value of its own that depends on y
  tl::active<tl::dvec<double>> m = std::move(y);  // a move: y's identity
  y = tl::dvec<double>{5.0, 5.0, 5.0};  // y is a new input now, of another size
  m = m * m;                             // m reassigned: 9 x^2
  BOOST_TEST(tl::value(old)[1] == 6.0);  // the snapshot, not m's new value
  tl::active<double> e = tl::sum(m) + tl::sum(c) + tl::sum(y);
  auto const [gx, gc, gy] = tl::gradient(e, tl::wrt(x, c, y));
  // e = sum(9 x^2) + sum(c), c = 3 x: de/dx = 18 x + 3.
  BOOST_TEST(gx[0] == 21.0);
  BOOST_TEST(gx[1] == 39.0);
  BOOST_TEST(gc[0] == 1.0);
  BOOST_TEST(gy.size() == 3u);
  BOOST_TEST(gy[2] == 1.0);
}

BOOST_AUTO_TEST_CASE(stop_at_an_array_active) {
  tl::active<tl::dvec<double>> x = tl::dvec<double>{1.0, 2.0};
  tl::active<tl::dvec<double>> y = x * x;
  tl::active<double> e = tl::sum(y * x);
  auto const [gx, gy] = tl::gradient(e, tl::wrt(x, y), tl::stop_at(y));
  BOOST_TEST(gx[0] == 1.0);  // only the direct use of x: y is a constant
  BOOST_TEST(gx[1] == 4.0);
  BOOST_TEST(gy[1] == 2.0);  // y's own gradient is still given
}

BOOST_AUTO_TEST_CASE(containers_of_array_actives) {
  using V = tl::vec<double, 2>;
  std::vector<tl::active<V>> xs = {V{1.0, 2.0}, V{3.0, 4.0}, V{5.0, 6.0}};
  tl::active<V> acc = V{0.0, 0.0};
  for (auto const& x : xs) acc += x * x;
  auto const [g] = tl::gradient(tl::sum(acc), tl::wrt(xs));
  BOOST_TEST_REQUIRE(g.size() == 3u);
  BOOST_TEST(g[2][1] == 12.0);
  BOOST_TEST(g[0][0] == 2.0);
  std::array<tl::active<tl::dvec<double>>, 2> ys = {tl::dvec<double>{1.0}, tl::dvec<double>{2.0, 3.0}};
  tl::active<double> e = tl::sum(ys[1]) * tl::sum(ys[0]);
  auto const [gys] = tl::gradient(e, tl::wrt(ys));
  BOOST_TEST(gys[0][0] == 5.0);
  BOOST_TEST(gys[1][1] == 1.0);
}

BOOST_AUTO_TEST_CASE(scalar_and_array_actives_share_one_recording) {
  // A scalar active feeds an array statement (broadcast), and array actives feed scalar ones.
  tl::active<double> a = 2.0;
  tl::active<tl::dvec<double>> x = tl::dvec<double>{1.0, 2.0, 3.0};
  tl::active<double> s = 0.0;
  for (int t = 0; t < 3; ++t) {
    x = a * x + 1.0;  // x_t
    s += x[1];
  }
  auto const [ga, gx] = tl::gradient(s, tl::wrt(a, x));
  BOOST_TEST(gx.size() == 3u);  // x is the last value: s does not depend on it after the loop
  // x1 after t steps: a^t x + (a^t - 1)/(a - 1); s = sum over t of x1_t, x1_0 = 2.
  // d x1_t / da: t a^(t-1) * 2 + d/da (1 + a + ... + a^(t-1)).
  double const want = (2.0 * 1) + (2.0 * 2 * 2 + 1) + (3.0 * 4 * 2 + 1 + 2 * 2);
  BOOST_TEST(ga == want);
}

BOOST_AUTO_TEST_CASE(a_let_read_by_element_in_a_statement_runs_its_backward) {
  // The index node hides the let from a check that looks only at type arguments; a statement that
  // missed it would drop the let's adjoint (the gradient would be 0).
  tl::active<tl::dvec<double>> x = tl::dvec<double>{1.0, 2.0, 3.0};
  tl::active<double> a = 3.0;
  auto const l = tl::let(a * x * x);
  tl::active<double> y = l[2] + l[0];
  auto const [gx, ga] = tl::gradient(y, tl::wrt(x, a));
  BOOST_TEST(gx[0] == 6.0);
  BOOST_TEST(gx[1] == 0.0);
  BOOST_TEST(gx[2] == 18.0);
  BOOST_TEST(ga == 10.0);
  // The same with scalar actives only (a let of a vector, read by element).
  tl::active<double> b = 2.0;
  auto const m = tl::let(b * tl::vec<double, 2>{1.0, 2.0});
  tl::active<double> z = m[1];
  auto const [gb] = tl::gradient(z, tl::wrt(b));
  BOOST_TEST(gb == 2.0);
}

BOOST_AUTO_TEST_CASE(an_expression_that_outlived_its_recording_is_refused) {
  auto make = [] {
    tl::active<tl::dvec<double>> x = tl::dvec<double>{1.0, 2.0};
    tl::active<tl::dvec<double>> y = x * x;
    return y * 2.0;  // refers to y's value, in the recording y keeps alive
  };
  auto const e = make();
  BOOST_TEST(tl::value(e)[1] == 8.0);  // nothing recorded since: still good
  tl::active<double> other = 1.0;
  tl::active<double> z = other * other;  // a new recording clears the old one
  BOOST_CHECK_THROW(tl::value(e), tl::scope_error);
  BOOST_TEST(z.value() == 1.0);
}

BOOST_AUTO_TEST_CASE(a_constant_assignment_makes_an_input) {
  tl::active<tl::dvec<double>> x = tl::dvec<double>{1.0, 2.0};
  tl::active<tl::dvec<double>> y = tl::constant(tl::dvec<double>{4.0, 5.0}) * 2.0;  // no active: an input
  tl::active<double> e = tl::sum(x * y);
  auto const [gx, gy] = tl::gradient(e, tl::wrt(x, y));
  BOOST_TEST(gx[1] == 10.0);
  BOOST_TEST(gy[1] == 2.0);
}

BOOST_AUTO_TEST_CASE(a_shape_error_changes_nothing) {
  tl::active<tl::dvec<double>> x = tl::dvec<double>{1.0, 2.0};
  tl::active<tl::dvec<double>> y = x * 3.0;
  tl::active<tl::dvec<double>> const z = tl::dvec<double>{1.0, 2.0, 3.0};
  BOOST_CHECK_THROW(y = x + z, tl::shape_error);  // 2 against 3 elements
  BOOST_TEST(y.value()[1] == 6.0);                 // y as it was
  auto const [g] = tl::gradient(tl::sum(y), tl::wrt(x));
  BOOST_TEST(g[0] == 3.0);
}

BOOST_AUTO_TEST_CASE(two_gradients_of_one_recording_agree) {
  tl::active<tl::dvec<double>> x = tl::dvec<double>{0.5, -1.0, 2.0};
  tl::active<tl::dvec<double>> y = tl::exp(x) * x;
  tl::active<double> e = tl::sum(y * y);
  auto const [g1] = tl::gradient(e, tl::wrt(x));
  auto const [g2] = tl::gradient(e, tl::wrt(x));
  for (std::size_t i = 0; i < 3; ++i) {
    double const xi = x.value()[i], yi = std::exp(xi) * xi;
    BOOST_TEST(close(g1[i], 2.0 * yi * (std::exp(xi) * (1.0 + xi)), 1e-14));
    BOOST_TEST(g1[i] == g2[i]);
  }
}

}  // namespace
