// tapeless/kernels/matmul-inl.h: the two loops that matmul.hpp builds every product from, as Highway
// kernels for float and double, with their accumulators in registers:
//   rows_times  y_i += sum_p s_ip r_p for every row i (strided s, contiguous rows r_p and y_i): up to
//               four vectors of y_i stay in registers while p runs
//   dot         of two contiguous rows, four accumulators
// Tails run with a one-lane descriptor, so every size is handled by the same code.
// Per-target include guard (Highway's convention for -inl.h headers).
#if defined(TAPELESS_KERNELS_MATMUL_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef TAPELESS_KERNELS_MATMUL_INL_H_
#undef TAPELESS_KERNELS_MATMUL_INL_H_
#else
#define TAPELESS_KERNELS_MATMUL_INL_H_
#endif

#include <cstddef>

#include "simd-inl.h"

// GCC at -O3 inlines these into callers with static extents and then reports loop iterations
// it cannot reach (around 2^61, where the index overflows) as undefined behaviour, and full-width
// loads from a small static operand (a tl::vec<double, 4> times a tl::dmat's adjoint) on a path that
// matmul.hpp runs only for 8 columns and more: nothing runs there, and the warnings broke a user's
// -O3 -Werror build. The kernels run under AddressSanitizer in the tests.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Waggressive-loop-optimizations"
#pragma GCC diagnostic ignored "-Warray-bounds"
#endif

TAPELESS_KERNELS_BEGIN

/// The dot product of x[0..n) and z[0..n).
template <class T>
HWY_INLINE T dot(T const* HWY_RESTRICT x, T const* HWY_RESTRICT z, std::size_t n) {
  hn::ScalableTag<T> const d;
  std::size_t const lanes = hn::Lanes(d);
  auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
  std::size_t i = 0;
  for (; i + 4 * lanes <= n; i += 4 * lanes) {
    a0 = hn::MulAdd(hn::LoadU(d, x + i), hn::LoadU(d, z + i), a0);
    a1 = hn::MulAdd(hn::LoadU(d, x + i + lanes), hn::LoadU(d, z + i + lanes), a1);
    a2 = hn::MulAdd(hn::LoadU(d, x + i + 2 * lanes), hn::LoadU(d, z + i + 2 * lanes), a2);
    a3 = hn::MulAdd(hn::LoadU(d, x + i + 3 * lanes), hn::LoadU(d, z + i + 3 * lanes), a3);
  }
  for (; i + lanes <= n; i += lanes) a0 = hn::MulAdd(hn::LoadU(d, x + i), hn::LoadU(d, z + i), a0);
  T tail{};
  for (; i < n; ++i) tail += x[i] * z[i];
  return hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3)))) + tail;
}

/// For every i < n: y[i*ys + j] += sum_{p<k} s[i*si + p*sp] * r[p*rs + j], for j in [j0, j0 + V*lanes(d)):
/// V vectors of y's row in registers while p runs.
template <std::size_t V, class D, class T>
HWY_INLINE void rows_times_block(D d, T* HWY_RESTRICT y, std::size_t ys, T const* HWY_RESTRICT s, std::size_t si,
                                 std::size_t sp, T const* HWY_RESTRICT r, std::size_t rs, std::size_t n,
                                 std::size_t k, std::size_t j0) {
  std::size_t const lanes = hn::Lanes(d);
  for (std::size_t i = 0; i < n; ++i) {
    hn::Vec<D> acc[V];
    for (std::size_t v = 0; v < V; ++v) acc[v] = hn::LoadU(d, y + i * ys + j0 + v * lanes);
    for (std::size_t p = 0; p < k; ++p) {
      auto const c = hn::Set(d, s[i * si + p * sp]);
      for (std::size_t v = 0; v < V; ++v) acc[v] = hn::MulAdd(c, hn::LoadU(d, r + p * rs + j0 + v * lanes), acc[v]);
    }
    for (std::size_t v = 0; v < V; ++v) hn::StoreU(acc[v], d, y + i * ys + j0 + v * lanes);
  }
}

/// For every i < n and j < m: y[i*ys + j] += sum_{p<k} s[i*si + p*sp] * r[p*rs + j].
template <class T>
void rows_times(T* HWY_RESTRICT y, std::size_t ys, T const* HWY_RESTRICT s, std::size_t si, std::size_t sp,
                T const* HWY_RESTRICT r, std::size_t rs, std::size_t n, std::size_t k, std::size_t m) {
  hn::ScalableTag<T> const d;
  std::size_t const lanes = hn::Lanes(d);
  std::size_t j = 0;
  for (; j + 4 * lanes <= m; j += 4 * lanes) rows_times_block<4>(d, y, ys, s, si, sp, r, rs, n, k, j);
  for (; j + lanes <= m; j += lanes) rows_times_block<1>(d, y, ys, s, si, sp, r, rs, n, k, j);
  hn::CappedTag<T, 1> const d1;
  for (; j < m; ++j) rows_times_block<1>(d1, y, ys, s, si, sp, r, rs, n, k, j);
}

TAPELESS_KERNELS_END

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // TAPELESS_KERNELS_MATMUL_INL_H_
