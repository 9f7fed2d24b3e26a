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
#include "select.hpp"

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

/// Memory for objects that live as long as a recording (array-valued statements and the values
/// of array inputs): bump allocation from blocks that are kept when the recording is cleared, so
/// that a steady state allocates nothing, and that never move (records refer into them).
class arena {
 public:
  static constexpr std::size_t block_align = 64;
  arena() = default;
  arena(arena const&) = delete;
  arena& operator=(arena const&) = delete;
  ~arena() {
    for (auto const& b : blocks_) ::operator delete(b.p, std::align_val_t(block_align));
  }
  void* allocate(std::size_t n, std::size_t align) {
    if (cur_ < blocks_.size()) {
      std::size_t const off = (used_ + align - 1) & ~(align - 1);
      if (off + n <= blocks_[cur_].size) [[likely]] {
        used_ = off + n;
        return blocks_[cur_].p + off;
      }
    }
    return allocate_in_next(n, align);
  }
  void clear() noexcept {
    cur_ = 0;
    used_ = 0;
  }

 private:
  struct block {
    std::byte* p;
    std::size_t size;
  };
  [[gnu::noinline]] void* allocate_in_next(std::size_t n, std::size_t align) {
    // A block's start is aligned to block_align >= align, so an object of n bytes fits in a block of n.
    std::size_t next = blocks_.empty() ? 0 : cur_ + 1;
    while (next < blocks_.size() && blocks_[next].size < n) ++next;
    if (next == blocks_.size()) {
      std::size_t const size = std::max<std::size_t>(std::size_t{1} << 16, n);
      blocks_.push_back({static_cast<std::byte*>(::operator new(size, std::align_val_t(block_align))), size});
    }
    cur_ = next;
    used_ = n;
    (void)align;
    return blocks_[cur_].p;
  }
  std::vector<block> blocks_;
  std::size_t cur_ = 0, used_ = 0;
};

/// An array-valued statement: its expression (the node tree, copied) and the records of its one
/// forward evaluation, kept in the recording's arena. The reverse sweep runs the tree's backward over
/// those records with the adjoints of the statement's slots, in a sweep whose active leaves add into
/// the recording's adjoints directly (nothing is evaluated again).
template <class N>
struct general_statement {
  N node;
  record_t<N> rec;
  general_statement(N const& n, sweep& s) : node(n), rec(node.forward(s)) {}
};

template <class N>
void replay_statement(void const* object, sweep& s, void const* adjoints) {
  auto const& g = *static_cast<general_statement<N> const*>(object);
  using V = typename N::value_type;
  using T = element_t<V>;
  T const* const a = static_cast<T const*>(adjoints);
  if constexpr (is_static_v<V>) {
    V seed{};
    std::copy(a, a + seed.size(), seed.data());
    g.node.backward(s, g.rec, seed);
  } else {
    thread_local V seed;  // its memory is kept from one statement to the next
    zero_like(seed, g.rec.value);
    std::copy(a, a + seed.size(), seed.data());
    g.node.backward(s, g.rec, seed);
  }
}

