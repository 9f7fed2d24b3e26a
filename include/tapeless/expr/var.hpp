// tapeless/expr/var.hpp: tl::var, the differentiable leaf.
#pragma once

#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <type_traits>

#include "../core/detail/source.hpp"
#include "base.hpp"

namespace tapeless {

namespace detail {
template <class V>
struct differentiable_value : std::false_type {};
template <class V>
  requires value_type<V>
struct differentiable_value<V> : std::bool_constant<element<element_t<V>>> {};
struct view_access;
[[noreturn, gnu::cold, gnu::noinline]] inline void view_assigned() {
  throw std::logic_error(
      "tl::var_view: assigning to a var made by tl::var_view would be lost at its next evaluation, which reads the "
      "caller's memory; write the new values into that memory instead");
}
}  // namespace detail

/// A differentiable leaf that owns its value. Expressions refer to it, so it must outlive them.
///
///     tl::var<double> a{2.0};
///     tl::var<tl::vec<double, 3>> w{1.0, 2.0, 3.0};
///     tl::var<tl::mat<double, 2, 2>> m{{1.0, 2.3}, {4.5, 6.7}};
///     w = tl::vec<double, 3>{0, 0, 0};   // replaces the value; expressions see it at their next evaluation
///
/// A var is always a leaf: assignment does not record history (bind an expression with tl::let to keep it).
template <class V>
class var : public expr_base<var<V>> {
  static_assert(detail::differentiable_value<V>::value,
                "tl::var<V>: V must be float, double, a tl::dual, or a tl::vec / tl::mat / tl::tensor / "
                "tl::dvec / tl::dmat of them");

 public:
  /// V, the value's type, and its element type (V itself for a number).
  using value_type = V;
  using element_type = typename detail::value_traits<std::conditional_t<detail::differentiable_value<V>::value, V, double>>::element_type;

  /// A var holding zeros (empty for runtime extents), or the value v (copied or moved).
  var() = default;
  var(V const& v) : value_(v) {}
  var(V&& v) : value_(std::move(v)) {}
  /// The value make.f() returns, made in place (tl::jacfwd's seeded duals: a static array of them is
  /// tens of kilobytes, and a move of it is a copy).
  template <class F>
    requires std::is_same_v<std::invoke_result_t<F const&>, V>
  var(detail::made_by<F> const& make) : value_(make.f()) {}
  /// Expressions over a destroyed var throw tl::lifetime_error when evaluated.
  ~var() { detail::end_identity(alive_); }
  /// Elements of a vector or tensor value: `tl::var<tl::vec<double, 3>> w{1, 2, 3};`
  template <class... U>
    requires(sizeof...(U) >= 2 && (std::convertible_to<U const&, element_type> && ...) &&
             std::constructible_from<V, U const&...>)
  var(U const&... xs) : value_(xs...) {}
  /// Rows of a matrix value: `tl::var<tl::mat<double, 2, 2>> m{{1, 2}, {3, 4}};`
  template <std::size_t... N>
    requires(detail::rank_v<V> == 2 && detail::is_static_v<V>)
  var(element_type const (&... rows)[N]) : value_(rows...) {}
  /// The elements of a dvec value, `tl::var<tl::dvec<double>> v{1.0, 2.0};`, or the rows of a dmat one.
  var(std::initializer_list<element_type> xs)
    requires std::same_as<V, dvec<element_type>>
      : value_(xs) {}
  var(std::initializer_list<std::initializer_list<element_type>> rows)
    requires std::same_as<V, dmat<element_type>>
      : value_(rows) {}
  /// A copy of the caller's elements: a std::vector, std::array, std::span, other contiguous range or
  /// row-major Eigen object (`tl::var x{std::vector{1.0, 2.0}};` is a var of a tl::dvec<double>; a
  /// std::array<double, 3> gives a tl::vec<double, 3>). tl::var_view reads them in place instead.
  template <detail::source S>
    requires std::same_as<detail::source_value_t<S>, V>
  var(S const& s) : value_(detail::copied_value(s, "tl::var")) {
    static_assert(detail::layout_readable<detail::called::var, S>());
  }

