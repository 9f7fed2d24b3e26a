// tapeless/api/detail/call.hpp: what the function transforms share: the vars (or a hana structure
// of vars) that stand for the arguments, the check of what f returns (naming the transform the user
// called), and the arguments seeded as dual numbers.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <vector>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <boost/hana/tuple.hpp>
#include <boost/hana/unpack.hpp>

#include "../../expr/let.hpp"
#include "../../expr/var.hpp"
#include "../../forward/dual.hpp"
#include "../../reverse/gradient.hpp"

namespace tapeless {

namespace detail {

/// An argument of a transformed function: float, double, a dual, or a value type of them; for
/// tl::grad and tl::value_and_grad also a boost::hana::tuple of such arguments, nested (`tf.nest`).
template <class X>
concept function_input = differentiable_value<X>::value;

template <class X>
struct is_input_structure : std::bool_constant<differentiable_value<X>::value> {};
template <class... X>
struct is_input_structure<boost::hana::tuple<X...>> : std::bool_constant<(is_input_structure<X>::value && ...)> {};
template <class X>
concept input_structure = is_input_structure<X>::value;

/// A std::vector, std::array or std::span of float or double as an argument of a transform.
template <class X>
struct is_std_container_input : std::false_type {};
template <class T, class A>
struct is_std_container_input<std::vector<T, A>> : std::bool_constant<element<T>> {};
template <class T, std::size_t N>
struct is_std_container_input<std::array<T, N>> : std::bool_constant<element<T>> {};
template <class T, std::size_t N>
struct is_std_container_input<std::span<T, N>> : std::bool_constant<element<std::remove_const_t<T>>> {};
template <class X>
concept std_container_input = is_std_container_input<std::remove_cvref_t<X>>::value;

/// Customisation point for arguments of another library's array types (tapeless/eigen.hpp specialises
/// it for Eigen matrices). A specialisation derives from std::true_type and has `value_of(x)` (the
/// tapeless value f runs on, a copy), `gradient(g)` (a gradient back in the argument's type) and
/// `jacobian(j)` (a Jacobian or Hessian, shape(y) ++ shape(x), as that library's matrix).
template <class X>
struct foreign_argument : std::false_type {};
template <class X>
concept foreign_input = foreign_argument<std::remove_cvref_t<X>>::value;

/// Standard containers as arguments: f sees a var of the value type the container stands for
/// (tl::dvec, tl::vec; a copy), a gradient comes back in the argument's own container (a std::vector
/// for a std::span of dynamic extent, a std::array for a static one), a Jacobian or Hessian as the
/// tapeless matrix.
template <class X>
  requires std_container_input<X>
struct foreign_argument<X> : std::true_type {
  static auto value_of(X const& x) { return copied_value(x, "tl::grad(f)"); }
  template <class G>
  static auto gradient(G const& g) {
    using T = element_t<G>;
    if constexpr (is_static_v<G>) {
      std::array<T, G::size()> a{};
      std::copy(g.begin(), g.end(), a.begin());
      return a;
    } else {
      return std::vector<T>(g.begin(), g.end());
    }
  }
  template <class J>
  static J jacobian(J j) {
    return j;
  }
};

/// An argument as the transforms take it: a foreign one as its tapeless copy, anything else as it is.
template <class X>
decltype(auto) tapeless_argument(X const& x) {
  if constexpr (foreign_input<X>)
    return foreign_argument<X>::value_of(x);
  else
    return (x);
}
/// A gradient for the argument type X: in X's own type when X is foreign.
template <class X, class G>
decltype(auto) argument_gradient(G&& g) {
  if constexpr (foreign_input<X>)
    return foreign_argument<X>::gradient(g);
  else
    return std::forward<G>(g);
}
/// Calls `t(tapeless arguments...)` and gives back what `back(result)` makes of it; a failed check of f
/// (a void result: the assertion has said what is wrong) gives void.
template <class T, class Back, class... X>
auto through_foreign(T const& t, Back const& back, X const&... x) {
  using R = decltype(t(tapeless_argument(x)...));
  if constexpr (std::is_void_v<R>)
    return;
  else
    return back(t(tapeless_argument(x)...));
}

/// The vars standing for an argument: a var, or the same hana structure with var leaves.
template <class X>
struct vars_of {
  using type = var<X>;
};
template <class F>
struct vars_of<made_by<F>> {
  using type = var<std::invoke_result_t<F const&>>;
};
template <class... X>
struct vars_of<boost::hana::tuple<X...>> {
  using type = boost::hana::tuple<typename vars_of<X>::type...>;
};
template <class X>
typename vars_of<std::remove_cvref_t<X>>::type make_vars(X&& x) {
  using V = std::remove_cvref_t<X>;
  if constexpr (is_hana_tuple<V>::value)
    return boost::hana::unpack(x, [](auto const&... e) { return typename vars_of<V>::type(make_vars(e)...); });
  else
    return var<V>(std::forward<X>(x));  // a value made for the call (jacfwd's duals) is moved in
}

template <class X>
decltype(auto) var_source(X&& x) {
  if constexpr (is_hana_tuple<std::remove_cvref_t<X>>::value)
    return make_vars(std::forward<X>(x));
  else
    return std::forward<X>(x);
}

/// What f returned, as one expression or, when Structured, a hana structure of expressions.
template <class Y, bool Structured>
struct is_function_output : std::bool_constant<expression<Y> && !is_var<Y>::value && !is_let<Y>::value> {};
template <class... Y>
struct is_function_output<boost::hana::tuple<Y...>, true>
    : std::bool_constant<(sizeof...(Y) >= 1 && (is_function_output<Y, true>::value && ...))> {};

/// A structure of outputs as one tl::outputs(...) pack (their gradients are summed, as tf.gradients does).
template <class Y>
auto flatten_outputs(Y const& y) {
  if constexpr (is_hana_tuple<Y>::value)
    return boost::hana::unpack(y, [](auto const&... e) { return std::tuple_cat(flatten_outputs(e)...); });
  else
    return std::tuple<Y const&>(y);
}
template <class Y>
decltype(auto) as_output(Y const& y) {
  if constexpr (is_hana_tuple<Y>::value)
    return std::apply([](auto const&... e) { return outputs(e...); }, flatten_outputs(y));
  else
    return y;
}

/// The transforms, as tags that name them in the diagnostics about f. `check<Y>()` asserts that f's
/// result Y is something the transform differentiates (tl::grad alone takes a hana structure of
/// outputs); `check_program<Y>()` does the same for f run on tl::active values (tl::active_mode).
/// Each message names the transform the user called.
#define TAPELESS_TRANSFORM(TAG, NAME, STRUCTURED)                                                          \
  struct TAG {                                                                                              \
    static constexpr bool structured = STRUCTURED;                                                          \
    template <class Y>                                                                                      \
    static constexpr bool check() {                                                                         \
      if constexpr (!structured && is_hana_tuple<Y>::value)                                                 \
        static_assert(!is_hana_tuple<Y>::value, NAME ": f returns a boost::hana::tuple of outputs; only "    \
                                                     "tl::grad sums a structure of outputs: return one expression"); \
      else                                                                                                  \
        static_assert(is_function_output<Y, structured>::value,                                             \
                      NAME ": f must return a tapeless expression of its arguments (not a plain number, a "  \
                           "value, or a var or let of its own)");                                           \
      return is_function_output<Y, structured>::value;                                                      \
    }                                                                                                       \
    template <class Y>                                                                                      \
    static constexpr bool check_program() {                                                                 \
      constexpr bool ok = expression<Y> || active_container<Y>::value;                                      \
      static_assert(ok, NAME " with tl::active_mode: f must return a value computed from its arguments: a "  \
                             "tl::active (the T of code templated over T), an expression of actives, or a "  \
                             "std::vector / std::array of actives (tl::jacrev)");                           \
      return ok;                                                                                            \
    }                                                                                                       \
  };
namespace transform {
TAPELESS_TRANSFORM(grad, "tl::grad(f)", true)
TAPELESS_TRANSFORM(value_and_grad, "tl::value_and_grad(f)", false)
TAPELESS_TRANSFORM(jacfwd, "tl::jacfwd(f)", false)
TAPELESS_TRANSFORM(jacrev, "tl::jacrev(f)", false)
TAPELESS_TRANSFORM(jacobian, "tl::jacobian(f)", false)
TAPELESS_TRANSFORM(hessian, "tl::hessian(f)", false)
TAPELESS_TRANSFORM(hvp, "tl::hvp(f, x, v)", false)
TAPELESS_TRANSFORM(jvp, "tl::jvp(f, x, v)", false)
TAPELESS_TRANSFORM(vjp, "tl::vjp(f, x, u)", false)
}  // namespace transform
#undef TAPELESS_TRANSFORM

/// Calls f on the arguments held in the tuple `args` (vars, or actives when Program), then
/// g(y, args...) while they live, once Transform's check of f's result has passed (else only the
/// assertion's message, and void, so nothing further is reported). A hana structure of outputs reaches
/// g as one tl::outputs pack.
template <class Transform, bool Program, class F, class G, class Args>
auto call_checked(F const& f, G const& g, Args const& args) {
  return std::apply(
      [&](auto const&... a) {
        using Y = std::remove_cvref_t<decltype(f(a...))>;
        constexpr bool ok = [] {
          if constexpr (Program)
            return Transform::template check_program<Y>();
          else
            return Transform::template check<Y>();
        }();
        if constexpr (!ok) {
          return;
        } else {
          // The lets f makes are kept until g is done with f's expression (which refers to them).
          std::vector<owned_state> lets;
          Y const y = [&] {
            body_scope scope(lets, body_scope::keep_alive);
            return f(a...);
          }();
          return g(as_output(y), a...);
        }
      },
      args);
}

/// Calls f on fresh vars holding x..., then g(y, vars...) while the vars live; Transform names the
/// caller in the diagnostics.
template <class Transform, class F, class G, class... X>
auto with_vars(F const& f, G const& g, X&&... x) {
  // Each var is made in place from its argument (one copy of a value: a static array of duals is
  // tens of kilobytes); a structure goes through make_vars.
  std::tuple<typename vars_of<std::remove_cvref_t<X>>::type...> vars(var_source(std::forward<X>(x))...);
  return call_checked<Transform, false>(f, g, vars);
}

/// A direction v of runtime extents must have x's (static ones are checked at compile time).
template <class X>
void check_direction(std::string_view where, X const& x, X const& v) {
  if constexpr (rank_v<X> != 0)
    if (extents_of(x) != extents_of(v)) throw_shapes(where, "x's and v's shapes", extents_of(x), extents_of(v));
}

/// The value of y and the adjoints of the targets, from one sweep (seeds: as run_gradient takes them).
template <class Y, class Targets, class SeedsPtr>
auto value_and_adjoints(Y const& y, Targets const& targets, SeedsPtr seeds) {
  using V = typename std::remove_cvref_t<decltype(root_node(y))>::value_type;
  V value{};
  auto adjoints = run_gradient(root_tuple(y), targets, seeds, stopped_of(),
                               [&](auto const& recs) { value = V(std::get<0>(recs).value); });
  return std::pair{std::move(value), std::move(adjoints)};
}

/// x as a value of dual<T, N>: direction(i, t) sets element i's tangents t, which are zero. (In
/// place: tangents returned by value went through a temporary whose copy, read right after a store
/// at a variable lane, stalled on store forwarding: a fifth of a small tl::jacfwd.)
/// (One function per rank, each with one named result: GCC 12 copied the array of duals out of an
/// `if constexpr` branch, 33 KB for jacfwd of 64 inputs.)
template <std::size_t N, class X, class Direction>
  requires(rank_v<X> == 0)
dual<element_t<X>, N> seeded_duals(X const& x, Direction const& direction) {
  dual<element_t<X>, N> d(x);
  direction(std::size_t{0}, d.tangent);
  return d;
}
template <std::size_t N, class X, class Direction>
  requires(rank_v<X> != 0)
rebind_t<X, dual<element_t<X>, N>> seeded_duals(X const& x, Direction const& direction) {
  rebind_t<X, dual<element_t<X>, N>> xd = make_value<rebind_t<X, dual<element_t<X>, N>>>(extents_of(x));
  for (std::size_t i = 0, n = size_of(x); i < n; ++i) {
    auto& d = elem(xd, i);
    d.value = elem(x, i);
    direction(i, d.tangent);
  }
  return xd;
}

/// The directions of columns j0 ... j0 + N - 1: element j0 + k has tangent lane k set to 1.
template <std::size_t N>
auto unit_directions(std::size_t j0) {
  return [j0](std::size_t i, auto& t) {
    if (i >= j0 && i - j0 < N) t[i - j0] = 1;
  };
}

}  // namespace detail

}  // namespace tapeless
