// bench/common.hpp: what every benchmark family shares: deterministic data, the gradient check that
// runs before anything is timed, the timing loop, and the naming scheme <problem>/<implementation>/<size>.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>
#include <tapeless/tapeless.hpp>

namespace bench {

/// The sizes N of the problems that have one.
inline constexpr std::int64_t sizes[] = {16, 256, 4096, 65536};

/// Forward-mode peers carry one tangent lane per input: with N inputs a gradient costs O(N) value
/// evaluations, so they are run only up to this many inputs.
inline constexpr std::size_t forward_mode_max_inputs = 256;

/// Deterministic uniform numbers in [lo, hi): the same data in every run and every implementation.
class uniform {
 public:
  explicit uniform(std::uint64_t seed) : s_(seed * 6364136223846793005ULL + 1442695040888963407ULL) {}
  double operator()(double lo, double hi) {
    s_ = s_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return lo + (hi - lo) * static_cast<double>(s_ >> 11) * 0x1.0p-53;
  }
  /// Fills `values`, in order, with numbers in [lo, hi).
  template <class Range>
  void fill(Range& values, double lo, double hi) {
    for (auto& v : values) v = (*this)(lo, hi);
  }

 private:
  std::uint64_t s_;
};

/// Agreement with the hand-written reference: every component within
/// rel_tolerance * (1 + max |reference component|). Reassociated sums (SIMD, other libraries) and
/// SIMD transcendentals (a few ulp) differ from the plain loops by far less; a wrong derivative by far more.
inline constexpr double rel_tolerance = 1e-9;

/// Aborts the whole run (nothing is timed) when an implementation disagrees with the reference.
inline void check(std::string const& who, char const* what, double const* got, double const* want, std::size_t n) {
  double scale = 0;
  for (std::size_t i = 0; i < n; ++i) scale = std::max(scale, std::abs(want[i]));
  double const tol = rel_tolerance * (1 + scale);
  for (std::size_t i = 0; i < n; ++i)
    if (!(std::abs(got[i] - want[i]) <= tol)) {
      std::fprintf(stderr,
                   "bench: %s: %s[%zu] = %.17g but the hand-written reference gives %.17g "
                   "(tolerance %.3g); not timing a wrong answer\n",
                   who.c_str(), what, i, got[i], want[i], tol);
      std::abort();
    }
}
inline void check(std::string const& who, char const* what, double got, double want) {
  check(who, what, &got, &want, 1);
}

/// "<problem>/<implementation>"; Google Benchmark appends "/<size>".
inline std::string name(char const* problem, char const* implementation) {
  return std::string(problem) + "/" + implementation;
}
/// "<problem>/<implementation>/<size>": one benchmark, as the check's messages name it.
inline std::string name(char const* problem, char const* implementation, std::size_t size) {
  return name(problem, implementation) + "/" + std::to_string(size);
}

/// The size a benchmark runs at (its argument).
inline std::size_t size(benchmark::State const& state) { return static_cast<std::size_t>(state.range(0)); }

/// The check of one family against the hand-written reference: reference(size) is its answer at that
/// size, with members `value` and `g` (the derivatives: an array, std::array or std::vector), and
/// `what` names the derivatives in messages ("gradient (mu, sigma)").
template <class Answer>
class checker {
 public:
  constexpr checker(char const* problem, char const* what, Answer const& (*reference)(std::size_t))
      : problem_(problem), what_(what), reference_(reference) {}

