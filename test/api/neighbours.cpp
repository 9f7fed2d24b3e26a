// tapeless as a good neighbour: a header of the user's own generic functions with the same names as
// tapeless's (sigmoid, softplus, clamp, dot, as the standard LSTM benchmark's has) included beside
// tapeless, each called unqualified on plain numbers, on duals and on jets, with and without
// `using namespace tapeless`: nothing is ambiguous, and each call gives the function's value.
#define BOOST_TEST_MODULE api_neighbours
#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>

#include <tapeless/tapeless.hpp>

namespace tl = tapeless;

// The user's header, in the global namespace as benchmark code has it.
template <class T>
T sigmoid(T x) {
  using std::exp;
  return 1 / (1 + exp(-x));
}
template <class T>
T softplus(T x) {
  using std::exp;
  using std::log;
  return log(1 + exp(x));
}
template <class T>
T clamp(T x, T lo, T hi) {
  return x < lo ? lo : (hi < x ? hi : x);
}
template <class V>
auto dot(V const& a, V const& b) {
  auto s = a[0] * b[0];
  for (std::size_t i = 1; i < a.size(); ++i) s = s + a[i] * b[i];
  return s;
}
/// A cell written once for numbers and for duals, calling the names above unqualified.
template <class T>
T cell(T x, T h) {
  std::array<T, 2> const w{x, h};
  return sigmoid(dot(w, w)) + softplus(x) + clamp(h, T(-1), T(1));
}

BOOST_AUTO_TEST_CASE(unqualified_calls_on_numbers_duals_and_jets) {
  double const x = 0.3, h = 1.7;
  double const want = 1 / (1 + std::exp(-(x * x + h * h))) + std::log(1 + std::exp(x)) + 1.0;
  BOOST_TEST(std::abs(cell(x, h) - want) <= 1e-15);
  // On duals: argument-dependent lookup finds tapeless's functions beside the user's; the ones written
  // for duals are the more specialized, so the call is not ambiguous (it was, for sigmoid and clamp).
  tl::dual<double> const dx(x, {1.0}), dh(h, {0.0});
  auto const d = cell(dx, dh);
  BOOST_TEST(std::abs(d.value - want) <= 1e-15);
  double const s = 1 / (1 + std::exp(-(x * x + h * h)));
  double const dwant = s * (1 - s) * 2 * x + 1 / (1 + std::exp(-x));
  BOOST_TEST(std::abs(d.tangent[0] - dwant) <= 1e-14);
  // the same through tl::derivative (jets) and nested duals
  auto const f = [h](auto const& v) { return cell(v, decltype(v)(h)); };
  auto const j = tl::derivative<2>(f, x);
  auto const n = tl::derivative<2>(f, x, tl::nested_duals);
  BOOST_TEST(std::abs(j[1] - dwant) <= 1e-14);
  BOOST_TEST(std::abs(n[2] - j[2]) <= 1e-13);
}

BOOST_AUTO_TEST_CASE(with_using_namespace_tapeless) {
  // The directive makes tapeless's names visible beside the user's global ones. Numbers: tapeless's
  // overloads for numbers are constrained, and so the more specialized.
  using namespace tapeless;
  BOOST_TEST(std::abs(sigmoid(0.25) - 1 / (1 + std::exp(-0.25))) <= 1e-16);
  BOOST_TEST(std::abs(softplus(0.25) - std::log1p(std::exp(0.25))) <= 1e-16);
  BOOST_TEST(clamp(2.0, -1.0, 1.0) == 1.0);
  dual<double> const d(0.25, {1.0});
  BOOST_TEST(std::abs(sigmoid(d).tangent[0] - sigmoid(0.25) * (1 - sigmoid(0.25))) <= 1e-16);
  BOOST_TEST(clamp(d, dual<double>(-1.0), dual<double>(0.2)).value == 0.2);
  // Expressions still go to tapeless.
  var<double> v{0.25};
  BOOST_TEST(std::abs(gradient(tapeless::softplus(v), v) - sigmoid(0.25)) <= 1e-16);
}
