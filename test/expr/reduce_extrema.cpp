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

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(edges)

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
