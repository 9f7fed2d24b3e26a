// tapeless/expr/base.hpp: the node protocol, the sweep context, leaves that are constants,
// and how operands become nodes.
//
// The node contract (docs/design.md explains it at length). A node type N has
//   using value_type = ...;                 a scalar element, tl::tensor, tl::dvec or tl::dmat
//   static constexpr bool active;           can an adjoint reach a var or a let through it?
//   record forward(sweep&) const;           evaluates; the record has a member `value` and whatever
//                                           the backward rule needs (usually the children's records)
//   void backward(sweep&, record const&, value_type const& adjoint) const;   only called when active:
//                                           adds the adjoint's contributions to the children (a node
//                                           that can reuse a temporary adds a value_type&& overload)
//   value_type tangent(tangent_pass const&, record const&) const;     only called when active:
//                                           the directional derivative of the value (forward mode
//                                           over a record of an earlier forward evaluation)
// Nodes are small, plain values; they hold sub-expressions by value and vars / lets by pointer.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/hana/fwd/tuple.hpp>

#include "../core/traits.hpp"

namespace tapeless {

/// Thrown when something made inside a tl::scan step (a tl::let, an inner scan) is used outside
/// that step, where it has no value.
class scope_error : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// Thrown when an expression is evaluated after a tl::var or tl::let it refers to was destroyed (a
/// temporary, or a local of a function that returned the expression) or moved from.
class lifetime_error : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// Thrown (in builds with TAPELESS_CHECKS) when a sweep reaches a tl::var or tl::let that a sweep
/// running on another thread is using: two threads evaluating or differentiating expressions over
/// the same var or let at once. Each thread needs its own vars and lets (or one tl::grad(f) call each).
class concurrency_error : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// Thrown in builds with TAPELESS_CHECK_FINITE (as jax_debug_nans / tf.debugging.check_numerics) at the
/// first operation that makes a NaN or an infinity out of finite numbers, in its value or in an adjoint
/// it passes back; what() names the operation, where it sits in the expression, the element, and the
/// numbers it was given: "tl::log of argument 1 of tl::sum, element 7: argument -1 gives nan".
class numeric_error : public std::runtime_error {
 public:
  /// The error for operation op ("tl::log"), detail being the rest of the message (the element and the
  /// numbers); made by the library.
  numeric_error(std::string_view op, std::string detail)
      : std::runtime_error("tl::numeric_error"), chain_(op), detail_(std::move(detail)) {
    compose();
  }
  /// The full message: the operation with its place, then the element and the numbers.
  char const* what() const noexcept override { return what_.c_str(); }
  /// The operation whose value or adjoint went non-finite, with its place: "tl::log of argument 1 of tl::sum".
  std::string const& operation() const noexcept { return chain_; }
  /// Called by each enclosing operation as the error passes it.
  void add_context(std::string_view parent, int argument) {
    chain_ += " of argument " + std::to_string(argument) + " of ";
    chain_ += parent;
    compose();
  }

