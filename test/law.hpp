// test/law.hpp: the shared law checkers (STYLE.md, "Our habits" 9).
//
// Every op is checked against a reference written on double:
//   (a) value        the library's value against the reference, elementwise, and the value of sum(op(x));
//   (b) reverse      tl::gradient of sum(op(x)) (for an elementwise op: the fused SIMD loops) and of op(x)
//                    with random tl::seeds, against central finite differences of the reference (computed
//                    in double, h scaled to |x|) and against the analytic derivative where the law gives one;
//   (c) forward      the same op on vars of tl::dual<T> with a random tangent direction v: each output's
//                    tangent must equal the finite-difference J v, and the tangent of sum(op(x)) must equal
//                    dot(gradient, v) from reverse mode; the forward-mode tl::jacobian of sum(op(x)) must
//                    equal the gradient; the eager path (the op on a plain number and a tl::dual) too.
// Drivers run a law for float and double on tl::dvec<T> of sizes 1, 3, 4, 5, 7, 8, 9, 17 and 1000 (the SIMD
// tails of AVX2 and AVX-512 for both element types) and on static shapes (see `other_shapes`); `depth`
// says which sweeps run where.
//
// Include after <boost/test/unit_test.hpp> (the test file defines BOOST_TEST_MODULE first).
//
// Only the parts that call tapeless are templates; the numerics and the comparisons work on flat
// std::vector<double> in ordinary functions, so that each op costs the compiler little.
#pragma once

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <tapeless/tapeless.hpp>

namespace law {

// ---- value types, seen from the tests --------------------------------------------------------------
// Written here rather than taken from tapeless::detail so that the tests do not lean on internals.

template <class V>
struct info;

template <class T>
  requires(std::is_floating_point_v<T> || tl::is_dual<T>::value)
struct info<T> {
  using element = T;
  static constexpr std::size_t rank = 0;
  static constexpr bool is_static = true;
  template <class E>
  using rebind = E;
  static std::string name(T const&) { return "scalar"; }
};

template <class T, std::size_t... D>
struct info<tl::tensor<T, D...>> {
  using element = T;
  static constexpr std::size_t rank = sizeof...(D);
  static constexpr bool is_static = true;
  template <class E>
  using rebind = tl::tensor<E, D...>;
  static std::string name(tl::tensor<T, D...> const&) {
    std::string s = rank == 1 ? "vec<" : rank == 2 ? "mat<" : "tensor<";
    std::size_t k = 0;
    ((s += (k++ ? "," : "") + std::to_string(D)), ...);
    return s + ">";
  }
};

template <class T>
struct info<tl::dvec<T>> {
  using element = T;
  static constexpr std::size_t rank = 1;
  static constexpr bool is_static = false;
  template <class E>
  using rebind = tl::dvec<E>;
  static std::string name(tl::dvec<T> const& v) { return "dvec(" + std::to_string(v.size()) + ")"; }
};

template <class T>
struct info<tl::dmat<T>> {
  using element = T;
  static constexpr std::size_t rank = 2;
  static constexpr bool is_static = false;
  template <class E>
  using rebind = tl::dmat<E>;
  static std::string name(tl::dmat<T> const& v) {
    return "dmat(" + std::to_string(v.rows()) + "," + std::to_string(v.cols()) + ")";
  }
};

template <class V>
using element_t = typename info<V>::element;
template <class V, class E>
using rebind_t = typename info<V>::template rebind<E>;
/// The element type of an expression (a var, a let or a node): what a constant beside it must use.
template <class X>
using expr_element_t = element_t<typename std::remove_cvref_t<X>::value_type>;

template <class V>
std::string shape_name(V const& v) {
  return info<V>::name(v);
}

template <class V>
std::size_t size_of(V const& v) {
  if constexpr (info<V>::rank == 0)
    return 1;
  else
    return v.size();
}

template <class V>
auto* data_of(V& v) {
  if constexpr (info<std::remove_const_t<V>>::rank == 0)
    return &v;
  else
    return v.data();
}

/// Zeros with element type E, shaped like `like`.
template <class E, class V>
rebind_t<V, E> zeros_like(V const& like) {
  using R = rebind_t<V, E>;
  if constexpr (info<V>::is_static)
    return R{};
  else if constexpr (info<V>::rank == 1)
    return R(like.size());
  else
    return R(like.rows(), like.cols());
}

template <class T>
double primal(T const& x) {
  if constexpr (tl::is_dual<T>::value)
    return primal(x.value);
  else
    return static_cast<double>(x);
}

/// The elements of v as doubles (the value part of dual elements).
template <class V>
std::vector<double> flat(V const& v) {
  std::vector<double> out(size_of(v));
  auto const* p = data_of(v);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = primal(p[i]);
  return out;
}

/// The first tangent of each dual element of v.
template <class V>
std::vector<double> flat_tangent(V const& v) {
  std::vector<double> out(size_of(v));
  auto const* p = data_of(v);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<double>(p[i].tangent[0]);
  return out;
}

/// A value shaped like `like` with element type E holding `vals` (and, for dual E, tangents `tans`).
template <class E, class V>
rebind_t<V, E> shaped(V const& like, std::span<double const> vals, std::span<double const> tans = {}) {
  auto r = zeros_like<E>(like);
  auto* p = data_of(r);
  for (std::size_t i = 0; i < vals.size(); ++i) {
    if constexpr (tl::is_dual<E>::value) {
      using T = typename E::value_type;
      p[i] = E(static_cast<T>(vals[i]), {static_cast<T>(tans.empty() ? 0.0 : tans[i])});
    } else {
      p[i] = static_cast<E>(vals[i]);
    }
  }
  return r;
}

/// A value of the same shape as v with element type E (a dual gets zero tangents).
template <class E, class V>
rebind_t<V, E> convert(V const& v) {
  auto const f = flat(v);
  return shaped<E>(v, f);
}

// ---- random inputs ---------------------------------------------------------------------------------

/// Draws one input element. Every law run starts from the same fixed seed, so failures reproduce.
using domain = std::function<double(std::mt19937&)>;

inline constexpr std::uint32_t fixed_seed = 20240611u;

inline domain uniform(double lo, double hi) {
  return [=](std::mt19937& g) { return std::uniform_real_distribution<double>(lo, hi)(g); };
}

/// Uniform on [lo, hi] but at least `gap` away from each of `kinks` (where the op has no derivative, or
/// where finite differences would straddle a branch).
inline domain avoiding(double lo, double hi, std::vector<double> kinks, double gap) {
  return [=](std::mt19937& g) {
    std::uniform_real_distribution<double> u(lo, hi);
    for (;;) {
      double const x = u(g);
      if (std::none_of(kinks.begin(), kinks.end(), [&](double k) { return std::abs(x - k) < gap; })) return x;
    }
  };
}

/// v with every element drawn from d (rounded to v's element type).
template <class V>
V random_like(V v, domain const& d, std::mt19937& g) {
  auto* p = data_of(v);
  for (std::size_t i = 0, n = size_of(v); i < n; ++i) p[i] = static_cast<element_t<V>>(d(g));
  return v;
}

inline std::vector<double> random_flat(std::size_t n, std::mt19937& g) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<double> v(n);
  for (auto& x : v) x = u(g);
  return v;
}

