// tapeless/api/jacobian.hpp: tl::jacfwd, tl::jacrev, tl::jacobian(f) and tl::jvp: Jacobians of a
// function, and Jacobian-vector products, by forward-mode passes or reverse sweeps.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

#include "../expr/detail/pointwise.hpp"
#include "../reverse/jacobian.hpp"
#include "detail/call.hpp"

namespace tapeless {

namespace detail {

/// Tangent lanes per forward pass of jacfwd: a static x of up to 64 elements in one pass, otherwise
/// 64 bytes of lanes (8 doubles, 16 floats) per pass on every target, not tl::simd_lanes_v: each pass
/// repeats f's own work (values, calls, branches), so lanes past one vector still pay where vectors
/// are narrow (bench/lanes.cpp built for SSE2: 8 lanes took about 0.65x the time of 4; docs/design.md,
/// "Dual numbers at speed").
template <class X>
constexpr std::size_t jacfwd_lanes() {
  if constexpr (rank_v<X> == 0) {
    return 1;
  } else if constexpr (is_static_v<X>) {
    if constexpr (X::size() <= 64) return X::size();
  }
  return 64 / sizeof(element_t<X>);
}

/// The Jacobian by forward mode in chunks: f evaluated on duals whose N lanes point along inputs
/// j0 ... j0 + N - 1 gives N columns at once, ceil(n / N) evaluations in all.
template <class Transform, class F, class X>
auto jacfwd_chunked(F const& f, X const& x);

/// What f returns on the duals jacfwd seeds; checked (naming the transform) before anything is made of it.
template <class F, class X>
using jacfwd_output_t = std::remove_cvref_t<decltype(std::declval<F const&>()(
    std::declval<var<rebind_t<X, dual<element_t<X>, jacfwd_lanes<X>()>>> const&>()))>;

template <class Transform, class F, class X>
auto jacfwd_checked(F const& f, X const& x) {
  if constexpr (!Transform::template check<jacfwd_output_t<F, X>>())
    return;  // the assertion says what is wrong; nothing further to report
  else
    return jacfwd_chunked<Transform>(f, x);
}

template <class Transform, class F, class X>
auto jacfwd_chunked(F const& f, X const& x) {
  using T = element_t<X>;
  constexpr std::size_t N = jacfwd_lanes<X>();
  std::size_t const n = rank_v<X> == 0 ? 1 : size_of(x);
  using YD = typename std::remove_cvref_t<decltype(root_node(std::declval<jacfwd_output_t<F, X> const&>()))>::value_type;
  using YV = rebind_t<YD, T>;
  using J = typename jacobian_value<YV, X>::type;
  std::size_t m = 0;
  // Every element of a static J is written below (each row, each column in one of the chunks).
  J jac = make_for_overwrite<J>({});
  // f's output at the duals seeded along inputs j0 ... j0 + N - 1 gives columns j0 ... of J. An
  // elementwise tree on top is evaluated element by element (expr/detail/pointwise.hpp), each element's
  // tangents written into J as it is made: no array of duals per node, nor of the output.
  // At least one evaluation, even for an empty x: it gives f(x)'s size (an m x 0 Jacobian).
  for (std::size_t j0 = 0; j0 < n || j0 == 0; j0 += N) {
    with_vars<Transform>(f, [&](auto const& y, auto const&) {
      sweep s;
      for_each_element_pointwise(
          root_node(y), s,
          [&](std::size_t count) {
            if (j0 != 0) return;
            m = count;
            if constexpr (!is_static_v<J>) jac = make_jacobian<J>(m, n);  // a static one is made above
          },
          [&](std::size_t i, auto const& yi) {
            for (std::size_t k = 0; k < N && j0 + k < n; ++k) elem(jac, i * n + j0 + k) = yi.tangent[k];
          });
      return 0;
    }, made_by{[&x, j0] {
      return seeded_duals<N>(x, unit_directions<N>(j0));
    }});
  }
  return jac;
}

/// The transform a mode tag stands for, for the diagnostics.
template <class Mode>
using jacobian_transform = std::conditional_t<std::is_same_v<Mode, forward_mode_t>, transform::jacfwd,
                                              std::conditional_t<std::is_same_v<Mode, reverse_mode_t>,
                                                                 transform::jacrev, transform::jacobian>>;

template <class F, class Mode>
struct jac_fn {
  using Transform = jacobian_transform<Mode>;
  F f;
  template <class X>
    requires function_input<X>
  auto operator()(X const& x) const {
    if constexpr (std::is_same_v<Mode, reverse_mode_t> || !std::is_floating_point_v<element_t<X>>) {
      // Reverse sweeps; also forward for elements that are duals already (no duals of duals here).
      return with_vars<Transform>(f, [](auto const& y, auto const& v) { return jacobian(y, v, Mode{}); }, x);
    } else if constexpr (std::is_same_v<Mode, forward_mode_t>) {
      return jacfwd_checked<Transform>(f, x);
    } else {
      // Forward when the inputs are no more than the outputs: ceil(n / N) evaluations on N-lane duals
      // against m reverse sweeps. Runtime extents need f's output size first (one evaluation).
      using YV = decltype(with_vars<Transform>(f, [](auto const& y, auto const&) { return value(y); }, x));
      std::size_t const n = rank_v<X> == 0 ? 1 : size_of(x);
      std::size_t m = 1;
      if constexpr (rank_v<YV> != 0) {
        if constexpr (is_static_v<YV>)
          m = YV::size();
        else
          m = size_of(with_vars<Transform>(f, [](auto const& y, auto const&) { return value(y); }, x));
      }
      if (n <= m) return jacfwd_checked<Transform>(f, x);
      return with_vars<Transform>(f, [](auto const& y, auto const& v) { return jacobian(y, v, reverse_mode); }, x);
    }
  }
  /// A standard container argument (the Jacobian a tapeless matrix) or one of another library's types
  /// (tapeless/eigen.hpp: the Jacobian as that library's matrix).
  template <class X>
    requires foreign_input<X>
  auto operator()(X const& x) const {
    return through_foreign(*this, [](auto const& j) { return foreign_argument<X>::jacobian(j); }, x);
  }
};

template <class F, class X>
auto jvp_checked(F const& f, X const& x, X const& v) {
  check_direction("tl::jvp(f, x, v)", x, v);
  return with_vars<transform::jvp>(f, [&](auto const& y, auto const& xv) {
    decltype(auto) root = root_node(y);
    using YV = typename std::remove_cvref_t<decltype(root)>::value_type;
    auto const target = as_node(xv);
    sweep s;
    auto const rec = root.forward(s);
    tangent_pass p(target.identity(), &v);
    YV t = tangent_of(root, p, rec);
    return std::pair{YV(rec.value), std::move(t)};
  }, x);
}

}  // namespace detail

/// The Jacobian of f at x, shape(f(x)) ++ shape(x), by forward mode: f runs on dual numbers whose N
/// tangent lanes carry N columns at once (all of them for a static x of up to 64 elements, else 8
/// doubles or 16 floats per evaluation).
template <class F>
auto jacfwd(F f) {
  return detail::jac_fn<F, forward_mode_t>{std::move(f)};
}

/// The Jacobian of f at x, shape(f(x)) ++ shape(x), one reverse sweep per element of f(x).
template <class F>
auto jacrev(F f) {
  return detail::jac_fn<F, reverse_mode_t>{std::move(f)};
}

/// The Jacobian of f at x, shape(f(x)) ++ shape(x), in the cheaper mode for the shapes: forward
/// (as jacfwd) when x has no more elements than f(x), reverse (as jacrev) otherwise.
/// `tl::jacobian(f, tl::forward_mode)` or `tl::reverse_mode` forces one.
template <class F, class Mode = auto_mode_t>
  requires(!expression<F> && detail::is_jacobian_mode_v<Mode>)
auto jacobian(F f, Mode = {}) {
  return detail::jac_fn<F, Mode>{std::move(f)};
}

/// `auto [y, t] = tl::jvp(f, x, v)`: f(x) and the Jacobian-vector product J v (forward mode, one pass).
/// v has x's shape: a static mismatch does not compile, a runtime one throws tl::shape_error.
template <class F, class X, class V>
  requires(detail::function_input<X> && value_type<V>)
auto jvp(F const& f, X const& x, V const& v) {
  if constexpr (!std::is_same_v<V, X>) {
    static_assert(detail::shapes_agree<detail::shape_t<X>, detail::shape_t<V>>::value && std::is_same_v<V, X>,
                  "tl::jvp(f, x, v): v must have x's type and shape");
    return;  // the assertion says what is wrong
  } else {
    return detail::jvp_checked(f, x, v);
  }
}

}  // namespace tapeless
