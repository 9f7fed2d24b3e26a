// gradient(y, x) without wrt: x is an expression, not a var or let binding.
// expect: x must be a tl::var or a tl::let binding
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<double> a{1.0};
  auto y = tl::exp(2 * a);
#ifdef TAPELESS_COMPILE_OK
  auto g = tl::gradient(y, a);
#else
  auto g = tl::gradient(y, 2 * a);
#endif
  return g > 0 ? 0 : 1;
}
