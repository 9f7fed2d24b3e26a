// test/law/shapes.hpp: the shapes a law runs on.
//
// A runtime shape costs the compiler one instantiation for all sizes, so every law runs in full on
// tl::dvec<T> of every size in `sizes`. A static shape is an instantiation of its own, so each law runs
// on one more shape picked by its `Slot` from `other_shapes`: a test file gives its laws consecutive
// slots, and its laws together cover every shape for both element types. Define
// TAPELESS_LAW_ALL_SHAPES to run every law on every shape (slow to compile).
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>

#include <tapeless/tapeless.hpp>

namespace law {

/// 1, the AVX2 and AVX-512 tails of double and float (lanes - 1, lanes, lanes + 1) and a large size.
inline constexpr std::array<std::size_t, 9> sizes{1, 3, 4, 5, 7, 8, 9, 17, 1000};

/// The static vectors of those sizes, a static matrix, a scalar, and a runtime matrix.
template <class T>
struct other_shapes {
  static constexpr std::size_t count = 12;
  template <std::size_t K>
  static auto make() {
    if constexpr (K < sizes.size())
      return tl::vec<T, sizes[K]>{};
    else if constexpr (K == 9)
      return tl::mat<T, 3, 5>{};
    else if constexpr (K == 10)
      return T{};
    else
      return tl::dmat<T>(4, 3);
  }
};

/// The slot's shape for element type T; float is offset by half the list, so that the consecutive slots
/// of a file cover every shape for both types.
template <class T, std::size_t Slot>
inline constexpr std::size_t shape_index =
    (Slot + (std::is_same_v<T, float> ? other_shapes<T>::count / 2 : 0)) % other_shapes<T>::count;

/// Calls f(like) for the shape of `Slot` (for every shape under TAPELESS_LAW_ALL_SHAPES).
template <class T, std::size_t Slot, class F>
void for_other_shapes(F const& f) {
#ifdef TAPELESS_LAW_ALL_SHAPES
  [&]<std::size_t... K>(std::index_sequence<K...>) {
    (f(other_shapes<T>::template make<K>()), ...);
  }(std::make_index_sequence<other_shapes<T>::count>{});
#else
  f(other_shapes<T>::template make<shape_index<T, Slot>>());
#endif
}

}  // namespace law
