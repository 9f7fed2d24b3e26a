// tapeless/kernels/simd-inl.h: SIMD lanes that the op rules of expr/ops.hpp accept as an element type.
//
// `lanes<D>` wraps a Highway vector for the descriptor D and gives it the arithmetic, comparisons
// (masks), select() and elementary functions that the rules call, so one rule serves scalars, duals and
// SIMD chunks. Highway's static dispatch: the code is compiled for the target the compiler flags allow
// (-march=native gives AVX-512 here); without flags it is Highway's scalar target and still correct.
//
// Every elementary function keeps std::'s results outside the range where Highway's version is
// specified (and for NaN and infinity): there it falls back to std:: lane by lane, so no result depends
// on the SIMD target beyond the rounding stated below. Accuracy inside the range (Highway 1.0.3's
// contract, checked against std:: by test/kernels/ulp.cpp):
//
//   function  lane types       max error        range where Highway's version is used (else std::)
//   exp       float32, float64 1 ULP            float32 [-FLT_MAX, 88], float64 [-DBL_MAX, 706]
//   expm1     float32, float64 4 ULP            float32 [-FLT_MAX, 88], float64 [-DBL_MAX, 706]
//   log       float32, float64 4 ULP            [MIN, +MAX] (normal numbers)
//   log2      float32, float64 2 ULP            [MIN, +MAX] (normal numbers)
//   log10     float32, float64 2 ULP            [MIN, +MAX] (normal numbers)
//   log1p     float32, float64 2 ULP            [0, +MAX], finite
//   sin, cos  float32, float64 3 ULP            [-39000, +39000]
//   asin,acos float32, float64 2 ULP            [-1, +1]
//   atan      float32, float64 3 ULP            all finite
//   sinh      float32, float64 4 ULP            float32 [-88.7228, +88.7228], float64 [-709, +709]
//   tanh      float32, float64 4 ULP            all finite
//   asinh     float32, float64 3 ULP            all finite
//   acosh     float32, float64 3 ULP            [1, +MAX]
//   atanh     float32, float64 3 ULP            (-1, +1)
//   sqrt, abs float32, float64 exact            all
//   tan, pow, cosh  std::'s                     std:: lane by lane (Highway 1.0.3 has none of them)
//
// Per-target include guard (Highway's convention for -inl.h headers).
#if defined(TAPELESS_KERNELS_SIMD_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef TAPELESS_KERNELS_SIMD_INL_H_
#undef TAPELESS_KERNELS_SIMD_INL_H_
#else
#define TAPELESS_KERNELS_SIMD_INL_H_
#endif

#include <cmath>
#include <cstddef>
#include <limits>
#include <type_traits>
#include <utility>

#include "highway.h"  // first: it configures Highway

#include <hwy/contrib/math/math-inl.h>

TAPELESS_KERNELS_BEGIN

template <class D>
struct lanes {
  hn::Vec<D> v = hn::Zero(D());
};
template <class D>
struct lanes_mask {
  hn::Mask<D> m;
};

/// The number type of descriptor D's lanes.
template <class D>
using lane_type = hn::TFromD<D>;

template <class D>
HWY_INLINE lanes<D> splat(D d, hn::TFromD<D> x) {
  return {hn::Set(d, x)};
}

