// tapeless/kernels/tangent-inl.h: the tangent lanes of tl::dual<T, N>. Every operation on a dual
// updates its N tangents by one of a few patterns (a sum, a difference, a negated or scaled copy, a
// linear combination, the quotient rule, an accumulated product), each a loop over the lanes. For
// float and double these functions run it in Highway vectors of up to N lanes, with a scalar loop for
// the lanes left over; for nested duals, for N = 1 and in constant evaluation, the scalar loop does
// all the lanes. So each rule of dual.hpp states its tangent update once, here.
//
// Highway's static dispatch, as in simd-inl.h: the code is compiled for the target the compiler
// flags allow (AVX-512 under -march=native here, Highway's baseline without flags). The vector part
// multiplies and adds separately (no fused multiply-add), as the leftover lanes and the plain loops
// of nested duals do, so a tangent is the same number on every target and in every lane: a tangent
// that cancels to exactly zero in one stays zero in all (pow's log term depends on that).
//
// Per-target include guard (Highway's convention for -inl.h headers).
#if defined(TAPELESS_KERNELS_TANGENT_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef TAPELESS_KERNELS_TANGENT_INL_H_
#undef TAPELESS_KERNELS_TANGENT_INL_H_
#else
#define TAPELESS_KERNELS_TANGENT_INL_H_
#endif

#include <cstddef>
#include <type_traits>

#include "highway.h"

TAPELESS_KERNELS_BEGIN

/// The lanes of T in one vector of the target compiled for (tl::simd_lanes_v): exact where the width
/// is fixed, Highway's upper bound where it is known only at run time (SVE, RVV).
template <class T>
inline constexpr std::size_t vector_lanes = hn::MaxLanes(hn::ScalableTag<T>());

/// Runs vec(d, k) over the full vectors of N lanes (float and double, N >= 2, at run time) and one(k)
/// over the lanes left over (all of them otherwise).
template <class T, std::size_t N, class Vec, class One>
HWY_INLINE constexpr void tangent_lanes(Vec const& vec, One const& one) {
  std::size_t full = 0;
  if constexpr (std::is_floating_point_v<T> && N >= 2) {
    if (!std::is_constant_evaluated()) {
      hn::CappedTag<T, N> const d;
      std::size_t const L = hn::Lanes(d);
      // The end of the full vectors computed first: written as `k + L <= N` the loops made GCC warn
      // about a leftover loop it could not see was empty (-Waggressive-loop-optimizations).
      full = N - N % L;
      for (std::size_t k = 0; k < full; k += L) vec(d, k);
    }
  }
  for (std::size_t k = full; k < N; ++k) one(k);
}

/// r = -x.
template <std::size_t N, class T>
HWY_INLINE constexpr void tangent_neg(T const* x, T* r) {
  tangent_lanes<T, N>([&](auto d, std::size_t k) { hn::StoreU(hn::Neg(hn::LoadU(d, x + k)), d, r + k); },
                      [&](std::size_t k) { r[k] = -x[k]; });
}
/// r = x + y.
template <std::size_t N, class T>
HWY_INLINE constexpr void tangent_add(T const* x, T const* y, T* r) {
  tangent_lanes<T, N>([&](auto d, std::size_t k) { hn::StoreU(hn::Add(hn::LoadU(d, x + k), hn::LoadU(d, y + k)), d, r + k); },
                      [&](std::size_t k) { r[k] = x[k] + y[k]; });
}
/// r = x - y.
template <std::size_t N, class T>
HWY_INLINE constexpr void tangent_sub(T const* x, T const* y, T* r) {
  tangent_lanes<T, N>([&](auto d, std::size_t k) { hn::StoreU(hn::Sub(hn::LoadU(d, x + k), hn::LoadU(d, y + k)), d, r + k); },
                      [&](std::size_t k) { r[k] = x[k] - y[k]; });
}
/// r = a x.
template <std::size_t N, class T>
HWY_INLINE constexpr void tangent_scale(T a, T const* x, T* r) {
  tangent_lanes<T, N>([&](auto d, std::size_t k) { hn::StoreU(hn::Mul(hn::Set(d, a), hn::LoadU(d, x + k)), d, r + k); },
                      [&](std::size_t k) { r[k] = a * x[k]; });
}
/// r = a x + b y (the product rule, pow).
template <std::size_t N, class T>
HWY_INLINE constexpr void tangent_axpby(T a, T const* x, T b, T const* y, T* r) {
  tangent_lanes<T, N>(
      [&](auto d, std::size_t k) {
        hn::StoreU(hn::Add(hn::Mul(hn::Set(d, a), hn::LoadU(d, x + k)), hn::Mul(hn::Set(d, b), hn::LoadU(d, y + k))), d,
                   r + k);
      },
      [&](std::size_t k) { r[k] = a * x[k] + b * y[k]; });
}
/// r += a x (products accumulated in place: matmul and dot on duals).
template <std::size_t N, class T>
HWY_INLINE constexpr void tangent_muladd(T a, T const* x, T* r) {
  tangent_lanes<T, N>(
      [&](auto d, std::size_t k) { hn::StoreU(hn::Add(hn::LoadU(d, r + k), hn::Mul(hn::Set(d, a), hn::LoadU(d, x + k))), d, r + k); },
      [&](std::size_t k) { r[k] += a * x[k]; });
}
/// r = (x - q y) / b (the quotient rule, with q the quotient's value).
template <std::size_t N, class T>
HWY_INLINE constexpr void tangent_quotient(T const* x, T q, T const* y, T b, T* r) {
  tangent_lanes<T, N>(
      [&](auto d, std::size_t k) {
        hn::StoreU(hn::Div(hn::Sub(hn::LoadU(d, x + k), hn::Mul(hn::Set(d, q), hn::LoadU(d, y + k))), hn::Set(d, b)), d,
                   r + k);
      },
      [&](std::size_t k) { r[k] = (x[k] - q * y[k]) / b; });
}

TAPELESS_KERNELS_END

#endif  // include guard
