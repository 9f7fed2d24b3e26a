// tapeless/forward/dual.hpp: forward-mode dual numbers with N tangent lanes; they nest.
#pragma once

#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <ostream>
#include <type_traits>

#include "../core/traits.hpp"
#include "../expr/ops.hpp"
#include "../kernels/tangent-inl.h"

namespace tapeless {

/// A dual number: a value and N tangents (directional derivatives), propagated by the chain rule
/// through every operation. T is float, double, or another dual (nesting gives higher derivatives).
///
///     tl::dual<double> x{2.0, {1.0}};      // x = 2, dx = 1
///     auto y = x * x;                      // y.value == 4, y.tangent[0] == 4
///     tl::dual<tl::dual<double>> z{{2.0, {1.0}}, {{1.0, {0.0}}}};  // seeded twice: z*z gives d2 = 2
template <class T, std::size_t N = 1>
struct dual {
  static_assert(N >= 1, "tl::dual<T, N>: N (the number of tangent lanes) must be at least 1");
  /// T, the type of the value and of each tangent, and N, the number of tangent lanes.
  using value_type = T;
  static constexpr std::size_t lanes = N;

  /// The value (of the inner type T: for a nested dual, itself a dual).
  T value{};
  /// The N tangents: tangent[k] is the derivative along the k-th seeded direction.
  ///
  /// Wide tangents of float or double (256 bytes or more, whole 64-byte lines) start on a cache
  /// line, so no SIMD load of them is split across two lines (the value then pads to one line).
  alignas(std::is_floating_point_v<T> && N * sizeof(T) >= 256 && N * sizeof(T) % 64 == 0 ? 64
                                                                                           : alignof(std::array<T, N>))
  std::array<T, N> tangent{};

  /// Zero with zero tangents; `dual(v, {t0, t1, ...})` is the value v with the given tangents.
  constexpr dual() = default;
  constexpr dual(T v, std::array<T, N> const& t) : value(v), tangent(t) {}
  /// A constant: the value, zero tangents. Implicit so that numbers mix with duals.
  template <class U>
    requires(!std::same_as<std::remove_cvref_t<U>, dual> && std::constructible_from<T, U const&>)
  constexpr dual(U const& v) : value(static_cast<T>(v)) {}

  /// acc += a * b in place, for the product loops of kernels/matmul.hpp (found by argument-dependent
  /// lookup): no temporary dual, one fused multiply-add per tangent lane.
  /// The values are read before acc changes, so acc may be one of the factors.
  friend void multiply_add(dual& acc, T const& a, dual const& b) {
    T const av = a, bv = b.value;
    acc.add_scaled(av, b);
    acc.value += av * bv;
  }
  friend void multiply_add(dual& acc, dual const& a, T const& b) {
    T const av = a.value, bv = b;
    acc.add_scaled(bv, a);
    acc.value += av * bv;
  }
  friend void multiply_add(dual& acc, dual const& a, dual const& b) {
    T const av = a.value, bv = b.value;
    if (&a == &acc || &b == &acc) {  // acc * x: the product rule on a copy
      acc = acc + a * b;
      return;
    }
    acc.add_scaled(av, b);
    acc.add_scaled(bv, a);
    acc.value += av * bv;
  }

