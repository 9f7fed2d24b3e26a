// The matmul kernels (kernels/matmul.hpp, matmul-inl.h) against plain loops in long double: the
// product, both adjoints and the accumulating product, for float and double, at extents that leave
// every tail (a tile's rows, a block's four vectors, one vector, single lanes) and with strided
// operands (the adjoint with respect to the right operand reads its left one column by column).
#define BOOST_TEST_MODULE kernels_matmul
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <tuple>
#include <vector>
#include <tapeless/kernels/matmul.hpp>

namespace {

namespace k = tapeless::detail::kernels;
using float_types = std::tuple<float, double>;

template <class T>
std::vector<T> numbers(std::size_t n, unsigned seed) {
  std::vector<T> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = T(std::sin(0.7 * double(i + 1) + seed) * 2 - 0.3);
  return v;
}

/// y (rows x cols) = sum_p a(i, p) b(p, j), where a(i, p) = a[i * ai + p * ap] and b(p, j) = b[p * bp + j]:
/// the value, and the sum of the absolute terms (the rounding bound's scale).
template <class T>
void reference(std::vector<long double>& y, std::vector<long double>& scale, std::vector<T> const& a, std::size_t ai,
               std::size_t ap, std::vector<T> const& b, std::size_t bp, std::size_t rows, std::size_t inner,
               std::size_t cols) {
  y.assign(rows * cols, 0);
  scale.assign(rows * cols, 0);
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t p = 0; p < inner; ++p)
      for (std::size_t j = 0; j < cols; ++j) {
        long double const t = static_cast<long double>(a[i * ai + p * ap]) * b[p * bp + j];
        y[i * cols + j] += t;
        scale[i * cols + j] += std::fabs(t);
      }
}

template <class T>
int mismatches(std::vector<T> const& got, std::vector<long double> const& want, std::vector<long double> const& scale,
               std::size_t inner, std::vector<T> const& start) {
  long double const eps = std::numeric_limits<T>::epsilon();
  int bad = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    long double const w = want[i] + (start.empty() ? 0 : start[i]);
    long double const bound = 2 * (inner + 2) * eps * (scale[i] + (start.empty() ? 0 : std::fabs(start[i])));
    if (!(std::fabs(got[i] - w) <= bound)) ++bad;
  }
  return bad;
}

std::vector<std::size_t> const extents{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 67};

}  // namespace

// y = a b, a (n x k), b (k x m).
BOOST_AUTO_TEST_CASE_TEMPLATE(product, T, float_types) {
  std::vector<long double> want, scale;
  for (std::size_t n : extents)
    for (std::size_t kk : extents)
      for (std::size_t m : extents) {
        auto const a = numbers<T>(n * kk, 1), b = numbers<T>(kk * m, 2);
        std::vector<T> y(n * m, T(99));  // overwritten
        k::matmul(y.data(), a.data(), b.data(), n, kk, m);
        reference(want, scale, a, kk, 1, b, m, n, kk, m);
        BOOST_TEST(mismatches(y, want, scale, kk, {}) == 0, "n " << n << " k " << kk << " m " << m);
        // Accumulating: y += a b.
        auto const start = numbers<T>(n * m, 3);
        std::vector<T> acc = start;
        k::matmul_add(acc.data(), a.data(), b.data(), n, kk, m);
        BOOST_TEST(mismatches(acc, want, scale, kk, start) == 0, "add: n " << n << " k " << kk << " m " << m);
      }
}

// The adjoints of y = a b for an incoming gy (n x m): ga += gy b^T (n x k), gb += a^T gy (k x m).
BOOST_AUTO_TEST_CASE_TEMPLATE(adjoints, T, float_types) {
  std::vector<long double> want, scale;
  for (std::size_t n : extents)
    for (std::size_t kk : extents)
      for (std::size_t m : extents) {
        auto const a = numbers<T>(n * kk, 4), b = numbers<T>(kk * m, 5), gy = numbers<T>(n * m, 6);
        auto const ga0 = numbers<T>(n * kk, 7), gb0 = numbers<T>(kk * m, 8);
        std::vector<T> ga = ga0, gb = gb0;
        k::matmul_adjoint_left(ga.data(), gy.data(), b.data(), n, kk, m);
        k::matmul_adjoint_right(gb.data(), gy.data(), a.data(), n, kk, m);
        // b^T (m x k): b^T(q, p) = b[p * m + q]; reference(gy (n x m), b^T) reads b^T(q, p) as b[q + p * m].
        std::vector<long double> w2, s2;
        want.assign(n * kk, 0);
        scale.assign(n * kk, 0);
        for (std::size_t i = 0; i < n; ++i)
          for (std::size_t p = 0; p < kk; ++p)
            for (std::size_t q = 0; q < m; ++q) {
              long double const t = static_cast<long double>(gy[i * m + q]) * b[p * m + q];
              want[i * kk + p] += t;
              scale[i * kk + p] += std::fabs(t);
            }
        BOOST_TEST(mismatches(ga, want, scale, m, ga0) == 0, "left: n " << n << " k " << kk << " m " << m);
        reference(w2, s2, a, 1, kk, gy, m, kk, n, m);  // a^T(p, i) = a[i * k + p]
        BOOST_TEST(mismatches(gb, w2, s2, n, gb0) == 0, "right: n " << n << " k " << kk << " m " << m);
      }
}
