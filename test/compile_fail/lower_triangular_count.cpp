// tl::lower_triangular<3> of a static vector of 5 elements: a 3 x 3 triangle takes 6.
// expect: tl::lower_triangular<N>\(e\): e must have N \(N \+ 1\) / 2 elements
// expect: fills_triangle<3(UL)?, ?(tapeless::)?shape<5(UL)?>, ?false>
#include <tapeless/tapeless.hpp>

int main() {
#ifdef TAPELESS_COMPILE_OK
  tl::var<tl::vec<double, 6>> x{1.0, 2.0, 3.0, 4.0, 5.0, 6.0};
#else
  tl::var<tl::vec<double, 5>> x{1.0, 2.0, 3.0, 4.0, 5.0};
#endif
  auto y = tl::sum(tl::lower_triangular<3>(x));
  return tl::value(y) > 0 ? 0 : 1;
}