template <class O>
void destroy_object(void* p) noexcept {
  static_cast<O*>(p)->~O();
}

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
  /// An array-valued statement (its `statement` has lhs 0): m slots from lhs, replayed by `replay`.
  struct general {
    void const* object;
    void (*replay)(void const*, sweep&, void const*);
    std::uint32_t lhs;
  };
  struct owned_object {
    void* p;
    void (*destroy)(void*) noexcept;
  };
  grow_array<statement> statements;
  grow_array<operand> operands;
  grow_array<general> generals;
  grow_array<owned_object> owned;   // the arena's objects that have a destructor to run
  arena store;
  sweep replay_sweep{sweep::numbers_only_t{}};      // the context array-valued statements are replayed in
  std::vector<T> adjoint;           // per slot, during and after a sweep
  std::uint32_t newest_root = 0;    // the newest slot the last sweep's roots reached
  std::uint32_t gen = 0;            // the recording's number (as program_head::gen)
  sweep statement_sweep{sweep::numbers_only_t{}};   // the context statements are evaluated in

  program_tape() { statement_sweep.set_statement_recording(this); }
  program_tape(program_tape const&) = delete;
  program_tape& operator=(program_tape const&) = delete;
  ~program_tape() { destroy_owned(); }
  /// A copy of `v` in the arena, alive until the recording is cleared.
  template <class O, class... A>
  O* make(A&&... a) {
    static_assert(alignof(O) <= arena::block_align);
    void* p = store.allocate(sizeof(O), alignof(O));
    O* o = new (p) O(std::forward<A>(a)...);
    if constexpr (!std::is_trivially_destructible_v<O>) {
      try {
        owned.push({o, &destroy_object<O>});
      } catch (...) {
        o->~O();
        throw;
      }
    }
    return o;
  }
  void destroy_owned() noexcept {
    for (std::size_t i = owned.size(); i-- > 0;) owned.data()[i].destroy(owned.data()[i].p);
    owned.clear();
  }
  std::size_t recorded_operands() const noexcept { return statements.size() ? statements.back().end : 0; }
  /// Operands from the start of a sweep that did not finish (an exception) are dropped.
  void drop_pending() noexcept { operands.shrink_to(recorded_operands()); }
  void clear() noexcept {
    statements.clear();
    operands.clear();
    generals.clear();
    destroy_owned();
    store.clear();
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

/// m consecutive slots (at least one, so that an empty array has a slot of its own too).
template <class T>
std::uint32_t new_slots(program_head<T>& h, std::size_t m) {
  m = std::max<std::size_t>(m, 1);
  if (h.gen == 0 || m >= std::size_t(std::uint32_t(-1) - h.next_slot)) [[unlikely]] {
    start_program(h);
    if (m >= std::size_t(std::uint32_t(-1) - h.next_slot))
      throw std::length_error(
          "tl::active: more than 2^32 - 2 values recorded on one thread without the recording being cleared");
  }
  std::uint32_t const k = h.next_slot;
  h.next_slot += static_cast<std::uint32_t>(m);
  return k;
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
  auto const* const gs = t.generals.data();
  std::size_t g = t.generals.size();
  t.replay_sweep.set_program_adjoint(adj);
  // An array-valued statement (lhs 0) is the next of the generals, from the last.
  auto statement = [&](std::size_t i, auto is_stopped) {
    if (st[i].lhs == 0) [[unlikely]] {
      auto const& x = gs[--g];
      if (!is_stopped(x.lhs)) x.replay(x.object, t.replay_sweep, adj + x.lhs);
      return;
    }
    if (is_stopped(st[i].lhs)) return;
    T const a = adj[st[i].lhs];
    for (std::size_t k = i ? st[i - 1].end : 0, e = st[i].end; k < e; ++k) adj[op[k].slot] += op[k].partial * a;
  };
  if (stopped.empty()) {
    for (std::size_t i = t.statements.size(); i-- > 0;) statement(i, [](std::uint32_t) { return false; });
  } else {
    for (std::size_t i = t.statements.size(); i-- > 0;)
      statement(i, [&](std::uint32_t lhs) { return std::find(stopped.begin(), stopped.end(), lhs) != stopped.end(); });
  }
}

[[noreturn]] inline void stale_active() {
  throw scope_error(
      "tl::active: an expression built from tl::active values is used after their recording was cleared (no "
      "active holding a recorded value was left), or on another thread; build it again from live actives");
}

/// Where an active leaf puts its operands: the tape of the statement being recorded, or, in a
/// gradient's sweep, past the last statement of the thread's recording, whose reverse sweep it then
/// enlists to run after the sweep's lets. A leaf of another recording (cleared, or another thread's)
/// is refused.
template <class T>
program_tape<T>& operand_tape(sweep& s, std::uint32_t gen) {
  if (auto* r = s.statement_recording()) {
    auto& t = *static_cast<program_tape<T>*>(r);
    if (gen != t.gen) [[unlikely]]
      stale_active();
    return t;
  }
  auto& h = program<T>;
  if (gen != h.gen) [[unlikely]]
    stale_active();
  auto& t = tape_of(h);
  if (h.flush_epoch != s.epoch()) {
    h.flush_epoch = s.epoch();
    s.add_finisher(h.finisher);
  }
  return t;
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
    if (auto* adj = s.program_adjoint()) {  // replaying an array-valued statement
      static_cast<T*>(adj)[slot_] += a;
      return;
    }
    operand_tape<T>(s, gen_).operands.push({slot_, a});
  }
  /// No tangent pass targets an active; anything else (a var) does not move it.
  T tangent(tangent_pass const&, record const&) const { return T{}; }
};

