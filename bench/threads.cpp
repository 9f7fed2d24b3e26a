// threads: how the gradient of one model over data split across threads scales with the thread count.
// The logistic regression of examples/logistic_model.hpp (4 weights and a bias) over n = 65536 rows,
// split into one shard per thread; each thread takes its shard's gradient, the main thread adds the
// parts (examples/threads.cpp shows the pattern). Size = the number of threads, 1 to
// hardware_concurrency(). The threads are a team started once per benchmark and woken by a barrier
// for each gradient, as a thread pool or an OpenMP runtime would do, so a gradient does not pay for
// starting threads. The time is wall-clock time (real_time), which is what more threads shorten; the
// JSON's cpu_time is the whole process's CPU time (every thread's), which shows what the split costs in
// work and does not depend on what else the machine runs.
#include <atomic>
#include <barrier>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <tapeless/tapeless.hpp>

#include "../examples/logistic_model.hpp"
#include "common.hpp"
#include "simd.hpp"

namespace {

char const* const problem = "threads";
constexpr std::size_t n = 65536;  // rows
using logistic::features;
using logistic::gradient;
using logistic::shard;

/// `threads` workers that each run job(t) once per run(job), t = 0 ... threads - 1; the caller waits.
class team {
 public:
  explicit team(std::size_t threads) : start_(static_cast<std::ptrdiff_t>(threads + 1)),
                                       done_(static_cast<std::ptrdiff_t>(threads + 1)) {
    for (std::size_t t = 0; t < threads; ++t) workers_.emplace_back([this, t] { serve(t); });
  }
  team(team const&) = delete;
  team& operator=(team const&) = delete;
  ~team() {
    stop_ = true;
    start_.arrive_and_wait();
  }  // then the workers join

  void run(std::function<void(std::size_t)> const& job) {
    job_ = &job;
    start_.arrive_and_wait();
    done_.arrive_and_wait();
  }

 private:
  void serve(std::size_t t) {
    for (;;) {
      start_.arrive_and_wait();
      if (stop_) return;
      (*job_)(t);
      done_.arrive_and_wait();
    }
  }

  std::function<void(std::size_t)> const* job_ = nullptr;
  std::atomic<bool> stop_{false};
  std::barrier<> start_, done_;
  std::vector<std::jthread> workers_;  // last: they join before the barriers go
};

/// The data in `threads` shards, made once per thread count.
std::vector<shard> const& shards(std::size_t threads) {
  return bench::cached(threads, [](std::size_t count) {
    std::vector<shard> all;
    for (std::size_t t = 0; t < count; ++t)
      all.emplace_back(logistic::first_row(n, t, count), logistic::first_row(n, t + 1, count));
    return all;
  });
}

logistic::weights const w0{0.1, -0.2, 0.3, -0.4};
double const b0 = 0.05;

/// The reference: the gradient by hand over all rows, in one piece.
std::array<double, features + 1> const& reference() {
  static auto const ref = [] {
    gradient const g = logistic::by_hand(shard(0, n), w0, b0);
    std::array<double, features + 1> r{};
    for (std::size_t j = 0; j < features; ++j) r[j] = g.w[j];
    r[features] = g.b;
    return r;
  }();
  return ref;
}

/// Times one gradient over all rows: shard_gradient(shard, w, b) on each of the team's threads, the
/// parts summed; checked against the reference first.
template <gradient (*shard_gradient)(shard const&, logistic::weights const&, double)>
void bm_team(benchmark::State& state, char const* impl) {
  std::size_t const threads = bench::size(state);
  auto const& data = shards(threads);
  std::vector<gradient> part(threads);
  logistic::weights w = w0;
  double b = b0;
  std::function<void(std::size_t)> const job = [&](std::size_t t) { part[t] = shard_gradient(data[t], w, b); };
  team workers(threads);
  auto const run = [&](logistic::weights const&, double) {
    workers.run(job);
    gradient total;
    for (auto const& p : part) total += p;
    return total;
  };
  bench::verified_timing(state, std::tie(w, b), run, [&](gradient const& g) {
    std::array<double, features + 1> got{};
    for (std::size_t j = 0; j < features; ++j) got[j] = g.w[j];
    got[features] = g.b;
    bench::check(bench::name(problem, impl, threads), "gradient (w, b)", got.data(), reference().data(), got.size());
  });
}

/// tl::grad of the shard's loss function, called on the worker thread.
gradient grad_of_shard(shard const& d, logistic::weights const& w, double b) {
  auto const [gw, gb] = tl::grad(logistic::loss_of(d))(w, b);
  return {gw, gb};
}

void add(char const* implementation, void (*fn)(benchmark::State&, char const*)) {
  auto* b = benchmark::RegisterBenchmark(bench::name(problem, implementation).c_str(),
                                         [fn, implementation](benchmark::State& s) { fn(s, implementation); });
  std::int64_t const most = std::max<std::int64_t>(1, std::thread::hardware_concurrency());
  for (std::int64_t t = 1; t <= most; ++t) b->Arg(t);
  b->UseRealTime()->MeasureProcessCPUTime();
}

int const registered = [] {
  add("handwritten", bm_team<logistic::by_hand>);
  add("tapeless", bm_team<logistic::shard_gradient>);
  add("tapeless_grad", bm_team<grad_of_shard>);
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
