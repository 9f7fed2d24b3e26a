// A vec of ints cannot be differentiated either.
// expect: tl::var<V>: V must be float, double, a tl::dual
#include <tapeless/tapeless.hpp>

int main() {
#ifdef TAPELESS_COMPILE_OK
  tl::var<tl::vec<double, 3>> v{1.0, 2.0, 3.0};
#else
  tl::var<tl::vec<int, 3>> v{1, 2, 3};
#endif
  return v.value()[0] == 1 ? 0 : 1;
}