/// The node standing for an array-valued tl::active: its slots (m consecutive ones from slot_) and
/// its value, which lives in the recording's arena and never changes (a snapshot, as for numbers).
template <class V>
struct active_array_ref : expr_base<active_array_ref<V>> {
  using value_type = V;
  using T = element_t<V>;
  static constexpr bool active = true;
  struct record {
    V const& value;
  };
  V const* value_;
  std::uint32_t gen_;
  std::uint32_t slot_;

  record forward(sweep&) const {
    // The value is in this thread's recording: refused once that recording is gone, or on another thread.
    if (gen_ != program<T>.gen) [[unlikely]]
      stale_active();
    return {*value_};
  }
  [[gnu::always_inline]] void backward(sweep& s, record const&, V const& a) const {
    if (auto* adj = s.program_adjoint()) [[likely]] {  // replaying an array-valued statement
      T* const p = static_cast<T*>(adj) + slot_;
      T const* const d = a.data();
      for (std::size_t i = 0, m = a.size(); i < m; ++i) p[i] += d[i];
      return;
    }
    backward_otherwise(s, a);
  }
  /// A statement over the array, or a gradient's sweep: one operand per element.
  [[gnu::noinline]] void backward_otherwise(sweep& s, V const& a) const {
    auto& t = operand_tape<T>(s, gen_);
    T const* const d = a.data();
    for (std::size_t i = 0, m = a.size(); i < m; ++i) t.operands.push({slot_ + static_cast<std::uint32_t>(i), d[i]});
  }
  V tangent(tangent_pass const&, record const& r) const { return zeros_like(r.value); }
};

/// An expression a tl::active<T> may be assigned from: one of its own kind is checked by the
/// assignment (a number of element type T, computed from actives and constants), with messages.
template <class E, class T>
concept program_expression = expression<E> && !is_active<E>::value;

template <class Have, class Want>
struct statement_value_is_the_active_type {
  static constexpr bool value = std::is_same_v<Have, Want>;
};

/// What the scalar and array actives share: compound assignment (each a statement `y = y op e`),
/// and the bookkeeping of which recording holds their value.
template <class D>
struct compound_assignment {
  template <class E>
  D& operator+=(E const& e) {
    auto& d = static_cast<D&>(*this);
    return d = d + e;
  }
  template <class E>
  D& operator-=(E const& e) {
    auto& d = static_cast<D&>(*this);
    return d = d - e;
  }
  template <class E>
  D& operator*=(E const& e) {
    auto& d = static_cast<D&>(*this);
    return d = d * e;
  }
  template <class E>
  D& operator/=(E const& e) {
    auto& d = static_cast<D&>(*this);
    return d = d / e;
  }
};

/// The node a statement evaluates: an expression where it is (it is a node already); an active,
/// a var or a let become their node.
template <class E>
decltype(auto) statement_node(E const& e) {
  if constexpr (is_active<E>::value)
    return e.node();
  else if constexpr (is_var<E>::value || is_let<E>::value)
    return as_node(e);
  else
    return (e);
}

/// Before a value is referenced: clears a recording whose last recorded value went, and refuses a
/// recorded value of another thread's recording. True if the value must take (new) slots.
template <class T>
bool needs_slots(program_head<T>& h, std::uint32_t gen, std::uint32_t slot, bool owned) {
  if (h.clear_pending) clear_program(h);
  if (gen == h.gen && slot != 0) return false;
  if (owned) [[unlikely]]
    throw scope_error(
        "tl::active: a value recorded on another thread is used on this one; each thread records its own actives");
  return true;
}

/// An active that held a recorded value lets go of it: the last one marks the recording for clearing.
template <class T>
void let_go(program_head<T>& h, std::uint32_t gen, bool owned) noexcept {
  if (owned && gen == h.gen && --h.live == 0) h.clear_pending = true;
}

