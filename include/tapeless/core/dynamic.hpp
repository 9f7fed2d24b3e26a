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

#include "shape.hpp"
#include "tensor.hpp"

namespace tapeless {

namespace detail {

/// Large blocks freed by one gradient are kept for the next, per thread. Without this, each call of
/// a gradient over large runtime extents gets fresh pages from the system and pays a page fault per
/// 4 KB (glibc hands big blocks back when they are freed): at N = 65536 that cost several times the
/// arithmetic. Only blocks of at least `min_bytes` are kept, at most `slots` of them and `max_bytes`
/// in all; a block is reused for a request of exactly its size.
class block_cache {
 public:
  static constexpr std::size_t min_bytes = std::size_t{64} << 10;
  static constexpr std::size_t max_bytes = std::size_t{256} << 20;
  static constexpr std::size_t slots = 16;
  static constexpr std::align_val_t alignment{64};  // for the blocks it keeps; smaller ones come from new

  /// `align`: the element type's alignment; kept blocks have 64 bytes, smaller ones what new gives
  /// unless the type asks for more (tl::dual's wide tangents ask for a cache line).
  static void* allocate(std::size_t bytes, std::size_t align = alignof(std::max_align_t)) {
    if (bytes >= min_bytes) {
      block_cache& c = local();
      for (std::size_t k = c.count_; k-- > 0;)
        if (c.blocks_[k].bytes == bytes) {
          void* p = c.blocks_[k].p;
          c.blocks_[k] = c.blocks_[--c.count_];
          c.total_ -= bytes;
          return p;
        }
    }
    if (bytes >= min_bytes) return ::operator new(bytes, alignment);
    if (align > __STDCPP_DEFAULT_NEW_ALIGNMENT__) return ::operator new(bytes, std::align_val_t{align});
    return ::operator new(bytes);
  }
  static void release(void* p, std::size_t bytes, std::size_t align = alignof(std::max_align_t)) noexcept {
    if (bytes >= min_bytes) {
      block_cache& c = local();
      if (!c.closed_ && c.count_ < slots && c.total_ + bytes <= max_bytes) {
        c.blocks_[c.count_++] = {p, bytes};
        c.total_ += bytes;
        return;
      }
      ::operator delete(p, alignment);
    } else if (align > __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
      ::operator delete(p, std::align_val_t{align});
    } else {
      ::operator delete(p);
    }
  }
  // Blocks freed after this (by objects that outlive the thread's cache) go straight back.
  ~block_cache() {
    clear();
    closed_ = true;
  }
  /// Returns this thread's kept blocks to the system.
  static void release_all() noexcept { local().clear(); }

 private:
  struct block {
    void* p;
    std::size_t bytes;
  };
  void clear() noexcept {
    for (std::size_t k = 0; k < count_; ++k) ::operator delete(blocks_[k].p, alignment);
    count_ = 0;
    total_ = 0;
  }
  static block_cache& local() noexcept {
    thread_local block_cache c;
    return c;
  }
  block blocks_[slots] = {};
  std::size_t count_ = 0;
  std::size_t total_ = 0;
  bool closed_ = false;
};

/// Storage of trivial elements comes from block_cache; any other element type from new[].
template <class T>
struct buffer_storage {
  static constexpr bool trivial = std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>;
  static T* allocate(std::size_t n) {
    if constexpr (trivial) {
      static_assert(alignof(T) <= std::size_t(block_cache::alignment), "kept blocks are aligned to 64 bytes");
      T* p = static_cast<T*>(block_cache::allocate(n * sizeof(T), alignof(T)));
      std::uninitialized_value_construct_n(p, n);
      return p;
    } else {
      return new T[n]();
    }
  }
  struct deleter {
    std::size_t n;
    void operator()(T* p) const noexcept {
      if constexpr (trivial)
        block_cache::release(p, n * sizeof(T), alignof(T));
      else
        delete[] p;
    }
  };
};

/// Owning contiguous storage; unlike std::vector it has data() for bool too (masks).
template <class T>
class buffer {
 public:
  buffer() = default;
  explicit buffer(std::size_t n)
      : n_(n), p_(n ? buffer_storage<T>::allocate(n) : nullptr, typename buffer_storage<T>::deleter{n}) {}
  buffer(buffer const& o) : buffer(o.n_) { std::copy(o.p_.get(), o.p_.get() + n_, p_.get()); }
  buffer(buffer&& o) noexcept : n_(std::exchange(o.n_, 0)), p_(std::move(o.p_)) {}
  buffer& operator=(buffer const& o) {
    if (this != &o) {
      if (n_ != o.n_) *this = buffer(o.n_);
      std::copy(o.p_.get(), o.p_.get() + n_, p_.get());
    }
    return *this;
  }
  buffer& operator=(buffer&& o) noexcept {
    n_ = std::exchange(o.n_, 0);
    p_ = std::move(o.p_);
    return *this;
  }
  T* data() noexcept { return p_.get(); }
  T const* data() const noexcept { return p_.get(); }
  std::size_t size() const noexcept { return n_; }

