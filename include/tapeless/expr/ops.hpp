// tapeless/expr/ops.hpp: the elementwise operations, each a tag with its rules.
//
// A unary rule has
//   value(x)              the result y, and
//   adjoint(x, y, a)      what the adjoint a of y contributes to x's adjoint (a * dy/dx).
// A unary rule whose derivative costs another transcendental of x (sin, cos) may also have
//   derivative(x, y)      dy/dx, with adjoint(x, y, a) == a * derivative(x, y) exactly:
// a scalar node then computes it beside the value in the forward pass, where the compiler turns the
// pair into one sincos call, and its backward pass only multiplies.
// A binary rule has value(x, z), left(x, z, y, a) and right(x, z, y, a).
// The rules are templates over the element type, so one rule serves float, double and nested duals,
// and SIMD chunks in the fused kernels: that is why branches are written with select(c, a, b)
// rather than `?:` or `if` (a comparison of SIMD lanes is a mask, not a bool). Adding an op is one tag here, one builder
// in elementwise.hpp and one entry in the law tests.
#pragma once

#include <cmath>
#include <string_view>

namespace tapeless::detail::op {

// The math functions are called unqualified so that duals find theirs by argument-dependent lookup.
using std::abs;
using std::cos;
using std::exp;
using std::expm1;
using std::log;
using std::log1p;
using std::pow;
using std::sin;
using std::sqrt;
using std::tan;
using std::tanh;

/// `c ? a : b` for scalars; the SIMD lane type overloads it with a blend.
template <class X>
X select(bool c, X const& a, X const& b) {
  return c ? a : b;
}

struct negate {
  static constexpr std::string_view name = "tl::operator-";
  template <class X> static X value(X const& x) { return -x; }
  template <class X> static X adjoint(X const&, X const&, X const& a) { return -a; }
};
struct exp_ {
  static constexpr std::string_view name = "tl::exp";
  template <class X> static X value(X const& x) { return exp(x); }
  template <class X> static X adjoint(X const&, X const& y, X const& a) { return a * y; }
};
struct log_ {
  static constexpr std::string_view name = "tl::log";
  template <class X> static X value(X const& x) { return log(x); }
  template <class X> static X adjoint(X const& x, X const&, X const& a) { return a / x; }
};
struct sin_ {
  static constexpr std::string_view name = "tl::sin";
  template <class X> static X value(X const& x) { return sin(x); }
  template <class X> static X adjoint(X const& x, X const&, X const& a) { return a * cos(x); }
  template <class X> static X derivative(X const& x, X const&) { return cos(x); }
};
struct cos_ {
  static constexpr std::string_view name = "tl::cos";
  template <class X> static X value(X const& x) { return cos(x); }
  template <class X> static X adjoint(X const& x, X const&, X const& a) { return -(a * sin(x)); }
  template <class X> static X derivative(X const& x, X const&) { return -sin(x); }
};
struct tan_ {
  static constexpr std::string_view name = "tl::tan";
  template <class X> static X value(X const& x) { return tan(x); }
  template <class X> static X adjoint(X const&, X const& y, X const& a) { return a * (1 + y * y); }
};
struct tanh_ {
  static constexpr std::string_view name = "tl::tanh";
  template <class X> static X value(X const& x) { return tanh(x); }
  template <class X> static X adjoint(X const&, X const& y, X const& a) { return a * (1 - y * y); }
};
struct sqrt_ {
  static constexpr std::string_view name = "tl::sqrt";
  template <class X> static X value(X const& x) { return sqrt(x); }
  template <class X> static X adjoint(X const&, X const& y, X const& a) { return a / (2 * y); }
};
struct square {
  static constexpr std::string_view name = "tl::square";
  template <class X> static X value(X const& x) { return x * x; }
  template <class X> static X adjoint(X const& x, X const&, X const& a) { return 2 * (a * x); }
};
struct abs_ {
  static constexpr std::string_view name = "tl::abs";
  template <class X> static X value(X const& x) { return abs(x); }
  // The subgradient 0 at x == 0, as JAX and TensorFlow give.
  template <class X> static X adjoint(X const& x, X const&, X const& a) {
    return select(x > 0, a, select(x < 0, X(-a), X{}));
  }
};
struct sigmoid {
  static constexpr std::string_view name = "tl::sigmoid";
  // exp only ever sees a non-positive argument, so nothing overflows: with e = exp(-|x|),
  // sigmoid(x) is 1 / (1 + e) for x >= 0 and e / (1 + e) below.
  template <class X> static X value(X const& x) {
    // -|x| written as a select so that duals at x = 0 keep the tangent of the x >= 0 branch.
    X const e = exp(select(x >= 0, X(-x), x));
    X const r = 1 / (1 + e);
    return select(x >= 0, r, X(e * r));
  }
  template <class X> static X adjoint(X const&, X const& y, X const& a) { return a * (y * (1 - y)); }
};
struct log1p_ {
  static constexpr std::string_view name = "tl::log1p";
  template <class X> static X value(X const& x) { return log1p(x); }
  template <class X> static X adjoint(X const& x, X const&, X const& a) { return a / (1 + x); }
};
struct expm1_ {
  static constexpr std::string_view name = "tl::expm1";
  template <class X> static X value(X const& x) { return expm1(x); }
  template <class X> static X adjoint(X const&, X const& y, X const& a) { return a * (y + 1); }
};

struct add {
  static constexpr std::string_view name = "tl::operator+";
  template <class X> static X value(X const& x, X const& z) { return x + z; }
  template <class X> static X left(X const&, X const&, X const&, X const& a) { return a; }
  template <class X> static X right(X const&, X const&, X const&, X const& a) { return a; }
};
struct subtract {
  static constexpr std::string_view name = "tl::operator-";
  template <class X> static X value(X const& x, X const& z) { return x - z; }
  template <class X> static X left(X const&, X const&, X const&, X const& a) { return a; }
  template <class X> static X right(X const&, X const&, X const&, X const& a) { return -a; }
};
struct multiply {
  static constexpr std::string_view name = "tl::operator*";
  template <class X> static X value(X const& x, X const& z) { return x * z; }
  template <class X> static X left(X const&, X const& z, X const&, X const& a) { return a * z; }
  template <class X> static X right(X const& x, X const&, X const&, X const& a) { return a * x; }
};
struct divide {
  static constexpr std::string_view name = "tl::operator/";
  template <class X> static X value(X const& x, X const& z) { return x / z; }
  template <class X> static X left(X const&, X const& z, X const&, X const& a) { return a / z; }
  template <class X> static X right(X const&, X const& z, X const& y, X const& a) { return -(a * y) / z; }
};
struct pow_ {
  static constexpr std::string_view name = "tl::pow";
  template <class X> static X value(X const& x, X const& z) { return pow(x, z); }
  // At z = 0 the derivative in x is 0 (JAX's rule), not NaN from 0 * 0^-1 at x = 0.
  template <class X> static X left(X const& x, X const& z, X const&, X const& a) {
    return a * select(z == 0, X{}, z * pow(x, z - 1));
  }
  // Only evaluated when the exponent is differentiated, so pow(x, 2) at x <= 0 stays finite. At x = 0
  // log(x) is taken as log(1) (JAX's rule): d/dz 0^z is 0 where 0^z is finite, not NaN from 0 * -inf.
  template <class X> static X right(X const& x, X const&, X const& y, X const& a) {
    return a * (y * log(select(x == 0, X{} + 1, x)));
  }
};
// Ties go to the left operand, so max(x, x) passes the whole derivative to its first argument.
struct max2 {
  static constexpr std::string_view name = "tl::max";
  template <class X> static X value(X const& x, X const& z) { return select(x >= z, x, z); }
  template <class X> static X left(X const& x, X const& z, X const&, X const& a) { return select(x >= z, a, X{}); }
  template <class X> static X right(X const& x, X const& z, X const&, X const& a) { return select(x >= z, X{}, a); }
};
struct min2 {
  static constexpr std::string_view name = "tl::min";
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
