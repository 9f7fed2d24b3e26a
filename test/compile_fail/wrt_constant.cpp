// A constant has no gradient to ask for.
// expect: x must be a tl::var, a tl::let binding or a tl::active
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<double> a{1.0};
  auto c = tl::constant(3.0);
  auto y = a * c;
#ifdef TAPELESS_COMPILE_OK
  auto [g] = tl::gradient(y, tl::wrt(a));
#else
  auto [g] = tl::gradient(y, tl::wrt(c));
#endif
  return g == 3.0 ? 0 : 1;
}