 private:
  std::size_t n_ = 0;
  std::unique_ptr<T[], typename buffer_storage<T>::deleter> p_{nullptr, typename buffer_storage<T>::deleter{0}};
};
}  // namespace detail

/// Gives back the large blocks this thread keeps for reuse (see docs/guide.md, "What runs fast"):
/// after a large computation whose shapes will not come again.
inline void release_cached_memory() noexcept { detail::block_cache::release_all(); }

/// A vector whose length is chosen at run time. Zero-filled on construction.
///
///     tl::dvec<double> a(1000);            // 1000 zeros
///     tl::dvec<double> b{1.0, 2.0, 3.0};   // three elements (as std::vector: braces list elements)
template <class T>
class dvec {
 public:
  using element_type = T;
  using value_type = T;
  using shape_type = dynamic_shape<1>;
  static constexpr std::size_t rank = 1;

  dvec() = default;
  explicit dvec(std::size_t n) : buf_(n) {}
  dvec(std::size_t n, T const& fill) : buf_(n) { std::fill(begin(), end(), fill); }
  dvec(std::initializer_list<T> xs) : buf_(xs.size()) { std::copy(xs.begin(), xs.end(), begin()); }
  explicit dvec(std::span<T const> xs) : buf_(xs.size()) { std::copy(xs.begin(), xs.end(), begin()); }
  template <std::size_t N>
  dvec(vec<T, N> const& v) : buf_(N) {
    std::copy(v.begin(), v.end(), begin());
  }

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

  friend bool operator==(dvec const& a, dvec const& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
  }

 private:
  detail::buffer<T> buf_;
};

/// A row-major matrix whose extents are chosen at run time. Zero-filled on construction.
///
///     tl::dmat<double> a(2, 3);                 // 2x3 zeros
///     tl::dmat<double> b{{1, 2}, {3, 4}};       // rows; ragged rows throw tl::shape_error
template <class T>
class dmat {
 public:
  using element_type = T;
  using value_type = T;
  using shape_type = dynamic_shape<2>;
  static constexpr std::size_t rank = 2;

  dmat() = default;
  dmat(std::size_t r, std::size_t c) : r_(r), c_(c), buf_(r * c) {}
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

  friend bool operator==(dmat const& a, dmat const& b) {
    return a.r_ == b.r_ && a.c_ == b.c_ && std::equal(a.begin(), a.end(), b.begin());
  }

 private:
  std::size_t r_ = 0, c_ = 0;
  detail::buffer<T> buf_;
};

template <class T>
std::ostream& operator<<(std::ostream& os, dvec<T> const& v) {
  return v.size() ? detail::print_array(os, v) : os << "[]";
}
template <class T>
std::ostream& operator<<(std::ostream& os, dmat<T> const& v) {
  return v.size() ? detail::print_array(os, v) : os << "[]";
}

}  // namespace tapeless
