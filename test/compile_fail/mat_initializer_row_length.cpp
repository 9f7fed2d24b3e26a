// A mat<2, 2> given rows of three.
// expect: tl::mat<T, R, C> initializer: give R rows of C elements each
// expect: shape<2(UL)?, 2(UL)?>, ?(tapeless::)?shape<2(UL)?, 3(UL)?>
#include <tapeless/tapeless.hpp>

int main() {
#ifdef TAPELESS_COMPILE_OK
  tl::mat<double, 2, 3> m{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
#else
  tl::mat<double, 2, 2> m{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
#endif
  return m(1, 1) == 5.0 ? 0 : 1;
}
