// A vec<3> given one element (a fill value is not an initializer): the same message as for two.
// expect: tl::tensor/tl::vec initializer: the number of elements must equal the size of the shape
#include <tapeless/tapeless.hpp>

int main() {
#ifdef TAPELESS_COMPILE_OK
  tl::vec<double, 3> v{1.0, 1.0, 1.0};
#else
  tl::vec<double, 3> v{1.0};
#endif
  return v[2] == 1.0 ? 0 : 1;
}