 private:
  void compose() { what_ = chain_ + detail_; }
  std::string chain_, detail_, what_;
};

/// TAPELESS_CHECKS: checks that cost time on the hot path (today: two threads sweeping one var or
/// let, concurrency_error). On unless NDEBUG is defined, as assert() is; define it to 0 or 1 to
/// choose. Every translation unit of a program must agree on it.
#ifndef TAPELESS_CHECKS
#ifdef NDEBUG
#define TAPELESS_CHECKS 0
#else
#define TAPELESS_CHECKS 1
#endif
#endif

template <class D>
class expr_base;
template <class V>
class var;
template <class E>
class let;
template <class V>
class any_expression;
template <class T>
class active;

namespace detail {

/// A value to be made where it is stored: a var built from made_by{f} holds f()'s result itself, with
/// no copy (see var's constructor).
template <class F>
struct made_by {
  F f;
};
template <class F>
made_by(F) -> made_by<F>;

class sweep;
template <class T>
struct active_ref;
template <class V>
struct active_array_ref;
template <class V>
struct var_ref;
template <class V>
struct let_ref;

/// A number no earlier call for the same Tag returned, on any thread, and never 0 (which vars and
/// lets read as "never"). Each thread takes a block of 2^20 numbers from a shared atomic counter and
/// hands them out one by one: an atomic read-modify-write per sweep was a sixth of a small gradient's
/// time (normal_logpdf at N = 256), and numbers must stay unique across threads because a var may be
/// swept by one thread after another.
inline constexpr std::uint64_t number_block_bits = 20;
template <class Tag>
std::uint64_t unique_number() noexcept {
  constexpr std::uint64_t block = std::uint64_t{1} << number_block_bits;
  static std::atomic<std::uint64_t> blocks{0};
  thread_local std::uint64_t next = 0;
  thread_local std::uint64_t end = 0;
  if (next == end) {
    next = blocks.fetch_add(1, std::memory_order_relaxed) * block + 1;
    end = next + block - 1;
  }
  return next++;
}

/// Which thread is sweeping what (TAPELESS_CHECKS). A var or let keeps the epoch of the last sweep
/// that reached it; epochs come in blocks, one thread's each (unique_number), so the block tells
/// which thread's sweep that was, and that thread's outermost running sweep tells whether it is still
/// going: epochs only grow on a thread, so a var or let taken by a running sweep (or one of its scan
/// frames) has an epoch at least the outermost running sweep's. A sweep that finds a var or let so
/// taken by another thread throws concurrency_error before it writes anything.
struct sweeping_thread {
  std::atomic<std::uint64_t> outermost{0};  // the epoch of the outermost running sweep, 0 if none
  int depth = 0;                            // sweeps running on the thread (written by it alone)
};
class sweep_registry {
 public:
  static sweep_registry& get() {
    static sweep_registry r;
    return r;
  }
  /// The calling thread's record, made on first use; records are never freed (a block's owner stays
  /// readable after its thread ended).
  sweeping_thread& self() {
    thread_local sweeping_thread* me = nullptr;
    if (!me) {
      std::lock_guard lock(mutex_);
      me = threads_.emplace_back(std::make_unique<sweeping_thread>()).get();
    }
    return *me;
  }
  /// Notes that the block of `epoch` is the calling thread's.
  void own_block_of(std::uint64_t epoch) {
    auto const b = block_of(epoch);
    if (b == newest_block()) return;
    auto& me = self();
    std::lock_guard lock(mutex_);
    owners_[b] = &me;
    newest_block() = b;
  }
  /// Throws concurrency_error if `seen` is the epoch of a sweep that another thread is running.
  void check_free(std::uint64_t seen, char const* what) {
    if (seen == 0 || block_of(seen) == newest_block()) return;  // never swept, or by this thread lately
    auto& me = self();
    sweeping_thread const* owner = nullptr;
    {
      std::lock_guard lock(mutex_);
      auto const it = owners_.find(block_of(seen));
      if (it == owners_.end()) return;
      owner = it->second;
    }
    if (owner == &me) return;  // this thread's own sweep: not concurrency
    auto const o = owner->outermost.load(std::memory_order_acquire);
    if (o != 0 && seen >= o)
      throw concurrency_error(std::string(what) +
                              " is being evaluated or differentiated by another thread right now; two threads cannot "
                              "sweep the same var or let at once: give each thread its own vars and lets (or call a "
                              "tl::grad(f) on each)");
  }
  static std::uint64_t block_of(std::uint64_t epoch) noexcept { return (epoch - 1) >> number_block_bits; }
  /// The newest block of epochs the calling thread noted as its own.
  static std::uint64_t& newest_block() noexcept {
    thread_local std::uint64_t b = ~std::uint64_t{0};
    return b;
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<sweeping_thread>> threads_;
  std::unordered_map<std::uint64_t, sweeping_thread*> owners_;
};

/// A var's or let's epoch: read, and taken by a sweep. With TAPELESS_CHECKS these are atomic and the
/// taking checks that no other thread's running sweep holds it; otherwise plain loads and stores.
inline std::uint64_t read_epoch(std::uint64_t& e) noexcept {
#if TAPELESS_CHECKS
  return std::atomic_ref<std::uint64_t>(e).load(std::memory_order_acquire);
#else
  return e;
#endif
}
#if TAPELESS_CHECKS
[[gnu::noinline]] inline void take_epoch(std::uint64_t& e, std::uint64_t mine, char const* what) {
  std::atomic_ref<std::uint64_t> a(e);
  auto seen = a.load(std::memory_order_acquire);
  do sweep_registry::get().check_free(seen, what);
  while (!a.compare_exchange_weak(seen, mine, std::memory_order_acq_rel, std::memory_order_acquire));
}
#else
inline void take_epoch(std::uint64_t& e, std::uint64_t mine, char const*) noexcept { e = mine; }
#endif
inline void set_epoch(std::uint64_t& e, std::uint64_t v) noexcept {
#if TAPELESS_CHECKS
  std::atomic_ref<std::uint64_t>(e).store(v, std::memory_order_release);
#else
  e = v;
#endif
}

/// TAPELESS_CHECK_FINITE (see numeric_error). Off by default: with it, every node keeps its own record
/// (no fused SIMD loops) and each value and adjoint of float or double elements is checked.
#ifdef TAPELESS_CHECK_FINITE
inline constexpr bool check_finite = true;
#else
inline constexpr bool check_finite = false;
#endif

/// The index of the first element of v that is not finite, if any (float and double elements only:
/// duals and jets are not checked).
template <class V>
std::optional<std::size_t> first_non_finite(V const& v) {
  if constexpr (std::is_floating_point_v<element_t<V>>) {
    for (std::size_t i = 0, n = size_of(v); i < n; ++i)
      if (!std::isfinite(elem(v, i))) return i;
  }
  return std::nullopt;
}
template <class... V>
bool all_finite(V const&... v) {
  return (!first_non_finite(v).has_value() && ...);
}
inline std::string number_text(double x) {
  if (std::isnan(x)) return "nan";
  std::ostringstream o;
  o.precision(17);
  o << x;
  return o.str();
}
template <class V>
std::string element_text(V const& v, std::size_t i) {
  if constexpr (std::is_arithmetic_v<element_t<V>>)
    return number_text(static_cast<double>(elem(v, i)));
  else
    return "(a dual)";
}
/// Element i of v is finite; elements that are not float or double (duals, bools) count as finite.
template <class V>
bool finite_element(V const& v, std::size_t i) {
  if constexpr (std::is_floating_point_v<element_t<V>>)
    return std::isfinite(elem(v, i));
  else
    return true;
}
template <class V>
std::string element_place(std::size_t i) {
  return rank_v<V> == 0 ? std::string(": ") : ", element " + std::to_string(i) + ": ";
}
/// An elementwise operation made y from the arguments xs (each broadcast as in the operation): throws
/// at the first element of y that is not finite where every argument's element is.
template <class Y, class... X>
void check_made_finite(std::string_view op, Y const& y, X const&... xs) {
  if constexpr (check_finite && std::is_floating_point_v<element_t<Y>>) {
    for (std::size_t i = 0, n = size_of(y); i < n; ++i) {
      if (std::isfinite(elem(y, i))) continue;
      if (!(finite_element(xs, i) && ...)) continue;  // came in already: reported where it was made
      std::string given;
      ((given += (given.empty() ? "" : ", ") + element_text(xs, i)), ...);
      throw numeric_error(op, element_place<Y>(i) + (sizeof...(X) == 1 ? "argument " : "arguments ") + given +
                                  (sizeof...(X) == 1 ? " gives " : " give ") + element_text(y, i));
    }
  }
}
/// An elementwise operation passed back the adjoint `out` (to argument `argument`) for its adjoint `a`:
/// throws at the first element of out that is not finite where a's and every argument's element are.
template <class Out, class A, class... X>
void check_adjoint_finite(std::string_view op, int argument, Out const& out, A const& a, X const&... xs) {
  if constexpr (check_finite && std::is_floating_point_v<element_t<Out>>) {
    for (std::size_t i = 0, n = size_of(out); i < n; ++i) {
      if (std::isfinite(elem(out, i))) continue;
      if (!finite_element(a, i) || !(finite_element(xs, i) && ...)) continue;
      std::string given;
      ((given += (given.empty() ? "" : ", ") + element_text(xs, i)), ...);
      throw numeric_error(op, element_place<Out>(i) + "the adjoint of argument " + std::to_string(argument) +
                                  " at " + given + " for adjoint " + element_text(a, i) + " is " +
                                  element_text(out, i));
    }
  }
}
/// A leaf (a var, a constant) whose value holds a NaN or an infinity is reported where it is used.
template <class V>
void check_leaf_finite(std::string_view what, V const& v) {
  if constexpr (check_finite) {
    if (auto i = first_non_finite(v))
      throw numeric_error(what, element_place<V>(*i) + "its value is " + element_text(v, *i));
  }
}
/// A reduction or product made y from the arguments: throws if y is not finite where they all are.
template <class Y, class... X>
void check_result_finite(std::string_view op, Y const& y, X const&... xs) {
  if constexpr (check_finite && std::is_floating_point_v<element_t<Y>>) {
    if (auto i = first_non_finite(y); i && all_finite(xs...))
      throw numeric_error(op, element_place<Y>(*i) + "finite arguments give " + element_text(y, *i));
  }
}
/// The same for the adjoint `out` a reduction or product passed back to argument `argument`.
template <class Out, class A, class... X>
void check_result_adjoint_finite(std::string_view op, int argument, Out const& out, A const& a, X const&... xs) {
  if constexpr (check_finite && std::is_floating_point_v<element_t<Out>>) {
    if (auto i = first_non_finite(out); i && all_finite(a, xs...))
      throw numeric_error(op, element_place<Out>(*i) + "finite arguments and adjoint give argument " +
                                  std::to_string(argument) + " the adjoint " + element_text(out, *i));
  }
}

struct let_link;

/// A binding run block by block inside the fused loop of a gradient's root (expr/detail/fuse.hpp,
/// "Lets inside a root's loop" in docs/design.md): its expression's loop runs over each block of
/// the root's elements just before the root's chunks there (`forward`) and back just after them
/// (`backward`), so what it reads (a design matrix's rows) is read once for both. Each function is
/// given the binding.
struct block_functions {
  /// Prepares the expression's loop (its leaves evaluated in the root's sweep).
  void (*open)(let_link const&, sweep&);
  void (*begin)(let_link const&);                                  // claims its leaves' adjoints
  void (*forward)(let_link const&, std::size_t first, std::size_t last);   // values of the block
  void (*backward)(let_link const&, std::size_t first, std::size_t last);  // from the block's adjoints
  void (*finish)(let_link const&, sweep&);                          // hands on the totals
};

/// The bindings a gradient's root runs block by block (at most `capacity`; more are evaluated whole).
// Only the first `count` entries are ever read or copied: every sweep and every fused root's record
// has one, and zeroing or copying all of it (wide loads of what narrow stores had just written) cost
// a small gradient (normal_logpdf, N = 16) a quarter more.
struct block_list {
  static constexpr std::size_t capacity = 8;
  let_link const* lets[capacity];  // [0, count) set
  std::size_t count = 0;
  /// Elements per block: the rows of a block of a 16-column design matrix (16 KB of doubles per
  /// 128 elements) stay in L1 or L2 between the block's forward and backward.
  static constexpr std::size_t block = 256;
};

/// The part of a let binding (or a scan) that a sweep keeps in its list (see let.hpp).
struct let_link {
  mutable let_link const* next_ = nullptr;
  void (*backward_)(let_link const&, sweep&) = nullptr;
  void (*clear_adjoint_)(let_link const&) = nullptr;
  /// 0 for a binding of the sweep; k for one made inside the step of a tl::scan nested k deep,
  /// which is evaluated once per step of that scan (in the step's frame), not once per sweep.
  int level_ = 0;
  /// For a binding whose records can be kept per step (see sweep::open_frame): takes up its record
  /// of step `index` again, as if it had just been evaluated. Null where that is not possible (an
  /// inner scan, a record that owns heap memory): the enclosing scan then evaluates its steps again.
  void (*restore_)(let_link const&, sweep&, std::size_t index) = nullptr;
  /// The scan whose step made this binding (null at level 0): its frames are the only ones where the
  /// binding has a value.
  void const* owner_ = nullptr;
  /// Null unless the binding's expression runs in the fused loops (block_functions).
  block_functions const* blocks_ = nullptr;
};

/// The state of one evaluation: an epoch that tells vars and lets whether they have been seen in
/// this sweep, the let bindings in the order they were first evaluated, and the stop_at set.
///
/// A tl::scan evaluates its step in a *frame*: the bindings made inside the step (level k) get a
/// fresh epoch and a list of their own for each step, and the scan runs that list backwards after
/// the step's own backward. Vars and the bindings of outer levels keep the sweep's epoch, so they
/// are evaluated once and gather their adjoints over all the steps.
class sweep {
 public:
  static constexpr int max_levels = 8;
  explicit sweep(std::span<let_link const* const> stopped = {},
                 std::span<std::uint32_t const> stopped_slots = {}) noexcept(!TAPELESS_CHECKS)
      : stopped_(stopped), stopped_slots_(stopped_slots) {
    epochs_[0] = fresh_epoch();
    for (auto& i : store_index_) i = no_store;
#if TAPELESS_CHECKS
    auto& me = sweep_registry::get().self();
    if (me.depth++ == 0) me.outermost.store(epochs_[0], std::memory_order_release);
    running_ = true;
#endif
  }
  /// A context that reaches no var or let (a thread's tl::active recording keeps two for good): it is
  /// not counted as a running sweep.
  struct numbers_only_t {};
  explicit sweep(numbers_only_t) noexcept {
    epochs_[0] = fresh_epoch();
    for (auto& i : store_index_) i = no_store;
  }
#if TAPELESS_CHECKS
  ~sweep() {
    if (!running_) return;
    auto& me = sweep_registry::get().self();
    if (--me.depth == 0) me.outermost.store(0, std::memory_order_release);
  }
#endif
  sweep(sweep const&) = delete;
  sweep& operator=(sweep const&) = delete;

