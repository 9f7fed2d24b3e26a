// A double matrix times a float vector.
// expect: tl::matmul\(a, b\): a and b must have the same element type
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::mat<double, 2, 3>> a{{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}};
#ifdef TAPELESS_COMPILE_OK
  tl::var<tl::vec<double, 3>> b{1.0, 2.0, 3.0};
#else
  tl::var<tl::vec<float, 3>> b{1.0f, 2.0f, 3.0f};
#endif
  auto y = tl::sum(tl::matmul(a, b));
  return tl::value(y) == 3.0 ? 0 : 1;
}
