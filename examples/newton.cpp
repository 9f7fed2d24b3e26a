// newton: Newton's method on a nonlinear system F(x) = 0 with the Jacobian from tl::jacfwd.
//
//   F(x) = A x + c * exp(x) - b        (three coupled equations in three unknowns)
//
// F is written once, as a generic lambda over tapeless expressions; tl::jacfwd(F)(x) gives the 3 x 3
// Jacobian A + c diag(exp(x)) by forward-mode tangent passes, and each step solves J dx = -F(x). The
// program prints the iterations and exits with status 1 unless the residual falls below 1e-12 and
// the Jacobian at the solution equals the one worked out by hand.
#include <tapeless/tapeless.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iostream>
#include <utility>

namespace {

using vec3 = tl::vec<double, 3>;
using mat3 = tl::mat<double, 3, 3>;

/// Solves J dx = r by Gaussian elimination with partial pivoting.
vec3 solve(mat3 J, vec3 r) {
  for (std::size_t k = 0; k < 3; ++k) {
    std::size_t p = k;
    for (std::size_t i = k + 1; i < 3; ++i)
      if (std::abs(J(i, k)) > std::abs(J(p, k))) p = i;
    for (std::size_t j = 0; j < 3; ++j) std::swap(J(k, j), J(p, j));
    std::swap(r[k], r[p]);
    for (std::size_t i = k + 1; i < 3; ++i) {
      double const m = J(i, k) / J(k, k);
      for (std::size_t j = k; j < 3; ++j) J(i, j) -= m * J(k, j);
      r[i] -= m * r[k];
    }
  }
  vec3 x;
  for (std::size_t k = 3; k-- > 0;) {
    double s = r[k];
    for (std::size_t j = k + 1; j < 3; ++j) s -= J(k, j) * x[j];
    x[k] = s / J(k, k);
  }
  return x;
}

double norm(vec3 const& v) { return std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); }

}  // namespace

int main() {
  mat3 const A{{4.0, 1.0, 0.0}, {1.0, 3.0, 1.0}, {0.0, 1.0, 2.0}};
  vec3 const b{1.0, 2.0, 3.0};
  double const c = 0.5;
  auto F = [&](auto const& x) { return tl::matmul(tl::constant(A), x) + c * tl::exp(x) - tl::constant(b); };

  vec3 x{0.0, 0.0, 0.0};
  double residual = 0;
  for (int k = 0; k < 20; ++k) {
    vec3 const Fx = tl::value(F(tl::constant(x)));
    residual = norm(Fx);
    std::cout << "iteration " << k << ": x = " << x << ", |F(x)| = " << residual << "\n";
    if (residual < 1e-12) break;
    mat3 const J = tl::jacfwd(F)(x);
    vec3 minus_F;
    for (std::size_t i = 0; i < 3; ++i) minus_F[i] = -Fx[i];
    vec3 const dx = solve(J, minus_F);
    for (std::size_t i = 0; i < 3; ++i) x[i] += dx[i];
  }

  // The Jacobian at the solution against the one worked out by hand, and against reverse mode.
  mat3 const J = tl::jacfwd(F)(x);
  mat3 const Jr = tl::jacrev(F)(x);
  double worst = 0;
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 3; ++j) {
      double const exact = A(i, j) + (i == j ? c * std::exp(x[i]) : 0.0);
      worst = std::max({worst, std::abs(J(i, j) - exact), std::abs(Jr(i, j) - exact)});
    }
  std::cout << "solution x = " << x << ", Jacobian error " << worst << "\n";
  return residual < 1e-12 && worst < 1e-13 ? 0 : 1;
}
