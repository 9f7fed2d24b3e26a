// threads: the gradient of one model over data split across threads. A logistic regression (4 weights
// and a bias, examples/logistic_model.hpp) is fitted to n = 10007 rows; its loss is a sum over rows,
// so its gradient is the sum of the shards' gradients. Each thread takes the gradient over its own
// rows with its own vars (nothing tapeless keeps is shared between threads), and the main thread adds
// the parts in shard order. Two spellings, each on 1, 2, 3 and hardware_concurrency() threads: vars
// and tl::gradient on the thread, and tl::grad(f) called on the thread. The summed gradient must equal
// the single-thread gradient to rounding, and that one the gradient by hand; exit status 1 otherwise.
#include <algorithm>
#include <cstddef>
#include <iostream>
#include <thread>
#include <vector>

#include <tapeless/tapeless.hpp>

#include "logistic_model.hpp"

namespace {

using logistic::gradient;
using logistic::shard;
using logistic::weights;

constexpr std::size_t n = 10007;  // rows: a prime, so the shards are uneven

/// Spelling 2: tl::grad of the shard's loss function (it makes its vars on the calling thread).
gradient grad_of_shard(shard const& d, weights const& w0, double b0) {
  auto const [gw, gb] = tl::grad(logistic::loss_of(d))(w0, b0);
  return {gw, gb};
}

/// The data in `threads` shards, the gradient of each on its own thread, summed in shard order.
template <class ShardGradient>
gradient on_threads(std::size_t threads, ShardGradient shard_gradient, weights const& w0, double b0) {
  std::vector<shard> shards;
  for (std::size_t t = 0; t < threads; ++t)
    shards.emplace_back(logistic::first_row(n, t, threads), logistic::first_row(n, t + 1, threads));
  std::vector<gradient> part(threads);
  {
    std::vector<std::jthread> team;
    for (std::size_t t = 0; t < threads; ++t)
      team.emplace_back([&, t] { part[t] = shard_gradient(shards[t], w0, b0); });
  }  // the jthreads join here
  gradient total;
  for (auto const& p : part) total += p;
  return total;
}

int wrong = 0;

void expect_equal(char const* what, std::size_t threads, gradient const& got, gradient const& want) {
  bool const ok = logistic::equal_to_rounding(got, want);
  std::cout << what << " on " << threads << " thread(s): dL/dw = " << got.w << ", dL/db = " << got.b
            << (ok ? "" : "   WRONG") << '\n';
  wrong += ok ? 0 : 1;
}

}  // namespace

int main() {
  weights const w0{0.1, -0.2, 0.3, -0.4};
  double const b0 = 0.05;
  gradient const single = on_threads(1, logistic::shard_gradient, w0, b0);
  expect_equal("by hand", 1, logistic::by_hand(shard(0, n), w0, b0), single);
  std::size_t const most = std::max<std::size_t>(4, std::thread::hardware_concurrency());
  for (std::size_t threads : {std::size_t{1}, std::size_t{2}, std::size_t{3}, most}) {
    expect_equal("tl::gradient", threads, on_threads(threads, logistic::shard_gradient, w0, b0), single);
    expect_equal("tl::grad(f)", threads, on_threads(threads, grad_of_shard, w0, b0), single);
  }
  if (wrong != 0) {
    std::cout << wrong << " gradient(s) WRONG\n";
    return 1;
  }
  std::cout << "the summed gradients equal the single-thread gradient\n";
  return 0;
}
