// A vector written as a braced list of expressions (a Newton residual): tl::vec holds numbers, and
// the message names tl::stack, which builds the vector expression. (GCC gives the same message for
// `tl::vec{f0, f1, f2}`; Clang before 19 cannot deduce through the alias at all.)
// expect: to build a vector expression from expressions, use tl::stack\(e0, e1, \.\.\.\)
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::vec<double, 2>> x{1.0, 2.0};
  auto const f0 = x[0] * x[1] - 1.0;
  auto const f1 = x[0] - x[1];
#ifdef TAPELESS_COMPILE_OK
  auto const r = tl::stack(f0, f1);
#else
  auto const r = tl::tensor{f0, f1};
#endif
  return tl::value(tl::sum(r)) > 0 ? 0 : 1;
}
