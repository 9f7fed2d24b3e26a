// test/support/compare.hpp: the tolerances of the test suite, per element type, and the comparisons
// that use them. A test that compares a computed number with a reference (a closed form, std::, the
// other mode, central differences) takes its tolerance from `tol<T>` here; a few keep a tighter bound of
// their own at the call, where the computation is known to hold more digits. Also the element types
// every test runs for, and the text a value prints.
//
// Relative tolerances apply to max(1, |want|) (REFERENCE_CASES.md): near zero they are absolute.
//
//     BOOST_TEST(support::close(tl::value(y), 2.5, support::tol<T>.value));
//     BOOST_TEST(support::close_all(tl::gradient(y, x), {1.0, 2.0, 3.0}, support::tol<T>.value));
//     BOOST_TEST(support::close_all(J_forward, J_reverse, support::tol<T>.value));
// close_all takes numbers, tl::vec / mat / tensor / dvec / dmat, std::vector or a list written out, and
// names the first element that differs by its index ([k] or (i, j)).
#pragma once

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace support {

/// The element types the tests run for.
using float_types = std::tuple<float, double>;

// ---- tolerances ----------------------------------------------------------------------------------------

/// Relative tolerances of one element type.
struct tolerances {
  double value;     // a computed value against a reference (closed form, std::, the other mode)
  double fd;        // a derivative against central differences computed in double (fd_step below)
  double analytic;  // a derivative against an analytic formula
  double fd_own;    // a derivative against central differences computed in the element type itself,
                    // with step own_fd_step (truncation h^2 and rounding eps / h, both of the type)
  double own_fd_step;
};

template <class T>
constexpr tolerances tolerances_for() {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "tolerances of float or double");
  if constexpr (std::is_same_v<T, float>)
    return {1e-5, 1e-4, 1e-5, 2e-2, 1e-2};
  else
    return {1e-12, 1e-6, 1e-12, 1e-6, 1e-5};
}

/// `support::tol<T>.value` and so on: tolerances_for<T>() as a variable.
template <class T>
inline constexpr tolerances tol = tolerances_for<T>();

template <class T>
std::string type_name() {
  return std::is_same_v<T, float> ? "float" : "double";
}

// ---- central differences in double ---------------------------------------------------------------------

/// The step of a central difference at x (relative above 1).
inline double fd_step(double x) { return 1e-6 * std::max(1.0, std::abs(x)); }

/// The rounding noise of a central difference (fp - fm) / step of a reference a few ulps off: the
/// difference of two such values carries that error, magnified by 1 / step.
inline double fd_noise(double fp, double fm, double step) {
  return 64 * std::numeric_limits<double>::epsilon() * (std::abs(fp) + std::abs(fm)) / step;
}

// ---- scalar comparisons --------------------------------------------------------------------------------

/// |got - want| <= allowed (infinities must match exactly, however large `allowed`; NaN never passes).
inline bool within(double got, double want, double allowed) {
  if (std::isinf(got) || std::isinf(want)) return got == want;
  return std::abs(got - want) <= allowed;
}

/// The scale a relative tolerance applies to.
inline double scale_of(double want) { return std::max(1.0, std::abs(want)); }

/// got is within `rel` of want, relative to max(1, |want|).
inline bool near(double got, double want, double rel) { return within(got, want, rel * scale_of(want)); }

/// The text of one mismatch: "<what> is <got>, expected <want> (|difference| d > allowed a)".
inline std::string mismatch(std::string const& what, double got, double want, double allowed) {
  std::ostringstream m;
  m.precision(std::numeric_limits<double>::max_digits10);
  m << what << " is " << got << ", expected " << want << " (|difference| " << std::abs(got - want) << " > allowed "
    << allowed << ")";
  return m.str();
}

/// `near` for BOOST_TEST: on failure the message gives both numbers and the difference.
inline boost::test_tools::predicate_result close(double got, double want, double rel) {
  if (near(got, want, rel)) return true;
  boost::test_tools::predicate_result r(false);
  r.message() << mismatch("value", got, want, rel * scale_of(want));
  return r;
}

/// What `os << v` writes.
template <class V>
std::string printed(V const& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// ---- elementwise comparisons ---------------------------------------------------------------------------
// Over a number, tl::vec / tl::mat / tl::tensor, tl::dvec / tl::dmat (anything with data(), size() and
// extents()), std::vector<double>, or a list of numbers written out (row-major).

namespace detail {

struct elements_of {
  std::vector<double> values;
  std::vector<std::size_t> extents;  // empty for a number or a flat list
};

template <class V>
elements_of elements(V const& v) {
  if constexpr (std::is_arithmetic_v<V>) {
    return {{static_cast<double>(v)}, {}};
  } else if constexpr (requires { v.extents(); }) {
    elements_of e{std::vector<double>(v.data(), v.data() + v.size()), {}};
    for (std::size_t x : v.extents()) e.extents.push_back(x);
    return e;
  } else {
    return {std::vector<double>(v.begin(), v.end()), {}};
  }
}

/// "[k]" for a flat index, "(i, j)" for a matrix, "(i, j, k)" for a tensor.
inline std::string index_name(std::vector<std::size_t> const& extents, std::size_t k) {
  if (extents.size() < 2) return "[" + std::to_string(k) + "]";
  std::vector<std::size_t> idx(extents.size());
  for (std::size_t a = extents.size(); a-- > 0;) {
    idx[a] = k % extents[a];
    k /= extents[a];
  }
  std::string s = "(";
  for (std::size_t a = 0; a < idx.size(); ++a) s += (a ? ", " : "") + std::to_string(idx[a]);
  return s + ")";
}

inline boost::test_tools::predicate_result close_all(std::vector<double> const& got, std::vector<double> const& want,
                                                     std::vector<std::size_t> const& extents, double rel) {
  if (got.size() != want.size()) {
    boost::test_tools::predicate_result r(false);
    r.message() << "got " << got.size() << " elements, expected " << want.size();
    return r;
  }
  std::size_t failures = 0;
  std::string first;
  for (std::size_t k = 0; k < got.size(); ++k)
    if (!near(got[k], want[k], rel) && failures++ == 0)
      first = mismatch("element " + index_name(extents, k), got[k], want[k], rel * scale_of(want[k]));
  if (failures == 0) return true;
  boost::test_tools::predicate_result r(false);
  r.message() << first << "; " << failures << " of " << got.size() << " elements differ";
  return r;
}

}  // namespace detail

/// Every element of `got` within `rel` of the same element of `want` (relative to max(1, |want|)); on
/// failure the message names the first element that differs, by index, and counts the others.
template <class V, class W>
boost::test_tools::predicate_result close_all(V const& got, W const& want, double rel) {
  auto const g = detail::elements(got);
  return detail::close_all(g.values, detail::elements(want).values, g.extents, rel);
}
template <class V>
boost::test_tools::predicate_result close_all(V const& got, std::initializer_list<double> want, double rel) {
  auto const g = detail::elements(got);
  return detail::close_all(g.values, std::vector<double>(want), g.extents, rel);
}

}  // namespace support
