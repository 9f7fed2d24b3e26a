// tapeless/core/tensor.hpp: values with static extents: tl::tensor, tl::vec, tl::mat.
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <ostream>
#include <type_traits>

#include "shape.hpp"

namespace tapeless {

namespace detail {
template <class Want, class Given>
struct initializer_fits {
  static constexpr bool value = std::is_same_v<Want, Given>;
};
template <std::size_t N0, std::size_t... N>
constexpr std::size_t row_length() {
  return ((N == N0) && ...) ? N0 : 0;
}
}  // namespace detail

/// A row-major array with static extents D... (all positive). `tl::vec<T, N>` and
/// `tl::mat<T, R, C>` are this type with one and two extents.
///
///     tl::vec<double, 3> v{1.0, 2.0, 3.0};
///     tl::mat<double, 2, 2> m{{1.0, 2.3}, {4.5, 6.7}};
///     tl::tensor<double, 2, 2, 2> t{1, 2, 3, 4, 5, 6, 7, 8};  // rank 3+: flat, row-major
///
/// A default-constructed tensor holds zeros.
template <class T, std::size_t... D>
class tensor {
  static_assert(sizeof...(D) >= 1, "tl::tensor<T, D...> needs at least one extent; a scalar is plain T");
  static_assert(((D > 0) && ...), "tl::tensor<T, D...>: every extent must be positive");

 public:
  /// The element type T (under both names), the shape as a type (tl::shape<D...>), the rank and the
  /// number of elements.
  using element_type = T;
  using value_type = T;
  using shape_type = shape<D...>;
  static constexpr std::size_t rank = sizeof...(D);
  static constexpr std::size_t static_size = (D * ...);

  /// All zeros.
  constexpr tensor() : data_{} {}
  /// Elements left unset, for the library's loops that write every one (not zero-filled).
  constexpr explicit tensor(detail::for_overwrite_t) noexcept {}

  /// Elements in row-major order (vectors, and tensors of rank 3 or more).
  template <class... U>
    requires(rank != 2 && sizeof...(U) == static_size && (std::convertible_to<U const&, T> && ...))
  constexpr tensor(U const&... xs) : data_{static_cast<T>(xs)...} {}

  template <class... U>
    requires(rank != 2 && sizeof...(U) >= 1 && sizeof...(U) != static_size &&
             (std::convertible_to<U const&, T> && ...))
  constexpr explicit tensor(U const&...) : data_{} {
    static_assert(detail::initializer_fits<shape<D...>, shape<sizeof...(U)>>::value,
                  "tl::tensor/tl::vec initializer: the number of elements must equal the size of the shape");
  }

  /// Matrices, row by row: `tl::mat<double, 2, 3> m{{1, 2, 3}, {4, 5, 6}};`
  template <std::size_t... N>
    requires(rank == 2)
  constexpr tensor(T const (&... rows)[N]) : data_{} {
    // Ragged rows show as a row length of 0 in the diagnostic.
    static_assert(detail::initializer_fits<shape<D...>, shape<sizeof...(N), detail::row_length<N...>()>>::value,
                  "tl::mat<T, R, C> initializer: give R rows of C elements each");
    if constexpr (detail::initializer_fits<shape<D...>, shape<sizeof...(N), detail::row_length<N...>()>>::value) {
      std::size_t k = 0;
      ((std::copy(rows, rows + N, data_.begin() + (k++) * N)), ...);
    }
  }

  /// The elements in row-major order: data(), size() (static), extents() (D... as a std::array),
  /// begin(), end().
  constexpr T* data() noexcept { return data_.data(); }
  constexpr T const* data() const noexcept { return data_.data(); }
  static constexpr std::size_t size() noexcept { return static_size; }
  static constexpr detail::extents<rank> extents() noexcept { return {D...}; }
  constexpr T* begin() noexcept { return data(); }
  constexpr T* end() noexcept { return data() + size(); }
  constexpr T const* begin() const noexcept { return data(); }
  constexpr T const* end() const noexcept { return data() + size(); }

  /// The numbers of rows and of columns of a matrix (rank 2 only).
  static constexpr std::size_t rows() noexcept
    requires(rank == 2)
  {
    return extents()[0];
  }
  static constexpr std::size_t cols() noexcept
    requires(rank == 2)
  {
    return extents()[1];
  }

  /// Element i of a vector (rank 1 only), without a bounds check.
  constexpr T& operator[](std::size_t i) noexcept
    requires(rank == 1)
  {
    return data_[i];
  }
  constexpr T const& operator[](std::size_t i) const noexcept
    requires(rank == 1)
  {
    return data_[i];
  }

  /// The element at one index per extent, row-major: `m(i, j)`, `t(i, j, k)`; no bounds check.
  template <std::integral... I>
    requires(sizeof...(I) == rank)
  constexpr T& operator()(I... i) noexcept {
    return data_[offset(i...)];
  }
  template <std::integral... I>
    requires(sizeof...(I) == rank)
  constexpr T const& operator()(I... i) const noexcept {
    return data_[offset(i...)];
  }

  /// Equal elements (the extents are part of the type).
  friend constexpr bool operator==(tensor const&, tensor const&) = default;

 private:
  template <class... I>
  static constexpr std::size_t offset(I... i) noexcept {
    constexpr detail::extents<rank> e{D...};
    std::size_t const idx[] = {static_cast<std::size_t>(i)...};
    std::size_t k = 0;
    for (std::size_t a = 0; a < rank; ++a) k = k * e[a] + idx[a];
    return k;
  }

  /// Arrays of float or double of 256 bytes or more start on a cache line, as runtime ones do (their
  /// blocks are 64-byte aligned): SIMD loads that straddle two lines made a static MLP's matmul
  /// kernels a third slower than the same kernels on runtime extents.
  static constexpr std::size_t data_alignment =
      std::is_floating_point_v<T> && static_size * sizeof(T) >= 256 ? 64 : alignof(std::array<T, static_size>);
  alignas(data_alignment) std::array<T, static_size> data_;  // zeroed by every constructor but the for_overwrite one
};

/// A vector with a static length N: `tl::vec<double, 3> v{1.0, 2.0, 3.0};`
template <class T, std::size_t N>
using vec = tensor<T, N>;

/// A matrix with static extents R x C, initialised row by row (wrong counts are a compile error):
/// `tl::mat<double, 2, 3> m{{1, 2, 3}, {4, 5, 6}};`
template <class T, std::size_t R, std::size_t C>
using mat = tensor<T, R, C>;

namespace detail {
template <class V>
std::ostream& print_array(std::ostream& os, V const& v) {
  auto const e = v.extents();
  std::size_t const inner = e[e.size() - 1];
  os << '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != 0) os << (i % inner == 0 ? "; " : ", ");
    os << v.data()[i];
  }
  return os << ']';
}
}  // namespace detail

/// Prints row-major with rows separated by ';': `[1, 2; 3, 4]`.
template <class T, std::size_t... D>
std::ostream& operator<<(std::ostream& os, tensor<T, D...> const& v) {
  return detail::print_array(os, v);
}

}  // namespace tapeless
