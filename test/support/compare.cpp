// The comparisons of test/support/compare.hpp themselves: what passes, what fails, and what a failure
// says, so that a broken helper cannot let the tests that use it pass.
#define BOOST_TEST_MODULE support_compare
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <tapeless/tapeless.hpp>

#include "support/compare.hpp"

namespace {

std::string message_of(boost::test_tools::predicate_result r) { return r.message().str(); }

}  // namespace

BOOST_AUTO_TEST_CASE(tolerances_per_element_type) {
  static_assert(support::tol<float>.value == 1e-5 && support::tol<double>.value == 1e-12);
  static_assert(support::tol<float>.fd == 1e-4 && support::tol<double>.fd == 1e-6);
  static_assert(support::tol<float>.analytic == 1e-5 && support::tol<double>.analytic == 1e-12);
  BOOST_TEST(support::type_name<float>() == "float");
  BOOST_TEST(support::type_name<double>() == "double");
}

BOOST_AUTO_TEST_CASE(near_is_relative_above_one_and_absolute_below) {
  BOOST_TEST(support::near(1000.0 + 1e-3, 1000.0, 1.01e-6));
  BOOST_TEST(!support::near(1000.0 + 1e-3, 1000.0, 0.99e-6));
  BOOST_TEST(support::near(1e-3 + 1e-7, 1e-3, 1.01e-7));  // absolute near zero
  BOOST_TEST(!support::near(1e-3 + 1e-7, 1e-3, 0.99e-7));
  double const inf = std::numeric_limits<double>::infinity();
  BOOST_TEST(support::near(inf, inf, 0.0));
  BOOST_TEST(!support::near(inf, -inf, 1.0));  // a tolerance relative to an infinite want is infinite too
  BOOST_TEST(!support::near(1.0, inf, 1.0));
  BOOST_TEST(!support::within(inf, 1.0, inf));
  BOOST_TEST(!support::near(std::nan(""), 0.0, 1.0));
  BOOST_TEST(!support::near(std::nan(""), std::nan(""), 1.0));
}

BOOST_AUTO_TEST_CASE(close_says_both_numbers) {
  BOOST_TEST(support::close(2.0, 2.0, 0.0));
  auto const r = support::close(2.5, 2.0, 0.1);
  BOOST_TEST(!r);
  BOOST_TEST(message_of(r) == "value is 2.5, expected 2 (|difference| 0.5 > allowed 0.20000000000000001)");
}

BOOST_AUTO_TEST_CASE(close_all_names_the_first_element_that_differs) {
  BOOST_TEST(support::close_all(tl::vec<double, 3>{1.0, 2.0, 3.0}, {1.0, 2.0, 3.0}, 0.0));
  auto const v = support::close_all(tl::dvec<float>{1.0f, 2.5f, 3.5f}, {1.0, 2.0, 3.0}, 0.1);
  BOOST_TEST(!v);
  BOOST_TEST(message_of(v) ==
             "element [1] is 2.5, expected 2 (|difference| 0.5 > allowed 0.20000000000000001); 2 of 3 elements differ");
  auto const m = support::close_all(tl::mat<double, 2, 3>{{1, 2, 3}, {4, 5, 7}}, tl::mat<double, 2, 3>{{1, 2, 3}, {4, 5, 6}},
                                    1e-12);
  BOOST_TEST(message_of(m).find("element (1, 2) is 7, expected 6") == 0u);
  auto const d = support::close_all(tl::dmat<double>{{1, 2}, {3, 4}, {5, 6}}, {1, 2, 3, 4, 6, 6}, 1e-12);
  BOOST_TEST(message_of(d).find("element (2, 0) is 5, expected 6") == 0u);
  auto const t = support::close_all(tl::tensor<double, 2, 2, 2>{0, 0, 0, 0, 0, 0, 1, 0}, std::vector<double>(8), 0.5);
  BOOST_TEST(message_of(t).find("element (1, 1, 0) is 1, expected 0") == 0u);
  BOOST_TEST(support::close_all(3.0f, {3.0}, 0.0));
  BOOST_TEST(support::close_all(std::vector<double>{1.0, 2.0}, std::vector<double>{1.0, 2.0 + 1e-13}, 1e-12));
}

BOOST_AUTO_TEST_CASE(close_all_fails_on_a_different_count) {
  auto const r = support::close_all(tl::dvec<double>{1.0, 2.0}, {1.0, 2.0, 3.0}, 1.0);
  BOOST_TEST(!r);
  BOOST_TEST(message_of(r) == "got 2 elements, expected 3");
  BOOST_TEST(!support::close_all(tl::dvec<double>{}, {0.0}, 1.0));
}

BOOST_AUTO_TEST_CASE(printed_is_what_the_stream_gets) {
  BOOST_TEST(support::printed(tl::vec<double, 2>{1.5, 2.0}) == "[1.5, 2]");
  BOOST_TEST(support::printed(42) == "42");
}
