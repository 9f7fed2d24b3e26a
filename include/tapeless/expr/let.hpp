// tapeless/expr/let.hpp: tl::let, named intermediates, evaluated once per sweep.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "base.hpp"
#include "detail/fuse.hpp"

// Making a let's state is an out-of-line call (see `let` below).
#if defined(__GNUC__) || defined(__clang__)
#define TAPELESS_NOINLINE __attribute__((noinline))
#else
#define TAPELESS_NOINLINE
#endif

namespace tapeless {

namespace detail {

/// What a let is to its users: a value of type V, evaluated once per sweep, with an adjoint. Users
/// hold a let_ref<V>, which names only V: the type of an expression that uses a let does not contain
/// the let's own expression, so a chain or a DAG of lets has types (and compile times) that grow with
/// the number of lets, not with their depth. The let's own state (let_state<E>) evaluates it through
/// `refresh_` and `tangent_fn_`.
template <class V>
class let_value : public let_link {
 public:
  V const& evaluate(sweep& s) const {
    auto const e = s.epoch(this->level_, this->owner_);
    if (read_epoch(epoch_) != e) {
#if TAPELESS_CHECKS
      take_epoch(epoch_, e, "a tl::let");  // before the record is written: another thread's sweep may hold it
#endif
      if constexpr (check_finite) {
        try {
          refresh_(*this, s);
        } catch (numeric_error& err) {
          err.add_context("a tl::let", 1);
          throw;
        }
      } else {
        refresh_(*this, s);
      }
      touched_ = false;
      set_epoch(epoch_, e);
      s.enlist(*this);
    }
    return *value_;
  }
  /// Takes up the record kept for step `index` (let_link::restore_), as evaluate() would leave it.
  void restore(sweep& s, std::size_t index) const {
    restore_record_(*this, index);
    touched_ = false;
    set_epoch(epoch_, s.epoch(this->level_, this->owner_));
    s.enlist(*this);
  }
  V const& tangent(tangent_pass const& p) const {
    // Keyed by the evaluation too: a binding inside a scan step has one value per step in one pass.
    if (tangent_id_ != p.id() || tangent_epoch_ != epoch_) {
      tangent_epoch_ = epoch_;
      if (auto const* d = p.direction_for<V>(static_cast<let_link const*>(this)))
        tangent_ = *d;
      else
        tangent_ = tangent_fn_(*this, p);
      tangent_id_ = p.id();
    }
    return tangent_;
  }
  void accumulate(V const& a) const {
    add_into(adjoint_, a);
    touched_ = true;
  }
  template <class B>
  void accumulate_block(std::size_t offset, B const& a) const {
    add_block_into(adjoint_, offset, a);
    touched_ = true;
  }
  /// The total adjoint in sweep s (the sum over the users), if s reached this let.
  std::optional<V> reached_adjoint(sweep const& s) const {
    if (this->level_ == 0 && epoch_ == s.epoch()) return adjoint_;
    return std::nullopt;
  }
  /// Whether sweep s has evaluated the binding whole (a binding of the sweep's own level).
  bool evaluated_in(sweep const& s) const { return this->level_ == 0 && read_epoch(epoch_) == s.epoch(); }

  // Run block by block in a gradient root's loop (block_functions; fuse<let_ref<V>> below): the
  // values of the block being run, from element block_first_, and their adjoints, which the root's
  // chunks write.
  mutable element_t<V>* block_value_ = nullptr;
  mutable element_t<V>* block_adjoint_ = nullptr;
  mutable std::size_t block_first_ = 0;
  mutable std::uint64_t block_epoch_ = 0;  // the sweep that runs it so
  mutable extents<rank_v<V>> block_shape_{};

 protected:
  let_value() = default;
  let_value(let_value const&) = delete;
  let_value& operator=(let_value const&) = delete;

