// tapeless/api/grad.hpp: tl::grad, tl::value_and_grad and tl::vjp: reverse mode through a function.
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include "detail/call.hpp"

namespace tapeless {

namespace detail {

/// The gradient of f; Transform is the transform the user called (tl::hessian and tl::hvp call this).
template <class F, class Transform = transform::grad>
struct grad_fn {
  F f;
  template <class... X>
    requires(sizeof...(X) >= 1 && (input_structure<std::remove_cvref_t<X>> && ...))
  auto operator()(X&&... x) const {
    return with_vars<Transform>(f, [](auto const& y, auto const&... v) {
      if constexpr (sizeof...(v) == 1)
        return gradient(y, v...);
      else
        return gradient(y, wrt(v...));
    }, std::forward<X>(x)...);  // hessian's duals are moved into their vars
  }
  /// Arguments of standard containers or another library's types (tapeless/eigen.hpp): gradients in
  /// those types.
  template <class... X>
    requires(sizeof...(X) >= 1 && (foreign_input<X> || ...) &&
             ((foreign_input<X> || input_structure<std::remove_cvref_t<X>>) && ...))
  auto operator()(X const&... x) const {
    return through_foreign(*this, [](auto&& g) {
      if constexpr (sizeof...(X) == 1)
        return argument_gradient<X...>(std::move(g));
      else
        return std::apply([](auto&&... gi) { return std::tuple{argument_gradient<X>(std::move(gi))...}; }, std::move(g));
    }, x...);
  }
};

template <class F>
struct value_and_grad_fn {
  F f;
  template <class... X>
    requires(sizeof...(X) >= 1 && (input_structure<X> && ...))
  auto operator()(X const&... x) const {
    return with_vars<transform::value_and_grad>(f, [](auto const& y, auto const&... v) {
      auto [value, g] = value_and_adjoints(y, wrt_targets(wrt(v...)), seeds_of());
      if constexpr (sizeof...(v) == 1)
        return std::pair{std::move(value), std::get<0>(std::move(g))};
      else
        return std::pair{std::move(value), std::move(g)};
    }, x...);
  }
  /// Arguments of standard containers or another library's types (tapeless/eigen.hpp): gradients in
  /// those types.
  template <class... X>
    requires(sizeof...(X) >= 1 && (foreign_input<X> || ...) && ((foreign_input<X> || input_structure<X>) && ...))
  auto operator()(X const&... x) const {
    return through_foreign(*this, [](auto&& vg) {
      auto&& [value, g] = vg;
      if constexpr (sizeof...(X) == 1)
        return std::pair{std::move(value), argument_gradient<X...>(std::move(g))};
      else
        return std::pair{std::move(value), std::apply([](auto&&... gi) {
          return std::tuple{argument_gradient<X>(std::move(gi))...};
        }, std::move(g))};
    }, x...);
  }
};

}  // namespace detail

/// The gradient of f, as a function: `tl::grad(f)(x)` has x's shape; with several arguments,
/// `auto [gx, gy] = tl::grad(f)(x, y)`. A std::vector, std::array or std::span argument is seen by f
/// as a var of a tl::dvec or tl::vec, and its gradient comes back as a std::vector or std::array (an
/// Eigen one, with tapeless/eigen.hpp, as its Eigen type). A non-scalar output's gradient is summed over its elements,
/// as tl::gradient does (JAX requires a scalar output; here the sum is the rule, as in TensorFlow).
template <class F>
auto grad(F f) {
  return detail::grad_fn<F>{std::move(f)};
}

/// `auto [v, g] = tl::value_and_grad(f)(x)`: the value of f and its gradient from one sweep (std
/// containers as tl::grad takes them).
template <class F>
auto value_and_grad(F f) {
  return detail::value_and_grad_fn<F>{std::move(f)};
}

/// `auto [y, g] = tl::vjp(f, x, u)`: f(x) and the vector-Jacobian product u^T J (reverse mode, one
/// sweep). u has f(x)'s shape (tl::seeds' rule: a static mismatch does not compile).
template <class F, class X, class U>
  requires detail::function_input<X>
auto vjp(F const& f, X const& x, U const& u) {
  return detail::with_vars<detail::transform::vjp>(f, [&](auto const& y, auto const& xv) {
    auto s = seeds(u);
    s.caller = "tl::vjp(f, x, u)";
    return detail::when_gradient_arguments_fit([](auto const& y1, auto const& x1, auto const& s1) {
      auto [value, g] = detail::value_and_adjoints(y1, detail::wrt_targets(x1), detail::seeds_of(s1));
      return std::pair{std::move(value), std::get<0>(std::move(g))};
    }, y, xv, s);
  }, x);
}

}  // namespace tapeless
