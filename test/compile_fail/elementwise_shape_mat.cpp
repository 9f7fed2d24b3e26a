// mat<2, 3> * mat<3, 2> is elementwise (matmul is tl::matmul): the shapes differ.
// expect: operands of an elementwise operation must have the same shape
// expect: shape<2(UL)?, 3(UL)?>, ?(tapeless::)?shape<3(UL)?, 2(UL)?>
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::mat<double, 2, 3>> a{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
#ifdef TAPELESS_COMPILE_OK
  tl::var<tl::mat<double, 2, 3>> b{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
#else
  tl::var<tl::mat<double, 3, 2>> b{{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}};
#endif
  auto y = tl::sum(a * b);
  return tl::value(y) > 0 ? 0 : 1;
}
