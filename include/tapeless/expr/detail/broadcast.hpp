// tapeless/expr/detail/broadcast.hpp: when two value types combine elementwise (NumPy broadcasting of
// scalars; equal static shapes; runtime extents compared when evaluated), the result's value type and
// extents, and the adjoint a broadcast operand receives.
#pragma once

#include <cstddef>
#include <string_view>
#include <type_traits>

#include "../base.hpp"

namespace tapeless::detail {

template <class A, class B>
struct element_types_agree {
  static constexpr bool value = std::is_same_v<A, B>;
};
template <class A, class B>
struct ranks_agree {
  static constexpr bool value = A::rank == B::rank;
};

/// The value type of an elementwise result: a scalar broadcasts; otherwise the shapes must agree,
/// and a runtime extent wins over a static one (and is checked when evaluated).
template <class A, class B>
struct broadcast {
  using type = A;
};
template <class A, class B>
  requires(rank_v<A> == 0 && rank_v<B> != 0)
struct broadcast<A, B> {
  using type = B;
};
template <class A, class B>
  requires(rank_v<A> != 0 && rank_v<B> != 0 && is_static_v<A> && !is_static_v<B>)
struct broadcast<A, B> {
  using type = B;
};
template <class A, class B>
using broadcast_t = typename broadcast<A, B>::type;

/// When two value types combine elementwise (and as tl::dot's operands): the one description that the
/// builders read to stop early (`ok`) and the assertions read to say why (`element_types` and `shapes`
/// are trait instances, so a failing assertion's diagnostic names both types or both shapes). A scalar
/// broadcasts; otherwise static shapes must be equal, and a runtime extent must have the same rank
/// (its extents are compared when evaluated).
template <class A, class B>
struct elementwise_agreement {
  using element_types = element_types_agree<element_t<A>, element_t<B>>;
  static constexpr bool broadcast = rank_v<A> == 0 || rank_v<B> == 0;
  static constexpr bool both_static = is_static_v<A> && is_static_v<B>;
  using shapes = std::conditional_t<both_static, shapes_agree<shape_t<A>, shape_t<B>>, ranks_agree<shape_t<A>, shape_t<B>>>;
  static constexpr bool ok = element_types::value && (broadcast || shapes::value);
};

/// The compile-time checks of an elementwise operation, each message naming what is wrong.
template <class A, class B>
constexpr bool check_elementwise() {
  using G = elementwise_agreement<A, B>;
  static_assert(G::element_types::value,
                "tl: the operands of an elementwise operation must have the same element type "
                "(float and double do not mix silently: convert one side)");
  if constexpr (!G::broadcast) {
    if constexpr (G::both_static)
      static_assert(G::shapes::value,
                    "tl: the operands of an elementwise operation must have the same shape, or one must be a scalar");
    else
      static_assert(G::shapes::value,
                    "tl: the operands of an elementwise operation must have the same rank, or one must be a scalar");
  }
  return true;
}

/// The same conditions as check_elementwise, as a value (to return early without follow-on errors).
template <class A, class B>
constexpr bool elementwise_fits() {
  return elementwise_agreement<A, B>::ok;
}

template <class V, class... W>
void check_extents(std::string_view where, V const& v, W const&... w) {
  // Runtime extents are compared when either side is dynamic and neither is a scalar.
  auto one = [&](auto const& x) {
    using X = std::remove_cvref_t<decltype(x)>;
    if constexpr (rank_v<V> != 0 && rank_v<X> != 0 && !(is_static_v<V> && is_static_v<X>))
      if (extents_of(v) != extents_of(x)) throw_shapes(where, "operand shapes", extents_of(v), extents_of(x));
  };
  (one(w), ...);
}

/// The extents of the broadcast result of values a..., as a value of type R.
template <class R, class... V>
R make_broadcast(V const&... v) {
  if constexpr (is_static_v<R>) {
    return R{};
  } else {
    extents<rank_v<R>> e{};
    auto pick = [&](auto const& x) {
      if constexpr (rank_v<std::remove_cvref_t<decltype(x)>> == rank_v<R>) e = extents_of(x);
    };
    (pick(v), ...);
    return make_value<R>(e);
  }
}

/// The adjoint an operand of value type V receives from per-element contributions f(i), i < n:
/// summed when V is a scalar broadcast over the result, elementwise otherwise.
template <class V, class F>
V gather_adjoint(V const& like, std::size_t n, F const& f) {
  if constexpr (rank_v<V> == 0) {
    V acc{};
    for (std::size_t i = 0; i < n; ++i) acc += f(i);
    return acc;
  } else {
    V g = make_value<V>(extents_of(like));
    for (std::size_t i = 0; i < n; ++i) g.data()[i] = f(i);
    return g;
  }
}

}  // namespace tapeless::detail