  /// Evaluates the expression into the record, points value_ at its value and zeroes the adjoint.
  void (*refresh_)(let_value const&, sweep&) = nullptr;
  /// Points value_ at the record kept for a step and zeroes the adjoint.
  void (*restore_record_)(let_value const&, std::size_t) = nullptr;
  V (*tangent_fn_)(let_value const&, tangent_pass const&) = nullptr;
  mutable V const* value_ = nullptr;
  mutable V adjoint_{};
  mutable std::uint64_t epoch_ = 0;
  mutable bool touched_ = false;
  mutable V tangent_{};
  mutable std::uint64_t tangent_id_ = 0;
  mutable std::uint64_t tangent_epoch_ = 0;

 public:
  std::uint64_t alive_ = alive_mark;  // cleared once the let that owns this state is gone (base.hpp)
};

/// While a tl::scan calls its step, the bindings made there belong to the scan (the step's locals
/// die when it returns, the scan's body refers to them) and are evaluated once per step.
///
/// While the function API (tl::grad, tl::jacfwd, tl::hessian ...) calls f, a scope of the same kind
/// with the enclosing level and owner (`keep_alive`) takes over the lets f makes: f's expression may
/// refer to them after f returns, and they behave as lets made where the call is.
/// A binding's state that a scope owns, deleted as its own type. (A shared_ptr here cost each let
/// made inside a function given to tl::jacfwd a second allocation and atomic counts.)
using owned_state = std::unique_ptr<void, void (*)(void*) noexcept>;

class body_scope {
 public:
  body_scope(std::vector<owned_state>& owned, int level, void const* owner) noexcept
      : owned_(owned), level_(level), owner_(owner), outer_(current()) {
    current() = this;
  }
  struct keep_alive_t {};
  static constexpr keep_alive_t keep_alive{};
  /// The scope of a call of f by the function API.
  body_scope(std::vector<owned_state>& owned, keep_alive_t) noexcept
      : owned_(owned), level_(level_now()), owner_(owner_now()), outer_(current()), function_(true) {
    current() = this;
  }
  /// Whether what is made now is made inside a tl::scan step (at a level below the top).
  static bool in_step() noexcept { return level_now() > 0; }
  body_scope(body_scope const&) = delete;
  body_scope& operator=(body_scope const&) = delete;
  ~body_scope() { current() = outer_; }

  /// The innermost scope on this thread, or null outside every scan step.
  static body_scope*& current() noexcept {
    thread_local body_scope* c = nullptr;
    return c;
  }
  /// The level of what is made in this scope.
  static int level_now() noexcept { return current() ? current()->level_ : 0; }
  /// The scan whose step is being built (null outside every step).
  static void const* owner_now() noexcept { return current() ? current()->owner_ : nullptr; }
  /// Takes over a binding's state; returns its level. `record_bytes` is the size of the record it
  /// keeps per step (0: it cannot keep one per step, as an inner scan cannot).
  int adopt(owned_state state, std::size_t record_bytes) {
    if (owned_.capacity() == 0) owned_.reserve(8);  // one allocation for a function's first lets
    owned_.push_back(std::move(state));
    count_record(record_bytes);
    return level_;
  }
  /// Marks the step as one whose records cannot all be kept (an inner scan was made in it); a
  /// function's scope passes it on to the step it is in.
  void cannot_keep_records() noexcept {
    keeps_records_ = false;
    if (function_ && outer_) outer_->cannot_keep_records();
  }
  /// The bytes the step's bindings keep per step, and whether all of them can.
  std::size_t record_bytes() const noexcept { return record_bytes_; }
  bool keeps_records() const noexcept { return keeps_records_; }

