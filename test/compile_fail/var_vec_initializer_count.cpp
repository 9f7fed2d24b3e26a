// A var of vec<3> given four elements.
// expect: tl::tensor/tl::vec initializer: the number of elements must equal the size of the shape
#include <tapeless/tapeless.hpp>

int main() {
#ifdef TAPELESS_COMPILE_OK
  tl::var<tl::vec<double, 3>> v{1.0, 2.0, 3.0};
#else
  tl::var<tl::vec<double, 3>> v{1.0, 2.0, 3.0, 4.0};
#endif
  return v.value()[1] == 2.0 ? 0 : 1;
}
