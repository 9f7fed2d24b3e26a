// matmul_loss: L(A, B) = sum((A B - C)^2) for 32 x 32 matrices, gradient wrt A and B:
//   R = A B - C,  dL/dA = 2 R B^T,  dL/dB = 2 A^T R.
// Forward-mode peers are not run: 2048 inputs would take 2048 tangent lanes.
#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include <tapeless/tapeless.hpp>

#include "common.hpp"
#include "peers.hpp"
#include "simd.hpp"

namespace {

char const* const problem = "matmul_loss";
constexpr std::size_t n = 32, nn = n * n;

using matrix = std::array<double, nn>;  // row-major

struct result {
  double value;
  std::vector<double> g;  // dL/dA then dL/dB, row-major
};

// ---- function and handwritten: plain loops in the order that vectorises (rows as axpys) ----

double f_plain(double const* a, double const* b, double const* c) {
  double l = 0;
  double r[n];
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) r[j] = -c[i * n + j];
    for (std::size_t p = 0; p < n; ++p) {
      double const aip = a[i * n + p];
      for (std::size_t j = 0; j < n; ++j) r[j] += aip * b[p * n + j];
    }
    for (std::size_t j = 0; j < n; ++j) l += r[j] * r[j];
  }
  return l;
}

double grad_plain(double const* __restrict a, double const* __restrict b, double const* __restrict c,
                  double* __restrict ga, double* __restrict gb) {
  matrix r, bt;
  double l = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double* ri = r.data() + i * n;
    for (std::size_t j = 0; j < n; ++j) ri[j] = -c[i * n + j];
    for (std::size_t p = 0; p < n; ++p) {
      double const aip = a[i * n + p];
      for (std::size_t j = 0; j < n; ++j) ri[j] += aip * b[p * n + j];
    }
    for (std::size_t j = 0; j < n; ++j) l += ri[j] * ri[j];
  }
  for (std::size_t p = 0; p < n; ++p)
    for (std::size_t j = 0; j < n; ++j) bt[j * n + p] = b[p * n + j];
  for (std::size_t k = 0; k < nn; ++k) ga[k] = gb[k] = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      double const rij = 2 * r[i * n + j];
      for (std::size_t p = 0; p < n; ++p) ga[i * n + p] += rij * bt[j * n + p];  // 2 R B^T
    }
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t p = 0; p < n; ++p) {
      double const aip = 2 * a[i * n + p];
      for (std::size_t j = 0; j < n; ++j) gb[p * n + j] += aip * r[i * n + j];  // 2 A^T R
    }
  return l;
}

struct data {
  matrix a, b, c;
  result ref;
  data() {
    bench::uniform u(5);
    for (auto* m : {&a, &b, &c}) u.fill(*m, -1.0, 1.0);
    ref.g.resize(2 * nn);
    ref.value = grad_plain(a.data(), b.data(), c.data(), ref.g.data(), ref.g.data() + nn);
  }
};

data const& reference() {
  static data const d;
  return d;
}

std::string who(char const* impl) { return bench::name(problem, impl, n); }

void check(char const* impl, double value, double const* ga, double const* gb) {
  auto const& ref = reference().ref;
  bench::check(who(impl), "value", value, ref.value);
  bench::check(who(impl), "dL/dA", ga, ref.g.data(), nn);
  bench::check(who(impl), "dL/dB", gb, ref.g.data() + nn, nn);
}

void bm_function(benchmark::State& state, char const* impl) {
  auto const& d = reference();
  matrix a = d.a, b = d.b, c = d.c;
  auto const run = [](matrix const& a, matrix const& b, matrix const& c) {
    return f_plain(a.data(), b.data(), c.data());
  };
  bench::verified_timing(state, std::tie(a, b, c), run,
                         [&](double value) { bench::check(who(impl), "value", value, d.ref.value); });
}

void bm_handwritten(benchmark::State& state, char const* impl) {
  auto const& d = reference();
  matrix a = d.a, b = d.b, c = d.c, ga, gb;
  auto const run = [&ga, &gb](matrix const& a, matrix const& b, matrix const& c) {
    return grad_plain(a.data(), b.data(), c.data(), ga.data(), gb.data());
  };
  bench::verified_timing(
      state, std::tie(a, b, c), run, [&](double value) { check(impl, value, ga.data(), gb.data()); }, ga.data(),
      gb.data());
}

