// tapeless/expr/detail/broadcast.hpp: when two value types combine elementwise (NumPy broadcasting:
// scalars, and a row or a column against a matrix; static shapes checked at compile time, runtime
// extents when evaluated), the result's value type and extents, where each result element reads an
// operand (spread_map), and the adjoint a broadcast operand receives (summed over what it was spread to).
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

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

// NumPy's rule, with one restriction: extents are aligned from the last; along each axis they must be
// equal, or one of them 1 in an operand of rank 2 or more (that operand is then spread along the axis);
// a missing leading axis is spread too. A vector's one extent is never stretched (a vec<1> is not a
// scalar: write the scalar), so a vector against a vector keeps the old rule (equal lengths).

/// Extents e (of an operand of rank R) along the result axis `axis` of a result of rank K; 1 where
/// the operand has no such axis.
template <std::size_t K, std::size_t R>
constexpr std::size_t aligned_extent(extents<R> const& e, std::size_t axis) {
  return axis + R < K ? 1 : e[axis + R - K];
}

/// The extents of the result of operands with extents a and b, or false when they do not broadcast.
template <std::size_t K, std::size_t RA, std::size_t RB>
constexpr bool broadcast_into(extents<K>& out, extents<RA> const& a, extents<RB> const& b) {
  for (std::size_t axis = 0; axis < K; ++axis) {
    std::size_t const x = aligned_extent<K>(a, axis);
    std::size_t const z = aligned_extent<K>(b, axis);
    bool const x_spreads = axis + RA < K || (x == 1 && RA >= 2);
    bool const z_spreads = axis + RB < K || (z == 1 && RB >= 2);
    if (x == z || z_spreads)
      out[axis] = x;
    else if (x_spreads)
      out[axis] = z;
    else
      return false;
  }
  return true;
}

template <class SA, class SB>
struct static_broadcast {
  static constexpr bool ok = false;
};
template <std::size_t... A, std::size_t... B>
struct static_broadcast<shape<A...>, shape<B...>> {
  static constexpr std::size_t rank = sizeof...(A) > sizeof...(B) ? sizeof...(A) : sizeof...(B);
  static constexpr auto make() {
    extents<rank> out{};
    bool const ok = broadcast_into(out, extents<sizeof...(A)>{A...}, extents<sizeof...(B)>{B...});
    return std::pair{ok, out};
  }
  static constexpr bool ok = make().first;
  static constexpr extents<rank> out = make().second;
};

/// `shapes_broadcast<shape<...>, shape<...>>` appears in static_assert conditions so that a failed
/// assertion prints both shapes.
template <class A, class B>
struct shapes_broadcast {
  static constexpr bool value = static_broadcast<A, B>::ok;
};
/// Runtime extents: a result of rank above 2 has no runtime value type.
template <class A, class B>
struct ranks_broadcast {
  static constexpr bool value = A::rank <= 2 && B::rank <= 2;
};

template <class T, class SB, class Seq>
struct tensor_of;
template <class T, class SB, std::size_t... I>
struct tensor_of<T, SB, std::index_sequence<I...>> {
  using type = tensor<T, SB::out[I]...>;
};

/// The value type of an elementwise result: a scalar broadcasts; static shapes broadcast to a static
/// shape; otherwise the result has runtime extents (checked when evaluated) and the larger rank.
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
  requires(rank_v<A> != 0 && rank_v<B> != 0 && is_static_v<A> && is_static_v<B> &&
           static_broadcast<shape_t<A>, shape_t<B>>::ok)
struct broadcast<A, B> {
  using SB = static_broadcast<shape_t<A>, shape_t<B>>;
  using type = typename tensor_of<element_t<A>, SB, std::make_index_sequence<SB::rank>>::type;
};
template <class A, class B>
  requires(rank_v<A> != 0 && rank_v<B> != 0 && !(is_static_v<A> && is_static_v<B>) && rank_v<A> <= 2 &&
           rank_v<B> <= 2)