  /// Expressions refer to a var, so a copy would be a different leaf that nothing refers to (a
  /// var passed by value is differentiated as a stranger). Vars are therefore not copyable; they
  /// can be moved (to place them in a container or a boost::hana::tuple) before expressions use them.
  var(var const&) = delete;
  var& operator=(var const&) = delete;
  /// The moved-to var is a new leaf; expressions that refer to the moved-from one throw
  /// tl::lifetime_error when evaluated.
  /// A var made by tl::var_view stays a view of the same memory.
  var(var&& o) noexcept : value_(std::move(o.value_)), view_(o.view_) {
    detail::end_identity(o.alive_);
    refresh();
  }
  var& operator=(var&& o) noexcept {
    if (this != &o) {
      value_ = std::move(o.value_);
      view_ = o.view_;
      alive_ = detail::alive_mark;
      detail::end_identity(o.alive_);
      refresh();
    }
    return *this;
  }
  /// Replaces the value; expressions see it at their next evaluation (no history is recorded). A
  /// var made by tl::var_view reads the caller's memory: write there instead (this throws
  /// std::logic_error).
  var& operator=(V v) {
    if (view_.refresh) [[unlikely]]
      detail::view_assigned();
    value_ = std::move(v);
    return *this;
  }

  /// The current value (for a var made by tl::var_view, the caller's current elements, read in
  /// place for runtime extents).
  V const& value() const noexcept {
    refresh();
    return value_;
  }

 private:
  template <class>
  friend struct detail::var_ref;
  friend struct detail::view_access;
  /// Where a var made by tl::var_view reads its value: `refresh` points value_ at the caller's
  /// current elements (or copies them, for static extents) from `object` (the source, or a span's
  /// data with its `extent`). Null for a var that owns its value.
  struct view_source {
    void (*refresh)(var const&) = nullptr;
    void const* object = nullptr;
    std::size_t extent = 0;
  };
  var(view_source src) : view_(src) { refresh(); }
  void refresh() const noexcept {
    if (view_.refresh) [[unlikely]]
      view_.refresh(*this);
  }
  mutable V value_{};  // mutable for views, which refresh it from the caller's memory
  view_source view_{};
  mutable V adjoint_{};
  mutable std::uint64_t epoch_ = 0;
  // Whether adjoint_ holds this sweep's contributions. The first sight of a sweep clears it instead
  // of zero-filling adjoint_: the first contribution is stored (or moved in), later ones added.
  mutable bool adjoint_filled_ = false;
  std::uint64_t alive_ = detail::alive_mark;  // cleared when destroyed or moved from (base.hpp)
};

/// `tl::var x{v};` deduces the value type of v; for a std::vector, std::array, std::span or Eigen
/// object, the value type it is read as (tl::dvec, tl::vec, tl::dmat, tl::mat).
template <class V>
var(V) -> var<V>;
template <detail::source S>
var(S) -> var<detail::source_value_t<S>>;

namespace detail {

template <class V>
struct var_ref : expr_base<var_ref<V>> {
  using value_type = V;
  static constexpr bool active = true;
  struct record {
    V const& value;
  };
  var<V> const* v_;

