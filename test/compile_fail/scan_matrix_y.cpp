// A step's y is a matrix: scan stacks numbers into a dvec and vectors into the rows of a dmat, and has
// nothing to stack matrices into.
// expect: tl::scan: a step's output y must be a number or a vector \(ys stack them\)
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::vec<double, 2>> x0{1.0, 2.0};
  tl::mat<double, 2, 2> const m{{1.0, 0.5}, {0.0, 1.0}};
#ifdef TAPELESS_COMPILE_OK
  auto [xn, ys] = tl::scan([&](auto const& x) { return std::pair{x * 0.5, tl::matmul(tl::constant(m), x)}; }, x0, 3);
#else
  auto [xn, ys] = tl::scan([&](auto const& x) { return std::pair{x * 0.5, tl::constant(m) * tl::sum(x)}; }, x0, 3);
#endif
  return tl::gradient(tl::sum(ys) + tl::sum(xn), x0)[0] > 0 ? 0 : 1;
}
