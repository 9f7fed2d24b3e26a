// A vector broadcasts as a row (NumPy's rule): against a 3 x 4 matrix it needs 4 elements, not 3.
// expect: operands of an elementwise operation must have the same shape, or one must be a scalar, or shapes that broadcast
// expect: shape<3(UL)?, 4(UL)?>, ?(tapeless::)?shape<3(UL)?>
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::mat<double, 3, 4>> a{};
#ifdef TAPELESS_COMPILE_OK
  tl::var<tl::vec<double, 4>> v{};
#else
  tl::var<tl::vec<double, 3>> v{};
#endif
  auto y = tl::sum(tl::where(a > 0.0, a, v));
  return tl::value(y) == 0 ? 0 : 1;
}
