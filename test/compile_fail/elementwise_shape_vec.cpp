// vec<3> + vec<4>: the message says what is wrong and the diagnostic names both shapes.
// expect: operands of an elementwise operation must have the same shape
// expect: shape<3(UL)?>, ?(tapeless::)?shape<4(UL)?>
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::vec<double, 3>> a{1.0, 2.0, 3.0};
#ifdef TAPELESS_COMPILE_OK
  tl::var<tl::vec<double, 3>> b{4.0, 5.0, 6.0};
#else
  tl::var<tl::vec<double, 4>> b{4.0, 5.0, 6.0, 7.0};
#endif
  auto y = tl::sum(a + b);
  return tl::value(y) > 0 ? 0 : 1;
}