  std::uint64_t epoch() const noexcept { return epochs_[0]; }
  /// The epoch that a binding of `level` compares against.
  std::uint64_t epoch(int level, void const* owner = nullptr) const {
    if (level > depth_ || owners_[level] != owner) [[unlikely]]
      throw scope_error(
          "tl::let or tl::scan made inside a tl::scan step is used outside that step; make it outside the step, "
          "or return what you need from the step");
    return epochs_[level];
  }
  int depth() const noexcept { return depth_; }
  void enlist(let_link const& l) noexcept {
    l.next_ = lists_[l.level_];
    lists_[l.level_] = &l;
  }
  bool stopped(let_link const* l) const noexcept {
    return std::find(stopped_.begin(), stopped_.end(), l) != stopped_.end();
  }
  /// Propagates every let binding's adjoint into its expression. The list is in reverse order of
  /// first evaluation, and a binding is evaluated after everything it depends on, so each binding
  /// runs after all of its users: a topological order, found without any search.
  void run_lets() {
    run_list(lists_[0]);
    for (auto const* f = finishers_; f; f = f->next_) f->backward_(*f, *this);
  }
  /// Runs after the let bindings in every run_lets() of this sweep: the reverse sweep of a thread's
  /// recording of tl::active statements (active.hpp), which the roots and lets feed.
  void add_finisher(let_link const& l) noexcept {
    l.next_ = finishers_;
    finishers_ = &l;
  }
  /// The tl::active values given to tl::stop_at, by slot.
  std::span<std::uint32_t const> stopped_slots() const noexcept { return stopped_slots_; }
  /// Set on the sweep a tl::active statement is evaluated in: its recording (active.hpp), where the
  /// statement's leaves put their partial derivatives.
  void* statement_recording() const noexcept { return statement_recording_; }
  void set_statement_recording(void* r) noexcept { statement_recording_ = r; }
  /// Set on the sweep that replays a recorded array-valued statement backwards (active.hpp): the
  /// recording's adjoints, by slot, which the statement's active leaves add into directly.
  void* program_adjoint() const noexcept { return program_adjoint_; }
  void set_program_adjoint(void* a) noexcept { program_adjoint_ = a; }
  /// Whether a gradient's root may run bindings block by block in its loop: set by tl::gradient when
  /// every target is a var and nothing is stopped (a binding so run is never evaluated whole, so it
  /// has no adjoint of its own to hand out or to stop at).
  void allow_blocks() noexcept { allows_blocks_ = true; }
  /// Where the loop being prepared registers the bindings it runs block by block: set only while a
  /// gradient's root prepares its own loop's leaves, null everywhere else. The list is the sweep's
  /// own, copied out by close_blocks: had the sweep kept the address of one in the root's record, the
  /// record would escape, and GCC reloaded what the root's loop reads from it in every chunk.
  block_list* open_list() const noexcept { return open_blocks_; }
  /// Hides the open list while a leaf of the loop evaluates (a node's own loops, an operand spread
  /// over the loop's elements: their bindings cannot run in the root's blocks).
  class hide_blocks {
   public:
    // Writes only where a list is open (a root with lets): the leaves of every fused loop hide it.
    explicit hide_blocks(sweep& s) noexcept : s_(s), saved_(s.open_blocks_) {
      if (saved_) s.open_blocks_ = nullptr;
    }
    hide_blocks(hide_blocks const&) = delete;
    hide_blocks& operator=(hide_blocks const&) = delete;
    ~hide_blocks() {
      if (saved_) s_.open_blocks_ = saved_;
    }