/// Where an active's value stands in its thread's recording: the recording's generation, its (first)
/// slot, and whether the value is a recorded result (owned: it keeps the recording alive) or an input.
/// The scalar and the array-valued tl::active each keep one.
template <class T>
struct recording_place {
  std::uint32_t gen = 0;
  std::uint32_t slot = 0;
  bool owned = false;

  /// Whether the value must enroll in recording h before an expression reads it.
  bool stale(program_head<T> const& h) const noexcept { return gen != h.gen || slot == 0 || h.clear_pending; }
  /// The slot in recording h, or 0 if it has none there.
  std::uint32_t slot_in(program_head<T> const& h) const noexcept { return gen == h.gen ? slot : 0; }
  /// Lets go of the recording (see let_go) and stands nowhere.
  void release() noexcept {
    let_go(program<T>, gen, owned);
    *this = {};
  }
  /// This place, handed over by a move: the moved-from active stands nowhere.
  recording_place hand_over() noexcept { return std::exchange(*this, {}); }
  /// Holds the result of a statement of h at slot lhs; an active counts once among h's live ones,
  /// however often it is reassigned.
  void hold(program_head<T>& h, std::uint32_t lhs) noexcept {
    if (!owned || gen != h.gen) {
      ++h.live;
      release();  // after the new statement holds the recording, so this cannot clear it
    }             // (else this active held a value of the recording before and still does)
    gen = h.gen;
    slot = lhs;
    owned = true;
  }
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
class active : public expr_base<active<T>>, public detail::compound_assignment<active<T>> {
  static_assert(element<T>, "tl::active<T>: T must be float, double or a tl::dual of them");

 public:
  /// T, the type of the value (under both names).
  using value_type = T;
  using element_type = T;

  /// Zero; `active(v)` from a T or any other number: an input holding v (implicit, so
  /// `tl::active<double> k = 2.0;`).
  active() noexcept = default;
  active(T const& v) noexcept : value_(v) {}
  template <class U>
    requires(std::is_arithmetic_v<U> && !std::is_same_v<U, T>)
  active(U v) noexcept : value_(static_cast<T>(v)) {}
  /// From an expression of actives and constants: one recorded statement (`tl::active<double> y = x * x;`).
  template <class E>
    requires detail::program_expression<E, T>
  active(E const& e) {
    assign(e);
  }
  /// A copy is a new value that depends on the original (one statement): its own gradient target.
  active(active const& o) { assign(o); }
  /// A move hands over the identity (no statement): the moved-from active is a fresh constant.
  active(active&& o) noexcept : value_(o.value_), at_(o.at_.hand_over()) {}
  /// Lets go of the recording, which is cleared when the last active holding a recorded value goes.
  ~active() { at_.release(); }

  /// Copy assignment records the statement `*this = o`; move assignment hands over o's identity.
  active& operator=(active const& o) {
    if (this != &o) assign(o);
    return *this;
  }
  active& operator=(active&& o) noexcept {
    if (this != &o) {
      at_.release();
      value_ = o.value_;
      at_ = o.at_.hand_over();
    }
    return *this;
  }
  /// A number: the active becomes a new input (it no longer depends on what it held).
  active& operator=(T const& v) noexcept {
    at_.release();
    value_ = v;
    return *this;
  }
  /// Any other number is converted to T, likewise.
  template <class U>
    requires(std::is_arithmetic_v<U> && !std::is_same_v<U, T>)
  active& operator=(U v) noexcept {
    return *this = static_cast<T>(v);
  }
  /// An expression of actives and constants: one recorded statement (`y = y * x + 1.0;`). Compound
  /// assignment (`y += e`, `-=`, `*=`, `/=`) records `y = y OP e`.
  template <class E>
    requires detail::program_expression<E, T>
  active& operator=(E const& e) {
    assign(e);
    return *this;
  }

  /// `++a`, `--a`, `a++`, `a--`: the statement `a = a + 1` (or `- 1`); the postfix forms return the old value.
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

  /// The current value.
  T const& value() const noexcept { return value_; }

