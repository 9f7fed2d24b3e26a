// The diagnostic names the transform the user called, not a list of every transform: jacfwd's f
// returning a plain number is reported as tl::jacfwd's.
// expect: tl::jacfwd\(f\): f must return a tapeless expression of its arguments
#include <cmath>

#include <tapeless/tapeless.hpp>

int main() {
  tl::vec<double, 2> const x{1.0, 2.0};
#ifdef TAPELESS_COMPILE_OK
  auto f = [](auto const& v) { return tl::sin(v) * v; };
#else
  auto f = [](auto const&) { return std::sin(2.0); };
#endif
  auto const j = tl::jacfwd(f)(x);
  return j(0, 0) != 0.0 ? 0 : 1;
}
