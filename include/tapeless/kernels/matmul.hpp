// tapeless/kernels/matmul.hpp: the loops behind matmul and transpose, forward and adjoint.
// Every product is made of two loops, rows_times and dot: for float and double they are the Highway
// kernels of matmul-inl.h, for any other element type (duals) the plain loops here. The operands may
// differ in element type where one is a constant of plain reals and the other holds duals (a matrix
// of doubles times a vector of duals): the reals then scale the duals' tangents, and no matrix of
// duals with zero tangents is ever made.
#pragma once

#include <cstddef>
#include <type_traits>

#include "matmul-inl.h"

namespace tapeless::detail::kernels {

template <class T>
inline constexpr bool simd_kernel_v = std::is_same_v<T, float> || std::is_same_v<T, double>;
template <class Y, class A, class B>
inline constexpr bool simd_kernels_v = simd_kernel_v<Y> && std::is_same_v<Y, A> && std::is_same_v<Y, B>;

/// acc += a * b; tl::dual overrides it with an in-place multiply-add (a hidden friend).
template <class Acc, class A, class B>
void multiply_add(Acc& acc, A const& a, B const& b) {
  acc += a * b;
}

/// For every i < n and j < m: y[i*ys + j] += sum_{p<k} s[i*si + p*sp] * r[p*rs + j].
/// Below this many elements a row or a dot product runs the plain loop: the kernels' setup (several
/// accumulators, a reduction across lanes) costs more than they save on a vec<4>.
inline constexpr std::size_t small_loop = 8;

template <class T, class S, class R>
void rows_times(T* y, std::size_t ys, S const* s, std::size_t si, std::size_t sp, R const* r, std::size_t rs,
                std::size_t n, std::size_t k, std::size_t m) {
  if constexpr (simd_kernels_v<T, S, R>) {
    if (m >= small_loop) {
      HWY_NAMESPACE::rows_times(y, ys, s, si, sp, r, rs, n, k, m);
      return;
    }
  }
  {
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t p = 0; p < k; ++p) {
        S const c = s[i * si + p * sp];
        for (std::size_t j = 0; j < m; ++j) multiply_add(y[i * ys + j], c, r[p * rs + j]);
      }
  }
}

/// The dot product of x[0..n) and z[0..n), in T (the wider of the two element types).
template <class T, class X, class Z>
T dot(X const* x, Z const* z, std::size_t n) {
  if constexpr (simd_kernels_v<T, X, Z>) {
    if (n >= small_loop) return HWY_NAMESPACE::dot(x, z, n);
  }
  {
    T acc{};
    for (std::size_t i = 0; i < n; ++i) multiply_add(acc, x[i], z[i]);
    return acc;
  }
}

// The products, row-major throughout. The outputs never alias the inputs (they are fresh buffers).

/// y (n x m) += a (n x k) * b (k x m).
template <class T, class A, class B>
void matmul_add(T* y, A const* a, B const* b, std::size_t n, std::size_t k, std::size_t m) {
  if (m == 1) {
    for (std::size_t i = 0; i < n; ++i) y[i] += dot<T>(a + i * k, b, k);  // a matrix times a vector
  } else {
    rows_times(y, m, a, k, 1, b, m, n, k, m);  // y_i += sum_p a_ip b_p
  }
}

/// y (n x m) = a (n x k) * b (k x m).
template <class T, class A, class B>
void matmul(T* y, A const* a, B const* b, std::size_t n, std::size_t k, std::size_t m) {
  for (std::size_t i = 0; i < n * m; ++i) y[i] = T{};
  matmul_add(y, a, b, n, k, m);
}

/// ga (n x k) += gy (n x m) * b^T, the adjoint of a in y = a b.
template <class T, class G, class B>
void matmul_adjoint_left(T* ga, G const* gy, B const* b, std::size_t n, std::size_t k, std::size_t m) {
  if (m == 1) {
    rows_times(ga, k, gy, 1, 1, b, k, n, 1, k);  // ga_i += gy_i b^T, and b^T is one contiguous row
  } else {
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t p = 0; p < k; ++p) ga[i * k + p] += dot<T>(gy + i * m, b + p * m, m);
  }
}

/// gb (k x m) += a^T * gy (n x m), the adjoint of b in y = a b.
template <class T, class G, class A>
void matmul_adjoint_right(T* gb, G const* gy, A const* a, std::size_t n, std::size_t k, std::size_t m) {
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