  /// The value alone (the `function` rows).
  void operator()(char const* implementation, std::size_t size, double value) const {
    check(name(problem_, implementation, size), "value", value, reference_(size).value);
  }
  /// The value and the derivatives `g`, as many as the reference has.
  void operator()(char const* implementation, std::size_t size, double value, double const* g) const {
    auto const& want = reference_(size);
    (*this)(implementation, size, value);
    check(name(problem_, implementation, size), what_, g, std::data(want.g), std::size(want.g));
  }
  /// An answer of the reference's shape (members `value` and `g`).
  template <class Got>
    requires requires(Got const& got) { got.value, std::data(got.g), std::size(got.g); }
  void operator()(char const* implementation, std::size_t size, Got const& got) const {
    if (std::size(got.g) != std::size(reference_(size).g)) {
      std::fprintf(stderr, "bench: %s: %zu derivatives where the reference has %zu\n",
                   name(problem_, implementation, size).c_str(), std::size(got.g), std::size(reference_(size).g));
      std::abort();
    }
    (*this)(implementation, size, got.value, std::data(got.g));
  }

 private:
  char const* problem_;
  char const* what_;
  Answer const& (*reference_)(std::size_t);
};

/// Registers fn(state, implementation) as "<problem>/<implementation>", run once per size in `at` up to
/// max_size (the size is the benchmark's argument, state.range(0)).
template <class F>
void register_at(char const* problem, char const* implementation, F fn, std::span<std::int64_t const> at,
                 std::size_t max_size = SIZE_MAX) {
  auto* b = benchmark::RegisterBenchmark(name(problem, implementation).c_str(),
                                         [fn, implementation](benchmark::State& s) { fn(s, implementation); });
  for (auto n : at)
    if (static_cast<std::size_t>(n) <= max_size) b->Arg(n);
}

/// Registers fn(state, implementation) for every size in `sizes` up to max_size.
template <class F>
void register_sized(char const* problem, char const* implementation, F fn, std::size_t max_size = SIZE_MAX) {
  register_at(problem, implementation, fn, sizes, max_size);
}

/// Registers fn(state, implementation) once with a fixed size label (state.range(0) == label).
template <class F>
void register_fixed(char const* problem, char const* implementation, F fn, std::int64_t label) {
  register_at(problem, implementation, fn, std::span(&label, 1));
}

/// For implementations whose size is a template argument (static extents, fixed-size peers): registers
/// make.template operator()<N>() (a benchmark function) at the size N, for each N in Ns.
template <std::size_t... Ns, class Make>
void register_static(char const* problem, char const* implementation, Make make) {
  (register_fixed(problem, implementation, make.template operator()<Ns>(), static_cast<std::int64_t>(Ns)), ...);
}

/// make(n), built once per size n and shared by every implementation (so each check compares the same
/// numbers and setup is not repeated when Google Benchmark calls a benchmark again).
template <class Make>
auto const& cached(std::size_t n, Make make) {
  using Data = decltype(make(n));
  static std::map<std::size_t, std::unique_ptr<Data const>> all;
  auto& p = all[n];
  if (!p) p = std::make_unique<Data const>(make(n));
  return *p;
}
/// Data(n), built once per size.
template <class Data>
Data const& cached(std::size_t n) {
  return cached(n, [](std::size_t size) { return Data(size); });
}

/// Tells the optimiser that the inputs may have changed, so no work is hoisted out of the timing
/// loop. Not benchmark::DoNotOptimize: its two-alternative constraint "+m,r" made GCC 12 at -O3 emit
/// a sacado_fad loop that crashed (a garbage data pointer); the single alternative "+m" is correct.
template <class T>
inline void inputs_may_change(T& x) {
  asm volatile("" : "+m"(x) : : "memory");
}
/// Results: benchmark::DoNotOptimize(result) for values, and this after writing into the arrays
/// `written`. They are passed as inputs only ("r,m", not "+m,r": see inputs_may_change): that is enough
/// for them to escape, and the memory clobber then counts them as read.
template <class... T>
inline void results_are_read(T const*... written) {
  (benchmark::DoNotOptimize(std::as_const(written)), ...);
  benchmark::ClobberMemory();
}

/// The timing loop of every implementation, run once its answer has been checked. Each iteration hides
/// `inputs` (std::tie of the caller's variables) from the optimiser, runs run(inputs...), and has its
/// result and the arrays in `written` (which run fills) read, so that neither the work nor its stores
/// can be dropped or hoisted out of the loop.
template <class Run, class... Inputs, class... Written>
void time_loop(benchmark::State& state, std::tuple<Inputs&...> inputs, Run run, Written const*... written) {
  for (auto _ : state) {
    std::apply([](auto&... in) { (inputs_may_change(in), ...); }, inputs);
    if constexpr (std::is_void_v<decltype(std::apply(run, inputs))>) {
      std::apply(run, inputs);
      results_are_read(written...);
    } else {
      auto out = std::apply(run, inputs);
      benchmark::DoNotOptimize(out);
      results_are_read(written...);
    }
  }
}

/// What every implementation does: checks run's answer at `inputs` with check(answer) (check(), when
/// run returns nothing and fills the arrays `written`), and only then times run with time_loop.
template <class Run, class Check, class... Inputs, class... Written>
void verified_timing(benchmark::State& state, std::tuple<Inputs&...> inputs, Run run, Check check,
                     Written const*... written) {
  if constexpr (std::is_void_v<decltype(std::apply(run, inputs))>) {
    std::apply(run, inputs);
    check();
  } else {
    check(std::apply(run, inputs));
  }
  time_loop(state, inputs, run, written...);
}

/// The problems whose answer is an N x N matrix at a point (jacobian, hessian): a constant N x N
/// matrix `m` (row-major, uniform in [-spread, spread)), the point x0 (uniform in [-1, 1)), the same
/// numbers as tl::dmat and tl::dvec for tapeless, the hand-written answer at x0, closed_form(m, x0, ref)
/// (row-major), and the check against it (`what` names the answer in messages).
template <std::size_t N>
class matrix_problem {
 public:
  std::vector<double> m, x0;
  tl::dmat<double> md;
  tl::dvec<double> xd;
  std::vector<double> ref;

