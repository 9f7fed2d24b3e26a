// test/law/check.hpp: `law::check`, one law run at one set of inputs. Every op is checked against a
// reference written on double (test/law/reference.hpp):
//   (a) value        the library's value against the reference, elementwise, and the value of sum(op(x));
//   (b) reverse      tl::gradient of sum(op(x)) (for an elementwise op: the fused SIMD loops) and of op(x)
//                    with random tl::seeds, against central finite differences of the reference (computed
//                    in double, h scaled to |x|) and against the analytic derivative where the law gives one;
//   (c) forward      the same op on vars of tl::dual<T> with a random tangent direction v: each output's
//                    tangent must equal the finite-difference J v, and the tangent of sum(op(x)) must equal
//                    dot(gradient, v) from reverse mode; the forward-mode tl::jacobian of sum(op(x)) must
//                    equal the gradient.
// `depth` says which sweeps run. The tolerances are those of test/support/compare.hpp.
//
// Include after <boost/test/unit_test.hpp> (the test file defines BOOST_TEST_MODULE first).
#pragma once

#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <exception>
#include <random>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <tapeless/tapeless.hpp>

#include "law/domains.hpp"
#include "law/reference.hpp"
#include "law/report.hpp"
#include "law/values.hpp"
#include "support/compare.hpp"

namespace law {

using support::tolerances;
using support::tolerances_for;
using support::type_name;

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

}  // namespace law
