// The reference cases 1-6 of REFERENCE_CASES.md (7-11 in cases_07_11.cpp, 12 in jacobian.cpp), each
// in float and double, through the public API only. The expected numbers are worked out by hand
// in the comments.
#define BOOST_TEST_MODULE reference_cases_01_06
#include <boost/test/unit_test.hpp>

#include <array>
#include <tuple>
#include <type_traits>

#include <tapeless/tapeless.hpp>

#include "reference_check.hpp"

using reference::close;
using reference::element_types;

// ---- 1. The gradient of one element of a matmul --------------------------------------------------
// y = w x with x = [1.2; 2.3]: y(0, 0) = w00 * 1.2 + w01 * 2.3, so d y(0, 0) / d w = [1.2, 2.3; 0, 0].
// Row 0 of y is that same single element (y is 2 x 1), so y[0] gives the same gradient.

BOOST_AUTO_TEST_CASE_TEMPLATE(case_01_element_of_output, T, element_types) {
  tl::var<tl::mat<T, 2, 2>> w{{1.0, 2.3}, {4.5, 6.7}};
  auto x = tl::constant(tl::mat<T, 2, 1>{{1.2}, {2.3}});
  auto y = tl::matmul(w, x);

  auto g = tl::gradient(y(0, 0), w);
  static_assert(std::is_same_v<decltype(g), tl::mat<T, 2, 2>>);
  BOOST_TEST(close(g, {1.2, 2.3, 0, 0}));
  BOOST_TEST(close(tl::gradient(y[0], w), {1.2, 2.3, 0, 0}));
  BOOST_TEST(close(tl::value(y(0, 0)), {1.0 * 1.2 + 2.3 * 2.3}));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(case_01_index_written_anywhere, T, element_types) {
  // TensorFlow returns None when the slice is taken outside the tape; here an index in a later
  // statement, on a let binding, or inside a bigger expression is the same expression node.
  tl::var<tl::mat<T, 2, 2>> w{{1.0, 2.3}, {4.5, 6.7}};
  auto x = tl::constant(tl::mat<T, 2, 1>{{1.2}, {2.3}});
  auto y = tl::matmul(w, x);
  auto y00 = y(0, 0);
  BOOST_TEST(close(tl::gradient(y00, w), {1.2, 2.3, 0, 0}));

  auto bound = tl::let(tl::matmul(w, x));
  BOOST_TEST(close(tl::gradient(bound(0, 0), w), {1.2, 2.3, 0, 0}));
  BOOST_TEST(close(tl::gradient(bound[1], w), {0, 0, 1.2, 2.3}));

  // 3 * y(1, 0) + y[0]: row 1 weighted by 3, row 0 by 1.
  BOOST_TEST(close(tl::gradient(3 * y(1, 0) + y[0], w), {1.2, 2.3, 3 * 1.2, 3 * 2.3}));
}

// ---- 2. and 3. Lists of outputs and inputs, with and without seeds -------------------------------
// z1 = 3 w1 + 2 w2 + w3, z2 = -w3 + w4; summed over both outputs and all elements:
// d/dw1 = 3, d/dw2 = 2, d/dw3 = 1 - 1 = 0, d/dw4 = 1 (per element).

BOOST_AUTO_TEST_CASE_TEMPLATE(case_02_lists_of_outputs_and_inputs, T, element_types) {
  tl::var<tl::vec<T, 3>> w1{1, 2, 3}, w2{4, 5, 6}, w3{7, 8, 9}, w4{-1, -2, -3};
  auto z1 = 3 * w1 + 2 * w2 + w3;
  auto z2 = -1 * w3 + w4;

  auto [g1, g2, g3, g4] = tl::gradient(tl::outputs(z1, z2), tl::wrt(w1, w2, w3, w4));
  static_assert(std::is_same_v<decltype(g1), tl::vec<T, 3>>);
  BOOST_TEST(close(g1, {3, 3, 3}));
  BOOST_TEST(close(g2, {2, 2, 2}));
  BOOST_TEST(close(g3, {0, 0, 0}));
  BOOST_TEST(close(g4, {1, 1, 1}));
}

// With seeds s1 = {-2, -3, -4} on z1 and s2 = {-1, -2, -3} on z2 (a vector-Jacobian product):
// d/dw1 = 3 s1, d/dw2 = 2 s1, d/dw3 = s1 - s2, d/dw4 = s2.

BOOST_AUTO_TEST_CASE_TEMPLATE(case_03_seeds, T, element_types) {
  tl::var<tl::vec<T, 3>> w1{1, 2, 3}, w2{4, 5, 6}, w3{7, 8, 9}, w4{-1, -2, -3};
  auto z1 = 3 * w1 + 2 * w2 + w3;
  auto z2 = -1 * w3 + w4;

  auto [g1, g2, g3, g4] =
      tl::gradient(tl::outputs(z1, z2), tl::wrt(w1, w2, w3, w4), tl::seeds({-2, -3, -4}, {-1, -2, -3}));
  BOOST_TEST(close(g1, {-6, -9, -12}));
  BOOST_TEST(close(g2, {-4, -6, -8}));
  BOOST_TEST(close(g3, {-1, -1, -1}));
  BOOST_TEST(close(g4, {-1, -2, -3}));

  // The same seeds given as values.
  tl::vec<T, 3> const s1{-2, -3, -4}, s2{-1, -2, -3};
  auto [h1, h2, h3, h4] = tl::gradient(tl::outputs(z1, z2), tl::wrt(w1, w2, w3, w4), tl::seeds(s1, s2));
  BOOST_TEST(close(h1, {-6, -9, -12}));
  BOOST_TEST(close(h2, {-4, -6, -8}));
  BOOST_TEST(close(h3, {-1, -1, -1}));
  BOOST_TEST(close(h4, {-1, -2, -3}));
}

// ---- 4. Row vector times matrix ------------------------------------------------------------------
// y = [w0, w1] [9; 10] = 9 w0 + 10 w1.

BOOST_AUTO_TEST_CASE_TEMPLATE(case_04_row_times_column, T, element_types) {
  tl::var<tl::mat<T, 1, 2>> weight{{1, 2}};
  auto y = tl::matmul(weight, tl::constant(tl::mat<T, 2, 1>{{9}, {10}}));

  auto g = tl::gradient(y, weight);
  static_assert(std::is_same_v<decltype(g), tl::mat<T, 1, 2>>);
  BOOST_TEST(close(g, {9, 10}));
  BOOST_TEST(close(tl::value(y), {29}));
}

// ---- 5. stop_gradient ----------------------------------------------------------------------------
// e = stop_gradient(a + b) + (a + b): only the second term carries a derivative, 1 for each.

BOOST_AUTO_TEST_CASE_TEMPLATE(case_05_stop_gradient, T, element_types) {
  tl::var<T> a{1}, b{1};
  auto c = a + b;
  auto e = tl::stop_gradient(c) + (a + b);

  auto [ga, gb] = tl::gradient(e, tl::wrt(a, b));
  static_assert(std::is_same_v<decltype(ga), T>);
  BOOST_TEST(close(ga, {1}));
  BOOST_TEST(close(gb, {1}));
  BOOST_TEST(close(tl::value(e), {4}));  // stop_gradient keeps the value

  auto e2 = c + (a + b);
  auto [ha, hb] = tl::gradient(e2, tl::wrt(a, b));
  BOOST_TEST(close(ha, {2}));
  BOOST_TEST(close(hb, {2}));
}

// ---- 6. Higher order -----------------------------------------------------------------------------
// b = a^2 at a = 2: value 4, b' = 2a = 4, b'' = 2, b''' = 0.

BOOST_AUTO_TEST_CASE_TEMPLATE(case_06_higher_order, T, element_types) {
  auto d = tl::derivative<3>([](auto const& a) { return tl::pow(a, 2); }, T(2));
  static_assert(std::is_same_v<decltype(d), std::array<T, 4>>);
  BOOST_TEST(close(d[0], {4}));
  BOOST_TEST(close(d[1], {4}));
  BOOST_TEST(close(d[2], {2}));
  BOOST_TEST(close(d[3], {0}));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(case_06_forward_over_reverse, T, element_types) {
  // The nested-tape way: a reverse gradient over dual elements; the tangent of the gradient is
  // the second derivative.
  tl::var<tl::dual<T>> a{tl::dual<T>{T(2), {T(1)}}};
  auto g = tl::gradient(tl::pow(a, 2), a);
  BOOST_TEST(close(g.value, {4}));
  BOOST_TEST(close(g.tangent[0], {2}));
}
