// tl::gradient_into a destination whose static shape differs from the gradient's: a compile error
// naming both shapes.
// expect: tl::gradient_into\(dest, \.\.\.\): dest's shape differs from the gradient's
// expect: shapes_agree<tapeless::shape<2>, tapeless::shape<3> >|shapes_agree<tapeless::shape<2>, tapeless::shape<3>>
#include <array>

#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::vec<double, 3>> x{1.0, 2.0, 3.0};
#ifdef TAPELESS_COMPILE_OK
  std::array<double, 3> g{};
#else
  std::array<double, 2> g{};
#endif
  tl::gradient_into(g, tl::sum(x * x), x);
  return g[1] == 4.0 ? 0 : 1;
}
