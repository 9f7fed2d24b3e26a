// logistic_regression: the log-likelihood of labels y_i in {0, 1} under a logistic model,
//   l(w, b) = sum_i y_i z_i - log(1 + exp(z_i)),  z = X w + b,
// X an N x 16 design matrix (row-major, data), gradient wrt the 16 weights w and the bias b:
//   dl/dw = X^T r, dl/db = sum_i r_i, with r_i = y_i - sigmoid(z_i).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <tapeless/tapeless.hpp>

#include "common.hpp"
#include "peers.hpp"
#include "simd.hpp"

namespace {

char const* const problem = "logistic_regression";
constexpr std::size_t k = 16;  // features

struct result {
  double value;
  std::array<double, k + 1> g;  // dl/dw, then dl/db
};

// ---- function and handwritten: plain loops ----

double f_plain(double const* x, double const* y, std::size_t n, double const* w, double b) {
  double l = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double const* xi = x + i * k;
    double z = b;
    for (std::size_t j = 0; j < k; ++j) z += xi[j] * w[j];
    l += y[i] * z - std::log1p(std::exp(z));
  }
  return l;
}

result grad_plain(double const* x, double const* y, std::size_t n, double const* w, double b) {
  result r{};
  double l = 0, gb = 0;
  double gw[k] = {};
  for (std::size_t i = 0; i < n; ++i) {
    double const* xi = x + i * k;
    double z = b;
    for (std::size_t j = 0; j < k; ++j) z += xi[j] * w[j];
    double const e = std::exp(z);
    l += y[i] * z - std::log1p(e);
    double const ri = y[i] - e / (1 + e);
    gb += ri;
    for (std::size_t j = 0; j < k; ++j) gw[j] += ri * xi[j];
  }
  r.value = l;
  std::copy(gw, gw + k, r.g.begin());
  r.g[k] = gb;
  return r;
}

// ---- function_simd and handwritten_simd: Highway, blocks of one vector of rows ----
// Per block: each row's z by a SIMD dot product over the 16 features, then exp, log1p and the
// residual of the whole block in one vector, then the weight adjoints with SIMD multiply-adds per row;
// the last, partial block is masked.

using dtag = hn::ScalableTag<double>;
using vec_t = hn::Vec<dtag>;
constexpr std::size_t max_lanes = HWY_MAX_BYTES / sizeof(double);
static_assert(k % max_lanes == 0 || max_lanes % k == 0);

template <bool WithGradient>
result simd(double const* x, double const* y, std::size_t n, double const* w, double b) {
  dtag const d;
  std::size_t const lanes = hn::Lanes(d);
  std::size_t const kv = k / lanes;  // vectors per row
  vec_t wv[k], gw[k];
  for (std::size_t q = 0; q < kv; ++q) {
    wv[q] = hn::LoadU(d, w + q * lanes);
    gw[q] = hn::Zero(d);
  }
  auto const one = hn::Set(d, 1.0), vb = hn::Set(d, b);
  auto lacc = hn::Zero(d), gbacc = hn::Zero(d);
  HWY_ALIGN double zb[max_lanes];
  HWY_ALIGN double rb[max_lanes];
  for (std::size_t i0 = 0; i0 < n; i0 += lanes) {
    std::size_t const rows = std::min(lanes, n - i0);
    for (std::size_t r = 0; r < rows; ++r) {
      double const* xr = x + (i0 + r) * k;
      auto acc = hn::Mul(hn::LoadU(d, xr), wv[0]);
      for (std::size_t q = 1; q < kv; ++q) acc = hn::MulAdd(hn::LoadU(d, xr + q * lanes), wv[q], acc);
      zb[r] = hn::GetLane(hn::SumOfLanes(d, acc));
    }
    for (std::size_t r = rows; r < lanes; ++r) zb[r] = 0;
    auto const m = hn::FirstN(d, rows);
    auto const z = hn::Add(hn::Load(d, zb), vb);
    auto const yv = hn::MaskedLoad(m, d, y + i0);
    auto const e = hn::Exp(d, z);
    lacc = hn::Add(lacc, hn::IfThenElseZero(m, hn::Sub(hn::Mul(yv, z), hn::Log1p(d, e))));
    if constexpr (WithGradient) {
      auto const res = hn::IfThenElseZero(m, hn::Sub(yv, hn::Div(e, hn::Add(one, e))));
      gbacc = hn::Add(gbacc, res);
      hn::Store(res, d, rb);
      for (std::size_t r = 0; r < rows; ++r) {
        double const* xr = x + (i0 + r) * k;
        auto const rr = hn::Set(d, rb[r]);
        for (std::size_t q = 0; q < kv; ++q) gw[q] = hn::MulAdd(rr, hn::LoadU(d, xr + q * lanes), gw[q]);
      }
    }
  }
  result out{};
  out.value = hn::GetLane(hn::SumOfLanes(d, lacc));
  if constexpr (WithGradient) {
    for (std::size_t q = 0; q < kv; ++q) hn::StoreU(gw[q], d, out.g.data() + q * lanes);
    out.g[k] = hn::GetLane(hn::SumOfLanes(d, gbacc));
  }
  return out;
}

