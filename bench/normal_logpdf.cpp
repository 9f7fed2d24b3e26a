// normal_logpdf: l(mu, sigma) = sum_i log N(x_i | mu, sigma)
//                             = sum_i -(x_i - mu)^2 / (2 sigma^2) - log(sigma) - log(2 pi) / 2,
// gradient wrt mu and sigma over N data points x_i (data: constants).
#include <cmath>
#include <cstddef>
#include <numbers>
#include <string>
#include <vector>

#include <tapeless/tapeless.hpp>

#include "common.hpp"
#include "peers.hpp"
#include "simd.hpp"

namespace {

char const* const problem = "normal_logpdf";
double const half_log_2pi = 0.5 * std::log(2 * std::numbers::pi);
double const mu0 = 0.5, sigma0 = 1.5;  // where the gradient is taken

struct result {
  double value;
  double g[2];  // dl/dmu, dl/dsigma
};

// ---- function and handwritten: plain loops ----

double f_plain(double const* x, std::size_t n, double mu, double sigma) {
  double const inv = 1 / sigma;
  double s2 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double const z = (x[i] - mu) * inv;
    s2 += z * z;
  }
  return -0.5 * s2 - static_cast<double>(n) * (std::log(sigma) + half_log_2pi);
}

// With z_i = (x_i - mu) / sigma: dl/dmu = sum z_i / sigma, dl/dsigma = (sum z_i^2 - N) / sigma.
result grad_plain(double const* x, std::size_t n, double mu, double sigma) {
  double const inv = 1 / sigma;
  double s1 = 0, s2 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double const z = (x[i] - mu) * inv;
    s1 += z;
    s2 += z * z;
  }
  double const nd = static_cast<double>(n);
  return {-0.5 * s2 - nd * (std::log(sigma) + half_log_2pi), s1 * inv, (s2 - nd) * inv};
}

// ---- function_simd and handwritten_simd: Highway, two accumulators per sum, masked tail ----

double f_simd(double const* x, std::size_t n, double mu, double sigma) {
  hn::ScalableTag<double> const d;
  std::size_t const lanes = hn::Lanes(d);
  auto const vmu = hn::Set(d, mu), vinv = hn::Set(d, 1 / sigma);
  auto a0 = hn::Zero(d), a1 = hn::Zero(d);
  std::size_t i = 0;
  for (; i + 2 * lanes <= n; i += 2 * lanes) {
    auto const z0 = hn::Mul(hn::Sub(hn::LoadU(d, x + i), vmu), vinv);
    auto const z1 = hn::Mul(hn::Sub(hn::LoadU(d, x + i + lanes), vmu), vinv);
    a0 = hn::MulAdd(z0, z0, a0);
    a1 = hn::MulAdd(z1, z1, a1);
  }
  for (; i < n; i += lanes) {
    auto const m = hn::FirstN(d, n - i);
    auto const z = hn::IfThenElseZero(m, hn::Mul(hn::Sub(hn::MaskedLoad(m, d, x + i), vmu), vinv));
    a0 = hn::MulAdd(z, z, a0);
  }
  double const s2 = hn::GetLane(hn::SumOfLanes(d, hn::Add(a0, a1)));
  return -0.5 * s2 - static_cast<double>(n) * (std::log(sigma) + half_log_2pi);
}

result grad_simd(double const* x, std::size_t n, double mu, double sigma) {
  hn::ScalableTag<double> const d;
  std::size_t const lanes = hn::Lanes(d);
  double const inv = 1 / sigma;
  auto const vmu = hn::Set(d, mu), vinv = hn::Set(d, inv);
  auto s10 = hn::Zero(d), s11 = hn::Zero(d), s20 = hn::Zero(d), s21 = hn::Zero(d);
  std::size_t i = 0;
  for (; i + 2 * lanes <= n; i += 2 * lanes) {
    auto const z0 = hn::Mul(hn::Sub(hn::LoadU(d, x + i), vmu), vinv);
    auto const z1 = hn::Mul(hn::Sub(hn::LoadU(d, x + i + lanes), vmu), vinv);
    s10 = hn::Add(s10, z0);
    s11 = hn::Add(s11, z1);
    s20 = hn::MulAdd(z0, z0, s20);
    s21 = hn::MulAdd(z1, z1, s21);
  }
  for (; i < n; i += lanes) {
    auto const m = hn::FirstN(d, n - i);
    auto const z = hn::IfThenElseZero(m, hn::Mul(hn::Sub(hn::MaskedLoad(m, d, x + i), vmu), vinv));
    s10 = hn::Add(s10, z);
    s20 = hn::MulAdd(z, z, s20);
  }
  double const s1 = hn::GetLane(hn::SumOfLanes(d, hn::Add(s10, s11)));
  double const s2 = hn::GetLane(hn::SumOfLanes(d, hn::Add(s20, s21)));
  double const nd = static_cast<double>(n);
  return {-0.5 * s2 - nd * (std::log(sigma) + half_log_2pi), s1 * inv, (s2 - nd) * inv};
}

