// tapeless/expr/index.hpp: e[i] and e(i, j, ...) on any expression.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>

#include "base.hpp"

namespace tapeless::detail {

template <class V, std::size_t K>
struct indexed_value {};

template <class T, std::size_t K, class Seq, std::size_t... D>
struct drop_front;
template <class T, std::size_t K, std::size_t... I, std::size_t... D>
struct drop_front<T, K, std::index_sequence<I...>, D...> {
  static constexpr std::array<std::size_t, sizeof...(D)> ext{D...};
  using type = tensor<T, ext[K + I]...>;
};

template <class T, std::size_t K, std::size_t... D>
  requires(K < sizeof...(D))
struct indexed_value<tensor<T, D...>, K> {
  using type = typename drop_front<T, K, std::make_index_sequence<sizeof...(D) - K>, D...>::type;
};
template <class T, std::size_t K, std::size_t... D>
  requires(K == sizeof...(D))
struct indexed_value<tensor<T, D...>, K> {
  using type = T;
};
template <class T>
struct indexed_value<dvec<T>, 1> {
  using type = T;
};
template <class T>
struct indexed_value<dmat<T>, 1> {
  using type = dvec<T>;
};
template <class T>
struct indexed_value<dmat<T>, 2> {
  using type = T;
};

/// The offset and length of the block that K leading indices select in a value of extents e.
template <std::size_t R, std::size_t K>
std::pair<std::size_t, std::size_t> index_block(extents<R> const& e, std::array<std::size_t, K> const& idx) {
  std::size_t off = 0;
  for (std::size_t a = 0; a < K; ++a) {
    if (idx[a] >= e[a]) {
      std::string where = "(";
      for (std::size_t b = 0; b < K; ++b) where += (b ? ", " : "") + std::to_string(idx[b]);
      throw shape_error(std::string(K == 1 ? "tl::operator[]" : "tl::operator()") + ": index " + where +
                        ") is out of range for shape " + format_extents(e));
    }
    off = off * e[a] + idx[a];
  }
  std::size_t len = 1;
  for (std::size_t a = K; a < R; ++a) {
    len *= e[a];
    off *= e[a];
  }
  return {off, len};
}

/// An elementwise tree that runs as fused loops (elementwise.hpp) back-propagates the adjoint `a` of
/// its element k alone, and gives that element's tangent (defined in detail/fuse.hpp). An index, a
/// slice, tl::max and tl::min of such a tree use them: they cost what they touch, and the elements
/// not read get exact zeros (an array of zeros through sqrt at 0 would give 0 * inf = NaN there).
template <class N>
concept fused_map_node = requires { requires N::fused; } && rank_v<typename N::value_type> != 0;
template <class N, class R, class T>
void fused_back_at(N const& n, sweep& s, std::size_t k, R const& r, T a);
template <class N, class R>
auto fused_tangent_at_record(N const& n, R const& r, std::size_t k, tangent_pass const& t);

template <class N, std::size_t K>
struct index_node : expr_base<index_node<N, K>> {
  using child_value = typename N::value_type;
  using value_type = typename indexed_value<child_value, K>::type;
  static constexpr bool active = N::active;
  /// Built in place, the child's record first (docs/design.md, "Records are built in place").
  struct record {
    record_t<N> child;
    std::size_t offset;
    value_type value;
    record(index_node const& self, sweep& s)
        : child(self.n_.forward(s)), offset(index_block(extents_of(child.value), self.idx_).first),
          value(self.take(child.value, offset)) {}
  };
  N n_;
  std::array<std::size_t, K> idx_;

