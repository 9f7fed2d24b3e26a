// mlp: a two-layer perceptron on a batch of B rows, the natural way over matrices:
//   H = tanh(X W1 + b1)   (B x 64; X is B x 32 data, b1 a row added to every row of X W1)
//   L = mean((H w2 - y)^2)
// and its gradient wrt W1 (32 x 64), b1 (64) and w2 (64), in double and float, with runtime extents
// (tl::dmat / tl::dvec) and static ones (tl::mat / tl::vec): static extents must never be slower.
// The hand-written gradient uses the library's own matmul kernels (kernels/matmul.hpp) and Highway
// for tanh, with its work arrays made once outside the timing loop:
//   gH = go w2^T with go = 2 (H w2 - y) / B,   gZ = gH (1 - H^2),   gW1 = X^T gZ,   gb1 = column sums of gZ,
//   gw2 = H^T go.
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include <tapeless/kernels/matmul.hpp>
#include <tapeless/tapeless.hpp>

#include "common.hpp"
#include "simd.hpp"

namespace {

char const* const problem = "mlp";
constexpr std::size_t in = 32, hidden = 64;
constexpr std::int64_t batches[] = {16, 64, 256};
namespace kern = tl::detail::kernels;

/// The data and parameters of one batch size, in T.
template <class T>
struct data {
  std::size_t b;
  std::vector<T> x, y, w1, b1, w2;  // row-major
  explicit data(std::size_t batch) : b(batch), x(batch * in), y(batch), w1(in * hidden), b1(hidden), w2(hidden) {
    bench::uniform u(11);
    for (auto& v : x) v = T(u(-1.0, 1.0));
    for (auto& v : y) v = T(u(-1.0, 1.0));
    for (auto& v : w1) v = T(u(-0.3, 0.3));
    for (auto& v : b1) v = T(u(-0.5, 0.5));
    for (auto& v : w2) v = T(u(-0.5, 0.5));
  }
};

/// The value and gradient (W1, b1, w2, concatenated) of one implementation.
template <class T>
struct result {
  T value;
  std::vector<T> g;
};

/// The hand-written gradient; `work` holds the arrays it needs, made once.
template <class T>
struct hand {
  std::vector<T> z, h, o, go, gh, gw1, gb1, gw2;
  explicit hand(std::size_t b)
      : z(b * hidden), h(b * hidden), o(b), go(b), gh(b * hidden), gw1(in * hidden), gb1(hidden), gw2(hidden) {}

