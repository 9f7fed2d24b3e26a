// A tl::let cannot be in an array-valued statement (it keeps per-sweep state, and the statement is
// replayed at the gradient): the message says to give the let's expression an active of its own.
// expect: a tl::let or tl::scan cannot be in an array-valued statement
// expect: assign the let's expression to an active of its own
#include <tapeless/tapeless.hpp>

int main() {
  tl::active<tl::dvec<double>> x = tl::dvec<double>{1.0, 2.0};
#ifdef TAPELESS_COMPILE_OK
  tl::active<tl::dvec<double>> const l = x * x;
#else
  auto const l = tl::let(x * x);
#endif
  tl::active<tl::dvec<double>> const y = l + x;
  return y.value()[1] == 6.0 ? 0 : 1;
}
