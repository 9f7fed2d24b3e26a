// gmm: the Gaussian mixture model log-likelihood of ADBench / GradBench ("gmm"), its value and gradient
// wrt the K weights `alphas`, the K x d `means` and the K x d (d + 1) / 2 inverse covariance factors
// `icf` (per component: d log-diagonal entries, then the strictly lower triangle column by column), over
// n = 1000 points x_i in d dimensions, with a Wishart prior (gamma = 1, m = 0):
//   err = -n d log(2 pi) / 2 + sum_i logsumexp_k(alpha_k + sum(q_k) - |Q_k (x_i - mu_k)|^2 / 2)
//         - n logsumexp(alpha) + sum_k [gamma^2 (|diag Q_k|^2 + |L_k|^2) / 2 - m sum(q_k)] - K C(d, m),
// Q_k = diag(exp(q_k)) + L_k. The size is d, with K = 5, 25, 50, 10 components for d = 2, 10, 20, 64.
//
// handwritten: the objective and its adjoint by hand, one point and component at a time (as ADBench's
// "manual" C++). tapeless: the model written over matrices, the natural way with index lists and axes:
// the K factors as one (K d) x d matrix built by tl::scatter_add, all the products Q_k x_i as one matmul,
// per-component squared norms by tl::sum along an axis, tl::logsumexp along the components' axis.
// adolc: the hand-written objective on adoubles, taped once.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <string>
#include <vector>

#include <tapeless/tapeless.hpp>

#include "common.hpp"
#include "peers.hpp"

namespace {

char const* const problem = "gmm";
constexpr std::int64_t dims[] = {2, 10, 20, 64};
constexpr std::size_t n_points = 1000;
constexpr double wishart_gamma = 1.0;
constexpr int wishart_m = 0;

std::size_t components(std::size_t d) { return d <= 2 ? 5 : d <= 10 ? 25 : d <= 20 ? 50 : 10; }

/// One problem: the data and the point the gradient is taken at.
struct data {
  std::size_t d, k, n, icf_size;
  std::vector<double> x, alphas, means, icf;  // row-major
  explicit data(std::size_t dim)
      : d(dim), k(components(dim)), n(n_points), icf_size(dim * (dim + 1) / 2), x(n * d), alphas(k), means(k * d),
        icf(k * icf_size) {
    bench::uniform u(5);
    u.fill(x, -1.0, 1.0);
    u.fill(alphas, -1.0, 1.0);
    u.fill(means, -1.0, 1.0);
    u.fill(icf, -0.5, 0.5);
  }
};

/// The constant terms: -n d log(2 pi) / 2 and the Wishart normaliser K C.
double constant_terms(std::size_t d, std::size_t k, std::size_t n) {
  double const pi = std::numbers::pi;
  double const nw = double(d) + wishart_m + 1;
  double log_gamma_distrib = 0.25 * double(d) * double(d - 1) * std::log(pi);
  for (std::size_t j = 1; j <= d; ++j) log_gamma_distrib += std::lgamma(0.5 * nw + 0.5 * (1.0 - double(j)));
  double const C = nw * double(d) * (std::log(wishart_gamma) - 0.5 * std::log(2.0)) - log_gamma_distrib;
  return -double(n) * double(d) * 0.5 * std::log(2 * pi) - double(k) * C;
}

template <class T>
T logsumexp_of(std::size_t k, T const* v) {
  using std::exp;
  using std::log;
  T m = v[0];
  for (std::size_t i = 1; i < k; ++i)
    if (m < v[i]) m = v[i];
  T s = 0;
  for (std::size_t i = 0; i < k; ++i) s += exp(v[i] - m);
  return log(s) + m;
}

/// The objective on T (double, adouble), as ADBench writes it.
template <class T>
T objective(data const& p, T const* alphas, T const* means, T const* icf) {
  using std::exp;
  std::size_t const d = p.d, k = p.k;
  std::vector<T> qdiag(k * d), sum_q(k), xc(d), qx(d), main_term(k);
  for (std::size_t c = 0; c < k; ++c) {
    sum_q[c] = 0;
    for (std::size_t j = 0; j < d; ++j) {
      sum_q[c] += icf[c * p.icf_size + j];
      qdiag[c * d + j] = exp(icf[c * p.icf_size + j]);
    }
  }
  T slse = 0;
  for (std::size_t i = 0; i < p.n; ++i) {
    for (std::size_t c = 0; c < k; ++c) {
      for (std::size_t j = 0; j < d; ++j) xc[j] = p.x[i * d + j] - means[c * d + j];
      T const* l = icf + c * p.icf_size + d;
      for (std::size_t j = 0; j < d; ++j) qx[j] = qdiag[c * d + j] * xc[j];
      for (std::size_t col = 0, at = 0; col < d; ++col)
        for (std::size_t row = col + 1; row < d; ++row) qx[row] += l[at++] * xc[col];
      T sq = 0;
      for (std::size_t j = 0; j < d; ++j) sq += qx[j] * qx[j];
      main_term[c] = alphas[c] + sum_q[c] - 0.5 * sq;
    }
    slse += logsumexp_of(k, main_term.data());
  }
  T prior = 0;
  for (std::size_t c = 0; c < k; ++c) {
    T frob = 0;
    for (std::size_t j = 0; j < d; ++j) frob += qdiag[c * d + j] * qdiag[c * d + j];
    for (std::size_t j = d; j < p.icf_size; ++j) frob += icf[c * p.icf_size + j] * icf[c * p.icf_size + j];
    prior += 0.5 * wishart_gamma * wishart_gamma * frob - double(wishart_m) * sum_q[c];
  }
  return slse - double(p.n) * logsumexp_of(k, alphas) + prior + constant_terms(d, k, p.n);
}

struct result {
  double value;
  std::vector<double> g;  // alphas, means, icf
};

/// The gradient by hand, with its work arrays made once.
struct hand {
  std::vector<double> qdiag, xc, qx, gy, main_term, w, g;
  explicit hand(data const& p)
      : qdiag(p.k * p.d), xc(p.d), qx(p.d), gy(p.d), main_term(p.k), w(p.k), g(p.k + p.k * p.d + p.k * p.icf_size) {}

