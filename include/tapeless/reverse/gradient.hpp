// tapeless/reverse/gradient.hpp: tl::gradient with tl::wrt, tl::outputs, tl::seeds and tl::stop_at;
// tl::value.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include <boost/hana/at.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/transform.hpp>
#include <boost/hana/tuple.hpp>

#include "../expr/active.hpp"
#include "../expr/base.hpp"
#include "../expr/elementwise.hpp"
#include "../expr/let.hpp"
#include "../expr/var.hpp"
#include "../expr/view.hpp"

namespace tapeless {

namespace detail {

template <class X>
inline constexpr bool is_target_v = is_var<X>::value || is_let<X>::value;

/// A target, or a boost::hana::tuple of targets and such tuples, nested (`tf.nest` structures).
template <class X>
struct is_target_structure : std::bool_constant<is_target_v<X> || is_program_target_v<X>> {};
template <class... X>
struct is_target_structure<boost::hana::tuple<X...>> : std::bool_constant<(is_target_structure<X>::value && ...)> {};

/// The nodes standing for a target structure: the same structure with var_ref / let_ref leaves.
template <class X>
auto target_nodes(X const& x) {
  if constexpr (is_target_v<X>)
    return as_node(x);
  else if constexpr (is_program_target_v<X>)
    return program_target<X>{&x};
  else
    return boost::hana::transform(x, [](auto const& e) { return target_nodes(e); });
}
template <class X>
using target_nodes_t = decltype(target_nodes(std::declval<X const&>()));

template <class... X>
struct wrt_pack {
  std::tuple<target_nodes_t<X>...> targets;
};
template <class... Y>
struct outputs_pack {
  std::tuple<node_t<Y>...> roots;
};
template <class... S>
struct seeds_pack {
  std::tuple<S...> seeds;
  std::string_view caller = "tl::gradient";  // names the call in a runtime shape error (tl::vjp sets it)
};
template <std::size_t N>
struct stop_pack {
  std::array<let_link const*, N> lets;
  std::array<std::uint32_t, N> slots;  // of tl::active values (0: none)
};

template <class T>
struct is_wrt : std::false_type {};
template <class... X>
struct is_wrt<wrt_pack<X...>> : std::true_type {};
template <class T>
struct is_outputs : std::false_type {};
template <class... Y>
struct is_outputs<outputs_pack<Y...>> : std::true_type {};
template <class T>
struct is_seeds : std::false_type {};
template <class... S>
struct is_seeds<seeds_pack<S...>> : std::true_type {};
template <class T>
struct is_stop : std::false_type {};
template <std::size_t N>
struct is_stop<stop_pack<N>> : std::true_type {};

/// The static shape of a seed as given: a value's shape, or shape<N> for a braced list of N numbers.
template <class S>
struct seed_shape {
  using type = shape_t<S>;
};
template <class T, std::size_t N>
struct seed_shape<std::array<T, N>> {
  using type = shape<N>;
};
template <class S>
  requires std::is_arithmetic_v<S>
struct seed_shape<S> {
  using type = shape<>;
};

/// The seed converted to the output's value type V; runtime extents are checked against `out`.
template <class V, class S>
V seed_as(S const& s, V const& out, std::string_view caller) {
  using SS = typename seed_shape<S>::type;
  if constexpr (SS::rank == 0) {
    return V(static_cast<element_t<V>>(s));
  } else {
    extents<SS::rank> given{};
    if constexpr (requires { s.extents(); })
      given = s.extents();
    else
      given = {std::tuple_size_v<S>};
    if (given != extents_of(out)) throw_shapes(caller, "seed and output shapes", given, extents_of(out));
    V v = zeros_like(out);
    std::size_t i = 0;
    for (auto const& x : s) v.data()[i++] = static_cast<element_t<V>>(x);
    return v;
  }
}

template <class V>
V ones_like(V const& v) {
  V o = zeros_like(v);
  for (std::size_t i = 0, n = size_of(o); i < n; ++i) elem(o, i) = element_t<V>(1);
  return o;
}

/// The node a root stands for, without copying an expression the caller holds.
template <class Y>
decltype(auto) root_node(Y const& y) {
  if constexpr (is_target_v<Y> || is_active<Y>::value)
    return as_node(y);
  else
    return (y);
}

template <class Y>
decltype(auto) root_tuple(Y const& y) {
  if constexpr (is_outputs<Y>::value)
    return (y.roots);
  else
    return std::tuple<decltype(root_node(y))>{root_node(y)};
}

template <class X>
auto wrt_targets(X const& x) {
  if constexpr (is_wrt<X>::value)
    return x.targets;
  else
    return std::tuple{target_nodes(x)};
}

inline void const* seeds_of() { return nullptr; }
template <class O, class... R>
auto seeds_of(O const& o, R const&... r) {
  if constexpr (is_seeds<O>::value)
    return &o;
  else
    return seeds_of(r...);
}

inline std::span<let_link const* const> stopped_of() { return {}; }
template <class O, class... R>
std::span<let_link const* const> stopped_of(O const& o, R const&... r) {
  if constexpr (is_stop<O>::value)
    return o.lets;
  else
    return stopped_of(r...);
}
inline std::span<std::uint32_t const> stopped_slots_of() { return {}; }
template <class O, class... R>
std::span<std::uint32_t const> stopped_slots_of(O const& o, R const&... r) {
  if constexpr (is_stop<O>::value)
    return o.slots;
  else
    return stopped_slots_of(r...);
}

/// How seed S must fit its output of value type V: the same shape when both are static, the same rank
/// otherwise. `shapes` is a trait instance, so a failing assertion's diagnostic names both shapes.
template <class S, class V>
struct seed_agreement {
  using SS = typename seed_shape<S>::type;
  static constexpr bool both_static =
      is_static_v<V> && !std::is_same_v<SS, dynamic_shape<1>> && !std::is_same_v<SS, dynamic_shape<2>>;
  using shapes = std::conditional_t<both_static, shapes_agree<shape_t<V>, SS>, ranks_agree<shape_t<V>, SS>>;
};
template <class S, class V>
constexpr bool seed_fits() {
  return seed_agreement<S, V>::shapes::value;
}

/// The static check of one seed against its output.
template <class S, class V>
constexpr bool check_seed() {
  using G = seed_agreement<S, V>;
  if constexpr (G::both_static)
    static_assert(G::shapes::value, "tl::seeds(...): a seed's shape must equal its output's shape");
  else
    static_assert(G::shapes::value, "tl::seeds(...): a seed's rank must equal its output's rank");
  return true;
}
template <class Given, class Roots, std::size_t... I>
constexpr void check_seeds(std::index_sequence<I...>) {
  (check_seed<std::tuple_element_t<I, Given>, typename std::remove_cvref_t<std::tuple_element_t<I, Roots>>::value_type>(), ...);
}

/// Targets whose adjoint can be handed over rather than copied (a var's: see var_ref::reached_adjoint).
template <class T>
concept takes_adjoint = requires(T const& t, sweep const& s) { t.reached_adjoint(s, true); };

/// How many leaves a target structure has, and the identities of those whose adjoints can be handed
/// over (null for the others), in order.
template <class T>
constexpr std::size_t target_leaf_count() {
  if constexpr (is_hana_tuple<T>::value)
    return []<class... E>(boost::hana::tuple<E...> const*) {
      return (std::size_t{0} + ... + target_leaf_count<E>());
    }(static_cast<T const*>(nullptr));
  else
    return 1;
}
template <class T, std::size_t N>
void note_leaves(T const& t, std::array<void const*, N>& ids, std::size_t& k) {
  if constexpr (is_hana_tuple<T>::value)
    boost::hana::for_each(t, [&](auto const& e) { note_leaves(e, ids, k); });
  else if constexpr (takes_adjoint<T>)
    ids[k++] = t.identity();
  else
    ids[k++] = nullptr;
}

/// Whether the target with identity `id` is named once among the leaves `ids` (then its adjoint is
/// handed over, not copied).
template <std::size_t N>
bool named_once(std::array<void const*, N> const& ids, void const* id) {
  std::size_t named = 0;
  for (auto const* x : ids) named += x == id ? 1 : 0;
  return named == 1;
}

/// The targets' adjoints after a sweep: every reached one is read before any zeros are made for
/// the unreached ones (making zeros for a let evaluates it, which would disturb the others). A var
/// named once among the targets hands its adjoint over; one named twice (`wrt(x, x)`) is copied.
template <class T, std::size_t N>
auto reached_of(sweep const& s, T const& t, std::array<void const*, N> const& ids) {
  if constexpr (is_hana_tuple<T>::value) {
    return boost::hana::transform(t, [&](auto const& e) { return reached_of(s, e, ids); });
  } else if constexpr (takes_adjoint<T>) {
    return t.reached_adjoint(s, named_once(ids, t.identity()));
  } else {
    return t.reached_adjoint(s);
  }
}
template <class T, class R>
auto finish_of(T const& t, R& r) {
  if constexpr (is_hana_tuple<T>::value) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return boost::hana::make_tuple(finish_of(boost::hana::at_c<I>(t), boost::hana::at_c<I>(r))...);
    }(std::make_index_sequence<decltype(boost::hana::length(t))::value>{});
  } else {
    return r ? std::move(*r) : t.zero_adjoint();
  }
}

