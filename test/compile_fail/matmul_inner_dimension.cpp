// mat<2, 3> x mat<4, 5>: the columns of a (3) are not the rows of b (4); both shapes are named.
// expect: tl::matmul\(a, b\): the columns of a must equal the rows of b
// expect: shape<2(UL)?, 3(UL)?>, ?(tapeless::)?shape<4(UL)?, 5(UL)?>
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::mat<double, 2, 3>> a{};
#ifdef TAPELESS_COMPILE_OK
  tl::var<tl::mat<double, 3, 5>> b{};
#else
  tl::var<tl::mat<double, 4, 5>> b{};
#endif
  auto y = tl::sum(tl::matmul(a, b));
  return tl::value(y) == 0 ? 0 : 1;
}