  /// The node for an expression (detail): registers a constant as an input of the recording.
  [[gnu::always_inline]] detail::active_ref<T> node() const {
    auto& h = detail::program<T>;
    if (at_.stale(h)) [[unlikely]]
      enroll(h);
    return {{}, value_, at_.gen, at_.slot};
  }
  /// The slot of the recording holding this value's adjoint, or 0 if it has none there (detail).
  std::uint32_t slot_in(detail::program_head<T> const& h) const noexcept { return at_.slot_in(h); }
  /// Whether the value is the result of a recorded statement (not an input) (detail).
  bool recorded() const noexcept { return at_.owned; }

 private:
  [[gnu::noinline]] void enroll(detail::program_head<T>& h) const {
    if (!detail::needs_slots(h, at_.gen, at_.slot, at_.owned)) return;
    at_.slot = detail::new_slot(h);
    at_.gen = h.gen;
  }

  template <class E>
  void assign(E const& e) {
    decltype(auto) node = detail::statement_node(e);
    using N = std::remove_cvref_t<decltype(node)>;
    if constexpr (!std::is_same_v<typename N::value_type, T> || detail::leaf_kinds<N>::vars) {
      static_assert(detail::statement_value_is_the_active_type<typename N::value_type, T>::value,
                    "tl::active<T>: the expression assigned to it must be a number of type T (a vector or matrix "
                    "expression, or one of another element type, cannot be assigned to an active number)");
      static_assert(!detail::leaf_kinds<N>::vars,
                    "tl::active: the expression assigned to an active must be computed from actives and constants; a "
                    "tl::var's gradient cannot be recorded (make it a tl::active)");
    } else if constexpr (detail::leaf_kinds<N>::deferred || detail::leaf_kinds<N>::arrays) {
      record_deferred(node);  // not flattened: see leaf_kinds
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
      at_.release();
      value_ = v;
      return;
    }
    std::uint32_t const lhs = detail::new_slot(h);
    t.statements.push({lhs, static_cast<std::uint32_t>(t.operands.size())});
    h.clear_pending = false;  // the new statement refers to this recording
    at_.hold(h, lhs);
    value_ = v;
  }

  T value_{};
  mutable detail::recording_place<T> at_;
};

/// An array-valued active: a tl::vec, tl::mat, tl::tensor, tl::dvec or tl::dmat that records what
/// is assigned to it, one statement per assignment (not one per element).
///
///     tl::active<tl::vec<double, 4>> q = q0, v = v0;
///     for (int t = 0; t < n; ++t) {
///       tl::active<tl::vec<double, 4>> a = -k * q - c * v;   // one statement
///       q += h * v;
///       v += h * a;
///     }
///     tl::active<double> e = 0.5 * tl::sum(v * v) + 0.5 * k * tl::sum(q * q);
///     auto [gq, gv] = tl::gradient(e, tl::wrt(q0, v0));      // tl::vec<double, 4> each
///
/// Its m elements are m consecutive slots of the recording. An assignment evaluates its expression
/// once, fused as any tapeless expression, and keeps the expression and its records in the
/// recording; the gradient runs the expression's backward over them with the adjoints of the
/// assigned slots. So the expression may be anything (matmul, reductions, indexing, broadcasting a
/// scalar active) except what could change before the gradient: tl::constant_ref, lets and scans
/// (use tl::constant, a copy). A statement giving a number (`tl::active<double> e = tl::sum(q)`) is
/// recorded as any scalar statement, with one operand per element it reads.
template <class V>
  requires(detail::rank_v<V> > 0)
class active<V> : public expr_base<active<V>>, public detail::compound_assignment<active<V>> {
  using T = detail::element_t<V>;
  static_assert(element<T>, "tl::active<V>: V's elements must be float, double or a tl::dual of them");

 public:
  /// V, the type of the value, and T, its element type.
  using value_type = V;
  using element_type = T;