// ---- tolerances --------------------------------------------------------------------------------------

struct tolerances {
  double value;     // library value against the reference, relative to the value's condition scale
  double fd;        // library derivative against finite differences (truncation error and float rounding)
  double analytic;  // library derivative against an analytic formula
};

template <class T>
constexpr tolerances tolerances_for() {
  if constexpr (std::is_same_v<T, float>)
    return {1e-5, 1e-4, 1e-5};
  else
    return {1e-12, 1e-6, 1e-12};
}

template <class T>
std::string type_name() {
  return std::is_same_v<T, float> ? "float" : "double";
}

// ---- finite differences ----------------------------------------------------------------------------

/// All outputs from all inputs (inputs flat and concatenated in argument order; outputs flat).
using dense_fn = std::function<std::vector<double>(std::vector<double> const&)>;
/// Output element i from element i of each input (a scalar input broadcasts), given as `args`.
using elementwise_fn = std::function<double(std::size_t i, std::span<double const> args)>;
/// d output i / d input k of an elementwise law, given the arguments.
using partial_fn = std::function<double(std::size_t i, std::span<double const> args, std::size_t k)>;
/// The analytic vector-Jacobian product: seed (one per output) to one value per input element.
using vjp_fn = std::function<std::vector<double>(std::vector<double> const& x, std::vector<double> const& seed)>;

/// The reference a law is checked against: give `dense` or `elementwise` (with `partial`, optional).
struct spec {
  std::string name;
  dense_fn dense;
  elementwise_fn elementwise;
  partial_fn partial;
  vjp_fn vjp;
};

/// A sparse Jacobian by central differences, with an estimate of each entry's rounding noise.
struct fd_jacobian {
  struct entry {
    std::size_t i, j;
    double d, noise;
  };
  std::vector<double> f0;
  std::size_t n_in = 0;
  std::vector<entry> entries;
};

inline double fd_step(double x) { return 1e-6 * std::max(1.0, std::abs(x)); }

// The reference is a few ulps off; a difference of two such values over 2h carries that error, magnified.
inline double fd_noise(double fp, double fm, double step) {
  return 64 * std::numeric_limits<double>::epsilon() * (std::abs(fp) + std::abs(fm)) / step;
}

inline fd_jacobian fd_dense(dense_fn const& f, std::vector<double> const& x) {
  fd_jacobian J;
  J.f0 = f(x);
  J.n_in = x.size();
  for (std::size_t j = 0; j < x.size(); ++j) {
    auto xp = x, xm = x;
    double const h = fd_step(x[j]);
    xp[j] = x[j] + h;
    xm[j] = x[j] - h;
    double const step = xp[j] - xm[j];  // the step actually taken, after rounding
    auto const fp = f(xp), fm = f(xm);
    for (std::size_t i = 0; i < J.f0.size(); ++i)
      J.entries.push_back({i, j, (fp[i] - fm[i]) / step, fd_noise(fp[i], fm[i], step)});
  }
  return J;
}

