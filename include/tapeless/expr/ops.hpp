// tapeless/expr/ops.hpp: the elementwise operations, each defined once: a rule, here.
//
// A unary rule has
//   name                  what messages call it ("tl::exp"),
//   value(x)              the result y, on float and double (and, when `simd` is true, on SIMD lanes),
//   derivative(x, y)      dy/dx, written with operations every number kind has (arithmetic, select(),
//                         the functions below), and optionally
//   adjoint(x, y, a)      a * dy/dx in a cheaper or safer form than the product (abs, log), and
//   simd = true           when value() and the derivative are written with functions SIMD lanes have
//                         (kernels/simd-inl.h); otherwise the fused loops apply the rule lane by lane,
//   derivative_in_forward = true   when the derivative costs another transcendental of x (sin, cos):
//                         a scalar node computes it beside the value, where the pair becomes one sincos.
//   direct = true         when value() is plain arithmetic or select() (negation, +, -, *, /, square,
//                         max, min): duals and jets then apply it through their own operators.
// A binary rule has value(x, z), left(x, z, y, a) and right(x, z, y, a) (a times the partials), and simd.
//
// What a rule may say so that the fused SIMD loops multiply once per loop rather than once per element
// (expr/detail/fuse.hpp, "adjoint_lanes"): every rule is linear in the adjoint a, and a loop carries
// its adjoint as k v, k one number for the whole loop:
//   reads = {.left, .right} (binary) which of x, z, y each partial reads besides a (reads_x | reads_z |
//                         reads_y; all of them when not said): a partial that reads only a scalar
//                         operand (x * s, x / s) or nothing (+, -) is evaluated on numbers, into k;
//   reads = {.adjoint}    (unary) the same for adjoint(x, y, a) (negation reads nothing);
//   factor, part(x, y, a) (unary) adjoint(x, y, a) is factor * part(x, y, a): the factor goes into k.
//
// Every mode takes the rule from here: reverse mode and the fused SIMD loops call value() and the
// adjoint, and each number type provides one hook, `apply_rule(op, x...)` found by argument-dependent
// lookup, that applies any rule: tl::dual (forward/dual.hpp) as the value of its inner type and the
// chain rule through derivative(); tl::jet (forward/jet.hpp) by a recurrence through derivative() on the
// jet of one order less (a jet may keep a faster hand-derived recurrence beside it); SIMD lanes by
// value() or lane by lane. The public function of each rule (exp(x) on expressions, numbers, duals and
// jets) is made from the lists at the end of this file. Adding an operation is a rule here, its line in
// a list, and a law row in the tests (docs/design.md, "Adding an operation").
//
// The rules are templates over the number type, so one rule serves float, double, nested duals, jets
// and SIMD chunks: that is why branches are written with select(c, a, b) rather than `?:` or `if` (a
// comparison of SIMD lanes is a mask, not a bool).
#pragma once

#include <cmath>
#include <numbers>
#include <string_view>
#include <type_traits>

#include "../core/detail/special.hpp"

