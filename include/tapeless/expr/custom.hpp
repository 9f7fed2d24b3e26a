// tapeless/expr/custom.hpp: tl::custom_vjp and tl::custom_jvp, nodes whose derivative the user gives
// (an external solver, a table, an implicit function).
//
//     auto solve = tl::custom_vjp(
//         [](auto const& A, auto const& b) { return my_solve(A, b); },                  // the value
//         [](auto const& A, auto const& b, auto const& x, auto const& xbar) {           // its VJP
//           auto bbar = my_solve_transposed(A, xbar);
//           return std::tuple{-outer(bbar, x), bbar};                                   // Abar, bbar
//         });
//     auto x = solve(A, b);   // an expression: differentiable in reverse mode, inside tl::scan too
//
// The functions see values (a number, tl::vec, tl::dmat ...), never expressions. On plain values the
// call computes at once, as tl::exp(2.0) does.
#pragma once

#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "base.hpp"

namespace tapeless {

namespace detail {

template <class T>
struct is_tuple_like : std::false_type {};
template <class... T>
struct is_tuple_like<std::tuple<T...>> : std::true_type {};
template <class A, class B>
struct is_tuple_like<std::pair<A, B>> : std::true_type {};

/// What a derivative rule returned for k arguments, as a std::tuple of k values.
template <std::size_t K, class R>
auto as_rule_tuple(R&& r) {
  if constexpr (is_tuple_like<std::remove_cvref_t<R>>::value)
    return std::tuple_cat(std::tuple<>{}, std::forward<R>(r));
  else
    return std::tuple<std::remove_cvref_t<R>>{std::forward<R>(r)};
}

template <class Want, class Got>
struct rule_result_type_matches : std::bool_constant<std::is_convertible_v<Got, Want>> {};

/// Converts a rule's result for argument `i` to the argument's value type, checking runtime extents.
template <class V, class G>
V rule_value(char const* rule, std::size_t i, V const& like, G&& g) {
  static_assert(rule_result_type_matches<V, std::remove_cvref_t<G>>::value,
                "tl::custom_vjp / tl::custom_jvp: the rule must return a value of each argument's value type");
  V v = std::forward<G>(g);
  if constexpr (!is_static_v<V>)
    if (extents_of(v) != extents_of(like))
      throw_shapes(rule, ("the derivative for argument " + std::to_string(i) + " and the argument").c_str(),
                   extents_of(v), extents_of(like));
  return v;
}

/// The node of tl::custom_vjp (IsVjp, Rule the VJP) or tl::custom_jvp (Rule the JVP). The missing
/// direction is derived from the given one, one call per element: a tangent from m VJPs (m = the
/// output's size), an adjoint from n JVPs (n = the arguments' total size).
template <class F, class Rule, bool IsVjp, class... N>
struct custom_node : expr_base<custom_node<F, Rule, IsVjp, N...>> {
  using value_type = std::remove_cvref_t<std::invoke_result_t<F const&, typename N::value_type const&...>>;
  static constexpr bool active = (N::active || ...);
  static constexpr std::size_t K = sizeof...(N);
  using arg_values = std::tuple<typename N::value_type...>;
  struct record {
    std::tuple<record_t<N>...> args;
    value_type value;
    record(custom_node const& n, sweep& s)
        : args(std::apply([&](auto const&... a) { return std::tuple<record_t<N>...>{a.forward(s)...}; }, n.args_)),
          value(std::apply([&](auto const&... r) { return value_type(n.f_(r.value...)); }, args)) {}
  };

  F f_;
  Rule rule_;
  std::tuple<N...> args_;

  record forward(sweep& s) const { return record(*this, s); }

  void backward(sweep& s, record const& r, value_type const& a) const {
    auto adj = input_adjoints(r, a);
    for_each_index<K>([&](auto i) {
      using C = std::tuple_element_t<i, std::tuple<N...>>;
      if constexpr (C::active) std::get<i>(args_).backward(s, std::get<i>(r.args), std::move(std::get<i>(adj)));
    });
  }

  value_type tangent(tangent_pass const& p, record const& r) const {
    arg_values t = [&]<std::size_t... I>(std::index_sequence<I...>) {
      return arg_values{tangent_of(std::get<I>(args_), p, std::get<I>(r.args))...};
    }(std::make_index_sequence<K>{});
    if constexpr (!IsVjp) {
      return call_jvp(r, t);
    } else {
      // J t one row at a time: row i is the VJP of the unit vector e_i, dotted with the tangents.
      value_type out = zeros_like(r.value);
      value_type e = zeros_like(r.value);
      for (std::size_t i = 0, m = size_of(r.value); i < m; ++i) {
        elem(e, i) = element_t<value_type>(1);
        arg_values row = input_adjoints(r, e);
        elem(e, i) = element_t<value_type>{};
        for_each_index<K>([&](auto k) { elem(out, i) += dot_values(std::get<k>(row), std::get<k>(t)); });
      }
      return out;
    }
  }

