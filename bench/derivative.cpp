// derivative: the value and the first 8 derivatives of one scalar function,
//   g(x) = exp(sin(x)) * sqrt(1 + x * x)   at x = 0.7   (size label: K = 8).
// There is no cheap closed form for the 8th derivative. The reference is g evaluated once on
// tl::dual<..., 1> nested 8 deep, built here by hand (not through tl::derivative), and it is checked
// once, before anything runs, against the Taylor recurrences of g below evaluated in long double;
// every implementation is then checked against that reference.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <tapeless/tapeless.hpp>

#include "common.hpp"
#include "peers.hpp"
#include "simd.hpp"

namespace {

char const* const problem = "derivative";
constexpr std::size_t K = 8;
double const x0 = 0.7;

using result = std::array<double, K + 1>;  // g, g', ..., g^(8)

/// g for numbers, tapeless duals and jets: tl:: functions compute at once on each of them.
auto const g = [](auto const& x) { return tl::exp(tl::sin(x)) * tl::sqrt(1 + x * x); };

/// The hand-written derivatives: g's Taylor coefficients at x by the recurrences of Taylor arithmetic
/// along x(t) = x + t, then k! times coefficient k. For sin/cos s' = c, c' = -s; for e = exp(s)
/// k e_k = sum_j j s_j e_{k-j}; for r = sqrt(u), u = 1 + x^2 (three coefficients), r^2 = u gives
/// r_k = (u_k - sum_{0<j<k} r_j r_{k-j}) / (2 r_0); g is the product e r. T = double is timed
/// (`handwritten`); T = long double checks the reference.
template <class T>
std::array<T, K + 1> taylor(T x) {
  using std::cos, std::exp, std::sin, std::sqrt;
  std::array<T, K + 1> s{}, c{}, e{}, u{}, r{}, out{};
  s[0] = sin(x);
  c[0] = cos(x);
  for (std::size_t k = 1; k <= K; ++k) {
    s[k] = c[k - 1] / T(k);
    c[k] = -s[k - 1] / T(k);
  }
  e[0] = exp(s[0]);
  for (std::size_t k = 1; k <= K; ++k) {
    T acc = 0;
    for (std::size_t j = 1; j <= k; ++j) acc += T(j) * s[j] * e[k - j];
    e[k] = acc / T(k);
  }
  u[0] = 1 + x * x;
  u[1] = 2 * x;
  u[2] = 1;
  r[0] = sqrt(u[0]);
  for (std::size_t k = 1; k <= K; ++k) {
    T acc = u[k];
    for (std::size_t j = 1; j < k; ++j) acc -= r[j] * r[k - j];
    r[k] = acc / (2 * r[0]);
  }
  T factorial = 1;
  for (std::size_t k = 0; k <= K; ++k) {
    if (k > 1) factorial *= T(k);
    T acc = 0;
    for (std::size_t j = 0; j <= k; ++j) acc += e[j] * r[k - j];
    out[k] = factorial * acc;
  }
  return out;
}

// ---- the reference: nested duals built by hand ----

template <std::size_t D>
struct nest {
  using type = tl::dual<typename nest<D - 1>::type, 1>;
};
template <>
struct nest<0> {
  using type = double;
};

/// x + dx at every level: each level differentiates once more in the same direction.
template <std::size_t D>
typename nest<D>::type seed(double x) {
  if constexpr (D == 0)
    return x;
  else
    return typename nest<D>::type(seed<D - 1>(x), {typename nest<D - 1>::type(1.0)});
}

/// Derivative k of a level-D result: k tangent steps, then values down to the plain number.
template <std::size_t D>
double component(typename nest<D>::type const& y, std::size_t k) {
  if constexpr (D == 0)
    return y;
  else
    return k > 0 ? component<D - 1>(y.tangent[0], k - 1) : component<D - 1>(y.value, 0);
}

result nested_by_hand(double x) {
  typename nest<K>::type const y = g(seed<K>(x));
  result out;
  for (std::size_t k = 0; k <= K; ++k) out[k] = component<K>(y, k);
  return out;
}

result const& reference() {
  static result const r = [] {
    result const nested = nested_by_hand(x0);
    auto const exact = taylor<long double>(x0);
    // The long-double recurrences carry ~3 more digits than double: the reference must agree with them
    // far more closely than the 1e-9 the implementations are held to.
    double scale = 0;
    for (auto v : exact) scale = std::max(scale, std::abs(static_cast<double>(v)));
    for (std::size_t k = 0; k <= K; ++k)
      if (!(std::abs(static_cast<long double>(nested[k]) - exact[k]) <= 1e-13L * (1 + scale))) {
        std::fprintf(stderr,
                     "bench: derivative: the nested-dual reference g^(%zu) = %.17g disagrees with the "
                     "long-double Taylor recurrence (%.20Lg)\n",
                     k, nested[k], exact[k]);
        std::abort();
      }
    return nested;
  }();
  return r;
}

void check(char const* impl, result const& r) {
  bench::check(bench::name(problem, impl, K), "(g, g', ..., g^(8))", r.data(), reference().data(), K + 1);
}

/// Checks eval(x) -> result, then times it.
template <class Eval>
void verified_timing(benchmark::State& state, char const* impl, Eval eval) {
  double x = x0;
  bench::verified_timing(state, std::tie(x), eval, [impl](result const& r) { check(impl, r); });
}

void bm_handwritten(benchmark::State& state, char const* impl) {
  verified_timing(state, impl, [](double x) { return taylor<double>(x); });
}
void bm_tapeless_jet(benchmark::State& state, char const* impl) {
  verified_timing(state, impl, [](double x) { return tl::derivative<K>(g, x); });
}
void bm_tapeless_nested(benchmark::State& state, char const* impl) {
  verified_timing(state, impl, [](double x) { return tl::derivative<K>(g, x, tl::nested_duals); });
}

#ifdef TAPELESS_BENCH_ADOLC
void adolc_tape(short tag) {
  bench::adolc::trace_on_in_memory(tag, 16);
  adouble x;
  x <<= x0;
  adouble y = exp(sin(x)) * sqrt(1.0 + x * x);
  double yv;
  y >>= yv;
  trace_off();
}

/// ADOL-C's higher-order scalar forward mode (hos_forward: Taylor coefficients of orders 1..8 along
/// x + t) on a tape recorded once (untimed); the derivatives are k! times the coefficients.
void bm_adolc(benchmark::State& state, char const* impl) {
  short const tag = bench::adolc::taped("taylor", adolc_tape);
  std::array<double, K> xt{}, yt{};
  xt[0] = 1;  // x(t) = x + t
  double* xr = xt.data();
  double* yr = yt.data();
  verified_timing(state, impl, [tag, &xr, &yr, &yt](double x) {
    double y0;
    hos_forward(tag, 1, 1, static_cast<int>(K), 0, &x, &xr, &y0, &yr);
    result out;
    out[0] = y0;
    double factorial = 1;
    for (std::size_t k = 1; k <= K; ++k) {
      factorial *= static_cast<double>(k);
      out[k] = factorial * yt[k - 1];
    }
    return out;
  });
}
#endif

int const registered = [] {
  bench::register_fixed(problem, "handwritten", bm_handwritten, K);
  bench::register_fixed(problem, "tapeless_jet", bm_tapeless_jet, K);
  bench::register_fixed(problem, "tapeless_nested", bm_tapeless_nested, K);
#ifdef TAPELESS_BENCH_ADOLC
  bench::register_fixed(problem, "adolc", bm_adolc, K);
#endif
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
