// tapeless/core/detail/special.hpp: the special functions the rules need that <cmath> lacks: the polygamma
// functions psi^(n)(x), the n-th derivatives of digamma psi(x) = d/dx log|Gamma(x)|.
#pragma once

#include <cmath>
#include <limits>
#include <numbers>
#include <type_traits>

namespace tapeless::detail {

/// psi^(n)(x) for n >= 0 (n = 0: digamma, 1: trigamma, ...): float and double to about an ulp (computed
/// in the next wider type), long double to a few.
///
/// x is moved up to x + m >= 10 + n by the recurrence psi^(n)(x) = psi^(n)(x + 1) - (-1)^n n! / x^(n+1),
/// where the asymptotic series (ten Bernoulli terms) is exact to the type's precision. Below zero the
/// same recurrence runs; digamma and trigamma use their reflection formulas instead when x < -1000, and
/// higher orders give NaN there. At the poles (x = 0, -1, -2, ...) the value is +inf where both sides
/// tend to +inf (odd n) and NaN where the sign changes across the pole (even n, digamma included).
template <class T>
T polygamma_in(unsigned n, T x);

/// float in double and double in long double: the shifts and the series cancel (by many digits near
/// digamma's zeros), so a wider type keeps the result to about an ulp of T.
template <class T>
T polygamma(unsigned n, T x) {
  if constexpr (std::is_same_v<T, float>)
    return static_cast<float>(polygamma_in<double>(n, x));
  else if constexpr (std::is_same_v<T, double>)
    return static_cast<double>(polygamma_in<long double>(n, x));
  else
    return polygamma_in<T>(n, x);
}

template <class T>
T polygamma_in(unsigned n, T x) {
  constexpr T nan = std::numeric_limits<T>::quiet_NaN();
  constexpr T inf = std::numeric_limits<T>::infinity();
  constexpr T pi = std::numbers::pi_v<T>;
  if (std::isnan(x)) return x;
  if (std::isinf(x)) return x > 0 ? (n == 0 ? inf : T(0)) : nan;
  if (x <= 0 && x == std::floor(x)) return n % 2 == 1 ? inf : nan;
  T factorial = 1;  // n!
  for (unsigned k = 2; k <= n; ++k) factorial *= T(k);
  T const sign = n % 2 == 0 ? T(-1) : T(1);  // (-1)^(n+1)
  if (x < T(-1000)) {
    if (n == 0) return polygamma_in(0, T(1) - x) - pi / std::tan(pi * x);
    if (n == 1) {
      T const s = std::sin(pi * x);
      return -polygamma_in(1, T(1) - x) + pi * pi / (s * s);
    }
    return nan;
  }
  // The recurrence: the terms (-1)^n n! / (x + i)^(n+1) summed as (-1)^(n+1) n! sum (x + i)^-(n+1).
  // Summed from the smallest term up.
  T shifted{};
  T const target = T(10 + n);
  if (x < target) {
    auto const steps = static_cast<long>(std::ceil(target - x));
    for (long i = steps - 1; i >= 0; --i) shifted += std::pow(x + T(i), -T(n + 1));
    x += T(steps);
  }
  // The Bernoulli numbers B_2k, k = 1..10.
  constexpr long double bernoulli[10] = {1.0L / 6, -1.0L / 30, 1.0L / 42, -1.0L / 30, 5.0L / 66,
                                         -691.0L / 2730, 7.0L / 6, -3617.0L / 510, 43867.0L / 798, -174611.0L / 330};
  T const inv = 1 / x;
  T const inv2 = inv * inv;
  T series{};
  if (n == 0) {
    // psi(x) ~ log x - 1 / (2x) - sum_k B_2k / (2k x^2k)
    T p = inv2;
    for (int k = 1; k <= 10; ++k, p *= inv2) series += T(bernoulli[k - 1]) / T(2 * k) * p;
    return std::log(x) - inv / 2 - series - shifted;
  }
  // psi^(n)(x) ~ (-1)^(n+1) [ (n-1)! / x^n + n! / (2 x^(n+1)) + sum_k B_2k (2k+n-1)! / ((2k)! x^(2k+n)) ]
  T const xn = std::pow(inv, T(n));  // x^-n
  T ratio = factorial * T(n + 1) / 2;  // (2k+n-1)! / (2k)! at k = 1
  T p = inv2;
  for (int k = 1; k <= 10; ++k) {
    series += T(bernoulli[k - 1]) * ratio * p;
    // (2k+n+1)! / (2k+2)! = (2k+n-1)! / (2k)! * (2k+n)(2k+n+1) / ((2k+1)(2k+2))
    ratio *= T(2 * k + n) * T(2 * k + n + 1) / (T(2 * k + 1) * T(2 * k + 2));
    p *= inv2;
  }
  T const asymptotic = (factorial / T(n) + factorial * inv / 2 + series) * xn;
  return sign * (asymptotic + factorial * shifted);
}

}  // namespace tapeless::detail
