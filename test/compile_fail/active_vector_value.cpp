// A vector expression cannot be assigned to an active number: the message says what an active
// number takes.
// expect: statement_value_is_the_active_type<.*tensor<double, 3>.*double
// expect: must be a number of type T
#include <tapeless/tapeless.hpp>

int main() {
  tl::active<double> a = 2.0;
  tl::vec<double, 3> const v{1.0, 2.0, 3.0};
#ifdef TAPELESS_COMPILE_OK
  tl::active<double> const y = a * v[1];
#else
  tl::active<double> const y = a * v;
#endif
  return y.value() == 4.0 ? 0 : 1;
}
