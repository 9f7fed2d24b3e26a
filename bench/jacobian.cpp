// jacobian: the full Jacobian of the 64 -> 64 map
//   y = tanh(W x) + sin(x) * x,   W a constant 64 x 64 matrix (data),
// J = dy/dx row-major (J[i * 64 + j] = dy_i / dx_j), in closed form
//   J = diag(1 - t^2) W + diag(cos(x) * x + sin(x)),  t = tanh(W x).
// Every implementation's 4096 entries are checked against the closed form.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include <tapeless/tapeless.hpp>

#include "common.hpp"
#include "peers.hpp"
#include "simd.hpp"

namespace {

char const* const problem = "jacobian";
constexpr std::size_t n = 64;  // inputs and outputs

/// The closed form: row i is (1 - t_i^2) times row i of W, plus cos(x_i) x_i + sin(x_i) on the diagonal.
void jac_plain(double const* w, double const* x, double* jac) {
  for (std::size_t i = 0; i < n; ++i) {
    double const* wi = w + i * n;
    double z = 0;
    for (std::size_t j = 0; j < n; ++j) z += wi[j] * x[j];
    double const t = std::tanh(z);
    double const d = 1 - t * t;
    double* ji = jac + i * n;
    for (std::size_t j = 0; j < n; ++j) ji[j] = d * wi[j];
    ji[i] += std::cos(x[i]) * x[i] + std::sin(x[i]);
  }
}

/// W (m), x0 where the Jacobian is taken, and the closed form there.
bench::matrix_problem<n> const& reference() {
  static bench::matrix_problem<n> const d(problem, "Jacobian (row-major)", 17, 0.2, jac_plain);
  return d;
}

void bm_handwritten(benchmark::State& state, char const* impl) {
  reference().verified_timing(state, impl, [](double const* w, std::array<double, n> const& x, double* jac) {
    jac_plain(w, x.data(), jac);
  });
}

/// tapeless_forward and tapeless_reverse (X, WV = tl::vec<double, 64>, tl::mat<double, 64, 64>) and
/// tapeless_forward_dynamic (tl::dvec<double>, tl::dmat<double>): tl::jacfwd / tl::jacrev of f.
template <bool Forward, class X, class WV>
void bm_tapeless(benchmark::State& state, char const* impl) {
  auto const& d = reference();
  auto const ws = bench::tapeless_values<WV>(d.md);
  auto const& W = *ws;
  // tl::constant_ref(W) refers to W; tl::matmul(W, x) would copy the 32 KB matrix into the
  // expression at every call of f (docs/guide.md, "What runs fast").
  auto f = [&W](auto const& x) { return tl::tanh(tl::matmul(tl::constant_ref(W), x)) + tl::sin(x) * x; };
  X x = *bench::tapeless_values<X>(d.xd);
  auto const run = [&f](X const& at) {
    if constexpr (Forward)
      return tl::jacfwd(f)(at);
    else
      return tl::jacrev(f)(at);
  };
  bench::verified_timing(state, std::tie(x), run, [impl](auto const& jac) { reference().check(impl, jac.data()); });
}

/// y = tanh(W x) + sin(x) * x for the peers' scalar types (T(...) evaluates expression-template results).
template <class T>
void map(double const* w, T const* x, T* y) {
  using std::sin, std::tanh;
  for (std::size_t i = 0; i < n; ++i) {
    T z(0.0);
    for (std::size_t j = 0; j < n; ++j) z += w[i * n + j] * x[j];
    y[i] = T(tanh(z) + T(sin(x[i]) * x[i]));
  }
}

#ifdef TAPELESS_BENCH_ADOLC
void adolc_tape(short tag) {
  auto const& d = reference();
  bench::adolc::trace_on_in_memory(tag, 2 * n * n + 8 * n);
  std::array<adouble, n> x, y;
  for (std::size_t j = 0; j < n; ++j) x[j] <<= d.x0[j];
  map<adouble>(d.m.data(), x.data(), y.data());
  for (std::size_t i = 0; i < n; ++i) {
    double yv;
    y[i] >>= yv;
  }
  trace_off();
}

/// ADOL-C's jacobian driver on a tape recorded once (untimed); with as many outputs as inputs it runs
/// one vector forward pass of 64 directions.
void bm_adolc(benchmark::State& state, char const* impl) {
  short const tag = bench::adolc::taped("jacobian", adolc_tape);
  bench::adolc::verified_matrix_timing<n>(
      state, reference().x0, [tag](double const* x, double** rows) { ::jacobian(tag, n, n, x, rows); },
      [impl](double const* jac) { reference().check(impl, jac); });
}
#endif

#ifdef TAPELESS_BENCH_EIGEN
void bm_eigen_autodiff(benchmark::State& state, char const* impl) {
  reference().verified_timing(state, impl, [](double const* w, std::array<double, n> const& xv, double* jac) {
    using ad = Eigen::AutoDiffScalar<Eigen::Matrix<double, n, 1>>;
    std::array<ad, n> x, y;
    for (std::size_t j = 0; j < n; ++j) x[j] = ad(xv[j], n, static_cast<int>(j));
    map<ad>(w, x.data(), y.data());
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) jac[i * n + j] = y[i].derivatives()[static_cast<Eigen::Index>(j)];
  });
}
#endif

#ifdef TAPELESS_BENCH_CERES
void bm_ceres_jet(benchmark::State& state, char const* impl) {
  reference().verified_timing(state, impl, [](double const* w, std::array<double, n> const& xv, double* jac) {
    using jet = ceres::Jet<double, n>;
    std::array<jet, n> x, y;
    for (std::size_t j = 0; j < n; ++j) x[j] = jet(xv[j], static_cast<int>(j));
    map<jet>(w, x.data(), y.data());
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) jac[i * n + j] = y[i].v[static_cast<Eigen::Index>(j)];
  });
}
#endif

int const registered = [] {
  using vs = tl::vec<double, n>;
  using ms = tl::mat<double, n, n>;
  bench::register_fixed(problem, "handwritten", bm_handwritten, n);
  bench::register_fixed(problem, "tapeless_forward", bm_tapeless<true, vs, ms>, n);
  bench::register_fixed(problem, "tapeless_forward_dynamic", bm_tapeless<true, tl::dvec<double>, tl::dmat<double>>, n);
  bench::register_fixed(problem, "tapeless_reverse", bm_tapeless<false, vs, ms>, n);
#ifdef TAPELESS_BENCH_ADOLC
  bench::register_fixed(problem, "adolc", bm_adolc, n);
#endif
#ifdef TAPELESS_BENCH_EIGEN
  bench::register_fixed(problem, "eigen_autodiff", bm_eigen_autodiff, n);
#endif
#ifdef TAPELESS_BENCH_CERES
  bench::register_fixed(problem, "ceres_jet", bm_ceres_jet, n);
#endif
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
