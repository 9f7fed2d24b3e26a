// tapeless/core/detail/buffer.hpp: the storage of runtime-extent values (detail::buffer) and the
// per-thread cache of large blocks behind it (detail::block_cache; tl::release_cached_memory, in
// core/dynamic.hpp, empties it).
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "../shape.hpp"

namespace tapeless {

namespace detail {

/// Large blocks freed by one gradient are kept for the next, per thread. Without this, each call of
/// a gradient over large runtime extents gets fresh pages from the system and pays a page fault per
/// 4 KB (glibc hands big blocks back when they are freed): at N = 65536 that cost several times the
/// arithmetic. Only blocks of at least `min_bytes` are kept, at most `slots` of them and the thread's
/// limit in all (`max_bytes` unless tl::set_cached_memory_limit says otherwise); a block is reused
/// for a request of exactly its size.
class block_cache {
 public:
  static constexpr std::size_t min_bytes = std::size_t{64} << 10;
  static constexpr std::size_t max_bytes = std::size_t{256} << 20;
  /// What this thread keeps now, the most it has kept at once, and its limit.
  struct usage {
    std::size_t bytes, blocks, peak_bytes, limit_bytes;
  };
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
      if (!c.closed_ && c.count_ < slots && c.total_ + bytes <= c.limit_) {
        c.blocks_[c.count_++] = {p, bytes};
        c.total_ += bytes;
        c.peak_ = std::max(c.peak_, c.total_);
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
  static usage current() noexcept {
    block_cache const& c = local();
    return {c.total_, c.count_, c.peak_, c.limit_};
  }
  /// Keeps at most `bytes` from now on, giving back the blocks kept longest until what is kept fits.
  static void set_limit(std::size_t bytes) noexcept {
    block_cache& c = local();
    c.limit_ = bytes;
    std::size_t k = 0;
    while (c.total_ > bytes) {
      ::operator delete(c.blocks_[k].p, alignment);
      c.total_ -= c.blocks_[k].bytes;
      ++k;
    }
    std::move(c.blocks_ + k, c.blocks_ + c.count_, c.blocks_);
    c.count_ -= k;
  }

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
  std::size_t peak_ = 0;
  std::size_t limit_ = max_bytes;
  bool closed_ = false;
};

/// Storage of trivial elements comes from block_cache; any other element type from new[].
template <class T>
struct buffer_storage {
  static constexpr bool trivial = std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>;
  static T* allocate(std::size_t n, bool zero = true) {
    if constexpr (trivial) {
      static_assert(alignof(T) <= std::size_t(block_cache::alignment), "kept blocks are aligned to 64 bytes");
      T* p = static_cast<T*>(block_cache::allocate(n * sizeof(T), alignof(T)));
      if (zero)
        std::uninitialized_value_construct_n(p, n);
      else
        std::uninitialized_default_construct_n(p, n);
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

/// Contiguous storage; unlike std::vector it has data() for bool too (masks). It owns its elements,
/// or, after `borrow`, it reads the caller's (a view over a std::vector or a std::span: no copy).
/// A borrowed buffer never leaves the library as one: copying or moving it makes an owning copy of
/// the elements, so a value handed to the user (tl::value of a view, a record's value moved out)
/// owns its storage and cannot outlive the caller's memory. Only references to it are taken.
template <class T>
class buffer {
 public:
  buffer() = default;
  explicit buffer(std::size_t n) : p_(n ? buffer_storage<T>::allocate(n) : nullptr), n_(n) {}
  buffer(std::size_t n, for_overwrite_t) : p_(n ? buffer_storage<T>::allocate(n, false) : nullptr), n_(n) {}
  buffer(buffer const& o) : buffer(o.n_) { std::copy(o.p_, o.p_ + n_, p_); }
  // A borrowed buffer's move allocates (a copy); the library moves borrowed buffers only where a
  // value leaves it, and an allocation failure there ends the program as any noexcept move would.
  buffer(buffer&& o) noexcept : buffer() {
    if (o.borrowed_)
      *this = static_cast<buffer const&>(o);
    else
      take(o);
  }
  buffer& operator=(buffer const& o) {
    if (this != &o) {
      if (n_ != o.n_ || borrowed_) *this = buffer(o.n_);
      std::copy(o.p_, o.p_ + n_, p_);
    }
    return *this;
  }
  buffer& operator=(buffer&& o) noexcept {
    if (this == &o) return *this;
    if (o.borrowed_) return *this = static_cast<buffer const&>(o);
    free();
    take(o);
    return *this;
  }
  ~buffer() { free(); }
  /// Reads the caller's n elements at p from now on, neither copying nor freeing them (what it held
  /// before is freed).
  void borrow(T const* p, std::size_t n) noexcept {
    free();
    p_ = const_cast<T*>(p);  // borrowed storage is only read: references to it are const
    n_ = n;
    borrowed_ = true;
  }
  bool is_borrowed() const noexcept { return borrowed_; }
  T* data() noexcept { return p_; }
  T const* data() const noexcept { return p_; }
  std::size_t size() const noexcept { return n_; }

 private:
  void free() noexcept {
    if (p_ && !borrowed_) typename buffer_storage<T>::deleter{n_}(p_);
    p_ = nullptr;
    n_ = 0;
    borrowed_ = false;
  }
  void take(buffer& o) noexcept {
    p_ = std::exchange(o.p_, nullptr);
    n_ = std::exchange(o.n_, 0);
    borrowed_ = false;
  }
  T* p_ = nullptr;
  std::size_t n_ = 0;
  bool borrowed_ = false;
};
}  // namespace detail

}  // namespace tapeless