 private:
  template <class V>
  static element_t<V> dot_values(V const& a, V const& b) {
    element_t<V> s{};
    for (std::size_t i = 0, n = size_of(a); i < n; ++i) s += elem(a, i) * elem(b, i);
    return s;
  }
  value_type call_jvp(record const& r, arg_values const& t) const {
    auto out = [&]<std::size_t... I>(std::index_sequence<I...>) {
      return rule_(std::get<I>(r.args).value..., std::get<I>(t)...);
    }(std::make_index_sequence<K>{});
    return rule_value<value_type>("tl::custom_jvp", 0, r.value, std::move(out));
  }
  /// The adjoints of the arguments for the output adjoint a.
  arg_values input_adjoints(record const& r, value_type const& a) const {
    if constexpr (IsVjp) {
      auto got = as_rule_tuple<K>(std::apply([&](auto const&... x) { return rule_(x.value..., r.value, a); }, r.args));
      static_assert(std::tuple_size_v<decltype(got)> == K,
                    "tl::custom_vjp: the vjp must return one adjoint per argument (a std::tuple for several)");
      return [&]<std::size_t... I>(std::index_sequence<I...>) {
        return arg_values{rule_value<typename N::value_type>("tl::custom_vjp", I, std::get<I>(r.args).value,
                                                             std::move(std::get<I>(got)))...};
      }(std::make_index_sequence<K>{});
    } else {
      // The transpose of the JVP: one JVP per element of each argument, dotted with a.
      arg_values adj = [&]<std::size_t... I>(std::index_sequence<I...>) {
        return arg_values{zeros_like(std::get<I>(r.args).value)...};
      }(std::make_index_sequence<K>{});
      arg_values dir = adj;
      for_each_index<K>([&](auto k) {
        using C = std::tuple_element_t<k, std::tuple<N...>>;
        if constexpr (C::active) {
          auto& d = std::get<k>(dir);
          for (std::size_t j = 0, n = size_of(d); j < n; ++j) {
            elem(d, j) = element_t<std::remove_cvref_t<decltype(d)>>(1);
            value_type const col = call_jvp(r, dir);
            elem(d, j) = element_t<std::remove_cvref_t<decltype(d)>>{};
            elem(std::get<k>(adj), j) = dot_values(col, a);
          }
        }
      });
      return adj;
    }
  }
};

template <class F, class Rule, bool IsVjp, class... N>
struct leaf_kinds<custom_node<F, Rule, IsVjp, N...>> : leaf_union<leaf_kinds<N>...> {};

template <class... A>
struct first_active_element {
  using type = void;
};
template <class A, class... R>
struct first_active_element<A, R...> {
  using type = typename std::conditional_t<expression<A> && node_t<A>::active, operand_element<A>,
                                           first_active_element<R...>>::type;
};

template <class F, class Rule, bool IsVjp>
class custom_function {
 public:
  custom_function(F f, Rule rule) : f_(std::move(f)), rule_(std::move(rule)) {}

  template <class... A>
    requires(sizeof...(A) >= 1 && (operand<A> && ...))
  auto operator()(A const&... a) const {
    if constexpr (!(expression<A> || ...)) {
      return f_(a...);  // plain values: computed at once
    } else {
      // The arguments share the element type of the first active one: constants of plain reals next
      // to duals are promoted, as in elementwise operations.
      using T = typename first_active_element<A...>::type;
      constexpr bool callable = std::is_invocable_v<F const&, typename decltype(node_of<T>(a))::value_type const&...>;
      static_assert(callable, "tl::custom_vjp / tl::custom_jvp: f must be callable with the arguments' values "
                              "(numbers, tl::vec, tl::dmat ...), which is what it receives, never expressions");
      if constexpr (callable) {
        using R = std::remove_cvref_t<std::invoke_result_t<F const&, typename decltype(node_of<T>(a))::value_type const&...>>;
        static_assert(value_type<R>, "tl::custom_vjp / tl::custom_jvp: f must return a number or a tapeless value "
                                     "(tl::vec, tl::dmat ...), computed from the values it receives");
        if constexpr (value_type<R>) {
          using Node = custom_node<F, Rule, IsVjp, decltype(node_of<T>(a))...>;
          return Node{{}, f_, rule_, {node_of<T>(a)...}};
        }
      }
    }
  }

 private:
  F f_;
  Rule rule_;
};

}  // namespace detail

/// A function f on values with its vector-Jacobian product: `vjp(args..., output, output_adjoint)`
/// returns the arguments' adjoints (one value for one argument, a std::tuple for several). The result
/// is callable on expressions (`jax.custom_vjp`). A forward-mode pass through it (tl::jacobian's forward
/// mode, tl::jvp) takes one VJP per element of the output.
template <class F, class Vjp>
auto custom_vjp(F f, Vjp vjp) {
  return detail::custom_function<F, Vjp, true>(std::move(f), std::move(vjp));
}

/// A function f on values with its Jacobian-vector product: `jvp(args..., tangents...)` returns the
/// output's tangent (`jax.custom_jvp`). A reverse sweep through it takes one JVP per element of the
/// arguments (the transpose of the JVP, column by column).
template <class F, class Jvp>
auto custom_jvp(F f, Jvp jvp) {
  return detail::custom_function<F, Jvp, false>(std::move(f), std::move(jvp));
}

}  // namespace tapeless
