// tl::hessian (forward over reverse) against the closed form and central differences of tl::grad,
// symmetric, for float and double: a static vector (one sweep with all lanes), runtime extents (sweeps
// of 8 lanes, and a tail), and a scalar. tl::hvp against the Hessian times the vector.
#define BOOST_TEST_MODULE api_hessian
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <type_traits>

#include <tapeless/tapeless.hpp>

#include "function_cases.hpp"

BOOST_AUTO_TEST_CASE_TEMPLATE(hessian_against_exact_and_differences_of_grad, T, reals) {
  auto run = [](auto const& x, std::size_t n) {
    using X = std::remove_cvref_t<decltype(x)>;
    auto const H = tl::hessian(f)(x);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        T const exact = (i == j ? std::exp(x[i]) * (x[i] + 2) : T(0)) + T(1);
        BOOST_TEST(support::close(H(i, j), exact, support::tol<T>.value),
                   "n = " << n << ", (" << i << ", " << j << ")");
        BOOST_TEST(H(i, j) == H(j, i));
      }
    for (std::size_t j = 0; j < n; ++j) {
      X xp = x, xm = x;
      xp[j] += T(support::tol<T>.own_fd_step);
      xm[j] -= T(support::tol<T>.own_fd_step);
      auto const gp = tl::grad(f)(xp);
      auto const gm = tl::grad(f)(xm);
      for (std::size_t i = 0; i < n; ++i)
        BOOST_TEST(
            support::close(H(i, j), (gp[i] - gm[i]) / (2 * T(support::tol<T>.own_fd_step)), support::tol<T>.fd_own),
            "(" << i << ", " << j << ")");
    }
  };
  run(point<tl::vec<T, 5>>(5), 5);  // a static vector: one sweep of 5 tangent lanes
  for (std::size_t n : {1, 7, 8, 9, 19}) run(point<tl::dvec<T>>(n), n);  // sweeps of 8 lanes, and a tail
}

BOOST_AUTO_TEST_CASE_TEMPLATE(hessian_of_a_scalar_function, T, reals) {
  T const x = T(0.8);
  T const h = tl::hessian([](auto const& y) { return tl::sin(y) * y; })(x);
  BOOST_TEST(support::close(h, T(2) * std::cos(x) - x * std::sin(x), support::tol<T>.value));
}


BOOST_AUTO_TEST_CASE_TEMPLATE(hvp_is_the_hessian_times_the_vector, T, reals) {
  for (std::size_t n : {1, 7, 9, 19}) {
    auto const x = point<tl::dvec<T>>(n);
    tl::dvec<T> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = T(1) - T(0.25) * T(i % 5);
    auto const H = tl::hessian(f)(x);
    tl::dvec<T> const hv = tl::hvp(f, x, v);
    for (std::size_t i = 0; i < n; ++i) {
      T want{};
      for (std::size_t j = 0; j < n; ++j) want += H(i, j) * v[j];
      BOOST_TEST(support::close(hv[i], want, 10 * support::tol<T>.value), "n = " << n << ", i = " << i);
    }
  }
  auto const xs = point<tl::vec<T, 5>>(5);
  tl::vec<T, 5> const e1{T(0), T(1), T(0), T(0), T(0)};
  auto const hs = tl::hvp(f, xs, e1);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(hs)>, tl::vec<T, 5>>, "hvp has x's shape");
  auto const Hs = tl::hessian(f)(xs);
  for (std::size_t i = 0; i < 5; ++i) BOOST_TEST(support::close(hs[i], Hs(i, 1), support::tol<T>.value), "i = " << i);
  T const x0 = T(0.8);
  BOOST_TEST(support::close(tl::hvp([](auto const& y) { return tl::sin(y) * y; }, x0, T(2)),
                            T(2) * (T(2) * std::cos(x0) - x0 * std::sin(x0)), support::tol<T>.value));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_over_reverse_agrees_with_nested_forward, T, reals) {
  // H_ij from f evaluated once per (i, j) on duals of duals: the inner lane along e_i, the outer along
  // e_j (forward over forward, no reverse sweep), against tl::hessian's one sweep on 9-lane duals.
  constexpr std::size_t n = 9;
  tl::mat<T, n, n> A;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) A(i, j) = T(0.08) * T((3 * i + 5 * j) % 7) - T(0.2);
  auto h = [&A](auto const& x) {
    return tl::sum(tl::log1p(tl::exp(tl::matmul(tl::constant_ref(A), x)))) + tl::sum(tl::sigmoid(x) * x) +
           tl::square(tl::sum(tl::sin(x)));
  };
  auto const x = point<tl::vec<T, n>>(n);
  auto const H = tl::hessian(h)(x);
  using D1 = tl::dual<T, 1>;
  using D2 = tl::dual<D1, 1>;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      tl::vec<D2, n> xd;
      for (std::size_t k = 0; k < n; ++k)
        xd[k] = D2(D1(x[k], {T(k == i)}), {D1(T(k == j), {T(0)})});
      tl::var<tl::vec<D2, n>> xv{xd};
      D2 const y = tl::value(h(xv));
      BOOST_TEST(support::close(H(i, j), y.tangent[0].tangent[0], 10 * support::tol<T>.value),
                 "(" << i << ", " << j << ")");
    }
}
