// tapeless/expr/active.hpp: tl::active<T>, a number that records what is assigned to it, so that
// ordinary C++ (code templated over its scalar: loops, reassignment, branches, recursion,
// std::vector<T>) runs in reverse mode.
//
// Each assignment `y = e` evaluates the tapeless expression e once, runs its adjoint once with a
// unit seed, and records the result as one *statement*: y's new slot and, for each active leaf of e,
// (the leaf's slot, de/dleaf). The reverse sweep (run by tl::gradient after the expression-level
// sweep, as a finisher of it) walks the statements backwards: adjoint[leaf] += partial * adjoint[y].
// So an expression is fused as every tapeless expression is, and only statement boundaries cost.
#pragma once

#include <algorithm>
#include <array>
#include <cstring>
#include <new>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "base.hpp"
#include "elementwise.hpp"

namespace tapeless {

namespace detail {

/// A growing array of trivially copyable elements whose append is one comparison and one store
/// (std::vector's push_back was not inlined into the statements). Its memory is kept when cleared.
template <class E>
class grow_array {
  static_assert(std::is_trivially_copyable_v<E>);

 public:
  grow_array() = default;
  grow_array(grow_array const&) = delete;
  grow_array& operator=(grow_array const&) = delete;
  ~grow_array() {
    if (p_) ::operator delete(p_, std::align_val_t(alignof(E)));
  }
  std::size_t size() const noexcept { return n_; }
  E* data() noexcept { return p_; }
  E const* data() const noexcept { return p_; }
  E const& back() const noexcept { return p_[n_ - 1]; }
  void push(E const& e) {
    if (n_ == cap_) [[unlikely]]
      grow();
    p_[n_++] = e;
  }
  void shrink_to(std::size_t n) noexcept { n_ = n; }
  void clear() noexcept { n_ = 0; }

 private:
  [[gnu::noinline]] void grow() {
    std::size_t const c = cap_ ? 2 * cap_ : 256;
    E* q = static_cast<E*>(::operator new(c * sizeof(E), std::align_val_t(alignof(E))));
    if (n_) std::memcpy(static_cast<void*>(q), p_, n_ * sizeof(E));
    if (p_) ::operator delete(p_, std::align_val_t(alignof(E)));
    p_ = q;
    cap_ = c;
  }
  E* p_ = nullptr;
  std::size_t n_ = 0, cap_ = 0;
};

/// One thread's recorded statements over elements of type T, and the adjoints of its last sweep.
/// The arrays keep their memory when the recording is cleared: no allocation in steady state.
template <class T>
struct program_tape {
  struct statement {
    std::uint32_t lhs;  // the slot it assigns
    std::uint32_t end;  // one past its last operand
  };
  struct operand {
    std::uint32_t slot;
    T partial;  // d statement / d operand
  };
  grow_array<statement> statements;
  grow_array<operand> operands;
  std::vector<T> adjoint;           // per slot, during and after a sweep
  std::uint32_t newest_root = 0;    // the newest slot the last sweep's roots reached
  std::uint32_t gen = 0;            // the recording's number (as program_head::gen)
  sweep statement_sweep;            // the context statements are evaluated in

