// heat: existing simulation code, differentiated as it is. A rod of n cells cools by explicit finite
// differences; the conductivity jumps where a cell is hotter than a threshold (a branch on a value),
// and the time loop stops early once the rod is cool enough (a loop of data-dependent length). The
// solver is written once over its scalar, as it would be for doubles. The gradient of the heat left
// at the end with respect to the initial temperatures and the two conductivities comes from
// tl::active (reverse mode, one sweep), and is checked against forward mode (tl::dual on the same
// template) and against central differences of the double version; exit status 1 unless all agree.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <iostream>
#include <vector>

#include <tapeless/tapeless.hpp>

namespace {

constexpr double dt = 0.1, threshold = 0.6;

/// The user's solver: locals, reassignment, a branch on a value, an early exit, std::vector<T>.
template <class T>
T heat_left(std::vector<T> u, T const& k_cold, T const& k_hot, int max_steps) {
  std::size_t const n = u.size();
  std::vector<T> flux(n + 1);
  for (int step = 0; step < max_steps; ++step) {
    for (std::size_t i = 0; i <= n; ++i) {
      T const left = i > 0 ? u[i - 1] : T(0.0);  // the walls are held at 0
      T const right = i < n ? u[i] : T(0.0);
      T const k = (left > threshold || right > threshold) ? k_hot : k_cold;
      flux[i] = k * (left - right);
    }
    T total = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      u[i] += dt * (flux[i] - flux[i + 1]);
      total += u[i];
    }
    if (total < 5.0) break;  // cool enough: stop early (after 390 steps here)
  }
  T heat = 0.0;
  for (auto const& x : u) heat += x * x;
  return heat;
}

}  // namespace

int main() {
  std::size_t const n = 12;
  int const steps = 600;
  std::vector<double> u0(n);
  for (std::size_t i = 0; i < n; ++i) u0[i] = std::sin(3.14159 * double(i + 1) / double(n + 1));
  double const k_cold = 0.2, k_hot = 0.35;

  // Reverse mode: the solver on tl::active<double>.
  std::vector<tl::active<double>> u(u0.begin(), u0.end());
  tl::active<double> kc = k_cold, kh = k_hot;
  tl::active<double> const heat = heat_left(u, kc, kh, steps);
  auto const [g_u, g_kc, g_kh] = tl::gradient(heat, tl::wrt(u, kc, kh));

  // Forward mode on the same template: one lane per input.
  constexpr std::size_t inputs = 14;
  using D = tl::dual<double, inputs>;
  std::vector<D> ud(n);
  for (std::size_t i = 0; i < n; ++i) {
    ud[i] = D(u0[i]);
    ud[i].tangent[i] = 1.0;
  }
  D kcd(k_cold), khd(k_hot);
  kcd.tangent[n] = 1.0;
  khd.tangent[n + 1] = 1.0;
  D const heat_d = heat_left(ud, kcd, khd, steps);

  // Central differences of the double version.
  auto central = [&](std::size_t j) {
    auto at = [&](double h) {
      auto v = u0;
      double a = k_cold, b = k_hot;
      if (j < n) v[j] += h;
      else if (j == n) a += h;
      else b += h;
      return heat_left(v, a, b, steps);
    };
    double const h = 1e-6;
    return (at(h) - at(-h)) / (2 * h);
  };

  bool ok = std::abs(heat.value() - heat_d.value) <= 1e-14 * std::abs(heat_d.value);
  double worst_forward = 0, worst_central = 0;
  for (std::size_t j = 0; j < inputs; ++j) {
    double const g = j < n ? g_u[j] : (j == n ? g_kc : g_kh);
    worst_forward = std::max(worst_forward, std::abs(g - heat_d.tangent[j]) / std::max(1.0, std::abs(g)));
    worst_central = std::max(worst_central, std::abs(g - central(j)) / std::max(1.0, std::abs(g)));
  }
  ok = ok && worst_forward <= 1e-12 && worst_central <= 1e-6;
  std::cout << "heat left: " << heat << "\n"
            << "d/d k_cold = " << g_kc << ", d/d k_hot = " << g_kh << ", d/d u0[0] = " << g_u[0] << "\n"
            << "reverse against forward: " << worst_forward << ", against central differences: " << worst_central
            << (ok ? "  (agree)" : "  (DISAGREE)") << "\n";
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
