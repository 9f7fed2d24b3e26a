// A var of plain reals next to duals: its own derivative would be dropped, so it is refused (a
// constant of plain reals mixes, and the product scales the duals' tangents by it).
// expect: tl::matmul\(a, b\): a and b must have the same element type \(a constant of plain reals may multiply duals; a var of plain reals may not
#include <tapeless/tapeless.hpp>

int main() {
  using D = tl::dual<double, 2>;
  tl::var<tl::vec<D, 2>> x{D(1.0, {1.0, 0.0}), D(2.0, {0.0, 1.0})};
#ifdef TAPELESS_COMPILE_OK
  tl::mat<double, 2, 2> W{{1.0, 2.0}, {3.0, 4.0}};
#else
  tl::var<tl::mat<double, 2, 2>> W{{1.0, 2.0}, {3.0, 4.0}};
#endif
  auto y = tl::value(tl::matmul(W, x));
  return y[0].tangent[0] == 1.0 ? 0 : 1;
}
