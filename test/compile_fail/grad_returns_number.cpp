// A function whose result does not depend on tapeless expressions has nothing to differentiate:
// tl::grad says what f must return instead of failing deep inside tl::gradient.
// expect: tl::grad\(f\): f must return a tapeless expression of its arguments
#include <cmath>

#include <tapeless/tapeless.hpp>

int main() {
#ifdef TAPELESS_COMPILE_OK
  auto f = [](auto const& x) { return tl::sin(x) * x; };
#else
  auto f = [](auto const&) { return std::sin(2.0); };
#endif
  return tl::grad(f)(1.0) != 0.0 ? 0 : 1;
}
