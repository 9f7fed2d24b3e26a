// tapeless/forward/jet.hpp: univariate Taylor jets, the value and the first K derivatives of a scalar
// function carried together; each operation costs O(K^2) (nested duals cost O(2^K)).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <compare>
#include <concepts>
#include <cstddef>
#include <limits>
#include <ostream>
#include <type_traits>
#include <utility>

#include "../core/traits.hpp"
#include "../expr/ops.hpp"

namespace tapeless {

/// A truncated Taylor series in one variable t: c[k] is the k-th derivative at t = 0 divided by k!.
/// Arithmetic and the elementary functions follow the recurrences of Taylor arithmetic (Griewank and
/// Walther, "Evaluating Derivatives", ch. 13), so a function written for numbers, called on
/// `jet<T, K>::variable(x)`, returns its own Taylor coefficients at x up to order K.
///
///     auto y = tl::exp(tl::jet<double, 4>::variable(0.0));   // y.c == {1, 1, 1/2, 1/6, 1/24}
///     y.derivative(3)                                         // 1: the third derivative
template <class T, std::size_t K>
struct jet {
  static_assert(std::is_floating_point_v<T>, "tl::jet<T, K>: T must be float or double");
  /// T (float or double), and K, the order: the jet holds the coefficients c[0] to c[K].
  using value_type = T;
  static constexpr std::size_t order = K;

  /// The K + 1 Taylor coefficients: c[k] is the k-th derivative divided by k!.
  std::array<T, K + 1> c{};

  /// Zero; `jet(std::array<T, K + 1>{...})` takes the coefficients as they are (explicit).
  constexpr jet() = default;
  constexpr explicit jet(std::array<T, K + 1> const& coefficients) : c(coefficients) {}
  /// A constant: c[0] = v, the rest zero. Implicit so that numbers mix with jets.
  template <class U>
    requires std::is_arithmetic_v<U>
  constexpr jet(U const& v) {
    c[0] = static_cast<T>(v);
  }

  /// The independent variable at x: x + t.
  static constexpr jet variable(T x) {
    jet r(x);
    if constexpr (K >= 1) r.c[1] = T(1);
    return r;
  }