   private:
    sweep& s_;
    block_list* saved_;
  };
  /// Opens the list for a root's preparation; close_blocks ends it and returns what registered.
  void open_blocks() noexcept {
    collected_.count = 0;
    open_blocks_ = allows_blocks_ && depth_ == 0 ? &collected_ : nullptr;
  }
  void close_blocks(block_list& into) noexcept {
    open_blocks_ = nullptr;
    into.count = collected_.count;
    for (std::size_t k = 0; k < collected_.count; ++k) into.lets[k] = collected_.lets[k];
    collected_.count = 0;
  }
  void clear_let_adjoints() {
    for (auto const* l = lists_[0]; l; l = l->next_) l->clear_adjoint_(*l);
  }

  /// What a frame replaces, to be put back when it closes (frames nest, and a scan of level k may
  /// be evaluated inside the frame of a sibling scan of the same level).
  struct frame_saved {
    std::uint64_t epoch;
    let_link const* list;
    int depth;
    std::size_t store_index, store_count;
    void const* owner;
  };
  static constexpr std::size_t no_store = std::size_t(-1);
  /// Opens a frame for the bindings of `level`. With a store index, each binding that can keeps its
  /// record of this step apart (step `store_index` of `store_count`), for let_link::restore_.
  /// `owner` is the scan whose step the frame evaluates: only its bindings may be evaluated there.
  frame_saved open_frame(int level, void const* owner, std::size_t store_index = no_store, std::size_t store_count = 0) {
    if (level >= max_levels) [[unlikely]]
      throw scope_error("tl::scan: scans nested more than 7 deep");
    frame_saved saved{epochs_[level], lists_[level], depth_, store_index_[level], store_count_[level], owners_[level]};
    owners_[level] = owner;
    epochs_[level] = fresh_epoch();
    lists_[level] = nullptr;
    depth_ = level;
    store_index_[level] = store_index;
    store_count_[level] = store_count;
    return saved;
  }
  /// Where a binding of `level` keeps this step's record: (index, count), or index no_store.
  std::pair<std::size_t, std::size_t> store_slot(int level) const noexcept {
    return {store_index_[level], store_count_[level]};
  }
  /// The bindings evaluated so far in the open frame of `level`, newest first.
  let_link const* frame_list(int level) const noexcept { return lists_[level]; }
  /// The backward of the bindings evaluated in the open frame of `level`, newest first.
  void run_frame(int level) { run_list(lists_[level]); }
  void close_frame(int level, frame_saved const& saved) noexcept {
    epochs_[level] = saved.epoch;
    lists_[level] = saved.list;
    depth_ = saved.depth;
    store_index_[level] = saved.store_index;
    store_count_[level] = saved.store_count;
    owners_[level] = saved.owner;
  }

