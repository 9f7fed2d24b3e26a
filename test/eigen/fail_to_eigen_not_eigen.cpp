// tl::to_eigen<E>(x) with an E that is not an Eigen type: the message says what E must be.
// expect: tl::to_eigen<E>\(x\): E must be an Eigen matrix or array type
#include <array>

#include <tapeless/eigen.hpp>
#include <tapeless/tapeless.hpp>

int main() {
  tl::vec<double, 3> const v{1, 2, 3};
#ifdef TAPELESS_COMPILE_OK
  auto const e = tl::to_eigen<Eigen::Array3d>(v);
#else
  auto const e = tl::to_eigen<std::array<double, 3>>(v);
#endif
  return e[0] == 1 ? 0 : 1;
}
