// logsumexp: y = log(sum_i exp(x_i)) over N inputs, the value and the gradient (the softmax) wrt all
// of them. tl::logsumexp against the same thing spelled out with tl::max, tl::exp and tl::sum (the
// fused loops), against tl::value then tl::gradient (two sweeps, where tl::value_and_gradient takes
// one), and against hand-written loops: scalar, and Highway SIMD (one pass for the maximum,
// one that stores exp(x - m) while summing it, one that scales).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include <tapeless/tapeless.hpp>

#include "common.hpp"
#include "simd.hpp"

namespace {

char const* const problem = "logsumexp";

std::vector<double> inputs(std::size_t n) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = 3 * std::sin(0.37 * double(i));
  return x;
}

struct result {
  double value;
  std::vector<double> g;  // the gradient
};

result grad_plain(std::vector<double> const& x) {
  std::size_t const n = x.size();
  double const m = *std::max_element(x.begin(), x.end());
  std::vector<double> g(n);
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += (g[i] = std::exp(x[i] - m));
  double const inv = 1 / s;
  for (std::size_t i = 0; i < n; ++i) g[i] *= inv;
  return {m + std::log(s), std::move(g)};
}

result grad_simd(std::vector<double> const& x) {
  hn::ScalableTag<double> const d;
  std::size_t const n = x.size(), lanes = hn::Lanes(d);
  double const* p = x.data();
  auto vm = hn::Set(d, p[0]);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) vm = hn::Max(vm, hn::LoadU(d, p + i));
  double m = hn::GetLane(hn::MaxOfLanes(d, vm));
  for (; i < n; ++i) m = std::max(m, p[i]);
  std::vector<double> g(n);
  auto const vshift = hn::Set(d, m);
  auto acc = hn::Zero(d);
  for (i = 0; i + lanes <= n; i += lanes) {
    auto const e = hn::Exp(d, hn::Sub(hn::LoadU(d, p + i), vshift));
    hn::StoreU(e, d, g.data() + i);
    acc = hn::Add(acc, e);
  }
  double s = hn::GetLane(hn::SumOfLanes(d, acc));
  for (; i < n; ++i) s += (g[i] = std::exp(p[i] - m));
  auto const vinv = hn::Set(d, 1 / s);
  for (i = 0; i + lanes <= n; i += lanes) hn::StoreU(hn::Mul(hn::LoadU(d, g.data() + i), vinv), d, g.data() + i);
  for (; i < n; ++i) g[i] /= s;
  return {m + std::log(s), std::move(g)};
}

result const& reference(std::size_t n) {
  return bench::cached(n, [](std::size_t size) { return grad_plain(inputs(size)); });
}
bench::checker const check{problem, "gradient", reference};

template <result (*Grad)(std::vector<double> const&)>
void bm_direct(benchmark::State& state, char const* impl) {
  std::size_t const n = bench::size(state);
  auto x = inputs(n);
  bench::verified_timing(state, std::tie(x), [](std::vector<double> const& v) { return Grad(v); },
                         [&](result const& r) { check(impl, n, r); });
}

template <bool Spelled, bool OneSweep = true>
void bm_tapeless(benchmark::State& state, char const* impl) {
  std::size_t const n = bench::size(state);
  auto const x0 = inputs(n);
  tl::var<tl::dvec<double>> x{tl::dvec<double>(std::span<double const>(x0))};
  auto const m = tl::let(tl::max(x));
  auto const y = [&] {
    if constexpr (Spelled)
      return tl::log(tl::sum(tl::exp(x - m))) + m;
    else
      return tl::logsumexp(x);
  }();
  {
    auto const [v, g] = tl::value_and_gradient(y, x);
    check(impl, n, v, g.data());
  }
  int tick = 0;
  if constexpr (OneSweep)
    bench::time_loop(state, std::tie(tick), [&](int) { return tl::value_and_gradient(y, x); });
  else  // what a training loop paid before tl::value_and_gradient: two forward passes
    bench::time_loop(state, std::tie(tick), [&](int) { return std::pair{tl::value(y), tl::gradient(y, x)}; });
}

int const registered = [] {
  bench::register_sized(problem, "handwritten", bm_direct<grad_plain>);
  bench::register_sized(problem, "handwritten_simd", bm_direct<grad_simd>);
  bench::register_sized(problem, "tapeless", bm_tapeless<false>);
  bench::register_sized(problem, "tapeless_spelled", bm_tapeless<true>);
  bench::register_sized(problem, "tapeless_value_then_gradient", bm_tapeless<false, false>);
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
