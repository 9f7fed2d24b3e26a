// tl::stack of vectors of different lengths: the message names both shapes.
// expect: tl::stack\(e\.\.\.\): every argument must have the same shape
// expect: shape<3(UL)?>, ?(tapeless::)?shape<4(UL)?>
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::vec<double, 3>> a{1.0, 2.0, 3.0};
#ifdef TAPELESS_COMPILE_OK
  tl::var<tl::vec<double, 3>> b{1.0, 2.0, 3.0};
#else
  tl::var<tl::vec<double, 4>> b{1.0, 2.0, 3.0, 4.0};
#endif
  auto y = tl::sum(tl::stack(a, b));
  return tl::value(y) > 0 ? 0 : 1;
}
