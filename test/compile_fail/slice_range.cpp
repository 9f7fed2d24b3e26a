// tl::slice<B, N> of a static vector of 5 elements: elements [3, 7) do not lie within it.
// expect: tl::slice<B, N>\(e\): elements \[B, B \+ N\) must lie within e
// expect: slice_within<3(UL)?, 4(UL)?, ?(tapeless::)?shape<5(UL)?> ?>
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::vec<double, 5>> x{1.0, 2.0, 3.0, 4.0, 5.0};
#ifdef TAPELESS_COMPILE_OK
  auto y = tl::sum(tl::slice<3, 2>(x));
#else
  auto y = tl::sum(tl::slice<3, 4>(x));
#endif
  return tl::value(y) > 0 ? 0 : 1;
}