/// Only the entries an elementwise law can have: output i against element i of each input, or against a
/// broadcast scalar input.
inline fd_jacobian fd_elementwise(elementwise_fn const& f, std::vector<std::size_t> const& sizes,
                                  std::vector<double> const& x) {
  std::size_t const n = *std::max_element(sizes.begin(), sizes.end());
  std::vector<std::size_t> off(sizes.size());
  for (std::size_t k = 1; k < sizes.size(); ++k) off[k] = off[k - 1] + sizes[k - 1];
  auto args = [&](std::size_t i) {
    std::vector<double> a(sizes.size());
    for (std::size_t k = 0; k < sizes.size(); ++k) a[k] = x[off[k] + (sizes[k] == 1 ? 0 : i)];
    return a;
  };
  fd_jacobian J;
  J.n_in = x.size();
  J.f0.resize(n);
  for (std::size_t i = 0; i < n; ++i) J.f0[i] = f(i, args(i));
  for (std::size_t k = 0; k < sizes.size(); ++k)
    for (std::size_t i = 0; i < n; ++i) {
      auto ap = args(i), am = ap;
      double const h = fd_step(ap[k]);
      ap[k] += h;
      am[k] -= h;
      double const step = ap[k] - am[k];
      double const fp = f(i, ap), fm = f(i, am);
      J.entries.push_back({i, off[k] + (sizes[k] == 1 ? 0 : i), (fp - fm) / step, fd_noise(fp, fm, step)});
    }
  return J;
}

inline std::vector<double> elementwise_vjp(spec const& s, std::vector<std::size_t> const& sizes,
                                           std::vector<double> const& x, std::vector<double> const& seed) {
  std::size_t const n = *std::max_element(sizes.begin(), sizes.end());
  std::vector<std::size_t> off(sizes.size());
  for (std::size_t k = 1; k < sizes.size(); ++k) off[k] = off[k - 1] + sizes[k - 1];
  std::vector<double> g(x.size());
  std::vector<double> a(sizes.size());
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < sizes.size(); ++k) a[k] = x[off[k] + (sizes[k] == 1 ? 0 : i)];
    for (std::size_t k = 0; k < sizes.size(); ++k) g[off[k] + (sizes[k] == 1 ? 0 : i)] += seed[i] * s.partial(i, a, k);
  }
  return g;
}

// ---- comparison and reporting ------------------------------------------------------------------------

/// Collects mismatches of one law run; reports the first few in full and counts the rest, so a
/// broken op on 1000 elements does not bury the log. (Messages are built as one string: Boost's
/// streamed messages cost the compiler seconds per file.)
class report {
 public:
  explicit report(std::string context) : context_(std::move(context)) {}
  report(report const&) = delete;
  report& operator=(report const&) = delete;
  ~report() {
    if (failures_ > shown) error(std::to_string(failures_ - shown) + " more mismatches not shown");
    BOOST_TEST(failures_ == 0u, context_ + ": " + std::to_string(failures_) + " mismatches of " + std::to_string(checks_));
  }

  /// |got - want| <= allowed (infinities must match exactly; NaN never passes).
  void close(char const* what, std::size_t k, double got, double want, double allowed) {
    ++checks_;
    if ((std::isinf(got) && got == want) || std::abs(got - want) <= allowed) return;
    if (failures_++ < shown) {
      std::ostringstream m;
      m << what << "[" << k << "] is " << got << ", expected " << want << " (|difference| " << std::abs(got - want)
        << " > allowed " << allowed << ")";
      error(m.str());
    }
  }
  void fail(std::string const& what) {
    ++checks_;
    if (failures_++ < shown) error(what);
  }
  bool sizes(char const* what, std::size_t got, std::size_t want) {
    if (got == want) return true;
    fail(std::string(what) + " has " + std::to_string(got) + " elements, expected " + std::to_string(want));
    return false;
  }

 private:
  void error(std::string const& m) const { BOOST_ERROR(context_ + ": " + m); }
  static constexpr std::size_t shown = 4;
  std::string context_;
  std::size_t failures_ = 0, checks_ = 0;
};

/// What the library computed in one law run, as doubles. Empty vectors are sweeps that did not run.
struct outcome {
  std::vector<std::size_t> input_sizes;
  std::vector<double> x;            // all inputs, flat and concatenated
  std::vector<double> value;        // value(op(x))
  std::vector<double> value_sum;    // value(sum(op(x))): the fused path for float and double
  std::vector<double> grad;         // gradient(sum(op(x)), wrt(x...)): fused
  std::vector<double> seed;         // a random seed, one per output element
  std::vector<double> grad_seeded;  // gradient(op(x), wrt(x...), seeds(seed))
  std::vector<double> grad_nosum;   // gradient(op(x), wrt(x...))
  std::vector<double> grad_forward; // jacobian(sum(op(x)), x_k, forward_mode) for each input k: fused tangents
  std::vector<double> dir;          // a random tangent direction, one per input element
  std::vector<double> fwd_value;    // value part of value(op(x with dual elements, tangents dir))
  std::vector<double> fwd_tangent;  // tangent part of the same
  std::vector<double> fwd_sum;      // value and tangent of value(sum(op(x with dual elements)))
};