double f_simd(double const* x, double const* y, std::size_t n, double const* w, double b) {
  return simd<false>(x, y, n, w, b).value;
}

struct data {
  std::vector<double> x, y;  // X row-major N x 16, labels
  tl::dmat<double> xt;       // the same numbers for tapeless
  tl::dvec<double> yt;
  std::array<double, k> w0;  // where the gradient is taken
  double b0 = 0.1;
  result ref;
  explicit data(std::size_t n) : x(n * k), y(n), xt(n, k), yt(n) {
    bench::uniform u(3);
    std::array<double, k> w_true;
    for (std::size_t j = 0; j < k; ++j) {
      w_true[j] = u(-1.0, 1.0);
      w0[j] = 0.05 * (static_cast<double>(j) - 7.5);
    }
    for (std::size_t i = 0; i < n; ++i) {
      double z = -0.2;
      for (std::size_t j = 0; j < k; ++j) {
        x[i * k + j] = u(-1.0, 1.0);
        z += x[i * k + j] * w_true[j];
      }
      y[i] = u(0.0, 1.0) < 1 / (1 + std::exp(-z)) ? 1.0 : 0.0;
    }
    std::copy(x.begin(), x.end(), xt.data());
    std::copy(y.begin(), y.end(), yt.data());
    ref = grad_plain(x.data(), y.data(), n, w0.data(), b0);
  }
};

result const& reference(std::size_t n) { return bench::cached<data>(n).ref; }
bench::checker const check{problem, "gradient (w, b)", reference};

/// Checks eval(x, y, w, b) -> result (or -> double, the value only), then times it.
template <class Eval>
void verified_timing(benchmark::State& state, char const* impl, Eval eval) {
  auto const n = bench::size(state);
  auto const& d = bench::cached<data>(n);
  double const* x = d.x.data();
  double const* y = d.y.data();
  std::array<double, k> w = d.w0;
  double b = d.b0;
  // w itself is the input (its values may change), eval takes its data.
  bench::verified_timing(
      state, std::tie(x, y, w, b),
      [&eval](double const* xv, double const* yv, std::array<double, k> const& wv, double bv) {
        return eval(xv, yv, wv.data(), bv);
      },
      [&](auto const& r) { check(impl, n, r); });
}

/// function, function_simd, handwritten and handwritten_simd.
template <auto f>
void bm_direct(benchmark::State& state, char const* impl) {
  auto const n = bench::size(state);
  verified_timing(state, impl,
                  [n](double const* x, double const* y, double const* w, double b) { return f(x, y, n, w, b); });
}

