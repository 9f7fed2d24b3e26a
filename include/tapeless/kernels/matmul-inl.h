// tapeless/kernels/matmul-inl.h: the two loops that matmul.hpp builds every product from, as Highway
// kernels for float and double, with their accumulators in registers:
//   rows_times  y_i += sum_p s_ip r_p for every row i (strided s, contiguous rows r_p and y_i): tiles of
//               up to four rows by four vectors of y stay in registers while p runs
//               (one row of y, a row vector times a matrix: row_sum, several rows of r at a time)
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

/// The rows of y a tile keeps in registers at once, with four vectors of each: 4 with the 32 vector
/// registers of AVX-512 (16 accumulators), 2 with the 16 of other x86 targets.
#if HWY_TARGET <= HWY_AVX3
inline constexpr std::size_t tile_rows = 4;
#else
inline constexpr std::size_t tile_rows = 2;
#endif

/// For i in [i0, i0 + R) and j in [j0, j0 + V*lanes(d)): y[i*ys + j] += sum_{p<k} s[i*si + p*sp] * r[p*rs + j].
/// R x V vectors of y stay in registers while p runs, and each load of r's row p serves R rows of y:
/// with one row at a time, y = a^T b (a matmul's adjoint with respect to its right operand) read all
/// of b once per row of y, from L2 for a 256 x 64 b, and ran at a third of the speed of a row-major
/// product.
template <std::size_t R, std::size_t V, class D, class T>
HWY_INLINE void rows_times_tile(D d, T* HWY_RESTRICT y, std::size_t ys, T const* HWY_RESTRICT s, std::size_t si,
                                std::size_t sp, T const* HWY_RESTRICT r, std::size_t rs, std::size_t i0,
                                std::size_t k, std::size_t j0) {
  std::size_t const lanes = hn::Lanes(d);
  hn::Vec<D> acc[R][V];
  for (std::size_t q = 0; q < R; ++q)
    for (std::size_t v = 0; v < V; ++v) acc[q][v] = hn::LoadU(d, y + (i0 + q) * ys + j0 + v * lanes);
  for (std::size_t p = 0; p < k; ++p) {
    hn::Vec<D> row[V];
    for (std::size_t v = 0; v < V; ++v) row[v] = hn::LoadU(d, r + p * rs + j0 + v * lanes);
    for (std::size_t q = 0; q < R; ++q) {
      auto const c = hn::Set(d, s[(i0 + q) * si + p * sp]);
      for (std::size_t v = 0; v < V; ++v) acc[q][v] = hn::MulAdd(c, row[v], acc[q][v]);
    }
  }
  for (std::size_t q = 0; q < R; ++q)
    for (std::size_t v = 0; v < V; ++v) hn::StoreU(acc[q][v], d, y + (i0 + q) * ys + j0 + v * lanes);
}

/// Every row of y for the columns [j0, j0 + V*lanes(d)): tiles of tile_rows rows, then one row at a time.
template <std::size_t V, class D, class T>
HWY_INLINE void rows_times_block(D d, T* HWY_RESTRICT y, std::size_t ys, T const* HWY_RESTRICT s, std::size_t si,
                                 std::size_t sp, T const* HWY_RESTRICT r, std::size_t rs, std::size_t n,
                                 std::size_t k, std::size_t j0) {
  std::size_t i = 0;
  for (; i + tile_rows <= n; i += tile_rows) rows_times_tile<tile_rows, V>(d, y, ys, s, si, sp, r, rs, i, k, j0);
  for (; i < n; ++i) rows_times_tile<1, V>(d, y, ys, s, si, sp, r, rs, i, k, j0);
}

/// y[j0 + j] += sum_{p<k} s[p*sp] * r[p*rs + j0 + j] for the V vectors j of one row of y, U rows of r
/// at a time, each with accumulators of its own. With one set, every multiply-add waited for the last
/// (a chain of k of them), and r's rows were read one vector column at a time: X^T a over a 65536 x 16
/// design matrix took longer than the rest of the logistic-regression gradient together.
template <std::size_t V, std::size_t U, class D, class T>
HWY_INLINE void row_sum_block(D d, T* HWY_RESTRICT y, T const* HWY_RESTRICT s, std::size_t sp, T const* HWY_RESTRICT r,
                              std::size_t rs, std::size_t k, std::size_t j0) {
  std::size_t const lanes = hn::Lanes(d);
  hn::Vec<D> acc[U][V];
  for (std::size_t u = 0; u < U; ++u)
    for (std::size_t v = 0; v < V; ++v) acc[u][v] = hn::Zero(d);
  std::size_t p = 0;
  for (; p + U <= k; p += U)
    for (std::size_t u = 0; u < U; ++u) {
      auto const c = hn::Set(d, s[(p + u) * sp]);
      for (std::size_t v = 0; v < V; ++v)
        acc[u][v] = hn::MulAdd(c, hn::LoadU(d, r + (p + u) * rs + j0 + v * lanes), acc[u][v]);
    }
  for (; p < k; ++p) {
    auto const c = hn::Set(d, s[p * sp]);
    for (std::size_t v = 0; v < V; ++v) acc[0][v] = hn::MulAdd(c, hn::LoadU(d, r + p * rs + j0 + v * lanes), acc[0][v]);
  }
  for (std::size_t v = 0; v < V; ++v) {
    auto total = acc[0][v];
    for (std::size_t u = 1; u < U; ++u) total = hn::Add(total, acc[u][v]);
    hn::StoreU(hn::Add(hn::LoadU(d, y + j0 + v * lanes), total), d, y + j0 + v * lanes);
  }
}