namespace tapeless::detail::op {

// The math functions are called unqualified so that duals, jets and SIMD lanes find theirs by
// argument-dependent lookup.
using std::abs;
using std::acos;
using std::acosh;
using std::asin;
using std::asinh;
using std::atan;
using std::atanh;
using std::cos;
using std::cosh;
using std::exp;
using std::expm1;
using std::log;
using std::log10;
using std::log1p;
using std::log2;
using std::pow;
using std::sin;
using std::sinh;
using std::sqrt;
using std::tan;
using std::tanh;

/// `c ? a : b` for scalars; the SIMD lane type overloads it with a blend.
template <class X>
X select(bool c, X const& a, X const& b) {
  return c ? a : b;
}

/// Whether the rule's value is written with operations every number kind has exactly (arithmetic,
/// select): then duals and jets apply it as it is, through their own operators (a dual's + is one
/// tangent addition), rather than through the chain rule.
template <class Op>
inline constexpr bool direct_v = requires { requires Op::direct; };

/// Rule Op on x (and z, for a binary rule) of any number kind: duals, jets and SIMD lanes through the
/// hook their type provides (`apply_rule`, found by argument-dependent lookup); plain numbers, element
/// types of the user's that have no hook, and direct rules, by the rule's value.
template <class Op, class X, class... Z>
X evaluate(X const& x, Z const&... z) {
  if constexpr (!direct_v<Op> && requires { apply_rule(Op{}, x, z...); })
    return apply_rule(Op{}, x, z...);
  else
    return Op::value(x, z...);
}

/// What the adjoint a of y = Op(x) contributes to x's adjoint: the rule's own form, or a * dy/dx.
template <class Op, class X>
X adjoint(X const& x, X const& y, X const& a) {
  if constexpr (requires { Op::adjoint(x, y, a); })
    return Op::adjoint(x, y, a);
  else
    return a * Op::derivative(x, y);
}

/// The arguments a rule's partials read besides the adjoint: `reads` (see the top of this file).
inline constexpr unsigned reads_x = 1, reads_z = 2, reads_y = 4, reads_all = 7;
struct reads_t {
  unsigned left = reads_all, right = reads_all, adjoint = reads_all;
};
template <class Op>
inline constexpr reads_t reads_v{};
template <class Op>
  requires requires { Op::reads; }
inline constexpr reads_t reads_v<Op> = Op::reads;

/// Whether a scalar node computes dy/dx in its forward pass (sin, cos: one sincos call).
template <class Op>
inline constexpr bool derivative_in_forward_v = requires { requires Op::derivative_in_forward; };

// ---- unary rules -----------------------------------------------------------------------------------

/// -x.
struct negate {
  static constexpr std::string_view name = "tl::operator-";
  static constexpr bool direct = true;
  static constexpr bool simd = true;
  template <class X> static X value(X const& x) { return -x; }
  template <class X> static X derivative(X const&, X const&) { return X(-1); }
  static constexpr reads_t reads{.adjoint = 0};
  template <class X> static X adjoint(X const&, X const&, X const& a) { return -a; }
};
/// tl::exp(x): e^x.
struct exp_ {
  static constexpr std::string_view name = "tl::exp";
  static constexpr bool simd = true;
  template <class X> static X value(X const& x) { return exp(x); }
  template <class X> static X derivative(X const&, X const& y) { return y; }
};
/// tl::log(x): the natural logarithm; -inf at 0, NaN below.
struct log_ {
  static constexpr std::string_view name = "tl::log";
  static constexpr bool simd = true;
  template <class X> static X value(X const& x) { return log(x); }
  template <class X> static X derivative(X const& x, X const&) { return 1 / x; }
  template <class X> static X adjoint(X const& x, X const&, X const& a) { return a / x; }
};
/// tl::log2(x): the base-2 logarithm.
struct log2_ {
  static constexpr std::string_view name = "tl::log2";
  static constexpr bool simd = true;
  template <class X> static X value(X const& x) { return log2(x); }
  template <class X> static X derivative(X const& x, X const&) { return 1 / (x * std::numbers::ln2); }
};
/// tl::log10(x): the base-10 logarithm.
struct log10_ {
  static constexpr std::string_view name = "tl::log10";
  static constexpr bool simd = true;
  template <class X> static X value(X const& x) { return log10(x); }
  template <class X> static X derivative(X const& x, X const&) { return 1 / (x * std::numbers::ln10); }
};
/// tl::log1p(x): log(1 + x), accurate for small x.
struct log1p_ {
  static constexpr std::string_view name = "tl::log1p";
  static constexpr bool simd = true;
  template <class X> static X value(X const& x) { return log1p(x); }
  template <class X> static X derivative(X const& x, X const&) { return 1 / (1 + x); }
  template <class X> static X adjoint(X const& x, X const&, X const& a) { return a / (1 + x); }
};
/// tl::expm1(x): e^x - 1, accurate for small x.
struct expm1_ {
  static constexpr std::string_view name = "tl::expm1";
  static constexpr bool simd = true;
  template <class X> static X value(X const& x) { return expm1(x); }
  template <class X> static X derivative(X const&, X const& y) { return y + 1; }
};
/// tl::sin(x).
struct sin_ {
  static constexpr std::string_view name = "tl::sin";
  static constexpr bool simd = true;
  static constexpr bool derivative_in_forward = true;
  template <class X> static X value(X const& x) { return sin(x); }
  template <class X> static X derivative(X const& x, X const&) { return cos(x); }
};
/// tl::cos(x).
struct cos_ {
  static constexpr std::string_view name = "tl::cos";
  static constexpr bool simd = true;
  static constexpr bool derivative_in_forward = true;
  template <class X> static X value(X const& x) { return cos(x); }
  template <class X> static X derivative(X const& x, X const&) { return -sin(x); }
};
/// tl::tan(x).
struct tan_ {
  static constexpr std::string_view name = "tl::tan";
  static constexpr bool simd = true;
  template <class X> static X value(X const& x) { return tan(x); }
  template <class X> static X derivative(X const&, X const& y) { return 1 + y * y; }
};
/// tl::asin(x): the arc sine on [-1, 1]; its derivative is +inf at both ends.
struct asin_ {
  static constexpr std::string_view name = "tl::asin";
  static constexpr bool simd = true;
  template <class X> static X value(X const& x) { return asin(x); }
  template <class X> static X derivative(X const& x, X const&) { return 1 / sqrt((1 - x) * (1 + x)); }
};
/// tl::acos(x): the arc cosine on [-1, 1]; its derivative is -inf at both ends.
struct acos_ {
  static constexpr std::string_view name = "tl::acos";
  static constexpr bool simd = true;
  template <class X> static X value(X const& x) { return acos(x); }
  template <class X> static X derivative(X const& x, X const&) { return -1 / sqrt((1 - x) * (1 + x)); }
};
/// tl::atan(x): the arc tangent.
struct atan_ {
  static constexpr std::string_view name = "tl::atan";
  static constexpr bool simd = true;
  template <class X> static X value(X const& x) { return atan(x); }
  template <class X> static X derivative(X const& x, X const&) { return 1 / (1 + x * x); }
};
/// tl::sinh(x).
struct sinh_ {
  static constexpr std::string_view name = "tl::sinh";
  static constexpr bool simd = true;
  template <class X> static X value(X const& x) { return sinh(x); }
  template <class X> static X derivative(X const& x, X const&) { return cosh(x); }
};
/// tl::cosh(x).
struct cosh_ {
  static constexpr std::string_view name = "tl::cosh";
  static constexpr bool simd = true;
  template <class X> static X value(X const& x) { return cosh(x); }
  template <class X> static X derivative(X const& x, X const&) { return sinh(x); }
};
/// tl::tanh(x).
struct tanh_ {
  static constexpr std::string_view name = "tl::tanh";
  static constexpr bool simd = true;
  template <class X> static X value(X const& x) { return tanh(x); }
  template <class X> static X derivative(X const&, X const& y) { return 1 - y * y; }
};
/// tl::asinh(x): the inverse hyperbolic sine.
struct asinh_ {
  static constexpr std::string_view name = "tl::asinh";
  static constexpr bool simd = true;
  template <class X> static X value(X const& x) { return asinh(x); }
  template <class X> static X derivative(X const& x, X const&) { return 1 / sqrt(x * x + 1); }
};
/// tl::acosh(x): the inverse hyperbolic cosine on [1, inf); its derivative is +inf at 1.
struct acosh_ {
  static constexpr std::string_view name = "tl::acosh";
  static constexpr bool simd = true;
  template <class X> static X value(X const& x) { return acosh(x); }
  template <class X> static X derivative(X const& x, X const&) { return 1 / sqrt((x - 1) * (x + 1)); }
};
/// tl::atanh(x): the inverse hyperbolic tangent on (-1, 1); +-inf at the ends.
struct atanh_ {
  static constexpr std::string_view name = "tl::atanh";
  static constexpr bool simd = true;
  template <class X> static X value(X const& x) { return atanh(x); }
  template <class X> static X derivative(X const& x, X const&) { return 1 / ((1 - x) * (1 + x)); }
};
/// tl::sqrt(x); its derivative is +inf at 0.
struct sqrt_ {
  static constexpr std::string_view name = "tl::sqrt";
  static constexpr bool simd = true;
  template <class X> static X value(X const& x) { return sqrt(x); }
  template <class X> static X derivative(X const&, X const& y) { return 1 / (2 * y); }
  template <class X> static X adjoint(X const&, X const& y, X const& a) { return a / (2 * y); }
};
/// The cube root, real for negative x; its derivative 1 / (3 y^2) is +inf at 0.
struct cbrt_ {
  static constexpr std::string_view name = "tl::cbrt";
  template <class X> static X value(X const& x) { return std::cbrt(x); }
  template <class X> static X derivative(X const&, X const& y) { return 1 / (3 * (y * y)); }
};
/// tl::square(x): x * x.
struct square {
  static constexpr std::string_view name = "tl::square";
  static constexpr bool direct = true;
  static constexpr bool simd = true;
  template <class X> static X value(X const& x) { return x * x; }
  template <class X> static X derivative(X const& x, X const&) { return 2 * x; }
  static constexpr int factor = 2;
  template <class X> static X part(X const& x, X const&, X const& a) { return a * x; }
  template <class X> static X adjoint(X const& x, X const& y, X const& a) { return factor * part(x, y, a); }
};
/// tl::abs(x) (and fabs on duals and jets): |x|, with the derivative 0 at 0.
struct abs_ {
  static constexpr std::string_view name = "tl::abs";
  static constexpr bool simd = true;
  template <class X> static X value(X const& x) { return abs(x); }
  // The subgradient 0 at x == 0, as JAX and TensorFlow give.
  template <class X> static X derivative(X const& x, X const&) {
    return select(x > 0, X(1), select(x < 0, X(-1), X{}));
  }
  template <class X> static X adjoint(X const& x, X const&, X const& a) {
    return select(x > 0, a, select(x < 0, X(-a), X{}));
  }
};
/// tl::sigmoid(x): 1 / (1 + e^-x), without overflow.
struct sigmoid {
  static constexpr std::string_view name = "tl::sigmoid";
  static constexpr bool simd = true;
  // exp only ever sees a non-positive argument, so nothing overflows: with e = exp(-|x|),
  // sigmoid(x) is 1 / (1 + e) for x >= 0 and e / (1 + e) below.
  template <class X> static X value(X const& x) {
    X const e = exp(select(x >= 0, X(-x), x));
    X const r = 1 / (1 + e);
    return select(x >= 0, r, X(e * r));
  }
  // y (1 - y) with 1 - y as sigmoid(-x), which does not round to 0 far out (4.2e-18 at x = 40).
  template <class X> static X derivative(X const& x, X const& y) { return y * evaluate<sigmoid>(X(-x)); }
  // The fused loops' form: one exp fewer; below 2^-53 relative to the result it gives 0.
  template <class X> static X adjoint(X const&, X const& y, X const& a) { return a * (y * (1 - y)); }
};
/// log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): no overflow, no cancellation; the derivative is
/// sigmoid(x).
struct softplus {
  static constexpr std::string_view name = "tl::softplus";
  static constexpr bool simd = true;
  template <class X> static X value(X const& x) {
    return select(x > 0, x, X{}) + log1p(exp(select(x > 0, X(-x), x)));
  }
  template <class X> static X derivative(X const& x, X const&) { return evaluate<sigmoid>(x); }
};
/// log(sigmoid(x)) = -softplus(-x); the derivative is sigmoid(-x).
struct log_sigmoid {
  static constexpr std::string_view name = "tl::log_sigmoid";
  static constexpr bool simd = true;
  template <class X> static X value(X const& x) {
    return select(x < 0, x, X{}) - log1p(exp(select(x > 0, X(-x), x)));
  }
  template <class X> static X derivative(X const& x, X const&) { return evaluate<sigmoid>(X(-x)); }
};
/// tl::erf(x): the error function.
struct erf_ {
  static constexpr std::string_view name = "tl::erf";
  template <class X> static X value(X const& x) { return std::erf(x); }
  template <class X> static X derivative(X const& x, X const&) {
    return std::numbers::inv_sqrtpi * 2 * exp(-(x * x));
  }
};
/// tl::erfc(x): 1 - erf(x), accurate where erf(x) nears 1.
struct erfc_ {
  static constexpr std::string_view name = "tl::erfc";
  template <class X> static X value(X const& x) { return std::erfc(x); }
  template <class X> static X derivative(X const& x, X const&) {
    return -std::numbers::inv_sqrtpi * 2 * exp(-(x * x));
  }
};
/// psi^(n), the n-th derivative of digamma (core/detail/special.hpp); its derivative is psi^(n+1).
template <unsigned N>
struct polygamma_ {
  static constexpr std::string_view name = N == 0 ? "tl::digamma" : "tl::polygamma";
  template <class X> static X value(X const& x) { return polygamma(N, x); }
  template <class X> static X derivative(X const& x, X const&) { return evaluate<polygamma_<N + 1>>(x); }
};
using digamma_ = polygamma_<0>;
/// log |Gamma(x)|; its derivative is digamma.
struct lgamma_ {
  static constexpr std::string_view name = "tl::lgamma";
  template <class X> static X value(X const& x) { return std::lgamma(x); }
  template <class X> static X derivative(X const& x, X const&) { return evaluate<digamma_>(x); }
};

// ---- binary rules ----------------------------------------------------------------------------------

/// a + b.
struct add {
  static constexpr std::string_view name = "tl::operator+";
  static constexpr bool direct = true;
  static constexpr bool simd = true;
  template <class X> static X value(X const& x, X const& z) { return x + z; }
  static constexpr reads_t reads{.left = 0, .right = 0};
  template <class X> static X left(X const&, X const&, X const&, X const& a) { return a; }
  template <class X> static X right(X const&, X const&, X const&, X const& a) { return a; }
};
/// a - b.
struct subtract {
  static constexpr std::string_view name = "tl::operator-";
  static constexpr bool direct = true;
  static constexpr bool simd = true;
  template <class X> static X value(X const& x, X const& z) { return x - z; }
  static constexpr reads_t reads{.left = 0, .right = 0};
  template <class X> static X left(X const&, X const&, X const&, X const& a) { return a; }
  template <class X> static X right(X const&, X const&, X const&, X const& a) { return -a; }
};
/// a * b.
struct multiply {
  static constexpr std::string_view name = "tl::operator*";
  static constexpr bool direct = true;
  static constexpr bool simd = true;
  template <class X> static X value(X const& x, X const& z) { return x * z; }
  static constexpr reads_t reads{.left = reads_z, .right = reads_x};
  template <class X> static X left(X const&, X const& z, X const&, X const& a) { return a * z; }
  template <class X> static X right(X const& x, X const&, X const&, X const& a) { return a * x; }
};
/// tl::dot's products: a * b under another name, so that an error in a fused dot names tl::dot.
struct dot_product : multiply {
  static constexpr std::string_view name = "tl::dot";
};
/// a / b.
struct divide {
  static constexpr std::string_view name = "tl::operator/";
  static constexpr bool direct = true;
  static constexpr bool simd = true;
  template <class X> static X value(X const& x, X const& z) { return x / z; }
  static constexpr reads_t reads{.left = reads_z, .right = reads_z | reads_y};
  template <class X> static X left(X const&, X const& z, X const&, X const& a) { return a / z; }
  template <class X> static X right(X const&, X const& z, X const& y, X const& a) { return -(a * y) / z; }
};
/// tl::pow(x, z): x^z, either operand a number or an expression.
struct pow_ {
  static constexpr std::string_view name = "tl::pow";
  static constexpr bool simd = true;
  template <class X> static X value(X const& x, X const& z) { return pow(x, z); }
  // At z = 0 the derivative in x is 0 (JAX's rule), not NaN from 0 * 0^-1 at x = 0.
  template <class X> static X left(X const& x, X const& z, X const&, X const& a) {
    return a * select(z == 0, X{}, X(z * pow(x, X(z - 1))));
  }
  // Only evaluated when the exponent is differentiated, so pow(x, 2) at x <= 0 stays finite. At x = 0
  // log(x) is taken as log(1) (JAX's rule): d/dz 0^z is 0 where 0^z is finite, not NaN from 0 * -inf.
  template <class X> static X right(X const& x, X const&, X const& y, X const& a) {
    return a * (y * log(select(x == 0, X{} + 1, x)));
  }
};
/// atan2(x, z): the angle of the point (z, x), in (-pi, pi]; its gradient is (z, -x) / (x^2 + z^2), NaN
/// at the origin (as JAX's).
struct atan2_ {
  static constexpr std::string_view name = "tl::atan2";
  template <class X> static X value(X const& x, X const& z) { return std::atan2(x, z); }
  template <class X> static X left(X const& x, X const& z, X const&, X const& a) { return a * z / (x * x + z * z); }
  template <class X> static X right(X const& x, X const& z, X const&, X const& a) { return -(a * x) / (x * x + z * z); }
};
/// sqrt(x^2 + z^2) without overflow; its gradient (x, z) / y is taken as 0 at the origin, as for
/// tl::norm and tl::abs.
struct hypot_ {
  static constexpr std::string_view name = "tl::hypot";
  template <class X> static X value(X const& x, X const& z) { return std::hypot(x, z); }
  template <class X> static X left(X const& x, X const&, X const& y, X const& a) {
    return a * select(y == 0, X{}, X(x / select(y == 0, X(1), y)));
  }
  template <class X> static X right(X const&, X const& z, X const& y, X const& a) {
    return a * select(y == 0, X{}, X(z / select(y == 0, X(1), y)));
  }
};
// Ties go to the left operand, so max(x, x) passes the whole derivative to its first argument.
/// tl::max(a, b): the larger, elementwise.
struct max2 {
  static constexpr std::string_view name = "tl::max";
  static constexpr bool direct = true;
  static constexpr bool simd = true;
  template <class X> static X value(X const& x, X const& z) { return select(x >= z, x, z); }
  template <class X> static X left(X const& x, X const& z, X const&, X const& a) { return select(x >= z, a, X{}); }
  template <class X> static X right(X const& x, X const& z, X const&, X const& a) { return select(x >= z, X{}, a); }
};
/// tl::min(a, b): the smaller, elementwise.
struct min2 {
  static constexpr std::string_view name = "tl::min";
  static constexpr bool direct = true;
  static constexpr bool simd = true;
  template <class X> static X value(X const& x, X const& z) { return select(x <= z, x, z); }
  template <class X> static X left(X const& x, X const& z, X const&, X const& a) { return select(x <= z, a, X{}); }
  template <class X> static X right(X const& x, X const& z, X const&, X const& a) { return select(x <= z, X{}, a); }
};

// Comparisons give masks (bool elements) and have no derivative.
struct less {
  static constexpr std::string_view name = "tl::operator<";
  template <class X> static bool value(X const& x, X const& z) { return x < z; }
};
struct less_equal {
  static constexpr std::string_view name = "tl::operator<=";
  template <class X> static bool value(X const& x, X const& z) { return x <= z; }
};
struct greater {
  static constexpr std::string_view name = "tl::operator>";
  template <class X> static bool value(X const& x, X const& z) { return x > z; }
};
struct greater_equal {
  static constexpr std::string_view name = "tl::operator>=";
  template <class X> static bool value(X const& x, X const& z) { return x >= z; }
};

}  // namespace tapeless::detail::op

