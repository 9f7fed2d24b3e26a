// Built with ThreadSanitizer by test/expr/run_tsan.py (not with the suite's AddressSanitizer): four
// threads record tl::active programs (of numbers and of arrays) and sweep them at the same time, each its own recording, and
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

/// Array-valued actives: statements and inputs' values in each thread's recording arena.
std::vector<double> array_gradient_of(double scale) {
  tl::active<tl::dvec<double>> q0 = tl::dvec<double>(33, scale);
  tl::active<double> k = scale;
  tl::active<tl::dvec<double>> q = q0, v = tl::dvec<double>(33, 0.5);
  for (int t = 0; t < 20; ++t) {
    tl::active<tl::dvec<double>> a = -k * q + 0.1 * tl::sin(q);
    q += 0.05 * v;
    v += 0.05 * a;
  }
  tl::active<double> const e = tl::sum(q * v);
  auto [gq, gk] = tl::gradient(e, tl::wrt(q0, k));
  std::vector<double> g(gq.begin(), gq.end());
  g.push_back(gk);
  return g;
}

}  // namespace

int main() {
  std::vector<std::vector<double>> expected;
  for (int t = 0; t < 4; ++t) expected.push_back(gradient_of(1.0 + 0.1 * t));
  std::vector<std::vector<double>> expected_arrays;
  for (int t = 0; t < 4; ++t) expected_arrays.push_back(array_gradient_of(1.0 + 0.1 * t));
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int it = 0; it < 300; ++it)
        if (gradient_of(1.0 + 0.1 * t) != expected[t]) ++wrong;
      for (int it = 0; it < 100; ++it)
        if (array_gradient_of(1.0 + 0.1 * t) != expected_arrays[t]) ++wrong;
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
