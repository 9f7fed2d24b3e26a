// tl::concat of matrices puts the rows of b below those of a: the numbers of columns must agree.
// expect: tl::concat\(a, b\): a and b must be two vectors, or two matrices with the same number of columns
// expect: shape<2(UL)?, 3(UL)?>, ?(tapeless::)?shape<1(UL)?, 4(UL)?>
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::mat<double, 2, 3>> a{};
#ifdef TAPELESS_COMPILE_OK
  tl::var<tl::mat<double, 1, 3>> b{};
#else
  tl::var<tl::mat<double, 1, 4>> b{};
#endif
  auto y = tl::sum(tl::concat(a, b));
  return tl::value(y) == 0 ? 0 : 1;
}
