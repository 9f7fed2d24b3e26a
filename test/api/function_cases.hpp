// Helpers shared by the tests of the function-level API: a test point and the two functions with
// closed-form derivatives used throughout. (Tolerances and comparisons: test/support/compare.hpp.)
#pragma once

#include <cmath>
#include <cstddef>
#include <tuple>
#include <type_traits>

#include <tapeless/tapeless.hpp>

#include "support/compare.hpp"

namespace {

using reals = std::tuple<float, double>;

template <class X>
X point(std::size_t n) {
  X x;
  if constexpr (std::is_same_v<X, tl::dvec<tl::detail::element_t<X>>>) x = X(n);
  using T = tl::detail::element_t<X>;
  for (std::size_t i = 0; i < n; ++i) x[i] = T(0.3) * T(std::sin(double(i) + 1.0));
  return x;
}

// f(x) = sum(exp(x) * x) + square(sum(x)) / 2: grad_i = exp(x_i) (x_i + 1) + sum(x),
// H_ij = [i == j] exp(x_i) (x_i + 2) + 1.
auto const f = [](auto const& x) { return tl::sum(tl::exp(x) * x) + 0.5 * tl::square(tl::sum(x)); };

template <class T, class X>
T f_plain(X const& x, std::size_t n) {
  T s{}, e{};
  for (std::size_t i = 0; i < n; ++i) {
    s += x[i];
    e += std::exp(x[i]) * x[i];
  }
  return e + T(0.5) * s * s;
}

// g(x) = tanh(x) * sum(x) + x: a map of n to n; J_ij = [i == j] ((1 - t_i^2) s + 1) + t_i.
auto const g = [](auto const& x) { return tl::tanh(x) * tl::sum(x) + x; };

template <class T, class X>
T g_jacobian(X const& x, std::size_t n, std::size_t i, std::size_t j) {
  T s{};
  for (std::size_t k = 0; k < n; ++k) s += x[k];
  T const t = std::tanh(x[i]);
  return (i == j ? (T(1) - t * t) * s + T(1) : T(0)) + t;
}

}  // namespace
