// test/law/shapes.hpp: the shapes a law runs on.
//
// A runtime shape costs the compiler one instantiation for all sizes, so every law runs in full on
// tl::dvec<T> of every size in `sizes`. A static shape (and the scalar, and tl::dmat) is an instantiation
// of its own, so each law runs on one more of `other_shapes`, picked by its slot: the laws of a test file
// are numbered 0, 1, 2, ... in the order they appear, whatever their driver, and no file continues another
// file's numbers. Slot s gives shape s of the list (law::unary, law::dense) or shape 11 - s (law::binary,
// which walks the list from the back) for double, and the shape half the list (6) further on for float.
//
// Covered: a file's laws together run on 2 shapes per slot (one per element type). Across the suite every
// shape runs for both element types as long as some file has at least 9 unary laws and some file at least
// 3 binary laws: forward slots 0-8 give double shapes 0-8 and float shapes 6-11 and 0-2, backward slots
// 0-2 give double shapes 11, 10, 9 and float shapes 5, 4, 3. Today expr/functions_inverse.cpp has 11 unary
// laws and expr/elementwise_pow_minmax.cpp 3 binary ones. Define TAPELESS_LAW_ALL_SHAPES to run every law
// on every shape (slow to compile).
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>

#include <tapeless/tapeless.hpp>

namespace law {

/// 1, the AVX2 and AVX-512 tails of double and float (lanes - 1, lanes, lanes + 1) and a large size.
inline constexpr std::array<std::size_t, 9> sizes{1, 3, 4, 5, 7, 8, 9, 17, 1000};

/// The static vectors of those sizes, a static matrix, a scalar, and a runtime matrix: shapes 0 to 11.
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

/// Which way a driver's slots walk the list of other shapes: law::unary and law::dense from the front,
/// law::binary from the back.
enum class walk { forward, backward };

/// The shape of slot `Slot` for element type T: shape Slot (forward) or count - 1 - Slot (backward) for
/// double, half the list further on for float.
template <class T, std::size_t Slot, walk W = walk::forward>
inline constexpr std::size_t shape_index =
    ((W == walk::forward ? Slot % other_shapes<T>::count : other_shapes<T>::count - 1 - Slot % other_shapes<T>::count) +
     (std::is_same_v<T, float> ? other_shapes<T>::count / 2 : 0)) %
    other_shapes<T>::count;

/// Calls f(like) for the shape of `Slot` (for every shape under TAPELESS_LAW_ALL_SHAPES).
template <class T, std::size_t Slot, walk W = walk::forward, class F>
void for_other_shapes(F const& f) {
#ifdef TAPELESS_LAW_ALL_SHAPES
  [&]<std::size_t... K>(std::index_sequence<K...>) {
    (f(other_shapes<T>::template make<K>()), ...);
  }(std::make_index_sequence<other_shapes<T>::count>{});
#else
  f(other_shapes<T>::template make<shape_index<T, Slot, W>>());
#endif
}

}  // namespace law
