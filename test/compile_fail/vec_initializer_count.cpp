// A vec<3> given two elements.
// expect: tl::tensor/tl::vec initializer: the number of elements must equal the size of the shape
#include <tapeless/tapeless.hpp>

int main() {
#ifdef TAPELESS_COMPILE_OK
  tl::vec<double, 3> v{1.0, 2.0, 0.0};
#else
  tl::vec<double, 3> v{1.0, 2.0};
#endif
  return v[1] == 2.0 ? 0 : 1;
}
