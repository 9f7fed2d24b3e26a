// A 3 x 4 matrix with a 1 x 5 row: the row's length is not the number of columns.
// expect: operands of an elementwise operation must have the same shape, or one must be a scalar, or shapes that broadcast
// expect: shape<3(UL)?, 4(UL)?>, ?(tapeless::)?shape<1(UL)?, 5(UL)?>
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::mat<double, 3, 4>> a{};
#ifdef TAPELESS_COMPILE_OK
  tl::var<tl::mat<double, 1, 4>> b{};
#else
  tl::var<tl::mat<double, 1, 5>> b{};
#endif
  auto y = tl::sum(a + b);
  return tl::value(y) == 0 ? 0 : 1;
}