  double operator()(data const& p, double const* alphas, double const* means, double const* icf) {
    std::size_t const d = p.d, k = p.k, isz = p.icf_size;
    std::fill(g.begin(), g.end(), 0.0);
    double* ga = g.data();
    double* gm = ga + k;
    double* gi = gm + k * d;
    std::vector<double> sum_q(k);
    for (std::size_t c = 0; c < k; ++c)
      for (std::size_t j = 0; j < d; ++j) {
        sum_q[c] += icf[c * isz + j];
        qdiag[c * d + j] = std::exp(icf[c * isz + j]);
      }
    double slse = 0;
    for (std::size_t i = 0; i < p.n; ++i) {
      double const* xi = p.x.data() + i * d;
      for (std::size_t c = 0; c < k; ++c) {  // forward: the main terms
        double const* l = icf + c * isz + d;
        for (std::size_t j = 0; j < d; ++j) qx[j] = qdiag[c * d + j] * (xi[j] - means[c * d + j]);
        for (std::size_t col = 0, at = 0; col < d; ++col) {
          double const xcol = xi[col] - means[c * d + col];
          for (std::size_t row = col + 1; row < d; ++row) qx[row] += l[at++] * xcol;
        }
        double sq = 0;
        for (std::size_t j = 0; j < d; ++j) sq += qx[j] * qx[j];
        main_term[c] = alphas[c] + sum_q[c] - 0.5 * sq;
      }
      double const lse = logsumexp_of(k, main_term.data());
      slse += lse;
      for (std::size_t c = 0; c < k; ++c) {  // backward: each component with weight w = softmax
        double const wc = std::exp(main_term[c] - lse);
        double const* l = icf + c * isz + d;
        double* gl = gi + c * isz + d;
        ga[c] += wc;
        for (std::size_t j = 0; j < d; ++j) xc[j] = xi[j] - means[c * d + j];
        for (std::size_t j = 0; j < d; ++j) qx[j] = qdiag[c * d + j] * xc[j];
        for (std::size_t col = 0, at = 0; col < d; ++col)
          for (std::size_t row = col + 1; row < d; ++row) qx[row] += l[at++] * xc[col];
        for (std::size_t j = 0; j < d; ++j) {
          gy[j] = -wc * qx[j];
          gi[c * isz + j] += wc + gy[j] * xc[j] * qdiag[c * d + j];
        }
        // g_xc = Q^T gy; the means get -g_xc.
        for (std::size_t col = 0, at = 0; col < d; ++col) {
          double gx = qdiag[c * d + col] * gy[col];
          for (std::size_t row = col + 1; row < d; ++row, ++at) {
            gl[at] += gy[row] * xc[col];
            gx += l[at] * gy[row];
          }
          gm[c * d + col] -= gx;
        }
      }
    }
    double const lse_a = logsumexp_of(k, alphas);
    for (std::size_t c = 0; c < k; ++c) ga[c] -= double(p.n) * std::exp(alphas[c] - lse_a);
    double prior = 0;
    double const g2 = wishart_gamma * wishart_gamma;
    for (std::size_t c = 0; c < k; ++c) {
      double frob = 0;
      for (std::size_t j = 0; j < d; ++j) {
        double const q = qdiag[c * d + j];
        frob += q * q;
        gi[c * isz + j] += g2 * q * q - double(wishart_m);
      }
      for (std::size_t j = d; j < isz; ++j) {
        frob += icf[c * isz + j] * icf[c * isz + j];
        gi[c * isz + j] += g2 * icf[c * isz + j];
      }
      prior += 0.5 * g2 * frob - double(wishart_m) * sum_q[c];
    }
    return slse - double(p.n) * lse_a + prior + constant_terms(d, k, p.n);
  }
};

data const& inputs(std::size_t d) { return bench::cached<data>(d); }

result const& reference(std::size_t d) {
  return bench::cached(d, [](std::size_t dim) {
    auto const& p = inputs(dim);
    hand h(p);
    double const v = h(p, p.alphas.data(), p.means.data(), p.icf.data());
    return result{v, h.g};
  });
}

/// The hand-written gradient is also checked against central differences of the objective here, once:
/// the other implementations are checked against it.
void check_hand_against_differences(std::size_t d) {
  static std::vector<std::size_t> done;
  if (std::find(done.begin(), done.end(), d) != done.end()) return;
  done.push_back(d);
  auto const& p = inputs(d);
  auto const& ref = reference(d);
  std::vector<double> params(p.alphas);
  params.insert(params.end(), p.means.begin(), p.means.end());
  params.insert(params.end(), p.icf.begin(), p.icf.end());
  auto f = [&](std::vector<double> const& v) {
    return objective<double>(p, v.data(), v.data() + p.k, v.data() + p.k + p.k * p.d);
  };
  for (std::size_t j = 0; j < params.size(); j += 1 + params.size() / 40) {
    auto vp = params, vm = params;
    double const h = 1e-5;
    vp[j] += h;
    vm[j] -= h;
    double const fd = (f(vp) - f(vm)) / (2 * h);
    if (!(std::abs(fd - ref.g[j]) <= 1e-5 * (1 + std::abs(ref.g[j])))) {
      std::fprintf(stderr, "bench: gmm/handwritten/%zu: derivative %zu is %.10g, central differences give %.10g\n", d,
                   j, ref.g[j], fd);
      std::abort();
    }
  }
  double const v = f(params);
  if (!(std::abs(v - ref.value) <= 1e-9 * (1 + std::abs(v)))) {
    std::fprintf(stderr, "bench: gmm/handwritten/%zu: value %.17g, the objective gives %.17g\n", d, ref.value, v);
    std::abort();
  }
}

bench::checker const check{problem, "gradient (alphas, means, icf)", reference};

void bm_hand(benchmark::State& state, char const* impl) {
  std::size_t const d = bench::size(state);
  check_hand_against_differences(d);
  auto const& p = inputs(d);
  hand h(p);
  double const* a = p.alphas.data();
  double const* m = p.means.data();
  double const* q = p.icf.data();
  bench::verified_timing(
      state, std::tie(a, m, q), [&](double const* av, double const* mv, double const* qv) { return h(p, av, mv, qv); },
      [&](double v) { check(impl, d, v, h.g.data()); }, h.g.data());
}

/// The index lists that place each component's parameters in the (K d) x d matrix of all the Q_k.
struct placement {
  std::vector<std::size_t> log_diag;   // flat indices into icf of the log-diagonal entries, component by component
  std::vector<std::size_t> lower;      // of the strictly lower entries
  std::vector<std::size_t> diag_at;    // where each goes in the (K d d) elements of the stacked Q_k
  std::vector<std::size_t> lower_at;
  std::vector<std::size_t> component;  // row r of the stacked matrix belongs to component r / d
  explicit placement(data const& p) {
    std::size_t const d = p.d;
    for (std::size_t c = 0; c < p.k; ++c) {
      for (std::size_t j = 0; j < d; ++j) {
        log_diag.push_back(c * p.icf_size + j);
        diag_at.push_back((c * d + j) * d + j);
        component.push_back(c);
      }
      for (std::size_t col = 0, at = d; col < d; ++col)
        for (std::size_t row = col + 1; row < d; ++row, ++at) {
          lower.push_back(c * p.icf_size + at);
          lower_at.push_back((c * d + row) * d + col);
        }
    }
  }
};

void bm_tapeless(benchmark::State& state, char const* impl) {
  std::size_t const d = bench::size(state);
  auto const& p = inputs(d);
  std::size_t const k = p.k, n = p.n;
  placement const at(p);
  tl::dmat<double> xs(n, d), means0(k, d), icf0(k, p.icf_size);
  tl::dvec<double> alphas0(k);
  std::copy(p.x.begin(), p.x.end(), xs.data());
  std::copy(p.means.begin(), p.means.end(), means0.data());
  std::copy(p.icf.begin(), p.icf.end(), icf0.data());
  std::copy(p.alphas.begin(), p.alphas.end(), alphas0.data());
  tl::var<tl::dvec<double>> alphas{alphas0};
  tl::var<tl::dmat<double>> means{means0}, icf{icf0};
  auto const X = tl::constant_ref(xs);

  auto const params = tl::let(tl::reshape(icf, k * p.icf_size, 1));  // one column: its rows are the parameters
  auto const log_diag = tl::let(tl::gather(params, at.log_diag));     // (K d) x 1
  auto const lower = tl::gather(params, at.lower);
  auto const Q = tl::let(tl::reshape(tl::scatter_add(tl::exp(log_diag), at.diag_at, k * d * d) +
                                         tl::scatter_add(lower, at.lower_at, k * d * d),
                                     k * d, d));                         // the K factors stacked: (K d) x d
  auto const sum_q = tl::let(tl::sum(tl::reshape(log_diag, k, d), tl::axis<1>));
  // Q_k (x_i - mu_k) for every point and component: X Q^T less the row of all Q_k mu_k.
  auto const q_mu = tl::sum(Q * tl::gather(means, at.component), tl::axis<1>);
  auto const sq = tl::sum(tl::reshape(tl::square(tl::matmul(X, tl::transpose(Q)) - q_mu), n * k, d), tl::axis<1>);
  auto const main_term = alphas + sum_q - 0.5 * tl::reshape(sq, n, k);
  double const g2 = wishart_gamma * wishart_gamma;
  auto const err = tl::sum(tl::logsumexp(main_term, tl::axis<1>)) - double(n) * tl::logsumexp(alphas) +
                   0.5 * g2 * (tl::sum(tl::square(tl::exp(log_diag))) + tl::sum(tl::square(lower))) -
                   double(wishart_m) * tl::sum(sum_q) + constant_terms(d, k, n);
  bench::verified_timing(state, std::tie(), [&] { return tl::value_and_gradient(err, tl::wrt(alphas, means, icf)); },
                         [&](auto const& vg) {
                           auto const& [value, grads] = vg;
                           auto const& [ga, gm, gi] = grads;
                           std::vector<double> g(ga.data(), ga.data() + k);
                           g.insert(g.end(), gm.data(), gm.data() + k * d);
                           g.insert(g.end(), gi.data(), gi.data() + k * p.icf_size);
                           check(impl, d, value, g.data());
                         });
}

#ifdef TAPELESS_BENCH_ADOLC
void bm_adolc(benchmark::State& state, char const* impl) {
  std::size_t const d = bench::size(state);
  auto const& p = inputs(d);
  std::size_t const m = p.k + p.k * p.d + p.k * p.icf_size;
  std::vector<double> x0(p.alphas);
  x0.insert(x0.end(), p.means.begin(), p.means.end());
  x0.insert(x0.end(), p.icf.begin(), p.icf.end());
  short const tag = bench::adolc::taped("gradient/" + std::to_string(d), [&](short t) {
    bench::adolc::trace_on_in_memory(t, p.n * p.k * (p.d * p.d + 4 * p.d + 8));
    std::vector<adouble> v(m);
    for (std::size_t j = 0; j < m; ++j) v[j] <<= x0[j];
    adouble e = objective<adouble>(p, v.data(), v.data() + p.k, v.data() + p.k + p.k * p.d);
    double ev;
    e >>= ev;
    trace_off();
  });
  std::vector<double> g(m);
  bench::adolc::verified_timing(state, tag, m, x0.data(), g.data(), [&](double v) { check(impl, d, v, g.data()); });
}
#endif

int const registered = [] {
  bench::register_at(problem, "handwritten", bm_hand, dims);
  bench::register_at(problem, "tapeless", bm_tapeless, dims);
#ifdef TAPELESS_BENCH_ADOLC
  constexpr std::int64_t adolc_dims[] = {2, 10};  // d = 20: a tape of some 10^8 operations
  bench::register_at(problem, "adolc", bm_adolc, adolc_dims);
#endif
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
