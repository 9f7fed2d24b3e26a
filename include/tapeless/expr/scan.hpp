// tapeless/expr/scan.hpp: tl::scan, loops of runtime length in reverse mode (`jax.lax.scan`), with
// binomial checkpointing (tl::checkpoints).
//
// The step is called once, on placeholder leaves standing for the state (carry_ref) and the
// per-step input (the same node with `Active` false for constant data): what it returns is the body,
// one expression type. A scan_core owns the body and evaluates it n times per sweep, each time in a
// frame of the sweep (base.hpp), so the lets made inside the step are evaluated once per step and
// run backwards right after the step's own backward. The core is a let_link: evaluated once per
// sweep however many of its outputs are used, its reverse loop run once after all of its users.
// docs/design.md ("Loops") explains the sweep and the schedule.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/hana/at.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/tuple.hpp>

#include "base.hpp"
#include "let.hpp"

namespace tapeless {

/// How many states of the loop a tl::scan may keep for its reverse sweep: `tl::scan(step, init, n,
/// tl::checkpoints(k))` keeps at most k (the initial state among them) and recomputes the others
/// with a binomial schedule. Without it every state is kept.
struct checkpoints {
  /// At most k states (k of 1 or more); `count` is k.
  explicit constexpr checkpoints(std::size_t k) noexcept : count(k) {}
  std::size_t count;
};

namespace detail {

/// Where the body's placeholder leaves find their value, adjoint and tangent for the current step.
template <class V>
struct scan_slot {
  V const* value = nullptr;
  V adjoint{};
  V const* tangent = nullptr;
};

/// The placeholder for the state (Active) or for the step's input (active when the inputs are).
template <class V, bool Active>
struct carry_ref : expr_base<carry_ref<V, Active>> {
  using value_type = V;
  static constexpr bool active = Active;
  struct record {
    V const& value;
  };
  scan_slot<V>* slot_;