 private:
  std::vector<owned_state>& owned_;
  int level_;
  void const* owner_;
  /// A binding's record counts for the step it is made in (through a function's scope).
  void count_record(std::size_t record_bytes) noexcept {
    if (record_bytes == 0)
      keeps_records_ = false;
    else
      record_bytes_ += record_bytes;
    if (function_ && outer_) outer_->count_record(record_bytes);
  }
  body_scope* outer_;
  bool function_ = false;  // a function API call's scope, not a scan step's
  std::size_t record_bytes_ = 0;
  bool keeps_records_ = true;
};

/// Converts to E's record by evaluating it: optional::emplace(in_place_record{...}) then constructs
/// the record directly in the optional's storage (guaranteed copy elision of the conversion's result).
template <class E>
struct in_place_record {
  E const& e;
  sweep& s;
  operator record_t<E>() const { return e.forward(s); }
};

/// Whether a let of E can run block by block in a root's loop: E is an elementwise tree (or a
/// matrix-vector product) that runs in the fused loops, with an array of float or double as value.
template <class E>
inline constexpr bool runs_in_blocks_v = [] {
  if constexpr (simd_array_v<typename E::value_type>)
    return fuse<E>::loop_node;
  else
    return false;
}();

/// What such a let keeps for it: its loop's preparation, the block's values and adjoints, and the
/// totals of its scalar leaves' adjoints over the blocks.
template <class E, bool = runs_in_blocks_v<E>>
struct let_blocks {};
template <class E>
struct let_blocks<E, true> {
  using F = fuse<E>;
  using T = element_t<typename E::value_type>;
  std::optional<typename F::prep> prep;
  // The block's values, then its adjoints: part of the state, so that no sweep allocates (with static
  // extents a gradient allocates nothing).
  std::array<T, 2 * block_list::block> buffer;
  totals<T, F::slots> sums{};
};

/// Converts to E's loop preparation by preparing it (in place in an optional, as in_place_record).
template <class E>
struct in_place_prep {
  E const& e;
  sweep& s;
  operator typename fuse<E>::prep() const { return fuse<E>::prepare(e, s); }
};

/// What a let owns: its expression, the record of its last evaluation, and (from let_value) its
/// adjoint, epoch and links.
template <class E>
class let_state final : public let_value<typename E::value_type> {
  using base = let_value<typename E::value_type>;
  using value_type = typename E::value_type;

 public:
  explicit let_state(E e) : expr_(std::move(e)) {
    this->backward_ = &run_backward;
    this->clear_adjoint_ = &clear_adjoint;
    this->refresh_ = &refresh;
    this->tangent_fn_ = &tangent_of;
    if constexpr (storable) {
      this->restore_ = &restore_link;
      this->restore_record_ = &restore_record;
    }
    if constexpr (runs_in_blocks_v<E>) this->blocks_ = &block_table;
  }

 private:
  using record = record_t<E>;
  /// A record that owns no heap memory can be kept once per step of a scan.
  static constexpr bool storable = std::is_trivially_destructible_v<record>;

 public:
  /// What keeping this binding's record costs per step of a scan (0: it cannot be kept).
  static constexpr std::size_t kept_record_bytes = storable ? sizeof(std::optional<record>) : 0;

 private:
  static void refresh(base const& b, sweep& s) {
    auto const& self = static_cast<let_state const&>(b);
    // Built in place in the optional: a record returned by value and then copied in went through
    // the stack (a store-forwarding stall on every let of a scan step).
    auto const [index, count] = s.store_slot(self.level_);
    if (storable && index != sweep::no_store) {
      if (self.steps_count_ != count) {
        self.steps_ = std::make_unique<std::optional<record>[]>(count);
        self.steps_count_ = count;
      }
      self.steps_[index].emplace(in_place_record<E>{self.expr_, s});
      self.cur_ = &*self.steps_[index];
    } else {
      self.rec_.emplace(in_place_record<E>{self.expr_, s});
      self.cur_ = &*self.rec_;
    }
    self.value_ = &self.cur_->value;
    zero_like(self.adjoint_, self.cur_->value);
  }
  static void restore_record(base const& b, std::size_t index) {
    auto const& self = static_cast<let_state const&>(b);
    self.cur_ = &*self.steps_[index];
    self.value_ = &self.cur_->value;
    zero_like(self.adjoint_, self.cur_->value);
  }
  static void restore_link(let_link const& l, sweep& s, std::size_t index) {
    static_cast<let_state const&>(l).restore(s, index);
  }
  static value_type tangent_of(base const& b, tangent_pass const& p) {
    auto const& self = static_cast<let_state const&>(b);
    return detail::tangent_of(self.expr_, p, *self.cur_);
  }
  static void run_backward(let_link const& l, sweep& s) {
    auto const& self = static_cast<let_state const&>(l);
    if constexpr (E::active)
      if (self.touched_) self.expr_.backward(s, *self.cur_, self.adjoint_);
  }
  static void clear_adjoint(let_link const& l) {
    auto const& self = static_cast<let_state const&>(l);
    set_zero(self.adjoint_);
    self.touched_ = false;
  }