/// Whether every target is a var: lets may then run block by block in a root's loop (a let so run is
/// never evaluated whole, so it has no adjoint of its own to hand out).
template <class T>
inline constexpr bool var_target_v = false;
template <class V>
inline constexpr bool var_target_v<var_ref<V>> = true;
template <class Targets>
inline constexpr bool var_targets_v = false;
template <class... T>
inline constexpr bool var_targets_v<std::tuple<T...>> = (var_target_v<T> && ...);

/// How a gradient's element of type V is made before its var's adjoint is written into it: static
/// extents unset (every element is written), runtime ones empty.
template <class V>
auto unset_element() {
  if constexpr (requires { V(for_overwrite); })
    return for_overwrite;
  else
    return V{};
}

template <class Targets>
auto collect_adjoints(sweep const& s, Targets const& targets) {
  constexpr std::size_t leaves = []<std::size_t... I>(std::index_sequence<I...>) {
    return (std::size_t{0} + ... + target_leaf_count<std::tuple_element_t<I, Targets>>());
  }(std::make_index_sequence<std::tuple_size_v<Targets>>{});
  std::array<void const*, leaves> ids{};
  std::size_t k = 0;
  std::apply([&](auto const&... t) { (note_leaves(t, ids, k), ...); }, targets);
  if constexpr (var_targets_v<Targets>) {
    // Vars alone: each adjoint goes straight into the result, with no optional and no tuple between
    // (with static extents each of those was a copy of the whole array: a sixth of a static MLP's
    // gradient at batch 16).
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      std::tuple<typename std::tuple_element_t<I, Targets>::value_type...> out(
          unset_element<typename std::tuple_element_t<I, Targets>::value_type>()...);
      (std::get<I>(targets).adjoint_into(s, named_once(ids, std::get<I>(targets).identity()), std::get<I>(out)), ...);
      return out;
    }(std::make_index_sequence<std::tuple_size_v<Targets>>{});
  } else {
    auto reached = std::apply([&](auto const&... t) { return std::tuple{reached_of(s, t, ids)...}; }, targets);
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return std::tuple{finish_of(std::get<I>(targets), std::get<I>(reached))...};
    }(std::make_index_sequence<std::tuple_size_v<Targets>>{});
  }
}