  explicit carry_ref(scan_slot<V>* s) noexcept : slot_(s) {}
  record forward(sweep&) const noexcept { return {*slot_->value}; }
  void backward(sweep&, record const&, V const& a) const { add_into(slot_->adjoint, a); }
  V tangent(tangent_pass const&, record const&) const { return *slot_->tangent; }
};

/// Binomial coefficient C(s + r, s), saturating: the number of steps a reversal with s free
/// checkpoints can cover when each step is recomputed at most r times.
constexpr std::uint64_t binomial_reach(std::uint64_t s, std::uint64_t r) noexcept {
  constexpr std::uint64_t cap = std::uint64_t{1} << 62;
  std::uint64_t b = 1;  // C(s + i, i) for i = 0 .. r
  for (std::uint64_t i = 1; i <= r; ++i) {
    if (b >= cap / (s + i)) return cap;
    b = b * (s + i) / i;
  }
  return b;
}

/// Where to put the next checkpoint when reversing l steps from a stored state with `free` more
/// slots: the split of the binomial (Revolve) schedule, whose total number of forward steps is
/// r l - C(free + 1 + r, r - 1) with r the least repetition number such that C(free + 1 + r, r) >= l.
/// Any split in [max(1, l - b(free, r)), min(l - 1, b(free + 1, r - 1))] keeps r repetitions; the
/// one chosen (l - b(free, r - 1), clamped) also reaches the minimum total. test/expr/scan.cpp
/// checks it against an exhaustive search.
constexpr std::size_t checkpoint_split(std::size_t l, std::size_t free) noexcept {
  std::uint64_t r = 1;
  while (binomial_reach(free + 1, r) < l) ++r;
  std::uint64_t const lo_right = binomial_reach(free, r);
  std::uint64_t const lo = l > lo_right + 1 ? l - lo_right : 1;
  std::uint64_t hi = binomial_reach(free + 1, r - 1);
  if (hi > l - 1) hi = l - 1;
  std::uint64_t const prefer_right = binomial_reach(free, r - 1);
  std::uint64_t m = l > prefer_right ? l - prefer_right : 1;
  if (m < lo) m = lo;
  if (m > hi) m = hi;
  return static_cast<std::size_t>(m);
}

/// The smallest total of forward steps (advances) of any schedule reversing l steps from a stored
/// state with `free` more slots (Griewank and Walther): r l - C(free + 1 + r, r - 1).
constexpr std::uint64_t binomial_advances(std::uint64_t l, std::uint64_t free) noexcept {
  if (l <= 1) return 0;
  std::uint64_t r = 1;
  while (binomial_reach(free + 1, r) < l) ++r;
  return r * l - binomial_reach(free + 2, r - 1);
}

/// Counters for the tests: how often a step was evaluated, how many states were kept at most, and
/// where the forward pass left its last checkpoint. Per thread, reset by the caller.
struct scan_counters {
  std::size_t evaluations = 0;
  std::size_t max_states = 0;
  std::size_t last_checkpoint = 0;
};
inline scan_counters& scan_stats() noexcept {
  thread_local scan_counters c;
  return c;
}

template <class T>
struct is_std_pair : std::false_type {};
template <class A, class B>
struct is_std_pair<std::pair<A, B>> : std::true_type {};

/// A hana tuple as a std::tuple of references to its elements (a single value as a one-element tuple).
template <class X>
auto as_std_tuple(X const& x) {
  if constexpr (is_hana_tuple<X>::value)
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return std::tuple<std::remove_cvref_t<decltype(boost::hana::at_c<I>(x))> const&...>{boost::hana::at_c<I>(x)...};
    }(std::make_index_sequence<decltype(boost::hana::length(x))::value>{});
  else
    return std::tuple<X const&>{x};
}

/// What a ys element of value type Y stacks into: numbers into a dvec, vectors into the rows of a dmat.
template <class Y>
struct stacked {
  static_assert(rank_v<Y> <= 1, "tl::scan: a step's output y must be a number or a vector (ys stack them)");
  using type = std::conditional_t<rank_v<Y> == 0, dvec<element_t<Y>>, dmat<element_t<Y>>>;
};
template <class Y>
using stacked_t = typename stacked<Y>::type;

/// Row t of `all`, an array one rank above `row` (a vector of numbers, or a matrix of rows): the
/// stacked ys and the per-step inputs alike. `read_row` keeps `row`'s storage when it can.
template <class A>
std::size_t row_width(A const& all) {
  if constexpr (rank_v<A> == 1)
    return 1;
  else
    return all.extents()[1];
}
template <class A, class Row>
void read_row(A const& all, std::size_t t, Row& row) {
  if constexpr (rank_v<Row> == 0) {
    row = all.data()[t];
  } else {
    std::size_t const w = row_width(all);
    if constexpr (!is_static_v<Row>)
      if (row.size() != w) row = Row(w);
    for (std::size_t j = 0; j < w; ++j) row.data()[j] = all.data()[t * w + j];
  }
}
template <class A, class Row>
void write_row(A& all, std::size_t t, Row const& row) {
  std::size_t const w = row_width(all);
  for (std::size_t j = 0; j < w; ++j) all.data()[t * w + j] = elem(row, j);
}
template <class A, class Row>
void add_row(A& all, std::size_t t, Row const& row) {
  std::size_t const w = row_width(all);
  for (std::size_t j = 0; j < w; ++j) all.data()[t * w + j] += elem(row, j);
}
template <class Y>
stacked_t<Y> make_stacked(std::size_t n, Y const& first) {
  if constexpr (rank_v<Y> == 0)
    return stacked_t<Y>(n);
  else
    return stacked_t<Y>(n, size_of(first));
}

template <class X>
struct last_extent_row {
  using type = void;
};
template <class T, std::size_t R, std::size_t C>
struct last_extent_row<tensor<T, R, C>> {
  using type = tensor<T, C>;
};

/// The per-step input of a scan over xs: element t of a vector, row t of a matrix.
template <class X>
struct row_of {
  static_assert(rank_v<X> == 1 || rank_v<X> == 2,
                "tl::scan(step, init, xs): xs must be a vector (one number per step) or a matrix (one row per step)");
  using type = std::conditional_t<
      rank_v<X> == 1, element_t<X>,
      std::conditional_t<is_static_v<X>, typename last_extent_row<X>::type, dvec<element_t<X>>>>;
};

struct no_inputs {
  using value_type = void;
  static constexpr bool active = false;
};

/// The types that come with per-step inputs: the row a step reads (Row if given), the leaf standing
/// for it, the inputs' record and value. Placeholders (int) for a scan without inputs.
template <class Xs, class Row>
struct input_types {
  using row = std::conditional_t<std::is_void_v<Row>, typename row_of<typename Xs::value_type>::type, Row>;
  using arg = carry_ref<row, Xs::active>;
  using record = record_t<Xs>;
  using value = typename Xs::value_type;
};
template <class Row>
struct input_types<no_inputs, Row> {
  using row = int;
  using arg = int;
  using record = int;
  using value = int;
};

/// A step's result split into the next state and its y (void without one).
template <class R>
struct step_result_parts {
  using state = R;
  using y = void;
};
template <class S, class Y>
struct step_result_parts<std::pair<S, Y>> {
  using state = S;
  using y = Y;
};

/// Everything the types of a scan depend on: the init nodes (a std::tuple), whether the state is a
/// hana tuple, the inputs' node (or no_inputs), and the step.
template <class InitNodes, bool Tupled, class Xs, class Step, class Row = void>
struct scan_spec;

template <class... I, bool Tupled, class Xs, class Step, class Row>
struct scan_spec<std::tuple<I...>, Tupled, Xs, Step, Row> {
  using values = std::tuple<typename I::value_type...>;
  static constexpr bool has_inputs = !std::is_same_v<Xs, no_inputs>;
  using row = typename input_types<Xs, Row>::row;
  static constexpr bool carry_arg_is_tuple = Tupled;
  using carry_arg = std::conditional_t<Tupled, boost::hana::tuple<carry_ref<typename I::value_type, true>...>,
                                       std::tuple_element_t<0, std::tuple<carry_ref<typename I::value_type, true>...>>>;
  using input_arg = typename input_types<Xs, Row>::arg;
  static auto call(Step const& step, carry_arg const& c, [[maybe_unused]] auto const* input) {
    if constexpr (has_inputs)
      return step(c, *input);
    else
      return step(c);
  }
  using raw = decltype(call(std::declval<Step const&>(), std::declval<carry_arg const&>(),
                            std::declval<input_arg const*>()));
  static constexpr bool with_ys = is_std_pair<raw>::value;
  using raw_state = typename step_result_parts<raw>::state;
  using raw_ys = typename step_result_parts<raw>::y;
  static constexpr bool tupled_ys = is_hana_tuple<raw_ys>::value;
};

/// The body's state part as nodes of the state's value types (numbers become constants of the
/// state's element type); a shape or type mismatch is reported with both types.
template <class V, class B>
auto body_node(B const& b) {
  return node_of<element_t<V>>(b);
}

/// The failing condition names what the step returned and what init is.
template <class Got, class Want>
struct step_keeps_state_type {
  static constexpr bool value = std::is_same_v<Got, Want>;
};

template <class V, class B>
constexpr bool check_body_component() {
  if constexpr (!(operand<B>)) {
    static_assert(operand<B>, "tl::scan: the step must return tapeless expressions (the next state), or "
                              "std::pair{next state, y}");
    return false;
  } else {
    using G = typename decltype(body_node<V>(std::declval<B const&>()))::value_type;
    static_assert(step_keeps_state_type<G, V>::value,
                  "tl::scan: the step must return a state of the same value type (shape and element type) as init");
    return step_keeps_state_type<G, V>::value;
  }
}

/// The step's result must be the next state: one expression of init's value type, or a hana tuple
/// of them matching init's. The failing condition names both types.
template <class Spec, class InitNodes>
constexpr bool check_scan_body() {
  using R = typename Spec::raw_state;
  using Values = typename Spec::values;
  if constexpr (Spec::carry_arg_is_tuple) {
    if constexpr (!is_hana_tuple<R>::value) {
      static_assert(is_hana_tuple<R>::value,
                    "tl::scan: init is a boost::hana::tuple, so the step must return one (the next state)");
      return false;
    } else if constexpr (std::tuple_size_v<decltype(as_std_tuple(std::declval<R const&>()))> != std::tuple_size_v<Values>) {
      static_assert(std::tuple_size_v<decltype(as_std_tuple(std::declval<R const&>()))> == std::tuple_size_v<Values>,
                    "tl::scan: the step must return a state with as many parts as init");
      return false;
    } else {
      using T = decltype(as_std_tuple(std::declval<R const&>()));
      return [&]<std::size_t... J>(std::index_sequence<J...>) {
        return (check_body_component<std::tuple_element_t<J, Values>, std::remove_cvref_t<std::tuple_element_t<J, T>>>() && ...);
      }(std::make_index_sequence<std::tuple_size_v<Values>>{});
    }
  } else {
    return check_body_component<std::tuple_element_t<0, Values>, R>();
  }
}

template <class Spec, class InitNodes, class Xs>
class scan_core;

template <class Core, std::size_t I>
struct scan_out;

template <class Spec, class... I, class Xs>
class scan_core<Spec, std::tuple<I...>, Xs> final : public let_link {
 public:
  using values = std::tuple<typename I::value_type...>;
  static constexpr std::size_t K = sizeof...(I);
  static constexpr bool has_inputs = Spec::has_inputs;
  using row = typename Spec::row;
  using raw = typename Spec::raw;