/// Loads, stores and lane sums of the lanes type: what the fused loops of expr/detail/fuse.hpp need from
/// Highway, so that the expression layer names no Highway function.
template <class D>
HWY_INLINE lanes<D> load(D d, hn::TFromD<D> const* p) {
  return {hn::LoadU(d, p)};
}
template <class D>
HWY_INLINE void store(lanes<D> a, D d, hn::TFromD<D>* p) {
  hn::StoreU(a.v, d, p);
}
/// p[0, lanes) += a.
template <class D>
HWY_INLINE void add_into(lanes<D> a, D d, hn::TFromD<D>* p) {
  hn::StoreU(hn::Add(hn::LoadU(d, p), a.v), d, p);
}
/// The sum of the lanes of a.
template <class D>
HWY_INLINE hn::TFromD<D> sum_of_lanes(D d, lanes<D> a) {
  return hn::GetLane(hn::SumOfLanes(d, a.v));
}
/// The number of lanes of descriptor d.
template <class D>
HWY_INLINE std::size_t lane_count(D d) {
  return hn::Lanes(d);
}
/// Lane k from p[at(k)]: an operand broadcast over a result, read at the result's flat indices.
template <class D, class At>
HWY_INLINE lanes<D> load_at(D d, hn::TFromD<D> const* p, At const& at) {
  HWY_ALIGN hn::TFromD<D> buf[HWY_MAX_BYTES / sizeof(hn::TFromD<D>)];
  for (std::size_t k = 0, n = hn::Lanes(d); k < n; ++k) buf[k] = p[at(k)];
  return {hn::Load(d, buf)};
}
/// p[at(k)] += lane k of a (the adjoint of such an operand; several lanes may add to one element).
template <class D, class At>
HWY_INLINE void add_at(lanes<D> a, D d, hn::TFromD<D>* p, At const& at) {
  HWY_ALIGN hn::TFromD<D> buf[HWY_MAX_BYTES / sizeof(hn::TFromD<D>)];
  hn::Store(a.v, d, buf);
  for (std::size_t k = 0, n = hn::Lanes(d); k < n; ++k) p[at(k)] += buf[k];
}

// ---- the loop driver ---------------------------------------------------------------------------

/// Which part of a loop a chunk is in: slot 0 and 1 are full SIMD chunks, taken in turn (two sets of
/// accumulators, so that consecutive additions do not wait on each other), slot 2 the tail.
template <int K>
using slot = std::integral_constant<int, K>;

/// The descriptors of the loops over float or double: full chunks, and one lane for the tail.
template <class T>
using full_tag = hn::ScalableTag<T>;
template <class T>
using tail_tag = hn::CappedTag<T, 1>;

/// The one loop of the fused kernels: body(d, i, slot) for each full chunk at flat index i of
/// [0, n), in pairs, then body(d1, i, slot<2>) for each element of the tail with a one-lane
/// descriptor, so the same code and the same rules serve the tail: no masks, no loads past the end.
template <class T, class Body>
HWY_INLINE void for_each_chunk(std::size_t n, Body&& body) {
  full_tag<T> const d;
  tail_tag<T> const d1;
  std::size_t const w = hn::Lanes(d);
  // The ends first: written as `i + w <= n`, GCC at -O3 warned that a tail it could not see was empty
  // (static n) would overflow (-Waggressive-loop-optimizations).
  std::size_t const pairs = n - n % (2 * w);
  std::size_t const full = n - n % w;
  std::size_t i = 0;
  for (; i < pairs; i += 2 * w) {
    body(d, i, slot<0>{});
    body(d, i + w, slot<1>{});
  }
  if (i < full) body(d, i, slot<0>{});
  for (i = full; i < n; ++i) body(d1, i, slot<2>{});
}

/// for_each_chunk over the elements [first, last) (body gets their flat indices): one block of a
/// longer loop, run in blocks (a let run inside a root's loop: expr/detail/fuse.hpp).
template <class T, class Body>
HWY_INLINE void for_each_chunk_in(std::size_t first, std::size_t last, Body&& body) {
  full_tag<T> const d;
  tail_tag<T> const d1;
  std::size_t const w = hn::Lanes(d);
  std::size_t const n = last - first;
  std::size_t const pairs = first + (n - n % (2 * w));
  std::size_t const full = first + (n - n % w);
  std::size_t i = first;
  for (; i < pairs; i += 2 * w) {
    body(d, i, slot<0>{});
    body(d, i + w, slot<1>{});
  }
  if (i < full) body(d, i, slot<0>{});
  for (i = full; i < last; ++i) body(d1, i, slot<2>{});
}