 private:
  void add_scaled(T const& a, dual const& b) {
    detail::kernels::HWY_NAMESPACE::tangent_muladd<N>(a, b.tangent.data(), tangent.data());
  }
};

/// Whether T is a tl::dual (of any inner type and lane count).
template <class T>
struct is_dual : std::false_type {};
template <class T, std::size_t N>
struct is_dual<dual<T, N>> : std::true_type {};

/// A dual is an element type (tl::element) when its inner type is one: duals of float and double, nested.
template <class T, std::size_t N>
struct is_element<dual<T, N>> : is_element<T> {};
/// The real type at the bottom of a dual: float for `tl::dual<tl::dual<float>>`.
template <class T, std::size_t N>
struct element_base<dual<T, N>> : element_base<T> {};

namespace detail {
/// A plain number that mixes with dual<T, N>: any arithmetic type, or T itself (the inner level of a nest).
template <class U, class T>
concept dual_scalar = std::is_arithmetic_v<U> || std::same_as<U, T>;

/// True when every component, tangents of nested levels included, is zero.
template <class T>
constexpr bool exactly_zero(T const& x) {
  if constexpr (is_dual<T>::value) {
    for (auto const& t : x.tangent)
      if (!exactly_zero(t)) return false;
    return exactly_zero(x.value);
  } else {
    return x == T{};
  }
}

/// The tangent updates (kernels/tangent-inl.h): Highway vectors for float and double, plain loops for
/// nested duals, single lanes and constant evaluation.
namespace tk = kernels::HWY_NAMESPACE;

}  // namespace detail

/// The number of T in one native SIMD vector of the target the file is compiled for (Highway's static
/// target): 8 doubles or 16 floats under AVX-512, 4 or 8 under AVX2, 2 or 4 under SSE2 and NEON, 1
/// without SIMD; Highway's upper bound on SVE and RVV, whose width is known only at run time. For a
/// dual or a jet it is that of the real type at the bottom (`tl::simd_lanes_v<tl::dual<float>>` is
/// `tl::simd_lanes_v<float>`). It depends on the ISA flags, like the kernels (docs/guide.md, "SIMD and
/// build flags"). Tangent updates run in vectors of this many lanes and the lanes left over one at a
/// time, so an N below it, or a multiple of it, wastes no work.
template <class T>
  requires std::is_floating_point_v<typename element_base<T>::type>
inline constexpr std::size_t simd_lanes_v = detail::tk::vector_lanes<typename element_base<T>::type>;

/// A dual with one native SIMD vector of tangent lanes, `tl::dual<T, tl::simd_lanes_v<T>>`: the
/// narrowest dual whose tangent updates fill a vector, for many directions at once (docs/guide.md,
/// "How many lanes"). tl::dual<T>'s own default stays 1 lane: one direction, and nesting, cost no
/// more than they need.
///
///     tl::simd_dual<double> x{2.0, {1.0}};   // 8 lanes under AVX-512: lane 0 seeded, the rest zero
template <class T>
using simd_dual = dual<T, simd_lanes_v<T>>;

namespace detail {
template <class T, std::size_t N, class F>
constexpr dual<T, N> chain(T const& v, dual<T, N> const& x, F const& dv) {
  // value v, tangent dv * dx for a unary function whose derivative at x is dv.
  dual<T, N> r;
  r.value = v;
  tk::tangent_scale<N>(T(dv), x.tangent.data(), r.tangent.data());
  return r;
}
}  // namespace detail

// ---- arithmetic -----------------------------------------------------------------------------

/// +a: the dual itself.
template <class T, std::size_t N>
constexpr dual<T, N> operator+(dual<T, N> const& a) {
  return a;
}
/// -a: the value and every tangent negated.
template <class T, std::size_t N>
constexpr dual<T, N> operator-(dual<T, N> const& a) {
  dual<T, N> r;
  r.value = -a.value;
  detail::tk::tangent_neg<N>(a.tangent.data(), r.tangent.data());
  return r;
}
/// Arithmetic of two duals of the same type: the value, and the tangents by the sum, product and
/// quotient rules.
///
///     tl::dual<double> x{3.0, {1.0}};
///     auto y = x * x + x / 2.0;   // y.value == 10.5, y.tangent[0] == 6.5
template <class T, std::size_t N>
constexpr dual<T, N> operator+(dual<T, N> const& a, dual<T, N> const& b) {
  dual<T, N> r;
  r.value = a.value + b.value;
  detail::tk::tangent_add<N>(a.tangent.data(), b.tangent.data(), r.tangent.data());
  return r;
}
template <class T, std::size_t N>
constexpr dual<T, N> operator-(dual<T, N> const& a, dual<T, N> const& b) {
  dual<T, N> r;
  r.value = a.value - b.value;
  detail::tk::tangent_sub<N>(a.tangent.data(), b.tangent.data(), r.tangent.data());
  return r;
}
template <class T, std::size_t N>
constexpr dual<T, N> operator*(dual<T, N> const& a, dual<T, N> const& b) {
  dual<T, N> r;
  r.value = a.value * b.value;
  detail::tk::tangent_axpby<N>(b.value, a.tangent.data(), a.value, b.tangent.data(), r.tangent.data());
  return r;
}
template <class T, std::size_t N>
constexpr dual<T, N> operator/(dual<T, N> const& a, dual<T, N> const& b) {
  dual<T, N> r;
  r.value = a.value / b.value;
  detail::tk::tangent_quotient<N>(a.tangent.data(), r.value, b.tangent.data(), b.value, r.tangent.data());
  return r;
}

/// A number on either side is a constant: it moves the value, or scales every tangent, without
/// the work (and the 0 * inf) of a full dual operation.
template <class T, std::size_t N, detail::dual_scalar<T> U>
constexpr dual<T, N> operator+(dual<T, N> a, U const& b) {
  a.value = a.value + T(b);
  return a;
}
template <class T, std::size_t N, detail::dual_scalar<T> U>
constexpr dual<T, N> operator+(U const& a, dual<T, N> b) {
  b.value = T(a) + b.value;
  return b;
}
template <class T, std::size_t N, detail::dual_scalar<T> U>
constexpr dual<T, N> operator-(dual<T, N> a, U const& b) {
  a.value = a.value - T(b);
  return a;
}
template <class T, std::size_t N, detail::dual_scalar<T> U>
constexpr dual<T, N> operator-(U const& a, dual<T, N> const& b) {
  dual<T, N> r = -b;
  r.value = T(a) - b.value;
  return r;
}
template <class T, std::size_t N, detail::dual_scalar<T> U>
constexpr dual<T, N> operator*(dual<T, N> const& a, U const& b) {
  return detail::chain(T(a.value * T(b)), a, T(b));
}
template <class T, std::size_t N, detail::dual_scalar<T> U>
constexpr dual<T, N> operator*(U const& a, dual<T, N> const& b) {
  return detail::chain(T(T(a) * b.value), b, T(a));
}
template <class T, std::size_t N, detail::dual_scalar<T> U>
constexpr dual<T, N> operator/(dual<T, N> const& a, U const& b) {
  dual<T, N> r;
  r.value = a.value / T(b);
  for (std::size_t k = 0; k < N; ++k) r.tangent[k] = a.tangent[k] / T(b);
  return r;
}
template <class T, std::size_t N, detail::dual_scalar<T> U>
constexpr dual<T, N> operator/(U const& a, dual<T, N> const& b) {
  return dual<T, N>(a) / b;
}
#define TAPELESS_DUAL_ASSIGN(OP)                                               \
  template <class T, std::size_t N, class U>                                   \
  constexpr dual<T, N>& operator OP##=(dual<T, N>& a, U const& b) {            \
    return a = a OP b;                                                         \
  }
