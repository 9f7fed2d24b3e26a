// tl::gradient's contract beyond the reference cases: structures of targets, zeros for unconnected
// inputs, repeated calls, vars and lets as roots, jacobian shapes.
#define BOOST_TEST_MODULE reverse_gradient
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <thread>

#include <tapeless/tapeless.hpp>

namespace hana = boost::hana;

BOOST_AUTO_TEST_CASE(nested_hana_structures_come_back_in_the_same_structure) {
  // tf.nest: a list of weights interpolated by a scalar, differentiated by the scalar and the weights.
  auto weights = hana::make_tuple(tl::var<tl::vec<double, 3>>{1.0, 2.0, 3.0},
                                  hana::make_tuple(tl::var<tl::mat<double, 2, 2>>{{1.0, 0.5}, {0.25, 2.0}},
                                                   tl::var<double>{4.0}));
  tl::var<double> t{0.25};
  auto& v = hana::at_c<0>(weights);
  auto& m = hana::at_c<0>(hana::at_c<1>(weights));
  auto& s = hana::at_c<1>(hana::at_c<1>(weights));
  // loss = sum over leaves of sum((t * leaf)^2) = t^2 * (sum v^2 + sum m^2 + s^2)
  auto loss = tl::sum(tl::square(t * v)) + tl::sum(tl::square(t * m)) + tl::square(t * s);
  double const sq = (1 + 4 + 9) + (1 + 0.25 + 0.0625 + 4) + 16;

  auto g = tl::gradient(loss, weights);
  auto const& gv = hana::at_c<0>(g);
  auto const& gm = hana::at_c<0>(hana::at_c<1>(g));
  auto const& gs = hana::at_c<1>(hana::at_c<1>(g));
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(gv)>, tl::vec<double, 3>>);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(gm)>, tl::mat<double, 2, 2>>);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(gs)>, double>);
  for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(gv[i] == 2 * 0.0625 * v.value()[i]);
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 2; ++j) BOOST_TEST(gm(i, j) == 2 * 0.0625 * m.value()(i, j));
  BOOST_TEST(gs == 2 * 0.0625 * 4.0);

  // The scalar and the structure together.
  auto [gt, gw] = tl::gradient(loss, tl::wrt(t, weights));
  BOOST_TEST(std::abs(gt - 2 * 0.25 * sq) < 1e-12);
  BOOST_TEST(hana::at_c<1>(hana::at_c<1>(gw)) == gs);
}

BOOST_AUTO_TEST_CASE(unconnected_inputs_get_zeros_of_their_shape) {
  tl::var<tl::vec<double, 2>> x{1.0, 2.0};
  tl::var<tl::dmat<double>> unused{{1, 2, 3}, {4, 5, 6}};
  tl::var<double> also_unused{3.0};
  auto unused_let = tl::let(tl::exp(x) * 2.0);
  auto [gx, gu, ga, gl] = tl::gradient(tl::sum(x * x), tl::wrt(x, unused, also_unused, unused_let));
  BOOST_TEST(gx[0] == 2.0);
  BOOST_TEST(gx[1] == 4.0);
  BOOST_TEST(gu.rows() == 2u);
  BOOST_TEST(gu.cols() == 3u);
  for (double e : gu) BOOST_TEST(e == 0.0);
  BOOST_TEST(ga == 0.0);
  BOOST_TEST(gl[0] == 0.0);
  BOOST_TEST(gl[1] == 0.0);
}