// The public elementwise functions, one entry each: NAME is the function (tl::NAME on expressions,
// numbers, duals and jets), RULE its rule above; X(NAME, RULE, args...) is called for each. Each header
// that gives a kind of number its functions expands these lists (elementwise.hpp for expressions and
// numbers; dual.hpp and jet.hpp through TAPELESS_NUMBER_FUNCTIONS below).
#define TAPELESS_UNARY_FUNCTIONS(X, ...)   \
  X(exp, exp_, __VA_ARGS__)                \
  X(log, log_, __VA_ARGS__)                \
  X(log2, log2_, __VA_ARGS__)              \
  X(log10, log10_, __VA_ARGS__)            \
  X(log1p, log1p_, __VA_ARGS__)            \
  X(expm1, expm1_, __VA_ARGS__)            \
  X(sin, sin_, __VA_ARGS__)                \
  X(cos, cos_, __VA_ARGS__)                \
  X(tan, tan_, __VA_ARGS__)                \
  X(asin, asin_, __VA_ARGS__)              \
  X(acos, acos_, __VA_ARGS__)              \
  X(atan, atan_, __VA_ARGS__)              \
  X(sinh, sinh_, __VA_ARGS__)              \
  X(cosh, cosh_, __VA_ARGS__)              \
  X(tanh, tanh_, __VA_ARGS__)              \
  X(asinh, asinh_, __VA_ARGS__)            \
  X(acosh, acosh_, __VA_ARGS__)            \
  X(atanh, atanh_, __VA_ARGS__)            \
  X(sqrt, sqrt_, __VA_ARGS__)              \
  X(cbrt, cbrt_, __VA_ARGS__)              \
  X(square, square, __VA_ARGS__)           \
  X(abs, abs_, __VA_ARGS__)                \
  X(sigmoid, sigmoid, __VA_ARGS__)         \
  X(log_sigmoid, log_sigmoid, __VA_ARGS__) \
  X(softplus, softplus, __VA_ARGS__)       \
  X(erf, erf_, __VA_ARGS__)                \
  X(erfc, erfc_, __VA_ARGS__)              \
  X(lgamma, lgamma_, __VA_ARGS__)          \
  X(digamma, digamma_, __VA_ARGS__)
