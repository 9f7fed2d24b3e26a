// Comparisons for the reference cases: the library's result against numbers written down by hand.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <sstream>
#include <tuple>
#include <type_traits>

#include <boost/test/unit_test.hpp>
#include <tapeless/tapeless.hpp>

namespace reference {

// Every case runs in both precisions: float is where a silent double round trip would show.
using element_types = std::tuple<double, float>;

// REFERENCE_CASES.md: 1e-12 for double, 1e-5 for float, relative to the expected magnitude above 1.
template <class T>
inline constexpr double tolerance = std::is_same_v<T, float> ? 1e-5 : 1e-12;

template <class T>
bool near(T actual, double expected, double tol = tolerance<T>) {
  return std::abs(static_cast<double>(actual) - expected) <= tol * std::max(1.0, std::abs(expected));
}

/// Every element of `actual` (a number or a value, row-major) against `expected`; the message
/// shows both in full, so a failure says which element went wrong.
template <class V>
boost::test_tools::predicate_result close(V const& actual, std::initializer_list<double> expected) {
  using T = tl::detail::element_t<V>;
  std::size_t n = 1;
  T const* data = nullptr;
  if constexpr (std::is_floating_point_v<V>)
    data = &actual;
  else {
    n = actual.size();
    data = actual.data();
  }
  bool ok = n == expected.size();
  for (std::size_t i = 0; ok && i < n; ++i) ok = near(data[i], expected.begin()[i]);
  if (ok) return true;
  boost::test_tools::predicate_result r(false);
  r.message() << "got " << actual << ", expected [";
  for (std::size_t i = 0; i < expected.size(); ++i) r.message() << (i ? ", " : "") << expected.begin()[i];
  r.message() << "]";
  return r;
}

}  // namespace reference