 private:
  template <class R>
  static auto state_nodes(R const& r) {
    auto t = as_std_tuple(r);
    return [&]<std::size_t... J>(std::index_sequence<J...>) {
      return std::tuple{body_node<std::tuple_element_t<J, values>>(std::get<J>(t))...};
    }(std::make_index_sequence<K>{});
  }
  template <class R>
  static auto y_nodes(R const& r) {
    auto t = as_std_tuple(r);
    return std::apply([](auto const&... y) { return std::tuple{as_node(y)...}; }, t);
  }
  static auto split_body(raw const& r) {
    if constexpr (Spec::with_ys)
      return std::pair{state_nodes(r.first), y_nodes(r.second)};
    else
      return std::pair{state_nodes(r), std::tuple<>{}};
  }
  using split_t = decltype(split_body(std::declval<raw const&>()));
  using body_t = typename split_t::first_type;
  using ys_t = typename split_t::second_type;
  template <class T>
  struct value_types;
  template <class... N>
  struct value_types<std::tuple<N...>> {
    using type = std::tuple<typename N::value_type...>;
    using stacked = std::tuple<stacked_t<typename N::value_type>...>;
    using records = std::tuple<record_t<N>...>;
    static constexpr bool active = (N::active || ...);
  };
  using y_values = typename value_types<ys_t>::type;
  using ys_stacked = typename value_types<ys_t>::stacked;
  static constexpr std::size_t KY = std::tuple_size_v<ys_t>;

 public:
  using outputs = decltype(std::tuple_cat(std::declval<values>(), std::declval<ys_stacked>()));
  static constexpr bool active = (I::active || ...) || Xs::active || value_types<body_t>::active ||
                                 value_types<ys_t>::active;
  static constexpr bool tupled_ys = Spec::tupled_ys;

  template <class Step>
  scan_core(Step const& step, std::tuple<I...> init, Xs xs, std::size_t n, std::size_t keep)
      : init_(std::move(init)), xs_(std::move(xs)), n_(n), keep_(keep) {
    this->backward_ = &run_backward;
    this->clear_adjoint_ = &clear_adjoint;
    this->level_ = body_scope::level_now();
    this->owner_ = body_scope::owner_now();
    // A scan made inside another's step cannot keep its records per step of the outer one.
    if (auto* outer = body_scope::current()) outer->cannot_keep_records();
    // The step is called once, inside a scope that hands the lets it makes to this scan.
    body_scope scope(owned_, this->level_ + 1, this);
    auto carry = [&]<std::size_t... J>(std::index_sequence<J...>) {
      if constexpr (Spec::carry_arg_is_tuple)
        return typename Spec::carry_arg{carry_ref<std::tuple_element_t<J, values>, true>(&std::get<J>(slots_))...};
      else
        return typename Spec::carry_arg(&std::get<0>(slots_));
    }(std::make_index_sequence<K>{});
    if constexpr (has_inputs) {
      typename Spec::input_arg in(&input_);
      auto b = split_body(Spec::call(step, carry, &in));
      body_.emplace(std::move(b.first));
      ys_.emplace(std::move(b.second));
    } else {
      auto b = split_body(Spec::call(step, carry, static_cast<int const*>(nullptr)));
      body_.emplace(std::move(b.first));
      ys_.emplace(std::move(b.second));
    }
    step_bytes_ = scope.keeps_records() ? sizeof(std::optional<step_records>) + scope.record_bytes() : 0;
  }
  scan_core(scan_core const&) = delete;
  scan_core& operator=(scan_core const&) = delete;

  /// Runs the loop once per sweep (per step of the enclosing scan, for a scan made in a step).
  void evaluate(sweep& s) {
    auto const e = s.epoch(this->level_, this->owner_);
    if (read_epoch(epoch_) == e) return;
#if TAPELESS_CHECKS
    take_epoch(epoch_, e, "a tl::scan");  // held while the loop runs (another thread's sweep may hold it)
    try {
      run_forward(s);
    } catch (...) {
      set_epoch(epoch_, 0);  // as below: a loop that did not finish has no value
      throw;
    }
#else
    epoch_ = 0;  // a loop that throws part-way has no value
    run_forward(s);
#endif
    set_epoch(epoch_, e);
    sweep_ = &s;
    touched_ = false;
    s.enlist(*this);
  }
  outputs const& value() const noexcept { return out_; }

  template <std::size_t J, class A>
  void accumulate(A const& a) {
    add_into(std::get<J>(adj_), a);
    touched_ = true;
    if constexpr (J >= K) ys_touched_ = true;
  }

