// spring_model.hpp: a chain of masses between two walls, joined by springs with a cubic term and
// damped, integrated by the classical Runge-Kutta method (RK4). Shared by examples/spring.cpp and
// bench/ode_rk4.cpp.
//
//   e = D q                    the springs' extensions (D: differences of neighbours, walls at 0)
//   f = k e + k3 e^3           the springs' tensions
//   a = -(D^T f) / m - c v     the masses' accelerations
//   E = |v|^2 m / 2 + sum(k e^2 / 2 + k3 e^4 / 4)     the energy
#pragma once

#include <array>
#include <cstddef>

#include <boost/hana/at.hpp>
#include <boost/hana/tuple.hpp>

#include <tapeless/tapeless.hpp>

namespace spring {

inline constexpr std::size_t masses = 4;
inline constexpr std::size_t springs = masses + 1;
using state_vec = tl::vec<double, masses>;

/// D: row i is the extension of spring i (spring 0 holds mass 0 to the left wall).
inline tl::mat<double, springs, masses> differences() {
  tl::mat<double, springs, masses> d{};
  for (std::size_t i = 0; i < springs; ++i) {
    if (i < masses) d(i, i) = 1.0;
    if (i > 0) d(i, i - 1) = -1.0;
  }
  return d;
}
inline tl::mat<double, masses, springs> differences_transposed() {
  auto const d = differences();
  tl::mat<double, masses, springs> t{};
  for (std::size_t i = 0; i < springs; ++i)
    for (std::size_t j = 0; j < masses; ++j) t(j, i) = d(i, j);
  return t;
}

inline constexpr double mass = 1.0;

/// The acceleration as a tapeless expression of q and v (k, k3, c: vars or numbers). Called inside
/// a tl::scan step, where the scan keeps the let it makes.
template <class Q, class V, class K, class K3, class C>
auto acceleration(Q const& q, V const& v, K const& k, K3 const& k3, C const& c) {
  static auto const d = differences();
  static auto const dt = differences_transposed();
  auto e = tl::let(tl::matmul(tl::constant_ref(d), q));
  return -tl::matmul(tl::constant_ref(dt), k * e + k3 * e * e * e) * (1.0 / mass) - c * v;
}

/// One RK4 step of length h on the state (q, v), a boost::hana::tuple: the step of a tl::scan.
/// The stages are lets, so each is evaluated once per step.
template <class K, class K3, class C>
auto rk4_step(K const& k, K3 const& k3, C const& c, double h) {
  return [&k, &k3, &c, h](auto const& s) {
    auto const& q = boost::hana::at_c<0>(s);
    auto const& v = boost::hana::at_c<1>(s);
    double const h2 = h / 2, h6 = h / 6;
    auto a1 = tl::let(acceleration(q, v, k, k3, c));
    auto q2 = tl::let(q + h2 * v);
    auto v2 = tl::let(v + h2 * a1);
    auto a2 = tl::let(acceleration(q2, v2, k, k3, c));
    auto q3 = tl::let(q + h2 * v2);
    auto v3 = tl::let(v + h2 * a2);
    auto a3 = tl::let(acceleration(q3, v3, k, k3, c));
    auto q4 = tl::let(q + h * v3);
    auto v4 = tl::let(v + h * a3);
    auto a4 = tl::let(acceleration(q4, v4, k, k3, c));
    return boost::hana::make_tuple(q + h6 * (v + 2.0 * v2 + 2.0 * v3 + v4), v + h6 * (a1 + 2.0 * a2 + 2.0 * a3 + a4));
  };
}

/// The energy of a state, as a tapeless expression.
template <class Q, class V, class K, class K3>
auto energy(Q const& q, V const& v, K const& k, K3 const& k3) {
  static auto const d = differences();
  auto e = tl::matmul(tl::constant_ref(d), q);  // no let here: a let made in this function would die with it
  auto e2 = e * e;
  return 0.5 * mass * tl::sum(v * v) + tl::sum(0.5 * k * e2 + 0.25 * k3 * e2 * e2);
}

/// The same model on array-valued actives (tl::active<state_vec>, parameters tl::active<double>):
/// the loop as one would write it on vectors, each assignment one recorded statement.
struct on_actives {
  using vec_active = tl::active<state_vec>;
  using number = tl::active<double>;

