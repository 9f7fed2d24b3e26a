// dot of a vec<3> and a vec<4>: both shapes are named.
// expect: tl::dot
// expect: shape<3(UL)?>, ?(tapeless::)?shape<4(UL)?>
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::vec<double, 3>> a{1.0, 2.0, 3.0};
#ifdef TAPELESS_COMPILE_OK
  tl::vec<double, 3> b{1.0, 1.0, 1.0};
#else
  tl::vec<double, 4> b{1.0, 1.0, 1.0, 1.0};
#endif
  auto y = tl::dot(a, b);
  return tl::value(y) == 6.0 ? 0 : 1;
}