template <class Grad>
result as_result(double value, Grad const& gw, double gb) {
  result r{};
  r.value = value;
  for (std::size_t j = 0; j < k; ++j) r.g[j] = gw[j];
  r.g[k] = gb;
  return r;
}

/// tapeless with X, Y = tl::dmat<double>, tl::dvec<double>; tapeless_static with X, Y =
/// tl::mat<double, N, k>, tl::vec<double, N>.
template <class X, class Y>
void bm_tapeless(benchmark::State& state, char const* impl) {
  auto const n = bench::size(state);
  auto const& d = bench::cached<data>(n);
  tl::vec<double, k> w0;
  std::copy(d.w0.begin(), d.w0.end(), w0.data());
  tl::var<tl::vec<double, k>> w{w0};
  tl::var<double> b{d.b0};
  auto const xs = bench::tapeless_values<X>(d.xt);
  auto const ys = bench::tapeless_values<Y>(d.yt);
  auto const x = tl::constant_ref(*xs);
  auto const y = tl::constant_ref(*ys);
  // Used twice: a let evaluates it once (and at the gradient's root runs inside the sum's loop, a block of
  // rows at a time, so X is read once, as by the hand-written loop).
  auto const z = tl::let(tl::matmul(x, w) + b);
  auto const l = tl::sum(y * z - tl::log1p(tl::exp(z)));
  bench::verified_timing(state, std::tie(), [&] { return tl::gradient(l, tl::wrt(w, b)); },
                         [&](auto const& g) {
                           auto const [gw, gb] = g;
                           check(impl, n, as_result(tl::value(l), gw, gb));
                         });
}

// The peers, as their users write it: one loop over the rows. Only ceres::Jet has log1p; the others
// compute log(1 + exp(z)) (the same value to ~1e-16 for these z).

/// l(w, b) for any scalar type T that mixes with double.
template <class T, class Log1pExp>
T loglik(double const* x, double const* y, std::size_t n, T const* w, T const& b, Log1pExp softplus) {
  T l(0.0);
  for (std::size_t i = 0; i < n; ++i) {
    double const* xi = x + i * k;
    T z = b;
    for (std::size_t j = 0; j < k; ++j) z += xi[j] * w[j];
    l += y[i] * z - softplus(z);
  }
  return l;
}

#ifdef TAPELESS_BENCH_ADOLC
void adolc_tape(data const& d, std::size_t n, short tag) {
  bench::adolc::trace_on_in_memory(tag, (2 * k + 8) * n);
  std::array<adouble, k> w;
  adouble b;
  for (std::size_t j = 0; j < k; ++j) w[j] <<= d.w0[j];
  b <<= d.b0;
  adouble l = loglik<adouble>(d.x.data(), d.y.data(), n, w.data(), b,
                              [](adouble const& z) -> adouble { return log(1.0 + exp(z)); });
  double lv;
  l >>= lv;
  trace_off();
}

void bm_adolc(benchmark::State& state, char const* impl) {
  auto const n = bench::size(state);
  auto const& d = bench::cached<data>(n);
  short const tag = bench::adolc::taped("gradient/" + std::to_string(n), [&](short t) { adolc_tape(d, n, t); });
  std::array<double, k + 1> p, g;
  std::copy(d.w0.begin(), d.w0.end(), p.begin());
  p[k] = d.b0;
  bench::adolc::verified_timing(state, tag, k + 1, p.data(), g.data(),
                                [&](double v) { check(impl, n, v, g.data()); });
}

void bm_adolc_taping(benchmark::State& state, char const*) {
  auto const n = bench::size(state);
  auto const& d = bench::cached<data>(n);
  bench::adolc::time_taping(state, std::to_string(n), [&](short tag) { adolc_tape(d, n, tag); });
}
#endif

