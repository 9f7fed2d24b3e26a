// test/law/binary.hpp: the driver of binary elementwise laws (`law::binary`): two vars, and the other
// arrangements of the operands (a broadcast scalar, the same var twice, a number, a value, tl::constant),
// on tl::dvec of every size, on one other shape (test/law/shapes.hpp) and on the eager path.
#pragma once

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <tapeless/tapeless.hpp>

#include "law/check.hpp"
#include "law/shapes.hpp"

namespace law {

using binary_fn = std::function<double(double, double)>;

inline spec binary_spec(std::string name, binary_fn f, binary_fn dfa, binary_fn dfb) {
  spec s{std::move(name), {}, [f](std::size_t, std::span<double const> a) { return f(a[0], a[1]); }, {}, {}};
  if (dfa && dfb)
    s.partial = [dfa, dfb](std::size_t, std::span<double const> a, std::size_t k) {
      return k == 0 ? dfa(a[0], a[1]) : dfb(a[0], a[1]);
    };
  return s;
}

/// The domains of a binary law: of the left and right operands, and of x in op(x, x).
struct binary_domains {
  domain left, right, same;
};

/// How the operands of a binary law are given.
enum class arrangement {
  two_vars,      // op(a, b), two vars of one shape
  var_scalar,    // op(a, s): a scalar var broadcast on the right
  scalar_var,    // op(s, b): on the left
  same_var,      // op(x, x)
  var_number,    // op(x, 2.5): a plain number on the right
  number_var,    // op(2.5, x)
  var_value,     // op(x, v): a value (not an expression) of x's shape on the right
  constant_var,  // op(tl::constant(v), x)
};
inline constexpr std::size_t arrangement_count = 8;

template <class T, class Op>
struct binary_law {
  std::string name;
  Op const& op;
  binary_fn f, dfa, dfb;
  binary_domains d;
  std::mt19937& gen;