  program_tape() { statement_sweep.set_statement_recording(this); }
  std::size_t recorded_operands() const noexcept { return statements.size() ? statements.back().end : 0; }
  /// Operands from the start of a sweep that did not finish (an exception) are dropped.
  void drop_pending() noexcept { operands.shrink_to(recorded_operands()); }
  void clear() noexcept {
    statements.clear();
    operands.clear();
  }
};

template <class T>
void reverse_program(let_link const&, sweep& s);

/// The per-thread state of the recording of element type T. Trivially destructible and constant-
/// initialised, so reaching it costs no guard; the tape is made on first use and freed at thread exit.
template <class T>
struct program_head {
  std::uint32_t gen = 0;          // this recording's number; 0 until the first slot
  std::uint32_t next_slot = 1;    // slot 0 is "none"
  std::size_t live = 0;           // actives holding a recorded value
  bool clear_pending = false;     // live fell to 0: clear before the next value is referenced
  std::uint64_t flush_epoch = 0;  // the sweep that has the reverse sweep enlisted
  program_tape<T>* tape = nullptr;
  let_link finisher{};
};

template <class T>
inline thread_local program_head<T> program{};

template <class T>
[[gnu::noinline]] void make_tape(program_head<T>& h) {
  {
    struct owner_t {
      program_tape<T>* tape = nullptr;
      ~owner_t() {  // at thread exit; an active destroyed later finds no tape and records nothing
        delete tape;
        program<T>.tape = nullptr;
      }
    };
    thread_local owner_t owner;
    owner.tape = new program_tape<T>();
    h.tape = owner.tape;
    h.finisher.backward_ = &reverse_program<T>;
  }
}

template <class T>
inline program_tape<T>& tape_of(program_head<T>& h) {
  if (!h.tape) [[unlikely]]
    make_tape(h);
  return *h.tape;
}

/// A number for a new recording, distinct from every other recording's on any thread (32 bits, so
/// that a node referring to an active is 16 bytes: it would take 2^32 recordings for one to recur).
template <class T>
std::uint32_t fresh_gen() noexcept {
  std::uint32_t g;
  do g = static_cast<std::uint32_t>(unique_number<program_head<T>>());
  while (g == 0);
  return g;
}

template <class T>
[[gnu::noinline]] void start_program(program_head<T>& h) {
  if (h.gen == 0) {
    h.gen = fresh_gen<T>();
    tape_of(h).gen = h.gen;
  }
  if (h.next_slot == std::uint32_t(-1))
    throw std::length_error("tl::active: more than 2^32 - 2 values recorded on one thread without the recording being cleared");
}

template <class T>
inline std::uint32_t new_slot(program_head<T>& h) {
  if (h.gen == 0 || h.next_slot == std::uint32_t(-1)) [[unlikely]]
    start_program(h);
  return h.next_slot++;
}

/// When the last active holding a recorded value has gone, the statements can go too; they go at
/// the next reference to an active (lazily, so that an expression returned from a function whose
/// actives it outlived can still be differentiated until then). Values that were only inputs take a
/// new slot when next used; an expression still holding slots of the old recording throws
/// tl::scope_error if it is differentiated afterwards.
template <class T>
void clear_program(program_head<T>& h) noexcept {
  h.gen = fresh_gen<T>();
  if (h.tape) {
    h.tape->clear();
    h.tape->gen = h.gen;
  }
  h.next_slot = 1;
  h.clear_pending = false;
}

/// The reverse sweep over the recorded statements. Runs after the expression-level sweep has put
/// its operands (the roots' and lets' partials) past the last statement.
template <class T>
void reverse_program(let_link const&, sweep& s) {
  auto& h = program<T>;
  auto& t = *h.tape;
  std::size_t const recorded = t.recorded_operands();
  t.adjoint.assign(h.next_slot, T{});
  T* const adj = t.adjoint.data();
  auto const* const op = t.operands.data();
  t.newest_root = 0;
  for (std::size_t k = recorded, n = t.operands.size(); k < n; ++k) {
    adj[op[k].slot] += op[k].partial;
    t.newest_root = std::max(t.newest_root, op[k].slot);
  }
  t.drop_pending();
  auto const stopped = s.stopped_slots();
  auto const* const st = t.statements.data();
  auto statement = [&](std::size_t i) {
    T const a = adj[st[i].lhs];
    for (std::size_t k = i ? st[i - 1].end : 0, e = st[i].end; k < e; ++k) adj[op[k].slot] += op[k].partial * a;
  };
  if (stopped.empty()) {
    for (std::size_t i = t.statements.size(); i-- > 0;) statement(i);
  } else {
    for (std::size_t i = t.statements.size(); i-- > 0;)
      if (std::find(stopped.begin(), stopped.end(), st[i].lhs) == stopped.end()) statement(i);
  }
}

/// The node standing for a tl::active in an expression: a copy of its value and its slot, taken
/// when the expression is built (so the expression means what it meant when written, even after the
/// active is reassigned or gone).
template <class T>
struct active_ref : expr_base<active_ref<T>> {
  using value_type = T;
  static constexpr bool active = true;
  struct record {
    T value;  // a copy: a number the compiler can keep in a register
  };
  T value_;
  std::uint32_t gen_;
  std::uint32_t slot_;

