// Runtime shape errors (dvec / dmat extents): each throws tl::shape_error naming the operation and
// both shapes, changes no var, and leaves everything ready for the next, correct call.
#define BOOST_TEST_MODULE reverse_errors
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <tapeless/tapeless.hpp>

namespace {

using dvec = tl::dvec<double>;
using dmat = tl::dmat<double>;

/// The message of the tl::shape_error that f throws; a test error if it throws nothing. Any other
/// exception escapes, and Boost reports it as an error of the test case.
std::string shape_error_of(std::function<void()> const& f) {
  try {
    f();
  } catch (tl::shape_error const& e) {
    return e.what();
  }
  BOOST_ERROR("no tl::shape_error was thrown");
  return {};
}

/// Checks that the message contains every one of the pieces (the operation and both shapes).
void check_names(std::string const& message, std::vector<std::string> const& pieces) {
  BOOST_TEST_INFO("message: \"" << message << "\"");
  for (auto const& p : pieces) {
    BOOST_TEST_INFO("missing: \"" << p << "\"");
    BOOST_TEST((message.find(p) != std::string::npos));
  }
}

dvec iota(std::size_t n, double first = 1.0) {
  dvec v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = first + double(i);
  return v;
}

}  // namespace

BOOST_AUTO_TEST_CASE(elementwise_extents_mismatch) {
  tl::var<dvec> x{1.0, 2.0, 3.0};
  tl::var<dvec> y{1.0, 2.0, 3.0, 4.0};
  auto bad = tl::sum(x * y);
  check_names(shape_error_of([&] { (void)tl::value(bad); }), {"tl::operator*", "(3)", "(4)"});
  check_names(shape_error_of([&] { (void)tl::gradient(bad, tl::wrt(x, y)); }), {"tl::operator*", "(3)", "(4)"});
  check_names(shape_error_of([&] { (void)tl::jacobian(x + y, x); }), {"tl::operator+", "(3)", "(4)"});
  // The left operand's shape comes first.
  check_names(shape_error_of([&] { (void)tl::value(y - x); }), {"tl::operator-", "(4) and (3)"});
  BOOST_TEST(x.value() == (dvec{1.0, 2.0, 3.0}));
  BOOST_TEST(y.value() == (dvec{1.0, 2.0, 3.0, 4.0}));

  // The same vars in a correct expression, after the failures.
  auto [gx, gy] = tl::gradient(tl::sum(x * x) + 3.0 * tl::sum(y), tl::wrt(x, y));
  BOOST_TEST(gx == (dvec{2.0, 4.0, 6.0}));
  BOOST_TEST(gy == (dvec{3.0, 3.0, 3.0, 3.0}));
}

