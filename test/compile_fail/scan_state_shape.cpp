// The step of a scan over a vec<3> state returns a vec<2>: both value types are named.
// expect: tl::scan: the step must return a state of the same value type \(shape and element type\) as init
// expect: step_keeps_state_type<(tapeless::)?tensor<double, ?2(UL)?>, ?(tapeless::)?tensor<double, ?3(UL)?> ?>
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::vec<double, 3>> x0{1.0, 2.0, 3.0};
  tl::var<tl::mat<double, 2, 3>> w{{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}};
#ifdef TAPELESS_COMPILE_OK
  auto xn = tl::scan([&](auto const& x) { return x * 0.5; }, x0, 4);
#else
  auto xn = tl::scan([&](auto const& x) { return tl::matmul(w, x); }, x0, 4);
#endif
  return tl::gradient(tl::sum(xn), x0)[0] > 0 ? 0 : 1;
}
