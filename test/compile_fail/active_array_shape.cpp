// An array active takes expressions of its own value type: the message names both types.
// expect: statement_value_is_the_active_type<.*tensor<double, 4>.*tensor<double, 3>
// expect: must have the value type V
#include <tapeless/tapeless.hpp>

int main() {
  tl::active<tl::vec<double, 3>> x = tl::vec<double, 3>{1.0, 2.0, 3.0};
  tl::vec<double, 4> const w{1.0, 1.0, 1.0, 1.0};
#ifdef TAPELESS_COMPILE_OK
  tl::active<tl::vec<double, 3>> const y = x * w[0] * 2.0;
#else
  tl::active<tl::vec<double, 3>> const y = tl::sum(x) * w;
#endif
  return y.value()[0] == 2.0 ? 0 : 1;
}
