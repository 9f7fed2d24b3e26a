// test/eigen/functions.hpp: the functions the Eigen tests differentiate, written as scientific code
// writes them: templated over the scalar S, over Eigen matrices of S and of its real type.
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/LU>

namespace eigen_cases {

template <int N>
constexpr int outputs = N == Eigen::Dynamic ? Eigen::Dynamic : 2 * N + 1;

/// A constant well-conditioned matrix of the real type R.
template <class R, int N>
Eigen::Matrix<R, N, N> constant_matrix(Eigen::Index n) {
  Eigen::Matrix<R, N, N> b(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) b(i, j) = R(1) / R(1 + i + 2 * j) + (i == j ? R(n) : R(0));
  return b;
}

/// R^n -> R^(2n+1), as scientific code writes it over Eigen: an LLT solve with a matrix that depends on
/// x, an LU solve (with row pivoting) with another, and a number from a norm and a dot product.
template <class S, int N>
Eigen::Matrix<S, outputs<N>, 1> residual(Eigen::Matrix<S, N, 1> const& x) {
  using R = typename Eigen::NumTraits<S>::Literal;  // the real type: double for double and for duals of it
  Eigen::Index const n = x.size();
  Eigen::Matrix<R, N, N> const b = constant_matrix<R, N>(n);
  Eigen::Matrix<S, N, N> const a = b.template cast<S>() + x * x.transpose();  // symmetric positive definite
  Eigen::Matrix<S, N, N> m = b * a;                                           // real times dual
  m(0, n - 1) += x(0);
  Eigen::Matrix<S, N, 1> const rhs = x.array().sin().matrix() + b * x;
  Eigen::Matrix<S, N, 1> const u = a.llt().solve(rhs);
  Eigen::Matrix<S, N, 1> const v = m.partialPivLu().solve(x.array().exp().matrix());
  Eigen::Matrix<S, outputs<N>, 1> r(2 * n + 1);
  r.head(n) = u;
  r.segment(n, n) = v;
  r(2 * n) = x.norm() * u.dot(v) + x.squaredNorm() + x.sum();
  return r;
}

template <class T, int N>
Eigen::Matrix<T, N, 1> point(Eigen::Index n) {
  Eigen::Matrix<T, N, 1> x(n);
  for (Eigen::Index i = 0; i < n; ++i) x(i) = T(0.3) + T(0.17) * T(i) - T(0.05) * T(i * i % 3);
  return x;
}

/// A scalar Eigen function: a norm, array functions, a quadratic form and an LLT solve.
template <class S, int N>
S energy(Eigen::Matrix<S, N, 1> const& x) {
  using R = typename Eigen::NumTraits<S>::Literal;
  Eigen::Matrix<R, N, N> const b = constant_matrix<R, N>(x.size());
  Eigen::Matrix<S, N, N> const a = b.template cast<S>() + x * x.transpose();
  Eigen::Matrix<S, N, 1> const u = a.llt().solve(x);
  return x.norm() * x.array().exp().sum() + (b * x).dot(x) + u.dot(x.array().cos().matrix());
}

}  // namespace eigen_cases