struct broadcast<A, B> {
  using type = std::conditional_t<(rank_v<A> == 2 || rank_v<B> == 2), dmat<element_t<A>>, dvec<element_t<A>>>;
};
template <class A, class B>
using broadcast_t = typename broadcast<A, B>::type;

/// When two value types combine as operands of tl::dot: the one description that the builders read
/// to stop early (`ok`) and the assertions read to say why (`element_types` and `shapes` are trait
/// instances, so a failing assertion's diagnostic names both types or both shapes). A scalar
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

/// The same for the elementwise operations, which broadcast (NumPy's rule, above).
template <class A, class B>
struct broadcast_agreement {
  using element_types = element_types_agree<element_t<A>, element_t<B>>;
  static constexpr bool broadcast = rank_v<A> == 0 || rank_v<B> == 0;
  static constexpr bool both_static = is_static_v<A> && is_static_v<B>;
  using shapes =
      std::conditional_t<both_static, shapes_broadcast<shape_t<A>, shape_t<B>>, ranks_broadcast<shape_t<A>, shape_t<B>>>;
  static constexpr bool ok = element_types::value && (broadcast || shapes::value);
};

/// The compile-time checks of an elementwise operation, each message naming what is wrong.
template <class A, class B>
constexpr bool check_elementwise() {
  using G = broadcast_agreement<A, B>;
  static_assert(G::element_types::value,
                "tl: the operands of an elementwise operation must have the same element type "
                "(float and double do not mix silently: convert one side)");
  if constexpr (!G::broadcast) {
    if constexpr (G::both_static)
      static_assert(G::shapes::value,
                    "tl: the operands of an elementwise operation must have the same shape, or one must be a scalar, "
                    "or shapes that broadcast (a matrix with a 1 x C row, an R x 1 column or a vector of C elements)");
    else
      static_assert(G::shapes::value,
                    "tl: an elementwise operation with runtime extents takes vectors and matrices (rank 2 at most), "
                    "or a scalar");
  }
  return true;
}

/// The same conditions as check_elementwise, as a value (to return early without follow-on errors).
template <class A, class B>
constexpr bool elementwise_fits() {
  return broadcast_agreement<A, B>::ok;
}

/// The extents of the result of operands with extents a and b; throws tl::shape_error naming both
/// when they do not broadcast.
template <std::size_t K, std::size_t RA, std::size_t RB>
extents<K> broadcast_extents(std::string_view where, extents<RA> const& a, extents<RB> const& b) {
  extents<K> out{};
  if (!broadcast_into(out, a, b)) throw_shapes(where, "operand shapes", a, b);
  return out;
}

/// Operands that must have equal extents (tl::dot): compared when either side is dynamic and neither
/// is a scalar.
template <class V, class... W>
void check_extents(std::string_view where, V const& v, W const&... w) {
  auto one = [&](auto const& x) {
    using X = std::remove_cvref_t<decltype(x)>;
    if constexpr (rank_v<V> != 0 && rank_v<X> != 0 && !(is_static_v<V> && is_static_v<X>))
      if (extents_of(v) != extents_of(x)) throw_shapes(where, "operand shapes", extents_of(v), extents_of(x));
  };
  (one(w), ...);
}

/// Operands of an elementwise operation: their runtime extents must broadcast (pairwise is enough:
/// along each axis the extents that are not spread must all be equal).
template <class V, class... W>
void check_broadcast(std::string_view where, V const& v, W const&... w) {
  auto one = [&](auto const& x) {
    using X = std::remove_cvref_t<decltype(x)>;
    constexpr std::size_t K = rank_v<V> > rank_v<X> ? rank_v<V> : rank_v<X>;
    if constexpr (rank_v<V> != 0 && rank_v<X> != 0 && !(is_static_v<V> && is_static_v<X>))
      broadcast_extents<K>(where, extents_of(v), extents_of(x));
  };
  (one(w), ...);
}