struct data {
  std::vector<double> x;
  tl::dvec<double> xt;  // the same numbers for tapeless::constant_ref
  result ref;
  explicit data(std::size_t n) : x(n), xt(n) {
    // Not centred on mu0 or scaled by sigma0, so neither derivative is near zero.
    bench::uniform(2).fill(x, -1.0, 3.0);
    for (std::size_t i = 0; i < n; ++i) xt[i] = x[i];
    ref = grad_plain(x.data(), n, mu0, sigma0);
  }
};

result const& reference(std::size_t n) { return bench::cached<data>(n).ref; }
bench::checker const check{problem, "gradient (mu, sigma)", reference};

/// Checks eval(x, mu, sigma) -> result (or -> double, the value only), then times it.
template <class Eval>
void verified_timing(benchmark::State& state, char const* impl, Eval eval) {
  auto const n = bench::size(state);
  double const* x = bench::cached<data>(n).x.data();
  double mu = mu0, sigma = sigma0;
  bench::verified_timing(state, std::tie(x, mu, sigma), eval, [&](auto const& r) { check(impl, n, r); });
}

/// function, function_simd, handwritten and handwritten_simd.
template <auto f>
void bm_direct(benchmark::State& state, char const* impl) {
  auto const n = bench::size(state);
  verified_timing(state, impl, [n](double const* x, double mu, double sigma) { return f(x, n, mu, sigma); });
}

/// tapeless with Xs = tl::dvec<double>, tapeless_static with Xs = tl::vec<double, N>.
template <class Xs>
void bm_tapeless(benchmark::State& state, char const* impl) {
  auto const n = bench::size(state);
  tl::var<double> mu{mu0}, sigma{sigma0};
  auto const xs = bench::tapeless_values<Xs>(bench::cached<data>(n).xt);
  auto const x = tl::constant_ref(*xs);
  auto const l = tl::sum(-0.5 * tl::square((x - mu) / sigma) - tl::log(sigma) - half_log_2pi);
  bench::verified_timing(state, std::tie(), [&] { return tl::gradient(l, tl::wrt(mu, sigma)); },
                         [&](auto const& g) {
                           auto const [gmu, gsigma] = g;
                           check(impl, n, result{tl::value(l), gmu, gsigma});
                         });
}

// The peers are written as their users write loops: log(sigma) once, outside the loop.

#ifdef TAPELESS_BENCH_ADOLC
void adolc_tape(double const* x, std::size_t n, short tag) {
  bench::adolc::trace_on_in_memory(tag, 6 * n);
  adouble mu, sigma;
  mu <<= mu0;
  sigma <<= sigma0;
  adouble const lsig = log(sigma) + half_log_2pi;
  adouble l = 0;
  for (std::size_t i = 0; i < n; ++i) {
    adouble const z = (x[i] - mu) / sigma;
    l += -0.5 * z * z - lsig;
  }
  double lv;
  l >>= lv;
  trace_off();
}

void bm_adolc(benchmark::State& state, char const* impl) {
  auto const n = bench::size(state);
  short const tag = bench::adolc::taped("gradient/" + std::to_string(n),
                                        [&](short t) { adolc_tape(bench::cached<data>(n).x.data(), n, t); });
  double p[2] = {mu0, sigma0}, g[2];
  bench::adolc::verified_timing(state, tag, 2, p, g, [&](double v) { check(impl, n, v, g); });
}
void bm_adolc_taping(benchmark::State& state, char const*) {
  auto const n = bench::size(state);
  auto const* x = bench::cached<data>(n).x.data();
  bench::adolc::time_taping(state, std::to_string(n), [&](short tag) { adolc_tape(x, n, tag); });
}
#endif