/// A root's record. An active root may defer its forward loop to its backward pass (reduce_node), which then sets the
/// record's value too; an inactive root has no backward pass, so it evaluates now.
template <class R>
record_t<R> root_forward(R const& r, sweep& s) {
  if constexpr (R::active && requires { r.forward_deferred(s); })
    return r.forward_deferred(s);
  else
    return r.forward(s);
}

/// The roots' records, each built in place where it stays. In a std::tuple they were moved in: a
/// copy of every static array they hold (a static MLP's root record holds half a megabyte).
template <class... R>
struct record_pack {};
template <class R0, class... R>
struct record_pack<R0, R...> {
  R0 first;
  record_pack<R...> rest;
};
inline record_pack<> forward_roots(sweep&) { return {}; }
template <class R0, class... R>
record_pack<record_t<R0>, record_t<R>...> forward_roots(sweep& s, R0 const& r0, R const&... r) {
  return {root_forward(r0, s), forward_roots(s, r...)};  // prvalues: constructed in place, in order
}
template <std::size_t I, class P>
auto& record_at(P& p) {
  if constexpr (I == 0)
    return p.first;
  else
    return record_at<I - 1>(p.rest);
}

/// What run_gradient does with the roots' records once the backward pass is done: nothing, unless the
/// caller also wants the value (tl::value_and_grad).
struct ignore_records {
  template <class Recs>
  void operator()(Recs const&) const noexcept {}
};

