// The seed of a vec<3> output is a vec<4>: both shapes are named.
// expect: tl::seeds\(\.\.\.\): a seed's shape must equal its output's shape
// expect: shape<3(UL)?>, ?(tapeless::)?shape<4(UL)?>
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::vec<double, 3>> x{1.0, 2.0, 3.0};
  auto y = 2 * x;
#ifdef TAPELESS_COMPILE_OK
  tl::vec<double, 3> s{1.0, 1.0, 1.0};
#else
  tl::vec<double, 4> s{1.0, 1.0, 1.0, 1.0};
#endif
  auto g = tl::gradient(y, x, tl::seeds(s));
  return g[0] == 2.0 ? 0 : 1;
}
