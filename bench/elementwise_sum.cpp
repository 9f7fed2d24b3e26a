// elementwise_sum: f(x) = sum_i exp(x_i) x_i + sin(x_i), gradient wrt all N inputs
// (df/dx_i = exp(x_i) (1 + x_i) + cos(x_i)).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <tapeless/tapeless.hpp>

#include "common.hpp"
#include "peers.hpp"
#include "simd.hpp"

namespace {

char const* const problem = "elementwise_sum";

// ---- function and handwritten: plain loops ----

double f_plain(double const* x, std::size_t n) {
  double f = 0;
  for (std::size_t i = 0; i < n; ++i) f += std::exp(x[i]) * x[i] + std::sin(x[i]);
  return f;
}

double grad_plain(double const* x, double* g, std::size_t n) {
  double f = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double const e = std::exp(x[i]);
    f += e * x[i] + std::sin(x[i]);
    g[i] = e * (1 + x[i]) + std::cos(x[i]);
  }
  return f;
}

struct data {
  std::vector<double> x;
  tl::dvec<double> xt;    // the same numbers for tapeless
  double value;           // the hand-written reference's
  std::vector<double> g;
  explicit data(std::size_t n) : x(n), xt(n), g(n) {
    bench::uniform(1).fill(x, -2.0, 2.0);
    std::copy(x.begin(), x.end(), xt.data());
    value = grad_plain(x.data(), g.data(), n);
  }
};

data const& reference(std::size_t n) { return bench::cached<data>(n); }
bench::checker const check{problem, "gradient", reference};

// ---- function_simd and handwritten_simd: one fused Highway loop, masked tail ----

double f_simd(double const* x, std::size_t n) {
  hn::ScalableTag<double> const d;
  std::size_t const lanes = hn::Lanes(d);
  auto acc = hn::Zero(d);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    auto const v = hn::LoadU(d, x + i);
    acc = hn::Add(acc, hn::MulAdd(hn::Exp(d, v), v, hn::Sin(d, v)));
  }
  if (i < n) {
    auto const m = hn::FirstN(d, n - i);
    auto const v = hn::MaskedLoad(m, d, x + i);
    acc = hn::Add(acc, hn::IfThenElseZero(m, hn::MulAdd(hn::Exp(d, v), v, hn::Sin(d, v))));
  }
  return hn::GetLane(hn::SumOfLanes(d, acc));
}

double grad_simd(double const* x, double* g, std::size_t n) {
  hn::ScalableTag<double> const d;
  std::size_t const lanes = hn::Lanes(d);
  auto const one = hn::Set(d, 1.0);
  auto acc = hn::Zero(d);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    auto const v = hn::LoadU(d, x + i);
    auto const e = hn::Exp(d, v);
    acc = hn::Add(acc, hn::MulAdd(e, v, hn::Sin(d, v)));
    hn::StoreU(hn::MulAdd(e, hn::Add(v, one), hn::Cos(d, v)), d, g + i);
  }
  if (i < n) {
    auto const m = hn::FirstN(d, n - i);
    auto const v = hn::MaskedLoad(m, d, x + i);
    auto const e = hn::Exp(d, v);
    acc = hn::Add(acc, hn::IfThenElseZero(m, hn::MulAdd(e, v, hn::Sin(d, v))));
    hn::BlendedStore(hn::MulAdd(e, hn::Add(v, one), hn::Cos(d, v)), m, d, g + i);
  }
  return hn::GetLane(hn::SumOfLanes(d, acc));
}

// ---- the benchmarks ----

/// Checks run(x), which returns f(x) and writes the gradient into g, then times it.
template <class Run>
void verified_timing(benchmark::State& state, char const* impl, std::vector<double>& g, Run run) {
  auto const n = bench::size(state);
  double const* x = reference(n).x.data();
  bench::verified_timing(state, std::tie(x), run, [&](double value) { check(impl, n, value, g.data()); }, g.data());
}

template <double (*f)(double const*, std::size_t)>
void bm_function(benchmark::State& state, char const* impl) {
  auto const n = bench::size(state);
  double const* x = reference(n).x.data();
  bench::verified_timing(state, std::tie(x), [n](double const* xv) { return f(xv, n); },
                         [&](double value) { check(impl, n, value); });
}

template <double (*grad)(double const*, double*, std::size_t)>
void bm_hand(benchmark::State& state, char const* impl) {
  auto const n = bench::size(state);
  std::vector<double> g(n);
  verified_timing(state, impl, g, [n, gp = g.data()](double const* x) { return grad(x, gp, n); });
}

// tapeless with Value = tl::dvec<double>, tapeless_static with Value = tl::vec<double, N>: the
// latter's values live inside the var and the records, hence the var on the heap and only up to 4096
// elements (65536 doubles would put megabytes on the stack).
template <class Value>
void bm_tapeless(benchmark::State& state, char const* impl) {
  auto const n = bench::size(state);
  auto const& ref = reference(n);
  auto const x = std::make_unique<tl::var<Value>>(*bench::tapeless_values<Value>(ref.xt));
  auto const y = tl::sum(tl::exp(*x) * *x + tl::sin(*x));
  bench::verified_timing(state, std::tie(), [&] { return tl::gradient(y, *x); },
                         [&](auto const& g) { check(impl, n, tl::value(y), g.data()); });
}

