// tapeless/reverse/jacobian.hpp: tl::jacobian, the full Jacobian with shape(y) ++ shape(x).
#pragma once

#include <cstddef>
#include <utility>

#include "gradient.hpp"

namespace tapeless {

/// Forces tl::jacobian to run forward-mode passes (one per element of x).
struct forward_mode_t {};
/// Forces tl::jacobian to run reverse sweeps (one per element of y).
struct reverse_mode_t {};
/// Lets tl::jacobian choose: forward when x has no more elements than y, reverse otherwise.
struct auto_mode_t {};
/// The tags to pass: `tl::jacobian(y, x, tl::forward_mode)`, `tl::reverse_mode`, `tl::auto_mode` (the default).
inline constexpr forward_mode_t forward_mode{};
/// See forward_mode.
inline constexpr reverse_mode_t reverse_mode{};
/// See forward_mode.
inline constexpr auto_mode_t auto_mode{};

namespace detail {

template <class M>
inline constexpr bool is_jacobian_mode_v =
    std::same_as<M, auto_mode_t> || std::same_as<M, forward_mode_t> || std::same_as<M, reverse_mode_t>;

template <class Y, class X>
struct jacobian_value {};
template <class Y, class X>
  requires(rank_v<Y> == 0)
struct jacobian_value<Y, X> {
  using type = X;
};
template <class Y, class X>
  requires(rank_v<Y> != 0 && rank_v<X> == 0)
struct jacobian_value<Y, X> {
  using type = Y;
};
template <class T, std::size_t... DY, std::size_t... DX>
struct jacobian_value<tensor<T, DY...>, tensor<T, DX...>> {
  using type = tensor<T, DY..., DX...>;
};
template <class Y, class X>
  requires(rank_v<Y> == 1 && rank_v<X> == 1 && !(is_static_v<Y> && is_static_v<X>))
struct jacobian_value<Y, X> {
  using type = dmat<element_t<Y>>;
};

template <class J>
J make_jacobian([[maybe_unused]] std::size_t m, [[maybe_unused]] std::size_t n) {
  if constexpr (is_static_v<J>)
    return J{};
  else if constexpr (rank_v<J> == 1)
    return J(m * n);
  else
    return J(m, n);
}

}  // namespace detail

/// The full Jacobian of y with respect to x (a tl::var or tl::let): shape(y) ++ shape(x), no summing.
/// A vec of M against a vec of N gives an M x N mat; summing the Jacobian over y's axes gives
/// tl::gradient(y, x). After one evaluation it runs either one reverse sweep per element of y or one
/// forward-mode pass per element of x, whichever is fewer, forward on a tie (or as `mode` says).
///
///     tl::var<tl::vec<double, 2>> x{1.0, 2.0};
///     auto J = tl::jacobian(x * x, x);   // [[2, 0], [0, 4]]
template <class Y, class X, class Mode = auto_mode_t>
  requires(detail::is_jacobian_mode_v<Mode> && !detail::is_jacobian_mode_v<X>)
auto jacobian(Y const& y, X const& x, Mode = {}) {
  static_assert(expression<Y>, "tl::jacobian(y, x): y must be a tapeless expression");
  static_assert(detail::is_target_v<X>, "tl::jacobian(y, x): x must be a tl::var or a tl::let binding");
  decltype(auto) root = detail::root_node(y);
  using R = std::remove_cvref_t<decltype(root)>;
  using YV = typename R::value_type;
  using XV = typename X::value_type;
  using J = typename detail::jacobian_value<YV, XV>::type;
  using T = detail::element_t<YV>;
  auto const target = detail::as_node(x);

  detail::sweep s;
  auto const rec = root.forward(s);
  std::size_t const m = detail::size_of(rec.value);
  // x's value in this sweep gives its extents (read from the sweep, so nothing is evaluated twice).
  XV const x_now = target.forward(s).value;
  std::size_t const n = detail::size_of(x_now);
  J jac = detail::make_jacobian<J>(m, n);

  // Square: forward, as a tangent pass costs less than a reverse sweep (no adjoints to store).
  bool const forward = std::same_as<Mode, forward_mode_t> || (std::same_as<Mode, auto_mode_t> && n <= m);
  if (forward) {
    XV direction = detail::zeros_like(x_now);
    for (std::size_t j = 0; j < n; ++j) {
      detail::elem(direction, j) = T(1);
      detail::tangent_pass p(target.identity(), &direction);
      YV const t = detail::tangent_of(root, p, rec);
      for (std::size_t i = 0; i < m; ++i) detail::elem(jac, i * n + j) = detail::elem(t, i);
      detail::elem(direction, j) = T{};
    }
  } else {
    for (std::size_t i = 0; i < m; ++i) {
      if (i != 0) {
        target.clear_adjoint(s);
        s.clear_let_adjoints();
      }
      YV seed = detail::zeros_like(rec.value);
      detail::elem(seed, i) = T(1);
      if constexpr (R::active) root.backward(s, rec, std::move(seed));
      s.run_lets();
      XV const g = std::get<0>(detail::collect_adjoints(s, std::tuple{target}));
      for (std::size_t j = 0; j < n; ++j) detail::elem(jac, i * n + j) = detail::elem(g, j);
    }
  }
  return jac;
}

}  // namespace tapeless