  record forward(sweep& s) const { return record(*this, s); }
  value_type take(child_value const& x, std::size_t off) const {
    if constexpr (rank_v<value_type> == 0) {
      return x.data()[off];
    } else {
      value_type v = make_value<value_type>(sub_extents(x));
      std::copy(x.data() + off, x.data() + off + v.size(), v.data());
      return v;
    }
  }
  void backward(sweep& s, record const& r, value_type const& a) const { backward_block(s, r, 0, a); }
  /// A var, a let or an index of them takes the block's adjoint where it was read; any other
  /// expression gets an array of its own shape, zero but for the block.
  static constexpr bool adds_blocks = true;
  template <class B>
  void backward_block(sweep& s, record const& r, std::size_t offset, B const& a) const {
    if constexpr (requires { N::adds_blocks; }) {
      n_.backward_block(s, r.child, r.offset + offset, a);
    } else if constexpr (fused_map_node<N>) {
      for (std::size_t k = 0, n = size_of(a); k < n; ++k) fused_back_at(n_, s, r.offset + offset + k, r.child, elem(a, k));
    } else {
      auto g = zeros_like(r.child.value);
      add_block_into(g, r.offset + offset, a);
      n_.backward(s, r.child, std::move(g));
    }
  }
  value_type tangent(tangent_pass const& p, record const& r) const {
    return tangent_block<value_type>(p, r, 0, extents_of(r.value));
  }
  /// Forward mode likewise: a var's or a let's tangent is read at the block, not copied whole.
  template <class B>
  B tangent_block(tangent_pass const& p, record const& r, std::size_t offset, extents<rank_v<B>> const& e) const {
    if constexpr (requires { N::adds_blocks; }) {
      return n_.template tangent_block<B>(p, r.child, r.offset + offset, e);
    } else if constexpr (fused_map_node<N>) {
      B b = make_value<B>(e);
      for (std::size_t k = 0, n = size_of(b); k < n; ++k) elem(b, k) = fused_tangent_at_record(n_, r.child, r.offset + offset + k, p);
      return b;
    } else {
      return block_of<B>(n_.tangent(p, r.child), r.offset + offset, e);
    }
  }

 private:
  static extents<rank_v<value_type>> sub_extents(child_value const& v) {
    extents<rank_v<value_type>> e{};
    auto const all = extents_of(v);
    for (std::size_t a = 0; a < e.size(); ++a) e[a] = all[K + a];
    return e;
  }
};

template <class N, std::size_t K>
struct leaf_kinds<index_node<N, K>> : leaf_kinds<N> {};

template <class N, std::size_t K>
auto make_index(N const& n, std::array<std::size_t, K> const& idx) {
  using V = typename N::value_type;
  if constexpr (rank_v<V> == 0) {
    static_assert(rank_v<V> >= 1, "tl: e[i] and e(i, j) index a vector, matrix or tensor expression; this one is a scalar");
    return;
  } else if constexpr (K > rank_v<V>) {
    static_assert(K <= rank_v<V>, "tl: e(i...) has more indices than the expression has dimensions");
    return;
  } else {
    if constexpr (is_static_v<V>) index_block(V::extents(), idx);  // a constant index out of range fails here, at once
    return index_node<N, K>{{}, n, idx};
  }
}

template <class... I>
std::array<std::size_t, sizeof...(I)> checked_indices(I... i) {
  if ((std::cmp_less(i, 0) || ...)) {
    std::string where = "(";
    std::size_t k = 0;
    ((where += (k++ ? ", " : "") + std::to_string(i)), ...);
    throw shape_error(std::string(sizeof...(I) == 1 ? "tl::operator[]" : "tl::operator()") + ": index " + where +
                      ") is negative");
  }
  return {static_cast<std::size_t>(i)...};
}

}  // namespace tapeless::detail

namespace tapeless {

template <class D>
template <std::integral I>
auto expr_base<D>::operator[](I i) const {
  return detail::make_index(detail::as_node(static_cast<D const&>(*this)), detail::checked_indices(i));
}

template <class D>
template <std::integral... I>
auto expr_base<D>::operator()(I... i) const {
  return detail::make_index(detail::as_node(static_cast<D const&>(*this)), detail::checked_indices(i...));
}

}  // namespace tapeless
