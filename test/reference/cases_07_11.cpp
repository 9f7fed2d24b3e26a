// The reference cases 7-11 of REFERENCE_CASES.md (1-6 in cases_01_06.cpp, 12 in jacobian.cpp), each
// in float and double, through the public API only. The expected numbers are worked out by hand
// in the comments.
#define BOOST_TEST_MODULE reference_cases_07_11
#include <boost/test/unit_test.hpp>

#include <tuple>
#include <type_traits>

#include <tapeless/tapeless.hpp>

#include "reference_check.hpp"

using reference::close;
using reference::element_types;

// ---- 7. Gradient with respect to an intermediate -------------------------------------------------
// c = a + b with b = 2a: dc/da = 1 + 2 = 3 (through b too), dc/db = 1.

BOOST_AUTO_TEST_CASE_TEMPLATE(case_07_gradient_wrt_intermediate, T, element_types) {
  tl::var<T> a{0};
  auto b = tl::let(2 * a);
  auto c = a + b;

  auto [ga, gb] = tl::gradient(c, tl::wrt(a, b));
  BOOST_TEST(close(ga, {3}));
  BOOST_TEST(close(gb, {1}));
}

// ---- 8. stop_at ----------------------------------------------------------------------------------
// With b treated as a constant, a + b gives 1 and 1: nothing flows from b back into a.

BOOST_AUTO_TEST_CASE_TEMPLATE(case_08_stop_at, T, element_types) {
  tl::var<T> a{0};
  auto b = tl::let(2 * a);

  auto [ga, gb] = tl::gradient(a + b, tl::wrt(a, b), tl::stop_at(a, b));
  BOOST_TEST(close(ga, {1}));
  BOOST_TEST(close(gb, {1}));

  // Only b stopped gives the same; without stop_at the path through b counts.
  auto [sa, sb] = tl::gradient(a + b, tl::wrt(a, b), tl::stop_at(b));
  BOOST_TEST(close(sa, {1}));
  BOOST_TEST(close(sb, {1}));
  auto [fa, fb] = tl::gradient(a + b, tl::wrt(a, b));
  BOOST_TEST(close(fa, {3}));
  BOOST_TEST(close(fb, {1}));
}

// ---- 9. Stopped inputs get zeros ----------------------------------------------------------------
// y3 = stop_gradient(w1 + w2) + w3 with seed {1, 2}: w1 and w2 get zeros, w3 gets the seed.