BOOST_AUTO_TEST_CASE(vars_alone_write_their_adjoints_into_the_result) {
  // Targets that are all vars take another path (each adjoint written into the result in place):
  // a var named twice gets its adjoint twice, an unconnected one zeros even after an earlier sweep
  // filled its adjoint, one behind tl::stop_gradient zeros, and repeated calls start from zero.
  tl::var<tl::vec<double, 3>> x{1.0, 2.0, 3.0};
  tl::var<tl::vec<double, 2>> u{5.0, 6.0};
  tl::var<tl::dvec<double>> d{1.0, -1.0};
  BOOST_TEST(tl::gradient(tl::sum(u * u), u)[1] == 12.0);  // u's adjoint filled in an earlier sweep
  for (double scale : {1.0, 2.0}) {
    x = tl::vec<double, 3>{scale, 2 * scale, 3 * scale};
    auto const y = tl::sum(x * x) + tl::sum(tl::stop_gradient(u) * 2.0) + tl::sum(d * 3.0);
    auto const [g1, gu, g2, gd1, gd2] = tl::gradient(y, tl::wrt(x, u, x, d, d));
    for (std::size_t i = 0; i < 3; ++i) {
      BOOST_TEST(g1[i] == 2 * x.value()[i]);
      BOOST_TEST(g2[i] == 2 * x.value()[i]);
    }
    BOOST_TEST(gu[0] == 0.0);
    BOOST_TEST(gu[1] == 0.0);
    BOOST_TEST(gd1.size() == 2u);
    BOOST_TEST(gd2.size() == 2u);
    for (std::size_t i = 0; i < 2; ++i) {
      BOOST_TEST(gd1[i] == 3.0);
      BOOST_TEST(gd2[i] == 3.0);
    }
    auto const [vy, gx] = tl::value_and_gradient(y, x);
    BOOST_TEST(vy == tl::value(y));
    for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(gx[i] == 2 * x.value()[i]);
  }
  tl::var<tl::vec<double, 2>> w{1.0, 1.0};
  auto const [gw, gu2] = tl::gradient(tl::sum(w), tl::wrt(w, u));  // u not in the tree at all
  BOOST_TEST(gw[0] == 1.0);
  BOOST_TEST(gu2[0] == 0.0);
  BOOST_TEST(gu2[1] == 0.0);
}

BOOST_AUTO_TEST_CASE(an_unreached_let_does_not_disturb_the_other_targets) {
  tl::var<double> a{3.0};
  auto b1 = tl::let(a * a);
  auto b2 = tl::let(b1 * b1);  // not used by y
  auto y = a * 2.0 + b1;
  auto [g2, ga, g1] = tl::gradient(y, tl::wrt(b2, a, b1));
  BOOST_TEST(g2 == 0.0);
  BOOST_TEST(ga == 2.0 + 2 * 3.0);
  BOOST_TEST(g1 == 1.0);
}

BOOST_AUTO_TEST_CASE(repeated_calls_see_new_values_and_start_from_zero) {
  tl::var<tl::vec<double, 3>> x{1.0, 2.0, 3.0};
  auto b = tl::let(tl::square(x));
  auto y = tl::sum(b * x);  // sum x^3
  for (double scale : {1.0, 2.0, -0.5}) {
    x = tl::vec<double, 3>{scale, 2 * scale, 3 * scale};
    auto g = tl::gradient(y, x);
    for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(g[i] == 3 * x.value()[i] * x.value()[i]);
    BOOST_TEST(tl::value(y) == std::pow(scale, 3) * 36);
  }
  tl::var<tl::dvec<double>> d{1.0, 2.0};
  auto z = tl::sum(tl::square(d));
  BOOST_TEST(tl::gradient(z, d).size() == 2u);
  d = tl::dvec<double>{1.0, 2.0, 3.0, 4.0};  // another length: the adjoint follows
  auto gd = tl::gradient(z, d);
  BOOST_TEST(gd.size() == 4u);
  BOOST_TEST(gd[3] == 8.0);
}

BOOST_AUTO_TEST_CASE(a_var_swept_by_one_thread_after_another) {
  // Sweeps are numbered from per-thread blocks; two threads must never hand out the same number, or
  // the second sweep would take the var's adjoint for already reset and add to the first one's.
  tl::var<double> x{3.0};
  tl::var<tl::dvec<double>> v{1.0, 2.0};
  auto y = x * x + tl::sum(tl::square(v) * x);
  double g1 = 0, g2 = 0, g3 = 0;
  std::thread([&] { g1 = tl::gradient(y, x); }).join();
  std::thread([&] { g2 = tl::gradient(y, x); }).join();
  std::thread([&] { g3 = tl::jacobian(y, x, tl::forward_mode); }).join();
  BOOST_TEST(g1 == 11.0);
  BOOST_TEST(g2 == 11.0);
  BOOST_TEST(g3 == 11.0);
  BOOST_TEST(tl::gradient(y, x) == 11.0);
}

BOOST_AUTO_TEST_CASE(vars_and_lets_can_be_roots) {
  tl::var<tl::vec<double, 2>> x{1.0, 2.0};
  auto g = tl::gradient(x, x);
  BOOST_TEST(g[0] == 1.0);
  BOOST_TEST(g[1] == 1.0);
  auto b = tl::let(3.0 * x);
  auto gb = tl::gradient(b, x, tl::seeds(tl::vec<double, 2>{1.0, -2.0}));
  BOOST_TEST(gb[0] == 3.0);
  BOOST_TEST(gb[1] == -6.0);
}