  static vec_active accel(vec_active const& q, vec_active const& v, number const& k, number const& k3, number const& c) {
    static auto const d = tl::constant(differences());
    static auto const dt = tl::constant(differences_transposed());
    tl::active<tl::vec<double, springs>> e = tl::matmul(d, q);
    return -tl::matmul(dt, k * e + k3 * e * e * e) * (1.0 / mass) - c * v;
  }
  static void step(vec_active& q, vec_active& v, number const& k, number const& k3, number const& c, double h) {
    double const h2 = h / 2, h6 = h / 6;
    vec_active const a1 = accel(q, v, k, k3, c);
    vec_active const q2 = q + h2 * v, v2 = v + h2 * a1;
    vec_active const a2 = accel(q2, v2, k, k3, c);
    vec_active const q3 = q + h2 * v2, v3 = v + h2 * a2;
    vec_active const a3 = accel(q3, v3, k, k3, c);
    vec_active const q4 = q + h * v3, v4 = v + h * a3;
    vec_active const a4 = accel(q4, v4, k, k3, c);
    q += h6 * (v + 2.0 * v2 + 2.0 * v3 + v4);
    v += h6 * (a1 + 2.0 * a2 + 2.0 * a3 + a4);
  }
};

/// The same model on plain numbers (any element type T: double, or a peer library's active type).
template <class T>
struct plain {
  T q[masses], v[masses];

  template <class P>
  static void accel(T const* q, T const* v, P const& k, P const& k3, P const& c, T* a) {
    T f[springs];
    for (std::size_t i = 0; i < springs; ++i) {
      T const e = (i < masses ? q[i] : T(0)) - (i > 0 ? q[i - 1] : T(0));
      f[i] = k * e + k3 * e * e * e;
    }
    for (std::size_t j = 0; j < masses; ++j) a[j] = -(f[j] - f[j + 1]) * (1.0 / mass) - c * v[j];
  }
  template <class P>
  void step(P const& k, P const& k3, P const& c, double h) {
    T a1[masses], a2[masses], a3[masses], a4[masses], q2[masses], v2[masses], q3[masses], v3[masses], q4[masses],
        v4[masses];
    accel(q, v, k, k3, c, a1);
    for (std::size_t i = 0; i < masses; ++i) {
      q2[i] = q[i] + (h / 2) * v[i];
      v2[i] = v[i] + (h / 2) * a1[i];
    }
    accel(q2, v2, k, k3, c, a2);
    for (std::size_t i = 0; i < masses; ++i) {
      q3[i] = q[i] + (h / 2) * v2[i];
      v3[i] = v[i] + (h / 2) * a2[i];
    }
    accel(q3, v3, k, k3, c, a3);
    for (std::size_t i = 0; i < masses; ++i) {
      q4[i] = q[i] + h * v3[i];
      v4[i] = v[i] + h * a3[i];
    }
    accel(q4, v4, k, k3, c, a4);
    for (std::size_t i = 0; i < masses; ++i) {
      q[i] = q[i] + (h / 6) * (v[i] + 2.0 * v2[i] + 2.0 * v3[i] + v4[i]);
      v[i] = v[i] + (h / 6) * (a1[i] + 2.0 * a2[i] + 2.0 * a3[i] + a4[i]);
    }
  }
  template <class P>
  T energy(P const& k, P const& k3) const {
    T s = T(0);
    for (std::size_t i = 0; i < masses; ++i) s = s + 0.5 * mass * v[i] * v[i];
    for (std::size_t i = 0; i < springs; ++i) {
      T const e = (i < masses ? q[i] : T(0)) - (i > 0 ? q[i - 1] : T(0));
      T const e2 = e * e;
      s = s + 0.5 * k * e2 + 0.25 * k3 * e2 * e2;
    }
    return s;
  }
};

/// The starting point the example and the benchmark use.
inline state_vec initial_q() { return {0.3, -0.1, 0.2, 0.05}; }
inline state_vec initial_v() { return {0.0, 0.4, -0.2, 0.1}; }
inline constexpr double k0 = 2.0, k30 = 0.5, c0 = 0.05, h0 = 0.01;

/// All inputs in one array: q0, v0, k, k3, c (the order of every gradient printed or checked).
inline constexpr std::size_t inputs = 2 * masses + 3;
inline std::array<double, inputs> initial_inputs() {
  std::array<double, inputs> p{};
  for (std::size_t i = 0; i < masses; ++i) {
    p[i] = initial_q()[i];
    p[masses + i] = initial_v()[i];
  }
  p[2 * masses] = k0;
  p[2 * masses + 1] = k30;
  p[2 * masses + 2] = c0;
  return p;
}
/// The same order from the parts of a gradient.
template <class Q, class V>
std::array<double, inputs> pack(Q const& q, V const& v, double k, double k3, double c) {
  std::array<double, inputs> g{};
  for (std::size_t i = 0; i < masses; ++i) {
    g[i] = q[i];
    g[masses + i] = v[i];
  }
  g[2 * masses] = k;
  g[2 * masses + 1] = k3;
  g[2 * masses + 2] = c;
  return g;
}

}  // namespace spring