  record forward(sweep&) const noexcept { return {value_}; }
  [[gnu::always_inline]] void backward(sweep& s, record const&, T const& a) const {
    // Recording a statement: its operands go on the tape of the thread that evaluates it.
    if (auto* r = s.statement_recording()) [[likely]] {
      auto& t = *static_cast<program_tape<T>*>(r);
      if (gen_ == t.gen) [[likely]] {
        t.operands.push({slot_, a});
        return;
      }
    }
    backward_otherwise(s, a);
  }
  /// A gradient's sweep: its operands go past the last statement, and the recording's reverse sweep
  /// runs after the sweep's lets. Or a node of an earlier recording: refused.
  [[gnu::noinline]] void backward_otherwise(sweep& s, T const& a) const {
    auto& h = program<T>;
    if (gen_ != h.gen || s.statement_recording()) [[unlikely]]
      stale();
    auto& t = tape_of(h);
    if (h.flush_epoch != s.epoch()) {
      h.flush_epoch = s.epoch();
      s.add_finisher(h.finisher);
    }
    t.operands.push({slot_, a});
  }
  [[noreturn]] static void stale() {
    throw scope_error(
        "tl::active: an expression built from tl::active values is used after their recording was cleared (no "
        "active holding a recorded value was left), or on another thread; build it again from live actives");
  }
  /// No tangent pass targets an active; anything else (a var) does not move it.
  T tangent(tangent_pass const&, record const&) const { return T{}; }
};

/// An expression a tl::active<T> may be assigned from: one of its own kind is checked by the
/// assignment (a number of element type T, computed from actives and constants), with messages.
template <class E, class T>
concept program_expression = expression<E> && !is_active<E>::value;

template <class Have, class Want>
struct statement_value_is_the_active_type {
  static constexpr bool value = std::is_same_v<Have, Want>;
};

}  // namespace detail

/// A number that records what is assigned to it: reverse mode through ordinary C++.
///
///     template <class T> T energy(std::vector<T> const& q, T k);   // user code, unchanged
///     std::vector<tl::active<double>> q = {1.0, 2.0, 3.0};
///     tl::active<double> k = 2.0;
///     tl::active<double> e = energy(q, k);
///     auto [g_q, g_k] = tl::gradient(e, tl::wrt(q, k));         // std::vector<double>, double
///
/// T is float, double or a tl::dual (for Hessians: forward over reverse). An active is default-,
/// copy- and value-constructible, assignable from numbers and tapeless expressions (each assignment
/// is one recorded statement), comparable (the comparisons give bool), and usable in every tapeless
/// expression. The recording is per thread; it is cleared when the last active holding a recorded
/// value goes. A copy is a new value that depends on the original (its own gradient target).
template <class T>
class active : public expr_base<active<T>> {
  static_assert(element<T>, "tl::active<T>: T must be float, double or a tl::dual of them");

 public:
  using value_type = T;
  using element_type = T;

  active() noexcept = default;
  active(T const& v) noexcept : value_(v) {}
  template <class U>
    requires(std::is_arithmetic_v<U> && !std::is_same_v<U, T>)
  active(U v) noexcept : value_(static_cast<T>(v)) {}
  template <class E>
    requires detail::program_expression<E, T>
  active(E const& e) {
    assign(e);
  }
  active(active const& o) { assign(o); }
  /// A move hands over the identity (no statement): the moved-from active is a fresh constant.
  active(active&& o) noexcept : value_(o.value_), gen_(o.gen_), slot_(o.slot_), owned_(o.owned_) { o.forget(); }
  ~active() { release(); }

