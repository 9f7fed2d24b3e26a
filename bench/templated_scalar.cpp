// templated_scalar: existing C++ written once over its scalar, differentiated as it is. The energy of
// a chain of n particles on a periodic substrate (Frenkel-Kontorova), with springs twice as stiff in
// compression as in tension (a branch on a value), as a `template <class T>` function over a
// std::vector<T>; the gradient with respect to all n positions. Size = n.
//   function         the template on doubles, value only
//   handwritten      the gradient written by hand
//   tapeless_active  tl::grad(energy, tl::active_mode): the template on tl::active<double>, recorded
//                    one statement per assignment, then one reverse sweep
//   tapeless_dual    the template on tl::dual<double, 8>, ceil(n / 8) forward passes (n <= 1000)
//   adolc            the template on adouble: taped at every call (the branch depends on the values,
//                    so a tape recorded once would be wrong elsewhere), then ADOL-C's gradient driver
//   sacado           the template on Sacado::Rad::ADvar
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <string>
#include <vector>

#include <tapeless/tapeless.hpp>

#include "common.hpp"
#include "peers.hpp"

namespace {

char const* const problem = "templated_scalar";
constexpr std::int64_t particle_counts[] = {10, 100, 1000, 10000};
constexpr std::size_t dual_max = 1000;

namespace chain {
constexpr double rest = 1.0, tension = 2.0, compression = 4.0, substrate = 0.3;
constexpr double wave = 2 * std::numbers::pi;

/// The user's code: written for double, templated over the scalar.
template <class T>
T energy(std::vector<T> const& q) {
  using std::cos;
  T e = 0.0;
  for (std::size_t i = 0; i + 1 < q.size(); ++i) {
    T const d = q[i + 1] - q[i] - rest;
    if (d < 0.0)
      e += 0.5 * compression * d * d;
    else
      e += 0.5 * tension * d * d;
  }
  for (std::size_t i = 0; i < q.size(); ++i) e += substrate * (1.0 - cos(wave * q[i]));
  return e;
}

/// The gradient by hand.
double gradient(std::vector<double> const& q, double* g) {
  std::size_t const n = q.size();
  double e = 0;
  for (std::size_t i = 0; i < n; ++i) g[i] = 0;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    double const d = q[i + 1] - q[i] - rest;
    double const k = d < 0.0 ? compression : tension;
    e += 0.5 * k * d * d;
    g[i + 1] += k * d;
    g[i] -= k * d;
  }
  for (std::size_t i = 0; i < n; ++i) {
    e += substrate * (1.0 - std::cos(wave * q[i]));
    g[i] += substrate * wave * std::sin(wave * q[i]);
  }
  return e;
}
}  // namespace chain

struct data {
  std::vector<double> q;
  double value;           // the hand-written energy and gradient
  std::vector<double> g;
  explicit data(std::size_t n) : q(n), g(n) {
    bench::uniform u(17);
    for (std::size_t i = 0; i < n; ++i) q[i] = double(i) * chain::rest + u(-0.3, 0.3);
    value = chain::gradient(q, g.data());
  }
};

data const& reference(std::size_t n) { return bench::cached<data>(n); }
bench::checker const check{problem, "gradient", reference};

/// Checks run(q), which returns the energy and writes the gradient into g, then times it.
template <class Run>
void verified_timing(benchmark::State& state, char const* impl, std::vector<double>& g, Run run) {
  std::size_t const n = bench::size(state);
  auto q = reference(n).q;
  bench::verified_timing(state, std::tie(q), run, [&](double e) { check(impl, n, e, g.data()); }, g.data());
}

void bm_function(benchmark::State& state, char const* impl) {
  std::size_t const n = bench::size(state);
  auto q = reference(n).q;
  bench::verified_timing(state, std::tie(q), [](std::vector<double> const& x) { return chain::energy(x); },
                         [&](double e) { check(impl, n, e); });
}

void bm_handwritten(benchmark::State& state, char const* impl) {
  std::vector<double> g(bench::size(state));
  verified_timing(state, impl, g, [&](std::vector<double> const& x) { return chain::gradient(x, g.data()); });
}

void bm_active(benchmark::State& state, char const* impl) {
  std::size_t const n = bench::size(state);
  auto q = reference(n).q;
  auto const vg = tl::value_and_grad([](auto const& x) { return chain::energy(x); }, tl::active_mode);
  {
    auto const [e, g] = vg(q);
    check(impl, n, e, g.data());
  }
  auto const grad = tl::grad([](auto const& x) { return chain::energy(x); }, tl::active_mode);
  bench::time_loop(state, std::tie(q), [&](std::vector<double> const& x) { return grad(x); });
}

void bm_dual(benchmark::State& state, char const* impl) {
  std::size_t const n = bench::size(state);
  constexpr std::size_t lanes = 8;
  using D = tl::dual<double, lanes>;
  std::vector<D> x(n);
  std::vector<double> g(n);
  auto run = [&](std::vector<double> const& at) {
    double e = 0;
    for (std::size_t j0 = 0; j0 < n; j0 += lanes) {
      for (std::size_t i = 0; i < n; ++i) {
        x[i] = D(at[i]);
        if (i >= j0 && i - j0 < lanes) x[i].tangent[i - j0] = 1.0;
      }
      D const y = chain::energy(x);
      e = y.value;
      for (std::size_t k = 0; k < lanes && j0 + k < n; ++k) g[j0 + k] = y.tangent[k];
    }
    return e;
  };
  verified_timing(state, impl, g, run);
}

#ifdef TAPELESS_BENCH_ADOLC
void bm_adolc(benchmark::State& state, char const* impl) {
  std::size_t const n = bench::size(state);
  auto q = reference(n).q;
  short const tag = bench::adolc::tag_for(std::string(problem) + "/" + std::to_string(n));
  std::vector<double> g(n);
  auto run = [&](std::vector<double> const& at) {
    bench::adolc::trace_on_in_memory(tag, 12 * n + 1000);
    std::vector<adouble> x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] <<= at[i];
    adouble y = chain::energy(x);
    double e;
    y >>= e;
    trace_off();
    gradient(tag, static_cast<int>(n), at.data(), g.data());
    return e;
  };
  bench::verified_timing(
      state, std::tie(q), run,
      [&](double e) {
        check(impl, n, e, g.data());
        bench::adolc::warn_if_on_disk(tag);
      },
      g.data());
}
#endif

#ifdef TAPELESS_BENCH_SACADO
void bm_sacado(benchmark::State& state, char const* impl) {
  std::size_t const n = bench::size(state);
  std::vector<double> g(n);
  auto run = [&](std::vector<double> const& at) {
    using bench::sacado::rad;
    std::vector<rad> x(at.begin(), at.end());
    rad y = chain::energy(x);
    Sacado::Rad::ADcontext<double>::Outvar_Gradcomp(y);
    for (std::size_t i = 0; i < n; ++i) g[i] = x[i].adj();
    return y.val();
  };
  verified_timing(state, impl, g, run);
}
#endif

int const registered = [] {
  bench::register_at(problem, "function", bm_function, particle_counts);
  bench::register_at(problem, "handwritten", bm_handwritten, particle_counts);
  bench::register_at(problem, "tapeless_active", bm_active, particle_counts);
  bench::register_at(problem, "tapeless_dual", bm_dual, particle_counts, dual_max);
#ifdef TAPELESS_BENCH_ADOLC
  bench::register_at(problem, "adolc", bm_adolc, particle_counts);
#endif
#ifdef TAPELESS_BENCH_SACADO
  bench::register_at(problem, "sacado", bm_sacado, particle_counts);
#endif
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