BOOST_AUTO_TEST_CASE_TEMPLATE(case_09_stopped_inputs_get_zeros, T, element_types) {
  tl::var<tl::vec<T, 2>> weight1{1, 2}, weight2{3, 4}, weight3{5, 6};
  auto a = weight1 + weight2;
  auto y3 = tl::stop_gradient(a) + weight3;

  auto [g1, g2, g3] = tl::gradient(y3, tl::wrt(weight1, weight2, weight3), tl::seeds({1, 2}));
  static_assert(std::is_same_v<decltype(g1), tl::vec<T, 2>>);
  BOOST_TEST(close(g1, {0, 0}));
  BOOST_TEST(close(g2, {0, 0}));
  BOOST_TEST(close(g3, {1, 2}));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(case_09_unconnected_input_gets_zeros, T, element_types) {
  // An input that never appears in y at all: zeros of its shape, not "nothing".
  tl::var<tl::vec<T, 2>> used{1, 2};
  tl::var<tl::mat<T, 2, 3>> unused{{1, 2, 3}, {4, 5, 6}};
  auto [gu, gn] = tl::gradient(tl::sum(used), tl::wrt(used, unused));
  BOOST_TEST(close(gu, {1, 1}));
  static_assert(std::is_same_v<decltype(gn), tl::mat<T, 2, 3>>);
  BOOST_TEST(close(gn, {0, 0, 0, 0, 0, 0}));
}

// ---- 10. Least squares with broadcasting --------------------------------------------------------
// r = X w + b - y = [5; 10], L = sum(r^2) = 125, dL/dw = 2 X^T r = [70; 100], dL/db = 2 sum(r) = 30.

BOOST_AUTO_TEST_CASE_TEMPLATE(case_10_least_squares, T, element_types) {
  auto X = tl::constant(tl::mat<T, 2, 2>{{1, 2}, {3, 4}});
  auto y = tl::constant(tl::mat<T, 2, 1>{{1}, {2}});
  tl::var<tl::mat<T, 2, 1>> w{{1}, {2}};
  tl::var<T> b{1};
  auto L = tl::sum(tl::square(tl::matmul(X, w) + b - y));

  BOOST_TEST(close(tl::value(L), {125}));
  auto [dw, db] = tl::gradient(L, tl::wrt(w, b));
  static_assert(std::is_same_v<decltype(dw), tl::mat<T, 2, 1>>);
  static_assert(std::is_same_v<decltype(db), T>);
  BOOST_TEST(close(dw, {70, 100}));
  BOOST_TEST(close(db, {30}));
}

// ---- 11. A variable assigned from an expression -------------------------------------------------
// c = a + b = 3, loss = mean(c^2) = c^2 (one element): d loss / d b = 2c = 6.

BOOST_AUTO_TEST_CASE_TEMPLATE(case_11_let_keeps_history, T, element_types) {
  tl::var<T> a{1}, b{2};
  auto c = tl::let(a + b);
  auto loss = tl::mean(tl::square(c));

  BOOST_TEST(close(tl::gradient(loss, b), {6}));
  auto [ga, gb, gc] = tl::gradient(loss, tl::wrt(a, b, c));
  BOOST_TEST(close(ga, {6}));
  BOOST_TEST(close(gb, {6}));
  BOOST_TEST(close(gc, {6}));
}

// Cascading by hand: c_ = a + 2b = 5, d mean(c_^2) / d c_ = 2 c_ = 10, and seeding c_'s own
// gradient with that 10 gives d/db = 10 * 2 = 20 (the chain rule, one link at a time).

BOOST_AUTO_TEST_CASE_TEMPLATE(case_11_cascade_with_seeds, T, element_types) {
  tl::var<T> a{1}, b{2};
  auto c_ = tl::let(a + 2 * b);
  auto [gc] = tl::gradient(tl::mean(tl::square(c_)), tl::wrt(c_));
  BOOST_TEST(close(gc, {10}));

  auto [gb] = tl::gradient(c_, tl::wrt(b), tl::seeds(gc));
  BOOST_TEST(close(gb, {20}));
  // The cascade agrees with the whole chain at once.
  BOOST_TEST(close(tl::gradient(tl::mean(tl::square(c_)), b), {20}));
}

// ---- Repeated calls see the current values (DESIGN.md 5, last bullet) ---------------------------

BOOST_AUTO_TEST_CASE_TEMPLATE(repeated_calls_after_assignment, T, element_types) {
  // Case 10's expression, built once, differentiated at several points; the expected values come
  // from the closed form r = X w + b - y, L = sum(r^2), dL/dw = 2 X^T r, dL/db = 2 sum(r).
  auto X = tl::constant(tl::mat<T, 2, 2>{{1, 2}, {3, 4}});
  auto y = tl::constant(tl::mat<T, 2, 1>{{1}, {2}});
  tl::var<tl::mat<T, 2, 1>> w{{1}, {2}};
  tl::var<T> b{1};
  auto L = tl::sum(tl::square(tl::matmul(X, w) + b - y));

  // Binary fractions, so the float inputs are the double inputs exactly.
  struct point {
    double w0, w1, b;
  };
  for (auto const p : {point{1, 2, 1}, point{-1, 0.5, 0.25}, point{0, 0, 0}, point{2.5, -1.75, -3}, point{1, 2, 1}}) {
    w = tl::mat<T, 2, 1>{{T(p.w0)}, {T(p.w1)}};
    b = T(p.b);
    double const r0 = 1 * p.w0 + 2 * p.w1 + p.b - 1;
    double const r1 = 3 * p.w0 + 4 * p.w1 + p.b - 2;
    BOOST_TEST_CONTEXT("w = [" << p.w0 << "; " << p.w1 << "], b = " << p.b) {
      BOOST_TEST(close(tl::value(L), {r0 * r0 + r1 * r1}));
      auto [dw, db] = tl::gradient(L, tl::wrt(w, b));
      BOOST_TEST(close(dw, {2 * (1 * r0 + 3 * r1), 2 * (2 * r0 + 4 * r1)}));
      BOOST_TEST(close(db, {2 * (r0 + r1)}));
      // A second call at the same point gives the same (nothing accumulates between calls).
      auto [dw2, db2] = tl::gradient(L, tl::wrt(w, b));
      BOOST_TEST(close(dw2, {2 * (1 * r0 + 3 * r1), 2 * (2 * r0 + 4 * r1)}));
      BOOST_TEST(close(db2, {2 * (r0 + r1)}));
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(repeated_calls_re_evaluate_lets, T, element_types) {
  // Case 11 after assigning new values: the let binding is evaluated afresh, d loss / d b = 2 (a + b).
  tl::var<T> a{1}, b{2};
  auto c = tl::let(a + b);
  auto loss = tl::mean(tl::square(c));
  BOOST_TEST(close(tl::gradient(loss, b), {6}));
  a = T(3);
  BOOST_TEST(close(tl::gradient(loss, b), {10}));
  b = T(-0.5);
  BOOST_TEST(close(tl::value(loss), {6.25}));
  auto [ga, gb] = tl::gradient(loss, tl::wrt(a, b));
  BOOST_TEST(close(ga, {5}));
  BOOST_TEST(close(gb, {5}));
}