 private:
  void run_list(let_link const* head) {
    for (auto const* l = head; l; l = l->next_)
      if (!stopped(l)) {
        if constexpr (check_finite) {
          try {
            l->backward_(*l, *this);
          } catch (numeric_error& e) {
            e.add_context("a tl::let", 1);
            throw;
          }
        } else {
          l->backward_(*l, *this);
        }
      }
  }
  static std::uint64_t fresh_epoch() {
    auto const e = unique_number<sweep>();
#if TAPELESS_CHECKS
    sweep_registry::get().own_block_of(e);
#endif
    return e;
  }
  std::uint64_t epochs_[max_levels] = {};
  let_link const* lists_[max_levels] = {};
  std::size_t store_index_[max_levels];  // no_store, set by the constructor
  std::size_t store_count_[max_levels] = {};
  void const* owners_[max_levels] = {};
  int depth_ = 0;
  std::span<let_link const* const> stopped_;
  std::span<std::uint32_t const> stopped_slots_;
  let_link const* finishers_ = nullptr;
  bool running_ = false;  // counted in the thread's running sweeps (TAPELESS_CHECKS; not numbers_only_t)
  void* statement_recording_ = nullptr;
  void* program_adjoint_ = nullptr;
  bool allows_blocks_ = false;
  block_list* open_blocks_ = nullptr;
  block_list collected_;
};

/// Vars and lets carry a mark that says they are alive; they clear it when destroyed or moved from
/// (a volatile store, so that the compiler does not drop it as a store to an object whose life
/// ends). A reference checks the mark where a sweep first meets it, so one that outlived its var or
/// let finds 0, or other bytes, and throws lifetime_error instead of reading freed memory. (A
/// reference keeps only the address: storing an identity number in it as well made var_ref 16 bytes
/// and cost normal_logpdf 3x through store-forwarding stalls; so a var or let made since at the very
/// same address is not told apart.) The read is of memory that may be freed: under AddressSanitizer
/// it is exempt, which would otherwise report it before the check.
inline constexpr std::uint64_t alive_mark = 0x74617065'6c657373;  // "tapeless"
inline void end_identity(std::uint64_t& mark) noexcept { *static_cast<std::uint64_t volatile*>(&mark) = 0; }
// Only under AddressSanitizer is the read exempted (and then out of line: a function with other
// sanitizer attributes is not inlined); otherwise it is an ordinary inline load and compare.
#if defined(__SANITIZE_ADDRESS__)
#define TAPELESS_IDENTITY_READ __attribute__((no_sanitize("address"), noinline))
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TAPELESS_IDENTITY_READ __attribute__((no_sanitize("address"), noinline))
#endif
#endif
#ifndef TAPELESS_IDENTITY_READ
#define TAPELESS_IDENTITY_READ
#endif
TAPELESS_IDENTITY_READ inline bool is_alive(std::uint64_t const* mark) noexcept {
  return *mark == alive_mark;
}
#undef TAPELESS_IDENTITY_READ
[[noreturn, gnu::cold, gnu::noinline]] inline void outlived(char const* what) {
  throw lifetime_error(std::string(what) +
                       " used by an expression was destroyed or moved from before the expression was evaluated (a "
                       "temporary, or a local of the function that returned the expression); keep it alive as long as "
                       "the expression is used");
}

/// f(std::integral_constant<std::size_t, I>{}) for I = 0 .. N - 1, in order: for the parts of a
/// std::tuple of nodes and records (a scan's state, a custom node's arguments).
template <std::size_t N, class F>
void for_each_index(F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (f(std::integral_constant<std::size_t, I>{}), ...);
  }(std::make_index_sequence<N>{});
}

template <class T>
struct is_hana_tuple : std::false_type {};
template <class... T>
struct is_hana_tuple<boost::hana::tuple<T...>> : std::true_type {};

template <class N>
using record_t = decltype(std::declval<N const&>().forward(std::declval<sweep&>()));

/// child.forward(s) inside the operation `parent` (its argument number `argument`, from 1): with
/// TAPELESS_CHECK_FINITE a numeric_error from below learns where it sits.
template <class N>
[[gnu::always_inline]] inline record_t<N> forward_in(N const& child, sweep& s, [[maybe_unused]] std::string_view parent,
                                                     [[maybe_unused]] int argument) {
  if constexpr (check_finite) {
    try {
      return child.forward(s);
    } catch (numeric_error& e) {
      e.add_context(parent, argument);
      throw;
    }
  } else {
    return child.forward(s);
  }
}
/// child.backward(s, r, a) likewise.
template <class N, class R, class A>
[[gnu::always_inline]] inline void backward_in(N const& child, sweep& s, R const& r, A&& a,
                                               [[maybe_unused]] std::string_view parent, [[maybe_unused]] int argument) {
  if constexpr (check_finite) {
    try {
      child.backward(s, r, std::forward<A>(a));
    } catch (numeric_error& e) {
      e.add_context(parent, argument);
      throw;
    }
  } else {
    child.backward(s, r, std::forward<A>(a));
  }
}

/// One forward-mode pass over the records of a sweep: the target leaf (a var or a let) moves in
/// `direction`, every other leaf stands still. Lets cache their tangent per pass.
class tangent_pass {
 public:
  tangent_pass(void const* target, void const* direction) noexcept
      : id_(fresh_id()), target_(target), direction_(direction) {}
  tangent_pass(tangent_pass const&) = delete;
  tangent_pass& operator=(tangent_pass const&) = delete;
  std::uint64_t id() const noexcept { return id_; }
  /// The direction, if `who` is the target (its value type is then V).
  template <class V>
  V const* direction_for(void const* who) const noexcept {
    return who == target_ ? static_cast<V const*>(direction_) : nullptr;
  }

