// tl::jacfwd(f)(x) with an Eigen matrix x: the Jacobian would have rank 3, which Eigen has no type for,
// and the message says how to flatten. (tl::grad with an Eigen matrix is fine: its gradient is a matrix.)
// expect: tl::jacfwd\(f\)\(x\), tl::jacrev\(f\)\(x\), tl::jacobian\(f\)\(x\), tl::hessian\(f\)\(x\) with an Eigen x: x must be an Eigen vector and f's output a number or a vector
#include <tapeless/eigen.hpp>
#include <tapeless/tapeless.hpp>

int main() {
  auto f = [](auto const& x) { return tl::exp(x); };
#ifdef TAPELESS_COMPILE_OK
  Eigen::Matrix<double, 6, 1> x = Eigen::Matrix<double, 6, 1>::Constant(0.5);
#else
  Eigen::Matrix<double, 2, 3> x = Eigen::Matrix<double, 2, 3>::Constant(0.5);
#endif
  auto const j = tl::jacfwd(f)(x);
  return j(0, 0) > 0 ? 0 : 1;
}
