// float and double do not mix silently in an elementwise operation.
// expect: must have the same element type
// expect: float and double do not mix
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::vec<float, 3>> a{1.0f, 2.0f, 3.0f};
#ifdef TAPELESS_COMPILE_OK
  tl::var<tl::vec<float, 3>> b{4.0f, 5.0f, 6.0f};
#else
  tl::var<tl::vec<double, 3>> b{4.0, 5.0, 6.0};
#endif
  auto y = tl::sum(a - b);
  return tl::value(y) < 0 ? 0 : 1;
}