/// Compound assignment: `a += b`, `a -= b`, `a *= b`, `a /= b` are `a = a OP b`, b a dual or a number
/// (a constant); they return a.
TAPELESS_DUAL_ASSIGN(+)
TAPELESS_DUAL_ASSIGN(-)
TAPELESS_DUAL_ASSIGN(*)
TAPELESS_DUAL_ASSIGN(/)
#undef TAPELESS_DUAL_ASSIGN

// Comparisons look at the value only (they pick branches; they have no derivative).
/// The value part of a dual (one level: a nested dual's is a dual).
template <class T, std::size_t N>
constexpr T const& primal(dual<T, N> const& a) {
  return a.value;
}
/// `==` and `<=>` (so `<`, `<=`, `>`, `>=` and `!=` too) of two duals, or of a dual and a number, compare
/// the values only: they pick branches and have no derivative (`x < 2.0` reads x.value).
template <class T, std::size_t N>
constexpr bool operator==(dual<T, N> const& a, dual<T, N> const& b) {
  return a.value == b.value;
}
template <class T, std::size_t N>
constexpr auto operator<=>(dual<T, N> const& a, dual<T, N> const& b) {
  return a.value <=> b.value;
}
template <class T, std::size_t N, detail::dual_scalar<T> U>
constexpr bool operator==(dual<T, N> const& a, U const& b) {
  return a.value == b;
}
template <class T, std::size_t N, detail::dual_scalar<T> U>
constexpr auto operator<=>(dual<T, N> const& a, U const& b) {
  return a.value <=> b;
}

// ---- elementary functions ------------------------------------------------------------------
// Every rule of expr/ops.hpp, through one hook: the value is the rule applied to the inner type
// (a nested dual applies it again, one level down), the tangents follow by the chain rule with the
// rule's derivative at the inner value.

namespace detail {
/// True when some tangent lane of x is not exactly zero (at any nesting level).
template <class T, std::size_t N>
constexpr bool moves(dual<T, N> const& x) {
  for (auto const& t : x.tangent)
    if (!exactly_zero(t)) return true;
  return false;
}
}  // namespace detail

