// A 3 x 4 matrix with a 2 x 1 column: the column's length is not the number of rows.
// expect: operands of an elementwise operation must have the same shape, or one must be a scalar, or shapes that broadcast
// expect: shape<2(UL)?, 1(UL)?>, ?(tapeless::)?shape<3(UL)?, 4(UL)?>
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::mat<double, 3, 4>> a{};
#ifdef TAPELESS_COMPILE_OK
  tl::var<tl::mat<double, 3, 1>> c{};
#else
  tl::var<tl::mat<double, 2, 1>> c{};
#endif
  auto y = tl::sum(c * a);
  return tl::value(y) == 0 ? 0 : 1;
}