  /// The tangents of the outputs in pass p: one forward loop over the steps, with the states
  /// recomputed from the initial one.
  outputs const& tangents(tangent_pass const& p) {
    if (tangent_id_ == p.id() && tangent_epoch_ == epoch_) return tangent_;
    sweep& s = *sweep_;
    values tx = [&]<std::size_t... J>(std::index_sequence<J...>) {
      return values{tangent_of(std::get<J>(init_), p, std::get<J>(*init_rec_))...};
    }(std::make_index_sequence<K>{});
    std::optional<xs_value> xs_tangent;
    if constexpr (has_inputs && Xs::active) xs_tangent.emplace(tangent_of(xs_, p, *xs_rec_));
    values x = stack_[0];
    values next_x = x, next_tx = tx;
    ys_stacked ty{};
    for (std::size_t t = 0; t < n_; ++t) {
      frame f(s, this->level_ + 1, this);
      point_at(x);
      for_each_index<K>([&](auto j) { std::get<j>(slots_).tangent = &std::get<j>(tx); });
      if constexpr (has_inputs) {
        set_input(t);
        if constexpr (Xs::active) {
          read_row(*xs_tangent, t, input_tangent_);
          input_.tangent = &input_tangent_;
        }
      }
      auto recs = forward_body(s);
      check_state(recs, x);
      for_each_index<K>([&](auto j) {
        std::get<j>(next_tx) = tangent_of(std::get<j>(*body_), p, std::get<j>(recs));
        std::get<j>(next_x) = std::get<j>(recs).value;
      });
      if constexpr (KY != 0) {
        auto yrecs = forward_ys(s);
        for_each_index<KY>([&](auto j) {
          auto const yt = tangent_of(std::get<j>(*ys_), p, std::get<j>(yrecs));
          if (t == 0) std::get<j>(ty) = make_stacked(n_, yt);
          write_row(std::get<j>(ty), t, yt);
        });
      }
      std::swap(x, next_x);
      std::swap(tx, next_tx);
    }
    if constexpr (KY != 0)
      if (n_ == 0) for_each_index<KY>([&](auto j) { std::get<j>(ty) = zeros_like(std::get<K + j>(out_)); });
    tangent_ = std::tuple_cat(std::move(tx), std::move(ty));
    tangent_id_ = p.id();
    tangent_epoch_ = epoch_;
    return tangent_;
  }

 private:
  /// A frame of the sweep for one step, closed however the step ends.
  struct frame {
    sweep& s;
    int level;
    sweep::frame_saved saved;
    frame(sweep& sw, int l, void const* owner, std::size_t index = sweep::no_store, std::size_t count = 0)
        : s(sw), level(l), saved(sw.open_frame(l, owner, index, count)) {}
    frame(frame const&) = delete;
    ~frame() { s.close_frame(level, saved); }
  };
  struct task {
    std::size_t a, l, free;
  };

  void point_at(values const& x) {
    for_each_index<K>([&](auto j) { std::get<j>(slots_).value = &std::get<j>(x); });
  }
  void set_input(std::size_t t) {
    if constexpr (has_inputs) {
      read_row(xs_rec_->value, t, input_value_);
      input_.value = &input_value_;
    }
  }
  auto forward_body(sweep& s) const {
    return std::apply([&](auto const&... b) { return typename value_types<body_t>::records{b.forward(s)...}; }, *body_);
  }
  auto forward_ys(sweep& s) const {
    return std::apply([&](auto const&... y) { return typename value_types<ys_t>::records{y.forward(s)...}; }, *ys_);
  }
  template <class Recs>
  static void check_state(Recs const& recs, values const& x) {
    for_each_index<K>([&](auto j) {
      using V = std::tuple_element_t<j, values>;
      if constexpr (!is_static_v<V>)
        if (extents_of(std::get<j>(recs).value) != extents_of(std::get<j>(x)))
          throw_shapes("tl::scan", "the step changed the state's shape: state and next state",
                       extents_of(std::get<j>(x)), extents_of(std::get<j>(recs).value));
    });
  }

  /// Step t from state `from` into `to`; with `store_ys` its outputs go to row t of the ys.
  void eval_step(sweep& s, std::size_t t, values const& from, values& to, bool store_ys) {
    ++scan_stats().evaluations;
    if (keeping_records_) {
      eval_step_kept(s, t, from, to);
      return;
    }
    frame f(s, this->level_ + 1, this);
    point_at(from);
    set_input(t);
    auto recs = forward_body(s);
    check_state(recs, from);
    if constexpr (KY != 0)
      if (store_ys) store_ys_row(t, forward_ys(s));
    for_each_index<K>([&](auto j) { std::get<j>(to) = std::get<j>(recs).value; });
  }
  /// Row t of the stacked ys from step t's y records (the first row sizes them).
  template <class YRecs>
  void store_ys_row(std::size_t t, YRecs const& yrecs) {
    for_each_index<KY>([&](auto j) {
      using Y = std::tuple_element_t<j, y_values>;
      auto& all = std::get<K + j>(out_);
      auto const& y = std::get<j>(yrecs).value;
      if (t == 0) {
        all = make_stacked(n_, y);
        std::get<j>(y_shape_) = y;
      } else if constexpr (!is_static_v<Y>) {
        if (extents_of(y) != extents_of(std::get<j>(y_shape_)))
          throw_shapes("tl::scan", "a step's y changed shape: first and later y", extents_of(std::get<j>(y_shape_)),
                       extents_of(y));
      }
      write_row(all, t, y);
    });
  }
  using ys_records = typename value_types<ys_t>::records;
  /// Step t's backward, given its records: the state's adjoint lambda_ into the body, row t of the
  /// ys' adjoints into the ys (when they have records: null when no y was used), then the step's lets.
  template <class BodyRecs>
  void step_backward(sweep& s, std::size_t t, BodyRecs const& recs, ys_records const* yrecs) {
    for_each_index<K>([&](auto j) {
      using B = std::tuple_element_t<j, body_t>;
      if constexpr (B::active) std::get<j>(*body_).backward(s, std::get<j>(recs), std::move(std::get<j>(lambda_)));
    });
    if constexpr (KY != 0) {
      if (yrecs && ys_touched_) {
        for_each_index<KY>([&](auto j) {
          using Yn = std::tuple_element_t<j, ys_t>;
          if constexpr (Yn::active) {
            read_row(std::get<K + j>(adj_), t, std::get<j>(y_adjoint_));
            std::get<j>(*ys_).backward(s, std::get<j>(*yrecs), std::get<j>(y_adjoint_));
          }
        });
      }
    }
    s.run_frame(this->level_ + 1);
    for_each_index<K>([&](auto j) { std::swap(std::get<j>(lambda_), std::get<j>(slots_).adjoint); });
  }
  /// The records of one step, kept when every state is kept (see keeping_records_).
  struct step_records {
    typename value_types<body_t>::records body;
    typename value_types<ys_t>::records ys;
  };
  /// Records that own no heap memory can be kept per step; an input row is one buffer overwritten
  /// every step, so a scan over xs evaluates its steps again instead.
  static constexpr bool records_keepable = std::is_trivially_destructible_v<step_records> && !has_inputs;

