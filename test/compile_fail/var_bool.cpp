// A bool cannot be differentiated.
// expect: tl::var<V>: V must be float, double, a tl::dual
#include <tapeless/tapeless.hpp>

int main() {
#ifdef TAPELESS_COMPILE_OK
  tl::var<double> b{1.0};
#else
  tl::var<bool> b{true};
#endif
  return tl::value(b) ? 0 : 1;
}
