// An int cannot be differentiated.
// expect: tl::var<V>: V must be float, double, a tl::dual
#include <tapeless/tapeless.hpp>

int main() {
#ifdef TAPELESS_COMPILE_OK
  tl::var<double> i{1.0};
#else
  tl::var<int> i{1};
#endif
  return tl::value(i) == 1 ? 0 : 1;
}