  /// Empty (runtime extents) or zeros (static ones); `active(v)` an input holding the value v (copied
  /// or moved); a braced list of numbers for a dvec.
  active() = default;
  active(V const& v) : value_(v) {}
  active(V&& v) noexcept : value_(std::move(v)) {}
  active(std::initializer_list<T> xs)
    requires std::same_as<V, dvec<T>>
      : value_(xs) {}
  /// From an expression of actives and constants of V's shape: one recorded statement.
  template <class E>
    requires detail::program_expression<E, V>
  active(E const& e) {
    assign(e);
  }
  /// A copy is a new value that depends on the original (one statement): its own gradient target.
  active(active const& o) { assign(o); }
  /// A move hands over the identity (no statement); the moved-from active holds an empty value for
  /// runtime extents, its old value for static ones, as a fresh input.
  active(active&& o) noexcept
      : value_(std::move(o.value_)), snapshot_(std::exchange(o.snapshot_, nullptr)), at_(o.at_.hand_over()) {}
  /// Lets go of the recording, which is cleared when the last active holding a recorded value goes.
  ~active() { release(); }

  /// Copy assignment records the statement `*this = o`; move assignment hands over o's identity.
  active& operator=(active const& o) {
    if (this != &o) assign(o);
    return *this;
  }
  active& operator=(active&& o) noexcept {
    if (this != &o) {
      release();
      value_ = std::move(o.value_);
      snapshot_ = std::exchange(o.snapshot_, nullptr);
      at_ = o.at_.hand_over();
    }
    return *this;
  }
  /// A value: the active becomes a new input (it no longer depends on what it held).
  active& operator=(V const& v) {
    release();
    value_ = v;
    return *this;
  }
  /// An expression of V's shape: one recorded statement, not one per element. Compound assignment
  /// (`q += h * v`, `-=`, `*=`, `/=`) records `q = q OP e`.
  template <class E>
    requires detail::program_expression<E, V>
  active& operator=(E const& e) {
    assign(e);
    return *this;
  }

  /// The current value, and its number of elements.
  V const& value() const noexcept { return value_; }
  std::size_t size() const noexcept { return value_.size(); }

  /// The node for an expression (detail): registers an input with the recording (its slots, and a
  /// copy of its value in the recording's arena).
  [[gnu::always_inline]] detail::active_array_ref<V> node() const {
    auto& h = detail::program<T>;
    if (at_.stale(h)) [[unlikely]]
      enroll(h);
    return {{}, snapshot_, at_.gen, at_.slot};
  }
  /// (detail) The recording's slot of the first element, or 0; whether the value is a recorded result.
  std::uint32_t slot_in(detail::program_head<T> const& h) const noexcept { return at_.slot_in(h); }
  bool recorded() const noexcept { return at_.owned; }

 private:
  [[gnu::noinline]] void enroll(detail::program_head<T>& h) const {
    if (!detail::needs_slots(h, at_.gen, at_.slot, at_.owned)) return;
    auto& t = detail::tape_of(h);
    V const* snap = t.template make<V>(value_);
    at_.slot = detail::new_slots(h, value_.size());
    snapshot_ = snap;
    at_.gen = h.gen;
  }
  /// Lets go of the recording; the value no longer stands in it (nor does its snapshot).
  void release() noexcept {
    at_.release();
    snapshot_ = nullptr;
  }

  template <class E>
  void assign(E const& e) {
    decltype(auto) node = detail::statement_node(e);
    using N = std::remove_cvref_t<decltype(node)>;
    using K = detail::leaf_kinds<N>;
    if constexpr (!std::is_same_v<typename N::value_type, V> || K::vars || K::deferred || K::borrowed) {
      static_assert(detail::statement_value_is_the_active_type<typename N::value_type, V>::value,
                    "tl::active<V>: the expression assigned to it must have the value type V (the same shape and "
                    "element type)");
      static_assert(!K::vars,
                    "tl::active: the expression assigned to an active must be computed from actives and constants; a "
                    "tl::var's gradient cannot be recorded (make it a tl::active)");
      static_assert(!K::deferred,
                    "tl::active<V> (an array): a tl::let or tl::scan cannot be in an array-valued statement, which is "
                    "replayed at the gradient; assign the let's expression to an active of its own");
      static_assert(!K::borrowed,
                    "tl::active<V> (an array): tl::constant_ref cannot be in an array-valued statement, which reads its "
                    "constants again at the gradient (the referenced data could have changed); use tl::constant (a "
                    "copy)");
    } else if constexpr (!N::active) {
      detail::sweep s;
      V v = node.forward(s).value;
      release();
      value_ = std::move(v);
    } else {
      record(node);
    }
  }

