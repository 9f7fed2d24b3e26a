// tl::constant_ref of a temporary would refer to a value gone before the expression is evaluated (a
// silent 0 before): refused, as std::cref refuses one, with what to write instead.
// expect: tl::constant_ref\(v\): v is a temporary
// expect: or use tl::constant\(v\) \(a copy\)
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::vec<double, 3>> x{1.0, 2.0, 3.0};
#ifdef TAPELESS_COMPILE_OK
  tl::vec<double, 3> const w{2.0, 2.0, 2.0};
  auto const c = tl::constant_ref(w);
#else
  auto const c = tl::constant_ref(tl::vec<double, 3>{2.0, 2.0, 2.0});
#endif
  return tl::value(tl::sum(c * x)) == 12.0 ? 0 : 1;
}
