// tapeless/core/dynamic.hpp: values with runtime extents: tl::dvec and tl::dmat.
#pragma once

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <new>
#include <ostream>
#include <span>
#include <type_traits>
#include <utility>

#include "detail/buffer.hpp"
#include "shape.hpp"
#include "tensor.hpp"

namespace tapeless {

namespace detail {
struct borrow_access;
}  // namespace detail

/// Gives back the large blocks (64 KB and up) this thread keeps for reuse between gradients over
/// runtime extents (see docs/guide.md, "What runs fast"): after a large computation whose shapes will
/// not come again.
inline void release_cached_memory() noexcept { detail::block_cache::release_all(); }

/// What this thread's cache of large blocks holds: `bytes` in `blocks` now, `peak_bytes` at most so
/// far (since the thread started), and `limit_bytes`, the most it will keep (256 MB unless
/// tl::set_cached_memory_limit changed it). A gradient's own working arrays are not counted until
/// they are freed and kept.
struct cached_memory_usage {
  std::size_t bytes;
  std::size_t blocks;
  std::size_t peak_bytes;
  std::size_t limit_bytes;
};
/// This thread's cache use now (see cached_memory_usage).
inline cached_memory_usage cached_memory() noexcept {
  auto const u = detail::block_cache::current();
  return {u.bytes, u.blocks, u.peak_bytes, u.limit_bytes};
}
/// Bounds what this thread keeps between gradients to `bytes` (0: keep nothing, every large array
/// comes from and goes back to the system); blocks kept beyond it are given back at once.
///
///     tl::set_cached_memory_limit(std::size_t{64} << 20);   // at most 64 MB kept on this thread
inline void set_cached_memory_limit(std::size_t bytes) noexcept { detail::block_cache::set_limit(bytes); }

/// A vector whose length is chosen at run time. Zero-filled on construction.
///
///     tl::dvec<double> a(1000);            // 1000 zeros
///     tl::dvec<double> b{1.0, 2.0, 3.0};   // three elements (as std::vector: braces list elements)
template <class T>
class dvec {
 public:
  /// The element type T (under both names), the shape as a type (tl::dynamic_shape<1>) and the rank.
  using element_type = T;
  using value_type = T;
  using shape_type = dynamic_shape<1>;
  static constexpr std::size_t rank = 1;

  /// Empty; `dvec(n)` n zeros; `dvec(n, fill)`; `{1.0, 2.0}` the listed elements; `dvec(span)` a copy of
  /// a std::span<T const>'s elements (explicit, as it copies: tl::constant_ref(span) and
  /// tl::var_view(span) read the caller's memory instead); a tl::vec<T, N> converts implicitly.
  dvec() = default;
  explicit dvec(std::size_t n) : buf_(n) {}
  /// n elements left unset, for the library's loops that write every one (not zero-filled).
  dvec(std::size_t n, detail::for_overwrite_t t) : buf_(n, t) {}
  dvec(std::size_t n, T const& fill) : buf_(n) { std::fill(begin(), end(), fill); }
  dvec(std::initializer_list<T> xs) : buf_(xs.size()) { std::copy(xs.begin(), xs.end(), begin()); }
  explicit dvec(std::span<T const> xs) : buf_(xs.size()) { std::copy(xs.begin(), xs.end(), begin()); }
  template <std::size_t N>
  dvec(vec<T, N> const& v) : buf_(N) {
    std::copy(v.begin(), v.end(), begin());
  }

  /// The elements: data(), size(), extents() (`{size()}`), begin(), end(); `v[i]` and `v(i)` are
  /// element i, without a bounds check.
  T* data() noexcept { return buf_.data(); }
  T const* data() const noexcept { return buf_.data(); }
  std::size_t size() const noexcept { return buf_.size(); }
  detail::extents<1> extents() const noexcept { return {size()}; }
  T* begin() noexcept { return data(); }
  T* end() noexcept { return data() + size(); }
  T const* begin() const noexcept { return data(); }
  T const* end() const noexcept { return data() + size(); }
  T& operator[](std::size_t i) noexcept { return data()[i]; }
  T const& operator[](std::size_t i) const noexcept { return data()[i]; }
  T& operator()(std::size_t i) noexcept { return data()[i]; }
  T const& operator()(std::size_t i) const noexcept { return data()[i]; }

  /// Equal lengths and equal elements.
  friend bool operator==(dvec const& a, dvec const& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
  }

 private:
  friend struct detail::borrow_access;
  struct borrowing {};
  dvec(borrowing, T const* p, std::size_t n) { buf_.borrow(p, n); }
  detail::buffer<T> buf_;
};

/// A row-major matrix whose extents are chosen at run time. Zero-filled on construction.
///
///     tl::dmat<double> a(2, 3);                 // 2x3 zeros
///     tl::dmat<double> b{{1, 2}, {3, 4}};       // rows; ragged rows throw tl::shape_error
template <class T>
class dmat {
 public:
  /// The element type T (under both names), the shape as a type (tl::dynamic_shape<2>) and the rank.
  using element_type = T;
  using value_type = T;
  using shape_type = dynamic_shape<2>;
  static constexpr std::size_t rank = 2;