  template <class N>
  void record(N const& node) {
    auto& h = detail::program<T>;
    auto& t = detail::tape_of(h);
    if (t.operands.size() != t.recorded_operands()) [[unlikely]]
      t.drop_pending();
    auto const* g = t.template make<detail::general_statement<N>>(node, t.statement_sweep);
    std::size_t const m = g->rec.value.size();
    std::uint32_t const lhs = detail::new_slots(h, m);
    t.generals.push({g, &detail::replay_statement<N>, lhs});
    try {
      t.statements.push({0, static_cast<std::uint32_t>(t.operands.size())});
    } catch (...) {
      t.generals.shrink_to(t.generals.size() - 1);  // each marked statement has its general, in order
      throw;
    }
    h.clear_pending = false;
    V const& v = g->rec.value;
    value_ = v;
    at_.hold(h, lhs);
    snapshot_ = &v;
  }

  V value_{};
  mutable V const* snapshot_ = nullptr;
  mutable detail::recording_place<T> at_;
};

/// `tl::active x = v;` deduces the type of the value.
template <class T>
active(T) -> active<T>;

/// Prints the value: `std::cout << a` prints `a.value()`.
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
    requires(detail::rank_v<T> == 0)                                                             \
  bool operator OP(active<T> const& a, active<T> const& b) {                                     \
    return a.value() OP b.value();                                                               \
  }                                                                                              \
  template <class T, class B>                                                                    \
    requires(detail::rank_v<T> == 0 && detail::compare_operand<B, T>)                            \
  bool operator OP(active<T> const& a, B const& b) {                                             \
    return a.value() OP detail::compare_value<T>(b);                                             \
  }                                                                                              \
  template <class A, class T>                                                                    \
    requires(detail::rank_v<T> == 0 && detail::compare_operand<A, T>)                            \
  bool operator OP(A const& a, active<T> const& b) {                                             \
    return detail::compare_value<T>(a) OP b.value();                                             \
  }
/// Declares operator<, <=, >, >=, == and != of a scalar tl::active with another, with a number, or with a
/// scalar expression of actives (evaluated at once), on either side. They compare the values and give
/// bool, as the `if` of the code being differentiated needs (the branch taken is what is recorded); they
/// are not differentiated.
///
///     tl::active<double> y;
///     if (x < 1.0) y = 1.0 - x; else y = x - 1.0;   // |x - 1|, through the branch taken
TAPELESS_ACTIVE_COMPARE(<)
TAPELESS_ACTIVE_COMPARE(<=)
TAPELESS_ACTIVE_COMPARE(>)
TAPELESS_ACTIVE_COMPARE(>=)
TAPELESS_ACTIVE_COMPARE(==)
TAPELESS_ACTIVE_COMPARE(!=)
#undef TAPELESS_ACTIVE_COMPARE

/// The value of an active, for code that must leave the recording (printing, output).
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

/// The adjoint of an active after a sweep: what the recording's reverse sweep left in its slot(s).
template <class V>
std::optional<V> program_adjoint(sweep const& s, active<V> const& x) {
  using T = element_t<V>;
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
  if constexpr (rank_v<V> == 0) {
    return h.tape->adjoint[k];
  } else {
    V g = zeros_like(x.value());
    std::copy(h.tape->adjoint.data() + k, h.tape->adjoint.data() + k + g.size(), g.data());
    return g;
  }
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
        std::data(g)[i++] = a ? *a : zeros_like(e.value());
      }
      return any ? std::optional(std::move(g)) : std::nullopt;
    }
  }
  auto zero_adjoint() const {
    if constexpr (is_active<X>::value) {
      return zeros_like(x_->value());
    } else {
      auto g = active_container<X>::make(std::size(*x_));
      std::size_t i = 0;
      for (auto const& e : *x_) std::data(g)[i++] = zeros_like(e.value());
      return g;
    }
  }
  void clear_adjoint(sweep const&) const noexcept {}  // the reverse sweep starts from zeros each time
};

/// The slot tl::stop_at(x) names for an active x (0 if it has none in the recording: nothing reaches it).
template <class T>
std::uint32_t stop_slot(active<T> const& x) {
  return x.slot_in(program<element_t<T>>);
}

}  // namespace detail
}  // namespace tapeless
