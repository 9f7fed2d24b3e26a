// The vector of tl::hvp has the argument's shape: both shapes are named.
// expect: tl::hvp\(f, x, v\): v must have x's type and shape
// expect: shape<3(UL)?>, ?(tapeless::)?shape<4(UL)?>
#include <tapeless/tapeless.hpp>

int main() {
  auto f = [](auto const& x) { return tl::sum(tl::exp(x)); };
  tl::vec<double, 3> x{0.1, 0.2, 0.3};
#ifdef TAPELESS_COMPILE_OK
  tl::vec<double, 3> v{1.0, 0.0, 0.0};
#else
  tl::vec<double, 4> v{1.0, 0.0, 0.0, 0.0};
#endif
  auto const hv = tl::hvp(f, x, v);
  return hv[0] > 0 ? 0 : 1;
}
