// In tl::active_mode, f must compute its result from the actives it is given; a plain number has no
// derivative to take.
// expect: tl::grad\(f\) with tl::active_mode: f must return a value computed from its arguments
#include <tapeless/tapeless.hpp>

int main() {
#ifdef TAPELESS_COMPILE_OK
  auto f = [](auto const& x) { return x * x; };
#else
  auto f = [](auto const&) { return 2.0; };
#endif
  return tl::grad(f, tl::active_mode)(1.0) == 2.0 ? 0 : 1;
}
