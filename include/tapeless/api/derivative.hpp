// tapeless/api/derivative.hpp: tl::derivative<K>(f, x), the value and the first K derivatives of a
// scalar function, by a Taylor jet (or, on request, nested dual numbers).
#pragma once

#include <array>
#include <cstddef>

#include "../forward/dual.hpp"
#include "../forward/jet.hpp"
#include "../reverse/gradient.hpp"

namespace tapeless {

namespace detail {

template <class T, std::size_t K>
struct nested_dual {
  using type = dual<typename nested_dual<T, K - 1>::type, 1>;
};
template <class T>
struct nested_dual<T, 0> {
  using type = T;
};
template <class T, std::size_t K>
using nested_dual_t = typename nested_dual<T, K>::type;

/// x seeded at every level: each nesting level differentiates once more in the same direction.
template <class T, std::size_t K>
nested_dual_t<T, K> seed_nested(T x) {
  if constexpr (K == 0)
    return x;
  else
    return nested_dual_t<T, K>(seed_nested<T, K - 1>(x), {nested_dual_t<T, K - 1>(T(1))});
}

template <class T, std::size_t K>
T deepest(nested_dual_t<T, K> const& r) {
  if constexpr (K == 0)
    return r;
  else
    return deepest<T, K - 1>(r.tangent[0]);
}

/// The K-th derivative sits K tangent steps deep; the lower ones come from the value part.
template <class T, std::size_t K>
void unpack_nested(nested_dual_t<T, K> const& r, std::array<T, K + 1>& out) {
  if constexpr (K == 0) {
    out[0] = r;
  } else {
    std::array<T, K> lower{};
    unpack_nested<T, K - 1>(r.value, lower);
    for (std::size_t k = 0; k < K; ++k) out[k] = lower[k];
    out[K] = deepest<T, K - 1>(r.tangent[0]);
  }
}

}  // namespace detail

/// Asks tl::derivative for nested dual numbers instead of a Taylor jet: 2^K components per number
/// instead of K + 1, the same values to rounding (a cross-check, and the mode tapeless had first).
struct nested_duals_t {};
/// The tag to pass: `tl::derivative<K>(f, x, tl::nested_duals)`.
inline constexpr nested_duals_t nested_duals{};

/// The value of f at x and its first K derivatives: `derivative<3>(f, 2.0)` for f(x) = x^2 is
/// {4, 4, 2, 0}. f is a generic callable written with tapeless functions and operators; x is a
/// float or double. f runs once on a Taylor jet `tl::jet<T, K>` (O(K^2) work per operation, so K = 8
/// or 16 is cheap); `derivative<K>(f, x, tl::nested_duals)` runs it on K nested duals instead (2^K).
template <std::size_t K, class F, class T>
  requires std::is_floating_point_v<T>
std::array<T, K + 1> derivative(F const& f, T x) {
  jet<T, K> const r(value(f(jet<T, K>::variable(x))));
  std::array<T, K + 1> out{};
  for (std::size_t k = 0; k <= K; ++k) out[k] = r.derivative(k);
  return out;
}

template <std::size_t K, class F, class T>
  requires std::is_floating_point_v<T>
std::array<T, K + 1> derivative(F const& f, T x, nested_duals_t) {
  auto const r = value(f(detail::seed_nested<T, K>(x)));
  std::array<T, K + 1> out{};
  detail::unpack_nested<T, K>(detail::nested_dual_t<T, K>(r), out);
  return out;
}

}  // namespace tapeless
