// tapeless/reverse/jacobian.hpp: tl::jacobian, the full Jacobian with shape(y) ++ shape(x).
#pragma once

#include <cstddef>
#include <utility>

#include "gradient.hpp"

namespace tapeless::detail {

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

}  // namespace tapeless::detail

namespace tapeless {

/// The full Jacobian of y with respect to x (a tl::var or tl::let): shape(y) ++ shape(x), no summing.
/// A vec of M against a vec of N gives an M x N mat; summing the Jacobian over y's axes gives
/// tl::gradient(y, x). Computed by reverse sweeps, one per element of y, after one evaluation.
///
///     tl::var<tl::vec<double, 2>> x{1.0, 2.0};
///     auto J = tl::jacobian(x * x, x);   // [[2, 0], [0, 4]]
template <class Y, class X>
auto jacobian(Y const& y, X const& x) {
  static_assert(expression<Y>, "tl::jacobian(y, x): y must be a tapeless expression");
  static_assert(detail::is_target_v<X>, "tl::jacobian(y, x): x must be a tl::var or a tl::let binding");
  decltype(auto) root = detail::root_node(y);
  using R = std::remove_cvref_t<decltype(root)>;
  using YV = typename R::value_type;
  using XV = typename X::value_type;
  using J = typename detail::jacobian_value<YV, XV>::type;
  auto const target = detail::as_node(x);

  detail::sweep s;
  auto const rec = root.forward(s);
  std::size_t const m = detail::size_of(rec.value);
  if constexpr (detail::rank_v<YV> == 0) {
    if constexpr (R::active) root.backward(s, rec, YV(1));
    s.run_lets();
    return std::get<0>(detail::collect_adjoints(s, std::tuple{target}));
  } else {
    J jac;
    bool first = true;
    for (std::size_t i = 0; i < m; ++i) {
      if (!first) {
        target.clear_adjoint(s);
        s.clear_let_adjoints();
      }
      first = false;
      YV seed = detail::zeros_like(rec.value);
      detail::elem(seed, i) = detail::element_t<YV>(1);
      if constexpr (R::active) root.backward(s, rec, std::move(seed));
      s.run_lets();
      XV const g = std::get<0>(detail::collect_adjoints(s, std::tuple{target}));
      std::size_t const n = detail::size_of(g);
      if constexpr (!detail::is_static_v<J>)
        if (i == 0) jac = J(m, n);
      for (std::size_t j = 0; j < n; ++j) jac.data()[i * n + j] = detail::elem(g, j);
    }
    return jac;
  }
}

}  // namespace tapeless
