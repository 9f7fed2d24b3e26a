// tl::where takes a mask (a comparison), not a value to be tested for non-zero.
// expect: tl::where\(mask, a, b\): mask must be a comparison such as `x > 0.0`
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::vec<double, 3>> a{1.0, -2.0, 3.0};
#ifdef TAPELESS_COMPILE_OK
  auto y = tl::sum(tl::where(a > 0.0, a, 0.0));
#else
  auto y = tl::sum(tl::where(a, a, 0.0));
#endif
  return tl::value(y) == 4.0 ? 0 : 1;
}
