// Built with ThreadSanitizer by test/expr/run_tsan.py (not with the suite's AddressSanitizer): four
// threads record tl::active programs and sweep them at the same time, each its own recording, and
// must get exactly what one thread alone gets. A data race between the recordings is reported by
// ThreadSanitizer, which then fails the run; a wrong gradient fails it here.
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include <tapeless/tapeless.hpp>

namespace {

template <class T>
T chain_energy(std::vector<T> const& q, T const& k) {
  T e = 0.0;
  for (std::size_t i = 0; i + 1 < q.size(); ++i) {
    T const d = q[i + 1] - q[i] - 1.0;
    if (d < 0.0) e += 0.5 * k * d * d * d * d + tl::sin(d) * k;
  }
  return e;
}

std::vector<double> gradient_of(double scale) {
  std::vector<tl::active<double>> q(64);
  for (std::size_t i = 0; i < q.size(); ++i) q[i] = 0.9 * scale * double(i);
  tl::active<double> k = scale;
  tl::active<double> const e = chain_energy(q, k);
  auto [gq, gk] = tl::gradient(e, tl::wrt(q, k));
  gq.push_back(gk);
  return gq;
}

}  // namespace

int main() {
  std::vector<std::vector<double>> expected;
  for (int t = 0; t < 4; ++t) expected.push_back(gradient_of(1.0 + 0.1 * t));
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int it = 0; it < 300; ++it)
        if (gradient_of(1.0 + 0.1 * t) != expected[t]) ++wrong;
      // Function-level, with its own actives, on the same threads.
      for (int it = 0; it < 100; ++it) {
        auto const g = tl::grad([](auto const& x) { return x[0] * x[1] * x[1]; }, tl::active_mode)(
            std::vector<double>{double(t), 2.0});
        if (g[0] != 4.0 || g[1] != 4.0 * t) ++wrong;
      }
    });
  for (auto& th : threads) th.join();
  std::printf("%d wrong results over 4 threads\n", wrong.load());
  return wrong.load() == 0 ? 0 : 1;
}