/// One Make<D> per slot of for_each_chunk (accumulators): `set[slot]` is the one for that slot.
template <class T, template <class> class Make>
struct per_slot {
  Make<full_tag<T>> first{}, second{};
  Make<tail_tag<T>> tail{};
  template <int K>
  HWY_INLINE auto& operator[](slot<K>) {
    if constexpr (K == 0)
      return first;
    else if constexpr (K == 1)
      return second;
    else
      return tail;
  }
};

// ---- arithmetic: lanes with lanes, and with plain numbers (as the rules write 1 + y * y) ---------
// OP of lanes with lanes and with a plain number on either side, giving R (lanes or a mask).
#define TAPELESS_LANES_OPERATOR(R, OP, FN)                                                     \
  template <class D>                                                                           \
  HWY_INLINE R<D> operator OP(lanes<D> a, lanes<D> b) {                                        \
    return {hn::FN(a.v, b.v)};                                                                 \
  }                                                                                            \
  template <class D, class U>                                                                  \
    requires std::is_arithmetic_v<U>                                                           \
  HWY_INLINE R<D> operator OP(lanes<D> a, U b) {                                               \
    return {hn::FN(a.v, hn::Set(D(), static_cast<hn::TFromD<D>>(b)))};                         \
  }                                                                                            \
  template <class D, class U>                                                                  \
    requires std::is_arithmetic_v<U>                                                           \
  HWY_INLINE R<D> operator OP(U a, lanes<D> b) {                                               \
    return {hn::FN(hn::Set(D(), static_cast<hn::TFromD<D>>(a)), b.v)};                         \
  }
#define TAPELESS_LANES_BINARY(OP, FN)                                                          \
  TAPELESS_LANES_OPERATOR(lanes, OP, FN)                                                       \
  template <class D, class U>                                                                  \
  HWY_INLINE lanes<D>& operator OP##=(lanes<D>& a, U const& b) {                               \
    return a = a OP b;                                                                         \
  }
TAPELESS_LANES_BINARY(+, Add)
TAPELESS_LANES_BINARY(-, Sub)
TAPELESS_LANES_BINARY(*, Mul)
TAPELESS_LANES_BINARY(/, Div)
#undef TAPELESS_LANES_BINARY

template <class D>
HWY_INLINE lanes<D> operator-(lanes<D> a) {
  return {hn::Neg(a.v)};
}

TAPELESS_LANES_OPERATOR(lanes_mask, <, Lt)
TAPELESS_LANES_OPERATOR(lanes_mask, <=, Le)
TAPELESS_LANES_OPERATOR(lanes_mask, >, Gt)
TAPELESS_LANES_OPERATOR(lanes_mask, >=, Ge)
TAPELESS_LANES_OPERATOR(lanes_mask, ==, Eq)
#undef TAPELESS_LANES_OPERATOR

template <class D>
HWY_INLINE lanes<D> select(lanes_mask<D> c, lanes<D> a, lanes<D> b) {
  return {hn::IfThenElse(c.m, a.v, b.v)};
}

// ---- elementary functions --------------------------------------------------------------------

/// f applied lane by lane to any number of lane arguments: f(a[i], b[i], ...) for each lane i (the
/// elementary functions' fallback to std:: outside Highway's ranges, and the rules without a SIMD form).
template <class F, class D, class... More>
HWY_NOINLINE lanes<D> lane_by_lane(F f, lanes<D> a, More... more) {
  using T = hn::TFromD<D>;
  D d;
  constexpr std::size_t width = HWY_MAX_BYTES / sizeof(T);
  HWY_ALIGN T args[1 + sizeof...(More)][width];
  [&]<std::size_t... K>(std::index_sequence<K...>) {
    hn::Store(a.v, d, args[0]);
    (hn::Store(more.v, d, args[K + 1]), ...);
    for (std::size_t i = 0, n = hn::Lanes(d); i < n; ++i) args[0][i] = f(args[0][i], args[K + 1][i]...);
  }(std::index_sequence_for<More...>{});
  return {hn::Load(d, args[0])};
}

