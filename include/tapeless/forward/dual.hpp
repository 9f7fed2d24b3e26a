// tapeless/forward/dual.hpp: forward-mode dual numbers with N tangent lanes; they nest.
#pragma once

#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <ostream>
#include <type_traits>

#include "../core/traits.hpp"
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
  using value_type = T;
  static constexpr std::size_t lanes = N;

  T value{};
  /// Wide tangents of float or double (256 bytes or more, whole 64-byte lines) start on a cache
  /// line, so no SIMD load of them is split across two lines (the value then pads to one line).
  alignas(std::is_floating_point_v<T> && N * sizeof(T) >= 256 && N * sizeof(T) % 64 == 0 ? 64
                                                                                           : alignof(std::array<T, N>))
  std::array<T, N> tangent{};

  constexpr dual() = default;
  constexpr dual(T v, std::array<T, N> const& t) : value(v), tangent(t) {}
  /// A constant: the value, zero tangents. Implicit so that numbers mix with duals.
  template <class U>
    requires(!std::same_as<std::remove_cvref_t<U>, dual> && std::constructible_from<T, U const&>)
  constexpr dual(U const& v) : value(static_cast<T>(v)) {}

  // acc += a * b in place, for the product loops of kernels/matmul.hpp (found by argument-dependent
  // lookup): no temporary dual, one fused multiply-add per tangent lane.
  // The values are read before acc changes, so acc may be one of the factors.
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

template <class T>
struct is_dual : std::false_type {};
template <class T, std::size_t N>
struct is_dual<dual<T, N>> : std::true_type {};

template <class T, std::size_t N>
struct is_element<dual<T, N>> : is_element<T> {};
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

template <class T, std::size_t N>
constexpr dual<T, N> operator+(dual<T, N> const& a) {
  return a;
}
template <class T, std::size_t N>
constexpr dual<T, N> operator-(dual<T, N> const& a) {
  dual<T, N> r;
  r.value = -a.value;
  detail::tk::tangent_neg<N>(a.tangent.data(), r.tangent.data());
  return r;
}
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

// A number on either side is a constant: it moves the value, or scales every tangent, without
// the work (and the 0 * inf) of a full dual operation.
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
TAPELESS_DUAL_ASSIGN(+)
TAPELESS_DUAL_ASSIGN(-)
TAPELESS_DUAL_ASSIGN(*)
TAPELESS_DUAL_ASSIGN(/)
#undef TAPELESS_DUAL_ASSIGN

// Comparisons look at the value only (they pick branches; they have no derivative).
template <class T, std::size_t N>
constexpr T const& primal(dual<T, N> const& a) {
  return a.value;
}
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
// Each one: the value through the same function of the inner type, the tangent by its derivative.

template <class T, std::size_t N>
dual<T, N> exp(dual<T, N> const& x) {
  using std::exp;
  T const e = exp(x.value);
  return detail::chain(e, x, e);
}
template <class T, std::size_t N>
dual<T, N> log(dual<T, N> const& x) {
  using std::log;
  return detail::chain(T(log(x.value)), x, T(1 / x.value));
}
template <class T, std::size_t N>
dual<T, N> sin(dual<T, N> const& x) {
  using std::cos;
  using std::sin;
  return detail::chain(T(sin(x.value)), x, T(cos(x.value)));
}
template <class T, std::size_t N>
dual<T, N> cos(dual<T, N> const& x) {
  using std::cos;
  using std::sin;
  return detail::chain(T(cos(x.value)), x, T(-sin(x.value)));
}
template <class T, std::size_t N>
dual<T, N> tan(dual<T, N> const& x) {
  using std::tan;
  T const t = tan(x.value);
  return detail::chain(t, x, T(1 + t * t));
}
template <class T, std::size_t N>
dual<T, N> tanh(dual<T, N> const& x) {
  using std::tanh;
  T const t = tanh(x.value);
  return detail::chain(t, x, T(1 - t * t));
}
template <class T, std::size_t N>
dual<T, N> sqrt(dual<T, N> const& x) {
  using std::sqrt;
  T const s = sqrt(x.value);
  return detail::chain(s, x, T(0.5 / s));
}
template <class T, std::size_t N>
dual<T, N> abs(dual<T, N> const& x) {
  return x.value < 0 ? -x : (x.value > 0 ? x : dual<T, N>(T{}));
}
template <class T, std::size_t N>
dual<T, N> log1p(dual<T, N> const& x) {
  using std::log1p;
  return detail::chain(T(log1p(x.value)), x, T(1 / (1 + x.value)));
}
template <class T, std::size_t N>
dual<T, N> expm1(dual<T, N> const& x) {
  using std::exp;
  using std::expm1;
  return detail::chain(T(expm1(x.value)), x, T(exp(x.value)));
}
template <class T, std::size_t N>
dual<T, N> pow(dual<T, N> const& a, dual<T, N> const& b) {
  using std::log;
  using std::pow;
  T const v = pow(a.value, b.value);
  dual<T, N> r;
  r.value = v;
  T const da = b.value == T{} ? T{} : T(b.value * pow(a.value, b.value - 1));  // 0 at b = 0, as JAX
  // d/db a^b = a^b log a, taken only in the lanes where b moves: with a constant exponent (or one that
  // is constant along some directions) pow(x, 2) at x <= 0 stays finite in those lanes.
  bool b_moves = false;
  for (std::size_t k = 0; k < N; ++k) b_moves = b_moves || !detail::exactly_zero(b.tangent[k]);
  if (!b_moves) return detail::chain(v, a, da);
  T const db = v * log(a.value == T{} ? T(1) : a.value);  // at a = 0 as JAX: log taken as log(1)
  for (std::size_t k = 0; k < N; ++k)
    r.tangent[k] = detail::exactly_zero(b.tangent[k]) ? T(da * a.tangent[k]) : T(da * a.tangent[k] + db * b.tangent[k]);
  return r;
}
template <class T, std::size_t N, detail::dual_scalar<T> U>
dual<T, N> pow(dual<T, N> const& a, U const& b) {
  using std::pow;
  T const bb = static_cast<T>(b);
  return detail::chain(T(pow(a.value, bb)), a, bb == T{} ? T{} : T(bb * pow(a.value, bb - 1)));
}
template <class T, std::size_t N, detail::dual_scalar<T> U>
dual<T, N> pow(U const& a, dual<T, N> const& b) {
  return pow(dual<T, N>(a), b);
}

template <class T, std::size_t N>
std::ostream& operator<<(std::ostream& os, dual<T, N> const& x) {
  os << x.value << " + {";
  for (std::size_t k = 0; k < N; ++k) os << (k ? ", " : "") << x.tangent[k];
  return os << "}e";
}

}  // namespace tapeless
