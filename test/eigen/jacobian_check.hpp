// test/eigen/jacobian_check.hpp: the Jacobian of eigen_cases::residual by duals (columns in chunks of
// L lanes) and by reverse mode (the same function on tl::active), checked against each other and
// against central differences in double.
#pragma once

#include <cstddef>
#include <tuple>
#include <vector>

#include <tapeless/eigen.hpp>
#include <tapeless/tapeless.hpp>

#include "functions.hpp"
#include "support/compare.hpp"

namespace eigen_cases {

/// The Jacobian of residual by duals of L lanes, columns j0 ... j0 + L - 1 per evaluation.
template <std::size_t L, class T, int N>
Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> jacobian_by_duals(Eigen::Matrix<T, N, 1> const& x) {
  using D = tl::dual<T, L>;
  Eigen::Index const n = x.size();
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> jac(2 * n + 1, n);
  for (Eigen::Index j0 = 0; j0 < n; j0 += Eigen::Index(L)) {
    Eigen::Matrix<D, N, 1> xd(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      xd(i) = D(x(i));
      if (i >= j0 && i - j0 < Eigen::Index(L)) xd(i).tangent[std::size_t(i - j0)] = T(1);
    }
    Eigen::Matrix<D, outputs<N>, 1> const r = residual(xd);
    for (Eigen::Index i = 0; i < r.size(); ++i) {
      BOOST_TEST(support::close(r(i).value, residual(x)(i), support::tol<T>.value));  // the plain function's values
      for (Eigen::Index k = 0; k < Eigen::Index(L) && j0 + k < n; ++k) jac(i, j0 + k) = r(i).tangent[std::size_t(k)];
    }
  }
  return jac;
}

/// The Jacobian of residual by reverse mode: the function run on tl::active, one gradient per output.
template <class T, int N>
Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> jacobian_by_actives(Eigen::Matrix<T, N, 1> const& x) {
  Eigen::Index const n = x.size();
  std::vector<tl::active<T>> inputs(x.data(), x.data() + n);
  Eigen::Matrix<tl::active<T>, N, 1> xa(n);
  for (Eigen::Index i = 0; i < n; ++i) xa(i) = inputs[std::size_t(i)];
  Eigen::Matrix<tl::active<T>, outputs<N>, 1> const r = residual(xa);
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> jac(2 * n + 1, n);
  for (Eigen::Index i = 0; i < r.size(); ++i) {
    BOOST_TEST(support::close(r(i).value(), residual(x)(i), support::tol<T>.value));
    std::vector<T> const g = std::get<0>(tl::gradient(r(i), tl::wrt(inputs)));
    for (Eigen::Index j = 0; j < n; ++j) jac(i, j) = g[std::size_t(j)];
  }
  return jac;
}

template <class T, int N, bool Actives>
void check_jacobian(Eigen::Index n) {
  auto const x = point<T, N>(n);
  auto const jd = jacobian_by_duals<3>(x);  // 3 lanes: n = 9 takes three evaluations, n = 1 and 5 a tail
  auto const ja = [&] {
    if constexpr (Actives)
      return jacobian_by_actives(x);
    else
      return jd;
  }();
  BOOST_TEST_REQUIRE(jd.rows() == 2 * n + 1);
  BOOST_TEST_REQUIRE(jd.cols() == n);
  Eigen::Matrix<double, N, 1> const xr = x.template cast<double>();
  for (Eigen::Index j = 0; j < n; ++j) {
    double const h = support::fd_step(xr(j));
    Eigen::Matrix<double, N, 1> xp = xr, xm = xr;
    xp(j) += h;
    xm(j) -= h;
    Eigen::Matrix<double, Eigen::Dynamic, 1> const fd = (residual(xp) - residual(xm)) / (2 * h);
    for (Eigen::Index i = 0; i < 2 * n + 1; ++i) {
      BOOST_TEST(support::close(jd(i, j), fd(i), support::tol<T>.fd), "n = " << n << ", (" << i << ", " << j << ")");
      BOOST_TEST(support::close(ja(i, j), jd(i, j), support::tol<T>.value), "n = " << n << ", (" << i << ", " << j << ")");
    }
  }
}

}  // namespace eigen_cases