#define TAPELESS_BINARY_FUNCTIONS(X, ...) \
  X(pow, pow_, __VA_ARGS__) X(atan2, atan2_, __VA_ARGS__) X(hypot, hypot_, __VA_ARGS__)

/// The public functions of the lists, and max, min and clamp, for one number type (dual.hpp, jet.hpp):
/// HEAD is its template parameters and TYPE the type, each in parentheses; SCALAR the concept of a
/// plain number that may stand beside it (a constant). Each applies the rule through the type's hook
/// `apply_rule`; max, min and clamp choose by the value (`primal`), the first on ties.
#define TAPELESS_UNPAREN(...) __VA_ARGS__
#define TAPELESS_NUMBER_UNARY(NAME, RULE, HEAD, TYPE, SCALAR)                                        \
  template <TAPELESS_UNPAREN HEAD>                                                             \
  TAPELESS_UNPAREN TYPE NAME(TAPELESS_UNPAREN TYPE const& x) {                                 \
    return apply_rule(detail::op::RULE{}, x);                                                  \
  }
#define TAPELESS_NUMBER_BINARY(NAME, RULE, HEAD, TYPE, SCALAR)                                 \
  template <TAPELESS_UNPAREN HEAD>                                                             \
  TAPELESS_UNPAREN TYPE NAME(TAPELESS_UNPAREN TYPE const& x, TAPELESS_UNPAREN TYPE const& z) { \
    return apply_rule(detail::op::RULE{}, x, z);                                               \
  }                                                                                            \
  template <TAPELESS_UNPAREN HEAD, SCALAR U>                                                   \
  TAPELESS_UNPAREN TYPE NAME(TAPELESS_UNPAREN TYPE const& x, U const& z) {                     \
    return apply_rule(detail::op::RULE{}, x, TAPELESS_UNPAREN TYPE(z));                        \
  }                                                                                            \
  template <TAPELESS_UNPAREN HEAD, SCALAR U>                                                   \
  TAPELESS_UNPAREN TYPE NAME(U const& x, TAPELESS_UNPAREN TYPE const& z) {                     \
    return apply_rule(detail::op::RULE{}, TAPELESS_UNPAREN TYPE(x), z);                        \
  }