  matrix_problem(char const* problem, char const* what, std::uint64_t seed, double spread,
                 void (*closed_form)(double const*, double const*, double*))
      : m(N * N), x0(N), md(N, N), xd(N), ref(N * N), problem_(problem), what_(what) {
    uniform u(seed);
    u.fill(m, -spread, spread);
    u.fill(x0, -1.0, 1.0);
    std::copy(m.begin(), m.end(), md.data());
    std::copy(x0.begin(), x0.end(), xd.data());
    closed_form(m.data(), x0.data(), ref.data());
  }

  /// Aborts unless `answer` (N x N, row-major) agrees with ref.
  void check(char const* implementation, double const* answer) const {
    bench::check(name(problem_, implementation, N), what_, answer, ref.data(), N * N);
  }

  /// Checks eval(m, x, out), which fills the answer `out`, then times it with the matrix and x as the inputs.
  template <class Eval>
  void verified_timing(benchmark::State& state, char const* implementation, Eval eval) const {
    double const* mp = m.data();
    std::array<double, N> x;
    std::copy(x0.begin(), x0.end(), x.begin());
    std::vector<double> answer(N * N);
    double* out = answer.data();
    bench::verified_timing(
        state, std::tie(mp, x),
        [&eval, out](double const* mv, std::array<double, N> const& xv) { eval(mv, xv, out); },
        [&] { check(implementation, out); }, out);
  }

 private:
  char const* problem_;
  char const* what_;
};

/// The values of `from` (a tl::dvec or tl::dmat, the data) as the tapeless value type Value: `from`
/// itself when Value is its type, else a copy with static extents (tl::vec, tl::mat). The copy is on
/// the heap: its values live inside the object, too many for the stack at the larger sizes. Use as *result.
template <class Value, class Dynamic>
auto tapeless_values(Dynamic const& from) {
  if constexpr (std::is_same_v<Value, Dynamic>) {
    return &from;
  } else {
    auto copy = std::make_unique<Value>();
    std::copy(from.data(), from.data() + from.size(), copy->data());
    return copy;
  }
}

}  // namespace bench
