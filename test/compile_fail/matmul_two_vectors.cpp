// matmul of two vectors is ambiguous (inner or outer product?): the message points to tl::dot.
// expect: tl::matmul\(a, b\): a and b are both vectors; for their scalar product use tl::dot\(a, b\)
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::vec<double, 3>> a{1.0, 2.0, 3.0};
  tl::var<tl::vec<double, 3>> b{4.0, 5.0, 6.0};
#ifdef TAPELESS_COMPILE_OK
  auto y = tl::dot(a, b);
#else
  auto y = tl::matmul(a, b);
#endif
  return tl::value(y) == 32 ? 0 : 1;
}
