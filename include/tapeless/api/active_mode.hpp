// tapeless/api/active_mode.hpp: tl::grad, tl::value_and_grad, tl::jacrev and tl::hessian with
// tl::active_mode: f is ordinary C++ templated over its scalar, run on tl::active values.
#pragma once

#include <array>
#include <cstddef>
#include <iterator>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>
#include <boost/hana/tuple.hpp>
#include <boost/hana/unpack.hpp>

#include "../expr/active.hpp"
#include "../forward/dual.hpp"
#include "../reverse/gradient.hpp"
#include "detail/call.hpp"

namespace tapeless {

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
/// Transform names the caller in the diagnostics.
template <class Transform, class F, class G, class... X>
auto with_actives(F const& f, G const& g, X const&... x) {
  std::tuple<typename actives_for<X>::type...> actives(make_actives(x)...);
  return call_checked<Transform, true>(f, g, actives);
}

/// Transform: the transform the user called (tl::hessian runs this on duals).
template <class F, class Transform = transform::grad>
struct active_grad_fn {
  F f;
  template <class... X>
    requires(sizeof...(X) >= 1 && (program_input<X> && ...))
  auto operator()(X const&... x) const {
    return with_actives<Transform>(f, [](auto const& y, auto const&... a) {
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
    return with_actives<transform::value_and_grad>(f, [](auto const& y, auto const&... a) {
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
    return with_actives<transform::jacrev>(f, [](auto const& y, auto const& a) {
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
      auto const g = active_grad_fn<F, transform::hessian>{f}(D(x, {X(1)}));
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
        auto const g = active_grad_fn<F, transform::hessian>{f}(xd);
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

}  // namespace tapeless
