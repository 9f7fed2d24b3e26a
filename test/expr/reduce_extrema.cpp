// The laws of the reductions, part 2: tl::max(e), tl::min(e), tl::logsumexp (part 1, reduce.cpp, says
// more), and their edges: the derivative of max and min goes to the first extremal element, logsumexp is
// stable at large inputs.
#define BOOST_TEST_MODULE expr_reduce_extrema
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include "law/dense.hpp"

using float_types = std::tuple<float, double>;
using dvec = std::vector<double>;

namespace {
dvec first_extremum_seeded(dvec const& x, dvec const& s, bool largest) {
  auto const it = largest ? std::max_element(x.begin(), x.end()) : std::min_element(x.begin(), x.end());
  dvec g(x.size());
  g[static_cast<std::size_t>(it - x.begin())] = s[0];
  return g;
}
double logsumexp_ref(dvec const& x) {
  double const m = *std::max_element(x.begin(), x.end());
  long double s = 0;
  for (double v : x) s += std::exp(v - m);
  return m + double(std::log(s));
}
dvec softmax_seeded(dvec const& x, dvec const& s, double scale) {
  double const l = logsumexp_ref(x);
  dvec g(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) g[i] = s[0] * scale * std::exp(x[i] - l);
  return g;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(laws)

// Random inputs have no ties; ties have their own tests below.
BOOST_AUTO_TEST_CASE_TEMPLATE(max, T, float_types) {
  law::dense<T, 0>(
      "tl::max(e)", [](auto const& x) { return tl::max(x); },
      [](dvec const& x) { return dvec{*std::max_element(x.begin(), x.end())}; },
      [](dvec const& x, dvec const& s) { return first_extremum_seeded(x, s, true); }, law::uniform(-5, 5));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(min, T, float_types) {
  law::dense<T, 1>(
      "tl::min(e)", [](auto const& x) { return tl::min(x); },
      [](dvec const& x) { return dvec{*std::min_element(x.begin(), x.end())}; },
      [](dvec const& x, dvec const& s) { return first_extremum_seeded(x, s, false); }, law::uniform(-5, 5));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(logsumexp, T, float_types) {
  law::dense<T, 2, law::depth::exhaustive>(
      "tl::logsumexp", [](auto const& x) { return tl::logsumexp(x); }, [](dvec const& x) { return dvec{logsumexp_ref(x)}; },
      [](dvec const& x, dvec const& s) { return softmax_seeded(x, s, 1.0); }, law::uniform(-5, 5));
}
// Of an expression: the reduction's child is an elementwise tree.
BOOST_AUTO_TEST_CASE_TEMPLATE(logsumexp_of_expression, T, float_types) {
  law::dense<T, 3>(
      "tl::logsumexp(3 * x)", [](auto const& x) { return tl::logsumexp(3 * x); },
      [](dvec const& x) {
        dvec y(x);
        for (double& v : y) v *= 3;
        return dvec{logsumexp_ref(y)};
      },
      [](dvec const& x, dvec const& s) {
        dvec y(x);
        for (double& v : y) v *= 3;
        return softmax_seeded(y, s, 3.0);
      },
      law::uniform(-5, 5));
}

// Of an elementwise tree (the fused path: the backward pass runs the tree at the one element).
BOOST_AUTO_TEST_CASE_TEMPLATE(max_of_expression, T, float_types) {
  law::dense<T, 4>(
      "tl::max(tl::sin(x) * 2 + x)", [](auto const& x) { return tl::max(tl::sin(x) * 2 + x); },
      [](dvec const& x) {
        double m = -1e300;
        for (double v : x) m = std::max(m, std::sin(v) * 2 + v);
        return dvec{m};
      },
      [](dvec const& x, dvec const& s) {
        dvec y(x);
        for (double& v : y) v = std::sin(v) * 2 + v;
        dvec g = first_extremum_seeded(y, s, true);
        for (std::size_t i = 0; i < x.size(); ++i) g[i] *= 2 * std::cos(x[i]) + 1;
        return g;
      },
      law::uniform(-3, 3));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(min_of_expression, T, float_types) {
  law::dense<T, 5>(
      "tl::min(tl::exp(x) - 3 * x)", [](auto const& x) { return tl::min(tl::exp(x) - 3 * x); },
      [](dvec const& x) {
        double m = 1e300;
        for (double v : x) m = std::min(m, std::exp(v) - 3 * v);
        return dvec{m};
      },
      [](dvec const& x, dvec const& s) {
        dvec y(x);
        for (double& v : y) v = std::exp(v) - 3 * v;
        dvec g = first_extremum_seeded(y, s, false);
        for (std::size_t i = 0; i < x.size(); ++i) g[i] *= std::exp(x[i]) - 3;
        return g;
      },
      law::uniform(-2, 2));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(edges)

// max and min of an elementwise tree give the derivative to one element and nothing to the others,
// even where the tree's own derivative is infinite (sqrt at 0: 0 times inf would be NaN): the backward
// pass runs the tree at the one element. With a broadcast row, a scalar var, a let and an index leaf.
BOOST_AUTO_TEST_CASE_TEMPLATE(extremum_of_tree_touches_one_element, T, float_types) {
  tl::var<tl::dvec<T>> x{T(0), T(4), T(0), T(9), T(1), T(0), T(2), T(0), T(0), T(3)};
  auto const g = tl::gradient(tl::max(tl::sqrt(x)), x);
  auto const h = tl::gradient(tl::min(-tl::sqrt(x)), x);
  for (std::size_t i = 0; i < 10; ++i) {
    if (i == 3) continue;
    BOOST_TEST(g[i] == T(0));
    BOOST_TEST(h[i] == T(0));
  }
  BOOST_TEST(double(g[3]) == 1.0 / 6, boost::test_tools::tolerance(1e-6));  // d sqrt(x) at 9
  BOOST_TEST(double(h[3]) == -1.0 / 6, boost::test_tools::tolerance(1e-6));
  // Forward mode reads the one element's tangent, and agrees.
  auto const J = tl::jacobian(tl::max(tl::sqrt(x)), x, tl::forward_mode);
  for (std::size_t i = 0; i < 10; ++i) BOOST_TEST(J[i] == g[i]);
  // An index and a slice of the tree likewise.
  auto const gi = tl::gradient(tl::sqrt(x)[3] + tl::sum(tl::slice(tl::sqrt(x), 1, 1)), x);
  auto const Ji = tl::jacobian(tl::sqrt(x)[3] + tl::sum(tl::slice(tl::sqrt(x), 1, 1)), x, tl::forward_mode);
  for (std::size_t i = 0; i < 10; ++i) {
    BOOST_TEST(gi[i] == T(i == 3 ? 1.0 / 6 : i == 1 ? 0.25 : 0), boost::test_tools::tolerance(T(1e-6)));
    BOOST_TEST(Ji[i] == gi[i]);
  }

  // A row spread over a matrix, a scalar var, a let: each gets what its element contributed.
  tl::var<tl::dmat<T>> m{{T(1), T(-2), T(3)}, {T(0.5), T(5), T(-1)}};
  tl::var<tl::dvec<T>> row{T(1), T(2), T(3)};
  tl::var<T> c{T(2)};
  auto const l = tl::let(m * c);
  auto const y = tl::max(l + row * c);  // (1, 2) holds 5 * 2 + 2 * 2 = 14
  BOOST_TEST(tl::value(y) == T(14));
  auto const [gm, grow, gc] = tl::gradient(y, tl::wrt(m, row, c));
  for (std::size_t i = 0; i < 6; ++i) BOOST_TEST(gm.data()[i] == T(i == 4 ? 2 : 0));
  BOOST_TEST(grow == (tl::dvec<T>{T(0), T(2), T(0)}));
  BOOST_TEST(gc == T(5 + 2));
  // Forward mode agrees along c.
  BOOST_TEST(tl::jacobian(y, c, tl::forward_mode) == gc);
  // An index leaf: max(x[i] * x) gives back to x at i and at the extreme element.
  tl::var<tl::dvec<T>> z{T(1), T(-3), T(2)};
  auto const gz = tl::gradient(tl::max(z[1] * z), z);  // -3 * (1, -3, 2): 9 at element 1
  BOOST_TEST(gz == (tl::dvec<T>{T(0), T(-6), T(0)}));
}

// A var's adjoint is not zero-filled when a sweep first sees it: its first contribution is stored and
// later ones added. Whatever the order of its contributions (a fused loop, an index, a whole-array
// one, none at all), the gradient is the sum of them, and a stale adjoint of an earlier sweep never
// leaks into a later one.
BOOST_AUTO_TEST_CASE_TEMPLATE(var_adjoints_start_from_their_first_contribution, T, float_types) {
  tl::var<tl::dvec<T>> x{T(1), T(2), T(3), T(4), T(5), T(6), T(7), T(8), T(9), T(10), T(11)};
  auto const twice = [](tl::dvec<T> const& g) {
    tl::dvec<T> r(g);
    for (auto& v : r) v *= 2;
    return r;
  };
  auto const want_sq = twice(x.value());  // d sum(x * x)
  // One fused loop, x twice in it; two loops; a loop and an index, in both orders; a non-fused node.
  BOOST_TEST(tl::gradient(tl::sum(x * x), x) == want_sq);
  auto g = tl::gradient(tl::sum(x * x) + tl::sum(x * 3), x);
  for (std::size_t i = 0; i < 11; ++i) BOOST_TEST(g[i] == want_sq[i] + T(3));
  g = tl::gradient(x[4] + tl::sum(x * x), x);
  for (std::size_t i = 0; i < 11; ++i) BOOST_TEST(g[i] == want_sq[i] + T(i == 4 ? 1 : 0));
  g = tl::gradient(tl::sum(x * x) + x[4], x);
  for (std::size_t i = 0; i < 11; ++i) BOOST_TEST(g[i] == want_sq[i] + T(i == 4 ? 1 : 0));
  g = tl::gradient(tl::logsumexp(x) * 0 + tl::sum(x * x) + tl::max(x), x);
  for (std::size_t i = 0; i < 11; ++i) BOOST_TEST(g[i] == want_sq[i] + T(i == 10 ? 1 : 0));
  // Named twice, both get the whole gradient; then reached with no contribution: zeros, not the last.
  auto const [a, b] = tl::gradient(tl::sum(x * x), tl::wrt(x, x));
  BOOST_TEST(a == want_sq);
  BOOST_TEST(b == want_sq);
  auto const z = tl::gradient(tl::sum(tl::stop_gradient(x)), x);
  for (std::size_t i = 0; i < 11; ++i) BOOST_TEST(z[i] == T(0));
  BOOST_TEST(tl::gradient(tl::sum(x * x), x) == want_sq);
  // A reverse-mode Jacobian reads one row per sweep.
  auto const J = tl::jacobian(x * x + x[0], x, tl::reverse_mode);
  auto const Jf = tl::jacobian(x * x + x[0], x, tl::forward_mode);
  BOOST_TEST(J == Jf);
  BOOST_TEST(J(3, 3) == T(8));
  BOOST_TEST(J(3, 0) == T(1));
  BOOST_TEST(J(0, 0) == T(3));
}

// The whole derivative goes to the FIRST extremal element, in reverse and forward mode.
BOOST_AUTO_TEST_CASE_TEMPLATE(first_extremum_gets_the_derivative, T, float_types) {
  tl::var<tl::vec<T, 5>> x{T(1), T(3), T(3), T(-2), T(-2)};
  BOOST_TEST(tl::value(tl::max(x)) == T(3));
  BOOST_TEST(tl::value(tl::min(x)) == T(-2));
  BOOST_TEST(tl::gradient(tl::max(x), x) == (tl::vec<T, 5>{T(0), T(1), T(0), T(0), T(0)}));
  BOOST_TEST(tl::gradient(tl::min(x), x) == (tl::vec<T, 5>{T(0), T(0), T(0), T(1), T(0)}));
  BOOST_TEST(tl::jacobian(tl::max(x), x, tl::forward_mode) == (tl::vec<T, 5>{T(0), T(1), T(0), T(0), T(0)}));
  BOOST_TEST(tl::jacobian(tl::min(x), x, tl::forward_mode) == (tl::vec<T, 5>{T(0), T(0), T(0), T(1), T(0)}));
  // All equal: the first element.
  tl::var<tl::dvec<T>> e{T(7), T(7), T(7), T(7), T(7), T(7), T(7), T(7), T(7)};
  auto const g = tl::gradient(tl::max(e), e);
  auto const h = tl::gradient(tl::min(e), e);
  for (std::size_t i = 0; i < 9; ++i) {
    BOOST_TEST(g[i] == T(i == 0 ? 1 : 0));
    BOOST_TEST(h[i] == T(i == 0 ? 1 : 0));
  }
  // Dual elements: the tangent of the first extremal element.
  using D = tl::dual<T>;
  tl::var<tl::dvec<D>> d{D(T(1), {T(10)}), D(T(3), {T(20)}), D(T(3), {T(30)})};
  BOOST_TEST(tl::value(tl::max(d)).tangent[0] == T(20));
  // Of an expression, the first extremum of the expression's value.
  tl::var<tl::dvec<T>> z{T(-3), T(1), T(3), T(2)};
  BOOST_TEST(tl::gradient(tl::max(z * z), z) == (tl::dvec<T>{T(-6), T(0), T(0), T(0)}));
}

// Stable at large inputs: exp is only taken of x - max(x), so 1000 does not overflow nor -1000 underflow.
BOOST_AUTO_TEST_CASE_TEMPLATE(logsumexp_is_stable, T, float_types) {
  tl::var<tl::dvec<T>> x{T(1000), T(1000.5), T(999)};
  double const want = 1000.5 + std::log(std::exp(-0.5) + 1 + std::exp(-1.5));
  BOOST_TEST(double(tl::value(tl::logsumexp(x))) == want, boost::test_tools::tolerance(1e-6));
  auto const g = tl::gradient(tl::logsumexp(x), x);
  dvec const xs{1000, 1000.5, 999};
  for (std::size_t i = 0; i < 3; ++i) {
    BOOST_TEST(std::isfinite(g[i]));
    BOOST_TEST(double(g[i]) == std::exp(xs[i] - want), boost::test_tools::tolerance(1e-5));
  }
  tl::var<tl::dvec<T>> y{T(-1000), T(-1000), T(-1000), T(-1000)};
  BOOST_TEST(double(tl::value(tl::logsumexp(y))) == -1000 + std::log(4.0), boost::test_tools::tolerance(1e-6));
  auto const gy = tl::gradient(tl::logsumexp(y), y);
  for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(double(gy[i]) == 0.25, boost::test_tools::tolerance(1e-5));
  // A thousand equal large elements: log(1000) above them, softmax 1/1000 each.
  tl::var<tl::dvec<T>> z{tl::dvec<T>(1000, T(1000))};
  BOOST_TEST(double(tl::value(tl::logsumexp(z))) == 1000 + std::log(1000.0), boost::test_tools::tolerance(1e-6));
  auto const gz = tl::gradient(tl::logsumexp(z), z);
  BOOST_TEST(double(gz[999]) == 1e-3, boost::test_tools::tolerance(1e-5));
  // Forward mode too.
  BOOST_TEST(double(tl::jacobian(tl::logsumexp(x), x, tl::forward_mode)[1]) == std::exp(0.5 - (want - 1000)),
             boost::test_tools::tolerance(1e-5));
}

BOOST_AUTO_TEST_SUITE_END()
