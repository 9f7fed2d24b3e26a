// Two outputs, one seed.
// expect: tl::seeds\(\.\.\.\): give exactly one seed per output
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<double> x{2.0};
  auto y1 = x * x;
  auto y2 = 3 * x;
#ifdef TAPELESS_COMPILE_OK
  auto g = tl::gradient(tl::outputs(y1, y2), x, tl::seeds(1.0, 2.0));
#else
  auto g = tl::gradient(tl::outputs(y1, y2), x, tl::seeds(1.0));
#endif
  return g == 10.0 ? 0 : 1;
}
