// Indexing a scalar expression (the sum is already a number).
// expect: e\[i\] and e\(i, j\) index a vector, matrix or tensor expression; this one is a scalar
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::vec<double, 3>> v{1.0, 2.0, 3.0};
#ifdef TAPELESS_COMPILE_OK
  auto y = tl::sum(v * v[0]);
#else
  auto y = tl::sum(v)[0];
#endif
  return tl::value(y) == 6.0 ? 0 : 1;
}
