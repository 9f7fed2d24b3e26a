// tl::hessian of a structure of outputs: only tl::grad sums a structure, and the message says so.
// expect: tl::hessian\(f\): f returns a boost::hana::tuple of outputs; only tl::grad sums a structure of outputs: return one expression
#include <tapeless/tapeless.hpp>

int main() {
  auto f = [](auto const& x) {
#ifdef TAPELESS_COMPILE_OK
    return tl::sum(x * x) + tl::sum(tl::exp(x));
#else
    return boost::hana::make_tuple(tl::sum(x * x), tl::sum(tl::exp(x)));
#endif
  };
  tl::vec<double, 2> x{0.5, 1.0};
  auto const H = tl::hessian(f)(x);
  return H(0, 0) > 0 ? 0 : 1;
}
