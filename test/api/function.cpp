// The function-level API (api/function.hpp): grad, value_and_grad, jacfwd, jacrev, jvp and vjp against
// closed forms and central differences, for float and double, static and runtime extents, at sizes
// that leave SIMD tails; jacfwd == jacrev == jacobian; jvp and vjp against the Jacobian. (hessian:
// hessian.cpp, which shares the helpers in function_cases.hpp.) Static sizes are few on purpose:
// each is a new instantiation of the engine, and compile time is a budget too.
#define BOOST_TEST_MODULE api_function
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <tuple>
#include <type_traits>

#include <tapeless/tapeless.hpp>

#include "function_cases.hpp"

namespace {

template <class T, class X>
void check_grad(X const& x, std::size_t n) {
  auto const gr = tl::grad(f)(x);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(gr)>, X>, "grad has the argument's shape");
  auto const [v, gv] = tl::value_and_grad(f)(x);
  BOOST_TEST(support::close(v, f_plain<T>(x, n), 10 * support::tol<T>.value), "n = " << n);
  T s{};
  for (std::size_t i = 0; i < n; ++i) s += x[i];
  for (std::size_t i = 0; i < n; ++i) {
    T const exact = std::exp(x[i]) * (x[i] + 1) + s;
    BOOST_TEST(support::close(gr[i], exact, support::tol<T>.value), "n = " << n << ", i = " << i);
    BOOST_TEST(support::close(gv[i], exact, support::tol<T>.value), "n = " << n << ", i = " << i);
    X xp = x, xm = x;
    xp[i] += T(support::tol<T>.own_fd_step);
    xm[i] -= T(support::tol<T>.own_fd_step);
    T const fd = (f_plain<T>(xp, n) - f_plain<T>(xm, n)) / (2 * T(support::tol<T>.own_fd_step));
    BOOST_TEST(support::close(gr[i], fd, support::tol<T>.fd_own), "n = " << n << ", i = " << i);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(grad_and_value_and_grad, T, reals) {
  check_grad<T>(point<tl::vec<T, 9>>(9), 9);
  for (std::size_t n : {1, 3, 7, 8, 9, 15, 17, 1000}) check_grad<T>(point<tl::dvec<T>>(n), n);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(value_and_grad_of_a_fused_sum, T, reals) {
  // The root is a sum of an elementwise tree: its loop runs only in the backward pass, which must
  // still deliver the value.
  for (std::size_t n : {1, 7, 9, 17, 1000}) {
    auto const x = point<tl::dvec<T>>(n);
    auto const [v, gx] = tl::value_and_grad([](auto const& y) { return tl::sum(tl::exp(y) * y + tl::sin(y)); })(x);
    T want{};
    for (std::size_t i = 0; i < n; ++i) {
      want += std::exp(x[i]) * x[i] + std::sin(x[i]);
      BOOST_TEST(support::close(gx[i], std::exp(x[i]) * (x[i] + 1) + std::cos(x[i]), support::tol<T>.value));
    }
    BOOST_TEST(support::close(v, want, 10 * support::tol<T>.value), "n = " << n);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(several_arguments, T, reals) {
  // h(x, w, b) = sum(square(w * x + b)): one gradient per argument, in a tuple; an argument h ignores
  // gets zeros.
  auto const h = [](auto const& x, auto const& w, auto const& b, auto const&) { return tl::sum(tl::square(w * x + b)); };
  tl::vec<T, 5> const x = point<tl::vec<T, 5>>(5);
  T const w = T(0.7), b = T(-0.2), unused = T(3);
  auto const [gx, gw, gb, gu] = tl::grad(h)(x, w, b, unused);
  auto const [v, grads] = tl::value_and_grad(h)(x, w, b, unused);
  T ew{}, eb{}, ev{};
  for (std::size_t i = 0; i < 5; ++i) {
    T const r = w * x[i] + b;
    BOOST_TEST(support::close(gx[i], T(2) * r * w, support::tol<T>.value));
    ew += T(2) * r * x[i];
    eb += T(2) * r;
    ev += r * r;
  }
  BOOST_TEST(support::close(gw, ew, support::tol<T>.value));
  BOOST_TEST(support::close(gb, eb, support::tol<T>.value));
  BOOST_TEST(gu == T(0));
  BOOST_TEST(support::close(v, ev, support::tol<T>.value));
  BOOST_TEST(support::close(std::get<1>(grads), ew, support::tol<T>.value));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(jacfwd_jacrev_and_jacobian_agree, T, reals) {
  auto run = [](auto const& x, std::size_t n) {
    auto const Jf = tl::jacfwd(g)(x);
    auto const Jr = tl::jacrev(g)(x);
    tl::var<std::remove_cvref_t<decltype(x)>> xv{x};
    auto const J = tl::jacobian(g(xv), xv);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        T const exact = g_jacobian<T>(x, n, i, j);
        BOOST_TEST(support::close(Jf(i, j), exact, support::tol<T>.value),
                   "n = " << n << ", (" << i << ", " << j << ")");
        BOOST_TEST(support::close(Jr(i, j), exact, support::tol<T>.value),
                   "n = " << n << ", (" << i << ", " << j << ")");
        BOOST_TEST(support::close(J(i, j), exact, support::tol<T>.value),
                   "n = " << n << ", (" << i << ", " << j << ")");
      }
  };
  {
    auto const x = point<tl::vec<T, 3>>(3);
    static_assert(std::is_same_v<decltype(tl::jacfwd(g)(x)), tl::mat<T, 3, 3>>, "vec<3> -> vec<3> gives mat<3, 3>");
    run(x, 3);
  }
  for (std::size_t n : {1, 7, 9, 17}) run(point<tl::dvec<T>>(n), n);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(jvp_and_vjp_against_the_jacobian, T, reals) {
  for (std::size_t n : {1, 7, 9, 17}) {
    auto const x = point<tl::dvec<T>>(n);
    tl::dvec<T> v(n), u(n);
    for (std::size_t i = 0; i < n; ++i) {
      v[i] = T(1) + T(0.25) * T(i % 4);
      u[i] = T(0.5) - T(0.125) * T(i % 5);
    }
    auto const J = tl::jacrev(g)(x);
    auto const [y1, jv] = tl::jvp(g, x, v);
    auto const [y2, uj] = tl::vjp(g, x, u);
    T s{};
    for (std::size_t k = 0; k < n; ++k) s += x[k];
    for (std::size_t i = 0; i < n; ++i) {
      T const yi = std::tanh(x[i]) * s + x[i];
      BOOST_TEST(support::close(y1[i], yi, 10 * support::tol<T>.value));
      BOOST_TEST(support::close(y2[i], yi, 10 * support::tol<T>.value));
      T want_jv{}, want_uj{};
      for (std::size_t j = 0; j < n; ++j) {
        want_jv += J(i, j) * v[j];
        want_uj += u[j] * J(j, i);
      }
      BOOST_TEST(support::close(jv[i], want_jv, 10 * support::tol<T>.value), "n = " << n << ", i = " << i);
      BOOST_TEST(support::close(uj[i], want_uj, 10 * support::tol<T>.value), "n = " << n << ", i = " << i);
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(jacfwd_runs_in_chunks_of_lanes_and_jacobian_picks_the_mode, T, reals) {
  // f counts the evaluations it sees on duals (forward passes) and on plain elements (reverse).
  std::size_t dual_calls = 0, plain_calls = 0;
  auto counted = [&](auto const& x) {
    using E = tl::detail::element_t<typename std::remove_cvref_t<decltype(x)>::value_type>;
    ++(std::is_floating_point_v<E> ? plain_calls : dual_calls);
    return g(x);
  };
  auto check = [&](auto const& J, auto const& x, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j)
        BOOST_TEST(support::close(J(i, j), g_jacobian<T>(x, n, i, j), support::tol<T>.value),
                   "n = " << n << ", (" << i << ", " << j << ")");
  };
  std::size_t const lanes = 64 / sizeof(T);  // per pass for runtime extents
  for (std::size_t n : {std::size_t(1), lanes - 1, lanes, lanes + 1, 3 * lanes + 2}) {
    auto const x = point<tl::dvec<T>>(n);
    dual_calls = plain_calls = 0;
    check(tl::jacfwd(counted)(x), x, n);
    BOOST_TEST(dual_calls == (n + lanes - 1) / lanes);
    BOOST_TEST(plain_calls == 0u);
    dual_calls = plain_calls = 0;
    check(tl::jacobian(counted)(x), x, n);  // square: forward; one plain call to learn the output size
    BOOST_TEST(dual_calls == (n + lanes - 1) / lanes);
    BOOST_TEST(plain_calls == 1u);
    dual_calls = plain_calls = 0;
    check(tl::jacobian(counted, tl::reverse_mode)(x), x, n);
    BOOST_TEST(dual_calls == 0u);
    dual_calls = plain_calls = 0;
    check(tl::jacobian(counted, tl::forward_mode)(x), x, n);
    BOOST_TEST(dual_calls == (n + lanes - 1) / lanes);
  }
  {
    // Static vectors of up to 64 elements take one pass; beyond, passes of 64 bytes of lanes.
    auto const x = point<tl::vec<T, 64>>(64);
    dual_calls = 0;
    check(tl::jacobian(counted)(x), x, 64);
    BOOST_TEST(dual_calls == 1u);
    auto const y = point<tl::vec<T, 65>>(65);
    dual_calls = plain_calls = 0;
    auto const J = tl::jacfwd(counted)(y);
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(J)>, tl::mat<T, 65, 65>>);
    check(J, y, 65);
    BOOST_TEST(dual_calls == (65 + lanes - 1) / lanes);
  }
  {
    // Wide: 9 inputs, one output. Reverse is chosen (one sweep), and forward gives the same gradient.
    auto const x = point<tl::vec<T, 9>>(9);
    auto wide = [&](auto const& v) {
      using E = tl::detail::element_t<typename std::remove_cvref_t<decltype(v)>::value_type>;
      ++(std::is_floating_point_v<E> ? plain_calls : dual_calls);
      return tl::sum(tl::exp(v) * v) + 0.5 * tl::square(tl::sum(v));
    };
    dual_calls = plain_calls = 0;
    auto const G = tl::jacobian(wide)(x);
    BOOST_TEST(dual_calls == 0u);
    auto const Gf = tl::jacfwd(wide)(x);
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(G)>, tl::vec<T, 9>>);
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(Gf)>, tl::vec<T, 9>>);
    T s{};
    for (std::size_t k = 0; k < 9; ++k) s += x[k];
    for (std::size_t j = 0; j < 9; ++j) {
      T const want = std::exp(x[j]) * (x[j] + 1) + s;
      BOOST_TEST(support::close(G[j], want, support::tol<T>.value));
      BOOST_TEST(support::close(Gf[j], want, support::tol<T>.value));
    }
    // An empty input: an m x 0 Jacobian in either mode (forward still evaluates f once for m).
    tl::dvec<T> const empty(0);
    auto tall3 = [](auto const& v) { return tl::sum(v) + tl::constant(tl::vec<T, 3>{T(1), T(2), T(3)}); };
    auto const Je = tl::jacfwd(tall3)(empty);
    auto const Jre = tl::jacrev(tall3)(empty);
    BOOST_TEST(Je.rows() == 3u);
    BOOST_TEST(Je.cols() == 0u);
    BOOST_TEST(Jre.rows() == 3u);
    BOOST_TEST(Jre.cols() == 0u);
    // A scalar input and a vector output: one forward pass.
    auto tall = [](auto const& t) { return tl::exp(tl::constant(tl::vec<T, 3>{T(1), T(2), T(3)}) * t); };
    auto const d = tl::jacobian(tall)(T(0.5));
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(d)>, tl::vec<T, 3>>);
    for (std::size_t i = 0; i < 3; ++i)
      BOOST_TEST(support::close(d[i], T(i + 1) * std::exp(T(i + 1) * T(0.5)), support::tol<T>.value));
  }
}

// f may name its intermediates with tl::let: the transform keeps the lets f makes until it is done with
// f's expression, and each is evaluated once per sweep, as anywhere else (bench/ba.cpp: jacfwd of a
// residual that reuses its parts). f(x) = sum(s^2 + s) with s = sin(x) elementwise.
BOOST_AUTO_TEST_CASE_TEMPLATE(lets_made_inside_f, T, reals) {
  auto const f = [](auto const& x) {
    auto const s = tl::let(tl::sin(x));
    return tl::sum(s * s + s);
  };
  auto const g = [](auto const& x) {  // a vector output, for the Jacobians
    auto const s = tl::let(tl::sin(x));
    return s * s + s;
  };
  tl::vec<T, 3> const x{T(0.5), T(-1.0), T(2.0)};
  auto const gr = tl::grad(f)(x);
  auto const jf = tl::jacfwd(g)(x);
  auto const jr = tl::jacrev(g)(x);
  auto const h = tl::hessian(f)(x);
  auto const [y, t] = tl::jvp(g, x, tl::vec<T, 3>{T(1), T(2), T(3)});
  for (std::size_t i = 0; i < 3; ++i) {
    T const s = std::sin(x[i]), c = std::cos(x[i]);
    T const d = (2 * s + 1) * c;  // d/dx (s^2 + s)
    BOOST_TEST(support::close(gr[i], d, support::tol<T>.value));
    BOOST_TEST(support::close(y[i], s * s + s, support::tol<T>.value));
    BOOST_TEST(support::close(t[i], d * T(i + 1), support::tol<T>.value));
    for (std::size_t j = 0; j < 3; ++j) {
      T const want = i == j ? d : T(0);
      BOOST_TEST(support::close(jf(i, j), want, support::tol<T>.value));
      BOOST_TEST(support::close(jr(i, j), want, support::tol<T>.value));
      // d2/dx2 (s^2 + s) = 2 c^2 - (2 s + 1) s
      BOOST_TEST(support::close(h(i, j), i == j ? 2 * c * c - (2 * s + 1) * s : T(0), support::tol<T>.value));
    }
  }
}
