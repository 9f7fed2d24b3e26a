// Expressions that outlive what they refer to: a temporary var or let inside an expression, a var
// or let local to the function that returned the expression, a var moved from. Each gave a silent
// wrong number (0) or a crash; each throws tl::lifetime_error now, and nothing else changes. The
// safe spellings of docs/guide.md ("Lifetimes") give the right numbers.
#define BOOST_TEST_MODULE expr_lifetime
#include <boost/test/unit_test.hpp>

#include <utility>
#include <vector>

#include <tapeless/tapeless.hpp>

namespace {

auto loss_of_local_var() {
  tl::var<double> w{3.0};
  return tl::sum(tl::square(w * tl::vec<double, 2>{1.0, 1.0}));
}

auto loss_of_local_let(tl::var<tl::vec<double, 3>> const& x) {
  auto l = tl::let(x * x);
  return tl::sum(l) + 1.0;
}

BOOST_AUTO_TEST_CASE(a_temporary_var_in_an_expression) {
  tl::var<tl::vec<double, 3>> x{1.0, 2.0, 3.0};
  auto const e = tl::sum(tl::var<tl::vec<double, 3>>{2.0, 2.0, 2.0} * x);
  BOOST_CHECK_THROW((void)tl::value(e), tl::lifetime_error);
  BOOST_CHECK_THROW((void)tl::gradient(e, x), tl::lifetime_error);
  // The safe spelling: the constant is a constant (a copy), or a var that lives as long as e.
  auto const c = tl::sum(tl::constant(tl::vec<double, 3>{2.0, 2.0, 2.0}) * x);
  BOOST_TEST(tl::value(c) == 12.0);
  BOOST_TEST(tl::gradient(c, x)[1] == 2.0);
}

BOOST_AUTO_TEST_CASE(a_temporary_let_in_an_expression) {
  tl::var<tl::vec<double, 3>> x{1.0, 2.0, 3.0};
  auto const e = tl::sum(tl::let(x * x) + 1.0);
  BOOST_CHECK_THROW((void)tl::value(e), tl::lifetime_error);
  auto const l = tl::let(x * x);  // the safe spelling: a named let
  auto const f = tl::sum(l + 1.0);
  BOOST_TEST(tl::value(f) == 17.0);
}

BOOST_AUTO_TEST_CASE(an_expression_returned_from_the_function_that_owned_its_var) {
  auto const e = loss_of_local_var();
  BOOST_CHECK_THROW((void)tl::value(e), tl::lifetime_error);
  tl::var<tl::vec<double, 3>> x{1.0, 2.0, 3.0};
  auto const f = loss_of_local_let(x);
  BOOST_CHECK_THROW((void)tl::gradient(f, x), tl::lifetime_error);
  BOOST_TEST(x.value()[2] == 3.0);  // nothing changed
}

BOOST_AUTO_TEST_CASE(a_var_moved_from_after_an_expression_was_built) {
  std::vector<tl::var<double>> vs;
  vs.emplace_back(2.0);
  auto const e = vs[0] * vs[0];
  BOOST_TEST(tl::value(e) == 4.0);
  tl::var<double> moved = std::move(vs[0]);
  BOOST_CHECK_THROW((void)tl::value(e), tl::lifetime_error);
  auto const f = moved * moved;  // the moved-to var is a leaf of its own
  BOOST_TEST(tl::gradient(f, moved) == 4.0);
}

BOOST_AUTO_TEST_CASE(lets_made_in_a_scan_step_live_with_the_scan) {
  tl::var<double> x{0.5};
  auto const s = tl::scan([](auto const& y) {
    auto l = tl::let(y * y);  // dies when the step returns; the scan keeps its state
    return l + y;
  }, x, 3);
  BOOST_TEST(tl::value(s) > 0.5);
  auto const g = tl::gradient(s, x);
  BOOST_TEST(g > 1.0);
}

}  // namespace
