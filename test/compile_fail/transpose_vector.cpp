// A vector has no orientation to transpose.
// expect: tl::transpose\(e\): e must be a matrix
#include <tapeless/tapeless.hpp>

int main() {
#ifdef TAPELESS_COMPILE_OK
  tl::var<tl::mat<double, 1, 3>> v{{1.0, 2.0, 3.0}};
#else
  tl::var<tl::vec<double, 3>> v{1.0, 2.0, 3.0};
#endif
  auto y = tl::sum(tl::transpose(v));
  return tl::value(y) == 6.0 ? 0 : 1;
}