/// y[j] += sum_{p<k} s[p*sp] * r[p*rs + j] for every j < m: one row of y, the sum of k rows of r
/// (a matrix-vector product's adjoint X^T a, a row vector times a matrix). Up to four vectors of y
/// at once, so a narrow r (16 columns) is read row by row, once.
template <class T>
void row_sum(T* HWY_RESTRICT y, T const* HWY_RESTRICT s, std::size_t sp, T const* HWY_RESTRICT r, std::size_t rs,
             std::size_t k, std::size_t m) {
  hn::ScalableTag<T> const d;
  std::size_t const lanes = hn::Lanes(d);
  std::size_t j = 0;
  for (; j + 4 * lanes <= m; j += 4 * lanes) row_sum_block<4, 2>(d, y, s, sp, r, rs, k, j);
  switch ((m - j) / lanes) {
    case 3: row_sum_block<3, 2>(d, y, s, sp, r, rs, k, j); j += 3 * lanes; break;
    case 2: row_sum_block<2, 4>(d, y, s, sp, r, rs, k, j); j += 2 * lanes; break;
    case 1: row_sum_block<1, 4>(d, y, s, sp, r, rs, k, j); j += lanes; break;
    default: break;
  }
  hn::CappedTag<T, 1> const d1;
  for (; j < m; ++j) row_sum_block<1, 4>(d1, y, s, sp, r, rs, k, j);
}

/// For every i < n and j < m: y[i*ys + j] += sum_{p<k} s[i*si + p*sp] * r[p*rs + j].
template <class T>
void rows_times(T* HWY_RESTRICT y, std::size_t ys, T const* HWY_RESTRICT s, std::size_t si, std::size_t sp,
                T const* HWY_RESTRICT r, std::size_t rs, std::size_t n, std::size_t k, std::size_t m) {
  if (n == 1) {
    row_sum(y, s, sp, r, rs, k, m);
    return;
  }
  hn::ScalableTag<T> const d;
  std::size_t const lanes = hn::Lanes(d);
  std::size_t j = 0;
  for (; j + 4 * lanes <= m; j += 4 * lanes) rows_times_block<4>(d, y, ys, s, si, sp, r, rs, n, k, j);
  for (; j + lanes <= m; j += lanes) rows_times_block<1>(d, y, ys, s, si, sp, r, rs, n, k, j);
  hn::CappedTag<T, 1> const d1;
  for (; j < m; ++j) rows_times_block<1>(d1, y, ys, s, si, sp, r, rs, n, k, j);
}

// ---- a matrix-vector product inside the fused loops of expr/detail/fuse.hpp ----

/// Lane r: the dot product of row r of x (rows `stride` apart, k long) with v, for the lanes of d: one
/// chunk of the product x v, read straight from x's rows.
/// Short rows (up to four vectors: a design matrix's features) take one accumulator each, the rows
/// of the chunk running side by side; longer ones go through dot's four.
template <class D, class T = hn::TFromD<D>>
HWY_INLINE lanes<D> rows_dot(D d, T const* HWY_RESTRICT x, std::size_t stride, T const* HWY_RESTRICT v, std::size_t k) {
  hn::ScalableTag<T> const df;
  std::size_t const lanes_f = hn::Lanes(df);
  HWY_ALIGN T buf[HWY_MAX_BYTES / sizeof(T)];
  if (k >= 4 * lanes_f) {
    for (std::size_t r = 0, n = hn::Lanes(d); r < n; ++r) buf[r] = dot(x + r * stride, v, k);
  } else {
    std::size_t const kv = k - k % lanes_f;
    for (std::size_t r = 0, n = hn::Lanes(d); r < n; ++r) {
      T const* row = x + r * stride;
      auto acc = hn::Zero(df);
      for (std::size_t j = 0; j < kv; j += lanes_f) acc = hn::MulAdd(hn::LoadU(df, row + j), hn::LoadU(df, v + j), acc);
      T tail{};
      for (std::size_t j = kv; j < k; ++j) tail += row[j] * v[j];
      buf[r] = hn::GetLane(hn::SumOfLanes(df, acc)) + tail;
    }
  }
  return {hn::Load(d, buf)};
}

/// g[0, k) += sum_r (lane r of a) * row r of x: that chunk's adjoint with respect to v.
template <class D, class T = hn::TFromD<D>>
HWY_INLINE void add_rows_scaled(D d, lanes<D> a, T const* HWY_RESTRICT x, std::size_t stride, std::size_t k,
                                T* HWY_RESTRICT g) {
  HWY_ALIGN T buf[HWY_MAX_BYTES / sizeof(T)];
  hn::Store(a.v, d, buf);
  row_sum(g, buf, 1, x, stride, hn::Lanes(d), k);
}

/// Row r of y (rows `stride` apart) = (lane r of a) * v[0, k): that chunk's adjoint with respect to x.
template <class D, class T = hn::TFromD<D>>
HWY_INLINE void store_rows_scaled(D d, lanes<D> a, T const* HWY_RESTRICT v, std::size_t k, T* HWY_RESTRICT y,
                                  std::size_t stride) {
  HWY_ALIGN T buf[HWY_MAX_BYTES / sizeof(T)];
  hn::Store(a.v, d, buf);
  hn::ScalableTag<T> const df;
  std::size_t const lanes_f = hn::Lanes(df);
  for (std::size_t r = 0, n = hn::Lanes(d); r < n; ++r) {
    auto const c = hn::Set(df, buf[r]);
    T* row = y + r * stride;
    std::size_t j = 0;
    for (; j + lanes_f <= k; j += lanes_f) hn::StoreU(hn::Mul(c, hn::LoadU(df, v + j)), df, row + j);
    for (; j < k; ++j) row[j] = buf[r] * v[j];
  }
}

TAPELESS_KERNELS_END

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // TAPELESS_KERNELS_MATMUL_INL_H_
