// tapeless/core/shape.hpp: static shape tags, runtime extents and tl::shape_error.
#pragma once

#include <array>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace tapeless {

/// Thrown when runtime extents do not fit together (dvec/dmat operands, seeds, indices).
/// The message names the operation and both shapes, e.g.
/// `tl::operator+: operand shapes (3) and (4) differ`. Nothing has been modified when it is thrown.
class shape_error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// The static shape of a value, as a type: `shape<>` is a scalar, `shape<3>` a vec of 3,
/// `shape<2, 3>` a 2x3 matrix. Compile errors about shapes name these types.
template <std::size_t... D>
struct shape {
  /// The number of extents: 0 for a scalar.
  static constexpr std::size_t rank = sizeof...(D);
};

/// A shape whose rank is known at compile time but whose extents are not (dvec, dmat).
template <std::size_t Rank>
struct dynamic_shape {
  /// The number of extents.
  static constexpr std::size_t rank = Rank;
};

namespace detail {

/// Asks for a value whose every element the caller writes before reading any (the library's loops
/// that store whole arrays): trivial elements are left unset, not zero-filled (tl::tensor, dvec,
/// dmat); others are still value-initialised.
struct for_overwrite_t {
  explicit for_overwrite_t() = default;
};
inline constexpr for_overwrite_t for_overwrite{};

template <std::size_t Rank>
using extents = std::array<std::size_t, Rank>;

template <std::size_t Rank>
std::string format_extents(extents<Rank> const& e) {
  std::string s = "(";
  for (std::size_t i = 0; i < Rank; ++i) {
    if (i != 0) s += ", ";
    s += std::to_string(e[i]);
  }
  return s + ")";
}

template <std::size_t A, std::size_t B>
[[noreturn]] void throw_shapes(std::string_view where, std::string_view what, extents<A> const& a,
                               extents<B> const& b) {
  throw shape_error(std::string(where) + ": " + std::string(what) + " " + format_extents(a) +
                    " and " + format_extents(b) + " differ");
}

/// `shapes_agree<shape<...>, shape<...>>` appears in static_assert conditions so that a failed
/// assertion prints both shapes (GCC and Clang both show the template arguments).
template <class A, class B>
struct shapes_agree {
  static constexpr bool value = std::is_same_v<A, B>;
};

}  // namespace detail
}  // namespace tapeless