BOOST_AUTO_TEST_CASE(elementwise_mismatch_of_equal_sizes_is_still_an_error) {
  // 2x3 and 3x2 have the same number of elements; only a comparison of extents catches it.
  tl::var<dmat> a{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
  tl::var<dmat> b{{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}};
  check_names(shape_error_of([&] { (void)tl::gradient(tl::sum(a * b), a); }), {"tl::operator*", "(2, 3)", "(3, 2)"});
  check_names(shape_error_of([&] { (void)tl::value(tl::where(a > 2.0, a, b)); }), {"tl::where", "(2, 3)", "(3, 2)"});
  BOOST_TEST(a.value() == (dmat{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}));
  BOOST_TEST(b.value() == (dmat{{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}}));
  BOOST_TEST(tl::gradient(tl::sum(a * tl::transpose(b)), a) == (dmat{{1.0, 3.0, 5.0}, {2.0, 4.0, 6.0}}));
}

BOOST_AUTO_TEST_CASE(static_against_runtime_extents) {
  tl::var<tl::vec<double, 3>> s{1.0, 2.0, 3.0};
  tl::var<dvec> d{1.0, 2.0, 3.0, 4.0};
  check_names(shape_error_of([&] { (void)tl::gradient(tl::sum(s + d), tl::wrt(s, d)); }), {"tl::operator+", "(3)", "(4)"});
  BOOST_TEST(s.value() == (tl::vec<double, 3>{1.0, 2.0, 3.0}));
  BOOST_TEST(d.value() == (dvec{1.0, 2.0, 3.0, 4.0}));
  d = dvec{5.0, 6.0, 7.0};
  auto [gs, gd] = tl::gradient(tl::sum(s * d), tl::wrt(s, d));
  BOOST_TEST(gs == (tl::vec<double, 3>{5.0, 6.0, 7.0}));
  BOOST_TEST(gd == (dvec{1.0, 2.0, 3.0}));
}

BOOST_AUTO_TEST_CASE(matmul_inner_dimensions_mismatch) {
  tl::var<dmat> a{dmat(2, 3, 1.0)};
  tl::var<dmat> b{dmat(4, 5, 2.0)};
  tl::var<dvec> v{1.0, 2.0, 3.0, 4.0};
  check_names(shape_error_of([&] { (void)tl::gradient(tl::sum(tl::matmul(a, b)), tl::wrt(a, b)); }),
              {"tl::matmul", "(2, 3)", "(4, 5)"});
  check_names(shape_error_of([&] { (void)tl::value(tl::matmul(a, v)); }), {"tl::matmul", "(2, 3)", "(4)"});
  check_names(shape_error_of([&] { (void)tl::gradient(tl::sum(tl::matmul(v, a)), v); }), {"tl::matmul", "(4)", "(2, 3)"});
  BOOST_TEST(a.value() == dmat(2, 3, 1.0));
  BOOST_TEST(b.value() == dmat(4, 5, 2.0));
  BOOST_TEST(v.value() == (dvec{1.0, 2.0, 3.0, 4.0}));

  // d/da sum(a b) = ones(2, 4) b^T: every element is the sum of a row of b.
  b = dmat(3, 4, 2.0);
  auto [ga, gb] = tl::gradient(tl::sum(tl::matmul(a, b)), tl::wrt(a, b));
  BOOST_TEST(ga == dmat(2, 3, 8.0));
  BOOST_TEST(gb == dmat(3, 4, 2.0));
}

BOOST_AUTO_TEST_CASE(dot_extents_mismatch) {
  tl::var<dvec> x{1.0, 2.0, 3.0};
  tl::var<dvec> y{4.0, 5.0};
  check_names(shape_error_of([&] { (void)tl::gradient(tl::dot(x, y), tl::wrt(x, y)); }), {"tl::dot", "(3)", "(2)"});
  BOOST_TEST(x.value() == (dvec{1.0, 2.0, 3.0}));
  BOOST_TEST(y.value() == (dvec{4.0, 5.0}));
  y = dvec{4.0, 5.0, 6.0};
  auto [gx, gy] = tl::gradient(tl::dot(x, y), tl::wrt(x, y));
  BOOST_TEST(gx == (dvec{4.0, 5.0, 6.0}));
  BOOST_TEST(gy == (dvec{1.0, 2.0, 3.0}));
}

BOOST_AUTO_TEST_CASE(seed_extents_differ_from_the_output) {
  tl::var<dvec> x{1.0, 2.0, 3.0};
  auto y = 2.0 * x;
  check_names(shape_error_of([&] { (void)tl::gradient(y, x, tl::seeds(dvec{1.0, 1.0, 1.0, 1.0})); }),
              {"tl::gradient", "seed", "(4)", "(3)"});
  check_names(shape_error_of([&] { (void)tl::gradient(y, x, tl::seeds({1.0, 1.0})); }),
              {"tl::gradient", "seed", "(2)", "(3)"});

  // Transposed extents have the right size but the wrong shape.
  tl::var<dmat> m{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
  check_names(shape_error_of([&] { (void)tl::gradient(3.0 * m, m, tl::seeds(dmat(3, 2, 1.0))); }),
              {"tl::gradient", "seed", "(3, 2)", "(2, 3)"});

  // The second seed is wrong: nothing may have been propagated from the first.
  check_names(shape_error_of([&] {
                (void)tl::gradient(tl::outputs(y, x * x), x, tl::seeds(dvec{1.0, 2.0, 3.0}, dvec{1.0}));
              }),
              {"tl::gradient", "seed", "(1)", "(3)"});
  BOOST_TEST(x.value() == (dvec{1.0, 2.0, 3.0}));
  BOOST_TEST(m.value() == (dmat{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}));

  // 2 * s1 + 2 x * s2
  BOOST_TEST(tl::gradient(tl::outputs(y, x * x), x, tl::seeds(dvec{1.0, 2.0, 3.0}, dvec{1.0, 1.0, 0.5})) ==
             (dvec{4.0, 8.0, 9.0}));
  BOOST_TEST(tl::gradient(3.0 * m, m, tl::seeds(dmat(2, 3, 2.0))) == dmat(2, 3, 6.0));
}

BOOST_AUTO_TEST_CASE(a_var_reassigned_to_another_length) {
  tl::var<dvec> x{1.0, 2.0, 3.0};
  tl::var<dvec> w{0.5, 0.25, 2.0};
  auto h = tl::let(x * w);
  auto y = tl::sum(h) + tl::dot(x, x);
  BOOST_TEST(tl::value(y) == 0.5 + 0.5 + 6.0 + 14.0);

  x = iota(4);
  check_names(shape_error_of([&] { (void)tl::value(y); }), {"tl::operator*", "(4)", "(3)"});
  check_names(shape_error_of([&] { (void)tl::gradient(y, tl::wrt(x, w, h)); }), {"tl::operator*", "(4)", "(3)"});
  BOOST_TEST(x.value() == iota(4));
  BOOST_TEST(w.value() == (dvec{0.5, 0.25, 2.0}));

  // Both lengths agree again: the same expression, let binding included, works at the new length.
  w = dvec{1.0, 1.0, 1.0, 2.0};
  auto [gx, gw, gh] = tl::gradient(y, tl::wrt(x, w, h));
  BOOST_TEST(gx == (dvec{3.0, 5.0, 7.0, 10.0}));  // w + 2 x
  BOOST_TEST(gw == iota(4));                      // x
  BOOST_TEST(gh == dvec(4, 1.0));
  BOOST_TEST(tl::value(y) == (1.0 + 2.0 + 3.0 + 8.0) + (1.0 + 4.0 + 9.0 + 16.0));
}

BOOST_AUTO_TEST_CASE(constant_ref_data_resized_under_an_expression) {
  tl::var<dvec> x{1.0, 2.0, 3.0};
  dvec data{1.0, 2.0, 3.0, 4.0};
  auto y = tl::sum(x * tl::constant_ref(data));
  check_names(shape_error_of([&] { (void)tl::gradient(y, x); }), {"tl::operator*", "(3)", "(4)"});
  BOOST_TEST(x.value() == (dvec{1.0, 2.0, 3.0}));
  data = dvec{7.0, 8.0, 9.0};
  BOOST_TEST(tl::gradient(y, x) == (dvec{7.0, 8.0, 9.0}));
}

BOOST_AUTO_TEST_CASE(ragged_dmat_initializer) {
  check_names(shape_error_of([] { (void)dmat{{1.0, 2.0}, {3.0, 4.0, 5.0}}; }), {"tl::dmat", "row 1", "3", "2"});
  check_names(shape_error_of([] { (void)tl::var<dmat>{{1.0, 2.0, 3.0}, {4.0}}; }), {"tl::dmat", "row 1", "1", "3"});

  tl::var<dmat> m{{1.0, 2.0}, {3.0, 4.0}};
  check_names(shape_error_of([&] { m = dmat{{5.0, 6.0}, {7.0}}; }), {"tl::dmat", "row 1", "1", "2"});
  BOOST_TEST(m.value() == (dmat{{1.0, 2.0}, {3.0, 4.0}}));
  BOOST_TEST(tl::gradient(tl::sum(m * m), m) == (dmat{{2.0, 4.0}, {6.0, 8.0}}));
}

BOOST_AUTO_TEST_CASE(index_out_of_range) {
  tl::var<dvec> x{1.0, 2.0, 3.0};
  tl::var<dmat> m{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
  check_names(shape_error_of([&] { (void)tl::gradient(x[5], x); }), {"index", "(5)", "(3)"});
  check_names(shape_error_of([&] { (void)tl::value(m(1, 7)); }), {"index", "(1, 7)", "(2, 3)"});
  check_names(shape_error_of([&] { (void)tl::gradient(tl::sum(m[2]), m); }), {"index", "(2)", "(2, 3)"});
  // An index on an expression is checked against the expression's extents, at evaluation.
  check_names(shape_error_of([&] { (void)tl::value((x * 2.0)[4]); }), {"index", "(4)", "(3)"});
  // Static extents: a constant index out of range fails at once, when the expression is built.
  tl::var<tl::vec<double, 3>> s{1.0, 2.0, 3.0};
  check_names(shape_error_of([&] { (void)s[7]; }), {"index", "(7)", "(3)"});
  // A negative index is named as written, not as the unsigned number it would wrap to.
  check_names(shape_error_of([&] { (void)x[-1]; }), {"tl::operator[]", "index (-1)", "negative"});
  check_names(shape_error_of([&] { (void)m(0, -2); }), {"tl::operator()", "(0, -2)", "negative"});
  BOOST_TEST(x.value() == (dvec{1.0, 2.0, 3.0}));
  BOOST_TEST(m.value() == (dmat{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}));

  BOOST_TEST(tl::gradient(x[2] * x[0], x) == (dvec{3.0, 0.0, 1.0}));
  BOOST_TEST(tl::gradient(tl::sum(m[1]) + m(0, 2), m) == (dmat{{0.0, 0.0, 1.0}, {1.0, 1.0, 1.0}}));
  BOOST_TEST(tl::gradient(s[2], s) == (tl::vec<double, 3>{0.0, 0.0, 1.0}));
}

BOOST_AUTO_TEST_CASE(function_api_directions_and_seeds) {
  // tl::jvp and tl::hvp take a direction of x's shape, tl::vjp a seed of f(x)'s: runtime extents are
  // checked before anything is differentiated.
  auto f = [](auto const& x) { return tl::exp(x) * x; };
  auto scalar = [](auto const& x) { return tl::sum(tl::exp(x) * x); };
  dvec const x = iota(4), three = iota(3), five = iota(5);
  check_names(shape_error_of([&] { (void)tl::jvp(f, x, three); }), {"tl::jvp", "(4)", "(3)"});
  check_names(shape_error_of([&] { (void)tl::hvp(scalar, x, five); }), {"tl::hvp", "(4)", "(5)"});
  check_names(shape_error_of([&] { (void)tl::vjp(f, x, five); }), {"tl::vjp", "seed", "(4)", "(5)"});
  // jacfwd evaluates f's elementwise top element by element; its operands are checked all the same.
  auto mismatched = [&](auto const& v) { return tl::sin(v) * tl::constant(three) + v; };
  check_names(shape_error_of([&] { (void)tl::jacfwd(mismatched)(x); }), {"tl::operator*", "(4)", "(3)"});
  check_names(shape_error_of([&] { (void)tl::jacrev(mismatched)(x); }), {"tl::operator*", "(4)", "(3)"});
  // And a correct call after the failures: J v with v = (0, 1, 2, 3) at x = (1, 2, 3, 4).
  BOOST_TEST(std::abs(tl::jvp(f, x, iota(4, 0.0)).second[1] - 3.0 * std::exp(2.0)) <= 1e-13);
}