#define TAPELESS_NUMBER_SELECTION(HEAD, TYPE)                                                  \
  template <TAPELESS_UNPAREN HEAD>                                                             \
  TAPELESS_UNPAREN TYPE max(TAPELESS_UNPAREN TYPE const& a, TAPELESS_UNPAREN TYPE const& b) {  \
    return primal(a) >= primal(b) ? a : b;                                                     \
  }                                                                                            \
  template <TAPELESS_UNPAREN HEAD>                                                             \
  TAPELESS_UNPAREN TYPE min(TAPELESS_UNPAREN TYPE const& a, TAPELESS_UNPAREN TYPE const& b) {  \
    return primal(a) <= primal(b) ? a : b;                                                     \
  }                                                                                            \
  template <TAPELESS_UNPAREN HEAD>                                                             \
  TAPELESS_UNPAREN TYPE clamp(TAPELESS_UNPAREN TYPE const& x, TAPELESS_UNPAREN TYPE const& lo, \
                              TAPELESS_UNPAREN TYPE const& hi) {                               \
    return min(max(x, lo), hi);                                                                \
  }
/// isnan, isinf and isfinite for one number type, over its components as the type's
/// `detail::any_component(x, p)` visits them (isfinite: none is not finite).
#define TAPELESS_NUMBER_CLASSIFICATION(HEAD, TYPE)                                             \
  template <TAPELESS_UNPAREN HEAD>                                                             \
  bool isnan(TAPELESS_UNPAREN TYPE const& x) {                                                 \
    return detail::any_component(x, [](auto const& c) { using std::isnan; return isnan(c); }); \
  }                                                                                            \
  template <TAPELESS_UNPAREN HEAD>                                                             \
  bool isinf(TAPELESS_UNPAREN TYPE const& x) {                                                 \
    return detail::any_component(x, [](auto const& c) { using std::isinf; return isinf(c); }); \
  }                                                                                            \
  template <TAPELESS_UNPAREN HEAD>                                                             \
  bool isfinite(TAPELESS_UNPAREN TYPE const& x) {                                              \
    return !detail::any_component(x, [](auto const& c) {                                       \
      using std::isfinite;                                                                     \
      return !isfinite(c);                                                                     \
    });                                                                                        \
  }
/// Every public function of the lists, fabs, max, min, clamp and the classification for one number
/// type (one line in dual.hpp and in jet.hpp).
#define TAPELESS_NUMBER_FUNCTIONS(HEAD, TYPE, SCALAR)                                          \
  TAPELESS_UNARY_FUNCTIONS(TAPELESS_NUMBER_UNARY, HEAD, TYPE, SCALAR)                          \
  TAPELESS_BINARY_FUNCTIONS(TAPELESS_NUMBER_BINARY, HEAD, TYPE, SCALAR)                        \
  TAPELESS_NUMBER_UNARY(fabs, abs_, HEAD, TYPE, SCALAR)                                        \
  TAPELESS_NUMBER_SELECTION(HEAD, TYPE)                                                        \
  TAPELESS_NUMBER_CLASSIFICATION(HEAD, TYPE)
