// tl::custom_vjp and tl::custom_jvp (include/tapeless/expr/custom.hpp): a linear solve with its
// adjoint (A^T solve), in reverse mode, inside a tl::scan step, in jacrev, in hessian (forward over
// reverse: the rule itself runs on duals), and forward mode derived from the VJP; a JVP rule in
// forward and (transposed) reverse mode; a rule that returns the wrong extents.
#define BOOST_TEST_MODULE expr_custom
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>

#include <tapeless/tapeless.hpp>

namespace {

bool close(double a, double b, double rel) { return std::abs(a - b) <= rel * std::max({1.0, std::abs(a), std::abs(b)}); }

/// Gaussian elimination without pivoting, generic over the element type (stands in for an
/// external solver; the matrices here are diagonally dominant).
template <class T, std::size_t N>
tl::vec<T, N> solve(tl::mat<T, N, N> A, tl::vec<T, N> b) {
  for (std::size_t k = 0; k < N; ++k)
    for (std::size_t i = k + 1; i < N; ++i) {
      T const f = A(i, k) / A(k, k);
      for (std::size_t j = k; j < N; ++j) A(i, j) = A(i, j) - f * A(k, j);
      b[i] = b[i] - f * b[k];
    }
  tl::vec<T, N> x{};
  for (std::size_t i = N; i-- > 0;) {
    T s = b[i];
    for (std::size_t j = i + 1; j < N; ++j) s = s - A(i, j) * x[j];
    x[i] = s / A(i, i);
  }
  return x;
}

template <class T, std::size_t N>
tl::mat<T, N, N> transposed(tl::mat<T, N, N> const& A) {
  tl::mat<T, N, N> t{};
  for (std::size_t i = 0; i < N; ++i)
    for (std::size_t j = 0; j < N; ++j) t(i, j) = A(j, i);
  return t;
}

// x = A^-1 b; with xbar the output adjoint, bbar = A^-T xbar and Abar = -bbar x^T.
auto const linear_solve = tl::custom_vjp([](auto const& A, auto const& b) { return solve(A, b); },
                                         [](auto const& A, auto const&, auto const& x, auto const& xbar) {
                                           auto const bbar = solve(transposed(A), xbar);
                                           std::remove_cvref_t<decltype(A)> Abar{};
                                           for (std::size_t i = 0; i < x.size(); ++i)
                                             for (std::size_t j = 0; j < x.size(); ++j) Abar(i, j) = -bbar[i] * x[j];
                                           return std::tuple{Abar, bbar};
                                         });

tl::mat<double, 3, 3> const A0{{4.0, 1.0, 0.5}, {1.0, 3.0, -0.5}, {0.2, -0.3, 5.0}};
tl::vec<double, 3> const b0{1.0, -2.0, 0.5};

double loss_plain(tl::mat<double, 3, 3> const& A, tl::vec<double, 3> const& b) {
  auto const x = solve(A, b);
  double s = 0;
  for (std::size_t i = 0; i < 3; ++i) s += std::sin(x[i]) * x[i];
  return s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(vjp_against_central_differences) {
  tl::var<tl::mat<double, 3, 3>> A{A0};
  tl::var<tl::vec<double, 3>> b{b0};
  auto x = linear_solve(A, b);
  auto loss = tl::sum(tl::sin(x) * x);
  auto const [gA, gb] = tl::gradient(loss, tl::wrt(A, b));
  BOOST_TEST(close(tl::value(loss), loss_plain(A0, b0), 1e-14));
  double const h = 1e-6;
  for (std::size_t i = 0; i < 3; ++i) {
    auto bp = b0, bm = b0;
    bp[i] += h;
    bm[i] -= h;
    BOOST_TEST(close(gb[i], (loss_plain(A0, bp) - loss_plain(A0, bm)) / (2 * h), 1e-8));
    for (std::size_t j = 0; j < 3; ++j) {
      auto Ap = A0, Am = A0;
      Ap(i, j) += h;
      Am(i, j) -= h;
      BOOST_TEST(close(gA(i, j), (loss_plain(Ap, b0) - loss_plain(Am, b0)) / (2 * h), 1e-8));
    }
  }
  // On plain values the call computes at once.
  auto const xv = linear_solve(A0, b0);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(xv)>, tl::vec<double, 3>>);
  BOOST_TEST(xv[0] == tl::value(x)[0]);
}

BOOST_AUTO_TEST_CASE(forward_from_vjp_and_jacobians) {
  tl::var<tl::vec<double, 3>> b{b0};
  auto x = linear_solve(tl::constant(A0), b);
  auto const jf = tl::jacobian(x, b, tl::forward_mode);  // from VJPs
  auto const jr = tl::jacobian(x, b, tl::reverse_mode);
  auto const Ainv_col = [&](std::size_t j) {
    tl::vec<double, 3> e{};
    e[j] = 1;
    return solve(A0, e);
  };
  for (std::size_t j = 0; j < 3; ++j) {
    auto const c = Ainv_col(j);
    for (std::size_t i = 0; i < 3; ++i) {
      BOOST_TEST(close(jf(i, j), c[i], 1e-14));
      BOOST_TEST(close(jr(i, j), c[i], 1e-14));
    }
  }
  // The function API: jacrev, and hessian (the rule runs on duals).
  auto f = [](auto const& v) { return linear_solve(tl::constant(A0), v); };
  auto const J = tl::jacrev(f)(b0);
  BOOST_TEST(close(J(1, 2), Ainv_col(2)[1], 1e-14));
  auto g = [](auto const& v) { return tl::sum(tl::square(linear_solve(tl::constant(A0), v))); };
  auto const H = tl::hessian(g)(b0);  // 2 A^-T A^-1
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 3; ++j) {
      double want = 0;
      auto const ci = Ainv_col(i), cj = Ainv_col(j);
      for (std::size_t k = 0; k < 3; ++k) want += 2 * ci[k] * cj[k];
      BOOST_TEST(close(H(i, j), want, 1e-12));
    }
}

