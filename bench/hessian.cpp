// hessian: the full Hessian of the scalar function of 32 inputs
//   f(x) = sum(log1p(exp(A x))) + 0.5 * sum(x * x),   A a constant 32 x 32 matrix (data),
// in closed form H = A^T diag(s (1 - s)) A + I with s = sigmoid(A x). Every implementation's 1024
// entries (row-major) are checked against the closed form.
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

char const* const problem = "hessian";
constexpr std::size_t n = 32;  // inputs

/// The closed form: H = A^T diag(s (1 - s)) A + I. A is row-major; H is filled row-major (it is symmetric).
void hess_plain(double const* a, double const* x, double* h) {
  std::array<double, n> c;  // s_i (1 - s_i)
  for (std::size_t i = 0; i < n; ++i) {
    double const* ai = a + i * n;
    double z = 0;
    for (std::size_t j = 0; j < n; ++j) z += ai[j] * x[j];
    double const s = 1 / (1 + std::exp(-z));
    c[i] = s * (1 - s);
  }
  std::fill(h, h + n * n, 0.0);
  // Row by row of A: H += c_i a_i^T a_i (the inner loop runs along a row of H, contiguous).
  for (std::size_t i = 0; i < n; ++i) {
    double const* ai = a + i * n;
    for (std::size_t j = 0; j < n; ++j) {
      double const cij = c[i] * ai[j];
      double* hj = h + j * n;
      for (std::size_t k = 0; k < n; ++k) hj[k] += cij * ai[k];
    }
  }
  for (std::size_t j = 0; j < n; ++j) h[j * n + j] += 1;
}

/// A (m), x0 where the Hessian is taken, and the closed form there.
bench::matrix_problem<n> const& reference() {
  static bench::matrix_problem<n> const d(problem, "Hessian (row-major)", 19, 0.3, hess_plain);
  return d;
}

void bm_handwritten(benchmark::State& state, char const* impl) {
  reference().verified_timing(state, impl,
                  [](double const* a, std::array<double, n> const& x, double* h) { hess_plain(a, x.data(), h); });
}

/// tl::hessian of f, forward over reverse: x (a tl::vec of 32) holds duals of 32 lanes, one sweep.
/// tl::constant_ref(A) refers to A (tl::matmul(A, x) would copy it into the expression at every call
/// of f); A's doubles scale the duals' tangents in the product, forward and backward.
void bm_tapeless(benchmark::State& state, char const* impl) {
  auto const& d = reference();
  auto const as = bench::tapeless_values<tl::mat<double, n, n>>(d.md);
  auto const& A = *as;
  auto f = [&A](auto const& x) { return tl::sum(tl::log1p(tl::exp(tl::matmul(tl::constant_ref(A), x)))) + 0.5 * tl::sum(x * x); };
  tl::vec<double, n> x = *bench::tapeless_values<tl::vec<double, n>>(d.xd);
  auto const run = [&f](tl::vec<double, n> const& at) { return tl::hessian(f)(at); };
  bench::verified_timing(state, std::tie(x), run, [impl](auto const& h) { reference().check(impl, h.data()); });
}

/// f for the peers' scalar types. Eigen's AutoDiffScalar has no log1p: log(1 + exp(z)) there.
template <class T, class Softplus>
T f_generic(double const* a, T const* x, Softplus softplus) {
  T l(0.0);
  for (std::size_t i = 0; i < n; ++i) {
    T z(0.0);
    for (std::size_t j = 0; j < n; ++j) z += a[i * n + j] * x[j];
    l += softplus(z);
  }
  for (std::size_t j = 0; j < n; ++j) l += 0.5 * T(x[j] * x[j]);
  return l;
}

#ifdef TAPELESS_BENCH_ADOLC
void adolc_tape(short tag) {
  auto const& d = reference();
  bench::adolc::trace_on_in_memory(tag, 2 * n * n + 8 * n);
  std::array<adouble, n> x;
  for (std::size_t j = 0; j < n; ++j) x[j] <<= d.x0[j];
  adouble l = f_generic<adouble>(d.m.data(), x.data(), [](adouble const& z) -> adouble { return log(1.0 + exp(z)); });
  double lv;
  l >>= lv;
  trace_off();
}

/// ADOL-C's hessian driver on a tape recorded once (untimed). It fills the lower triangle only; the
/// check mirrors it into the upper one (outside the timing).
void bm_adolc(benchmark::State& state, char const* impl) {
  short const tag = bench::adolc::taped("hessian", adolc_tape);
  // ::hessian takes x as double* but only reads it.
  bench::adolc::verified_matrix_timing<n>(
      state, reference().x0,
      [tag](double const* x, double** rows) { ::hessian(tag, n, const_cast<double*>(x), rows); },
      [impl](double const* h) {
        std::vector<double> full(h, h + n * n);
        for (std::size_t i = 0; i < n; ++i)
          for (std::size_t j = i + 1; j < n; ++j) full[i * n + j] = full[j * n + i];
        reference().check(impl, full.data());
      });
}
#endif

#ifdef TAPELESS_BENCH_EIGEN
/// Nested forward mode, Eigen's idiom for second derivatives: an AutoDiffScalar whose derivatives are
/// AutoDiffScalars (fixed sizes: 32 inner and 32 outer directions). H_ij is the inner derivative j of
/// the outer derivative i.
void bm_eigen_autodiff(benchmark::State& state, char const* impl) {
  reference().verified_timing(state, impl, [](double const* a, std::array<double, n> const& xv, double* h) {
    using inner = Eigen::AutoDiffScalar<Eigen::Matrix<double, n, 1>>;
    using outer = Eigen::AutoDiffScalar<Eigen::Matrix<inner, n, 1>>;
    std::array<outer, n> x;
    for (std::size_t j = 0; j < n; ++j) {
      auto const jj = static_cast<Eigen::Index>(j);
      x[j].value() = inner(xv[j], n, jj);
      x[j].derivatives().setZero();  // every entry: value 0, inner derivatives 0
      x[j].derivatives()[jj].value() = 1;
    }
    outer const l = f_generic<outer>(a, x.data(), [](outer const& z) -> outer { return log(1.0 + exp(z)); });
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j)
        h[i * n + j] = l.derivatives()[static_cast<Eigen::Index>(i)].derivatives()[static_cast<Eigen::Index>(j)];
  });
}
#endif

int const registered = [] {
  bench::register_fixed(problem, "handwritten", bm_handwritten, n);
  bench::register_fixed(problem, "tapeless", bm_tapeless, n);
#ifdef TAPELESS_BENCH_ADOLC
  bench::register_fixed(problem, "adolc", bm_adolc, n);
#endif
#ifdef TAPELESS_BENCH_EIGEN
  bench::register_fixed(problem, "eigen_autodiff", bm_eigen_autodiff, n);
#endif
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