  active& operator=(active const& o) {
    if (this != &o) assign(o);
    return *this;
  }
  active& operator=(active&& o) noexcept {
    if (this != &o) {
      release();
      value_ = o.value_;
      gen_ = o.gen_;
      slot_ = o.slot_;
      owned_ = o.owned_;
      o.forget();
    }
    return *this;
  }
  /// A number: the active becomes a new input (it no longer depends on what it held).
  active& operator=(T const& v) noexcept {
    release();
    value_ = v;
    return *this;
  }
  template <class U>
    requires(std::is_arithmetic_v<U> && !std::is_same_v<U, T>)
  active& operator=(U v) noexcept {
    return *this = static_cast<T>(v);
  }
  template <class E>
    requires detail::program_expression<E, T>
  active& operator=(E const& e) {
    assign(e);
    return *this;
  }

  template <class E>
  active& operator+=(E const& e) {
    return *this = *this + e;
  }
  template <class E>
  active& operator-=(E const& e) {
    return *this = *this - e;
  }
  template <class E>
  active& operator*=(E const& e) {
    return *this = *this * e;
  }
  template <class E>
  active& operator/=(E const& e) {
    return *this = *this / e;
  }
  active& operator++() { return *this += 1; }
  active& operator--() { return *this -= 1; }
  active operator++(int) {
    active old = *this;
    *this += 1;
    return old;
  }
  active operator--(int) {
    active old = *this;
    *this -= 1;
    return old;
  }

  T const& value() const noexcept { return value_; }

  /// The node for an expression (detail): registers a constant as an input of the recording.
  [[gnu::always_inline]] detail::active_ref<T> node() const {
    auto& h = detail::program<T>;
    if (gen_ != h.gen || slot_ == 0 || h.clear_pending) [[unlikely]]
      enroll(h);
    return {{}, value_, gen_, slot_};
  }
  /// The slot of the recording holding this value's adjoint, or 0 if it has none there (detail).
  std::uint32_t slot_in(detail::program_head<T> const& h) const noexcept { return gen_ == h.gen ? slot_ : 0; }
  /// Whether the value is the result of a recorded statement (not an input) (detail).
  bool recorded() const noexcept { return owned_; }

 private:
  void forget() noexcept {
    gen_ = 0;
    slot_ = 0;
    owned_ = false;
  }
  [[gnu::noinline]] void enroll(detail::program_head<T>& h) const {
    if (h.clear_pending) detail::clear_program(h);
    if (gen_ == h.gen && slot_ != 0) return;
    if (owned_) [[unlikely]]
      throw scope_error(
          "tl::active: a value recorded on another thread is used on this one; each thread records its own "
          "actives");
    slot_ = detail::new_slot(h);
    gen_ = h.gen;
  }
  void release() noexcept {
    if (owned_) {
      auto& h = detail::program<T>;
      if (gen_ == h.gen && --h.live == 0) h.clear_pending = true;
    }
    forget();
  }

  template <class E>
  void assign(E const& e) {
    // An expression is evaluated where it is (it is a node already); an active becomes its node.
    decltype(auto) node = [&]() -> decltype(auto) {
      if constexpr (detail::is_active<E>::value)
        return e.node();
      else if constexpr (detail::is_var<E>::value || detail::is_let<E>::value)
        return detail::as_node(e);
      else
        return (e);
    }();
    using N = std::remove_cvref_t<decltype(node)>;
    if constexpr (!std::is_same_v<typename N::value_type, T> || detail::leaf_kinds<N>::vars) {
      static_assert(detail::statement_value_is_the_active_type<typename N::value_type, T>::value,
                    "tl::active<T>: the expression assigned to it must be a number of type T (a vector or matrix "
                    "expression, or one of another element type, cannot be assigned to an active number)");
      static_assert(!detail::leaf_kinds<N>::vars,
                    "tl::active: the expression assigned to an active must be computed from actives and constants; a "
                    "tl::var's gradient cannot be recorded (make it a tl::active)");
    } else if constexpr (detail::leaf_kinds<N>::deferred) {
      record_deferred(node);
    } else {
      record(node);
    }
  }