inline void verify(spec const& s, tolerances const& tol, std::string const& context, outcome const& r) {
  report rep(context);
  std::size_t const n_in = r.x.size();
  fd_jacobian const J = s.dense ? fd_dense(s.dense, r.x) : fd_elementwise(s.elementwise, r.input_sizes, r.x);
  std::size_t const n_out = J.f0.size();
  bool ok = rep.sizes("value", r.value.size(), n_out) && rep.sizes("gradient", r.grad.size(), n_in) &&
            rep.sizes("forward value", r.fwd_value.size(), n_out) &&
            rep.sizes("forward tangent", r.fwd_tangent.size(), n_out) &&
            (r.value_sum.empty() || rep.sizes("value of the sum", r.value_sum.size(), 1));
  bool const seeded = !r.grad_seeded.empty();
  if (seeded) ok = ok && rep.sizes("seeded gradient", r.grad_seeded.size(), n_in) && rep.sizes("seed", r.seed.size(), n_out);
  if (!r.grad_nosum.empty()) ok = ok && rep.sizes("gradient without the sum", r.grad_nosum.size(), n_in);
  if (!r.grad_forward.empty()) ok = ok && rep.sizes("forward-mode gradient", r.grad_forward.size(), n_in);
  if (!ok) return;

  // Products with the Jacobian, each with the magnitude of its terms (the scale a rounding error lives
  // on) and the finite differences' rounding noise.
  struct product {
    std::vector<double> v, mag, noise;
  };
  auto vjp = [&](std::vector<double> const& w) {
    product p{std::vector<double>(n_in), std::vector<double>(n_in), std::vector<double>(n_in)};
    for (auto const& e : J.entries) {
      p.v[e.j] += w[e.i] * e.d;
      p.mag[e.j] += std::abs(w[e.i] * e.d);
      p.noise[e.j] += std::abs(w[e.i]) * e.noise;
    }
    return p;
  };
  auto jvp = [&](std::vector<double> const& u) {
    product p{std::vector<double>(n_out), std::vector<double>(n_out), std::vector<double>(n_out)};
    for (auto const& e : J.entries) {
      p.v[e.i] += e.d * u[e.j];
      p.mag[e.i] += std::abs(e.d * u[e.j]);
      p.noise[e.i] += e.noise * std::abs(u[e.j]);
    }
    return p;
  };
  auto const cond = jvp(r.x);  // sum_j |J_ij x_j|: how far the rounding of the inputs' use can move output i

  // (a) values, elementwise and summed
  double sum = 0, sum_scale = 0;
  for (std::size_t i = 0; i < n_out; ++i) {
    rep.close("value", i, r.value[i], J.f0[i], tol.value * (std::abs(J.f0[i]) + cond.mag[i]));
    sum += J.f0[i];
    sum_scale += std::abs(J.f0[i]) + cond.mag[i];
  }
  if (!r.value_sum.empty()) rep.close("value of sum(op(x))", 0, r.value_sum[0], sum, tol.value * sum_scale);

  // (b) reverse mode against finite differences and against the analytic derivative
  std::vector<double> const ones(n_out, 1.0);
  auto const g1 = vjp(ones), gs = vjp(seeded ? r.seed : ones);
  for (std::size_t j = 0; j < n_in; ++j) {
    rep.close("gradient vs finite differences", j, r.grad[j], g1.v[j], tol.fd * g1.mag[j] + g1.noise[j]);
    if (seeded)
      rep.close("seeded gradient vs finite differences", j, r.grad_seeded[j], gs.v[j], tol.fd * gs.mag[j] + gs.noise[j]);
    if (!r.grad_nosum.empty())
      rep.close("gradient(op(x)) vs gradient(sum(op(x)))", j, r.grad_nosum[j], r.grad[j], tol.value * (std::abs(r.grad[j]) + g1.mag[j]));
  }
  vjp_fn analytic = s.vjp;
  if (!analytic && s.partial)
    analytic = [&](std::vector<double> const& x, std::vector<double> const& w) { return elementwise_vjp(s, r.input_sizes, x, w); };
  if (analytic) {
    auto const a1 = analytic(r.x, ones), as = analytic(r.x, seeded ? r.seed : ones);
    if (rep.sizes("analytic gradient", a1.size(), n_in) && rep.sizes("analytic seeded gradient", as.size(), n_in))
      for (std::size_t j = 0; j < n_in; ++j) {
        rep.close("gradient vs analytic", j, r.grad[j], a1[j], tol.analytic * (std::abs(a1[j]) + g1.mag[j]));
        if (seeded)
          rep.close("seeded gradient vs analytic", j, r.grad_seeded[j], as[j], tol.analytic * (std::abs(as[j]) + gs.mag[j]));
      }
  }

  // (c) forward mode: dual elements give the same values, tangents J v, and the tangent of the sum is
  // gradient . v; forward-mode passes over the fused sum give the gradient.
  auto const jv = jvp(r.dir);
  double dot = 0, dot_mag = 0, tangent_sum = 0;
  for (std::size_t i = 0; i < n_out; ++i) {
    rep.close("forward value", i, r.fwd_value[i], r.value[i], tol.value * (std::abs(r.value[i]) + cond.mag[i]));
    rep.close("forward tangent vs finite differences", i, r.fwd_tangent[i], jv.v[i], tol.fd * jv.mag[i] + jv.noise[i]);
    tangent_sum += r.fwd_tangent[i];
  }
  for (std::size_t j = 0; j < n_in; ++j) {
    dot += r.grad[j] * r.dir[j];
    dot_mag += std::abs(r.grad[j] * r.dir[j]);
  }
  double const dot_allowed = tol.value * (std::abs(dot) + dot_mag);
  rep.close("sum of the forward tangents vs dot(gradient, v)", 0, tangent_sum, dot, dot_allowed);
  if (!r.fwd_sum.empty() && rep.sizes("forward sum", r.fwd_sum.size(), 2)) {
    rep.close("forward value of sum(op(x))", 0, r.fwd_sum[0], sum, tol.value * sum_scale);
    rep.close("forward tangent of sum(op(x)) vs dot(gradient, v)", 0, r.fwd_sum[1], dot, dot_allowed);
  }
  for (std::size_t j = 0; j < r.grad_forward.size(); ++j)
    rep.close("forward-mode gradient vs reverse", j, r.grad_forward[j], r.grad[j], tol.value * (std::abs(r.grad[j]) + g1.mag[j]));
}

