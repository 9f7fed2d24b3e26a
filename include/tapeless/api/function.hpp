// tapeless/api/function.hpp: the JAX-shaped function API. f is a generic callable written with tapeless
// expressions, e.g. `[](auto const& x) { return tl::sum(tl::exp(x) * x); }`; each transform calls it on
// vars holding the arguments and differentiates what it returns.
//
//   tl::grad(f)(x...)             reverse mode: a value of x's shape (several arguments: a std::tuple)
//   tl::value_and_grad(f)(x...)   std::pair{f(x...), that}, from one sweep
//   tl::jacfwd(f)(x), jacrev(f)(x)   shape(f(x)) ++ shape(x), by N-lane dual passes / reverse sweeps
//   tl::jacobian(f)(x)            the same, in the cheaper mode for the shapes (or as a mode tag says)
//   tl::hessian(f)(x)             forward over reverse: the reverse sweep run with dual elements
//   tl::hvp(f, x, v)              H v, one reverse sweep on duals (forward over reverse)
//   tl::jvp(f, x, v)              std::pair{f(x), J v}, one tangent pass
//   tl::vjp(f, x, u)              std::pair{f(x), u^T J}, one reverse sweep
//
// f must return an expression of its arguments (not a tl::var or tl::let of its own: those would not
// outlive the call); named intermediates inside f are plain `auto h = ...;` expressions.
#pragma once

#include <array>
#include <iterator>
#include <ranges>
#include <vector>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include <boost/hana/tuple.hpp>
#include <boost/hana/unpack.hpp>

#include "../core/shape.hpp"
#include "../expr/active.hpp"
#include "../expr/pointwise.hpp"
#include "../expr/var.hpp"
#include "../forward/dual.hpp"
#include "../reverse/gradient.hpp"
#include "../reverse/jacobian.hpp"

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

