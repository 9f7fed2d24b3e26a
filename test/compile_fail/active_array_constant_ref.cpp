// An array-valued statement is replayed at the gradient, so it cannot read the caller's memory
// through tl::constant_ref (which could change before then): the message says to use tl::constant.
// expect: tl::constant_ref cannot be in an array-valued statement
// expect: use tl::constant
#include <tapeless/tapeless.hpp>

int main() {
  tl::mat<double, 2, 2> const m{{1.0, 2.0}, {3.0, 4.0}};
  tl::active<tl::vec<double, 2>> x = tl::vec<double, 2>{1.0, 1.0};
#ifdef TAPELESS_COMPILE_OK
  tl::active<tl::vec<double, 2>> const y = tl::matmul(tl::constant(m), x);
#else
  tl::active<tl::vec<double, 2>> const y = tl::matmul(tl::constant_ref(m), x);
#endif
  return y.value()[0] == 3.0 ? 0 : 1;
}