// ---- the law run ---------------------------------------------------------------------------------------

/// How much of a law a run checks. Each sweep is an instantiation that costs the compiler 0.5 to 1.2 s at
/// -O2 with AddressSanitizer and UBSan (GCC 12, measured per op: a fused gradient about 0.9 s, the forward
/// jacobian 1.2 s, a plain value 0.1 s), so the drivers use `full` once per law (on tl::dvec of every size),
/// `basic` on the other shapes, and each file runs one of its laws `exhaustive`.
enum class depth {
  basic,       // value(op(x)), gradient(sum(op(x))) (fused for elementwise trees), dual value(op(x))
  full,        // and value(sum(op(x))) (the fused value), gradient(op(x), seeds)
  exhaustive,  // and the forward-mode jacobian of sum(op(x)) (the fused tangent path, which applies the same
               // op rules as the fused gradient), gradient(op(x)) without the sum, the dual value of sum(op(x))
};

// Each sweep sits in its own small function: inlined into one large function per law run, they made
// GCC's back end (variable tracking, sanitizer frames) superlinear.

template <class Tuple>
void append_all(std::vector<double>& out, Tuple const& t) {
  std::apply([&](auto const&... v) { (([&] { auto const f = flat(v); out.insert(out.end(), f.begin(), f.end()); }()), ...); }, t);
}

template <class Y>
[[gnu::noinline]] auto value_of(Y const& y) {
  return tl::value(y);
}
template <class Y, class W>
[[gnu::noinline]] std::vector<double> gradient_of_sum(Y const& y, W const& wrt) {
  std::vector<double> g;
  append_all(g, tl::gradient(tl::sum(y), wrt));
  return g;
}
template <class Y, class W>
[[gnu::noinline]] std::vector<double> gradient_of(Y const& y, W const& wrt) {
  std::vector<double> g;
  append_all(g, tl::gradient(y, wrt));
  return g;
}
template <class Y, class W, class V>
[[gnu::noinline]] std::vector<double> gradient_seeded(Y const& y, W const& wrt, V const& like, std::vector<double> const& seed) {
  std::vector<double> g;
  append_all(g, tl::gradient(y, wrt, tl::seeds(shaped<element_t<V>>(like, seed))));
  return g;
}
template <class Y, class... X>
[[gnu::noinline]] std::vector<double> forward_gradient_of_sum(Y const& y, X const&... x) {
  std::vector<double> g;
  append_all(g, std::tuple{tl::jacobian(tl::sum(y), x, tl::forward_mode)...});
  return g;
}

template <depth Depth, class Op, class... V, std::size_t... I>
[[gnu::noinline]] void run_reverse(outcome& r, std::mt19937& gen, Op const& op, std::index_sequence<I...>, V const&... x0) {
  std::tuple<tl::var<V>...> xs(x0...);
  auto const y = op(std::get<I>(xs)...);
  auto const yv = value_of(y);
  r.value = flat(yv);
  auto const wrt = tl::wrt(std::get<I>(xs)...);
  r.grad = gradient_of_sum(y, wrt);
  if constexpr (Depth >= depth::full) {
    r.value_sum = {primal(value_of(tl::sum(y)))};
    r.seed = random_flat(r.value.size(), gen);
    r.grad_seeded = gradient_seeded(y, wrt, yv, r.seed);
  }
  if constexpr (Depth >= depth::exhaustive) {
    r.grad_forward = forward_gradient_of_sum(y, std::get<I>(xs)...);
    r.grad_nosum = gradient_of(y, wrt);
  }
}

template <depth Depth, class Op, class... V, std::size_t... I>
[[gnu::noinline]] void run_forward(outcome& r, Op const& op, std::array<std::size_t, sizeof...(V)> const& offset,
                                   std::index_sequence<I...>, V const&... x0) {
  using D = tl::dual<std::common_type_t<element_t<V>...>>;
  std::span<double const> const xflat(r.x), dir(r.dir);
  std::tuple<tl::var<rebind_t<V, D>>...> xd(
      shaped<D>(x0, xflat.subspan(offset[I], r.input_sizes[I]), dir.subspan(offset[I], r.input_sizes[I]))...);
  auto const yd = op(std::get<I>(xd)...);
  auto const vd = value_of(yd);
  r.fwd_value = flat(vd);
  r.fwd_tangent = flat_tangent(vd);
  if constexpr (Depth >= depth::exhaustive) {
    D const sd = value_of(tl::sum(yd));
    r.fwd_sum = {primal(sd), static_cast<double>(sd.tangent[0])};
  }
}