  // Block by block in a root's loop (block_functions): open prepares E's loop (E's leaves evaluated
  // in the root's sweep), forward stores a block's values, backward runs E's loop back over the block
  // from the adjoints the root's chunks wrote (the top node's value read, not computed again), finish
  // hands E's leaves their totals. The let itself is not evaluated whole in that sweep.
  using block_element = element_t<value_type>;
  // (Only a binding with blocks_ set, and of the sweep's level, is opened: fuse<let_ref<V>>.)
  static void open_blocks(let_link const& l, sweep& s) {
    if constexpr (runs_in_blocks_v<E>) {
      auto const& self = static_cast<let_state const&>(l);
      take_epoch(self.block_epoch_, s.epoch(), "a tl::let");
      auto& b = self.blocks_state_;
      b.prep.reset();
      b.prep.emplace(in_place_prep<E>{self.expr_, s});
      self.block_value_ = b.buffer.data();
      self.block_adjoint_ = b.buffer.data() + block_list::block;
      self.block_shape_ = b.prep->shape();
    }
  }
  static void begin_blocks(let_link const& l) {
    if constexpr (runs_in_blocks_v<E>) {
      auto& b = static_cast<let_state const&>(l).blocks_state_;
      fuse<E>::begin(*b.prep);
      b.sums = {};
    }
  }
  static void forward_blocks(let_link const& l, std::size_t first, std::size_t last) {
    if constexpr (runs_in_blocks_v<E>) {
      using F = fuse<E>;
      auto const& self = static_cast<let_state const&>(l);
      auto const& p = *self.blocks_state_.prep;
      block_element* out = self.block_value_;
      self.block_first_ = first;
      for_each_chunk_of_in<F, block_element>(p, first, last, [&](auto d, std::size_t i, auto) {
        simd::store(F::chunk(self.expr_, d, i, p).value, d, out + (i - first));
      });
    }
  }
  static void backward_blocks(let_link const& l, std::size_t first, std::size_t last) {
    if constexpr (runs_in_blocks_v<E>) {
      using F = fuse<E>;
      auto const& self = static_cast<let_state const&>(l);
      auto& b = self.blocks_state_;
      auto const& p = *b.prep;
      block_element const* v = self.block_value_;
      block_element const* a = self.block_adjoint_;
      accumulator_sets<block_element, F::slots> acc;
      for_each_chunk_of_in<F, block_element>(p, first, last, [&](auto d, std::size_t i, auto slot) __attribute__((always_inline)) {
        auto const c = chunk_given<F>(self.expr_, d, i, p, simd::load(d, v + (i - first)));
        F::template back<0>(self.expr_, d, i, p, c, given_adjoint(d, a + (i - first)), acc[slot]);
      });
      if constexpr (F::slots > 0) {
        auto const t = sum_accumulators<block_element, F::slots>(acc);
        for (std::size_t k = 0; k < F::slots; ++k) b.sums[k] += t[k];
      }
    }
  }
  static void finish_blocks(let_link const& l, sweep& s) {
    if constexpr (runs_in_blocks_v<E>) {
      auto const& self = static_cast<let_state const&>(l);
      fuse<E>::template finish<0>(self.expr_, s, *self.blocks_state_.prep, self.blocks_state_.sums);
    }
  }
  static constexpr block_functions block_table{&open_blocks, &begin_blocks, &forward_blocks, &backward_blocks,
                                               &finish_blocks};

