// A braced seed of two numbers for a vec<3> output: both shapes are named.
// expect: tl::seeds\(\.\.\.\): a seed's shape must equal its output's shape
// expect: shape<3(UL)?>, ?(tapeless::)?shape<2(UL)?>
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::vec<double, 3>> x{1.0, 2.0, 3.0};
  auto y = 2 * x;
#ifdef TAPELESS_COMPILE_OK
  auto g = tl::gradient(y, x, tl::seeds({1.0, 1.0, 1.0}));
#else
  auto g = tl::gradient(y, x, tl::seeds({1.0, 1.0}));
#endif
  return g[0] == 2.0 ? 0 : 1;
}