#ifdef TAPELESS_BENCH_SACADO
void bm_sacado(benchmark::State& state, char const* impl) {
  auto const n = bench::size(state);
  verified_timing(state, impl, [n](double const* x, double mu_, double sigma_) {
    using bench::sacado::rad;
    rad mu = mu_, sigma = sigma_;
    rad const lsig = log(sigma) + half_log_2pi;
    rad l = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      rad const z = (x[i] - mu) / sigma;
      l += -0.5 * z * z - lsig;
    }
    Sacado::Rad::ADcontext<double>::Outvar_Gradcomp(l);
    return result{l.val(), mu.adj(), sigma.adj()};
  });
}
void bm_sacado_fad(benchmark::State& state, char const* impl) {
  auto const n = bench::size(state);
  verified_timing(state, impl, [n](double const* x, double mu_, double sigma_) {
    using bench::sacado::dfad;
    dfad const mu(2, 0, mu_), sigma(2, 1, sigma_);
    dfad const lsig = log(sigma) + half_log_2pi;
    dfad l = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      dfad const z = (x[i] - mu) / sigma;
      l += -0.5 * z * z - lsig;
    }
    return result{l.val(), l.dx(0), l.dx(1)};
  });
}
#endif

#ifdef TAPELESS_BENCH_EIGEN
void bm_eigen_autodiff(benchmark::State& state, char const* impl) {
  auto const n = bench::size(state);
  verified_timing(state, impl, [n](double const* x, double mu_, double sigma_) {
    using ad = Eigen::AutoDiffScalar<Eigen::Vector2d>;
    ad const mu(mu_, 2, 0), sigma(sigma_, 2, 1);
    ad const lsig = log(sigma) + half_log_2pi;
    ad l(0.0, Eigen::Vector2d::Zero());
    for (std::size_t i = 0; i < n; ++i) {
      ad const z = (x[i] - mu) / sigma;
      l += -0.5 * z * z - lsig;
    }
    return result{l.value(), l.derivatives()[0], l.derivatives()[1]};
  });
}
#endif

#ifdef TAPELESS_BENCH_CERES
void bm_ceres_jet(benchmark::State& state, char const* impl) {
  auto const n = bench::size(state);
  verified_timing(state, impl, [n](double const* x, double mu_, double sigma_) {
    using jet = ceres::Jet<double, 2>;
    jet const mu(mu_, 0), sigma(sigma_, 1);
    jet const lsig = log(sigma) + half_log_2pi;
    jet l(0.0);
    for (std::size_t i = 0; i < n; ++i) {
      jet const z = (x[i] - mu) / sigma;
      l += -0.5 * z * z - lsig;
    }
    return result{l.a, l.v[0], l.v[1]};
  });
}
#endif

int const registered = [] {
  bench::register_sized(problem, "function", bm_direct<f_plain>);
  bench::register_sized(problem, "function_simd", bm_direct<f_simd>);
  bench::register_sized(problem, "handwritten", bm_direct<grad_plain>);
  bench::register_sized(problem, "handwritten_simd", bm_direct<grad_simd>);
  bench::register_sized(problem, "tapeless", bm_tapeless<tl::dvec<double>>);
  bench::register_static<16, 256, 4096>(problem, "tapeless_static",
                                        []<std::size_t N> { return bm_tapeless<tl::vec<double, N>>; });
#ifdef TAPELESS_BENCH_ADOLC
  bench::register_sized(problem, "adolc", bm_adolc);
  bench::register_sized(problem, "adolc_taping", bm_adolc_taping);
#endif
#ifdef TAPELESS_BENCH_SACADO
  bench::register_sized(problem, "sacado", bm_sacado);
  bench::register_sized(problem, "sacado_fad", bm_sacado_fad);
#endif
#ifdef TAPELESS_BENCH_EIGEN
  bench::register_sized(problem, "eigen_autodiff", bm_eigen_autodiff);
#endif
#ifdef TAPELESS_BENCH_CERES
  bench::register_sized(problem, "ceres_jet", bm_ceres_jet);
#endif
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
