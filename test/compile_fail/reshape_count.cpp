// tl::reshape<S> of a static vector of 6 elements into 2 x 4: the numbers of elements differ.
// expect: tl::reshape<S>\(e\): S must have as many elements as e's shape
// expect: shape<6(UL)?>, ?(tapeless::)?shape<2(UL)?, 4(UL)?>
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::vec<double, 6>> x{1.0, 2.0, 3.0, 4.0, 5.0, 6.0};
#ifdef TAPELESS_COMPILE_OK
  auto y = tl::sum(tl::reshape<tl::shape<2, 3>>(x));
#else
  auto y = tl::sum(tl::reshape<tl::shape<2, 4>>(x));
#endif
  return tl::value(y) > 0 ? 0 : 1;
}