  /// The primal step t in the mode that keeps every record: the step's own records go to recs_[t]
  /// and its lets keep theirs per step, so the reverse pass evaluates nothing again.
  void eval_step_kept(sweep& s, std::size_t t, values const& from, values& to) {
    if constexpr (records_keepable) {
      frame f(s, this->level_ + 1, this, t, n_);
      point_at(from);
      auto& r = recs_[t];
      r.emplace(step_records{forward_body(s), forward_ys(s)});
      check_state(r->body, from);
      if constexpr (KY != 0) store_ys_row(t, r->ys);
      if (t == 0) {
        // The bindings of a step are evaluated in the same order every step: keep it, and give up
        // keeping records if one of them cannot (an inner scan).
        order_.clear();
        for (auto const* l = s.frame_list(this->level_ + 1); l; l = l->next_) {
          if (!l->restore_) keeps_all_lets_ = false;
          order_.push_back(l);
        }
        std::reverse(order_.begin(), order_.end());
      }
      for_each_index<K>([&](auto j) { std::get<j>(to) = std::get<j>(r->body).value; });
    } else {
      (void)s, (void)t, (void)from, (void)to;
    }
  }

  /// The reverse of step t from its kept records (keeping_records_ mode).
  void reverse_step_kept(sweep& s, std::size_t t) {
    if constexpr (records_keepable) {
      frame f(s, this->level_ + 1, this);
      values const& x = stack_[t];
      point_at(x);
      for_each_index<K>([&](auto j) { zero_like(std::get<j>(slots_).adjoint, std::get<j>(x)); });
      for (auto const* l : order_) l->restore_(*l, s, t);
      auto const& r = *recs_[t];
      step_backward(s, t, r.body, &r.ys);
    } else {
      (void)s, (void)t;
    }
  }

  /// Steps a .. a + m - 1 from `from`, ending in `to` (which is neither scratch buffer).
  void advance(sweep& s, std::size_t a, std::size_t m, values const& from, values& to, bool store_ys) {
    values const* cur = &from;
    for (std::size_t i = 0; i < m; ++i) {
      values& dst = i + 1 == m ? to : scratch_[i % 2];
      eval_step(s, a + i, *cur, dst, store_ys);
      cur = &dst;
    }
  }
  /// A new slot on top of the checkpoint stack. It may move the stack: take references after it.
  void push_state() {
    if (depth_ == stack_.size()) stack_.emplace_back();
    ++depth_;
    if (depth_ > scan_stats().max_states) scan_stats().max_states = depth_;
  }
  std::size_t slots_to_keep() const noexcept {
    std::size_t k = keep_ == 0 || keep_ > n_ ? n_ : keep_;
    return k == 0 ? 1 : k;
  }
  /// The forward pass of the schedule up to its first reversal: checkpoints at the splits.
  void descend(sweep& s, bool primal) {
    tasks_.clear();
    std::size_t a = 0, l = n_, free = slots_to_keep() - 1;
    while (l > 1 && free > 0) {
      std::size_t const m = checkpoint_split(l, free);
      push_state();  // first: it may move the stack
      advance(s, a, m, stack_[depth_ - 2], stack_[depth_ - 1], primal);
      tasks_.push_back({a, m, free});
      a += m;
      l -= m;
      --free;
    }
    bottom_ = {a, l, free};
    descended_ = true;
  }

  void run_forward(sweep& s) {
    init_rec_.reset();
    init_rec_.emplace(std::apply([&](auto const&... i) { return std::tuple<record_t<I>...>{i.forward(s)...}; }, init_));
    if constexpr (has_inputs) {
      xs_rec_.reset();
      xs_rec_.emplace(xs_.forward(s));
      n_ = xs_rec_->value.extents()[0];
    }
    // Every state kept and records that can be: keep the step's records too (no evaluation again in
    // the reverse pass). The stack must not move, as the kept records refer to its states.
    keeping_records_ = records_keepable && step_bytes_ != 0 && (keep_ == 0 || keep_ >= n_) && n_ > 0 &&
                       n_ * step_bytes_ <= kept_records_budget;
    keeps_all_lets_ = true;
    if (keeping_records_) {
      if (stack_.size() < n_ + 1) stack_.resize(n_ + 1);
      if (recs_count_ != n_) {
        recs_ = std::make_unique<std::optional<step_records>[]>(n_);
        recs_count_ = n_;
      }
    }
    depth_ = 0;
    push_state();
    auto& x0 = stack_[0];
    for_each_index<K>([&](auto j) { std::get<j>(x0) = std::get<j>(*init_rec_).value; });
    descend(s, true);
    scan_stats().last_checkpoint = bottom_.a;
    // The rest of the loop gives the final state; nothing more is kept.
    values final_state;
    if (bottom_.l == 0)
      final_state = stack_[depth_ - 1];
    else
      advance(s, bottom_.a, bottom_.l, stack_[depth_ - 1], final_state, true);
    for_each_index<K>([&](auto j) { std::get<j>(out_) = std::move(std::get<j>(final_state)); });
    if constexpr (KY != 0)
      if (n_ == 0) empty_ys();
    clear_outputs();
    kept_ = keeping_records_ && keeps_all_lets_;
    keeping_records_ = false;  // evaluations after this one (tangents, recomputation) keep nothing
  }
  void empty_ys() {
    // No step ran, so the ys have no value to take their width from: numbers stack into an empty
    // dvec, static vectors into 0 x N; a runtime-length y cannot be known.
    for_each_index<KY>([&](auto j) {
      using Y = std::tuple_element_t<j, y_values>;
      if constexpr (rank_v<Y> == 0)
        std::get<K + j>(out_) = stacked_t<Y>(0);
      else if constexpr (is_static_v<Y>)
        std::get<K + j>(out_) = stacked_t<Y>(0, Y{}.size());
      else
        std::get<K + j>(out_) = stacked_t<Y>(0, 0);
    });
  }
  void clear_outputs() {
    [&]<std::size_t... J>(std::index_sequence<J...>) {
      (zero_like(std::get<J>(adj_), std::get<J>(out_)), ...);
    }(std::make_index_sequence<K + KY>{});
    touched_ = false;
    ys_touched_ = false;
  }