// tl::value_and_gradient: the value gradient's sweep computed, equal to tl::value and tl::gradient
// called apart, with every option, for fused roots (sums over SIMD loops, at tails), plain scalars,
// vector outputs, several outputs and tl::active.
BOOST_AUTO_TEST_CASE(value_and_gradient_is_value_and_gradient_from_one_sweep) {
  for (std::size_t n : {1u, 7u, 9u, 33u}) {
    tl::dvec<double> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = 0.1 + 0.3 * double(i);
    tl::var<tl::dvec<double>> x{v};
    tl::var<double> b{0.5};
    auto const loss = tl::sum(tl::log(tl::exp(x) + b) * x);  // a fused root: its value comes from the backward loop
    auto const [value, g] = tl::value_and_gradient(loss, tl::wrt(x, b));
    BOOST_TEST(value == tl::value(loss), boost::test_tools::tolerance(1e-14));
    auto const [gx, gb] = tl::gradient(loss, tl::wrt(x, b));
    for (std::size_t i = 0; i < n; ++i) BOOST_TEST(std::get<0>(g)[i] == gx[i], boost::test_tools::tolerance(1e-14));
    BOOST_TEST(std::get<1>(g) == gb, boost::test_tools::tolerance(1e-14));
  }
  // One target (the gradient bare), a scalar expression.
  tl::var<double> a{2.0};
  auto const [y, ga] = tl::value_and_gradient(a * a * a, a);
  BOOST_TEST(y == 8.0);
  BOOST_TEST(ga == 12.0);
  // A vector output with a seed: the value is the vector, the seed weights only the gradient.
  tl::var<tl::vec<double, 2>> w{1.0, 2.0};
  auto const [vw, gw] = tl::value_and_gradient(w * w, w, tl::seeds(tl::vec<double, 2>{1.0, -1.0}));
  BOOST_TEST(vw[0] == 1.0);
  BOOST_TEST(vw[1] == 4.0);
  BOOST_TEST(gw[0] == 2.0);
  BOOST_TEST(gw[1] == -4.0);
  // Several outputs: a tuple of values; stop_at as for tl::gradient.
  auto q = tl::let(a * a);
  auto const [vs, gq] = tl::value_and_gradient(tl::outputs(q * a, tl::sum(w)), tl::wrt(a, q), tl::stop_at(q));
  BOOST_TEST(std::get<0>(vs) == 8.0);
  BOOST_TEST(std::get<1>(vs) == 3.0);
  BOOST_TEST(std::get<0>(gq) == 4.0);  // q held constant: d(q a)/da = q
  BOOST_TEST(std::get<1>(gq) == 2.0);
  // A tl::active program.
  tl::active<double> p = 3.0;
  tl::active<double> r = p * p;
  r += tl::sin(p);
  auto const [vr, gp] = tl::value_and_gradient(r, p);
  BOOST_TEST(vr == 9.0 + std::sin(3.0));
  BOOST_TEST(gp == 6.0 + std::cos(3.0));
}

BOOST_AUTO_TEST_CASE(jacobian_shapes_and_values) {
  tl::var<tl::vec<double, 3>> x{0.5, 1.0, 2.0};
  auto J = tl::jacobian(tl::matmul(tl::constant(tl::mat<double, 2, 3>{{1, 2, 3}, {4, 5, 6}}), tl::sin(x)), x);
  static_assert(std::is_same_v<decltype(J), tl::mat<double, 2, 3>>);
  double const A[2][3] = {{1, 2, 3}, {4, 5, 6}};
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 3; ++j) BOOST_TEST(std::abs(J(i, j) - A[i][j] * std::cos(x.value()[j])) < 1e-15);

  tl::var<double> s{2.0};
  auto Js = tl::jacobian(x * s, s);  // vector against scalar: shape(y)
  static_assert(std::is_same_v<decltype(Js), tl::vec<double, 3>>);
  BOOST_TEST(Js[2] == 2.0);
  auto Jv = tl::jacobian(tl::sum(x) * s, x);  // scalar against vector: the gradient
  static_assert(std::is_same_v<decltype(Jv), tl::vec<double, 3>>);
  BOOST_TEST(Jv[0] == 2.0);

  tl::var<tl::dvec<double>> d{1.0, 2.0};
  auto Jd = tl::jacobian(tl::matmul(tl::constant(tl::dmat<double>{{1, 2}, {3, 4}, {5, 6}}), d * d), d);
  static_assert(std::is_same_v<decltype(Jd), tl::dmat<double>>);
  BOOST_TEST(Jd.rows() == 3u);
  BOOST_TEST(Jd.cols() == 2u);
  BOOST_TEST(Jd(2, 1) == 6 * 2 * 2.0);
}
