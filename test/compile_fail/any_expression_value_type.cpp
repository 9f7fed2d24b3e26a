// A vector expression kept where a scalar one was declared.
// expect: tl::any_expression<V>: the expression's value type must be V
#include <tapeless/tapeless.hpp>

int main() {
  tl::var<tl::dvec<double>> w{1.0, 2.0};
#ifdef TAPELESS_COMPILE_OK
  tl::any_expression<double> loss = tl::sum(w * w);
#else
  tl::any_expression<double> loss = w * w;
#endif
  return tl::value(loss) == 5.0 ? 0 : 1;
}