// The solve inside a time loop: x_{t+1} = solve(A, x_t + c), the implicit Euler shape.
BOOST_AUTO_TEST_CASE(vjp_inside_scan) {
  tl::var<tl::vec<double, 3>> c{0.1, 0.2, -0.1};
  auto xn = tl::scan([&](auto const& x) { return linear_solve(tl::constant(A0), x + c); }, b0, 5, tl::checkpoints(2));
  auto loss = tl::sum(xn * xn);
  auto const g = tl::gradient(loss, c);
  auto run = [&](tl::vec<double, 3> cc) {
    auto x = b0;
    for (int t = 0; t < 5; ++t) {
      tl::vec<double, 3> y{};
      for (std::size_t i = 0; i < 3; ++i) y[i] = x[i] + cc[i];
      x = solve(A0, y);
    }
    double s = 0;
    for (std::size_t i = 0; i < 3; ++i) s += x[i] * x[i];
    return s;
  };
  for (std::size_t i = 0; i < 3; ++i) {
    auto cp = c.value(), cm = c.value();
    cp[i] += 1e-6;
    cm[i] -= 1e-6;
    BOOST_TEST(close(g[i], (run(cp) - run(cm)) / 2e-6, 1e-8));
  }
}

// A JVP rule: forward mode uses it, reverse mode transposes it (one JVP per input element).
using reals = std::tuple<float, double>;
BOOST_AUTO_TEST_CASE_TEMPLATE(jvp_rule_both_modes, T, reals) {
  int calls = 0;
  auto cube = tl::custom_jvp(
      [](auto const& x) {
        auto r = x;
        for (auto& e : r) e = e * e * e;
        return r;
      },
                             [&calls](auto const& x, auto const& t) {
                               ++calls;
                               auto r = t;
                               for (std::size_t i = 0; i < r.size(); ++i) r[i] = T(3) * x[i] * x[i] * t[i];
                               return r;
                             });
  tl::var<tl::vec<T, 4>> x{T(1), T(2), T(-1), T(0.5)};
  auto y = cube(x);
  auto const g = tl::gradient(tl::sum(y), x);
  BOOST_TEST(calls == 4);
  for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(close(g[i], 3.0 * double(x.value()[i]) * double(x.value()[i]), 1e-6));
  auto const jf = tl::jacobian(y, x, tl::forward_mode);
  for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(close(jf(i, i), 3.0 * double(x.value()[i]) * double(x.value()[i]), 1e-6));
}

BOOST_AUTO_TEST_CASE(rule_with_wrong_extents) {
  auto bad = tl::custom_vjp(
      [](auto const& v) {
        auto r = v;
        for (auto& e : r) e *= 2.0;
        return r;
      },
                            [](auto const&, auto const&, auto const&) { return tl::dvec<double>(5); });
  tl::var<tl::dvec<double>> x{1.0, 2.0, 3.0};
  BOOST_TEST(tl::value(tl::sum(bad(x))) == 12.0);
  BOOST_CHECK_EXCEPTION(tl::gradient(tl::sum(bad(x)), x), tl::shape_error, [](tl::shape_error const& e) {
    std::string const w = e.what();
    return w.find("tl::custom_vjp") != std::string::npos && w.find("(5)") != std::string::npos &&
           w.find("(3)") != std::string::npos;
  });
}