  /// Step t's record from state x, then its backward with the state's adjoint lambda_ (which
  /// becomes the adjoint of x) and row t of the ys' adjoints.
  void reverse_step(sweep& s, std::size_t t, values const& x) {
    ++scan_stats().evaluations;
    frame f(s, this->level_ + 1, this);
    point_at(x);
    for_each_index<K>([&](auto j) { zero_like(std::get<j>(slots_).adjoint, std::get<j>(x)); });
    set_input(t);
    if constexpr (has_inputs && Xs::active) zero_like(input_.adjoint, input_value_);
    auto recs = forward_body(s);
    if (KY != 0 && ys_touched_) {
      auto const yrecs = forward_ys(s);
      step_backward(s, t, recs, &yrecs);
    } else {
      step_backward(s, t, recs, nullptr);
    }
    if constexpr (has_inputs && Xs::active) add_row(*xs_adjoint_, t, input_.adjoint);
  }

  static void run_backward(let_link const& l, sweep& s) {
    auto& self = const_cast<scan_core&>(static_cast<scan_core const&>(l));
    if (self.touched_) self.backward(s);
  }
  static void clear_adjoint(let_link const& l) {
    auto& self = const_cast<scan_core&>(static_cast<scan_core const&>(l));
    self.clear_outputs();
  }

  void backward(sweep& s) {
    if (kept_) {
      for_each_index<K>([&](auto j) { std::get<j>(lambda_) = std::get<j>(adj_); });
      for (std::size_t t = n_; t-- > 0;) reverse_step_kept(s, t);
      for_each_index<K>([&](auto j) {
        using N = std::tuple_element_t<j, std::tuple<I...>>;
        if constexpr (N::active) std::get<j>(init_).backward(s, std::get<j>(*init_rec_), std::move(std::get<j>(lambda_)));
      });
      return;
    }
    if (!descended_) {
      depth_ = 1;
      descend(s, false);
    }
    descended_ = false;
    for_each_index<K>([&](auto j) { std::get<j>(lambda_) = std::get<j>(adj_); });
    if constexpr (has_inputs && Xs::active) {
      if (!xs_adjoint_) xs_adjoint_.emplace();
      zero_like(*xs_adjoint_, xs_rec_->value);
    }
    task seg = bottom_;
    bool bottom_ready = true;
    for (;;) {
      if (!bottom_ready) {
        while (seg.l > 1 && seg.free > 0) {
          std::size_t const m = checkpoint_split(seg.l, seg.free);
          push_state();
          advance(s, seg.a, m, stack_[depth_ - 2], stack_[depth_ - 1], false);
          tasks_.push_back({seg.a, m, seg.free});
          seg = {seg.a + m, seg.l - m, seg.free - 1};
        }
      }
      bottom_ready = false;
      // Reverse the steps of this segment from its stored start, newest first.
      for (std::size_t t = seg.a + seg.l; t-- > seg.a;) {
        if (t == seg.a) {
          reverse_step(s, t, stack_[depth_ - 1]);
        } else {
          advance(s, seg.a, t - seg.a, stack_[depth_ - 1], work_, false);
          reverse_step(s, t, work_);
        }
      }
      if (tasks_.empty()) break;
      --depth_;  // this segment's start is no longer needed
      seg = tasks_.back();
      tasks_.pop_back();
    }
    for_each_index<K>([&](auto j) {
      using N = std::tuple_element_t<j, std::tuple<I...>>;
      if constexpr (N::active) std::get<j>(init_).backward(s, std::get<j>(*init_rec_), std::move(std::get<j>(lambda_)));
    });
    if constexpr (has_inputs && Xs::active) xs_.backward(s, *xs_rec_, std::move(*xs_adjoint_));
  }

  std::tuple<I...> init_;
  [[no_unique_address]] Xs xs_;
  std::size_t n_;
  std::size_t keep_;
  std::tuple<scan_slot<typename I::value_type>...> slots_{};
  scan_slot<row> input_{};  // row is int without inputs
  row input_value_{};
  row input_tangent_{};
  std::vector<owned_state> owned_;
  std::optional<body_t> body_;
  std::optional<ys_t> ys_;

  std::optional<std::tuple<record_t<I>...>> init_rec_;
  using xs_record = typename input_types<Xs, typename Spec::row>::record;
  using xs_value = typename input_types<Xs, typename Spec::row>::value;
  std::optional<xs_record> xs_rec_;
  std::optional<xs_value> xs_adjoint_;

