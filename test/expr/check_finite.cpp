// TAPELESS_CHECK_FINITE (as jax_debug_nans): the first operation that makes a NaN or an infinity out of
// finite numbers, in a value or in an adjoint, throws tl::numeric_error naming the operation, where it
// sits, the element and the numbers it was given; a NaN or infinity held by a var or a constant is
// reported where it is used. Everything finite gives the same results as without the check. Float and
// double, static and runtime extents, sizes on both sides of a SIMD width (the check turns the fused
// loops off: every node keeps its record).
#define TAPELESS_CHECK_FINITE
#define BOOST_TEST_MODULE expr_check_finite
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <tuple>

#include <tapeless/tapeless.hpp>

namespace {

using reals = std::tuple<float, double>;

template <class F>
std::string numeric_message(F&& f) {
  try {
    f();
  } catch (tl::numeric_error const& e) {
    return e.what();
  }
  return "no tl::numeric_error";
}

template <class V>
V iota_values(V v, double start) {
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = typename V::value_type(start + double(i));
  return v;
}

static_assert(tl::detail::check_finite);

BOOST_AUTO_TEST_CASE_TEMPLATE(a_value_made_non_finite_names_the_operation_its_place_and_element, T, reals) {
  for (std::size_t n : {1u, 7u, 9u, 17u, 40u}) {
    tl::var<tl::dvec<T>> x(iota_values(tl::dvec<T>(n), 1.0));
    x = [&] { auto v = x.value(); v[n - 1] = T(-2); return v; }();
    auto const before = x.value();
    auto const msg = numeric_message([&] { (void)tl::gradient(tl::sum(tl::log(x) * T(2)), x); });
    BOOST_TEST(msg == "tl::log of argument 1 of tl::operator* of argument 1 of tl::sum, element " +
                          std::to_string(n - 1) + ": argument -2 gives nan");
    for (std::size_t i = 0; i < n; ++i) BOOST_TEST(x.value()[i] == before[i]);  // nothing changed
    // The value alone reports it the same way.
    BOOST_TEST(numeric_message([&] { (void)tl::value(tl::sum(tl::log(x) * T(2))); }) == msg);
  }
  // Static extents; an overflow is reported as a NaN is.
  tl::var<tl::vec<T, 3>> y{T(1), T(1000), T(2)};
  BOOST_TEST(numeric_message([&] { (void)tl::gradient(tl::sum(tl::exp(y)), y); }) ==
             "tl::exp of argument 1 of tl::sum, element 1: argument 1000 gives inf");
  // Two arguments, scalars (no element).
  tl::var<T> a{T(1)}, b{T(0)};
  BOOST_TEST(numeric_message([&] { (void)tl::gradient(a / b + a, tl::wrt(a, b)); }) ==
             "tl::operator/ of argument 1 of tl::operator+: arguments 1, 0 give inf");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(an_adjoint_made_non_finite_is_reported, T, reals) {
  // sqrt(0) is 0, its derivative is not finite: the value passes, the adjoint does not.
  tl::var<tl::vec<T, 3>> y{T(1), T(0), T(4)};
  BOOST_TEST(tl::value(tl::sum(tl::sqrt(y))) == T(3));
  BOOST_TEST(numeric_message([&] { (void)tl::gradient(tl::sum(tl::sqrt(y)), y); }) ==
             "tl::sqrt of argument 1 of tl::sum, element 1: the adjoint of argument 1 at 0 for adjoint 1 is inf");
  // Runtime extents, inside a product.
  tl::var<tl::dvec<T>> z{T(4), T(0)};
  BOOST_TEST(numeric_message([&] { (void)tl::gradient(tl::sum(tl::sqrt(z) * T(3)), z); }) ==
             "tl::sqrt of argument 1 of tl::operator* of argument 1 of tl::sum, element 1: the adjoint of argument 1 "
             "at 0 for adjoint 3 is inf");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(non_finite_leaves_and_reductions, T, reals) {
  tl::var<tl::vec<T, 2>> w{T(1), std::numeric_limits<T>::quiet_NaN()};
  BOOST_TEST(numeric_message([&] { (void)tl::gradient(tl::sum(w), w); }) ==
             "a tl::var of argument 1 of tl::sum, element 1: its value is nan");
  tl::var<tl::vec<T, 2>> v{T(1), T(2)};
  tl::vec<T, 2> data{T(3), -std::numeric_limits<T>::infinity()};
  BOOST_TEST(numeric_message([&] { (void)tl::gradient(tl::dot(tl::constant_ref(data), v), v); }) ==
             "a tl::constant_ref of argument 1 of tl::dot, element 1: its value is -inf");
  // A sum that overflows, of finite elements.
  T const big = std::numeric_limits<T>::max();
  tl::var<tl::dvec<T>> m{big, big};
  BOOST_TEST(numeric_message([&] { (void)tl::value(tl::sum(m)); }) == "tl::sum: finite arguments give inf");
  // The mean of nothing is 0 / 0.
  tl::var<tl::dvec<T>> e{};
  BOOST_TEST(numeric_message([&] { (void)tl::value(tl::mean(e)); }) == "tl::mean: finite arguments give nan");
}

BOOST_AUTO_TEST_CASE(lets_and_matmul_say_where_they_are) {
  tl::var<tl::dvec<double>> x{1.0, -1.0};
  auto l = tl::let(tl::log(x));
  BOOST_TEST(numeric_message([&] { (void)tl::gradient(tl::sum(l * l), x); }) ==
             "tl::log of argument 1 of a tl::let of argument 1 of tl::operator* of argument 1 of tl::sum, element 1: "
             "argument -1 gives nan");
  // An adjoint made inside a let, found when the sweep runs the let's backward.
  tl::var<tl::dvec<double>> z{1.0, 0.0};
  auto r = tl::let(tl::sqrt(z));
  BOOST_TEST(numeric_message([&] { (void)tl::gradient(tl::sum(r * 2.0), z); }) ==
             "tl::sqrt of argument 1 of a tl::let, element 1: the adjoint of argument 1 at 0 for adjoint 2 is inf");
  tl::var<tl::mat<double, 2, 2>> A{{1e200, 1.0}, {1.0, 1.0}};
  tl::var<tl::vec<double, 2>> b{1e200, 1.0};
  BOOST_TEST(numeric_message([&] { (void)tl::value(tl::sum(tl::matmul(A, b))); }) ==
             "tl::matmul of argument 1 of tl::sum, element 0: finite arguments give inf");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(finite_programs_are_unchanged, T, reals) {
  // The same gradients as the fused loops give without the check (closed forms), at SIMD tails.
  for (std::size_t n : {1u, 3u, 7u, 8u, 9u, 17u, 33u}) {
    tl::var<tl::dvec<T>> x(iota_values(tl::dvec<T>(n), 0.5));
    auto const g = tl::gradient(tl::sum(tl::log(x) * tl::exp(-x) + tl::square(x)), x);
    for (std::size_t i = 0; i < n; ++i) {
      double const v = 0.5 + double(i);
      double const expected = std::exp(-v) * (1.0 / v - std::log(v)) + 2 * v;
      BOOST_TEST(double(g[i]) == expected, boost::test_tools::tolerance(std::is_same_v<T, float> ? 1e-5 : 1e-13));
    }
  }
  // where with a non-finite unchosen branch is reported, as jax_debug_nans does; the double-where
  // spelling, which keeps the branch finite, is not.
  tl::var<tl::vec<T, 2>> x{T(-1), T(2)};
  BOOST_TEST(numeric_message([&] { (void)tl::gradient(tl::sum(tl::where(x > T(0), tl::log(x), x)), x); }) ==
             "tl::log of argument 1 of tl::sum, element 0: argument -1 gives nan");
  auto const safe = tl::where(x > T(0), x, T(1));
  auto const g = tl::gradient(tl::sum(tl::where(x > T(0), tl::log(safe), x)), x);
  BOOST_TEST(g[0] == T(1));
  BOOST_TEST(g[1] == T(0.5));
}

}  // namespace
