// scalar_chain: 50 scalar operations of two inputs a, b, gradient wrt both. Five times the group
//   t <- cos(exp(tanh(sin(t * b) + a) - b) * a) / b + a        (10 operations)
// starting from t = a. Each intermediate is used once, so tapeless needs no let.
#include <cmath>
#include <cstddef>
#include <string>

#include <tapeless/tapeless.hpp>

#include "common.hpp"
#include "peers.hpp"
#include "simd.hpp"

namespace {

char const* const problem = "scalar_chain";
constexpr int groups = 5;
constexpr std::int64_t ops = 10 * groups;
double const a0 = 0.7, b0 = 1.3;

struct result {
  double value;
  double g[2];  // dy/da, dy/db
};

/// The chain for any scalar type: double and the peers' active types. T(...) evaluates each group
/// before it is assigned to t (expression-template peers must not alias t while writing it).
template <class T>
T chain(T const& a, T const& b) {
  using std::cos, std::exp, std::sin, std::tanh;
  T t = a;
  for (int g = 0; g < groups; ++g) t = T(cos(exp(tanh(sin(t * b) + a) - b) * a) / b + a);
  return t;
}

/// The hand-written gradient: the forward pass keeps what the backward pass needs, then the chain
/// rule runs backwards through the groups.
result grad_plain(double a, double b) {
  // Per group: the input t, and the local derivatives of sin, tanh, exp and cos (sin and cos of the
  // same argument come from one sincos call).
  double t[groups], u1[groups], dsin[groups], dtanh[groups], u6[groups], u8[groups], dcos[groups];
  double x = a;
  for (int g = 0; g < groups; ++g) {
    t[g] = x;
    u1[g] = x * b;
    dsin[g] = std::cos(u1[g]);
    double const u4 = std::tanh(std::sin(u1[g]) + a);
    dtanh[g] = 1 - u4 * u4;
    u6[g] = std::exp(u4 - b);
    double const u7 = u6[g] * a;
    u8[g] = std::cos(u7);
    dcos[g] = -std::sin(u7);
    x = u8[g] / b + a;
  }
  double const value = x;
  double gt = 1, ga = 0, gb = 0;
  for (int g = groups - 1; g >= 0; --g) {
    ga += gt;                             // + a
    gb -= gt * u8[g] / (b * b);           // / b
    double const g7 = (gt / b) * dcos[g]; // cos
    ga += g7 * u6[g];                     // * a
    double const g5 = g7 * a * u6[g];     // exp
    gb -= g5;                             // - b
    double const g3 = g5 * dtanh[g];      // tanh
    ga += g3;                             // + a
    double const g1 = g3 * dsin[g];       // sin
    gb += g1 * t[g];                      // t * b
    gt = g1 * b;
  }
  ga += gt;  // t starts as a
  return {value, ga, gb};
}

/// The one size there is: `ops`.
result const& reference(std::size_t) {
  static result const r = grad_plain(a0, b0);
  return r;
}
bench::checker const check{problem, "gradient (a, b)", reference};

/// Checks eval(a, b) -> result (or -> double, the value only), then times it.
template <class Eval>
void verified_timing(benchmark::State& state, char const* impl, Eval eval) {
  double a = a0, b = b0;
  bench::verified_timing(state, std::tie(a, b), eval, [&](auto const& r) { check(impl, ops, r); });
}

void bm_function(benchmark::State& state, char const* impl) {
  verified_timing(state, impl, [](double a, double b) { return chain(a, b); });
}
void bm_handwritten(benchmark::State& state, char const* impl) {
  verified_timing(state, impl, [](double a, double b) { return grad_plain(a, b); });
}

auto tl_group = [](auto const& t, auto const& a, auto const& b) {
  return tl::cos(tl::exp(tl::tanh(tl::sin(t * b) + a) - b) * a) / b + a;
};

void bm_tapeless(benchmark::State& state, char const* impl) {
  tl::var<double> a{a0}, b{b0};
  auto const y = tl_group(tl_group(tl_group(tl_group(tl_group(a, a, b), a, b), a, b), a, b), a, b);
  static_assert(groups == 5);
  double av = a0, bv = b0;
  // The vars' values are what the gradient reads: hide them from the optimiser like the others' inputs.
  bench::verified_timing(
      state, std::tie(av, bv),
      [&](double at_a, double at_b) {
        a = at_a;
        b = at_b;
        return tl::gradient(y, tl::wrt(a, b));
      },
      [&](auto const& g) {
        auto const [ga, gb] = g;
        check(impl, ops, result{tl::value(y), ga, gb});
      });
}

#ifdef TAPELESS_BENCH_ADOLC
void adolc_tape(short tag) {
  bench::adolc::trace_on_in_memory(tag, 4 * ops);
  adouble a, b;
  a <<= a0;
  b <<= b0;
  adouble y = chain<adouble>(a, b);
  double yv;
  y >>= yv;
  trace_off();
}

void bm_adolc(benchmark::State& state, char const* impl) {
  short const tag = bench::adolc::taped("gradient", adolc_tape);
  double p[2] = {a0, b0}, g[2];
  bench::adolc::verified_timing(state, tag, 2, p, g, [&](double v) { check(impl, ops, v, g); });
}

void bm_adolc_taping(benchmark::State& state, char const*) {
  bench::adolc::time_taping(state, "", [](short tag) { adolc_tape(tag); });
}
#endif

#ifdef TAPELESS_BENCH_SACADO
void bm_sacado(benchmark::State& state, char const* impl) {
  verified_timing(state, impl, [](double av, double bv) {
    using bench::sacado::rad;
    rad a = av, b = bv;
    rad y = chain<rad>(a, b);
    Sacado::Rad::ADcontext<double>::Outvar_Gradcomp(y);
    return result{y.val(), a.adj(), b.adj()};
  });
}
void bm_sacado_fad(benchmark::State& state, char const* impl) {
  verified_timing(state, impl, [](double av, double bv) {
    using bench::sacado::dfad;
    dfad const a(2, 0, av), b(2, 1, bv);
    dfad const y = chain<dfad>(a, b);
    return result{y.val(), y.dx(0), y.dx(1)};
  });
}
#endif

#ifdef TAPELESS_BENCH_EIGEN
void bm_eigen_autodiff(benchmark::State& state, char const* impl) {
  verified_timing(state, impl, [](double av, double bv) {
    using ad = Eigen::AutoDiffScalar<Eigen::Vector2d>;
    ad const a(av, 2, 0), b(bv, 2, 1);
    ad const y = chain<ad>(a, b);
    return result{y.value(), y.derivatives()[0], y.derivatives()[1]};
  });
}
#endif

#ifdef TAPELESS_BENCH_CERES
void bm_ceres_jet(benchmark::State& state, char const* impl) {
  verified_timing(state, impl, [](double av, double bv) {
    using jet = ceres::Jet<double, 2>;
    jet const a(av, 0), b(bv, 1);
    jet const y = chain<jet>(a, b);
    return result{y.a, y.v[0], y.v[1]};
  });
}
#endif

int const registered = [] {
  bench::register_fixed(problem, "function", bm_function, ops);
  bench::register_fixed(problem, "handwritten", bm_handwritten, ops);
  bench::register_fixed(problem, "tapeless", bm_tapeless, ops);
#ifdef TAPELESS_BENCH_ADOLC
  bench::register_fixed(problem, "adolc", bm_adolc, ops);
  bench::register_fixed(problem, "adolc_taping", bm_adolc_taping, ops);
#endif
#ifdef TAPELESS_BENCH_SACADO
  bench::register_fixed(problem, "sacado", bm_sacado, ops);
  bench::register_fixed(problem, "sacado_fad", bm_sacado_fad, ops);
#endif
#ifdef TAPELESS_BENCH_EIGEN
  bench::register_fixed(problem, "eigen_autodiff", bm_eigen_autodiff, ops);
#endif
#ifdef TAPELESS_BENCH_CERES
  bench::register_fixed(problem, "ceres_jet", bm_ceres_jet, ops);
#endif
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