template <depth Depth, class Op, class... V>
[[gnu::noinline]] void check_impl(spec const& s, std::string const& context, Op const& op, V const&... x0) {
  using T = std::common_type_t<element_t<V>...>;
  static_assert((std::is_same_v<element_t<V>, T> && ...), "law::check: the inputs must share one element type");
  std::mt19937 gen(fixed_seed);
  outcome r;
  r.input_sizes = {size_of(x0)...};
  (([&] { auto const f = flat(x0); r.x.insert(r.x.end(), f.begin(), f.end()); }()), ...);
  std::array<std::size_t, sizeof...(V)> offset{};
  for (std::size_t k = 1; k < sizeof...(V); ++k) offset[k] = offset[k - 1] + r.input_sizes[k - 1];
  run_reverse<Depth>(r, gen, op, std::index_sequence_for<V...>{}, x0...);
  r.dir = random_flat(r.x.size(), gen);
  run_forward<Depth>(r, op, offset, std::index_sequence_for<V...>{}, x0...);
  verify(s, tolerances_for<T>(), context, r);
}

inline std::string context_of(spec const& s, std::string const& type, std::vector<std::string> const& shapes) {
  std::string c = s.name + " <" + type + ">";
  for (std::size_t k = 0; k < shapes.size(); ++k) c += (k ? ", " : " ") + shapes[k];
  return c;
}

/// Checks the law of `op` (a generic callable on tapeless expressions, one per input) at the inputs x0...
/// against the reference in `s`. The inputs become vars; constants the op needs are captured by it.
template <depth Depth = depth::basic, class Op, class... V>
void check(spec const& s, Op const& op, V const&... x0) {
  std::string const context = context_of(s, type_name<std::common_type_t<element_t<V>...>>(), {shape_name(x0)...});
  BOOST_TEST_CHECKPOINT(context);
  try {
    check_impl<Depth>(s, context, op, x0...);
  } catch (std::exception const& e) {
    BOOST_ERROR(context + ": threw " + e.what());
  }
}

// ---- shapes and sizes --------------------------------------------------------------------------------
//
// A runtime shape costs the compiler one instantiation for all sizes, so every law runs in full on
// tl::dvec<T> of every size in `sizes`. A static shape is an instantiation of its own, so each law runs
// on one more shape picked by its `Slot` from `other_shapes`: a test file gives its laws consecutive
// slots, and its laws together cover every shape for both element types. Define
// TAPELESS_LAW_ALL_SHAPES to run every law on every shape (slow to compile).

/// 1, the AVX2 and AVX-512 tails of double and float (lanes - 1, lanes, lanes + 1) and a large size.
inline constexpr std::array<std::size_t, 9> sizes{1, 3, 4, 5, 7, 8, 9, 17, 1000};

/// The static vectors of those sizes, a static matrix, a scalar, and a runtime matrix.
template <class T>
struct other_shapes {
  static constexpr std::size_t count = 12;
  template <std::size_t K>
  static auto make() {
    if constexpr (K < sizes.size())
      return tl::vec<T, sizes[K]>{};
    else if constexpr (K == 9)
      return tl::mat<T, 3, 5>{};
    else if constexpr (K == 10)
      return T{};
    else
      return tl::dmat<T>(4, 3);
  }
};

/// The slot's shape for element type T; float is offset by half the list, so that the consecutive slots
/// of a file cover every shape for both types.
template <class T, std::size_t Slot>
inline constexpr std::size_t shape_index =
    (Slot + (std::is_same_v<T, float> ? other_shapes<T>::count / 2 : 0)) % other_shapes<T>::count;

/// Calls f(like) for the shape of `Slot` (for every shape under TAPELESS_LAW_ALL_SHAPES).
template <class T, std::size_t Slot, class F>
void for_other_shapes(F const& f) {
#ifdef TAPELESS_LAW_ALL_SHAPES
  [&]<std::size_t... K>(std::index_sequence<K...>) {
    (f(other_shapes<T>::template make<K>()), ...);
  }(std::make_index_sequence<other_shapes<T>::count>{});
#else
  f(other_shapes<T>::template make<shape_index<T, Slot>>());
#endif
}

// ---- drivers for elementwise laws --------------------------------------------------------------------

using scalar_fn = std::function<double(double)>;
using binary_fn = std::function<double(double, double)>;

inline spec unary_spec(std::string name, scalar_fn f, scalar_fn df) {
  spec s{std::move(name), {}, [f](std::size_t, std::span<double const> a) { return f(a[0]); }, {}, {}};
  if (df) s.partial = [df](std::size_t, std::span<double const> a, std::size_t) { return df(a[0]); };
  return s;
}

