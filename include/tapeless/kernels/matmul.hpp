// tapeless/kernels/matmul.hpp: the loops behind matmul and transpose, forward and adjoint.
// Every product is made of two loops, rows_times and dot: for float and double they are the Highway
// kernels of matmul-inl.h, for any other element type (duals) the plain loops here.
#pragma once

#include <cstddef>
#include <type_traits>

#include "matmul-inl.h"

namespace tapeless::detail::kernels {

template <class T>
inline constexpr bool simd_kernel_v = std::is_same_v<T, float> || std::is_same_v<T, double>;

/// For every i < n and j < m: y[i*ys + j] += sum_{p<k} s[i*si + p*sp] * r[p*rs + j].
template <class T>
void rows_times(T* y, std::size_t ys, T const* s, std::size_t si, std::size_t sp, T const* r, std::size_t rs,
                std::size_t n, std::size_t k, std::size_t m) {
  if constexpr (simd_kernel_v<T>) {
    HWY_NAMESPACE::rows_times(y, ys, s, si, sp, r, rs, n, k, m);
  } else {
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t p = 0; p < k; ++p) {
        T const c = s[i * si + p * sp];
        for (std::size_t j = 0; j < m; ++j) y[i * ys + j] += c * r[p * rs + j];
      }
  }
}

/// The dot product of x[0..n) and z[0..n).
template <class T>
T dot(T const* x, T const* z, std::size_t n) {
  if constexpr (simd_kernel_v<T>) {
    return HWY_NAMESPACE::dot(x, z, n);
  } else {
    T acc{};
    for (std::size_t i = 0; i < n; ++i) acc += x[i] * z[i];
    return acc;
  }
}

// The products, row-major throughout. The outputs never alias the inputs (they are fresh buffers).

/// y (n x m) += a (n x k) * b (k x m).
template <class T>
void matmul_add(T* y, T const* a, T const* b, std::size_t n, std::size_t k, std::size_t m) {
  if (m == 1) {
    for (std::size_t i = 0; i < n; ++i) y[i] += dot(a + i * k, b, k);  // a matrix times a vector
  } else {
    rows_times(y, m, a, k, 1, b, m, n, k, m);  // y_i += sum_p a_ip b_p
  }
}

/// y (n x m) = a (n x k) * b (k x m).
template <class T>
void matmul(T* y, T const* a, T const* b, std::size_t n, std::size_t k, std::size_t m) {
  for (std::size_t i = 0; i < n * m; ++i) y[i] = T{};
  matmul_add(y, a, b, n, k, m);
}

/// ga (n x k) += gy (n x m) * b^T, the adjoint of a in y = a b.
template <class T>
void matmul_adjoint_left(T* ga, T const* gy, T const* b, std::size_t n, std::size_t k, std::size_t m) {
  if (m == 1) {
    rows_times(ga, k, gy, 1, 1, b, k, n, 1, k);  // ga_i += gy_i b^T, and b^T is one contiguous row
  } else {
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t p = 0; p < k; ++p) ga[i * k + p] += dot(gy + i * m, b + p * m, m);
  }
}

/// gb (k x m) += a^T * gy (n x m), the adjoint of b in y = a b.
template <class T>
void matmul_adjoint_right(T* gb, T const* gy, T const* a, std::size_t n, std::size_t k, std::size_t m) {
  if (m == 1) {
    rows_times(gb, k, gy, 0, 1, a, k, 1, n, k);  // gb^T += sum_i gy_i a_i: one output row, in registers
  } else {
    rows_times(gb, m, a, 1, k, gy, m, k, n, m);  // gb_p += sum_i a_ip gy_i
  }
}

/// y (c x r) = x (r x c)^T.
template <class T>
void transpose(T* y, T const* x, std::size_t r, std::size_t c) {
  for (std::size_t i = 0; i < r; ++i)
    for (std::size_t j = 0; j < c; ++j) y[j * r + i] = x[i * c + j];
}

}  // namespace tapeless::detail::kernels

