// An assignment to a tl::active is recorded as a statement over actives; a tl::var in it would be a
// value the recording cannot differentiate (its gradient would silently be lost): refused, with
// what to do.
// expect: must be computed from actives and constants
#include <tapeless/tapeless.hpp>

int main() {
  tl::active<double> a = 2.0;
#ifdef TAPELESS_COMPILE_OK
  tl::active<double> w = 3.0;
#else
  tl::var<double> w{3.0};
#endif
  tl::active<double> const y = w * a;
  return y.value() == 6.0 ? 0 : 1;
}
