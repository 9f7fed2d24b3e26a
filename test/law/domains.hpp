// test/law/domains.hpp: the random inputs of a law: where each input element is drawn from (a `domain`),
// from one fixed seed so that a failure reproduces.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "law/values.hpp"

namespace law {

/// Draws one input element. Every law run starts from the same fixed seed, so failures reproduce.
using domain = std::function<double(std::mt19937&)>;

inline constexpr std::uint32_t fixed_seed = 20240611u;

inline domain uniform(double lo, double hi) {
  return [=](std::mt19937& g) { return std::uniform_real_distribution<double>(lo, hi)(g); };
}

/// Uniform on [lo, hi] but at least `gap` away from each of `kinks` (where the op has no derivative, or
/// where finite differences would straddle a branch).
inline domain avoiding(double lo, double hi, std::vector<double> kinks, double gap) {
  return [=](std::mt19937& g) {
    std::uniform_real_distribution<double> u(lo, hi);
    for (;;) {
      double const x = u(g);
      if (std::none_of(kinks.begin(), kinks.end(), [&](double k) { return std::abs(x - k) < gap; })) return x;
    }
  };
}

/// v with every element drawn from d (rounded to v's element type).
template <class V>
V random_like(V v, domain const& d, std::mt19937& g) {
  auto* p = data_of(v);
  for (std::size_t i = 0, n = size_of(v); i < n; ++i) p[i] = static_cast<element_t<V>>(d(g));
  return v;
}

inline std::vector<double> random_flat(std::size_t n, std::mt19937& g) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<double> v(n);
  for (auto& x : v) x = u(g);
  return v;
}

}  // namespace law