/// The eager path: the op on a plain number and on a tl::dual computes at once; nested duals
/// (tl::derivative<2>) give the second derivative.
template <class T, class Op>
void check_unary_eager(spec const& s, Op const& op, scalar_fn const& f, scalar_fn const& df, domain const& d) {
  tolerances const tol = tolerances_for<T>();
  report rep(s.name + " <" + type_name<T>() + "> eager");
  std::mt19937 gen(fixed_seed);
  for (std::size_t k = 0; k < 8; ++k) {
    T const x = static_cast<T>(d(gen));
    double const xd = x;
    double const h = fd_step(xd);
    double const step = (xd + h) - (xd - h);
    double const fd = (f(xd + h) - f(xd - h)) / step;
    double const deriv = df ? df(xd) : fd;
    double const scale = std::max(std::abs(f(xd)), std::abs(xd * deriv));
    auto const y = op(x);
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(y)>, T>, "an op on a plain number gives a number");
    rep.close("number", k, y, f(xd), tol.value * scale);
    auto const yd = op(tl::dual<T>(x, {T(1)}));
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(yd)>, tl::dual<T>>, "an op on a dual gives a dual");
    rep.close("dual value", k, yd.value, f(xd), tol.value * scale);
    rep.close("dual tangent vs finite differences", k, yd.tangent[0], fd,
              tol.fd * std::abs(fd) + fd_noise(f(xd + h), f(xd - h), step));
    if (df) {
      rep.close("dual tangent vs analytic", k, yd.tangent[0], deriv, tol.analytic * std::max(1.0, std::abs(deriv)));
      double const fd2 = (df(xd + h) - df(xd - h)) / step;
      auto const d2 = tl::derivative<2>(op, x);
      rep.close("tl::derivative<2>: value", k, d2[0], f(xd), tol.value * scale);
      rep.close("tl::derivative<2>: first derivative", k, d2[1], deriv, tol.analytic * std::max(1.0, std::abs(deriv)));
      rep.close("tl::derivative<2>: second derivative vs finite differences", k, d2[2], fd2,
                tol.fd * std::max(1.0, std::abs(fd2)) + fd_noise(df(xd + h), df(xd - h), step));
    }
  }
}

/// A unary elementwise law at `Depth` on tl::dvec<T> of every size, on the other shape of `Slot`, and on the
/// eager path. `df` (the analytic derivative) may be empty.
template <class T, std::size_t Slot, depth Depth = depth::full, class Op>
void unary(std::string const& name, Op const& op, scalar_fn const& f, scalar_fn const& df, domain const& d) {
  spec const s = unary_spec(name, f, df);
  std::mt19937 gen(fixed_seed);
  for (std::size_t n : sizes) check<Depth>(s, op, random_like(tl::dvec<T>(n), d, gen));
  for_other_shapes<T, Slot>([&](auto const& like) { check(s, op, random_like(like, d, gen)); });
  check_unary_eager<T>(s, op, f, df, d);
}

/// A law of one input with a dense reference (reductions, indexing, linear algebra): at `Depth` on
/// tl::dvec<T> of every size and `basic` on the other shape of `Slot`. `vjp` (the analytic
/// vector-Jacobian product) may be empty.
template <class T, std::size_t Slot, depth Depth = depth::full, class Op>
void dense(std::string const& name, Op const& op, dense_fn const& f, vjp_fn const& vjp, domain const& d) {
  spec const s{name, f, {}, {}, vjp};
  std::mt19937 gen(fixed_seed);
  for (std::size_t n : sizes) check<Depth>(s, op, random_like(tl::dvec<T>(n), d, gen));
  for_other_shapes<T, Slot>([&](auto const& like) { check(s, op, random_like(like, d, gen)); });
}

inline spec binary_spec(std::string name, binary_fn f, binary_fn dfa, binary_fn dfb) {
  spec s{std::move(name), {}, [f](std::size_t, std::span<double const> a) { return f(a[0], a[1]); }, {}, {}};
  if (dfa && dfb)
    s.partial = [dfa, dfb](std::size_t, std::span<double const> a, std::size_t k) {
      return k == 0 ? dfa(a[0], a[1]) : dfb(a[0], a[1]);
    };
  return s;
}

/// The domains of a binary law: of the left and right operands, and of x in op(x, x).
struct binary_domains {
  domain left, right, same;
};

/// How the operands of a binary law are given.
enum class arrangement {
  two_vars,      // op(a, b), two vars of one shape
  var_scalar,    // op(a, s): a scalar var broadcast on the right
  scalar_var,    // op(s, b): on the left
  same_var,      // op(x, x)
  var_number,    // op(x, 2.5): a plain number on the right
  number_var,    // op(2.5, x)
  var_value,     // op(x, v): a value (not an expression) of x's shape on the right
  constant_var,  // op(tl::constant(v), x)
};
inline constexpr std::size_t arrangement_count = 8;

template <class T, class Op>
struct binary_law {
  std::string name;
  Op const& op;
  binary_fn f, dfa, dfb;
  binary_domains d;
  std::mt19937& gen;

