// index: k = 4 elements read from an N-vector var, y = x[0] x[1] + x[N/2] x[N-1], gradient wrt x (size
// = N). The gradient is a dense N-vector, so every implementation pays O(N) once (the hand-written one
// zero-fills its result too); what is measured is that each read costs O(1) on top, not O(N) (before,
// each x[i] made and zero-filled an array of N in the backward pass).
#include <cstddef>
#include <cstdint>
#include <vector>

#include <tapeless/tapeless.hpp>

#include "common.hpp"

namespace {

char const* const problem = "index";
constexpr std::int64_t index_sizes[] = {100, 10000, 1000000};

std::vector<double> inputs(std::size_t n) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = 1.0 + 1e-3 * double(i % 1000);
  return x;
}

/// The hand-written gradient: a zeroed N-vector with the four partial derivatives.
std::vector<double> grad_plain(std::vector<double> const& x) {
  std::size_t const n = x.size(), h = n / 2;
  std::vector<double> g(n, 0.0);
  g[0] += x[1];
  g[1] += x[0];
  g[h] += x[n - 1];
  g[n - 1] += x[h];
  return g;
}

/// Checks the gradient g (n numbers) against the hand-written one.
void check(char const* impl, std::size_t n, double const* g) {
  auto const want = grad_plain(inputs(n));
  bench::check(bench::name(problem, impl, n), "gradient", g, want.data(), n);
}

void bm_handwritten(benchmark::State& state, char const* impl) {
  std::size_t const n = bench::size(state);
  auto x = inputs(n);
  bench::verified_timing(state, std::tie(x), [](std::vector<double> const& v) { return grad_plain(v); },
                         [&](std::vector<double> const& g) { check(impl, n, g.data()); });
}

void bm_tapeless(benchmark::State& state, char const* impl) {
  std::size_t const n = bench::size(state);
  auto const x0 = inputs(n);
  tl::var<tl::dvec<double>> x{tl::dvec<double>(std::span<double const>(x0))};
  auto const y = x[0] * x[1] + x[n / 2] * x[n - 1];
  int tick = 0;
  bench::verified_timing(state, std::tie(tick), [&](int) { return tl::gradient(y, x); },
                         [&](tl::dvec<double> const& g) { check(impl, n, g.data()); });
}

int const registered = [] {
  bench::register_at(problem, "handwritten", bm_handwritten, index_sizes);
  bench::register_at(problem, "tapeless", bm_tapeless, index_sizes);
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