  /// One statement: evaluates the node, runs its adjoint with a unit seed (its active leaves put their
  /// partial derivatives on the tape), and assigns the statement's new slot to this active.
  /// Numbers only: the tree's forward and backward are inlined into one function (a statement is a
  /// few operations; calls per node cost more than the arithmetic).
  template <class N>
  [[gnu::flatten]] void record(N const& node) {
    record_in(node);
  }
  template <class N>
  void record_deferred(N const& node) {
    record_in(node);
  }
  template <class N>
  [[gnu::always_inline]] void record_in(N const& node) {
    auto& h = detail::program<T>;
    auto& t = detail::tape_of(h);
    std::size_t const first = t.recorded_operands();
    if (t.operands.size() != first) [[unlikely]]
      t.drop_pending();
    T v{};
    auto run = [&](detail::sweep& s) {
      auto const rec = node.forward(s);
      v = rec.value;
      if constexpr (N::active) node.backward(s, rec, T(1));
      if constexpr (detail::leaf_kinds<N>::deferred) s.run_lets();  // the lets' and scans' adjoints
    };
    try {
      if constexpr (detail::leaf_kinds<N>::deferred) {
        // Lets and scans keep per-sweep state: a sweep of the statement's own.
        detail::sweep s;
        s.set_statement_recording(&t);
        run(s);
      } else {
        run(t.statement_sweep);  // numbers only: the leaves use no sweep state
      }
    } catch (...) {
      t.drop_pending();
      throw;
    }
    if (t.operands.size() == first) {  // nothing active: the result is a constant
      release();
      value_ = v;
      return;
    }
    std::uint32_t const lhs = detail::new_slot(h);
    t.statements.push({lhs, static_cast<std::uint32_t>(t.operands.size())});
    h.clear_pending = false;  // the new statement refers to this recording
    if (!owned_ || gen_ != h.gen) {
      ++h.live;
      release();  // after the new statement holds the recording, so this cannot clear it
    }             // (else this active held a value of the recording before and still does)
    value_ = v;
    gen_ = h.gen;
    slot_ = lhs;
    owned_ = true;
  }

