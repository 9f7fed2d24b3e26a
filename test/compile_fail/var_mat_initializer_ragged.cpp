// A var of mat<2, 2> given ragged rows.
// expect: tl::mat<T, R, C> initializer: give R rows of C elements each
#include <tapeless/tapeless.hpp>

int main() {
#ifdef TAPELESS_COMPILE_OK
  tl::var<tl::mat<double, 2, 2>> m{{1.0, 2.0}, {3.0, 4.0}};
#else
  tl::var<tl::mat<double, 2, 2>> m{{1.0, 2.0}, {3.0}};
#endif
  return m.value()(1, 1) == 4.0 ? 0 : 1;
}