/// The hook of expr/ops.hpp's evaluate: unary rule Op on a dual.
template <class Op, class T, std::size_t N>
dual<T, N> apply_rule(Op, dual<T, N> const& x) {
  T const v = detail::op::evaluate<Op>(x.value);
  return detail::chain(v, x, T(Op::derivative(x.value, v)));
}
/// Binary rule Op on duals. A partial is taken only for an operand that moves, and in a lane where
/// only one operand moves only that operand's term counts: pow(x, 2) at x <= 0 stays finite, though
/// d/dz x^z is NaN there (JAX's symbolic zeros give the same).
template <class Op, class T, std::size_t N>
dual<T, N> apply_rule(Op, dual<T, N> const& x, dual<T, N> const& z) {
  T const v = detail::op::evaluate<Op>(x.value, z.value);
  bool const x_moves = detail::moves(x), z_moves = detail::moves(z);
  if (!z_moves) return detail::chain(v, x, x_moves ? T(Op::left(x.value, z.value, v, T(1))) : T{});
  T const dz = Op::right(x.value, z.value, v, T(1));
  if (!x_moves) return detail::chain(v, z, dz);
  T const dx = Op::left(x.value, z.value, v, T(1));
  dual<T, N> r;
  r.value = v;
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isfinite(dx) && std::isfinite(dz)) {
      detail::tk::tangent_axpby<N>(dx, x.tangent.data(), dz, z.tangent.data(), r.tangent.data());
      return r;
    }
  }
  for (std::size_t k = 0; k < N; ++k) {
    T t{};
    if (!detail::exactly_zero(x.tangent[k])) t = t + dx * x.tangent[k];
    if (!detail::exactly_zero(z.tangent[k])) t = t + dz * z.tangent[k];
    r.tangent[k] = t;
  }
  return r;
}

namespace detail {
/// Whether p holds for the value or any tangent of x (at any nesting level, as p itself recurses).
template <class T, std::size_t N, class P>
bool any_component(dual<T, N> const& x, P const& p) {
  if (p(x.value)) return true;
  for (auto const& t : x.tangent)
    if (p(t)) return true;
  return false;
}
}  // namespace detail

/// The public functions of every rule in expr/ops.hpp's lists (a number beside a dual is a constant),
/// fabs, max, min and clamp (choosing by the value, the first on ties: written for duals so that a
/// user's generic max, min or clamp beside tapeless is never ambiguous), and isnan, isinf, isfinite
/// over every component.
///
/// It declares, on tl::dual<T, N>: exp, log, log2, log10, log1p, expm1, sin, cos, tan, asin, acos, atan,
/// sinh, cosh, tanh, asinh, acosh, atanh, sqrt, cbrt, square, abs, sigmoid, log_sigmoid, softplus, erf,
/// erfc, lgamma, digamma (TAPELESS_UNARY_FUNCTIONS), pow, atan2, hypot (TAPELESS_BINARY_FUNCTIONS, each also
/// with a number on either side), fabs (the rule of abs), max, min, clamp, isnan, isinf and isfinite. The
/// value and derivative of each come from its rule in expr/ops.hpp (tl::exp from op::exp_), through
/// apply_rule above; docs/reference.md lists every derivative.
///
///     tl::dual<double> x{0.5, {1.0}};
///     auto y = tl::sin(x);   // y.value == sin(0.5), y.tangent[0] == cos(0.5)
TAPELESS_NUMBER_FUNCTIONS((class T, std::size_t N), (dual<T, N>), detail::dual_scalar<T>)

/// The hook of tl::stop_gradient: the value with every tangent, at every nesting level, zero.
template <class T, std::size_t N>
dual<T, N> without_derivatives(dual<T, N> const& x) {
  dual<T, N> r;
  r.value = detail::strip_derivatives(x.value);
  return r;
}

/// Prints the value and the tangents: `0.785398 + {0.5, -0.5}e`.
template <class T, std::size_t N>
std::ostream& operator<<(std::ostream& os, dual<T, N> const& x) {
  os << x.value << " + {";
  for (std::size_t k = 0; k < N; ++k) os << (k ? ", " : "") << x.tangent[k];
  return os << "}e";
}

}  // namespace tapeless