template <class Roots, class Targets, class SeedsPtr, class OnRecords = ignore_records>
auto run_gradient(Roots const& roots, Targets const& targets, SeedsPtr seeds,
                  std::span<let_link const* const> stopped, OnRecords on_records = {},
                  std::span<std::uint32_t const> stopped_slots = {}) {
  using Seeds = std::remove_cv_t<std::remove_pointer_t<SeedsPtr>>;
  sweep s(stopped, stopped_slots);
  if constexpr (var_targets_v<Targets>)
    if (stopped.empty() && stopped_slots.empty()) s.allow_blocks();
  auto recs = std::apply([&](auto const&... r) { return forward_roots(s, r...); }, roots);
  constexpr std::size_t n = std::tuple_size_v<Roots>;
  // Every seed is converted (and checked) before any adjoint moves, so an error changes nothing.
  auto seed_values = [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::tuple{[&] {
      using V = typename std::remove_cvref_t<std::tuple_element_t<I, Roots>>::value_type;
      if constexpr (std::is_void_v<Seeds>)
        return ones_like<V>(record_at<I>(recs).value);
      else
        return seed_as<V>(std::get<I>(seeds->seeds), record_at<I>(recs).value, seeds->caller);
    }()...};
  }(std::make_index_sequence<n>{});
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (([&] {
       auto const& root = std::get<I>(roots);
       if constexpr (std::remove_cvref_t<decltype(root)>::active) {
         // Nobody reads the roots' values: a fused sum does not compute its own.
         if constexpr (std::is_same_v<OnRecords, ignore_records> &&
                       requires { root.backward_gradient_only(s, record_at<I>(recs), std::get<I>(seed_values)); })
           root.backward_gradient_only(s, record_at<I>(recs), std::move(std::get<I>(seed_values)));
         else
           root.backward(s, record_at<I>(recs), std::move(std::get<I>(seed_values)));
       }
     }()),
     ...);
  }(std::make_index_sequence<n>{});
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    on_records(std::tuple<decltype(std::as_const(record_at<I>(recs)))...>{std::as_const(record_at<I>(recs))...});
  }(std::make_index_sequence<n>{});
  s.run_lets();
  return collect_adjoints(s, targets);
}

template <class Opt, class... Opts>
constexpr std::size_t count_of() {
  return (std::size_t{0} + ... + (std::is_same_v<Opt, Opts> ? 1 : 0));
}

}  // namespace detail

/// The inputs to differentiate with respect to: each a tl::var, a tl::let binding, a tl::active (or a
/// std::vector / std::array / tl::vec / tl::dvec of actives: the gradient comes back as the same
/// container of numbers), or a boost::hana::tuple of them (nested as deep as you like; the gradient
/// comes back in the same structure).
template <class... X>
auto wrt(X const&... xs) {
  static_assert(sizeof...(X) >= 1, "tl::wrt(...): name at least one tl::var or tl::let binding");
  if constexpr (!(detail::is_target_structure<X>::value && ...)) {
    static_assert((detail::is_target_structure<X>::value && ...),
                  "tl::gradient(y, wrt(x)): x must be a tl::var, a tl::let binding or a tl::active (or a container "
                  "or boost::hana::tuple of them)");
    return;  // nothing further to report
  } else {
    return detail::wrt_pack<X...>{{detail::target_nodes(xs)...}};
  }
}

/// Several outputs, whose gradients are summed (`tf.gradients([y1, y2], ...)`).
template <class... Y>
  requires(expression<Y> && ...)
auto outputs(Y const&... ys) {
  return detail::outputs_pack<Y...>{{detail::as_node(ys)...}};
}

/// One weight per output: its shape must equal the output's (`grad_ys`, a vector-Jacobian product).
/// Each seed is a value, a number, or a braced list of numbers for a vector output.
template <class... S>
  requires(sizeof...(S) >= 1 && ((value_type<S> || std::is_arithmetic_v<S>) && ...))
auto seeds(S const&... s) {
  return detail::seeds_pack<S...>{{s...}};
}
template <class T, std::size_t... N>
  requires(sizeof...(N) >= 1)
auto seeds(T const (&... s)[N]) {
  return detail::seeds_pack<std::array<T, N>...>{{std::to_array(s)...}};
}

