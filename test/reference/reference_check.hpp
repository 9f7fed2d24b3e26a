// Comparisons for the reference cases: the library's result against numbers written down by hand.
#pragma once

#include <initializer_list>
#include <tuple>

#include <boost/test/unit_test.hpp>
#include <tapeless/tapeless.hpp>

#include "support/compare.hpp"

namespace reference {

// Every case runs in both precisions: float is where a silent double round trip would show.
using element_types = std::tuple<double, float>;

/// Every element of `actual` (a number or a value, row-major) against `expected`, within the tolerance of
/// REFERENCE_CASES.md (support::tol<T>.value: 1e-12 for double, 1e-5 for float, relative to the expected
/// magnitude above 1); a failure names the element that went wrong.
template <class V>
boost::test_tools::predicate_result close(V const& actual, std::initializer_list<double> expected) {
  return support::close_all(actual, expected, support::tol<tl::detail::element_t<V>>.value);
}

}  // namespace reference
