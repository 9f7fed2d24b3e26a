// examples/eigen.cpp: tapeless with Eigen (tapeless/eigen.hpp), both ways.
//  1. Existing Eigen code, templated over its scalar, run on tl::dual: the Jacobian of a residual
//     with a matrix product and an LLT solve, by forward mode, as an Eigen matrix.
//  2. The function API called with an Eigen vector: the gradient comes back as an Eigen vector, the
//     Hessian as an Eigen matrix.
#include <iostream>
#include <Eigen/Cholesky>

#include <tapeless/eigen.hpp>
#include <tapeless/tapeless.hpp>

/// The residual of a small fitting problem, as Eigen code writes it: (A + x x^T)^-1 b - x.
template <class S>
Eigen::Matrix<S, 3, 1> residual(Eigen::Matrix<S, 3, 1> const& x) {
  Eigen::Matrix3d a;
  a << 4, 1, 0, 1, 3, 1, 0, 1, 2;
  Eigen::Vector3d const b(1, 2, 3);
  Eigen::Matrix<S, 3, 3> const m = a.cast<S>() + x * x.transpose();  // a matrix of duals
  return m.llt().solve(b.cast<S>()) - x;
}

int main() {
  // 1. Seed one dual per input (3 tangent lanes: lane j is d/dx_j); the tangents are the Jacobian.
  Eigen::Vector3d const x(0.5, -0.25, 1.0);
  Eigen::Matrix<tl::dual<double, 3>, 3, 1> xd;
  for (int j = 0; j < 3; ++j) {
    xd(j) = x(j);
    xd(j).tangent[std::size_t(j)] = 1.0;
  }
  Eigen::Matrix<tl::dual<double, 3>, 3, 1> const r = residual(xd);
  Eigen::Matrix3d jac;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) jac(i, j) = r(i).tangent[std::size_t(j)];
  std::cout << "residual " << r(0).value << " " << r(1).value << " " << r(2).value << "\n";
  std::cout << "Jacobian\n" << jac << "\n";

  // Check it against central differences of the plain function.
  double worst = 0;
  for (int j = 0; j < 3; ++j) {
    Eigen::Vector3d xp = x, xm = x;
    xp(j) += 1e-6;
    xm(j) -= 1e-6;
    Eigen::Vector3d const fd = (residual(xp) - residual(xm)) / 2e-6;
    worst = std::max(worst, (fd - jac.col(j)).cwiseAbs().maxCoeff());
  }
  std::cout << "largest difference from central differences: " << worst << "\n";

  // 2. tl::grad and tl::hessian take the Eigen vector and give back Eigen types.
  auto energy = [](auto const& q) { return tl::sum(tl::exp(q) * q) + 0.5 * tl::square(tl::norm(q)); };
  Eigen::Vector3d const g = tl::grad(energy)(x);
  Eigen::Matrix3d const h = tl::hessian(energy)(x);
  std::cout << "gradient " << g.transpose() << "\nHessian\n" << h << "\n";
  return worst < 1e-6 ? 0 : 1;
}
