// wrt names the inputs: a sum of vars is neither a var nor a let binding (bind it with tl::let).
// expect: tl::gradient\(y, wrt\(x\)\): x must be a tl::var, a tl::let binding or a tl::active
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<double> a{1.0};
  tl::var<double> b{2.0};
#ifdef TAPELESS_COMPILE_OK
  auto s = tl::let(a + b);
  auto y = s * b;
  auto [g] = tl::gradient(y, tl::wrt(s));
#else
  auto y = (a + b) * b;
  auto [g] = tl::gradient(y, tl::wrt(a + b));
#endif
  return g == 2.0 ? 0 : 1;
}
