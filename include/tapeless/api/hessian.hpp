// tapeless/api/hessian.hpp: tl::hessian and tl::hvp: second derivatives of a scalar function,
// forward over reverse (the reverse sweep run on dual numbers).
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>

#include "../reverse/jacobian.hpp"
#include "grad.hpp"

namespace tapeless {

namespace detail {

/// The number of tangent lanes of one forward-over-reverse sweep: all of x's elements when x is a
/// static value of at most 64 (one sweep), else 8 at a time.
template <class X>
constexpr std::size_t hessian_lanes() {
  if constexpr (rank_v<X> == 0) {
    return 1;
  } else if constexpr (is_static_v<X>) {
    return X::size() <= 64 ? X::size() : 8;
  } else {
    return 8;
  }
}

/// The gradient of f at dual numbers of N lanes: element i of x with the tangents direction(i, t).
/// Its tangents are the directional derivatives of the gradient: columns of the Hessian, or H v.
template <std::size_t N, class Transform, class F, class X, class Direction>
auto gradient_on_duals(F const& f, X const& x, Direction const& direction) {
  return grad_fn<F, Transform>{f}(seeded_duals<N>(x, direction));
}

/// H v: the gradient of f at x + t v, differentiated once in t (one reverse sweep on duals of one lane).
template <class Transform = transform::hvp, class F, class X>
X hvp_checked(F const& f, X const& x, X const& v) {
  check_direction("tl::hvp(f, x, v)", x, v);
  auto const g = gradient_on_duals<1, Transform>(f, x, [&](std::size_t i, auto& t) { t[0] = elem(v, i); });
  X out = make_value<X>(extents_of(x));
  for (std::size_t i = 0, n = size_of(x); i < n; ++i) elem(out, i) = elem(g, i).tangent[0];
  return out;
}

template <class F>
struct hessian_fn {
  F f;
  template <class X>
    requires(function_input<X> && std::is_floating_point_v<element_t<X>>)
  auto operator()(X const& x) const {
    using T = element_t<X>;
    constexpr std::size_t N = hessian_lanes<X>();
    if constexpr (rank_v<X> == 0) {
      return hvp_checked<transform::hessian>(f, x, T(1));
    } else {
      std::size_t const n = size_of(x);
      using H = typename jacobian_value<X, X>::type;
      H h = make_jacobian<H>(n, n);
      for (std::size_t j0 = 0; j0 < n; j0 += N) {
        // Lane k of element i points along e_{j0 + k}: the gradient's tangents are columns j0, j0 + 1, ...
        auto const g = gradient_on_duals<N, transform::hessian>(f, x, unit_directions<N>(j0));
        for (std::size_t i = 0; i < n; ++i)
          for (std::size_t k = 0; k < N && j0 + k < n; ++k) elem(h, i * n + j0 + k) = elem(g, i).tangent[k];
      }
      return h;
    }
  }
  /// A standard container argument (the Hessian a tapeless matrix) or one of another library's types
  /// (tapeless/eigen.hpp: the Hessian as that library's matrix).
  template <class X>
    requires foreign_input<X>
  auto operator()(X const& x) const {
    return through_foreign(*this, [](auto const& h) { return foreign_argument<X>::jacobian(h); }, x);
  }
};

}  // namespace detail

/// The Hessian of a scalar f at x (a matrix for a vector x; a number for a number), forward over
/// reverse: the reverse sweep runs on dual numbers whose tangent lanes are directions e_j. A static x of
/// up to 64 elements takes one sweep; otherwise ceil(n / 8) sweeps.
template <class F>
auto hessian(F f) {
  return detail::hessian_fn<F>{std::move(f)};
}

/// `tl::hvp(f, x, v)`: the Hessian of a scalar f at x times v, shaped like x, from one reverse sweep
/// on dual numbers (forward over reverse) without forming the Hessian. v has x's shape: a static
/// mismatch does not compile, a runtime one throws tl::shape_error.
template <class F, class X, class V>
  requires(detail::function_input<X> && std::is_floating_point_v<detail::element_t<X>> && value_type<V>)
auto hvp(F const& f, X const& x, V const& v) {
  if constexpr (!std::is_same_v<V, X>) {
    static_assert(detail::shapes_agree<detail::shape_t<X>, detail::shape_t<V>>::value && std::is_same_v<V, X>,
                  "tl::hvp(f, x, v): v must have x's type and shape");
    return;  // the assertion says what is wrong
  } else {
    return detail::hvp_checked(f, x, v);
  }
}

}  // namespace tapeless
