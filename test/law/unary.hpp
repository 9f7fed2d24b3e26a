// test/law/unary.hpp: the driver of unary elementwise laws (`law::unary`): on tl::dvec of every size, on one
// other shape (test/law/shapes.hpp) and on the eager path (a plain number, a tl::dual, tl::derivative<2>).
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

#include <tapeless/tapeless.hpp>

#include "law/check.hpp"
#include "law/shapes.hpp"

namespace law {

using scalar_fn = std::function<double(double)>;

inline spec unary_spec(std::string name, scalar_fn f, scalar_fn df) {
  spec s{std::move(name), {}, [f](std::size_t, std::span<double const> a) { return f(a[0]); }, {}, {}};
  if (df) s.partial = [df](std::size_t, std::span<double const> a, std::size_t) { return df(a[0]); };
  return s;
}

/// The eager path: the op on a plain number and on a tl::dual computes at once; nested duals
/// (tl::derivative<2>) give the second derivative.
template <class T, class Op>
void check_unary_eager(spec const& s, Op const& op, scalar_fn const& f, scalar_fn const& df, domain const& d) {
  tolerances const tol = tolerances_for<T>();
  report rep(s.name + " <" + type_name<T>() + "> eager");
  std::mt19937 gen(fixed_seed);
  for (std::size_t k = 0; k < 8; ++k) {
    T const x = static_cast<T>(d(gen));
    double const xd = x;
    double const h = fd_step(xd);
    double const step = (xd + h) - (xd - h);
    double const fd = (f(xd + h) - f(xd - h)) / step;
    double const deriv = df ? df(xd) : fd;
    double const scale = std::max(std::abs(f(xd)), std::abs(xd * deriv));
    auto const y = op(x);
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(y)>, T>, "an op on a plain number gives a number");
    rep.close("number", k, y, f(xd), tol.value * scale);
    auto const yd = op(tl::dual<T>(x, {T(1)}));
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(yd)>, tl::dual<T>>, "an op on a dual gives a dual");
    rep.close("dual value", k, yd.value, f(xd), tol.value * scale);
    rep.close("dual tangent vs finite differences", k, yd.tangent[0], fd,
              tol.fd * std::abs(fd) + fd_noise(f(xd + h), f(xd - h), step));
    if (df) {
      rep.close("dual tangent vs analytic", k, yd.tangent[0], deriv, tol.analytic * std::max(1.0, std::abs(deriv)));
      double const fd2 = (df(xd + h) - df(xd - h)) / step;
      auto const d2 = tl::derivative<2>(op, x);
      rep.close("tl::derivative<2>: value", k, d2[0], f(xd), tol.value * scale);
      rep.close("tl::derivative<2>: first derivative", k, d2[1], deriv, tol.analytic * std::max(1.0, std::abs(deriv)));
      rep.close("tl::derivative<2>: second derivative vs finite differences", k, d2[2], fd2,
                tol.fd * std::max(1.0, std::abs(fd2)) + fd_noise(df(xd + h), df(xd - h), step));
    }
  }
}

/// A unary elementwise law at `Depth` on tl::dvec<T> of every size, on the other shape of `Slot`, and on the
/// eager path. `df` (the analytic derivative) may be empty.
template <class T, std::size_t Slot, depth Depth = depth::full, class Op>
void unary(std::string const& name, Op const& op, scalar_fn const& f, scalar_fn const& df, domain const& d) {
  spec const s = unary_spec(name, f, df);
  std::mt19937 gen(fixed_seed);
  for (std::size_t n : sizes) check<Depth>(s, op, random_like(tl::dvec<T>(n), d, gen));
  for_other_shapes<T, Slot>([&](auto const& like) { check(s, op, random_like(like, d, gen)); });
  check_unary_eager<T>(s, op, f, df, d);
}

}  // namespace law