/// Whether a rule of expr/ops.hpp is written for SIMD lanes (its `simd` member); else the hooks
/// below and the fused loops apply it lane by lane.
template <class Op>
inline constexpr bool rule_on_lanes = requires { requires Op::simd; };

/// One of rule Op's functions f (its value, adjoint or a partial, written as a generic lambda) on lanes:
/// f on the lanes themselves when the rule is written for them, else lane by lane.
template <class Op, class F, class D, class... More>
HWY_INLINE lanes<D> on_lanes(F f, lanes<D> a, More... more) {
  if constexpr (rule_on_lanes<Op>)
    return f(a, more...);
  else
    return lane_by_lane(f, a, more...);
}

/// The hook by which SIMD lanes apply a rule (expr/ops.hpp's evaluate).
template <class Op, class D, class... More>
HWY_INLINE lanes<D> apply_rule(Op, lanes<D> x, More... more) {
  return on_lanes<Op>([](auto... v) { return Op::value(v...); }, x, more...);
}

/// True when every lane is within [lo, hi] (false for NaN).
template <class D>
HWY_INLINE bool all_within(lanes<D> a, hn::TFromD<D> lo, hn::TFromD<D> hi) {
  D d;
  return hn::AllTrue(d, hn::And(hn::Ge(a.v, hn::Set(d, lo)), hn::Le(a.v, hn::Set(d, hi))));
}

template <class T>
inline constexpr T exp_limit = std::is_same_v<T, float> ? T(88) : T(706);
/// Where Highway's sinh is specified: |x| <= 88.7228 (float), 709 (double).
template <class T>
inline constexpr T sinh_limit = std::is_same_v<T, float> ? T(88.7228) : T(709);
/// The largest T below 1 (atanh's range is the open interval).
template <class T>
inline constexpr T below_one = T(1) - std::numeric_limits<T>::epsilon() / 2;

// NAME(lanes): Highway's HWY where every lane is within [LO, HI] (expressions of T, the lane type),
// else std::NAME lane by lane.
#define TAPELESS_LANES_FUNCTION(NAME, HWY, LO, HI)                   \
  template <class D>                                                 \
  HWY_INLINE lanes<D> NAME(lanes<D> a) {                             \
    using T = hn::TFromD<D>;                                         \
    if (HWY_LIKELY(all_within(a, LO, HI))) return {hn::HWY(D(), a.v)}; \
    return lane_by_lane([](T x) { return std::NAME(x); }, a);        \
  }
#define TAPELESS_LOWEST std::numeric_limits<T>::lowest()
#define TAPELESS_MAX std::numeric_limits<T>::max()
TAPELESS_LANES_FUNCTION(exp, Exp, TAPELESS_LOWEST, exp_limit<T>)
TAPELESS_LANES_FUNCTION(expm1, Expm1, TAPELESS_LOWEST, exp_limit<T>)
TAPELESS_LANES_FUNCTION(log, Log, std::numeric_limits<T>::min(), TAPELESS_MAX)
TAPELESS_LANES_FUNCTION(log2, Log2, std::numeric_limits<T>::min(), TAPELESS_MAX)
TAPELESS_LANES_FUNCTION(log10, Log10, std::numeric_limits<T>::min(), TAPELESS_MAX)
TAPELESS_LANES_FUNCTION(log1p, Log1p, T(0), TAPELESS_MAX)
TAPELESS_LANES_FUNCTION(sin, Sin, T(-39000), T(39000))
TAPELESS_LANES_FUNCTION(cos, Cos, T(-39000), T(39000))
TAPELESS_LANES_FUNCTION(asin, Asin, T(-1), T(1))
TAPELESS_LANES_FUNCTION(acos, Acos, T(-1), T(1))
TAPELESS_LANES_FUNCTION(atan, Atan, TAPELESS_LOWEST, TAPELESS_MAX)
TAPELESS_LANES_FUNCTION(sinh, Sinh, -sinh_limit<T>, sinh_limit<T>)
TAPELESS_LANES_FUNCTION(tanh, Tanh, TAPELESS_LOWEST, TAPELESS_MAX)
TAPELESS_LANES_FUNCTION(asinh, Asinh, TAPELESS_LOWEST, TAPELESS_MAX)
TAPELESS_LANES_FUNCTION(acosh, Acosh, T(1), TAPELESS_MAX)
TAPELESS_LANES_FUNCTION(atanh, Atanh, -below_one<T>, below_one<T>)
#undef TAPELESS_MAX
#undef TAPELESS_LOWEST
#undef TAPELESS_LANES_FUNCTION