  E expr_;
  [[no_unique_address]] mutable let_blocks<E> blocks_state_;
  mutable std::optional<record> rec_;
  mutable record const* cur_ = nullptr;  // the record of the last evaluation: rec_, or one kept per step
  mutable std::unique_ptr<std::optional<record>[]> steps_;
  mutable std::size_t steps_count_ = 0;
};

/// Out of line, and taking the expression by value, so that the function building a let sees only a
/// call that returns a pointer.
template <class E>
TAPELESS_NOINLINE std::unique_ptr<let_state<E>> make_let_state(E e) {
  return std::make_unique<let_state<E>>(std::move(e));
}

}  // namespace detail

/// A named intermediate. Evaluated once per sweep however often it is used; its backward runs once,
/// after all of its users, so any DAG built from lets costs linear time. It can be differentiated
/// against: `tl::gradient(y, tl::wrt(b))`.
///
///     tl::var<double> a{0.0};
///     auto b = tl::let(2 * a);
///     auto c = a + b;
///     auto [da, db] = tl::gradient(c, tl::wrt(a, b));   // 3, 1
///
/// Users refer to a let, so it must outlive them; it can be neither copied nor moved
/// (`auto b = tl::let(e);` needs neither). Its state lives in one small block allocated when the let
/// is made (never during a sweep): users hold that block's address, not the let's, which keeps
/// compile times linear in a function with thousands of lets (docs/design.md).
template <class E>
class let : public expr_base<let<E>> {
 public:
  /// The type of the bound expression, and of its value.
  using expression_type = E;
  using value_type = typename E::value_type;

  /// Binds the expression a (copied into the let's state block); `auto b = tl::let(e);` deduces E.
  template <class A>
    requires std::same_as<detail::node_t<A>, E>
  explicit let(A const& a) : owned_(detail::make_let_state<E>(detail::as_node(a))), state_(owned_.get()) {
    // Made inside a tl::scan step: the scan keeps the state (the step's expression refers to it
    // after this object is gone), and it is evaluated once per step.
    if (auto* scope = detail::body_scope::current()) {
      state_->owner_ = detail::body_scope::owner_now();
      state_->level_ = scope->adopt(
          detail::owned_state(owned_.release(), [](void* p) noexcept { delete static_cast<detail::let_state<E>*>(p); }),
          detail::let_state<E>::kept_record_bytes);
    }
  }
  /// Neither copied nor moved: users refer to it. Destroying it makes expressions over it throw
  /// tl::lifetime_error when evaluated.
  let(let const&) = delete;
  let& operator=(let const&) = delete;
  ~let() {
    if (owned_) detail::end_identity(owned_->alive_);  // a scan's binding lives on in the scan
  }

  /// What users of the let refer to.
  detail::let_value<value_type> const* state() const noexcept { return state_; }

 private:
  std::unique_ptr<detail::let_state<E>> owned_;  // empty when a scan owns the state
  detail::let_state<E>* state_;
};

/// `tl::let(e)` deduces the expression type of e.
template <class A>
let(A const&) -> let<detail::node_t<A>>;

/// An expression whose type names only its value type (as std::function is a callable's), to keep as a class member or in a container:
/// `tl::any_expression<double> loss_;` holds any scalar expression (the expression type of a deduced
/// `auto` cannot be named there). It is a tl::let that can be moved: evaluated once per sweep however
/// often it is used, and the fused loops stay inside it, so it costs one indirect call per sweep, not
/// one per node. Like a let it can be a target (`tl::wrt(loss_)`) and be given to `tl::stop_at`.
///
///     struct model {
///       tl::var<tl::dvec<double>> w;
///       tl::any_expression<double> loss;
///       explicit model(tl::dvec<double> w0) : w(std::move(w0)), loss(tl::sum(tl::square(w - 1.0))) {}
///     };
///
/// Moving it keeps what it refers to (its state stays where it is); what refers to it (expressions
/// built over it) must not outlive it, and what it refers to (the vars) must outlive it: a class that
/// holds both should not be moved once built (hold it by std::unique_ptr, or delete its moves).
template <class V>
class any_expression : public expr_base<any_expression<V>> {
 public:
  /// V, the value type of every expression it may hold.
  using value_type = V;
  /// Holds the expression a, whose value type must be V (another is a compile error); made inside a
  /// tl::scan step it throws tl::scope_error.
  template <class A>
    requires(expression<A> && !std::same_as<A, any_expression>)
  any_expression(A const& a) : state_(own(detail::make_let_state(detail::as_node(a)))) {
    static_assert(std::same_as<typename detail::node_t<A>::value_type, V>,
                  "tl::any_expression<V>: the expression's value type must be V (a scalar expression for "
                  "tl::any_expression<double>, a tl::dvec<double> one for tl::any_expression<tl::dvec<double>>)");
  }
  /// Moves keep the state where it is; assigning another any_expression, or destroying this one, makes
  /// expressions over the old one throw tl::lifetime_error. Not copyable.
  any_expression(any_expression&& o) noexcept = default;
  any_expression& operator=(any_expression&& o) noexcept {
    if (this != &o) {
      end();
      state_ = std::move(o.state_);
    }
    return *this;
  }
  any_expression(any_expression const&) = delete;
  any_expression& operator=(any_expression const&) = delete;
  ~any_expression() { end(); }

