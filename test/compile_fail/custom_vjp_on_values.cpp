// f of a custom_vjp receives values (here a tl::vec) and must compute a value from them, not build
// a tapeless expression.
// expect: tl::custom_vjp / tl::custom_jvp: f must return a number or a tapeless value
#include <tapeless/tapeless.hpp>

int main() {
#ifdef TAPELESS_COMPILE_OK
  auto twice = tl::custom_vjp([](auto const& v) { auto r = v; for (auto& e : r) e *= 2.0; return r; },
                              [](auto const&, auto const&, auto const& a) { auto r = a; for (auto& e : r) e *= 2.0; return r; });
#else
  auto twice = tl::custom_vjp([](auto const& v) { return tl::sum(v) * v; },
                              [](auto const&, auto const&, auto const& a) { return a; });
#endif
  tl::var<tl::vec<double, 2>> x{1.0, 2.0};
  return tl::gradient(tl::sum(twice(x)), x)[0] > 0 ? 0 : 1;
}