 private:
  static std::uint64_t fresh_id() noexcept { return unique_number<tangent_pass>(); }
  std::uint64_t id_;
  void const* target_;
  void const* direction_;
};

/// The tangent of node n in pass p: zeros without a walk when nothing below n can move.
template <class N>
typename N::value_type tangent_of(N const& n, tangent_pass const& p, record_t<N> const& r) {
  if constexpr (N::active)
    return n.tangent(p, r);
  else
    return zeros_like(r.value);
}

template <class T>
struct is_var : std::false_type {};
template <class V>
struct is_var<var<V>> : std::true_type {};
template <class T>
struct is_let : std::false_type {};
template <class E>
struct is_let<let<E>> : std::true_type {};
template <class V>
struct is_let<any_expression<V>> : std::true_type {};  // a let whose type names only its value
template <class T>
struct is_active : std::false_type {};
template <class T>
struct is_active<active<T>> : std::true_type {};

/// What kinds of leaves an expression type has, found from its template arguments (a node's
/// arguments are its children's types; nodes with non-type arguments, index_node and custom_node,
/// have specialisations of their own): tl::active references (`actives`), vars (`vars`), lets and
/// scans (`deferred`: evaluated once per sweep, their adjoints run from the sweep's let list), and
/// tl::constant_ref (`borrowed`: the caller's memory, read again at each evaluation), and whether a
/// leaf is an array (`arrays`: an array active or constant). An assignment
/// to a tl::active takes no var and evaluates deferred leaves in a sweep of its own; an array-valued
/// one, which is replayed at the gradient, takes neither deferred nor borrowed leaves; a comparison
/// of scalars over actives and constants alone converts to bool; a scalar statement is compiled flat
/// only without arrays (flattening the SIMD loops of array nodes cost minutes of compile time).
template <bool Actives, bool Vars, bool Deferred, bool Borrowed = false, bool Arrays = false>
struct leaf_flags {
  static constexpr bool actives = Actives;
  static constexpr bool vars = Vars;
  static constexpr bool deferred = Deferred;
  static constexpr bool borrowed = Borrowed;
  static constexpr bool arrays = Arrays;
};
template <class... A>
using leaf_union = leaf_flags<(false || ... || A::actives), (false || ... || A::vars), (false || ... || A::deferred),
                              (false || ... || A::borrowed), (false || ... || A::arrays)>;
template <class T>
struct leaf_kinds : leaf_flags<false, false, false> {};
template <template <class...> class N, class... A>
struct leaf_kinds<N<A...>> : leaf_union<leaf_kinds<A>...> {};
template <class T>
struct leaf_kinds<active_ref<T>> : leaf_flags<true, false, false> {};
template <class V>
struct leaf_kinds<active_array_ref<V>> : leaf_flags<true, false, false, false, true> {};
template <class V>
struct leaf_kinds<var_ref<V>> : leaf_flags<false, true, false, false, (rank_v<V> > 0)> {};
template <class V>
struct leaf_kinds<let_ref<V>> : leaf_flags<false, false, true, false, (rank_v<V> > 0)> {};
template <class V>
struct constant_node;
template <class V>
struct leaf_kinds<constant_node<V>> : leaf_flags<false, false, false, false, (rank_v<V> > 0)> {};
template <class V>
struct constant_ref_node;
template <class V>
struct leaf_kinds<constant_ref_node<V>> : leaf_flags<false, false, false, true, (rank_v<V> > 0)> {};

}  // namespace detail

/// Anything built by tapeless that can be evaluated and differentiated: vars, lets and expressions.
template <class E>
concept expression = std::derived_from<E, expr_base<E>>;

/// Anything that can stand as an operand: an expression, a plain number, a dual or a value
/// (plain numbers and values become constants).
template <class T>
concept operand = expression<T> || std::is_arithmetic_v<T> || value_type<T>;

namespace detail {

/// A leaf that is not differentiated. Holds its value (a copy), or for constant_ref a pointer.
template <class V>
struct constant_node : expr_base<constant_node<V>> {
  using value_type = V;
  static constexpr bool active = false;
  struct record {
    std::conditional_t<rank_v<V> == 0, V, V const&> value;  // a number by value (kept in a register)
  };
  V v_;
  explicit constant_node(V v) : v_(std::move(v)) {}
  record forward(sweep&) const noexcept(!check_finite) {
    check_leaf_finite("a tl::constant", v_);
    return {v_};
  }
  void backward(sweep&, record const&, V const&) const noexcept {}
};

template <class V>
struct constant_ref_node : expr_base<constant_ref_node<V>> {
  using value_type = V;
  static constexpr bool active = false;
  struct record {
    V const& value;
  };
  V const* p_;
  record forward(sweep&) const noexcept(!check_finite) {
    check_leaf_finite("a tl::constant_ref", *p_);
    return {*p_};
  }
  void backward(sweep&, record const&, V const&) const noexcept {}
};

/// A constant sub-expression of plain reals used where duals are wanted: its value is converted,
/// element by element (zero tangents). Only for expressions nothing is differentiated through.
template <class N, class T>
struct promote_node : expr_base<promote_node<N, T>> {
  using value_type = rebind_t<typename N::value_type, T>;
  static constexpr bool active = false;
  static_assert(!N::active,
                "tl: an expression of plain reals that depends on a tl::var cannot be mixed with one of "
                "tl::dual elements; make the var's elements duals too");
  struct record {
    value_type value;
  };
  N n_;
  record forward(sweep& s) const {
    auto c = n_.forward(s);
    if constexpr (rank_v<value_type> == 0) {
      return {T(c.value)};
    } else {
      auto v = make_value<value_type>(extents_of(c.value));
      for (std::size_t i = 0, n = v.size(); i < n; ++i) v.data()[i] = T(c.value.data()[i]);
      return {std::move(v)};
    }
  }
  void backward(sweep&, record const&, value_type const&) const noexcept {}
};

template <class V>
struct var_ref;
template <class V>
struct let_ref;

/// The node an operand stands for. Vars and lets are taken by reference, expressions by value,
/// numbers and values become constants. `T` is the element type the other operand wants (numbers
/// convert to it, so `x * 2` has x's element type).
template <class T, class A>
auto node_of(A const& a) {
  if constexpr (is_var<A>::value)
    return var_ref<typename A::value_type>{&a};
  else if constexpr (is_active<A>::value)
    return a.node();
  else if constexpr (is_let<A>::value)
    return let_ref<typename A::value_type>{a.state()};
  else if constexpr (expression<A>) {
    if constexpr (std::is_void_v<T> || std::is_same_v<element_t<typename A::value_type>, T>)
      return a;
    else
      return promote_node<A, T>{{}, a};
  }
  else if constexpr (std::is_arithmetic_v<A>)
    return constant_node<std::conditional_t<std::is_void_v<T>, double, T>>(a);
  else if constexpr (rank_v<A> == 0)
    return constant_node<std::conditional_t<std::is_void_v<T>, A, T>>(a);
  else if constexpr (std::is_void_v<T> || std::is_same_v<element_t<A>, T>)
    return constant_node<A>(a);
  else
    return promote_node<constant_node<A>, T>{{}, constant_node<A>(a)};
}

template <class A>
struct node_type_of {
  using type = A;
};
template <class A>
  requires(!expression<A> && std::is_arithmetic_v<A>)
struct node_type_of<A> {
  using type = constant_node<double>;
};
template <class A>
  requires(!expression<A> && !std::is_arithmetic_v<A> && value_type<A>)
struct node_type_of<A> {
  using type = constant_node<A>;
};
template <class V>
struct node_type_of<var<V>> {
  using type = var_ref<V>;
};
template <class E>
struct node_type_of<let<E>> {
  using type = let_ref<typename E::value_type>;
};
template <class V>
struct node_type_of<any_expression<V>> {
  using type = let_ref<V>;
};
template <class T>
struct node_type_of<active<T>> {
  using type = std::conditional_t<rank_v<T> == 0, active_ref<T>, active_array_ref<T>>;
};

template <class A>
using node_t = typename node_type_of<A>::type;

template <class A>
using expr_value_t = typename node_t<A>::value_type;

/// The element type an operand contributes, or void for a plain number (which adapts to the other side).
template <class A>
struct operand_element {
  using type = void;
};
template <class A>
  requires expression<A>
struct operand_element<A> {
  using type = element_t<expr_value_t<A>>;
};
template <class A>
  requires(!expression<A> && !std::is_arithmetic_v<A> && value_type<A>)
struct operand_element<A> {
  using type = element_t<A>;
};

template <class A>
decltype(auto) as_node(A const& a) {
  return node_of<typename operand_element<A>::type>(a);
}

}  // namespace detail

/// Base of every expression type: gives indexing on any expression. (CRTP, no virtual functions.)
template <class D>
class expr_base {
 public:
  /// Element i of a vector expression, row i of a matrix expression (an expression too).
  template <std::integral I>
  auto operator[](I i) const;
  /// Element (i, j) of a matrix expression, (i...) of a tensor expression.
  template <std::integral... I>
  auto operator()(I... i) const;
};

/// A non-differentiable leaf holding a copy of v.
template <class V>
  requires value_type<V>
auto constant(V const& v) {
  return detail::constant_node<V>(v);
}

/// A non-differentiable leaf that refers to v and re-reads it at every evaluation (large data).
/// v must outlive every expression built from it.
template <class V>
  requires value_type<V>
auto constant_ref(V const& v) {
  return detail::constant_ref_node<V>{{}, &v};
}
/// A temporary would be gone before the expression is evaluated (as std::cref refuses one).
template <class V>
  requires value_type<V>
auto constant_ref(V const&& v) {
  static_assert(!value_type<V>,
                "tl::constant_ref(v): v is a temporary, gone before the expression is evaluated; keep it in a variable "
                "that outlives the expression, or use tl::constant(v) (a copy)");
  return detail::constant_ref_node<V>{{}, &v};
}

}  // namespace tapeless

#include "index.hpp"
