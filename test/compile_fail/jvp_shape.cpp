// The tangent direction of tl::jvp has the argument's shape: both shapes are named.
// expect: tl::jvp\(f, x, v\): v must have x's type and shape
// expect: shape<3(UL)?>, ?(tapeless::)?shape<2(UL)?>
#include <tapeless/tapeless.hpp>

int main() {
  auto f = [](auto const& x) { return tl::exp(x); };
  tl::vec<double, 3> x{0.1, 0.2, 0.3};
#ifdef TAPELESS_COMPILE_OK
  tl::vec<double, 3> v{1.0, 0.0, 0.0};
#else
  tl::vec<double, 2> v{1.0, 0.0};
#endif
  auto const [y, t] = tl::jvp(f, x, v);
  return t[0] > 0 ? 0 : 1;
}
