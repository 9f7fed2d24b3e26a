// tl::to_eigen<E>(x) where E's static shape differs from x's: the message names both shapes.
// expect: tl::to_eigen<E>\(x\): x's shape \(rows x columns, a vector as a column unless E is a row\) differs from E's static shape
// expect: eigen_shapes_fit<tapeless::shape<2, 3>, tapeless::detail::eigen_shape<3, 2>, false>
#include <tapeless/eigen.hpp>
#include <tapeless/tapeless.hpp>

int main() {
  tl::mat<double, 2, 3> const a{{1, 2, 3}, {4, 5, 6}};
#ifdef TAPELESS_COMPILE_OK
  auto const e = tl::to_eigen<Eigen::Matrix<double, 2, 3>>(a);
#else
  auto const e = tl::to_eigen<Eigen::Matrix<double, 3, 2>>(a);
#endif
  return e(0, 0) == 1 ? 0 : 1;
}
