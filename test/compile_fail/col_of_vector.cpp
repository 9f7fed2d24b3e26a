// tl::col of a vector: a column belongs to a matrix; the diagnostic shows the vector's shape.
// expect: tl::col\(e, j\): e must be a matrix
// expect: is_matrix_shape<(tapeless::)?shape<3(UL)?> ?>
#include <tapeless/tapeless.hpp>

int main() {
#ifdef TAPELESS_COMPILE_OK
  tl::var<tl::mat<double, 3, 1>> x{{1.0}, {2.0}, {3.0}};
#else
  tl::var<tl::vec<double, 3>> x{1.0, 2.0, 3.0};
#endif
  auto y = tl::sum(tl::col(x, 0));
  return tl::value(y) > 0 ? 0 : 1;
}