  /// Checks arrangement A; `like` gives the shape of the operands that are not scalars.
  template <arrangement A, depth Depth = depth::basic, class V>
  void run(V const& like) const {
    bool const partials = dfa && dfb;
    if constexpr (A == arrangement::two_vars) {
      check<Depth>(binary_spec(name, f, dfa, dfb), op, random_like(like, d.left, gen), random_like(like, d.right, gen));
    } else if constexpr (A == arrangement::var_scalar) {
      check<Depth>(binary_spec(name, f, dfa, dfb), op, random_like(like, d.left, gen), random_like(T{}, d.right, gen));
    } else if constexpr (A == arrangement::scalar_var) {
      check<Depth>(binary_spec(name, f, dfa, dfb), op, random_like(T{}, d.left, gen), random_like(like, d.right, gen));
    } else if constexpr (A == arrangement::same_var) {
      spec s{name + " (x, x)", {}, [g = f](std::size_t, std::span<double const> a) { return g(a[0], a[0]); }, {}, {}};
      if (partials)
        s.partial = [ga = dfa, gb = dfb](std::size_t, std::span<double const> a, std::size_t) {
          return ga(a[0], a[0]) + gb(a[0], a[0]);
        };
      check<Depth>(s, [&o = op](auto const& x) { return o(x, x); }, random_like(like, d.same, gen));
    } else if constexpr (A == arrangement::var_number || A == arrangement::number_var) {
      constexpr bool left = A == arrangement::var_number;
      double const c = static_cast<T>((left ? d.right : d.left)(gen));  // exactly the constant the library sees
      spec s{name + (left ? " (x, number)" : " (number, x)"), {}, {}, {}, {}};
      s.elementwise = [g = f, c](std::size_t, std::span<double const> a) { return left ? g(a[0], c) : g(c, a[0]); };
      if (partials)
        s.partial = [ga = dfa, gb = dfb, c](std::size_t, std::span<double const> a, std::size_t) {
          return left ? ga(a[0], c) : gb(c, a[0]);
        };
      if constexpr (A == arrangement::var_number)
        check<Depth>(s, [&o = op, c](auto const& x) { return o(x, c); }, random_like(like, d.left, gen));
      else
        check<Depth>(s, [&o = op, c](auto const& x) { return o(c, x); }, random_like(like, d.right, gen));
    } else {
      constexpr bool left = A == arrangement::var_value;
      V const cv = random_like(like, left ? d.right : d.left, gen);
      std::vector<double> const cf = flat(cv);
      spec s{name + (left ? " (x, value)" : " (tl::constant, x)"), {}, {}, {}, {}};
      s.elementwise = [g = f, cf](std::size_t i, std::span<double const> a) { return left ? g(a[0], cf[i]) : g(cf[i], a[0]); };
      if (partials)
        s.partial = [ga = dfa, gb = dfb, cf](std::size_t i, std::span<double const> a, std::size_t) {
          return left ? ga(a[0], cf[i]) : gb(cf[i], a[0]);
        };
      // The constant takes the var's element type, so the dual run gets dual constants (zero tangents).
      if constexpr (A == arrangement::var_value)
        check<Depth>(s, [&o = op, &cv](auto const& x) { return o(x, convert<expr_element_t<decltype(x)>>(cv)); },
                     random_like(like, d.left, gen));
      else
        check<Depth>(s, [&o = op, &cv](auto const& x) { return o(tl::constant(convert<expr_element_t<decltype(x)>>(cv)), x); },
                     random_like(like, d.right, gen));
    }
  }
};

/// The K-th (0 or 1) of the two arrangements beside two_vars that slot `Slot` runs for element type T. Counting
/// the seven others round, slot s runs numbers 4s and 4s + 1 for double and 4s + 2 and 4s + 3 for float, so
/// any two consecutive slots of a file run all seven, whatever the other files do.
template <class T, std::size_t Slot, std::size_t K>
inline constexpr arrangement more_arrangement =
    static_cast<arrangement>(1 + (4 * Slot + (std::is_same_v<T, float> ? 2 : 0) + K) % (arrangement_count - 1));

/// A binary elementwise law, op(a, b): two vars at `Depth` on tl::dvec<T> of every size; two more
/// arrangements (see `more_arrangement`) picked by `Slot` on tl::dvec<T> of every size; two vars on the
/// other shape of `Slot` (walking the list from the back, test/law/shapes.hpp); and the eager path
/// (numbers; a tl::dual<T, 2> seeded in both operands gives both partials). `dfa` and `dfb`, the analytic
/// partials, may be empty.
template <class T, std::size_t Slot, depth Depth = depth::full, class Op>
void binary(std::string const& name, Op const& op, binary_fn const& f, binary_fn const& dfa, binary_fn const& dfb,
            binary_domains const& d) {
  std::mt19937 gen(fixed_seed);
  binary_law<T, Op> const law{name, op, f, dfa, dfb, d, gen};
  for (std::size_t n : sizes) {
    law.template run<arrangement::two_vars, Depth>(tl::dvec<T>(n));
    law.template run<more_arrangement<T, Slot, 0>>(tl::dvec<T>(n));
    law.template run<more_arrangement<T, Slot, 1>>(tl::dvec<T>(n));
  }
  for_other_shapes<T, Slot, walk::backward>([&](auto const& like) { law.template run<arrangement::two_vars>(like); });

  tolerances const tol = tolerances_for<T>();
  report rep(name + " <" + type_name<T>() + "> eager");
  for (std::size_t k = 0; k < 8; ++k) {
    T const a = static_cast<T>(d.left(gen)), b = static_cast<T>(d.right(gen));
    double const want = f(a, b);
    auto const y = op(a, b);
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(y)>, T>, "a binary op on numbers gives a number");
    rep.close("number", k, y, want, tol.value * std::abs(want));
    auto const yd = op(tl::dual<T, 2>(a, {T(1), T(0)}), tl::dual<T, 2>(b, {T(0), T(1)}));
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(yd)>, tl::dual<T, 2>>, "a binary op on duals gives a dual");
    rep.close("dual value", k, yd.value, want, tol.value * std::abs(want));
    if (dfa && dfb) {
      rep.close("dual d/da", k, yd.tangent[0], dfa(a, b), tol.analytic * std::max(1.0, std::abs(dfa(a, b))));
      rep.close("dual d/db", k, yd.tangent[1], dfb(a, b), tol.analytic * std::max(1.0, std::abs(dfb(a, b))));
    }
  }
}

}  // namespace law