#ifdef TAPELESS_BENCH_ADOLC
void adolc_tape(data const& ref, std::size_t n, short tag) {
  bench::adolc::trace_on_in_memory(tag, 8 * n);
  std::vector<adouble> x(n);
  adouble f = 0;
  for (std::size_t i = 0; i < n; ++i) {
    x[i] <<= ref.x[i];
    f += exp(x[i]) * x[i] + sin(x[i]);
  }
  double fv;
  f >>= fv;
  trace_off();
}

void bm_adolc(benchmark::State& state, char const* impl) {
  auto const n = bench::size(state);
  auto const& ref = reference(n);
  short const tag = bench::adolc::taped("gradient/" + std::to_string(n), [&](short t) { adolc_tape(ref, n, t); });
  std::vector<double> g(n);
  bench::adolc::verified_timing(state, tag, n, ref.x.data(), g.data(), [&](double v) { check(impl, n, v, g.data()); });
}

void bm_adolc_taping(benchmark::State& state, char const*) {
  auto const n = bench::size(state);
  auto const& ref = reference(n);
  bench::adolc::time_taping(state, std::to_string(n), [&](short tag) { adolc_tape(ref, n, tag); });
}
#endif

#ifdef TAPELESS_BENCH_SACADO
void bm_sacado(benchmark::State& state, char const* impl) {
  using bench::sacado::rad;
  auto const n = bench::size(state);
  std::vector<double> g(n);
  verified_timing(state, impl, g, [&](double const* xv) {
    std::vector<rad> x(xv, xv + n);
    rad f = 0.0;
    for (std::size_t i = 0; i < n; ++i) f += exp(x[i]) * x[i] + sin(x[i]);
    Sacado::Rad::ADcontext<double>::Outvar_Gradcomp(f);
    for (std::size_t i = 0; i < n; ++i) g[i] = x[i].adj();
    return f.val();
  });
}

void bm_sacado_fad(benchmark::State& state, char const* impl) {
  using bench::sacado::dfad;
  auto const n = bench::size(state);
  std::vector<double> g(n);
  verified_timing(state, impl, g, [&](double const* xv) {
    dfad f = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      dfad const xi(static_cast<int>(n), static_cast<int>(i), xv[i]);
      f += exp(xi) * xi + sin(xi);
    }
    for (std::size_t i = 0; i < n; ++i) g[i] = f.dx(static_cast<int>(i));
    return f.val();
  });
}
#endif

#ifdef TAPELESS_BENCH_EIGEN
template <std::size_t N>
void bm_eigen_autodiff(benchmark::State& state, char const* impl) {
  using ad = Eigen::AutoDiffScalar<Eigen::Matrix<double, static_cast<int>(N), 1>>;
  std::vector<double> g(N);
  verified_timing(state, impl, g, [&](double const* xv) {
    ad f(0.0);
    f.derivatives().setZero();
    for (std::size_t i = 0; i < N; ++i) {
      ad const xi(xv[i], static_cast<int>(N), static_cast<int>(i));
      f += exp(xi) * xi + sin(xi);
    }
    for (std::size_t i = 0; i < N; ++i) g[i] = f.derivatives()[static_cast<Eigen::Index>(i)];
    return f.value();
  });
}
#endif

#ifdef TAPELESS_BENCH_CERES
template <std::size_t N>
void bm_ceres_jet(benchmark::State& state, char const* impl) {
  using jet = ceres::Jet<double, static_cast<int>(N)>;
  std::vector<double> g(N);
  verified_timing(state, impl, g, [&](double const* xv) {
    jet f(0.0);
    for (std::size_t i = 0; i < N; ++i) {
      jet const xi(xv[i], static_cast<int>(i));
      f += exp(xi) * xi + sin(xi);
    }
    for (std::size_t i = 0; i < N; ++i) g[i] = f.v[static_cast<Eigen::Index>(i)];
    return f.a;
  });
}
#endif

int const registered = [] {
  bench::register_sized(problem, "function", bm_function<f_plain>);
  bench::register_sized(problem, "function_simd", bm_function<f_simd>);
  bench::register_sized(problem, "handwritten", bm_hand<grad_plain>);
  bench::register_sized(problem, "handwritten_simd", bm_hand<grad_simd>);
  bench::register_sized(problem, "tapeless", bm_tapeless<tl::dvec<double>>);
  bench::register_static<16, 256, 4096>(problem, "tapeless_static",
                                        []<std::size_t N> { return bm_tapeless<tl::vec<double, N>>; });
#ifdef TAPELESS_BENCH_ADOLC
  bench::register_sized(problem, "adolc", bm_adolc);
  bench::register_sized(problem, "adolc_taping", bm_adolc_taping);
#endif
#ifdef TAPELESS_BENCH_SACADO
  bench::register_sized(problem, "sacado", bm_sacado);
  bench::register_sized(problem, "sacado_fad", bm_sacado_fad, bench::forward_mode_max_inputs);
#endif
#ifdef TAPELESS_BENCH_EIGEN
  bench::register_static<16, 256>(problem, "eigen_autodiff", []<std::size_t N> { return bm_eigen_autodiff<N>; });
#endif
#ifdef TAPELESS_BENCH_CERES
  bench::register_static<16, 256>(problem, "ceres_jet", []<std::size_t N> { return bm_ceres_jet<N>; });
#endif
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