/// Nodes to treat as constants (`stop_gradients=`): a stopped let binding (or tl::active) still gets
/// its own gradient, but nothing flows from it into the expression it binds (the statement that
/// assigned it). Each a tl::var, a tl::let or a tl::active.
template <class... X>
auto stop_at(X const&... xs) {
  static_assert(((detail::is_target_v<X> || detail::is_active<X>::value) && ...),
                "tl::stop_at(...): each argument must be a tl::var, a tl::let binding or a tl::active; to stop a "
                "sub-expression use tl::stop_gradient(e)");
  detail::stop_pack<sizeof...(X)> p{};
  std::size_t i = 0;
  (([&] {
     if constexpr (detail::is_let<X>::value) p.lets[i] = static_cast<detail::let_link const*>(xs.state());
     if constexpr (detail::is_active<X>::value) p.slots[i] = detail::stop_slot(xs);
     ++i;
   }()),
   ...);
  return p;
}

namespace detail {

/// Whether check_gradient_arguments passes, as a value (to return early without follow-on errors).
template <class Y, class X, class... Opt>
constexpr bool gradient_arguments_fit() {
  if constexpr (!(is_outputs<Y>::value || expression<Y>) || !(is_wrt<X>::value || is_target_structure<X>::value) ||
                !((is_seeds<Opt>::value || is_stop<Opt>::value) && ...) ||
                (0 + ... + (is_seeds<Opt>::value ? 1 : 0)) > 1 || (0 + ... + (is_stop<Opt>::value ? 1 : 0)) > 1) {
    return false;
  } else {
    using Roots = std::remove_cvref_t<decltype(root_tuple(std::declval<Y const&>()))>;
    using Seeds = std::remove_cv_t<std::remove_pointer_t<decltype(seeds_of(std::declval<Opt const&>()...))>>;
    if constexpr (std::is_void_v<Seeds>) {
      return true;
    } else {
      using Given = decltype(Seeds::seeds);
      if constexpr (std::tuple_size_v<Given> != std::tuple_size_v<Roots>)
        return false;
      else
        return []<std::size_t... I>(std::index_sequence<I...>) {
          return (seed_fits<std::tuple_element_t<I, Given>,
                            typename std::remove_cvref_t<std::tuple_element_t<I, Roots>>::value_type>() && ...);
        }(std::make_index_sequence<std::tuple_size_v<Roots>>{});
    }
  }
}

template <class Y, class X, class... Opt>
constexpr void check_gradient_arguments() {
  static_assert(is_outputs<Y>::value || expression<Y>,
                "tl::gradient(y, x): y must be a tapeless expression (or tl::outputs(...))");
  static_assert(detail::is_wrt<X>::value || detail::is_target_structure<X>::value,
                "tl::gradient(y, wrt(x)): x must be a tl::var or a tl::let binding (or a boost::hana::tuple of them)");
  static_assert(((detail::is_seeds<Opt>::value || detail::is_stop<Opt>::value) && ...),
                "tl::gradient(y, x, ...): the optional arguments are tl::seeds(...) and tl::stop_at(...)");
  static_assert((0 + ... + (detail::is_seeds<Opt>::value ? 1 : 0)) <= 1, "tl::gradient: give tl::seeds(...) at most once");
  static_assert((0 + ... + (detail::is_stop<Opt>::value ? 1 : 0)) <= 1, "tl::gradient: give tl::stop_at(...) at most once");
  if constexpr ((is_outputs<Y>::value || expression<Y>) && (0 + ... + (is_seeds<Opt>::value ? 1 : 0)) == 1) {
    using Roots = std::remove_cvref_t<decltype(root_tuple(std::declval<Y const&>()))>;
    using Seeds = std::remove_cv_t<std::remove_pointer_t<decltype(seeds_of(std::declval<Opt const&>()...))>>;
    using Given = decltype(Seeds::seeds);
    static_assert(std::tuple_size_v<Given> == std::tuple_size_v<Roots>, "tl::seeds(...): give exactly one seed per output");
    if constexpr (std::tuple_size_v<Given> == std::tuple_size_v<Roots>)
      check_seeds<Given, Roots>(std::make_index_sequence<std::tuple_size_v<Roots>>{});
  }
}

template <class Y, class X, class... Opt>
auto run_gradient_call(Y const& y, X const& x, Opt const&... opt) {
  decltype(auto) roots = detail::root_tuple(y);
  auto const* seeds = detail::seeds_of(opt...);
  auto result = detail::run_gradient(roots, detail::wrt_targets(x), seeds, detail::stopped_of(opt...), ignore_records{},
                                     detail::stopped_slots_of(opt...));
  if constexpr (detail::is_wrt<X>::value)
    return result;
  else
    return std::get<0>(std::move(result));
}

/// std::tuple of the roots' value types.
template <class Roots, class = std::make_index_sequence<std::tuple_size_v<Roots>>>
struct root_values;
template <class Roots, std::size_t... I>
struct root_values<Roots, std::index_sequence<I...>> {
  using type = std::tuple<typename std::remove_cvref_t<std::tuple_element_t<I, Roots>>::value_type...>;
};

/// The values of y (a tuple for outputs(...)) and its gradient, from one sweep: the roots' records,
/// read once the backward pass has run (a fused root sets its value there).
template <class Y, class X, class... Opt>
auto run_value_and_gradient_call(Y const& y, X const& x, Opt const&... opt) {
  decltype(auto) roots = detail::root_tuple(y);
  using Roots = std::remove_cvref_t<decltype(roots)>;
  using Values = typename root_values<Roots>::type;
  std::optional<Values> values;
  auto const* seeds = detail::seeds_of(opt...);
  auto result = detail::run_gradient(
      roots, detail::wrt_targets(x), seeds, detail::stopped_of(opt...),
      [&](auto const& recs) {
        values.emplace(std::apply([](auto const&... r) { return Values{r.value...}; }, recs));
      },
      detail::stopped_slots_of(opt...));
  auto value = [&] {
    if constexpr (is_outputs<Y>::value)
      return std::move(*values);
    else
      return std::get<0>(std::move(*values));
  }();
  if constexpr (detail::is_wrt<X>::value)
    return std::pair{std::move(value), std::move(result)};
  else
    return std::pair{std::move(value), std::get<0>(std::move(result))};
}

/// run(y, x, opt...) when tl::gradient's arguments fit; otherwise only the assertions that say what is
/// wrong (and void, so nothing further is reported).
template <class Run, class Y, class X, class... Opt>
auto when_gradient_arguments_fit(Run const& run, Y const& y, X const& x, Opt const&... opt) {
  if constexpr (!gradient_arguments_fit<Y, X, Opt...>()) {
    check_gradient_arguments<Y, X, Opt...>();
    return;
  } else {
    return run(y, x, opt...);
  }
}

}  // namespace detail