  /// What users of the expression refer to (as for a tl::let).
  detail::let_value<V> const* state() const noexcept { return state_.get(); }

 private:
  using destroy_fn = void (*)(detail::let_value<V>*) noexcept;
  struct destroy {
    destroy_fn fn = nullptr;
    void operator()(detail::let_value<V>* p) const noexcept { fn(p); }
  };
  template <class E>
  static std::unique_ptr<detail::let_value<V>, destroy> own(std::unique_ptr<detail::let_state<E>> p) {
    if (detail::body_scope::in_step()) [[unlikely]]
      throw scope_error("tl::any_expression made inside a tl::scan step: use a tl::let there (the step is evaluated "
                        "once per step)");
    return {p.release(), destroy{[](detail::let_value<V>* q) noexcept { delete static_cast<detail::let_state<E>*>(q); }}};
  }
  void end() noexcept {
    if (state_) detail::end_identity(state_->alive_);  // expressions over it throw lifetime_error from now on
  }
  std::unique_ptr<detail::let_value<V>, destroy> state_;
};

template <class A>
  requires expression<A>
any_expression(A const&) -> any_expression<typename detail::node_t<A>::value_type>;

namespace detail {

template <class V>
struct let_ref : expr_base<let_ref<V>> {
  using value_type = V;
  static constexpr bool active = true;
  struct record {
    value_type const& value;
  };
  let_value<V> const* l_;

  explicit let_ref(let_value<V> const* l) noexcept : l_(l) {}
  record forward(sweep& s) const {
    if (!is_alive(&l_->alive_)) [[unlikely]]
      outlived("a tl::let");
    return {l_->evaluate(s)};
  }
  void backward(sweep&, record const&, value_type const& a) const { l_->accumulate(a); }
  static constexpr bool adds_blocks = true;  // as var_ref
  template <class B>
  void backward_block(sweep&, record const&, std::size_t offset, B const& a) const {
    l_->accumulate_block(offset, a);
  }
  value_type tangent(tangent_pass const& p, record const&) const { return l_->tangent(p); }
  template <class B>
  B tangent_block(tangent_pass const& p, record const&, std::size_t offset, extents<rank_v<B>> const& e) const {
    return block_of<B>(l_->tangent(p), offset, e);  // the let keeps its tangent: no copy of it
  }