  /// The k-th derivative, k! c[k] (k! is exact in double up to 18!, so one rounding).
  constexpr T derivative(std::size_t k) const {
    T factorial = 1;
    for (std::size_t i = 2; i <= k; ++i) factorial *= T(i);
    return factorial * c[k];
  }
};

/// A jet of float or double is an element type (tl::element).
template <class T, std::size_t K>
struct is_element<jet<T, K>> : is_element<T> {};
/// The real type at the bottom of a jet: its T.
template <class T, std::size_t K>
struct element_base<jet<T, K>> : element_base<T> {};

/// Whether T is a tl::jet (of any order).
template <class T>
struct is_jet : std::false_type {};
template <class T, std::size_t K>
struct is_jet<jet<T, K>> : std::true_type {};

namespace detail {

template <class U, class T>
concept jet_scalar = std::is_arithmetic_v<U>;

/// y' = w x' (the derivative of y is w times that of x), solved for y's coefficients 1..K:
/// k y_k = sum_{j=1..k} j x_j w_{k-j}. w_of(k) must give w_k from y_0..y_k; it is asked in order.
template <class T, std::size_t K, class W>
constexpr void integrate(jet<T, K> const& x, jet<T, K>& y, jet<T, K>& w, W const& w_of) {
  w.c[0] = w_of(0);
  for (std::size_t k = 1; k <= K; ++k) {
    T s{};
    for (std::size_t j = 1; j <= k; ++j) s += T(j) * x.c[j] * w.c[k - j];
    y.c[k] = s / T(k);
    w.c[k] = w_of(k);
  }
}

}  // namespace detail

// ---- arithmetic -----------------------------------------------------------------------------

/// +a: the jet itself.
template <class T, std::size_t K>
constexpr jet<T, K> operator+(jet<T, K> const& a) {
  return a;
}
/// -a: every coefficient negated.
template <class T, std::size_t K>
constexpr jet<T, K> operator-(jet<T, K> const& a) {
  jet<T, K> r;
  for (std::size_t k = 0; k <= K; ++k) r.c[k] = -a.c[k];
  return r;
}
/// Sums and differences of two jets of the same type, coefficient by coefficient.
///
///     auto t = tl::jet<double, 2>::variable(1.0);   // 1 + t
///     auto y = t * t - t;                            // y.c == {0, 1, 1}: t + t^2
template <class T, std::size_t K>
constexpr jet<T, K> operator+(jet<T, K> const& a, jet<T, K> const& b) {
  jet<T, K> r;
  for (std::size_t k = 0; k <= K; ++k) r.c[k] = a.c[k] + b.c[k];
  return r;
}
template <class T, std::size_t K>
constexpr jet<T, K> operator-(jet<T, K> const& a, jet<T, K> const& b) {
  jet<T, K> r;
  for (std::size_t k = 0; k <= K; ++k) r.c[k] = a.c[k] - b.c[k];
  return r;
}
/// The Cauchy product: c_k = sum_j a_j b_{k-j}.
template <class T, std::size_t K>
constexpr jet<T, K> operator*(jet<T, K> const& a, jet<T, K> const& b) {
  jet<T, K> r;
  for (std::size_t k = 0; k <= K; ++k) {
    T s{};
    for (std::size_t j = 0; j <= k; ++j) s += a.c[j] * b.c[k - j];
    r.c[k] = s;
  }
  return r;
}
/// r = a / b from a = r b: r_k = (a_k - sum_{j<k} r_j b_{k-j}) / b_0.
template <class T, std::size_t K>
constexpr jet<T, K> operator/(jet<T, K> const& a, jet<T, K> const& b) {
  jet<T, K> r;
  for (std::size_t k = 0; k <= K; ++k) {
    T s = a.c[k];
    for (std::size_t j = 0; j < k; ++j) s -= r.c[j] * b.c[k - j];
    r.c[k] = s / b.c[0];
  }
  return r;
}

/// A number on either side: added to c[0], or scaling every coefficient.
template <class T, std::size_t K, detail::jet_scalar<T> U>
constexpr jet<T, K> operator+(jet<T, K> a, U const& b) {
  a.c[0] += static_cast<T>(b);
  return a;
}
template <class T, std::size_t K, detail::jet_scalar<T> U>
constexpr jet<T, K> operator+(U const& a, jet<T, K> b) {
  b.c[0] = static_cast<T>(a) + b.c[0];
  return b;
}
template <class T, std::size_t K, detail::jet_scalar<T> U>
constexpr jet<T, K> operator-(jet<T, K> a, U const& b) {
  a.c[0] -= static_cast<T>(b);
  return a;
}
template <class T, std::size_t K, detail::jet_scalar<T> U>
constexpr jet<T, K> operator-(U const& a, jet<T, K> const& b) {
  jet<T, K> r = -b;
  r.c[0] = static_cast<T>(a) - b.c[0];
  return r;
}
template <class T, std::size_t K, detail::jet_scalar<T> U>
constexpr jet<T, K> operator*(jet<T, K> a, U const& b) {
  for (auto& x : a.c) x *= static_cast<T>(b);
  return a;
}
template <class T, std::size_t K, detail::jet_scalar<T> U>
constexpr jet<T, K> operator*(U const& a, jet<T, K> b) {
  for (auto& x : b.c) x = static_cast<T>(a) * x;
  return b;
}
template <class T, std::size_t K, detail::jet_scalar<T> U>
constexpr jet<T, K> operator/(jet<T, K> a, U const& b) {
  for (auto& x : a.c) x /= static_cast<T>(b);
  return a;
}
template <class T, std::size_t K, detail::jet_scalar<T> U>
constexpr jet<T, K> operator/(U const& a, jet<T, K> const& b) {
  return jet<T, K>(a) / b;
}
/// Compound assignment: `a += b`, `a -= b`, `a *= b`, `a /= b` are `a = a OP b`, b a jet or a number
/// (a constant); they return a.
template <class T, std::size_t K, class U>
constexpr jet<T, K>& operator+=(jet<T, K>& a, U const& b) {
  return a = a + b;
}
template <class T, std::size_t K, class U>
constexpr jet<T, K>& operator-=(jet<T, K>& a, U const& b) {
  return a = a - b;
}
template <class T, std::size_t K, class U>
constexpr jet<T, K>& operator*=(jet<T, K>& a, U const& b) {
  return a = a * b;
}
template <class T, std::size_t K, class U>
constexpr jet<T, K>& operator/=(jet<T, K>& a, U const& b) {
  return a = a / b;
}

// Comparisons look at the value only (they pick branches; they have no derivative).
/// The value of a jet, c[0].
template <class T, std::size_t K>
constexpr T const& primal(jet<T, K> const& a) {
  return a.c[0];
}
/// `==` and `<=>` (so `<`, `<=`, `>`, `>=` and `!=` too) of two jets, or of a jet and a number, compare
/// the values c[0] only: they pick branches and have no derivative.
template <class T, std::size_t K>
constexpr bool operator==(jet<T, K> const& a, jet<T, K> const& b) {
  return a.c[0] == b.c[0];
}
template <class T, std::size_t K>
constexpr auto operator<=>(jet<T, K> const& a, jet<T, K> const& b) {
  return a.c[0] <=> b.c[0];
}
template <class T, std::size_t K, detail::jet_scalar<T> U>
constexpr bool operator==(jet<T, K> const& a, U const& b) {
  return a.c[0] == b;
}
template <class T, std::size_t K, detail::jet_scalar<T> U>
constexpr auto operator<=>(jet<T, K> const& a, U const& b) {
  return a.c[0] <=> b;
}

// ---- elementary functions ------------------------------------------------------------------
// Each from an ODE the function satisfies (exp' = exp, log' = 1 / x, ...), solved term by term.

/// The hook of expr/ops.hpp's evaluate for exp on a jet, by the recurrence of y' = y x' (O(K^2)).
template <class T, std::size_t K>
jet<T, K> apply_rule(detail::op::exp_, jet<T, K> const& x) {
  using std::exp;
  jet<T, K> y, w;
  y.c[0] = exp(x.c[0]);
  detail::integrate(x, y, w, [&](std::size_t k) { return y.c[k]; });  // y' = y x'
  return y;
}
/// expm1 on a jet: the recurrence of y' = (y + 1) x', with the value expm1(x_0) accurate near 0.
template <class T, std::size_t K>
jet<T, K> apply_rule(detail::op::expm1_, jet<T, K> const& x) {
  using std::exp;
  using std::expm1;
  jet<T, K> y, w;
  y.c[0] = expm1(x.c[0]);
  T const e0 = exp(x.c[0]);
  detail::integrate(x, y, w, [&](std::size_t k) { return k == 0 ? e0 : y.c[k]; });  // y' = (y + 1) x'
  return y;
}

namespace detail {
/// y = log(x) where x.c[0] is replaced by x0 (1 + x.c[0] for log1p): x0 y' = x' - sum x_{k-j} j y_j.
template <class T, std::size_t K>
jet<T, K> log_series(jet<T, K> const& x, T y0, T x0) {
  jet<T, K> y;
  y.c[0] = y0;
  for (std::size_t k = 1; k <= K; ++k) {
    T s = T(k) * x.c[k];
    for (std::size_t j = 1; j < k; ++j) s -= T(j) * y.c[j] * x.c[k - j];
    y.c[k] = s / (T(k) * x0);
  }
  return y;
}

/// sin and cos together: s' = c x', c' = -s x'.
template <class T, std::size_t K>
std::pair<jet<T, K>, jet<T, K>> sincos(jet<T, K> const& x) {
  using std::cos;
  using std::sin;
  jet<T, K> s, c;
  s.c[0] = sin(x.c[0]);
  c.c[0] = cos(x.c[0]);
  for (std::size_t k = 1; k <= K; ++k) {
    T ss{}, cc{};
    for (std::size_t j = 1; j <= k; ++j) {
      ss += T(j) * x.c[j] * c.c[k - j];
      cc -= T(j) * x.c[j] * s.c[k - j];
    }
    s.c[k] = ss / T(k);
    c.c[k] = cc / T(k);
  }
  return {s, c};
}

/// y' = (1 + sign y^2) x': tan (sign +1) and tanh (sign -1).
template <class T, std::size_t K>
jet<T, K> tan_like(jet<T, K> const& x, T y0, T sign) {
  jet<T, K> y, w;
  y.c[0] = y0;
  integrate(x, y, w, [&](std::size_t k) {
    T s{};
    for (std::size_t j = 0; j <= k; ++j) s += y.c[j] * y.c[k - j];
    return (k == 0 ? T(1) : T(0)) + sign * s;
  });
  return y;
}

/// x^n for a natural n by squaring: exact where x.c[0] is 0 (the recurrence would divide by it).
template <class T, std::size_t K>
jet<T, K> pow_natural(jet<T, K> x, unsigned long long n) {
  jet<T, K> r(T(1));
  while (n != 0) {
    if (n & 1) r = r * x;
    n >>= 1;
    if (n != 0) x = x * x;
  }
  return r;
}
}  // namespace detail

/// log on a jet: the series of x y' = x'.
template <class T, std::size_t K>
jet<T, K> apply_rule(detail::op::log_, jet<T, K> const& x) {
  using std::log;
  return detail::log_series(x, T(log(x.c[0])), x.c[0]);
}
/// log1p on a jet: the series of (1 + x) y' = x', with the value log1p(x_0) accurate near 0.
template <class T, std::size_t K>
jet<T, K> apply_rule(detail::op::log1p_, jet<T, K> const& x) {
  using std::log1p;
  return detail::log_series(x, T(log1p(x.c[0])), T(1 + x.c[0]));
}
/// sin on a jet: sin and cos together by s' = c x', c' = -s x'.
template <class T, std::size_t K>
jet<T, K> apply_rule(detail::op::sin_, jet<T, K> const& x) {
  return detail::sincos(x).first;
}
/// cos on a jet: the same recurrence as sin.
template <class T, std::size_t K>
jet<T, K> apply_rule(detail::op::cos_, jet<T, K> const& x) {
  return detail::sincos(x).second;
}
/// tan on a jet: y' = (1 + y^2) x'.
template <class T, std::size_t K>
jet<T, K> apply_rule(detail::op::tan_, jet<T, K> const& x) {
  using std::tan;
  return detail::tan_like(x, T(tan(x.c[0])), T(1));
}
/// tanh on a jet: y' = (1 - y^2) x'.
template <class T, std::size_t K>
jet<T, K> apply_rule(detail::op::tanh_, jet<T, K> const& x) {
  using std::tanh;
  return detail::tan_like(x, T(tanh(x.c[0])), T(-1));
}
/// From y^2 = x: y_k = (x_k - sum_{0<j<k} y_j y_{k-j}) / (2 y_0).
template <class T, std::size_t K>
jet<T, K> apply_rule(detail::op::sqrt_, jet<T, K> const& x) {
  using std::sqrt;
  jet<T, K> y;
  y.c[0] = sqrt(x.c[0]);
  for (std::size_t k = 1; k <= K; ++k) {
    T s = x.c[k];
    for (std::size_t j = 1; j < k; ++j) s -= y.c[j] * y.c[k - j];
    y.c[k] = s / (2 * y.c[0]);
  }
  return y;
}
/// |x|: x or -x by the sign of the value; at 0 the zero jet (the subgradient 0, as for duals).
template <class T, std::size_t K>
jet<T, K> apply_rule(detail::op::abs_, jet<T, K> const& x) {
  return x.c[0] < 0 ? -x : (x.c[0] > 0 ? x : jet<T, K>{});
}

namespace detail {
/// x^r for a number r, from x y' = r y x': y_k = sum_{j=1..k} (r j - (k - j)) x_j y_{k-j} / (k x_0).
/// At x = 0, where the recurrence would divide by zero, a natural r goes by squaring (exact); any
/// other r gives what x^r's derivatives are there, as duals do: r (r - 1) ... (r - k + 1) 0^(r - k)
/// x_1^k / k!, so zero below order r and infinite above it (exact when x is x_1 t).
template <class T, std::size_t K>
jet<T, K> pow_number(jet<T, K> const& x, T r) {
  using std::pow;
  if (x.c[0] == 0) {
    if (r >= 0 && r == std::floor(r) && r < T(1ULL << 62))
      return detail::pow_natural(x, static_cast<unsigned long long>(r));
    jet<T, K> y;
    y.c[0] = pow(T(0), r);
    if constexpr (K >= 1) {
      T binomial = 1, x1k = 1;  // r choose k, x_1^k
      for (std::size_t k = 1; k <= K; ++k) {
        binomial *= (r - T(k - 1)) / T(k);
        x1k *= x.c[1];
        y.c[k] = binomial * pow(T(0), r - T(k)) * x1k;
      }
    }
    return y;
  }
  jet<T, K> y;
  y.c[0] = pow(x.c[0], r);
  for (std::size_t k = 1; k <= K; ++k) {
    T s{};
    for (std::size_t j = 1; j <= k; ++j) s += (r * T(j) - T(k - j)) * x.c[j] * y.c[k - j];
    y.c[k] = s / (T(k) * x.c[0]);
  }
  return y;
}

/// Whether some coefficient past the value is not zero (the jet is not a constant).
template <class T, std::size_t K>
constexpr bool moves(jet<T, K> const& x) {
  for (std::size_t k = 1; k <= K; ++k)
    if (x.c[k] != 0) return true;
  return false;
}

/// Whether a jet is the constant 0.
template <class T, std::size_t K>
bool constant_zero(jet<T, K> const& a) {
  for (std::size_t k = 0; k <= K; ++k)
    if (a.c[k] != 0) return false;
  return true;
}
/// 0^b along b: the value pow(0, b_0), and derivatives as JAX takes them (log 0 taken as log 1):
/// 0 where the value is finite, NaN where it is infinite (b_0 < 0).
template <class T, std::size_t K>
jet<T, K> pow_of_zero(jet<T, K> const& b) {
  using std::pow;
  jet<T, K> y;
  y.c[0] = pow(T(0), b.c[0]);
  T const rest = b.c[0] < 0 ? std::numeric_limits<T>::quiet_NaN() : T(0);
  for (std::size_t k = 1; k <= K; ++k) y.c[k] = rest;
  return y;
}
/// a^b = exp(z) with z = b log a, keeping the value pow(a_0, b_0) exact.
template <class T, std::size_t K>
jet<T, K> exp_with_value(jet<T, K> const& z, T y0) {
  jet<T, K> y, w;
  y.c[0] = y0;
  integrate(z, y, w, [&](std::size_t k) { return y.c[k]; });
  return y;
}
}  // namespace detail

/// a^b: a constant exponent keeps pow(x, 2) exact and finite at x <= 0, as for duals; 0^b follows
/// JAX; otherwise exp(b log a) with the value pow(a_0, b_0) kept exact.
template <class T, std::size_t K>
jet<T, K> apply_rule(detail::op::pow_, jet<T, K> const& a, jet<T, K> const& b) {
  using std::pow;
  if (!detail::moves(b)) return detail::pow_number(a, b.c[0]);
  if (detail::constant_zero(a)) return detail::pow_of_zero(b);
  return detail::exp_with_value(b * log(a), T(pow(a.c[0], b.c[0])));
}

// ---- every other rule of expr/ops.hpp, through its derivative -------------------------------------

namespace detail {

/// The coefficients 0..M of x: the jet of one order less (M = K - 1) that the recurrences below use.
template <std::size_t M, class T, std::size_t K>
constexpr jet<T, M> truncate(jet<T, K> const& x) {
  jet<T, M> r;
  for (std::size_t k = 0; k <= M; ++k) r.c[k] = x.c[k];
  return r;
}

/// Unary rule Op on a jet, from y' = f'(x) x': the coefficients up to K - 1 are those of the jet of
/// order K - 1 (a coefficient depends on the lower ones only), and with w = f'(x) evaluated on that
/// jet (the rule's derivative, itself a jet of order K - 1), K y_K = sum_{j=1..K} j x_j w_{K-j}.
/// O(K^3) for a derivative that costs O(K^2); the hand-written recurrences above are O(K^2).
template <class Op, class T, std::size_t K>
jet<T, K> jet_by_rule(jet<T, K> const& x) {
  jet<T, K> y;
  if constexpr (K == 0) {
    y.c[0] = op::evaluate<Op>(x.c[0]);
  } else {
    auto const xl = truncate<K - 1>(x);
    auto const yl = jet_by_rule<Op>(xl);
    jet<T, K - 1> const w = Op::derivative(xl, yl);
    for (std::size_t k = 0; k < K; ++k) y.c[k] = yl.c[k];
    T s{};
    for (std::size_t j = 1; j <= K; ++j) s += T(j) * x.c[j] * w.c[K - j];
    y.c[K] = s / T(K);
  }
  return y;
}

/// Binary rule Op on jets, from y' = d_x f x' + d_z f z' in the same way; a partial is taken only for
/// an operand that moves (pow(x, 2) at x <= 0 stays finite).
template <class Op, class T, std::size_t K>
jet<T, K> jet_by_rule(jet<T, K> const& x, jet<T, K> const& z) {
  jet<T, K> y;
  if constexpr (K == 0) {
    y.c[0] = op::evaluate<Op>(x.c[0], z.c[0]);
  } else {
    auto const xl = truncate<K - 1>(x);
    auto const zl = truncate<K - 1>(z);
    auto const yl = jet_by_rule<Op>(xl, zl);
    for (std::size_t k = 0; k < K; ++k) y.c[k] = yl.c[k];
    jet<T, K - 1> const one(T(1));
    T s{};
    if (moves(x)) {
      jet<T, K - 1> const w = Op::left(xl, zl, yl, one);
      for (std::size_t j = 1; j <= K; ++j) s += T(j) * x.c[j] * w.c[K - j];
    }
    if (moves(z)) {
      jet<T, K - 1> const w = Op::right(xl, zl, yl, one);
      for (std::size_t j = 1; j <= K; ++j) s += T(j) * z.c[j] * w.c[K - j];
    }
    y.c[K] = s / T(K);
  }
  return y;
}

}  // namespace detail

/// The hook of expr/ops.hpp's evaluate: any rule without a hand-written recurrence above.
template <class Op, class T, std::size_t K>
jet<T, K> apply_rule(Op, jet<T, K> const& x) {
  return detail::jet_by_rule<Op>(x);
}
/// Any binary rule without a hand-written recurrence above.
template <class Op, class T, std::size_t K>
jet<T, K> apply_rule(Op, jet<T, K> const& x, jet<T, K> const& z) {
  return detail::jet_by_rule<Op>(x, z);
}

namespace detail {
/// Whether p holds for any coefficient of x.
template <class T, std::size_t K, class P>
bool any_component(jet<T, K> const& x, P const& p) {
  return std::any_of(x.c.begin(), x.c.end(), p);
}
}  // namespace detail

/// The public functions of every rule in expr/ops.hpp's lists (a number beside a jet is a constant),
/// fabs, max, min and clamp (choosing by the value, the first on ties: written for jets so that a
/// user's generic max, min or clamp beside tapeless is never ambiguous), and isnan, isinf, isfinite
/// over every component.
///
/// It declares, on tl::jet<T, K>: exp, log, log2, log10, log1p, expm1, sin, cos, tan, asin, acos, atan,
/// sinh, cosh, tanh, asinh, acosh, atanh, sqrt, cbrt, square, abs, sigmoid, log_sigmoid, softplus, erf,
/// erfc, lgamma, digamma (TAPELESS_UNARY_FUNCTIONS), pow, atan2, hypot (TAPELESS_BINARY_FUNCTIONS, each also
/// with a number on either side), fabs (the rule of abs), max, min, clamp, isnan, isinf and isfinite. Each
/// applies the rule of its name in expr/ops.hpp (tl::exp: op::exp_) through apply_rule above: a
/// hand-written recurrence where there is one, otherwise the recurrence through the rule's derivative.
///
///     auto y = tl::sin(tl::jet<double, 3>::variable(0.0));   // y.c == {0, 1, 0, -1/6}
TAPELESS_NUMBER_FUNCTIONS((class T, std::size_t K), (jet<T, K>), detail::jet_scalar<T>)

/// The hook of tl::stop_gradient: the value alone, every other coefficient zero.
template <class T, std::size_t K>
jet<T, K> without_derivatives(jet<T, K> const& x) {
  return jet<T, K>(x.c[0]);
}

/// Prints the coefficients: `jet{1, 1, 0.5}`.
template <class T, std::size_t K>
std::ostream& operator<<(std::ostream& os, jet<T, K> const& x) {
  os << "jet{";
  for (std::size_t k = 0; k <= K; ++k) os << (k ? ", " : "") << x.c[k];
  return os << "}";
}

}  // namespace tapeless
