// y is a plain number (already evaluated), not an expression: there is nothing to differentiate.
// expect: tl::gradient\(y, x\): y must be a tapeless expression
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<double> x{2.0};
#ifdef TAPELESS_COMPILE_OK
  auto y = x * x;
#else
  double y = tl::value(x * x);
#endif
  auto g = tl::gradient(y, x);
  return g == 4.0 ? 0 : 1;
}