  T value_{};
  mutable std::uint32_t gen_ = 0;
  mutable std::uint32_t slot_ = 0;
  bool owned_ = false;
};

template <class T>
active(T) -> active<T>;

template <class T>
std::ostream& operator<<(std::ostream& os, active<T> const& x) {
  return os << x.value();
}

namespace detail {

/// The value of a comparison's operand: a number, an active's value, or a scalar expression evaluated now.
template <class T, class B>
T compare_value(B const& b) {
  if constexpr (is_active<B>::value) {
    return b.value();
  } else if constexpr (std::is_arithmetic_v<B>) {
    return static_cast<T>(b);
  } else if constexpr (expression<B>) {
    sweep s;
    return T(as_node(b).forward(s).value);
  } else {
    return T(b);
  }
}

template <class B, class T>
concept compare_operand = std::is_arithmetic_v<B> || std::same_as<B, T> ||
                          (expression<B> && requires { typename node_t<B>::value_type; } &&
                           std::same_as<typename node_t<B>::value_type, T>);

}  // namespace detail

// Comparisons of actives give bool (an `if` on a value, as in the code being differentiated).
#define TAPELESS_ACTIVE_COMPARE(OP)                                                              \
  template <class T>                                                                             \
  bool operator OP(active<T> const& a, active<T> const& b) {                                     \
    return a.value() OP b.value();                                                               \
  }                                                                                              \
  template <class T, class B>                                                                    \
    requires detail::compare_operand<B, T>                                                       \
  bool operator OP(active<T> const& a, B const& b) {                                             \
    return a.value() OP detail::compare_value<T>(b);                                             \
  }                                                                                              \
  template <class A, class T>                                                                    \
    requires detail::compare_operand<A, T>                                                       \
  bool operator OP(A const& a, active<T> const& b) {                                             \
    return detail::compare_value<T>(a) OP b.value();                                             \
  }
TAPELESS_ACTIVE_COMPARE(<)
TAPELESS_ACTIVE_COMPARE(<=)
TAPELESS_ACTIVE_COMPARE(>)
TAPELESS_ACTIVE_COMPARE(>=)
TAPELESS_ACTIVE_COMPARE(==)
TAPELESS_ACTIVE_COMPARE(!=)
#undef TAPELESS_ACTIVE_COMPARE

/// The value of an active (a number), for code that must leave the recording (printing, output).
template <class T>
T const& value_of(active<T> const& x) noexcept {
  return x.value();
}

namespace detail {

/// Containers of actives that tl::wrt takes, and the container of values their gradient comes back in.
template <class C>
struct active_container : std::false_type {};
template <class T, class A>
struct active_container<std::vector<active<T>, A>> : std::true_type {
  using element = T;
  using result = std::vector<T>;
  static result make(std::size_t n) { return result(n); }
};
template <class T, std::size_t N>
struct active_container<std::array<active<T>, N>> : std::true_type {
  using element = T;
  using result = std::array<T, N>;
  static result make(std::size_t) { return result{}; }
};
template <class T, std::size_t... D>
struct active_container<tensor<active<T>, D...>> : std::true_type {
  using element = T;
  using result = tensor<T, D...>;
  static result make(std::size_t) { return result{}; }
};
template <class T>
struct active_container<dvec<active<T>>> : std::true_type {
  using element = T;
  using result = dvec<T>;
  static result make(std::size_t n) { return result(n); }
};

template <class X>
inline constexpr bool is_program_target_v = is_active<X>::value || active_container<X>::value;

/// The adjoint of an active after a sweep: what the recording's reverse sweep left in its slot.
template <class T>
std::optional<T> program_adjoint(sweep const& s, active<T> const& x) {
  auto const& h = program<T>;
  if (h.flush_epoch != s.epoch() || !h.tape) return std::nullopt;
  std::uint32_t const k = x.slot_in(h);
  if (k == 0) return std::nullopt;
  if (k > h.tape->newest_root && x.recorded()) [[unlikely]]
    // Slots are handed out in order: this value was computed after everything the output was computed
    // from, so it cannot have influenced it. (An input takes its slot when first used, so an input
    // the output does not use may have a later one: it gets its zero.) A zero here is almost always a mistake (TensorFlow's
    // silent None): a copy passed instead of the original, or a value reassigned since.
    throw scope_error(
        "tl::gradient: a tl::active in wrt(...) was made after the output was computed (a copy, e.g. made by "
        "boost::hana::make_tuple or by passing a std::vector of actives by value, or a value reassigned since), so "
        "the output cannot depend on it; pass the actives the output was computed from");
  return h.tape->adjoint[k];
}

/// A gradient target that is an active, or a container of them (read after the sweep, by address).
template <class X>
struct program_target {
  X const* x_;
  auto reached_adjoint(sweep const& s) const {
    if constexpr (is_active<X>::value) {
      return program_adjoint(s, *x_);
    } else {
      using C = active_container<X>;
      std::size_t const n = std::size(*x_);
      auto g = C::make(n);
      bool any = false;
      std::size_t i = 0;
      for (auto const& e : *x_) {
        auto a = program_adjoint(s, e);
        any = any || a.has_value();
        std::data(g)[i++] = a ? *a : typename C::element{};
      }
      return any ? std::optional(std::move(g)) : std::nullopt;
    }
  }
  auto zero_adjoint() const {
    if constexpr (is_active<X>::value)
      return typename X::value_type{};
    else
      return active_container<X>::make(std::size(*x_));
  }
  void clear_adjoint(sweep const&) const noexcept {}  // the reverse sweep starts from zeros each time
};

/// The slot tl::stop_at(x) names for an active x (0 if it has none in the recording: nothing reaches it).
template <class T>
std::uint32_t stop_slot(active<T> const& x) {
  return x.slot_in(program<T>);
}

}  // namespace detail
}  // namespace tapeless
