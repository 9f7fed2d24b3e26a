// test/law/reference.hpp: what a law is checked against (`spec`): a reference written on double, dense or
// elementwise, with analytic derivatives where they are known, and its Jacobian by central differences.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "support/compare.hpp"

namespace law {

using support::fd_noise;
using support::fd_step;

/// All outputs from all inputs (inputs flat and concatenated in argument order; outputs flat).
using dense_fn = std::function<std::vector<double>(std::vector<double> const&)>;
/// Output element i from element i of each input (a scalar input broadcasts), given as `args`.
using elementwise_fn = std::function<double(std::size_t i, std::span<double const> args)>;
/// d output i / d input k of an elementwise law, given the arguments.
using partial_fn = std::function<double(std::size_t i, std::span<double const> args, std::size_t k)>;
/// The analytic vector-Jacobian product: seed (one per output) to one value per input element.
using vjp_fn = std::function<std::vector<double>(std::vector<double> const& x, std::vector<double> const& seed)>;

/// The reference a law is checked against: give `dense` or `elementwise` (with `partial`, optional).
struct spec {
  std::string name;
  dense_fn dense;
  elementwise_fn elementwise;
  partial_fn partial;
  vjp_fn vjp;
};

/// A sparse Jacobian by central differences, with an estimate of each entry's rounding noise.
struct fd_jacobian {
  struct entry {
    std::size_t i, j;
    double d, noise;
  };
  std::vector<double> f0;
  std::size_t n_in = 0;
  std::vector<entry> entries;
};


inline fd_jacobian fd_dense(dense_fn const& f, std::vector<double> const& x) {
  fd_jacobian J;
  J.f0 = f(x);
  J.n_in = x.size();
  for (std::size_t j = 0; j < x.size(); ++j) {
    auto xp = x, xm = x;
    double const h = fd_step(x[j]);
    xp[j] = x[j] + h;
    xm[j] = x[j] - h;
    double const step = xp[j] - xm[j];  // the step actually taken, after rounding
    auto const fp = f(xp), fm = f(xm);
    for (std::size_t i = 0; i < J.f0.size(); ++i)
      J.entries.push_back({i, j, (fp[i] - fm[i]) / step, fd_noise(fp[i], fm[i], step)});
  }
  return J;
}

/// Only the entries an elementwise law can have: output i against element i of each input, or against a
/// broadcast scalar input.
inline fd_jacobian fd_elementwise(elementwise_fn const& f, std::vector<std::size_t> const& sizes,
                                  std::vector<double> const& x) {
  std::size_t const n = *std::max_element(sizes.begin(), sizes.end());
  std::vector<std::size_t> off(sizes.size());
  for (std::size_t k = 1; k < sizes.size(); ++k) off[k] = off[k - 1] + sizes[k - 1];
  auto args = [&](std::size_t i) {
    std::vector<double> a(sizes.size());
    for (std::size_t k = 0; k < sizes.size(); ++k) a[k] = x[off[k] + (sizes[k] == 1 ? 0 : i)];
    return a;
  };
  fd_jacobian J;
  J.n_in = x.size();
  J.f0.resize(n);
  for (std::size_t i = 0; i < n; ++i) J.f0[i] = f(i, args(i));
  for (std::size_t k = 0; k < sizes.size(); ++k)
    for (std::size_t i = 0; i < n; ++i) {
      auto ap = args(i), am = ap;
      double const h = fd_step(ap[k]);
      ap[k] += h;
      am[k] -= h;
      double const step = ap[k] - am[k];
      double const fp = f(i, ap), fm = f(i, am);
      J.entries.push_back({i, off[k] + (sizes[k] == 1 ? 0 : i), (fp - fm) / step, fd_noise(fp, fm, step)});
    }
  return J;
}

inline std::vector<double> elementwise_vjp(spec const& s, std::vector<std::size_t> const& sizes,
                                           std::vector<double> const& x, std::vector<double> const& seed) {
  std::size_t const n = *std::max_element(sizes.begin(), sizes.end());
  std::vector<std::size_t> off(sizes.size());
  for (std::size_t k = 1; k < sizes.size(); ++k) off[k] = off[k - 1] + sizes[k - 1];
  std::vector<double> g(x.size());
  std::vector<double> a(sizes.size());
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < sizes.size(); ++k) a[k] = x[off[k] + (sizes[k] == 1 ? 0 : i)];
    for (std::size_t k = 0; k < sizes.size(); ++k) g[off[k] + (sizes[k] == 1 ? 0 : i)] += seed[i] * s.partial(i, a, k);
  }
  return g;
}

}  // namespace law