/// The broadcast result of values v... (already checked), as a zero value of type R.
template <class R, class... V>
R make_broadcast(V const&... v) {
  if constexpr (is_static_v<R>) {
    return R{};
  } else {
    constexpr std::size_t K = rank_v<R>;
    extents<K> e{};
    bool first = true;
    auto pick = [&](auto const& x) {
      constexpr std::size_t RX = rank_v<std::remove_cvref_t<decltype(x)>>;
      if constexpr (RX != 0) {
        if (first)
          for (std::size_t axis = 0; axis < K; ++axis) e[axis] = aligned_extent<K>(extents_of(x), axis);
        else
          broadcast_into(e, e, extents_of(x));
        first = false;
      }
    };
    (pick(v), ...);
    return make_value<R>(e);
  }
}

/// Where element i of a result of rank K (in row-major order) reads an operand that is spread over it:
/// the operand's flat index. `identity` when the operand has the result's extents.
template <std::size_t K>
struct spread_map {
  extents<K> out{};     // the result's extents
  extents<K> stride{};  // the operand's stride along each result axis: 0 where it is spread
  bool identity = true;

  template <std::size_t R>
  static spread_map of(extents<R> const& operand, extents<K> const& result) {
    spread_map m{result, {}, true};
    std::size_t step = 1;
    for (std::size_t axis = K; axis-- > 0;) {
      std::size_t const x = aligned_extent<K>(operand, axis);
      m.stride[axis] = x == result[axis] ? step : 0;
      if (x != result[axis]) m.identity = false;
      step *= x;
    }
    if (R != K) m.identity = step == flat(result);
    return m;
  }
  static std::size_t flat(extents<K> const& e) {
    std::size_t n = 1;
    for (auto x : e) n *= x;
    return n;
  }
  std::size_t operator()(std::size_t i) const {
    if (identity) return i;
    if constexpr (K == 2) return (i % out[1]) * stride[1] + (i / out[1]) * stride[0];  // i < out[0] out[1]
    std::size_t off = 0;
    for (std::size_t axis = K; axis-- > 0;) {
      off += (i % out[axis]) * stride[axis];
      i /= out[axis];
    }
    return off;
  }
  /// For the w elements from i: {offset, step} when they are operand elements offset + k step with
  /// step 0 or 1 (within one row of the result), else step 2.
  std::pair<std::size_t, std::size_t> run(std::size_t i, std::size_t w) const {
    if (identity) return {i, 1};
    std::size_t const last = out[K - 1];
    if constexpr (K == 2) {
      std::size_t const q = i / last, r = i - q * last;  // one division for the row and the column
      if (r + w <= last) return {r * stride[1] + q * stride[0], stride[1] == 0 ? 0 : 1};
      return {0, 2};
    }
    if (i % last + w <= last) return {(*this)(i), stride[K - 1] == 0 ? 0 : 1};
    return {0, 2};
  }
};

/// Reads an operand's elements along the flat indices of a result it is broadcast over.
template <class V, std::size_t K>
struct spread_reader {
  V const& v;
  spread_map<K> map;
  decltype(auto) operator()(std::size_t i) const {
    if constexpr (rank_v<V> == 0)
      return (v);
    else
      return (v.data()[map(i)]);
  }
};
template <std::size_t K, class V>
spread_reader<V, K> spread_of(V const& v, extents<K> const& result) {
  if constexpr (rank_v<V> == 0)
    return {v, {}};
  else
    return {v, spread_map<K>::of(extents_of(v), result)};
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
/// The same for an operand broadcast over a result of extents e: each element of `like` gets the sum
/// of the contributions of the result elements it was spread to.
template <class V, std::size_t K, class F>
V gather_adjoint(V const& like, extents<K> const& e, F const& f) {
  std::size_t const n = spread_map<K>::flat(e);
  if constexpr (rank_v<V> != 0) {
    if (size_of(like) != n) {
      auto const map = spread_map<K>::of(extents_of(like), e);
      V g = make_value<V>(extents_of(like));
      for (std::size_t i = 0; i < n; ++i) g.data()[map(i)] += f(i);
      return g;
    }
  }
  return gather_adjoint(like, n, f);
}

}  // namespace tapeless::detail