void bm_tapeless(benchmark::State& state, char const* impl) {
  using mat = tl::mat<double, n, n>;
  auto const& d = reference();
  mat a0, b0, c;
  std::copy(d.a.begin(), d.a.end(), a0.data());
  std::copy(d.b.begin(), d.b.end(), b0.data());
  std::copy(d.c.begin(), d.c.end(), c.data());
  tl::var<mat> a{a0}, b{b0};
  auto const l = tl::sum(tl::square(tl::matmul(a, b) - tl::constant_ref(c)));
  bench::verified_timing(state, std::tie(), [&] { return tl::gradient(l, tl::wrt(a, b)); },
                         [&](auto const& g) {
                           auto const& [ga, gb] = g;
                           check(impl, tl::value(l), ga.data(), gb.data());
                         });
}

/// L for a scalar type T: the same loops as f_plain.
template <class T>
T loss(T const* a, T const* b, double const* c) {
  T l(0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      T r(-c[i * n + j]);
      for (std::size_t p = 0; p < n; ++p) r += a[i * n + p] * b[p * n + j];
      l += r * r;
    }
  return l;
}

#ifdef TAPELESS_BENCH_ADOLC
void adolc_tape(short tag) {
  auto const& d = reference();
  bench::adolc::trace_on_in_memory(tag, 3 * n * nn);
  std::vector<adouble> a(nn), b(nn);
  for (std::size_t k = 0; k < nn; ++k) a[k] <<= d.a[k];
  for (std::size_t k = 0; k < nn; ++k) b[k] <<= d.b[k];
  adouble l = loss<adouble>(a.data(), b.data(), d.c.data());
  double lv;
  l >>= lv;
  trace_off();
}

void bm_adolc(benchmark::State& state, char const* impl) {
  auto const& d = reference();
  short const tag = bench::adolc::taped("gradient", adolc_tape);
  std::vector<double> p(2 * nn), g(2 * nn);
  std::copy(d.a.begin(), d.a.end(), p.begin());
  std::copy(d.b.begin(), d.b.end(), p.begin() + nn);
  bench::adolc::verified_timing(state, tag, 2 * nn, p.data(), g.data(),
                                [&](double v) { check(impl, v, g.data(), g.data() + nn); });
}

void bm_adolc_taping(benchmark::State& state, char const*) {
  bench::adolc::time_taping(state, "", [](short tag) { adolc_tape(tag); });
}
#endif

#ifdef TAPELESS_BENCH_SACADO
void bm_sacado(benchmark::State& state, char const* impl) {
  using bench::sacado::rad;
  auto const& d = reference();
  std::vector<double> g(2 * nn);
  auto const run = [&](double const* av, double const* bv) {
    std::vector<rad> a(av, av + nn), b(bv, bv + nn);
    rad l = loss<rad>(a.data(), b.data(), d.c.data());
    Sacado::Rad::ADcontext<double>::Outvar_Gradcomp(l);
    for (std::size_t k = 0; k < nn; ++k) {
      g[k] = a[k].adj();
      g[nn + k] = b[k].adj();
    }
    return l.val();
  };
  double const* av = d.a.data();
  double const* bv = d.b.data();
  bench::verified_timing(
      state, std::tie(av, bv), run, [&](double value) { check(impl, value, g.data(), g.data() + nn); }, g.data());
}
#endif

int const registered = [] {
  bench::register_fixed(problem, "function", bm_function, n);
  bench::register_fixed(problem, "handwritten", bm_handwritten, n);
  bench::register_fixed(problem, "tapeless", bm_tapeless, n);
#ifdef TAPELESS_BENCH_ADOLC
  bench::register_fixed(problem, "adolc", bm_adolc, n);
  bench::register_fixed(problem, "adolc_taping", bm_adolc_taping, n);
#endif
#ifdef TAPELESS_BENCH_SACADO
  bench::register_fixed(problem, "sacado", bm_sacado, n);
#endif
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