  /// Keeping every step's records saves the reverse pass an evaluation of each step, but past the
  /// caches the records cost more to write and read back than the step costs to evaluate again
  /// (bench/ode_rk4: 3.2 KB of records per RK4 step; see docs/design.md, "Loops").
  static constexpr std::size_t kept_records_budget = std::size_t{4} << 20;
  std::size_t step_bytes_ = 0;    // the records of one step, with its bindings' (0: cannot keep them)
  bool keeping_records_ = false;  // the forward pass in progress keeps every step's records
  bool keeps_all_lets_ = true;    // every binding of the step could keep its records
  bool kept_ = false;             // the last forward pass kept every record: the reverse pass uses them
  std::unique_ptr<std::optional<step_records>[]> recs_;
  std::size_t recs_count_ = 0;
  std::vector<let_link const*> order_;  // the step's bindings, in the order they are evaluated
  std::vector<values> stack_;  // checkpoints: the states at the starts of the open segments
  std::size_t depth_ = 0;
  std::vector<task> tasks_;    // left halves still to reverse, innermost last
  task bottom_{};
  bool descended_ = false;
  values scratch_[2]{};
  values work_{};
  values lambda_{};
  y_values y_adjoint_{};
  y_values y_shape_{};

  outputs out_{};
  outputs adj_{};
  outputs tangent_{};
  std::uint64_t epoch_ = 0;
  std::uint64_t tangent_id_ = 0;
  std::uint64_t tangent_epoch_ = 0;
  sweep* sweep_ = nullptr;
  bool touched_ = false;
  bool ys_touched_ = false;
};

/// Output J of a scan (a component of the final state, or the stacked ys): an expression whose
/// users share one evaluation of the loop.
/// A scan is evaluated once per sweep and runs its reverse loop from the sweep's let list.
template <class Core, std::size_t J>
struct leaf_kinds<scan_out<Core, J>> : leaf_flags<false, false, true> {};

template <class Core, std::size_t J>
struct scan_out : expr_base<scan_out<Core, J>> {
  using value_type = std::tuple_element_t<J, typename Core::outputs>;
  static constexpr bool active = Core::active;
  struct record {
    value_type const& value;
  };
  std::shared_ptr<Core> core_;

  record forward(sweep& s) const {
    core_->evaluate(s);
    return {std::get<J>(core_->value())};
  }
  void backward(sweep&, record const&, value_type const& a) const { core_->template accumulate<J>(a); }
  value_type tangent(tangent_pass const& p, record const&) const { return std::get<J>(core_->tangents(p)); }
};

}  // namespace detail
}  // namespace tapeless