/// Highway 1.0.3 has no cosh: std:: lane by lane (sinh's derivative; cosh's own derivative is sinh).
template <class D>
HWY_INLINE lanes<D> cosh(lanes<D> a) {
  return lane_by_lane([](hn::TFromD<D> x) { return std::cosh(x); }, a);
}
template <class D>
HWY_INLINE lanes<D> tan(lanes<D> a) {
  return lane_by_lane([](hn::TFromD<D> x) { return std::tan(x); }, a);
}
template <class D>
HWY_INLINE lanes<D> pow(lanes<D> a, lanes<D> b) {
  return lane_by_lane([](hn::TFromD<D> x, hn::TFromD<D> z) { return std::pow(x, z); }, a, b);
}
template <class D>
HWY_INLINE lanes<D> sqrt(lanes<D> a) {
  return {hn::Sqrt(a.v)};
}
template <class D>
HWY_INLINE lanes<D> abs(lanes<D> a) {
  return {hn::Abs(a.v)};
}

/// The largest (or smallest) element of x[0, n), n >= 1, in one SIMD pass; NaN when x holds a NaN.
template <bool Largest, class T>
HWY_INLINE T extreme(T const* x, std::size_t n) {
  hn::ScalableTag<T> const d;
  std::size_t const w = hn::Lanes(d);
  auto best = hn::Set(d, x[0]);
  auto nan = hn::IsNaN(best);  // not Ne(v, v): Highway's Ne is an ordered compare on AVX-512
  std::size_t i = 0;
  for (; i + w <= n; i += w) {
    auto const v = hn::LoadU(d, x + i);
    nan = hn::Or(nan, hn::IsNaN(v));
    best = Largest ? hn::Max(best, v) : hn::Min(best, v);
  }
  if (!hn::AllFalse(d, nan)) return std::numeric_limits<T>::quiet_NaN();
  T m = Largest ? hn::GetLane(hn::MaxOfLanes(d, best)) : hn::GetLane(hn::MinOfLanes(d, best));
  for (; i < n; ++i) {
    if (x[i] != x[i]) return x[i];
    if (Largest ? m < x[i] : x[i] < m) m = x[i];
  }
  return m;
}

/// The index of the first largest (or smallest) element of x[0, n), n >= 1, in SIMD passes; n itself
/// when x holds a NaN (the caller then takes the scalar path, which makes the first NaN the result).
template <bool Largest, class T>
HWY_INLINE std::size_t first_extreme(T const* x, std::size_t n) {
  T const m = extreme<Largest>(x, n);
  if (m != m) return n;
  hn::ScalableTag<T> const d;
  std::size_t const w = hn::Lanes(d);
  auto const target = hn::Set(d, m);
  std::size_t i = 0;
  for (; i + w <= n; i += w) {
    auto const hit = hn::Eq(hn::LoadU(d, x + i), target);
    if (!hn::AllFalse(d, hit)) return i + static_cast<std::size_t>(hn::FindFirstTrue(d, hit));
  }
  for (; i < n; ++i)
    if (x[i] == m) return i;
  return n;  // not reached: m is one of the elements
}

TAPELESS_KERNELS_END

#endif  // per-target include guard