/// The gradient of y (summed over its elements, and over outputs(...)) with respect to x.
///
///     tl::gradient(y, x)                         a value of x's shape
///     tl::gradient(y, tl::wrt(x1, x2))           a std::tuple of them
///     tl::gradient(y, params)                    params a boost::hana::tuple of vars: a hana::tuple of gradients
///     tl::gradient(tl::outputs(y1, y2), tl::wrt(x1, x2), tl::seeds(s1, s2), tl::stop_at(b))
///
/// An input that y does not depend on gets zeros. Repeated calls re-evaluate with the vars' current values.
template <class Y, class X, class... Opt>
auto gradient(Y const& y, X const& x, Opt const&... opt) {
  return detail::when_gradient_arguments_fit([](auto const&... a) { return detail::run_gradient_call(a...); }, y, x, opt...);
}

/// y's value and its gradient from one sweep (one forward pass, as a training loop wants): takes what
/// tl::gradient takes and returns std::pair{value, gradient(s)}; the value is a std::tuple of the
/// outputs' values for tl::outputs(...). Seeds weight the gradient, not the value.
///
///     auto [loss, g] = tl::value_and_gradient(loss_expr, w);
///     auto [loss, gs] = tl::value_and_gradient(loss_expr, tl::wrt(w, b), tl::stop_at(h));
template <class Y, class X, class... Opt>
auto value_and_gradient(Y const& y, X const& x, Opt const&... opt) {
  return detail::when_gradient_arguments_fit([](auto const&... a) { return detail::run_value_and_gradient_call(a...); }, y, x, opt...);
}

