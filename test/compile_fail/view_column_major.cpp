// A column-major Eigen matrix (Eigen's default) read row by row would be its transpose: refused at
// compile time, naming the function called and the row-major layout to use. Eigen is recognised by its
// members, so this case uses a stand-in with Eigen's members and needs no Eigen.
// expect: column-major Eigen matrix
// expect: Eigen::RowMajor
// expect: called::var_view
#include <tapeless/tapeless.hpp>

template <bool RowMajor>
struct eigen_like_matrix {  // what tapeless reads of an Eigen::Matrix<double, 2, 2[, Eigen::RowMajor]>
  using Scalar = double;
  enum { IsRowMajor = RowMajor, RowsAtCompileTime = 2, ColsAtCompileTime = 2 };
  double d[4] = {1.0, 3.0, 2.0, 4.0};
  double const* data() const { return d; }
  long rows() const { return 2; }
  long cols() const { return 2; }
  long innerStride() const { return 1; }
  long outerStride() const { return 2; }
};

int main() {
#ifdef TAPELESS_COMPILE_OK
  eigen_like_matrix<true> m;
#else
  eigen_like_matrix<false> m;
#endif
  auto const v = tl::var_view(m);
  return tl::value(v(0, 1)) == 3.0 ? 0 : 1;
}
