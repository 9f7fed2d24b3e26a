// stop_at takes vars and let bindings; a sub-expression is stopped with tl::stop_gradient.
// expect: tl::stop_at\(\.\.\.\): each argument must be a tl::var, a tl::let binding or a tl::active
// expect: use tl::stop_gradient\(e\)
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<double> a{1.0};
  auto b = tl::let(2 * a);
  auto y = a * b;
#ifdef TAPELESS_COMPILE_OK
  auto g = tl::gradient(y, a, tl::stop_at(b));
#else
  auto g = tl::gradient(y, a, tl::stop_at(2 * a));
#endif
  return g == 2.0 ? 0 : 1;
}