#ifdef TAPELESS_BENCH_SACADO
void bm_sacado(benchmark::State& state, char const* impl) {
  auto const n = bench::size(state);
  verified_timing(state, impl, [n](double const* x, double const* y, double const* w, double b) {
    using bench::sacado::rad;
    std::array<rad, k> wa;
    for (std::size_t j = 0; j < k; ++j) wa[j] = w[j];
    rad ba = b;
    rad l = loglik<rad>(x, y, n, wa.data(), ba, [](rad const& z) -> rad { return log(1.0 + exp(z)); });
    Sacado::Rad::ADcontext<double>::Outvar_Gradcomp(l);
    result r{};
    r.value = l.val();
    for (std::size_t j = 0; j < k; ++j) r.g[j] = wa[j].adj();
    r.g[k] = ba.adj();
    return r;
  });
}
void bm_sacado_fad(benchmark::State& state, char const* impl) {
  auto const n = bench::size(state);
  verified_timing(state, impl, [n](double const* x, double const* y, double const* w, double b) {
    using bench::sacado::dfad;
    std::array<dfad, k> wa;
    for (std::size_t j = 0; j < k; ++j) wa[j] = dfad(k + 1, static_cast<int>(j), w[j]);
    dfad const ba(k + 1, k, b);
    dfad l = loglik<dfad>(x, y, n, wa.data(), ba, [](dfad const& z) -> dfad { return log(1.0 + exp(z)); });
    result r{};
    r.value = l.val();
    for (std::size_t j = 0; j <= k; ++j) r.g[j] = l.dx(static_cast<int>(j));
    return r;
  });
}
#endif

#ifdef TAPELESS_BENCH_EIGEN
void bm_eigen_autodiff(benchmark::State& state, char const* impl) {
  auto const n = bench::size(state);
  verified_timing(state, impl, [n](double const* x, double const* y, double const* w, double b) {
    using ad = Eigen::AutoDiffScalar<Eigen::Matrix<double, k + 1, 1>>;
    std::array<ad, k> wa;
    for (std::size_t j = 0; j < k; ++j) wa[j] = ad(w[j], k + 1, static_cast<int>(j));
    ad const ba(b, k + 1, k);
    ad l = loglik<ad>(x, y, n, wa.data(), ba, [](ad const& z) -> ad { return log(1.0 + exp(z)); });
    result r{};
    r.value = l.value();
    for (std::size_t j = 0; j <= k; ++j) r.g[j] = l.derivatives()[static_cast<Eigen::Index>(j)];
    return r;
  });
}
#endif

#ifdef TAPELESS_BENCH_CERES
void bm_ceres_jet(benchmark::State& state, char const* impl) {
  auto const n = bench::size(state);
  verified_timing(state, impl, [n](double const* x, double const* y, double const* w, double b) {
    using jet = ceres::Jet<double, k + 1>;
    std::array<jet, k> wa;
    for (std::size_t j = 0; j < k; ++j) wa[j] = jet(w[j], static_cast<int>(j));
    jet const ba(b, k);
    jet l = loglik<jet>(x, y, n, wa.data(), ba, [](jet const& z) { return log1p(exp(z)); });
    result r{};
    r.value = l.a;
    for (std::size_t j = 0; j <= k; ++j) r.g[j] = l.v[static_cast<Eigen::Index>(j)];
    return r;
  });
}
#endif

int const registered = [] {
  bench::register_sized(problem, "function", bm_direct<f_plain>);
  bench::register_sized(problem, "function_simd", bm_direct<f_simd>);
  bench::register_sized(problem, "handwritten", bm_direct<grad_plain>);
  bench::register_sized(problem, "handwritten_simd", bm_direct<simd<true>>);
  bench::register_sized(problem, "tapeless", bm_tapeless<tl::dmat<double>, tl::dvec<double>>);
  bench::register_static<16, 256, 4096>(
      problem, "tapeless_static", []<std::size_t N> { return bm_tapeless<tl::mat<double, N, k>, tl::vec<double, N>>; });
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