  explicit var_ref(var<V> const* v) noexcept : v_(v) {}
  // Inlined always: with the liveness check, GCC otherwise laid out the fused loops around it with
  // stack copies of their records (normal_logpdf, N = 16: 22 ns became 80 ns).
  [[gnu::always_inline]] record forward(sweep& s) const {
    if (!is_alive(&v_->alive_)) [[unlikely]]
      gone();  // the var was destroyed or moved from since the expression was built
    if (read_epoch(v_->epoch_) != s.epoch()) {
      // First sight in this sweep: the adjoint starts at zero (the library resets, never the user).
      if (s.statement_recording()) [[unlikely]]
        in_statement();
      take_epoch(v_->epoch_, s.epoch(), "a tl::var");
      if (v_->view_.refresh) [[unlikely]]
        refresh_view(v_);  // a view reads the caller's memory again, where it is now
      check_leaf_finite("a tl::var", v_->value_);
      v_->adjoint_filled_ = false;  // no zero-filling: the first contribution is stored (see backward)
    }
    return {v_->value_};
  }
  /// The first contribution of a sweep is copied in (moved, from a temporary), later ones added:
  /// a gradient that reaches the var once pays neither a zero-filling pass nor an addition pass.
  void backward(sweep&, record const&, V const& a) const {
    if (v_->adjoint_filled_)
      add_into(v_->adjoint_, a);
    else
      fill_adjoint(a);
  }
  void backward(sweep&, record const&, V&& a) const {
    if (v_->adjoint_filled_)
      add_into(v_->adjoint_, a);
    else
      fill_adjoint(std::move(a));
  }
  /// The adjoint of the block at `offset` (what x[i] or x(i, j) read), added in place: an index
  /// costs what it touches, not the var's size (index.hpp).
  static constexpr bool adds_blocks = true;
  template <class B>
  void backward_block(sweep&, record const&, std::size_t offset, B const& a) const {
    add_block_into(zeroed_adjoint(), offset, a);
  }
  /// For a loop that writes the adjoint in place (fuse.hpp): its storage, sized like the value, and
  /// whether the loop is its first contribution in this sweep. Then the loop stores every element
  /// (the storage is not zero-filled first); otherwise it adds.
  element_t<V>* claim_adjoint(bool& first) const {
    first = !v_->adjoint_filled_;
    if (first) {
      if constexpr (!is_static_v<V>) {
        if (v_->adjoint_.extents() != v_->value_.extents())
          v_->adjoint_ = make_for_overwrite<V>(extents_of(v_->value_));
      }
      v_->adjoint_filled_ = true;
    }
    return v_->adjoint_.data();
  }
  /// For a kernel that adds into the adjoint in place (matmul's, an index's block): its storage,
  /// zero-filled if nothing has reached it in this sweep yet.
  V& zeroed_adjoint() const {
    if (!v_->adjoint_filled_) {
      zero_like(v_->adjoint_, v_->value_);
      v_->adjoint_filled_ = true;
    }
    return v_->adjoint_;
  }
  [[noreturn, gnu::noinline, gnu::cold]] static void gone() { outlived("a tl::var"); }
  /// Out of line and cold, as gone(): the first-sight block of a var that is not a view keeps one
  /// load and a branch not taken.
  [[gnu::noinline, gnu::cold]] static void refresh_view(var<V> const* v) noexcept { v->refresh(); }
  /// Checked where a sweep first sees the var, not in backward(): a test there (even of a cold call)
  /// cost the fused loops their inlining (normal_logpdf, N = 256: 35 ns became 125 ns).
  [[noreturn, gnu::noinline, gnu::cold]] static void in_statement() {
    throw scope_error(
        "tl::active: a statement reached a tl::var (inside a tl::let or a tl::scan step it uses); a var's gradient "
        "cannot be recorded: make it a tl::active");
  }
  V tangent(tangent_pass const& p, record const& r) const {
    if (auto const* d = p.direction_for<V>(v_)) return *d;
    return zeros_like(r.value);
  }
  /// The tangent of the block at `offset` alone (x[i] in forward mode), without a copy of x's.
  template <class B>
  B tangent_block(tangent_pass const& p, record const&, std::size_t offset, extents<rank_v<B>> const& e) const {
    if (auto const* d = p.direction_for<V>(v_)) return block_of<B>(*d, offset, e);
    return make_value<B>(e);
  }

  /// The adjoint gathered in sweep s, if s reached the var (zeros if nothing flowed into it). With
  /// `take`, the storage itself is handed over (no copy): the caller reads this var's adjoint once.
  std::optional<V> reached_adjoint(sweep const& s, bool take = false) const {
    if (v_->epoch_ != s.epoch()) return std::nullopt;
    if (!v_->adjoint_filled_) return zeros_like(v_->value_);
    if (take) {
      v_->adjoint_filled_ = false;
      return std::optional<V>(std::move(v_->adjoint_));
    }
    return v_->adjoint_;
  }
  /// The same written into `out`, a gradient's element (see collect_adjoints): zeros if the sweep did
  /// not reach the var or nothing flowed into it.
  void adjoint_into(sweep const& s, bool take, V& out) const {
    if (v_->epoch_ == s.epoch() && v_->adjoint_filled_) {
      if (take) {
        v_->adjoint_filled_ = false;
        out = std::move(v_->adjoint_);
      } else {
        out = v_->adjoint_;
      }
    } else if constexpr (is_static_v<V>) {
      set_zero(out);
    } else {
      out = zeros_like(v_->value_);
    }
  }
  /// What an input the output does not depend on gets.
  V zero_adjoint() const { return zeros_like(v_->value()); }
  void clear_adjoint(sweep const& s) const {
    if (v_->epoch_ == s.epoch()) v_->adjoint_filled_ = false;
  }
  void const* identity() const noexcept { return v_; }
  V const& value() const noexcept { return v_->value_; }

 private:
  template <class A>
  void fill_adjoint(A&& a) const {
    v_->adjoint_ = std::forward<A>(a);
    v_->adjoint_filled_ = true;
  }
};

}  // namespace detail
}  // namespace tapeless