  /// The total adjoint of the binding in sweep s (the sum over its users), if s reached it.
  std::optional<value_type> reached_adjoint(sweep const& s) const { return l_->reached_adjoint(s); }
  /// Zeros shaped like the binding. This evaluates it in a sweep of its own, which disturbs the
  /// adjoints of the vars and lets below it: call it only after every reached adjoint has been read.
  value_type zero_adjoint() const {
    sweep fresh;
    return zeros_like(l_->evaluate(fresh));
  }
  void clear_adjoint(sweep const&) const {}
  void const* identity() const noexcept { return static_cast<let_link const*>(l_); }
};

template <class V>
inline constexpr bool may_run_lets_v<let_ref<V>> = simd_array_v<V>;

/// Where a let is evaluated whole, its chunks are read at their own index (an offset of 0).
inline constexpr std::size_t whole_offset = 0;

/// A let of an array of float or double in a fused loop. In the loop of a gradient's root whose
/// binding can run block by block (let_state::open_blocks), it does not evaluate the binding: the
/// root's loop runs the binding's own loop block by block around its chunks (fused_sum_backward), and
/// the occurrences here read the block's values and write its adjoints, the first in each chunk
/// storing, later ones adding (as for a var). Elsewhere it is the binding's value, evaluated whole,
/// and an adjoint array handed to the binding after the loop.
template <class V>
  requires simd_array_v<V>
struct fuse<let_ref<V>> {
  using N = let_ref<V>;
  using T = element_t<V>;
  static constexpr std::size_t slots = 0;
  static constexpr bool loop_node = false;
  struct prep {
    prep(N const& n, sweep& s) : let(n.l_) {
      if (!is_alive(&let->alive_)) [[unlikely]]
        outlived("a tl::let");
      if (join_blocks(s)) {
        values = let->block_value_;
        first = &let->block_first_;
        shape_ = let->block_shape_;
      } else {
        value = &let->evaluate(s);
        values = value->data();
        shape_ = extents_of(*value);
      }
    }
    let_value<V> const* let;
    V const* value = nullptr;  // evaluated whole
    T const* values = nullptr;
    std::size_t const* first = &whole_offset;
    bool blocks = false;
    bool store = true;
    mutable T* adjoint_at = nullptr;                 // set by begin
    mutable V adjoint = unset_value<V>();            // evaluated whole: stored chunk by chunk
    extents<rank_v<V>> shape_{};
    extents<rank_v<V>> shape() const { return shape_; }

   private:
    /// Whether the binding runs block by block in the loop being prepared: joined if an earlier
    /// occurrence there opened it, opened if it can (not evaluated whole in this sweep yet, not in
    /// another root's loop, room in the list).
    bool join_blocks(sweep& s) {
      block_list* list = s.open_list();
      if (!list || !let->blocks_ || let->level_ != 0 || let->evaluated_in(s) || s.stopped(let)) return false;
      for (std::size_t k = 0; k < list->count; ++k)
        if (list->lets[k] == let) {
          blocks = true;
          store = false;
          return true;
        }
      if (list->count == block_list::capacity || read_epoch(let->block_epoch_) == s.epoch()) return false;
      sweep::hide_blocks h(s);
      let->blocks_->open(*let, s);
      list->lets[list->count++] = let;
      blocks = true;
      return true;
    }
  };
  template <class D>
  using chunk_type = value_chunk<D>;
  static prep prepare(N const& n, sweep& s) { return prep(n, s); }
  static bool spreads(prep const&) { return false; }
  template <class D>
  static chunk_type<D> chunk(N const&, D d, std::size_t i, prep const& p) {
    return {simd::load(d, p.values + (i - *p.first))};
  }
  static void begin(prep const& p) {
    if (p.blocks) {
      p.adjoint_at = p.let->block_adjoint_;
    } else {
      if (size_of(p.adjoint) != size_of(*p.value)) p.adjoint = make_for_overwrite<V>(extents_of(*p.value));
      p.adjoint_at = p.adjoint.data();
    }
  }
  template <std::size_t, class D, class A, class Acc>
  static void back(N const&, D d, std::size_t i, prep const& p, chunk_type<D> const&, A const& a, Acc&) {
    T* at = p.adjoint_at + (i - *p.first);
    if (p.store)
      simd::store(whole(d, a), d, at);
    else
      simd::add_into(whole(d, a), d, at);
  }
  template <std::size_t, class Totals>
  static void finish(N const& n, sweep& s, prep const& p, Totals const&) {
    if (!p.blocks) n.backward(s, typename N::record{*p.value}, p.adjoint);
  }
  /// (Only evaluated whole: tl::max and tl::min are not run by blocks.)
  static void back_at(N const& n, sweep& s, std::size_t k, prep const& p, T a) {
    n.backward_block(s, typename N::record{*p.value}, k, a);
  }
  template <class D>
  static jvp_chunk<D> jvp(N const&, D d, std::size_t i, prep const& p, tangent_pass const& t) {
    return {simd::load(d, p.values + i), simd::load(d, p.let->tangent(t).data() + i)};
  }
};

}  // namespace detail

}  // namespace tapeless