/// The vars standing for an argument: a var, or the same hana structure with var leaves.
template <class X>
struct vars_of {
  using type = var<X>;
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

/// Calls f on fresh vars holding x..., then g(y, vars...) while the vars live. Structured: f may
/// return a hana structure of expressions (tl::grad), which g receives as one tl::outputs pack.
template <bool Structured = false, class F, class G, class... X>
auto with_vars(F const& f, G const& g, X&&... x) {
  // Each var is made in place from its argument (one copy of a value: a static array of duals is
  // tens of kilobytes); a structure goes through make_vars.
  std::tuple<typename vars_of<std::remove_cvref_t<X>>::type...> vars(var_source(std::forward<X>(x))...);
  return std::apply(
      [&](auto const&... v) {
        using Y = std::remove_cvref_t<decltype(f(v...))>;
        if constexpr (!Structured && is_hana_tuple<Y>::value) {
          static_assert(!is_hana_tuple<Y>::value,
                        "tl::value_and_grad / jacfwd / jacrev / hessian / hvp / jvp / vjp (f): f returns a "
                        "boost::hana::tuple of outputs; only tl::grad sums a structure of outputs: return one "
                        "expression");
        } else if constexpr (!is_function_output<Y, Structured>::value) {
          static_assert(is_function_output<Y, Structured>::value,
                        "tl::grad / value_and_grad / jacfwd / jacrev / hessian / hvp / jvp / vjp (f): f must return "
                        "a tapeless expression of its arguments (not a plain number, a value, or a var or let of its "
                        "own)");
        } else {
          Y const y = f(v...);
          return g(as_output(y), v...);
        }
      },
      vars);
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

/// Structured: f may return a structure of outputs (tl::grad); hessian and hvp use it with false.
template <class F, bool Structured = true>
struct grad_fn {
  F f;
  template <class... X>
    requires(sizeof...(X) >= 1 && (input_structure<std::remove_cvref_t<X>> && ...))
  auto operator()(X&&... x) const {
    return with_vars<Structured>(f, [](auto const& y, auto const&... v) {
      if constexpr (sizeof...(v) == 1)
        return gradient(y, v...);
      else
        return gradient(y, wrt(v...));
    }, std::forward<X>(x)...);  // hessian's duals are moved into their vars
  }
};

template <class F>
struct value_and_grad_fn {
  F f;
  template <class... X>
    requires(sizeof...(X) >= 1 && (input_structure<X> && ...))
  auto operator()(X const&... x) const {
    return with_vars(f, [](auto const& y, auto const&... v) {
      auto [value, g] = value_and_adjoints(y, wrt_targets(wrt(v...)), seeds_of());
      if constexpr (sizeof...(v) == 1)
        return std::pair{std::move(value), std::get<0>(std::move(g))};
      else
        return std::pair{std::move(value), std::move(g)};
    }, x...);
  }
};

/// x as a value of dual<T, N>: element i has the tangents direction(i).
template <std::size_t N, class X, class Direction>
auto seeded_duals(X const& x, Direction const& direction) {
  using D = dual<element_t<X>, N>;
  if constexpr (rank_v<X> == 0) {
    return D(x, direction(0));
  } else {
    using XD = rebind_t<X, D>;
    XD xd = make_value<XD>(extents_of(x));
    for (std::size_t i = 0, n = size_of(x); i < n; ++i) elem(xd, i) = D(elem(x, i), direction(i));
    return xd;
  }
}

/// Tangent lanes per forward pass of jacfwd: a static x of up to 64 elements in one pass, otherwise
/// one 64-byte vector of lanes (8 doubles, 16 floats) per pass.
template <class X>
constexpr std::size_t jacfwd_lanes() {
  if constexpr (rank_v<X> == 0) {
    return 1;
  } else if constexpr (is_static_v<X>) {
    if constexpr (X::size() <= 64) return X::size();
  }
  return 64 / sizeof(element_t<X>);
}

/// The Jacobian by forward mode in chunks: f evaluated on duals whose N lanes point along inputs
/// j0 ... j0 + N - 1 gives N columns at once, ceil(n / N) evaluations in all.
template <class F, class X>
auto jacfwd_chunked(F const& f, X const& x) {
  using T = element_t<X>;
  constexpr std::size_t N = jacfwd_lanes<X>();
  using Tangents = std::array<T, N>;  // a type, which the lambdas below need not capture
  std::size_t const n = rank_v<X> == 0 ? 1 : size_of(x);
  // f's output at the duals seeded along inputs j0 ... j0 + N - 1 gives columns j0 ... of J. An
  // elementwise tree on top is evaluated element by element (expr/pointwise.hpp): no array of duals
  // per node.
  auto columns = [&](std::size_t j0, auto const& write) {
    return with_vars(f, [&](auto const& y, auto const&) {
      sweep s;
      return write(evaluate_pointwise(root_node(y), s));
    }, seeded_duals<N>(x, [j0](std::size_t i) {
      Tangents t{};
      if (i >= j0 && i - j0 < t.size()) t[i - j0] = T(1);
      return t;
    }));
  };
  using YD = typename std::remove_cvref_t<decltype(root_node(std::declval<F const&>()(std::declval<var<rebind_t<X, dual<T, N>>> const&>())))>::value_type;
  using YV = rebind_t<YD, T>;
  using J = typename jacobian_value<YV, X>::type;
  std::size_t m = 0;
  J jac{};
  // At least one evaluation, even for an empty x: it gives f(x)'s size (an m x 0 Jacobian).
  for (std::size_t j0 = 0; j0 < n || j0 == 0; j0 += N) {
    columns(j0, [&](YD const& yd) {
      if (j0 == 0) {
        m = rank_v<YV> == 0 ? 1 : size_of(yd);
        if constexpr (!is_static_v<J>) jac = make_jacobian<J>(m, n);  // a static one is zeros already
      }
      for (std::size_t i = 0; i < m; ++i) {
        auto const& yi = elem(yd, i);
        for (std::size_t k = 0; k < N && j0 + k < n; ++k) elem(jac, i * n + j0 + k) = yi.tangent[k];
      }
      return 0;
    });
  }
  return jac;
}

template <class F, class Mode>
struct jac_fn {
  F f;
  template <class X>
    requires function_input<X>
  auto operator()(X const& x) const {
    if constexpr (std::is_same_v<Mode, reverse_mode_t> || !std::is_floating_point_v<element_t<X>>) {
      // Reverse sweeps; also forward for elements that are duals already (no duals of duals here).
      return with_vars(f, [](auto const& y, auto const& v) { return jacobian(y, v, Mode{}); }, x);
    } else if constexpr (std::is_same_v<Mode, forward_mode_t>) {
      return jacfwd_chunked(f, x);
    } else {
      // Forward when the inputs are no more than the outputs: ceil(n / N) evaluations on N-lane duals
      // against m reverse sweeps. Runtime extents need f's output size first (one evaluation).
      using YV = decltype(with_vars(f, [](auto const& y, auto const&) { return value(y); }, x));
      std::size_t const n = rank_v<X> == 0 ? 1 : size_of(x);
      std::size_t m = 1;
      if constexpr (rank_v<YV> != 0) {
        if constexpr (is_static_v<YV>)
          m = YV::size();
        else
          m = size_of(with_vars(f, [](auto const& y, auto const&) { return value(y); }, x));
      }
      if (n <= m) return jacfwd_chunked(f, x);
      return with_vars(f, [](auto const& y, auto const& v) { return jacobian(y, v, reverse_mode); }, x);
    }
  }
};

/// The number of tangent lanes of one forward-over-reverse sweep: all of x's elements when x is a
/// static value of at most 64 (one sweep), else 8 at a time.
template <class X>
constexpr std::size_t hessian_lanes() {
  if constexpr (rank_v<X> == 0) {
    return 1;
  } else if constexpr (is_static_v<X>) {
    return X::size() <= 64 ? X::size() : 8;
  } else {
    return 8;
  }
}

/// The gradient of f at dual numbers of N lanes: element i of x with the tangents direction(i).
/// Its tangents are the directional derivatives of the gradient: columns of the Hessian, or H v.
template <std::size_t N, class F, class X, class Direction>
auto gradient_on_duals(F const& f, X const& x, Direction const& direction) {
  return grad_fn<F, false>{f}(seeded_duals<N>(x, direction));
}

/// H v: the gradient of f at x + t v, differentiated once in t (one reverse sweep on duals of one lane).
template <class F, class X>
X hvp_checked(F const& f, X const& x, X const& v) {
  using T = element_t<X>;
  check_direction("tl::hvp(f, x, v)", x, v);
  auto const g = gradient_on_duals<1>(f, x, [&](std::size_t i) { return std::array<T, 1>{elem(v, i)}; });
  X out = make_value<X>(extents_of(x));
  for (std::size_t i = 0, n = size_of(x); i < n; ++i) elem(out, i) = elem(g, i).tangent[0];
  return out;
}

template <class F>
struct hessian_fn {
  F f;
  template <class X>
    requires(function_input<X> && std::is_floating_point_v<element_t<X>>)
  auto operator()(X const& x) const {
    using T = element_t<X>;
    constexpr std::size_t N = hessian_lanes<X>();
    if constexpr (rank_v<X> == 0) {
      return hvp_checked(f, x, T(1));
    } else {
      std::size_t const n = size_of(x);
      using H = typename jacobian_value<X, X>::type;
      H h = make_jacobian<H>(n, n);
      for (std::size_t j0 = 0; j0 < n; j0 += N) {
        // Lane k of element i points along e_{j0 + k}: the gradient's tangents are columns j0, j0 + 1, ...
        auto const g = gradient_on_duals<N>(f, x, [j0](std::size_t i) {
          std::array<T, N> t{};
          if (i >= j0 && i - j0 < N) t[i - j0] = T(1);
          return t;
        });
        for (std::size_t i = 0; i < n; ++i)
          for (std::size_t k = 0; k < N && j0 + k < n; ++k) elem(h, i * n + j0 + k) = elem(g, i).tangent[k];
      }
      return h;
    }
  }
};

}  // namespace detail

/// The gradient of f, as a function: `tl::grad(f)(x)` has x's shape; with several arguments,
/// `auto [gx, gy] = tl::grad(f)(x, y)`. A non-scalar output's gradient is summed over its elements,
/// as tl::gradient does (JAX requires a scalar output; here the sum is the rule, as in TensorFlow).
template <class F>
auto grad(F f) {
  return detail::grad_fn<F>{std::move(f)};
}

/// `auto [v, g] = tl::value_and_grad(f)(x)`: the value of f and its gradient from one sweep.
template <class F>
auto value_and_grad(F f) {
  return detail::value_and_grad_fn<F>{std::move(f)};
}

/// The Jacobian of f at x, shape(f(x)) ++ shape(x), by forward mode: f runs on dual numbers whose N
/// tangent lanes carry N columns at once (all of them for a static x of up to 64 elements, else 8
/// doubles or 16 floats per evaluation).
template <class F>
auto jacfwd(F f) {
  return detail::jac_fn<F, forward_mode_t>{std::move(f)};
}

/// The Jacobian of f at x, shape(f(x)) ++ shape(x), one reverse sweep per element of f(x).
template <class F>
auto jacrev(F f) {
  return detail::jac_fn<F, reverse_mode_t>{std::move(f)};
}

/// The Jacobian of f at x, shape(f(x)) ++ shape(x), in the cheaper mode for the shapes: forward
/// (as jacfwd) when x has no more elements than f(x), reverse (as jacrev) otherwise.
/// `tl::jacobian(f, tl::forward_mode)` or `tl::reverse_mode` forces one.
template <class F, class Mode = auto_mode_t>
  requires(!expression<F> && detail::is_jacobian_mode_v<Mode>)
auto jacobian(F f, Mode = {}) {
  return detail::jac_fn<F, Mode>{std::move(f)};
}

/// The Hessian of a scalar f at x (a matrix for a vector x; a number for a number), forward over
/// reverse: the reverse sweep runs on dual numbers whose tangent lanes are directions e_j. A static x of
/// up to 64 elements takes one sweep; otherwise ceil(n / 8) sweeps.
template <class F>
auto hessian(F f) {
  return detail::hessian_fn<F>{std::move(f)};
}

/// Names the tl::active path of the function transforms: `tl::grad(f, tl::active_mode)(x)` calls f on
/// tl::active values (a number becomes a tl::active<T>, a std::vector / std::array / tl::vec / tl::dvec
/// of T the same container of tl::active<T>), so f may be ordinary C++ templated over its scalar
/// (loops, reassignment, branches). C++ cannot tell that a generic callable works on numbers only,
/// so the mode is named.
struct active_mode_t {};
/// The tag to pass: `tl::grad(f, tl::active_mode)`.
inline constexpr active_mode_t active_mode{};

namespace detail {

/// A container of T for the active-mode arguments, holding U instead (duals for Hessians).
template <class X, class U>
struct rebind_container {};
template <class T, class A, class U>
  requires element<T>
struct rebind_container<std::vector<T, A>, U> {
  using type = std::vector<U>;
};
template <class T, std::size_t N, class U>
  requires element<T>
struct rebind_container<std::array<T, N>, U> {
  using type = std::array<U, N>;
};
template <class T, std::size_t... D, class U>
  requires element<T>
struct rebind_container<tensor<T, D...>, U> {
  using type = tensor<U, D...>;
};
template <class T, class U>
  requires element<T>
struct rebind_container<dvec<T>, U> {
  using type = dvec<U>;
};
/// The actives standing for an argument of an active-mode transform: the same container of actives.
template <class X>
struct actives_for {};
template <class X>
  requires requires { typename rebind_container<X, double>::type; }
struct actives_for<X> {
  using type = typename rebind_container<X, active<std::ranges::range_value_t<X>>>::type;
};
template <class T>
  requires element<T>
struct actives_for<T> {
  using type = active<T>;
};
template <class... X>
struct actives_for<boost::hana::tuple<X...>> {
  using type = boost::hana::tuple<typename actives_for<X>::type...>;
};
template <class X>
concept program_input = requires { typename actives_for<X>::type; };

/// The number of elements of a container whose size is part of its type, or 0.
template <class X>
constexpr std::size_t static_count() {
  if constexpr (requires { std::tuple_size<X>::value; })
    return std::tuple_size<X>::value;
  else if constexpr (requires { X::static_size; })
    return X::static_size;
  else
    return 0;
}

template <class X>
typename actives_for<X>::type make_actives(X const& x) {
  using A = typename actives_for<X>::type;
  if constexpr (element<X>) {
    return A(x);
  } else if constexpr (is_hana_tuple<X>::value) {
    return boost::hana::unpack(x, [](auto const&... e) { return A(make_actives(e)...); });
  } else {
    A a = [&] {
      if constexpr (static_count<X>() != 0)
        return A{};
      else
        return A(std::size(x));
    }();
    std::size_t i = 0;
    for (auto const& e : x) std::data(a)[i++] = e;
    return a;
  }
}

/// Calls f on fresh actives holding x..., then g(y, actives...) while they live. When the actives go,
/// the thread's recording is cleared (nothing holds a recorded value then), its memory kept.
template <class F, class G, class... X>
auto with_actives(F const& f, G const& g, X const&... x) {
  std::tuple<typename actives_for<X>::type...> actives(make_actives(x)...);
  return std::apply(
      [&](auto const&... a) {
        using Y = std::remove_cvref_t<decltype(f(a...))>;
        if constexpr (!(expression<Y> || active_container<Y>::value)) {
          static_assert(expression<Y> || active_container<Y>::value,
                        "tl::grad / value_and_grad / jacrev / hessian (f, tl::active_mode): f must return a value "
                        "computed from its arguments: a tl::active (the T of code templated over T), an expression "
                        "of actives, or a std::vector / std::array of actives (jacrev)");
        } else {
          Y const y = f(a...);
          return g(y, a...);
        }
      },
      actives);
}

template <class F>
struct active_grad_fn {
  F f;
  template <class... X>
    requires(sizeof...(X) >= 1 && (program_input<X> && ...))
  auto operator()(X const&... x) const {
    return with_actives(f, [](auto const& y, auto const&... a) {
      if constexpr (sizeof...(a) == 1)
        return gradient(y, a...);
      else
        return gradient(y, wrt(a...));
    }, x...);
  }
};

template <class F>
struct active_value_and_grad_fn {
  F f;
  template <class... X>
    requires(sizeof...(X) >= 1 && (program_input<X> && ...))
  auto operator()(X const&... x) const {
    return with_actives(f, [](auto const& y, auto const&... a) {
      auto v = value(y);
      if constexpr (sizeof...(a) == 1)
        return std::pair{std::move(v), gradient(y, a...)};
      else
        return std::pair{std::move(v), gradient(y, wrt(a...))};
    }, x...);
  }
};

/// An m x n Jacobian: a tl::mat when both sizes are static, else a tl::dmat.
template <class T, std::size_t M, std::size_t N>
auto make_program_jacobian(std::size_t m, std::size_t n) {
  if constexpr (M != 0 && N != 0)
    return mat<T, M, N>{};
  else
    return dmat<T>(m, n);
}

template <class F>
struct active_jacrev_fn {
  F f;
  template <class X>
    requires program_input<X>
  auto operator()(X const& x) const {
    return with_actives(f, [](auto const& y, auto const& a) {
      using Y = std::remove_cvref_t<decltype(y)>;
      if constexpr (!active_container<Y>::value) {
        return gradient(y, a);  // one output: the Jacobian is the gradient
      } else {
        using T = typename active_container<Y>::element;
        std::size_t const m = std::size(y);
        if constexpr (element<X>) {
          auto jac = active_container<Y>::make(m);  // one input: a column shaped like the output
          for (std::size_t i = 0; i < m; ++i) std::data(jac)[i] = gradient(std::data(y)[i], a);
          return jac;
        } else {
          std::size_t const n = std::size(a);
          auto jac = make_program_jacobian<T, static_count<Y>(), static_count<X>()>(m, n);
          for (std::size_t i = 0; i < m; ++i) {
            auto const row = gradient(std::data(y)[i], a);  // one reverse sweep of the recording per output
            for (std::size_t j = 0; j < n; ++j) jac.data()[i * n + j] = std::data(row)[j];
          }
          return jac;
        }
      }
    }, x);
  }
};

/// Forward over reverse on actives: f runs on tl::active<tl::dual<T, N>> whose lanes point along
/// N inputs; the gradient's tangents are N columns of the Hessian.
template <class F>
struct active_hessian_fn {
  F f;
  template <class X>
    requires(program_input<X> && !is_hana_tuple<X>::value)
  auto operator()(X const& x) const {
    if constexpr (element<X>) {
      using D = dual<X, 1>;
      auto const g = active_grad_fn<F>{f}(D(x, {X(1)}));
      return g.tangent[0];
    } else {
      using T = std::remove_cvref_t<decltype(*std::begin(x))>;
      constexpr std::size_t S = static_count<X>();
      constexpr std::size_t N = S != 0 && S <= 64 ? S : 8;
      using D = dual<T, N>;
      using XD = typename rebind_container<X, D>::type;
      std::size_t const n = std::size(x);
      auto h = make_program_jacobian<T, S, S>(n, n);
      XD xd = [&] {
        if constexpr (S != 0)
          return XD{};
        else
          return XD(n);
      }();
      for (std::size_t j0 = 0; j0 < n; j0 += N) {
        // Lane k of element i points along e_{j0 + k}: the gradient's tangents are columns j0, j0 + 1, ...
        std::size_t i = 0;
        for (auto const& xi : x) {
          std::array<T, N> t{};
          if (i >= j0 && i - j0 < N) t[i - j0] = T(1);
          std::data(xd)[i++] = D(xi, t);
        }
        auto const g = active_grad_fn<F>{f}(xd);
        for (i = 0; i < n; ++i)
          for (std::size_t k = 0; k < N && j0 + k < n; ++k) h.data()[i * n + j0 + k] = std::data(g)[i].tangent[k];
      }
      return h;
    }
  }
};

}  // namespace detail

/// `tl::grad(f, tl::active_mode)(x...)`: the gradient of f, which runs on tl::active values (code
/// templated over its scalar); it comes back in the arguments' own types.
template <class F>
auto grad(F f, active_mode_t) {
  return detail::active_grad_fn<F>{std::move(f)};
}
/// `auto [v, g] = tl::value_and_grad(f, tl::active_mode)(x...)`.
template <class F>
auto value_and_grad(F f, active_mode_t) {
  return detail::active_value_and_grad_fn<F>{std::move(f)};
}
/// `tl::jacrev(f, tl::active_mode)(x)`: f returns a std::vector / std::array of actives (m outputs);
/// one reverse sweep of the recording per output. An m x n tl::mat when both sizes are static,
/// else a tl::dmat (a number x: the column, shaped like the output).
template <class F>
auto jacrev(F f, active_mode_t) {
  return detail::active_jacrev_fn<F>{std::move(f)};
}
/// `tl::hessian(f, tl::active_mode)(x)`: forward over reverse, f running on tl::active<tl::dual<T, N>>.
template <class F>
auto hessian(F f, active_mode_t) {
  return detail::active_hessian_fn<F>{std::move(f)};
}

namespace detail {
template <class F, class X>
auto jvp_checked(F const& f, X const& x, X const& v) {
  check_direction("tl::jvp(f, x, v)", x, v);
  return with_vars(f, [&](auto const& y, auto const& xv) {
    decltype(auto) root = root_node(y);
    using YV = typename std::remove_cvref_t<decltype(root)>::value_type;
    auto const target = as_node(xv);
    sweep s;
    auto const rec = root.forward(s);
    tangent_pass p(target.identity(), &v);
    YV t = tangent_of(root, p, rec);
    return std::pair{YV(rec.value), std::move(t)};
  }, x);
}
}  // namespace detail

/// `auto [y, t] = tl::jvp(f, x, v)`: f(x) and the Jacobian-vector product J v (forward mode, one pass).
/// v has x's shape: a static mismatch does not compile, a runtime one throws tl::shape_error.
template <class F, class X, class V>
  requires(detail::function_input<X> && value_type<V>)
auto jvp(F const& f, X const& x, V const& v) {
  if constexpr (!std::is_same_v<V, X>) {
    static_assert(detail::shapes_agree<detail::shape_t<X>, detail::shape_t<V>>::value && std::is_same_v<V, X>,
                  "tl::jvp(f, x, v): v must have x's type and shape");
    return;  // the assertion says what is wrong
  } else {
    return detail::jvp_checked(f, x, v);
  }
}

/// `tl::hvp(f, x, v)`: the Hessian of a scalar f at x times v, shaped like x, from one reverse sweep
/// on dual numbers (forward over reverse) without forming the Hessian. v has x's shape: a static
/// mismatch does not compile, a runtime one throws tl::shape_error.
template <class F, class X, class V>
  requires(detail::function_input<X> && std::is_floating_point_v<detail::element_t<X>> && value_type<V>)
auto hvp(F const& f, X const& x, V const& v) {
  if constexpr (!std::is_same_v<V, X>) {
    static_assert(detail::shapes_agree<detail::shape_t<X>, detail::shape_t<V>>::value && std::is_same_v<V, X>,
                  "tl::hvp(f, x, v): v must have x's type and shape");
    return;  // the assertion says what is wrong
  } else {
    return detail::hvp_checked(f, x, v);
  }
}

/// `auto [y, g] = tl::vjp(f, x, u)`: f(x) and the vector-Jacobian product u^T J (reverse mode, one
/// sweep). u has f(x)'s shape (tl::seeds' rule: a static mismatch does not compile).
template <class F, class X, class U>
  requires detail::function_input<X>
auto vjp(F const& f, X const& x, U const& u) {
  return detail::with_vars(f, [&](auto const& y, auto const& xv) {
    auto s = seeds(u);
    s.caller = "tl::vjp(f, x, u)";
    using Y = std::remove_cvref_t<decltype(y)>;
    using XV = std::remove_cvref_t<decltype(xv)>;
    using S = std::remove_cvref_t<decltype(s)>;
    if constexpr (!detail::gradient_arguments_fit<Y, XV, S>()) {
      detail::check_gradient_arguments<Y, XV, S>();
      return;  // the assertions say what is wrong; nothing further to report
    } else {
      auto [value, g] = detail::value_and_adjoints(y, detail::wrt_targets(xv), detail::seeds_of(s));
      return std::pair{std::move(value), std::get<0>(std::move(g))};
    }
  }, x);
}

}  // namespace tapeless
