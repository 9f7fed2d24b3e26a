// The function API on boost::hana structures (`tf.nest`): structured arguments give gradients of the
// same structure, and a structure of outputs is summed; against exact values and central differences.
#define BOOST_TEST_MODULE api_nested
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <tuple>
#include <type_traits>

#include <tapeless/tapeless.hpp>

#include "support/compare.hpp"

namespace hana = boost::hana;

namespace {

using reals = std::tuple<float, double>;

template <class T>
auto make_weights(T shift) {
  return hana::make_tuple(tl::vec<T, 3>{T(1) + shift, T(-2), T(0.5)},
                          hana::make_tuple(tl::mat<T, 2, 2>{{T(0.25), T(1)}, {T(-1) + shift, T(3)}}, T(2) + shift));
}

/// Calls fn(leaf_a, leaf_b) on the matching leaves of two structures shaped like make_weights.
template <class A, class B, class Fn>
void each_leaf(A& a, B& b, Fn fn) {
  for (std::size_t i = 0; i < 3; ++i) fn(hana::at_c<0>(a)[i], hana::at_c<0>(b)[i]);
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 2; ++j) fn(hana::at_c<0>(hana::at_c<1>(a))(i, j), hana::at_c<0>(hana::at_c<1>(b))(i, j));
  fn(hana::at_c<1>(hana::at_c<1>(a)), hana::at_c<1>(hana::at_c<1>(b)));
}

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(weights_interpolated_by_a_scalar, T, reals) {
  // tf.nest.map_structure(lambda a, b: (1 - t) * a + t * b, w0, w1), differentiated by t: the outputs of
  // the structure are summed, so the gradient is the sum over every leaf of (b - a).
  auto const w0 = make_weights(T(0));
  auto const w1 = make_weights(T(0.75));
  auto interpolate = [&](auto const& t) {
    auto lerp = [&](auto const& a, auto const& b) { return (1 - t) * a + t * b; };
    return hana::make_tuple(lerp(hana::at_c<0>(w0), hana::at_c<0>(w1)),
                            hana::make_tuple(lerp(hana::at_c<0>(hana::at_c<1>(w0)), hana::at_c<0>(hana::at_c<1>(w1))),
                                             lerp(hana::at_c<1>(hana::at_c<1>(w0)), hana::at_c<1>(hana::at_c<1>(w1)))));
  };
  T want = 0;
  each_leaf(w0, w1, [&](T a, T b) { want += b - a; });
  BOOST_TEST(want == T(3 * 0.75));  // three leaves moved by 0.75
  T const g = tl::grad(interpolate)(T(0.3));
  static_assert(std::is_same_v<decltype(tl::grad(interpolate)(T(0.3))), T>);
  BOOST_TEST(support::close(g, want, T(1e-6)));

  // A loss over the interpolated structure: sum of squares of every leaf, against central differences.
  auto loss = [&](auto const& t) {
    auto sq = [&](auto const& a, auto const& b) { return tl::sum(tl::square((1 - t) * a + t * b)); };
    return hana::make_tuple(sq(hana::at_c<0>(w0), hana::at_c<0>(w1)),
                            hana::make_tuple(sq(hana::at_c<0>(hana::at_c<1>(w0)), hana::at_c<0>(hana::at_c<1>(w1))),
                                             sq(hana::at_c<1>(hana::at_c<1>(w0)), hana::at_c<1>(hana::at_c<1>(w1)))));
  };
  auto plain = [&](double t) {
    double s = 0;
    each_leaf(w0, w1, [&](T a, T b) { s += (a + t * (b - a)) * (a + t * (b - a)); });
    return s;
  };
  double exact = 0;
  each_leaf(w0, w1, [&](T a, T b) { exact += 2 * (a + 0.3 * (b - a)) * (b - a); });
  double const h = 1e-5;
  double const fd = (plain(0.3 + h) - plain(0.3 - h)) / (2 * h);
  BOOST_TEST(std::abs(exact - fd) <= 1e-8 * std::abs(exact));  // the closed form itself
  BOOST_TEST(support::close(tl::grad(loss)(T(0.3)), T(exact), T(std::is_same_v<T, float> ? 1e-5 : 1e-13)));
  // And against central differences of the same loss evaluated by tapeless (the structure's outputs
  // summed), in double.
  if constexpr (std::is_same_v<T, double>) {
    auto evaluated = [&](double t) {
      tl::var<double> tv{t};
      auto const outs = loss(tv);
      return tl::value(hana::at_c<0>(outs)) + tl::value(hana::at_c<0>(hana::at_c<1>(outs))) +
             tl::value(hana::at_c<1>(hana::at_c<1>(outs)));
    };
    double const fd_tapeless = (evaluated(0.3 + h) - evaluated(0.3 - h)) / (2 * h);
    BOOST_TEST(std::abs(tl::grad(loss)(0.3) - fd_tapeless) <= 1e-8 * std::abs(fd_tapeless));
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(structured_arguments_give_gradients_of_the_same_structure, T, reals) {
  auto const params = make_weights(T(0.1));
  // loss(p) = sum(exp(v) * v) + sum(m^2) * s + sin(s): leaves of three shapes, coupled through s.
  auto loss = [](auto const& p) {
    auto const& v = hana::at_c<0>(p);
    auto const& m = hana::at_c<0>(hana::at_c<1>(p));
    auto const& s = hana::at_c<1>(hana::at_c<1>(p));
    return tl::sum(tl::exp(v) * v) + tl::sum(tl::square(m)) * s + tl::sin(s);
  };
  auto const g = tl::grad(loss)(params);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(g)>, std::remove_cvref_t<decltype(params)>>);
  auto [value, g2] = tl::value_and_grad(loss)(params);
  static_assert(std::is_same_v<decltype(value), T>);

  auto const& v = hana::at_c<0>(params);
  auto const& m = hana::at_c<0>(hana::at_c<1>(params));
  T const s = hana::at_c<1>(hana::at_c<1>(params));
  T sum_m2 = 0, want_value = std::sin(s);
  for (std::size_t i = 0; i < 3; ++i) want_value += std::exp(v[i]) * v[i];
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 2; ++j) sum_m2 += m(i, j) * m(i, j);
  want_value += sum_m2 * s;
  T const rel = std::is_same_v<T, float> ? T(1e-5) : T(1e-13);
  BOOST_TEST(support::close(value, want_value, rel));
  for (std::size_t i = 0; i < 3; ++i) {
    BOOST_TEST(support::close(hana::at_c<0>(g)[i], std::exp(v[i]) * (1 + v[i]), rel));
    BOOST_TEST(hana::at_c<0>(g2)[i] == hana::at_c<0>(g)[i]);
  }
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 2; ++j)
      BOOST_TEST(support::close(hana::at_c<0>(hana::at_c<1>(g))(i, j), 2 * m(i, j) * s, rel));
  BOOST_TEST(support::close(hana::at_c<1>(hana::at_c<1>(g)), sum_m2 + std::cos(s), rel));

  // Central differences, leaf by leaf, in double.
  if constexpr (std::is_same_v<T, double>) {
    auto p = params;
    auto plain = [&] { return tl::value(loss(p)); };
    double const h = 1e-6;
    each_leaf(p, g, [&](double& x, double gx) {
      double const x0 = x;
      x = x0 + h;
      double const up = plain();
      x = x0 - h;
      double const down = plain();
      x = x0;
      BOOST_TEST(std::abs((up - down) / (2 * h) - gx) <= 1e-7 * std::max(1.0, std::abs(gx)));
    });
  }
}

BOOST_AUTO_TEST_CASE(a_structure_beside_a_plain_argument) {
  // grad(f)(t, params): a std::tuple of the scalar's gradient and the structure's.
  auto f = [](auto const& t, auto const& p) {
    return tl::sum(tl::square(t * hana::at_c<0>(p))) + t * hana::at_c<0>(hana::at_c<1>(p));
  };
  auto const params = hana::make_tuple(tl::vec<double, 2>{1.0, 2.0}, hana::make_tuple(3.0));
  auto const [gt, gp] = tl::grad(f)(0.5, params);
  BOOST_TEST(std::abs(gt - (2 * 0.5 * (1.0 + 4.0) + 3.0)) <= 1e-14);
  BOOST_TEST(hana::at_c<0>(gp)[0] == 2 * 0.25 * 1.0);
  BOOST_TEST(hana::at_c<0>(gp)[1] == 2 * 0.25 * 2.0);
  BOOST_TEST(hana::at_c<0>(hana::at_c<1>(gp)) == 0.5);
}
