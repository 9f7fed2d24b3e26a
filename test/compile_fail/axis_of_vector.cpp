// A reduction along axis 1 of a vector: a vector has only axis 0.
// expect: tl::sum/mean/max/min/logsumexp\(e, tl::axis<K>\): e must be a matrix and K 0 or 1
// expect: axis_of_matrix<1(UL)?, ?(tapeless::)?shape<3(UL)?> ?>
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::vec<double, 3>> x{1.0, 2.0, 3.0};
#ifdef TAPELESS_COMPILE_OK
  auto y = tl::sum(x, tl::axis<0>);
#else
  auto y = tl::sum(tl::sum(x, tl::axis<1>));
#endif
  return tl::value(y) > 0 ? 0 : 1;
}
