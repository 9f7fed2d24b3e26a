// The seed of tl::vjp has the shape of f's output: both shapes are named, and nothing else is reported.
// expect: tl::seeds\(\.\.\.\): a seed's shape must equal its output's shape
// expect: shape<3(UL)?>, ?(tapeless::)?shape<2(UL)?>
#include <tapeless/tapeless.hpp>

int main() {
  auto f = [](auto const& x) { return tl::exp(x); };
  tl::vec<double, 3> x{0.1, 0.2, 0.3};
#ifdef TAPELESS_COMPILE_OK
  tl::vec<double, 3> u{1.0, 0.0, 0.0};
#else
  tl::vec<double, 2> u{1.0, 0.0};
#endif
  auto const [y, g] = tl::vjp(f, x, u);
  return g[0] > 0 ? 0 : 1;
}