  /// Empty; `dmat(r, c)` zeros; `dmat(r, c, fill)`; `{{1, 2}, {3, 4}}` row by row (ragged rows throw
  /// tl::shape_error); a tl::mat<T, R, C> converts implicitly.
  dmat() = default;
  dmat(std::size_t r, std::size_t c) : r_(r), c_(c), buf_(r * c) {}
  /// r x c elements left unset, for the library's loops that write every one (not zero-filled).
  dmat(std::size_t r, std::size_t c, detail::for_overwrite_t t) : r_(r), c_(c), buf_(r * c, t) {}
  /// A copy is deep; a move takes the storage and leaves an empty 0 x 0 matrix (not the old extents
  /// over no storage).
  dmat(dmat const&) = default;
  dmat(dmat&& o) noexcept : r_(std::exchange(o.r_, 0)), c_(std::exchange(o.c_, 0)), buf_(std::move(o.buf_)) {}
  dmat& operator=(dmat const&) = default;
  dmat& operator=(dmat&& o) noexcept {
    if (this != &o) {
      r_ = std::exchange(o.r_, 0);
      c_ = std::exchange(o.c_, 0);
      buf_ = std::move(o.buf_);
    }
    return *this;
  }
  dmat(std::size_t r, std::size_t c, T const& fill) : dmat(r, c) { std::fill(begin(), end(), fill); }
  dmat(std::initializer_list<std::initializer_list<T>> rows)
      : r_(rows.size()), c_(rows.size() ? rows.begin()->size() : 0), buf_(r_ * c_) {
    std::size_t i = 0;
    for (auto const& row : rows) {
      if (row.size() != c_)
        throw shape_error("tl::dmat{...}: row " + std::to_string(i) + " has " + std::to_string(row.size()) +
                          " elements, row 0 has " + std::to_string(c_));
      std::copy(row.begin(), row.end(), begin() + i * c_);
      ++i;
    }
  }
  template <std::size_t R, std::size_t C>
  dmat(mat<T, R, C> const& m) : dmat(R, C) {
    std::copy(m.begin(), m.end(), begin());
  }

  /// The elements in row-major order: data(), size(), rows(), cols(), extents() (`{rows(), cols()}`),
  /// begin(), end(); `m(i, j)` is element (i, j), without a bounds check.
  T* data() noexcept { return buf_.data(); }
  T const* data() const noexcept { return buf_.data(); }
  std::size_t size() const noexcept { return buf_.size(); }
  std::size_t rows() const noexcept { return r_; }
  std::size_t cols() const noexcept { return c_; }
  detail::extents<2> extents() const noexcept { return {r_, c_}; }
  T* begin() noexcept { return data(); }
  T* end() noexcept { return data() + size(); }
  T const* begin() const noexcept { return data(); }
  T const* end() const noexcept { return data() + size(); }
  T& operator()(std::size_t i, std::size_t j) noexcept { return data()[i * c_ + j]; }
  T const& operator()(std::size_t i, std::size_t j) const noexcept { return data()[i * c_ + j]; }

  /// Equal extents and equal elements.
  friend bool operator==(dmat const& a, dmat const& b) {
    return a.r_ == b.r_ && a.c_ == b.c_ && std::equal(a.begin(), a.end(), b.begin());
  }

 private:
  friend struct detail::borrow_access;
  struct borrowing {};
  dmat(borrowing, T const* p, std::size_t r, std::size_t c) : r_(r), c_(c) { buf_.borrow(p, r * c); }
  std::size_t r_ = 0, c_ = 0;
  detail::buffer<T> buf_;
};

namespace detail {
/// Points a dvec or dmat at the caller's elements (row-major), without a copy: what views over the
/// caller's memory read through (expr/view.hpp). A copy or move of it owns its elements (buffer).
struct borrow_access {
  /// A new dvec or dmat over the caller's elements (a prvalue: returned without a move).
  template <class V, class T, class... N>
  static V borrowed(T const* p, N... extents) {
    return V(typename V::borrowing{}, p, extents...);
  }
  template <class T>
  static void borrow(dvec<T>& v, T const* p, std::size_t n) noexcept {
    v.buf_.borrow(p, n);
  }
  template <class T>
  static void borrow(dmat<T>& m, T const* p, std::size_t r, std::size_t c) noexcept {
    m.buf_.borrow(p, r * c);
    m.r_ = r;
    m.c_ = c;
  }
};
}  // namespace detail

/// Prints row-major with rows separated by ';' (`[1, 2; 3, 4]`); an empty dvec or dmat prints `[]`.
template <class T>
std::ostream& operator<<(std::ostream& os, dvec<T> const& v) {
  return v.size() ? detail::print_array(os, v) : os << "[]";
}
template <class T>
std::ostream& operator<<(std::ostream& os, dmat<T> const& v) {
  return v.size() ? detail::print_array(os, v) : os << "[]";
}

}  // namespace tapeless
