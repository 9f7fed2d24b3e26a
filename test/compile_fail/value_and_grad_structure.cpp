// Only tl::grad sums a structure of outputs (tf.gradients' rule); value_and_grad says so and names grad.
// expect: tl::value_and_grad\(f\): f returns a boost::hana::tuple of outputs; only tl::grad sums a structure of outputs: return one expression
#include <tapeless/tapeless.hpp>

int main() {
  auto f = [](auto const& t) {
#ifdef TAPELESS_COMPILE_OK
    return t * 2.0 + tl::square(t);
#else
    return boost::hana::make_tuple(t * 2.0, tl::square(t));
#endif
  };
  auto const [v, g] = tl::value_and_grad(f)(0.5);
  return g > 0 ? 0 : 1;
}
