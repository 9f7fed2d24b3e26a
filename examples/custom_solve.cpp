// custom_solve: a linear solver that tapeless does not see into, made differentiable with
// tl::custom_vjp. The structure of a small truss-like system is K(theta) = K0 + theta_0 K1 + theta_1 K2
// (runtime size); its displacements are u = K^-1 f, and the compliance c = f . u is what a designer
// minimises. The solver is plain LU with partial pivoting on doubles (it stands for LAPACK or a sparse
// direct solver); its vector-Jacobian product needs one more solve with K^T:
//
//   ubar given:   fbar = K^-T ubar,   Kbar = -fbar u^T
//
// The program checks dc/dtheta and dc/df against central differences and exits with status 1 if they
// disagree.
#include <tapeless/tapeless.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <iostream>
#include <tuple>
#include <utility>
#include <vector>

namespace {

/// The "external" solver: K x = r by LU with partial pivoting, on doubles only.
tl::dvec<double> lu_solve(tl::dmat<double> K, tl::dvec<double> r) {
  std::size_t const n = K.rows();
  for (std::size_t k = 0; k < n; ++k) {
    std::size_t p = k;
    for (std::size_t i = k + 1; i < n; ++i)
      if (std::abs(K(i, k)) > std::abs(K(p, k))) p = i;
    for (std::size_t j = 0; j < n; ++j) std::swap(K(k, j), K(p, j));
    std::swap(r[k], r[p]);
    for (std::size_t i = k + 1; i < n; ++i) {
      double const m = K(i, k) / K(k, k);
      for (std::size_t j = k; j < n; ++j) K(i, j) -= m * K(k, j);
      r[i] -= m * r[k];
    }
  }
  tl::dvec<double> x(n);
  for (std::size_t i = n; i-- > 0;) {
    double s = r[i];
    for (std::size_t j = i + 1; j < n; ++j) s -= K(i, j) * x[j];
    x[i] = s / K(i, i);
  }
  return x;
}

tl::dmat<double> transposed(tl::dmat<double> const& K) {
  tl::dmat<double> t(K.cols(), K.rows());
  for (std::size_t i = 0; i < K.rows(); ++i)
    for (std::size_t j = 0; j < K.cols(); ++j) t(j, i) = K(i, j);
  return t;
}

/// A tridiagonal stiffness pattern of size n with the given diagonal and off-diagonal.
tl::dmat<double> pattern(std::size_t n, double diag, double off, std::size_t from) {
  tl::dmat<double> K(n, n);
  for (std::size_t i = from; i < n; ++i) {
    K(i, i) = diag;
    if (i + 1 < n) K(i, i + 1) = K(i + 1, i) = off;
  }
  return K;
}

}  // namespace

int main() {
  std::size_t const n = 6;
  // The solve, made differentiable: f on values, and its vector-Jacobian product.
  auto solve = tl::custom_vjp([](tl::dmat<double> const& K, tl::dvec<double> const& f) { return lu_solve(K, f); },
                              [](tl::dmat<double> const& K, tl::dvec<double> const&, tl::dvec<double> const& u,
                                 tl::dvec<double> const& ubar) {
                                tl::dvec<double> fbar = lu_solve(transposed(K), ubar);
                                tl::dmat<double> Kbar(K.rows(), K.cols());
                                for (std::size_t i = 0; i < K.rows(); ++i)
                                  for (std::size_t j = 0; j < K.cols(); ++j) Kbar(i, j) = -fbar[i] * u[j];
                                return std::tuple{std::move(Kbar), std::move(fbar)};
                              });

  tl::dmat<double> const K0 = pattern(n, 4.0, -1.0, 0);
  tl::dmat<double> const K1 = pattern(n, 2.0, -0.5, 0);
  tl::dmat<double> const K2 = pattern(n, 1.0, -0.8, n / 2);
  tl::var<tl::vec<double, 2>> theta{0.7, 1.3};
  tl::var<tl::dvec<double>> f{1.0, 0.0, -0.5, 0.25, 0.0, 1.0};

  auto K = tl::constant_ref(K0) + theta[0] * tl::constant_ref(K1) + theta[1] * tl::constant_ref(K2);
  auto u = solve(K, f);
  auto compliance = tl::dot(f, u);
  auto const [g_theta, g_f] = tl::gradient(compliance, tl::wrt(theta, f));

  // Central differences of the plain computation.
  auto plain = [&](tl::vec<double, 2> t, tl::dvec<double> const& load) {
    tl::dmat<double> Km(n, n);
    for (std::size_t i = 0; i < n * n; ++i) Km.data()[i] = K0.data()[i] + t[0] * K1.data()[i] + t[1] * K2.data()[i];
    auto const x = lu_solve(Km, load);
    double c = 0;
    for (std::size_t i = 0; i < n; ++i) c += load[i] * x[i];
    return c;
  };
  double const h = 1e-6;
  bool ok = true;
  std::cout.precision(10);
  std::cout << "compliance " << tl::value(compliance) << "\n";
  for (std::size_t j = 0; j < 2; ++j) {
    auto tp = theta.value(), tm = theta.value();
    tp[j] += h;
    tm[j] -= h;
    double const fd = (plain(tp, f.value()) - plain(tm, f.value())) / (2 * h);
    std::cout << "dc/dtheta[" << j << "] = " << g_theta[j] << "   central difference " << fd << "\n";
    ok = ok && std::abs(fd - g_theta[j]) <= 1e-7 * std::max(1.0, std::abs(fd));
  }
  for (std::size_t i = 0; i < n; ++i) {
    auto fp = f.value(), fm = f.value();
    fp[i] += h;
    fm[i] -= h;
    double const fd = (plain(theta.value(), fp) - plain(theta.value(), fm)) / (2 * h);
    std::cout << "dc/df[" << i << "] = " << g_f[i] << "   central difference " << fd << "\n";
    // For a symmetric K, dc/df = 2 u.
    ok = ok && std::abs(fd - g_f[i]) <= 1e-7 * std::max(1.0, std::abs(fd)) &&
         std::abs(g_f[i] - 2 * tl::value(u)[i]) <= 1e-12 * std::max(1.0, std::abs(g_f[i]));
  }
  std::cout << (ok ? "the custom VJP agrees\n" : "MISMATCH\n");
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
