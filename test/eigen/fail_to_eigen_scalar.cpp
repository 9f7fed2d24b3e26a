// tl::to_eigen<E>(x) with E's scalar type other than x's element type: no silent conversion.
// expect: tl::to_eigen<E>\(x\): E's scalar type must be x's element type
#include <tapeless/eigen.hpp>
#include <tapeless/tapeless.hpp>

int main() {
  tl::vec<double, 3> const v{1, 2, 3};
#ifdef TAPELESS_COMPILE_OK
  auto const e = tl::to_eigen<Eigen::Vector3d>(v);
#else
  auto const e = tl::to_eigen<Eigen::Vector3f>(v);
#endif
  return e(0) == 1 ? 0 : 1;
}