namespace tapeless {
namespace detail {

template <class X>
inline constexpr bool holds_expression_v = expression<X>;
template <class... X>
inline constexpr bool holds_expression_v<boost::hana::tuple<X...>> = (holds_expression_v<X> || ...);

/// A state the plain loop can run on: numbers, duals, jets (the tl:: functions compute on them at
/// once), or a hana tuple of them. Arrays are values, not numbers: their steps build expressions.
template <class X>
concept plain_number = !expression<X> && value_type<X> && (rank_v<X> == 0);
template <class X>
inline constexpr bool plain_numbers_v = plain_number<X>;
template <class... X>
inline constexpr bool plain_numbers_v<boost::hana::tuple<X...>> = (plain_numbers_v<X> && ...);

template <class R>
inline constexpr bool plain_result_v = !holds_expression_v<R>;
template <class A, class B>
inline constexpr bool plain_result_v<std::pair<A, B>> = !holds_expression_v<A> && !holds_expression_v<B>;

template <class X>
inline constexpr bool scan_state_v = operand<X>;
template <class... X>
inline constexpr bool scan_state_v<boost::hana::tuple<X...>> = sizeof...(X) >= 1 && (operand<X> && ...);

/// A range of numbers (std::vector<double>, std::span<float const>, ...) as per-step inputs.
template <class X>
concept number_range = !value_type<X> && !expression<X> && requires(X const& x) {
  { *std::begin(x) } -> std::convertible_to<double>;
  std::size(x);
} && std::is_arithmetic_v<std::remove_cvref_t<decltype(*std::begin(std::declval<X const&>()))>>;

/// A range of static vectors (std::vector<tl::vec<double, 3>>): one vector per step.
template <class X>
concept vector_range = !value_type<X> && !expression<X> && requires(X const& x) {
  std::size(x);
  std::begin(x);
} && rank_v<std::remove_cvref_t<decltype(*std::begin(std::declval<X const&>()))>> == 1 &&
                       is_static_v<std::remove_cvref_t<decltype(*std::begin(std::declval<X const&>()))>>;

template <class X>
struct input_row_override {
  using type = void;
};
template <vector_range X>
struct input_row_override<X> {
  using type = std::remove_cvref_t<decltype(*std::begin(std::declval<X const&>()))>;
};

template <class X>
auto inputs_node(X const& xs) {
  if constexpr (vector_range<X>) {
    using R = typename input_row_override<X>::type;
    using E = element_t<R>;
    std::size_t const w = R{}.size();
    dmat<E> m(std::size(xs), w);
    std::size_t t = 0;
    for (auto const& r : xs) {
      for (std::size_t j = 0; j < w; ++j) m.data()[t * w + j] = r.data()[j];
      ++t;
    }
    return constant_node<dmat<E>>(std::move(m));
  } else
  if constexpr (number_range<X>) {
    using T = std::remove_cvref_t<decltype(*std::begin(xs))>;
    using E = std::conditional_t<std::is_floating_point_v<T>, T, double>;
    dvec<E> v(std::size(xs));
    std::size_t i = 0;
    for (auto const& x : xs) v.data()[i++] = static_cast<E>(x);
    return constant_node<dvec<E>>(std::move(v));
  } else {
    return as_node(xs);
  }
}

/// The loop itself, for plain numbers, duals and jets (no expression anywhere): what tl::derivative
/// and code on values see.
template <class Step, class Init, class Xs>
auto scan_values(Step const& step, Init const& init, Xs const* xs, std::size_t n) {
  using S = std::remove_cvref_t<decltype([&] {
    if constexpr (std::is_void_v<Xs>)
      return step(init);
    else
      return step(init, *std::begin(*xs));
  }())>;
  auto call = [&](auto const& x, [[maybe_unused]] std::size_t t) {
    if constexpr (std::is_void_v<Xs>)
      return step(x);
    else
      return step(x, *(std::begin(*xs) + static_cast<std::ptrdiff_t>(t)));
  };
  if constexpr (is_std_pair<S>::value) {
    using Y = typename S::second_type;
    Init x = init;
    std::vector<Y> ys;
    ys.reserve(n);
    for (std::size_t t = 0; t < n; ++t) {
      auto r = call(x, t);
      x = std::move(r.first);
      ys.push_back(std::move(r.second));
    }
    return std::pair{std::move(x), std::move(ys)};
  } else {
    static_assert(std::is_convertible_v<S, Init>, "tl::scan: the step must return a state of the same type as init");
    Init x = init;
    for (std::size_t t = 0; t < n; ++t) x = call(x, t);
    return x;
  }
}

/// A state's initial value as a node: a float stays a float (numbers elsewhere become doubles).
template <class A>
auto init_node(A const& a) {
  if constexpr (std::is_floating_point_v<A>)
    return constant_node<A>(a);
  else
    return as_node(a);
}

template <class Core, std::size_t Begin, std::size_t Count, bool Tupled>
auto scan_outputs(std::shared_ptr<Core> const& core) {
  return [&]<std::size_t... J>(std::index_sequence<J...>) {
    if constexpr (Tupled)
      return boost::hana::make_tuple(scan_out<Core, Begin + J>{{}, core}...);
    else
      return scan_out<Core, Begin>{{}, core};
  }(std::make_index_sequence<Count>{});
}

template <class Row = void, class Step, class Init, class XsNode>
auto make_scan(Step const& step, Init const& init, XsNode xs, std::size_t n, std::size_t keep) {
  constexpr bool tupled = is_hana_tuple<Init>::value;
  auto init_nodes = [&] {
    auto t = as_std_tuple(init);
    return std::apply([](auto const&... i) { return std::tuple{init_node(i)...}; }, t);
  }();
  using InitNodes = decltype(init_nodes);
  using Spec = scan_spec<InitNodes, tupled, XsNode, Step, Row>;
  if constexpr (!check_scan_body<Spec, InitNodes>()) {
    return;  // the assertions say what is wrong
  } else {
    using Core = scan_core<Spec, InitNodes, XsNode>;
    auto core = std::make_shared<Core>(step, std::move(init_nodes), std::move(xs), n, keep);
    constexpr std::size_t K = Core::K;
    constexpr std::size_t KY = std::tuple_size_v<typename Core::outputs> - K;
    auto state = scan_outputs<Core, 0, K, tupled>(core);
    if constexpr (Spec::with_ys)
      return std::pair{std::move(state), scan_outputs<Core, K, KY, Spec::tupled_ys>(core)};
    else
      return state;
  }
}

inline std::size_t checkpoint_count(checkpoints const& c) {
  if (c.count == 0) throw std::invalid_argument("tl::checkpoints(k): k must be at least 1 (the initial state)");
  return c.count;
}

}  // namespace detail

/// Runs `step` n times (n a runtime count) and returns the final state, as an expression
/// (`jax.lax.scan` / `fori_loop`). `step` is a generic callable written with tapeless expressions: it
/// is called once, on a placeholder for the state, and the expression it returns is the loop's body,
/// evaluated n times forward and its adjoint n times backward. `init` is an expression, a value or a
/// `boost::hana::tuple` of them (then `step` takes and returns such a tuple, and so does scan). Vars
/// used inside `step` gather their adjoints over all the steps; lets made inside `step` belong to the
/// scan and are evaluated once per step. A step returning `std::pair{state, y}` also stacks the y's
/// (numbers into a dvec, vectors into the rows of a dmat): scan then returns `std::pair{state, ys}`.
///
///     tl::var<double> k{0.5};
///     auto xn = tl::scan([&](auto const& x) { return x - dt * k * x; }, x0, n);
///     auto [g_x0, g_k] = tl::gradient(xn, tl::wrt(x0, k));
///
/// On plain numbers, duals and jets (no expression anywhere) scan is the plain loop and returns a value.
template <class Step, class Init, std::integral N>
  requires detail::scan_state_v<Init>
auto scan(Step const& step, Init const& init, N n, checkpoints keep = checkpoints(std::size_t(-1))) {
  if (n < 0) throw std::invalid_argument("tl::scan(step, init, n): n must not be negative, it is " + std::to_string(n));
  std::size_t const k = keep.count == std::size_t(-1) ? 0 : detail::checkpoint_count(keep);
  if constexpr (detail::plain_numbers_v<Init>) {
    // Numbers, duals or jets: the plain loop, unless the step builds expressions (a var inside).
    using R = std::remove_cvref_t<std::invoke_result_t<Step const&, Init const&>>;
    if constexpr (detail::plain_result_v<R>)
      return detail::scan_values<Step, Init, void>(step, init, nullptr, static_cast<std::size_t>(n));
    else
      return detail::make_scan(step, init, detail::no_inputs{}, static_cast<std::size_t>(n), k);
  } else {
    return detail::make_scan(step, init, detail::no_inputs{}, static_cast<std::size_t>(n), k);
  }
}

/// Runs `step(state, x)` once per element x of xs (a vector: one number per step; a matrix: one row
/// per step; or a range of numbers), like `jax.lax.scan(f, init, xs)`. xs may be an expression: its
/// gradient is the sum over the steps that read each element.
template <class Step, class Init, class Xs>
  requires(detail::scan_state_v<Init> && !std::integral<Xs> &&
           (operand<Xs> || detail::number_range<Xs> || detail::vector_range<Xs>))
auto scan(Step const& step, Init const& init, Xs const& xs, checkpoints keep = checkpoints(std::size_t(-1))) {
  std::size_t const k = keep.count == std::size_t(-1) ? 0 : detail::checkpoint_count(keep);
  if constexpr (detail::plain_numbers_v<Init> && detail::number_range<Xs>) {
    using R = std::remove_cvref_t<decltype(step(init, *std::begin(xs)))>;
    if constexpr (detail::plain_result_v<R>)
      return detail::scan_values<Step, Init, Xs>(step, init, &xs, std::size(xs));
    else
      return detail::make_scan(step, init, detail::inputs_node(xs), 0, k);
  } else {
    return detail::make_scan<typename detail::input_row_override<Xs>::type>(step, init, detail::inputs_node(xs), 0, k);
  }
}

}  // namespace tapeless
