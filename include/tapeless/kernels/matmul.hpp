// tapeless/kernels/matmul.hpp: the scalar loops behind matmul and transpose, forward and adjoint.
// Any element type (float, double, duals). SIMD-blocked kernels for float and double come next to them.
#pragma once

#include <cstddef>

namespace tapeless::detail::kernels {

/// y (n x m) += a (n x k) * b (k x m), all row-major.
template <class T>
void matmul_add(T* y, T const* a, T const* b, std::size_t n, std::size_t k, std::size_t m) {
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t p = 0; p < k; ++p) {
      T const aip = a[i * k + p];
      for (std::size_t j = 0; j < m; ++j) y[i * m + j] += aip * b[p * m + j];
    }
}

/// y (n x m) = a (n x k) * b (k x m), all row-major.
template <class T>
void matmul(T* y, T const* a, T const* b, std::size_t n, std::size_t k, std::size_t m) {
  for (std::size_t i = 0; i < n * m; ++i) y[i] = T{};
  matmul_add(y, a, b, n, k, m);
}

/// ga (n x k) += gy (n x m) * b^T, the adjoint of a in y = a b.
template <class T>
void matmul_adjoint_left(T* ga, T const* gy, T const* b, std::size_t n, std::size_t k, std::size_t m) {
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t p = 0; p < k; ++p) {
      T acc{};
      for (std::size_t j = 0; j < m; ++j) acc += gy[i * m + j] * b[p * m + j];
      ga[i * k + p] += acc;
    }
}

/// gb (k x m) += a^T * gy (n x m), the adjoint of b in y = a b.
template <class T>
void matmul_adjoint_right(T* gb, T const* gy, T const* a, std::size_t n, std::size_t k, std::size_t m) {
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t p = 0; p < k; ++p) {
      T const aip = a[i * k + p];
      for (std::size_t j = 0; j < m; ++j) gb[p * m + j] += aip * gy[i * m + j];
    }
}

/// y (c x r) = x (r x c)^T.
template <class T>
void transpose(T* y, T const* x, std::size_t r, std::size_t c) {
  for (std::size_t i = 0; i < r; ++i)
    for (std::size_t j = 0; j < c; ++j) y[j * r + i] = x[i * c + j];
}

}  // namespace tapeless::detail::kernels
