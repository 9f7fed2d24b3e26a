// The laws of the binary elementwise operations (include/tapeless/expr/elementwise.hpp, ops.hpp), part 1:
// + and -. Each law runs with two vars, and (two per law, in rotation over the binary files) with a
// scalar var broadcast on either side, the same var on both sides, a plain number on either side or a
// constant value on either side (test/law/). Part 2 (*, /) is elementwise_product.cpp, part 3 (pow,
// max, min) elementwise_pow_minmax.cpp. Slots are numbered from 0 in each file.
#define BOOST_TEST_MODULE expr_elementwise_binary
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <string>
#include <tuple>

#include "law/binary.hpp"

using float_types = std::tuple<float, double>;

BOOST_AUTO_TEST_SUITE(laws)

BOOST_AUTO_TEST_CASE_TEMPLATE(add, T, float_types) {
  law::binary<T, 0>(
      "operator+", [](auto const& a, auto const& b) { return a + b; }, [](double a, double b) { return a + b; },
      [](double, double) { return 1.0; }, [](double, double) { return 1.0; },
      {law::uniform(-10, 10), law::uniform(-10, 10), law::uniform(-10, 10)});
}
BOOST_AUTO_TEST_CASE_TEMPLATE(subtract, T, float_types) {
  law::binary<T, 1, law::depth::exhaustive>(
      "operator-", [](auto const& a, auto const& b) { return a - b; }, [](double a, double b) { return a - b; },
      [](double, double) { return 1.0; }, [](double, double) { return -1.0; },
      {law::uniform(-10, 10), law::uniform(-10, 10), law::uniform(-10, 10)});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(edges)

// A scalar var broadcast over a vector gets the sum of the per-element adjoints.
BOOST_AUTO_TEST_CASE(scalar_broadcast_sums_adjoints) {
  tl::var<double> s{3.0};
  tl::var<tl::dvec<double>> v{1.0, 2.0, 3.0, 4.0};
  auto const [ds, dv] = tl::gradient(tl::sum(s * v), tl::wrt(s, v));
  BOOST_TEST(ds == 10.0);
  BOOST_TEST(dv == (tl::dvec<double>{3.0, 3.0, 3.0, 3.0}));
  auto const [ds2, dv2] = tl::gradient(tl::sum(v / s), tl::wrt(s, v));
  BOOST_TEST(ds2 == -10.0 / 9.0, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(dv2[0] == 1.0 / 3.0, boost::test_tools::tolerance(1e-15));
}

// Runtime extents that differ throw tl::shape_error when evaluated, naming both shapes, and change nothing.
BOOST_AUTO_TEST_CASE(dynamic_shape_mismatch_throws) {
  tl::var<tl::dvec<double>> a{1.0, 2.0, 3.0};
  tl::var<tl::dvec<double>> b{1.0, 2.0, 3.0, 4.0};
  auto const e = a + b;
  BOOST_CHECK_THROW(tl::value(e), tl::shape_error);
  BOOST_CHECK_THROW(tl::gradient(tl::sum(a * b), a), tl::shape_error);
  BOOST_CHECK_THROW(tl::value(tl::pow(a, b)), tl::shape_error);
  BOOST_CHECK_THROW(tl::value(tl::max(a, b)), tl::shape_error);
  try {
    tl::value(e);
  } catch (tl::shape_error const& err) {
    std::string const what = err.what();
    BOOST_TEST(what.find("(3)") != std::string::npos);
    BOOST_TEST(what.find("(4)") != std::string::npos);
  }
  // A static shape against a runtime one is checked at run time too.
  tl::var<tl::vec<double, 3>> c{1.0, 2.0, 3.0};
  BOOST_CHECK_THROW(tl::value(c + b), tl::shape_error);
  BOOST_TEST(tl::value(c + a) == (tl::dvec<double>{2.0, 4.0, 6.0}));
  BOOST_TEST(a.value() == (tl::dvec<double>{1.0, 2.0, 3.0}));
}

BOOST_AUTO_TEST_SUITE_END()
