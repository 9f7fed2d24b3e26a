// The parts of the fuzz harness its translation units share (api.cpp, elementwise.cpp): the
// reference arithmetic (numbers with a bound), the checks, the decoding of the input and the reference
// of the reductions. Everything is inline: one definition for the whole program.
#pragma once

#include "api.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <tapeless/tapeless.hpp>

// The reference below bounds every rounding it does itself; clang would otherwise fuse a product into
// a later addition where it sees fit (g++ does too, under -ffp-contract=fast, but only across what the
// bounds already allow for: see mul()).
#ifdef __clang__
#pragma clang fp contract(off)
#endif

namespace tapeless_fuzz {

// Library bugs this harness found, fixed, and caught again by it if they come back: tl::dot(x, s) of
// an empty tl::dvec and a scalar read x[0]; an array divided by a denormal scalar went through an
// overflowing reciprocal; max / min missed a NaN on AVX-512 (Highway's Ne is an ordered compare).

// ---- The reference: numbers with a bound ------------------------------------------------------------

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double eps = std::numeric_limits<double>::epsilon();
constexpr double tiny = std::numeric_limits<double>::denorm_min();
constexpr double least = std::numeric_limits<double>::min();  // the smallest normal number
constexpr double big = std::numeric_limits<double>::max();

/// A number computed here, v, and a bound e on how far the library's number may be from it: the
/// library adds in another order (SIMD lanes), fuses products into additions (FMA), and its SIMD
/// elementary functions are a few ULP from std::'s. e == 0: the library must give v exactly (the
/// same IEEE operations on the same numbers). A non-finite v with a finite bound is certain: the
/// library must give the same infinity, or a NaN. e == inf: nothing can be said (an overflow that
/// another order of operations avoids, a comparison that a rounding could flip); such a number is
/// not compared, and neither is anything computed from it.
struct ref {
  double v;
  double e = 0;
};

inline ref exact(double v) { return {v, 0}; }
inline ref unknown(double v = nan) { return {v, inf}; }
/// Unknown, or finite here but possibly infinite in the library.
inline bool is_unknown(ref a) { return !(a.e < inf) || (std::isfinite(a.v) && !(std::abs(a.v) + a.e <= big)); }
/// Exactly known (a zero with its sign), or certainly nonzero with a certain sign.
inline bool settled(ref a) { return a.e == 0 || std::abs(a.v) > a.e; }
/// The result of an operation: what its inputs' bounds carry over, and a rounding on each side.
inline ref rounded(double v, double carried, double ulps = 2) {
  if (!std::isfinite(v)) return {v, 0};
  return {v, carried + ulps * eps * (std::abs(v) + carried) + ulps * tiny};
}

inline ref neg(ref a) { return {-a.v, a.e}; }

inline ref add(ref a, ref b) {
  if (is_unknown(a) || is_unknown(b)) return unknown();
  double const v = a.v + b.v;
  if (a.e == 0 && b.e == 0) return {v, 0};  // one IEEE addition of the same numbers (no product in it)
  if (!std::isfinite(v)) return std::isfinite(a.v) && std::isfinite(b.v) ? unknown(v) : ref{v, 0};
  return rounded(v, a.e + b.e);
}
inline ref sub(ref a, ref b) { return add(a, neg(b)); }

/// A product may be fused into the addition that follows it (Highway's MulAdd in matmul, or the
/// compiler): so it always carries its rounding, and an overflow is unknown (the fused sum need not
/// overflow). Exact zeros and certain infinities give certain results, as they do in an FMA.
inline ref mul(ref a, ref b) {
  if (is_unknown(a) || is_unknown(b)) return unknown();
  double const v = a.v * b.v;
  if (std::isnan(a.v) || std::isnan(b.v)) return {v, 0};
  if (std::isinf(a.v) || std::isinf(b.v)) return settled(a) && settled(b) ? ref{v, 0} : unknown(v);
  if ((a.v == 0 && a.e == 0) || (b.v == 0 && b.e == 0)) return {v, settled(a) && settled(b) ? 0 : tiny};
  if (!std::isfinite(v)) return unknown(v);
  return rounded(v, std::abs(a.v) * b.e + std::abs(b.v) * a.e + a.e * b.e);
}

inline ref div(ref a, ref b) {
  if (is_unknown(a) || is_unknown(b)) return unknown();
  double const v = a.v / b.v;
  if (std::isnan(a.v) || std::isnan(b.v)) return {v, 0};
  if (a.e == 0 && b.e == 0) return {v, 0};  // one IEEE division (never fused)
  if (!settled(b)) return unknown(v);       // b may be 0, or of either sign
  if (std::isinf(b.v)) return std::isinf(a.v) ? ref{v, 0} : ref{v, settled(a) ? 0 : tiny};
  if (std::isinf(a.v)) return {v, 0};
  if (b.v == 0) return settled(a) ? ref{v, 0} : unknown(v);
  if (a.v == 0 && a.e == 0) return {v, 0};
  if (!std::isfinite(v)) return unknown(v);
  return rounded(v, (a.e + std::abs(v) * b.e) / (std::abs(b.v) - b.e));
}

inline ref sqrt_r(ref a) {
  if (is_unknown(a)) return unknown();
  double const v = std::sqrt(a.v);
  if (a.e == 0 || !std::isfinite(a.v)) return {v, 0};  // correctly rounded everywhere
  if (!(a.v - a.e > 0)) return unknown(v);
  return rounded(v, a.e / (std::sqrt(a.v - a.e) + v));
}

/// An elementary function of an exact argument: std:: here; Highway's SIMD version (within a few ULP
/// of std::'s, kernels/simd-inl.h) or std:: itself in the library. `slack` is the part of the bound
/// that is not relative: results in the denormal range (where Highway may lose digits), sin and cos
/// near their zeros. A non-finite result is certain: both sides take std::'s outside Highway's range.
inline ref elementary(double v, double slack = 4 * least) {
  if (!std::isfinite(v)) return {v, 0};
  return {v, 8 * eps * std::abs(v) + slack};
}
/// An elementary function whose argument has a bound: d bounds the change of the exact function.
inline ref spread(double v, double d) {
  if (!std::isfinite(v) || !(d < inf)) return unknown(v);
  ref r = elementary(v);
  r.e += d;
  return r;
}
/// The functions given only for exact arguments (the families apply them to vars).
template <class F>
ref exact_only(ref x, F f, double slack = 4 * least) {
  if (is_unknown(x) || (x.e != 0 && std::isfinite(x.v))) return unknown();
  return elementary(f(x.v), slack);
}

inline ref exp_r(ref x) {
  if (is_unknown(x)) return unknown();
  double const v = std::exp(x.v);
  if (x.e == 0 || !std::isfinite(x.v)) return elementary(v);
  return spread(v, v * std::expm1(x.e) * 2);
}
inline ref log_r(ref x) {
  if (is_unknown(x)) return unknown();
  double const v = std::log(x.v);
  if (x.e == 0 || !std::isfinite(x.v)) return elementary(v);
  if (!(x.v - x.e > 0)) return unknown(v);
  return spread(v, std::log(x.v / (x.v - x.e)) * 2);
}
inline ref tanh_r(ref x) {
  if (is_unknown(x)) return unknown();
  double const v = std::tanh(x.v);
  if (x.e == 0 || !std::isfinite(x.v)) return elementary(v);
  return spread(v, x.e);  // |tanh'| <= 1
}
/// sin and cos: Highway reduces the argument by multiples of pi/2, so near a zero the error is
/// relative to the argument, not to the result.
inline double reduction_slack(double x) { return 4 * least + 4 * eps * std::max(1.0, std::abs(x)); }
inline ref sin_r(ref x) { return exact_only(x, [](double v) { return std::sin(v); }, reduction_slack(x.v)); }
inline ref cos_r(ref x) { return exact_only(x, [](double v) { return std::cos(v); }, reduction_slack(x.v)); }

inline ref pow_r(ref x, ref z) {
  if (is_unknown(x) || is_unknown(z)) return unknown();
  double const v = std::pow(x.v, z.v);
  if (x.e == 0 && z.e == 0)  // std::pow on both sides
    return std::isfinite(v) ? ref{v, 2 * eps * std::abs(v) + tiny} : ref{v, 0};
  if (x.v == 0 && x.e == 0 && !std::signbit(x.v) && settled(z)) return {v, 0};  // +0 to a power of certain sign
  if (!std::isfinite(x.v) || !std::isfinite(z.v) || !std::isfinite(v) || !(x.v - x.e > 0)) return unknown(v);
  // log v' - log v = z' (log x' - log x) + (z' - z) log x, bounded over the inputs' bounds
  double const rel = (std::abs(z.v) + z.e) * std::log(x.v / (x.v - x.e)) + z.e * std::abs(std::log(x.v));
  if (!(rel < 1)) return unknown(v);
  return rounded(v, std::abs(v) * std::expm1(rel) * 2, 4);
}

/// How the library decides a comparison of two numbers: nullopt when a rounding could flip it.
template <class Op>
std::optional<bool> decide(ref x, ref z, Op op) {
  if (is_unknown(x) || is_unknown(z)) return std::nullopt;
  bool const r = op(x.v, z.v);
  if ((x.e == 0 && z.e == 0) || std::isnan(x.v) || std::isnan(z.v)) return r;
  if (std::abs(x.v - z.v) > x.e + z.e) return r;
  return std::nullopt;
}
inline ref pick(std::optional<bool> c, ref a, ref b) {
  if (!c) return unknown();
  return *c ? a : b;
}

/// A sum in any order (SIMD lanes, two accumulators, a tail), each addition rounding once.
inline ref sum_r(std::span<ref const> t) {
  double v = 0, carried = 0, magnitude = 0;
  bool any_nan = false, plus_inf = false, minus_inf = false;
  for (ref const& a : t) {
    if (is_unknown(a)) return unknown();
    v += a.v;
    if (std::isnan(a.v))
      any_nan = true;
    else if (a.v == inf)
      plus_inf = true;
    else if (a.v == -inf)
      minus_inf = true;
    else {
      carried += a.e;
      magnitude += std::abs(a.v) + a.e;
    }
  }
  if (any_nan || (plus_inf && minus_inf)) return {nan, 0};
  double const n = double(t.size());
  if (!(magnitude * (1 + 4 * (n + 2) * eps) < big / 2)) return unknown(v);  // some order may overflow
  if (plus_inf || minus_inf) return {plus_inf ? inf : -inf, 0};
  if (carried == 0 && magnitude == 0) return {0, 0};
  return {v, carried + 2 * (n + 2) * eps * magnitude + 2 * n * tiny};
}
inline ref sum_r(std::initializer_list<ref> t) { return sum_r(std::span<ref const>(t.begin(), t.size())); }

// ---- Reporting ---------------------------------------------------------------------------------------

constexpr std::size_t family_count = 11;
constexpr std::array<char const*, family_count> family_names = {
    "unary", "binary", "broadcast", "let_tree", "matmul", "dot", "index", "extremes", "seeds", "lets", "where"};

struct statistics {
  std::array<std::uint64_t, family_count> inputs{}, fitting{}, throwing{};
  std::uint64_t exact = 0, bounded = 0, unbounded = 0;
};
inline statistics stats;

struct context {
  std::size_t family;
  std::string detail;
};

inline std::string show(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

[[noreturn]] inline void fail(context const& c, std::string const& what) {
  std::fprintf(stderr, "tapeless fuzz: family %s (%s): %s\n", family_names[c.family], c.detail.c_str(), what.c_str());
  std::fflush(stderr);
  std::abort();
}

/// The library's number against the reference's.
inline void require_close(context const& c, char const* what, std::size_t which, std::size_t i, double got, ref want) {
  if (is_unknown(want)) {
    ++stats.unbounded;
    return;
  }
  ++(want.e == 0 ? stats.exact : stats.bounded);
  bool ok;
  if (std::isnan(want.v))
    ok = std::isnan(got);
  else if (std::isinf(want.v))
    ok = got == want.v;
  else
    ok = std::isfinite(got) && std::abs(got - want.v) <= want.e;  // finite, and stays finite within e
  if (!ok)
    fail(c, std::string(what) + " " + std::to_string(which) + " [" + std::to_string(i) + "]: got " + show(got) +
                ", want " + show(want.v) + " +- " + show(want.e));
}

inline void require_close(context const& c, char const* what, std::size_t which, std::vector<double> const& got,
                          std::vector<ref> const& want) {
  if (got.size() != want.size())
    fail(c, std::string(what) + " " + std::to_string(which) + ": " + std::to_string(got.size()) + " elements, want " +
                std::to_string(want.size()));
  for (std::size_t i = 0; i < got.size(); ++i) require_close(c, what, which, i, got[i], want[i]);
}

// ---- Values as flat lists, and bitwise snapshots of vars ---------------------------------------------

inline std::vector<double> flat(double v) { return {v}; }
inline std::vector<double> flat(tl::dvec<double> const& v) { return {v.begin(), v.end()}; }
inline std::vector<double> flat(tl::dmat<double> const& v) { return {v.begin(), v.end()}; }
template <class... T>
std::vector<std::vector<double>> flat_all(std::tuple<T...> const& t) {
  return std::apply([](auto const&... g) { return std::vector<std::vector<double>>{flat(g)...}; }, t);
}

inline bool same_bits(std::vector<double> const& a, std::vector<double> const& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

/// A var's value, kept to compare bit for bit (NaN payloads and the signs of zeros included).
struct shot {
  std::size_t rows, cols;
  std::vector<double> data;
};
template <class V>
shot shot_of(tl::var<V> const& x) {
  if constexpr (std::is_same_v<V, tl::dmat<double>>)
    return {x.value().rows(), x.value().cols(), flat(x.value())};
  else
    return {flat(x.value()).size(), 1, flat(x.value())};
}

template <class... V>
void require_unchanged(context const& c, std::array<shot, sizeof...(V)> const& before, V const&... vars) {
  std::array<shot, sizeof...(V)> const after{shot_of(vars)...};
  for (std::size_t k = 0; k < after.size(); ++k)
    if (after[k].rows != before[k].rows || after[k].cols != before[k].cols || !same_bits(after[k].data, before[k].data))
      fail(c, "var " + std::to_string(k) + " changed");
}

template <class F>
void require_shape_error(context const& c, char const* what, F const& f) {
  try {
    (void)f();
  } catch (tl::shape_error const&) {
    return;
  }
  fail(c, std::string(what) + " did not throw tl::shape_error");
}

struct expected {
  std::vector<ref> value;
  std::vector<std::vector<ref>> gradients;  // one list per target, in wrt order (a number: one element)
};

/// One root. value_fits: tl::value must give the reference's value; gradient_fits: tl::gradient
/// must give its gradients, twice the same; otherwise each must throw tl::shape_error. The vars
/// must be bitwise unchanged in every case. reference(with_gradients) computes from the vars'
/// current values.
template <class Value, class Grad, class Reference, class... V>
void check(context const& c, bool value_fits, bool gradient_fits, Value const& value, Grad const& grad,
           Reference const& reference, V const&... vars) {
  // TAPELESS_FUZZ_VERBOSE=1 names each root checked: to read back a corpus or a crash file.
  static bool const verbose = std::getenv("TAPELESS_FUZZ_VERBOSE") != nullptr;
  if (verbose)
    std::fprintf(stderr, "%s: %s: %s\n", family_names[c.family], c.detail.c_str(),
                 gradient_fits ? "fits" : value_fits ? "value fits, gradient throws" : "throws");
  std::array<shot, sizeof...(V)> const before{shot_of(vars)...};
  ++(gradient_fits ? stats.fitting : stats.throwing)[c.family];
  if (value_fits) {
    expected const want = reference(gradient_fits);
    require_close(c, "value", 0, flat(value()), want.value);
    if (gradient_fits) {
      auto const got = flat_all(grad());
      if (got.size() != want.gradients.size()) fail(c, "wrong number of gradients");
      for (std::size_t k = 0; k < got.size(); ++k) require_close(c, "gradient", k, got[k], want.gradients[k]);
      auto const again = flat_all(grad());
      for (std::size_t k = 0; k < got.size(); ++k)
        if (!same_bits(got[k], again[k])) fail(c, "gradient " + std::to_string(k) + " differs when taken again");
    } else {
      require_shape_error(c, "tl::gradient", grad);
    }
  } else {
    require_shape_error(c, "tl::value", value);
    require_shape_error(c, "tl::gradient", grad);
  }
  require_unchanged(c, before, vars...);
}

// ---- Decoding the input --------------------------------------------------------------------------------

/// Numbers the edges live at. The first is what an exhausted input reads.
constexpr std::array<double, 40> palette = {
    0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, nan, -nan, inf, -inf,
    tiny, -tiny, 1e-310, least, -least, 1e-300, -1e-300, 1e300, -1e300, big, -big,
    700.0, -720.0, 710.0, -750.0, 40000.5, 1e-8, -1e-8, 0.1, 1.5, 3.141592653589793,
    20.0, -20.0, 1e154, 2e154, 1e-160, 1.0000000000000002};

class source {
 public:
  source(std::uint8_t const* p, std::size_t n) : p_(p), n_(n) {}
  unsigned byte() { return i_ < n_ ? p_[i_++] : 0u; }
  unsigned pick(unsigned k) { return byte() % k; }
  std::size_t extent(std::size_t max) { return byte() % (max + 1); }
  /// Mostly n; one time in eight another extent in [0, max] (a deliberate mismatch).
  std::size_t like(std::size_t n, std::size_t max) {
    unsigned const b = byte();
    if (b < 224) return n;
    return (n + 1 + (b - 224) % max) % (max + 1);
  }
  /// An index into n elements; one time in eight -1, n or n + 1 (out of range).
  long index(std::size_t n) {
    unsigned const b = byte();
    if (b < 224 && n > 0) return long(b % n);
    return long(b % 3 == 0 ? -1 : long(n) + long(b % 3) - 1);
  }
  double value() {
    unsigned const b = byte();
    if (b < palette.size()) return palette[b];
    if (b < 48) {  // any bit pattern
      std::uint64_t bits = 0;
      for (int k = 0; k < 8; ++k) bits = bits << 8 | byte();
      return std::bit_cast<double>(bits);
    }
    // Multiples of 1/1024 in [-26, 26): products and sums of these are often exact.
    return double(int((b - 48) * 256 + byte()) - 26624) / 1024.0;
  }
  tl::dvec<double> dvec(std::size_t n) {
    tl::dvec<double> v(n);
    for (auto& x : v) x = value();
    return v;
  }
  tl::dmat<double> dmat(std::size_t r, std::size_t c) {
    tl::dmat<double> m(r, c);
    for (auto& x : m) x = value();
    return m;
  }

 private:
  std::uint8_t const* p_;
  std::size_t n_;
  std::size_t i_ = 0;
};

inline std::vector<ref> exact_all(std::span<double const> v) {
  std::vector<ref> r;
  for (double x : v) r.push_back(exact(x));
  return r;
}
inline std::vector<ref> exact_all(tl::dvec<double> const& v) { return exact_all({v.data(), v.size()}); }
inline std::vector<ref> exact_all(tl::dmat<double> const& v) { return exact_all({v.data(), v.size()}); }

// ---- Reductions ------------------------------------------------------------------------------------------

enum reduction { r_sum, r_mean, r_norm, r_max, r_min, r_logsumexp };
constexpr std::array<char const*, 6> reduction_names = {"sum", "mean", "norm", "max", "min", "logsumexp"};
inline bool needs_elements(reduction r) { return r == r_max || r == r_min || r == r_logsumexp; }

struct reduced {
  ref value;
  std::vector<ref> adjoint;  // of each element, for the output's adjoint 1
};

/// The element max / min picks: the first NaN, else the first largest (smallest). With a bound on
/// an element's value the library may pick a near-tie: `spread` is then how far its pick may be.
inline std::pair<std::size_t, double> extreme(std::vector<ref> const& t, bool largest, bool& ambiguous) {
  std::size_t k = 0;
  if (!std::isnan(t[0].v))
    for (std::size_t i = 1; i < t.size(); ++i) {
      if (std::isnan(t[i].v)) {
        k = i;
        break;
      }
      if (largest ? t[k].v < t[i].v : t[i].v < t[k].v) k = i;
    }
  double spread = t[k].e;
  ambiguous = false;
  if (!std::isnan(t[k].v))
    for (std::size_t i = 0; i < t.size(); ++i)
      if (i != k && (t[i].e != 0 || t[k].e != 0) && !(std::abs(t[i].v - t[k].v) > t[i].e + t[k].e)) {
        ambiguous = true;
        spread = std::max(spread, std::abs(t[i].v - t[k].v) + t[i].e);
      }
  return {k, spread};
}

/// fused: a sum or mean straight over an elementwise tree (the fused loops: a mean multiplies by
/// 1 / n); otherwise the reduction's own rule over the tree's stored value.
inline reduced reduce_ref(reduction r, std::vector<ref> const& t, bool fused) {
  std::size_t const n = t.size();
  reduced out{exact(0), std::vector<ref>(n, exact(1))};
  for (ref const& x : t)
    if (is_unknown(x)) return {unknown(), std::vector<ref>(n, unknown())};
  switch (r) {
    case r_sum:
      out.value = sum_r(t);
      break;
    case r_mean:
      if (fused) {
        ref const scale = div(exact(1), exact(double(n)));
        out.value = mul(sum_r(t), scale);
        out.adjoint.assign(n, mul(exact(1), scale));
      } else {
        out.value = div(sum_r(t), exact(double(n)));
        out.adjoint.assign(n, div(exact(1), exact(double(n))));
      }
      break;
    case r_norm: {
      std::vector<ref> squares;
      for (ref const& x : t) squares.push_back(mul(x, x));
      ref const acc = sum_r(squares);
      if (acc.v == 0 && acc.e == 0) {
        out.value = exact(0);  // the subgradient 0 at 0
        out.adjoint.assign(n, exact(0));
      } else if (!is_unknown(acc) && std::isfinite(acc.v) && !(acc.v - acc.e > 0)) {
        out.value = {std::sqrt(acc.v), std::sqrt(acc.v + acc.e)};  // maybe 0: then the subgradient
        out.adjoint.assign(n, unknown());
      } else {
        out.value = sqrt_r(acc);
        ref const scale = div(exact(1), out.value);
        for (std::size_t i = 0; i < n; ++i) out.adjoint[i] = mul(scale, t[i]);
      }
      break;
    }
    case r_max:
    case r_min: {
      bool ambiguous;
      auto const [k, spread] = extreme(t, r == r_max, ambiguous);
      out.value = {t[k].v, spread};
      out.adjoint.assign(n, ambiguous ? unknown() : exact(0));
      if (!ambiguous) out.adjoint[k] = exact(1);
      break;
    }
    case r_logsumexp: {
      // Shifted by the maximum, or by 0 where it is not finite (docs/semantics.md).
      bool ambiguous;
      auto const [k, spread] = extreme(t, true, ambiguous);
      ref const c = std::isfinite(t[k].v) ? ref{t[k].v, spread} : exact(0);
      std::vector<ref> terms;
      for (ref const& x : t) terms.push_back(exp_r(sub(x, c)));
      ref const s = sum_r(terms);
      out.value = add(c, log_r(s));
      ref const scale = div(exact(1), s);
      for (std::size_t i = 0; i < n; ++i) out.adjoint[i] = mul(scale, terms[i]);
      break;
    }
  }
  return out;
}

using dvar = tl::var<tl::dvec<double>>;
using mvar = tl::var<tl::dmat<double>>;

inline std::optional<std::size_t> same_size(std::size_t a, std::size_t b) {
  if (a == b) return a;
  return std::nullopt;
}

// ---- The families (api.cpp, elementwise.cpp) ------------------------------------------------------------

void family_unary(source& in);
void family_binary(source& in);
void family_broadcast(source& in);
void family_let_tree(source& in);
void family_matmul(source& in);
void family_dot(source& in);
void family_index(source& in);
void family_extremes(source& in);
void family_seeds(source& in);
void family_lets(source& in);
void family_where(source& in);

}  // namespace tapeless_fuzz