  /// Checks arrangement A; `like` gives the shape of the operands that are not scalars.
  template <arrangement A, depth Depth = depth::basic, class V>
  void run(V const& like) const {
    bool const partials = dfa && dfb;
    if constexpr (A == arrangement::two_vars) {
      check<Depth>(binary_spec(name, f, dfa, dfb), op, random_like(like, d.left, gen), random_like(like, d.right, gen));
    } else if constexpr (A == arrangement::var_scalar) {
      check<Depth>(binary_spec(name, f, dfa, dfb), op, random_like(like, d.left, gen), random_like(T{}, d.right, gen));
    } else if constexpr (A == arrangement::scalar_var) {
      check<Depth>(binary_spec(name, f, dfa, dfb), op, random_like(T{}, d.left, gen), random_like(like, d.right, gen));
    } else if constexpr (A == arrangement::same_var) {
      spec s{name + " (x, x)", {}, [g = f](std::size_t, std::span<double const> a) { return g(a[0], a[0]); }, {}, {}};
      if (partials)
        s.partial = [ga = dfa, gb = dfb](std::size_t, std::span<double const> a, std::size_t) {
          return ga(a[0], a[0]) + gb(a[0], a[0]);
        };
      check<Depth>(s, [&o = op](auto const& x) { return o(x, x); }, random_like(like, d.same, gen));
    } else if constexpr (A == arrangement::var_number || A == arrangement::number_var) {
      constexpr bool left = A == arrangement::var_number;
      double const c = static_cast<T>((left ? d.right : d.left)(gen));  // exactly the constant the library sees
      spec s{name + (left ? " (x, number)" : " (number, x)"), {}, {}, {}, {}};
      s.elementwise = [g = f, c](std::size_t, std::span<double const> a) { return left ? g(a[0], c) : g(c, a[0]); };
      if (partials)
        s.partial = [ga = dfa, gb = dfb, c](std::size_t, std::span<double const> a, std::size_t) {
          return left ? ga(a[0], c) : gb(c, a[0]);
        };
      if constexpr (A == arrangement::var_number)
        check<Depth>(s, [&o = op, c](auto const& x) { return o(x, c); }, random_like(like, d.left, gen));
      else
        check<Depth>(s, [&o = op, c](auto const& x) { return o(c, x); }, random_like(like, d.right, gen));
    } else {
      constexpr bool left = A == arrangement::var_value;
      V const cv = random_like(like, left ? d.right : d.left, gen);
      std::vector<double> const cf = flat(cv);
      spec s{name + (left ? " (x, value)" : " (tl::constant, x)"), {}, {}, {}, {}};
      s.elementwise = [g = f, cf](std::size_t i, std::span<double const> a) { return left ? g(a[0], cf[i]) : g(cf[i], a[0]); };
      if (partials)
        s.partial = [ga = dfa, gb = dfb, cf](std::size_t i, std::span<double const> a, std::size_t) {
          return left ? ga(a[0], cf[i]) : gb(cf[i], a[0]);
        };
      // The constant takes the var's element type, so the dual run gets dual constants (zero tangents).
      if constexpr (A == arrangement::var_value)
        check<Depth>(s, [&o = op, &cv](auto const& x) { return o(x, convert<expr_element_t<decltype(x)>>(cv)); },
                     random_like(like, d.left, gen));
      else
        check<Depth>(s, [&o = op, &cv](auto const& x) { return o(tl::constant(convert<expr_element_t<decltype(x)>>(cv)), x); },
                     random_like(like, d.right, gen));
    }
  }
};

/// A binary elementwise law, op(a, b): two vars at `Depth` on tl::dvec<T> of every size; two more
/// arrangements (see `arrangement`) picked by `Slot` on tl::dvec<T> of every size; two vars on the other
/// shape of `Slot`; and the eager path (numbers; a tl::dual<T, 2> seeded in both operands gives both
/// partials). The consecutive slots of a file cover every arrangement. `dfa` and `dfb`, the analytic
/// partials, may be empty.
template <class T, std::size_t Slot, depth Depth = depth::full, class Op>
void binary(std::string const& name, Op const& op, binary_fn const& f, binary_fn const& dfa, binary_fn const& dfb,
            binary_domains const& d) {
  std::mt19937 gen(fixed_seed);
  binary_law<T, Op> const law{name, op, f, dfa, dfb, d, gen};
  constexpr auto first = static_cast<arrangement>(1 + Slot % (arrangement_count - 1));
  constexpr auto second = static_cast<arrangement>(1 + (Slot + 3) % (arrangement_count - 1));
  for (std::size_t n : sizes) {
    law.template run<arrangement::two_vars, Depth>(tl::dvec<T>(n));
    law.template run<first>(tl::dvec<T>(n));
    law.template run<second>(tl::dvec<T>(n));
  }
  for_other_shapes<T, Slot>([&](auto const& like) { law.template run<arrangement::two_vars>(like); });

  tolerances const tol = tolerances_for<T>();
  report rep(name + " <" + type_name<T>() + "> eager");
  for (std::size_t k = 0; k < 8; ++k) {
    T const a = static_cast<T>(d.left(gen)), b = static_cast<T>(d.right(gen));
    double const want = f(a, b);
    auto const y = op(a, b);
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(y)>, T>, "a binary op on numbers gives a number");
    rep.close("number", k, y, want, tol.value * std::abs(want));
    auto const yd = op(tl::dual<T, 2>(a, {T(1), T(0)}), tl::dual<T, 2>(b, {T(0), T(1)}));
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(yd)>, tl::dual<T, 2>>, "a binary op on duals gives a dual");
    rep.close("dual value", k, yd.value, want, tol.value * std::abs(want));
    if (dfa && dfb) {
      rep.close("dual d/da", k, yd.tangent[0], dfa(a, b), tol.analytic * std::max(1.0, std::abs(dfa(a, b))));
      rep.close("dual d/db", k, yd.tangent[1], dfb(a, b), tol.analytic * std::max(1.0, std::abs(dfb(a, b))));
    }
  }
}

}  // namespace law