namespace detail {

/// A gradient's destination, `dest`: its extents as the value type it stands for, and its elements.
template <class D>
auto destination_extents(D const& d) {
  if constexpr (value_type<D>)
    return extents_of(d);
  else
    return source_traits<D>::extents(d);
}
template <class D>
struct destination_value {
  using type = D;
};
template <class D>
  requires(!value_type<D>)
struct destination_value<D> {
  using type = source_value_t<D>;
};
template <class D>
using destination_value_t = typename destination_value<D>::type;

template <class D, class G>
void check_destination(D const& d, G const& g) {
  using DV = destination_value_t<D>;
  static_assert(std::is_same_v<element_t<DV>, element_t<G>>,
                "tl::gradient_into(dest, ...): dest's elements must have the gradient's element type");
  if constexpr (is_static_v<DV> && is_static_v<G>)
    static_assert(shapes_agree<shape_t<DV>, shape_t<G>>::value,
                  "tl::gradient_into(dest, ...): dest's shape differs from the gradient's");
  else {
    if constexpr (!value_type<D>) source_traits<D>::check(d, "tl::gradient_into(dest, ...)");
    auto const de = destination_extents(d);
    auto const ge = extents_of(g);
    bool same = de.size() == ge.size();
    for (std::size_t i = 0; same && i < de.size(); ++i) same = de[i] == ge[i];
    if (!same) throw_shapes("tl::gradient_into(dest, ...)", "dest's and the gradient's shapes", de, ge);
  }
}
template <class D, class G>
void write_destination(D& d, G const& g) {
  if constexpr (rank_v<G> == 0)
    d = g;
  else if constexpr (value_type<D>)
    std::copy_n(g.data(), g.size(), d.data());
  else
    std::copy_n(g.data(), g.size(), mutable_data(d));
}

template <class D>
struct is_std_tuple : std::false_type {};
template <class... D>
struct is_std_tuple<std::tuple<D...>> : std::true_type {};

/// A destination for one gradient: a writable source, a value type (a number or a tl::vec ...), or
/// for a tl::wrt(...) of several targets a std::tuple of them (std::tie).
template <class D>
concept gradient_destination = writable_source<D> || value_type<std::remove_cvref_t<D>>;

}  // namespace detail

/// `tl::gradient_into(dest, y, x, ...)`: tl::gradient(y, x, ...) written into dest, the caller's
/// memory (a std::span, std::vector, std::array, Eigen object, or a value type); for
/// `tl::wrt(a, b)`, dest is a std::tuple of destinations (`std::tie(ga, gb)`). Every destination's
/// extents are checked before any is written: a static mismatch does not compile, a runtime one
/// throws tl::shape_error and writes nothing. A std::vector is not resized.
///
///     std::vector<double> g(x.size());
///     tl::gradient_into(g, tl::sum(v * v), v);
template <class D, class Y, class X, class... Opt>
  requires(detail::gradient_destination<D> || detail::is_std_tuple<std::remove_cvref_t<D>>::value)
void gradient_into(D&& dest, Y const& y, X const& x, Opt const&... opt) {
  auto g = gradient(y, x, opt...);
  if constexpr (detail::is_std_tuple<std::remove_cvref_t<D>>::value) {
    static_assert(std::tuple_size_v<std::remove_cvref_t<D>> == std::tuple_size_v<decltype(g)>,
                  "tl::gradient_into(dest, y, tl::wrt(...)): dest must be a std::tuple with one destination per "
                  "target (std::tie(ga, gb))");
    std::apply([&](auto&... d) {
      std::apply([&](auto const&... gi) {
        (detail::check_destination(d, gi), ...);
        (detail::write_destination(d, gi), ...);
      }, g);
    }, dest);
  } else {
    using R = std::remove_cvref_t<D>;
    if constexpr (!value_type<R>) static_assert(detail::layout_readable<detail::called::gradient_into, R>());
    detail::check_destination(dest, g);
    detail::write_destination(dest, g);
  }
}

/// Evaluates an expression and returns its value (a number or a value type). Other arguments are
/// returned as they are, so function-level code can call it on whatever f returned.
template <class E>
auto value(E const& e) {
  if constexpr (expression<E>) {
    detail::sweep s;
    decltype(auto) root = detail::root_node(e);
    using V = typename std::remove_cvref_t<decltype(root)>::value_type;
    return V(root.forward(s).value);
  } else {
    return e;
  }
}

}  // namespace tapeless