  T operator()(data<T> const& d) {
    std::size_t const b = d.b;
    hn::ScalableTag<T> const t;
    std::size_t const lanes = hn::Lanes(t);
    kern::matmul(z.data(), d.x.data(), d.w1.data(), b, in, hidden);
    for (std::size_t i = 0; i < b; ++i)
      for (std::size_t j = 0; j < hidden; j += lanes) {  // hidden is a multiple of every vector length
        auto const zi = hn::Add(hn::LoadU(t, z.data() + i * hidden + j), hn::LoadU(t, d.b1.data() + j));
        hn::StoreU(hn::Tanh(t, zi), t, h.data() + i * hidden + j);
      }
    kern::matmul(o.data(), h.data(), d.w2.data(), b, hidden, 1);
    T loss = 0;
    for (std::size_t i = 0; i < b; ++i) {
      T const r = o[i] - d.y[i];
      loss += r * r;
      go[i] = 2 * r / T(b);
    }
    loss /= T(b);
    std::fill(gw2.begin(), gw2.end(), T(0));
    kern::matmul_adjoint_right(gw2.data(), go.data(), h.data(), b, hidden, 1);
    std::fill(gh.begin(), gh.end(), T(0));
    kern::matmul_adjoint_left(gh.data(), go.data(), d.w2.data(), b, hidden, 1);
    auto const one = hn::Set(t, T(1));
    std::fill(gb1.begin(), gb1.end(), T(0));
    for (std::size_t i = 0; i < b; ++i)
      for (std::size_t j = 0; j < hidden; j += lanes) {
        auto const hij = hn::LoadU(t, h.data() + i * hidden + j);
        auto const gz = hn::Mul(hn::LoadU(t, gh.data() + i * hidden + j), hn::NegMulAdd(hij, hij, one));
        hn::StoreU(gz, t, gh.data() + i * hidden + j);  // gZ in place of gH
        hn::StoreU(hn::Add(hn::LoadU(t, gb1.data() + j), gz), t, gb1.data() + j);
      }
    std::fill(gw1.begin(), gw1.end(), T(0));
    kern::matmul_adjoint_right(gw1.data(), gh.data(), d.x.data(), b, in, hidden);
    return loss;
  }
};

/// The reference: the hand-written gradient in double, at every size.
result<double> const& reference(std::size_t b) {
  return bench::cached(b, [](std::size_t size) {
    data<double> const d(size);
    hand<double> h(size);
    double const v = h(d);
    std::vector<double> g(h.gw1);
    g.insert(g.end(), h.gb1.begin(), h.gb1.end());
    g.insert(g.end(), h.gw2.begin(), h.gw2.end());
    return result<double>{v, std::move(g)};
  });
}
template <class T>
data<T> const& inputs(std::size_t b) {
  return bench::cached(b, [](std::size_t size) { return data<T>(size); });
}

/// Double must agree to 1e-9 of the largest derivative, float to 1e-4 (its rounding over sums of 32 to
/// 256 terms).
template <class T>
void check(char const* impl, std::size_t b, T value, T const* g) {
  auto const& want = reference(b);
  double const tol = std::is_same_v<T, double> ? 1e-9 : 1e-4;
  double scale = std::abs(want.value);
  for (double v : want.g) scale = std::max(scale, std::abs(v));
  auto fail = [&](char const* what, std::size_t k, double got, double w) {
    std::fprintf(stderr, "bench: %s: %s[%zu] = %.17g, want %.17g\n", bench::name(problem, impl, b).c_str(), what, k,
                 got, w);
    std::abort();
  };
  if (!(std::abs(double(value) - want.value) <= tol * scale)) fail("value", 0, value, want.value);
  for (std::size_t k = 0; k < want.g.size(); ++k)
    if (!(std::abs(double(g[k]) - want.g[k]) <= tol * scale)) fail("gradient", k, g[k], want.g[k]);
}

template <class T>
void bm_hand(benchmark::State& state, char const* impl) {
  std::size_t const b = bench::size(state);
  data<T> d = inputs<T>(b);
  hand<T> h(b);
  auto const run = [&h](data<T> const& in_) { return h(in_); };
  bench::verified_timing(
      state, std::tie(d), run,
      [&](T value) {
        std::vector<T> g(h.gw1);
        g.insert(g.end(), h.gb1.begin(), h.gb1.end());
        g.insert(g.end(), h.gw2.begin(), h.gw2.end());
        check(impl, b, value, g.data());
      },
      h.gw1.data(), h.gb1.data(), h.gw2.data());
}

/// tapeless with runtime extents (B = 0: the batch is the benchmark's argument) or static ones (B).
template <class T, std::size_t B>
void bm_tapeless(benchmark::State& state, char const* impl) {
  constexpr bool fixed = B != 0;
  std::size_t const b = fixed ? B : bench::size(state);
  auto const& d = inputs<T>(b);
  using MX = std::conditional_t<fixed, tl::mat<T, (fixed ? B : 1), in>, tl::dmat<T>>;
  using MW = std::conditional_t<fixed, tl::mat<T, in, hidden>, tl::dmat<T>>;
  using VH = std::conditional_t<fixed, tl::vec<T, hidden>, tl::dvec<T>>;
  using VB = std::conditional_t<fixed, tl::vec<T, (fixed ? B : 1)>, tl::dvec<T>>;
  MX x{};
  MW w1{};
  VH b1{}, w2{};
  VB y{};
  if constexpr (!fixed) {
    x = MX(b, in);
    w1 = MW(in, hidden);
    b1 = VH(hidden);
    w2 = VH(hidden);
    y = VB(b);
  }
  std::copy(d.x.begin(), d.x.end(), x.data());
  std::copy(d.w1.begin(), d.w1.end(), w1.data());
  std::copy(d.b1.begin(), d.b1.end(), b1.data());
  std::copy(d.w2.begin(), d.w2.end(), w2.data());
  std::copy(d.y.begin(), d.y.end(), y.data());
  tl::var<MW> W1{w1};
  tl::var<VH> bias{b1}, W2{w2};
  auto const X = tl::constant_ref(x);
  auto const Y = tl::constant_ref(y);
  auto const h = tl::tanh(tl::matmul(X, W1) + bias);
  auto const loss = tl::mean(tl::square(tl::matmul(h, W2) - Y));
  bench::verified_timing(state, std::tie(), [&] { return tl::value_and_gradient(loss, tl::wrt(W1, bias, W2)); },
                         [&](auto const& vg) {
                           auto const& [value, grads] = vg;
                           auto const& [g1, gb, g2] = grads;
                           std::vector<T> g(g1.data(), g1.data() + in * hidden);
                           g.insert(g.end(), gb.data(), gb.data() + hidden);
                           g.insert(g.end(), g2.data(), g2.data() + hidden);
                           check(impl, b, value, g.data());
                         });
}

int const registered = [] {
  bench::register_at(problem, "handwritten", bm_hand<double>, batches);
  bench::register_at(problem, "tapeless", bm_tapeless<double, 0>, batches);
  bench::register_static<16, 64, 256>(problem, "tapeless_static",
                                      []<std::size_t N> { return bm_tapeless<double, N>; });
  bench::register_at(problem, "handwritten_float", bm_hand<float>, batches);
  bench::register_at(problem, "tapeless_float", bm_tapeless<float, 0>, batches);
  bench::register_static<16, 64, 256>(problem, "tapeless_static_float",
                                      []<std::size_t N> { return bm_tapeless<float, N>; });
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
