// tl::let (include/tapeless/expr/let.hpp): a named intermediate is evaluated once per sweep however often
// it is used, its backward runs once after all its users, so a DAG of lets costs linear time; gradients
// with respect to a let; tl::stop_gradient and tl::stop_at.
#define BOOST_TEST_MODULE expr_let
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <tuple>
#include <type_traits>

#include <tapeless/tapeless.hpp>

// An element type that counts its arithmetic, so that "evaluated once" can be checked exactly.
// (tl::is_element is the customisation point for element types.)
struct counted {
  double v = 0;
  static inline std::size_t multiplies = 0;
  static inline std::size_t adds = 0;
  static void reset() { multiplies = adds = 0; }

  counted() = default;
  counted(double x) : v(x) {}  // numbers mix in, as with float and double

  friend counted operator*(counted a, counted b) {
    ++multiplies;
    return {a.v * b.v};
  }
  friend counted operator/(counted a, counted b) {
    ++multiplies;
    return {a.v / b.v};
  }
  friend counted operator+(counted a, counted b) {
    ++adds;
    return {a.v + b.v};
  }
  friend counted operator-(counted a, counted b) {
    ++adds;
    return {a.v - b.v};
  }
  friend counted operator-(counted a) { return {-a.v}; }
  counted& operator+=(counted b) {
    ++adds;
    v += b.v;
    return *this;
  }
  friend bool operator==(counted a, counted b) { return a.v == b.v; }
  friend auto operator<=>(counted a, counted b) { return a.v <=> b.v; }
};
template <>
struct tapeless::is_element<counted> : std::true_type {};

namespace {

/// Builds `levels` more lets on top of `prev`, alternately prev + prev and prev * prev, each used twice
/// by the next, and calls f with the last one. (A let can be neither copied nor moved: each level lives
/// in its own stack frame.)
template <int Levels, class L, class F>
void deepen(L const& prev, F const& f) {
  if constexpr (Levels == 0) {
    f(prev);
  } else if constexpr (Levels % 2 == 1) {
    auto const next = tl::let(prev + prev);
    deepen<Levels - 1>(next, f);
  } else {
    auto const next = tl::let(prev * prev);
    deepen<Levels - 1>(next, f);
  }
}

}  // namespace

using float_types = std::tuple<float, double>;

// The depth of the let DAGs below: 30 levels, 2^29 evaluations without let, 30 with it. A level's type
// names only the value type of the lets it uses (let_ref<V>), so types and compile time grow linearly
// with the depth (when let_ref named the bound expression, they doubled per level and 16 levels took
// 60 s and 7.8 GB to compile).
constexpr int depth = 30;

BOOST_AUTO_TEST_SUITE(evaluated_once)

// b = let(x * x), c = let(b + b), d = let(c * c), ... Without let the last level would cost 2^(depth - 1)
// evaluations of x * x; with let each level is evaluated once per sweep. At x = 0.5 the values alternate
// 0.25, 0.5 exactly and each (+, *) pair doubles the derivative: d top / dx = 2^(depth / 2).
BOOST_AUTO_TEST_CASE(deep_dag_counted) {
  static_assert(depth % 2 == 0);
  tl::var<counted> x{counted(0.5)};
  auto const b = tl::let(x * x);
  deepen<depth - 1>(b, [&](auto const& top) {
    counted::reset();
    BOOST_TEST(tl::value(top).v == 0.5);
    BOOST_TEST(counted::multiplies == std::size_t{depth / 2});  // x * x and the squarings
    BOOST_TEST(counted::adds == std::size_t{depth / 2});        // the doublings
    counted::reset();
    BOOST_TEST(tl::gradient(top, x).v == std::ldexp(1.0, depth / 2));
    // Forward once, backward a constant number of ops per level: linear, not exponential.
    BOOST_TEST(counted::multiplies + counted::adds <= std::size_t{10 * depth});
    // A second sweep evaluates everything again, once.
    counted::reset();
    BOOST_TEST(tl::value(top).v == 0.5);
    BOOST_TEST(counted::multiplies + counted::adds == std::size_t{depth});
  });
}

BOOST_AUTO_TEST_CASE(deep_dag_double) {
  tl::var<double> x{0.5};
  auto const b = tl::let(x * x);
  auto const c = tl::let(b + b);
  deepen<depth - 2>(c, [&](auto const& top) {
    double const d = std::ldexp(1.0, depth / 2);
    BOOST_TEST(tl::value(top) == 0.5);
    BOOST_TEST(tl::gradient(top, x) == d);
    // With respect to the intermediates: top = F(b) with dF/db = 2^(depth/2) (b = x^2 has derivative 1 at
    // 0.5), and c = 2 b, so dF/dc is half that.
    auto const [dx, db, dc] = tl::gradient(top, tl::wrt(x, b, c));
    BOOST_TEST(dx == d);
    BOOST_TEST(db == d);
    BOOST_TEST(dc == d / 2);
    // The forward-mode jacobian through the same DAG.
    BOOST_TEST(tl::jacobian(top, x, tl::forward_mode) == d);
    // New values flow through at the next sweep: top depends on x^2 only.
    x = -0.5;
    BOOST_TEST(tl::value(top) == 0.5);
    BOOST_TEST(tl::gradient(top, x) == -d);
  });
}

// A let used by two outputs is evaluated once in that sweep; outputs' gradients add up.
BOOST_AUTO_TEST_CASE(shared_by_two_outputs) {
  tl::var<counted> x{counted(3.0)};
  auto const b = tl::let(x * x);
  auto const y1 = b * 2.0;
  auto const y2 = b + b;
  counted::reset();
  auto const g = tl::gradient(tl::outputs(y1, y2), x);
  BOOST_TEST(g.v == 24.0);  // d(2 x^2 + 2 x^2)/dx = 8 x
  counted::reset();
  (void)tl::value(y1);
  BOOST_TEST(counted::multiplies == 2u);  // x * x, then b * 2
}

// A let over a vector: its uses share one evaluation, in the fused loops too.
BOOST_AUTO_TEST_CASE_TEMPLATE(vector_let, T, float_types) {
  tl::var<tl::dvec<T>> x{T(0.1), T(0.2), T(0.3), T(0.4), T(0.5)};
  auto const e = tl::let(tl::exp(x));
  auto const y = tl::sum(e * e) + tl::sum(e) + tl::dot(e, x);
  auto const g = tl::gradient(y, x);
  double value = 0;
  for (std::size_t i = 0; i < 5; ++i) {
    double const v = x.value()[i], ev = std::exp(v);
    value += ev * ev + ev + ev * v;
    BOOST_TEST(double(g[i]) == 2 * ev * ev + ev + ev * v + ev, boost::test_tools::tolerance(1e-5));
  }
  BOOST_TEST(double(tl::value(y)) == value, boost::test_tools::tolerance(1e-5));
  auto const [gx, ge] = tl::gradient(y, tl::wrt(x, e));
  for (std::size_t i = 0; i < 5; ++i) {
    double const v = x.value()[i], ev = std::exp(v);
    BOOST_TEST(double(ge[i]) == 2 * ev + 1 + v, boost::test_tools::tolerance(1e-5));
    BOOST_TEST(double(gx[i]) == double(g[i]));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(gradient_flow)

// Reference case 7: the total derivative through a let and the direct one.
BOOST_AUTO_TEST_CASE(with_respect_to_a_let) {
  tl::var<double> a{0.0};
  auto const b = tl::let(2 * a);
  auto const c = a + b;
  auto const [da, db] = tl::gradient(c, tl::wrt(a, b));
  BOOST_TEST(da == 3.0);
  BOOST_TEST(db == 1.0);
  // A let the output does not reach gets zeros of its shape.
  tl::var<tl::vec<double, 2>> v{1.0, 2.0};
  auto const unused = tl::let(v * v);
  BOOST_TEST(tl::gradient(tl::sum(v), unused) == (tl::vec<double, 2>{}));
  // A let of a let.
  auto const l1 = tl::let(a + 1.0);
  auto const l2 = tl::let(l1 * l1);
  auto const [dl1, dl2, da2] = tl::gradient(l2 * 3.0, tl::wrt(l1, l2, a));
  BOOST_TEST(dl1 == 6.0);  // 3 * 2 * l1 at l1 = 1
  BOOST_TEST(dl2 == 3.0);
  BOOST_TEST(da2 == 6.0);
}

// stop_gradient: same value, no derivative through it.
BOOST_AUTO_TEST_CASE(stop_gradient) {
  tl::var<double> x{3.0};
  auto const y = tl::stop_gradient(x * x) * x;
  BOOST_TEST(tl::value(y) == 27.0);
  BOOST_TEST(tl::gradient(y, x) == 9.0);  // not 27
  BOOST_TEST(tl::jacobian(y, x, tl::forward_mode) == 9.0);
  auto const b = tl::let(x * x);
  BOOST_TEST(tl::gradient(tl::stop_gradient(b) + b, x) == 6.0);
  BOOST_TEST(tl::gradient(tl::stop_gradient(b), x) == 0.0);
  tl::var<tl::dvec<double>> v{1.0, 2.0, 3.0};
  BOOST_TEST(tl::gradient(tl::sum(tl::stop_gradient(tl::exp(v)) * v), v) == tl::value(tl::exp(v)));
  // Dual elements: no tangent flows through either.
  tl::var<tl::dual<double>> d{tl::dual<double>(3.0, {1.0})};
  auto const t = tl::value(tl::stop_gradient(d * d) * d);
  BOOST_TEST(t.value == 27.0);
  BOOST_TEST(t.tangent[0] == 9.0);
}

// stop_at(b): a stopped let still gets its own gradient, but nothing flows from it into its expression.
BOOST_AUTO_TEST_CASE(stop_at) {
  tl::var<double> a{2.0};
  auto const b = tl::let(a * a);
  auto const c = b * a;
  auto const [da, db] = tl::gradient(c, tl::wrt(a, b), tl::stop_at(b));
  BOOST_TEST(da == 4.0);  // only the direct use: b
  BOOST_TEST(db == 2.0);
  auto const [fa, fb] = tl::gradient(c, tl::wrt(a, b));
  BOOST_TEST(fa == 12.0);  // 3 a^2
  BOOST_TEST(fb == 2.0);
}

BOOST_AUTO_TEST_SUITE_END()

// tl::any_expression<V>: an expression kept as a class member or in a container, by its value type
// alone. It is a let that can be moved: once per sweep, fused inside, a target, stoppable; replacing
// it or letting it go leaves expressions over it throwing tl::lifetime_error.
namespace {

struct model {
  tl::var<tl::dvec<double>> w;
  tl::var<double> b;
  tl::any_expression<double> loss;
  model(tl::dvec<double> w0, double b0)
      : w(std::move(w0)), b(b0), loss(tl::sum(tl::square(w - 1.0) * tl::exp(w)) + b * b) {}
  model(model&&) = delete;  // the loss refers to w and b
};

}  // namespace

BOOST_AUTO_TEST_SUITE(any_expression)

BOOST_AUTO_TEST_CASE(a_model_class_keeps_its_loss) {
  for (std::size_t n : {1u, 7u, 9u, 17u}) {
    tl::dvec<double> w0(n);
    for (std::size_t i = 0; i < n; ++i) w0[i] = 0.1 * double(i);
    model m(w0, 2.0);
    auto const [l, g] = tl::value_and_gradient(m.loss, tl::wrt(m.w, m.b));
    double want = 4.0;
    for (std::size_t i = 0; i < n; ++i) {
      double const x = w0[i];
      want += (x - 1) * (x - 1) * std::exp(x);
      double const d = (2 * (x - 1) + (x - 1) * (x - 1)) * std::exp(x);
      BOOST_TEST(std::abs(std::get<0>(g)[i] - d) <= 1e-13 * (1 + std::abs(d)));
    }
    BOOST_TEST(std::abs(l - want) <= 1e-13 * want);
    BOOST_TEST(std::get<1>(g) == 4.0);
    // Used twice in a larger expression: evaluated once, its gradient counted twice; a target itself.
    auto const y = m.loss * 2.0 + m.loss;
    auto const [gw, gl] = tl::gradient(y, tl::wrt(m.w, m.loss));
    BOOST_TEST(gl == 3.0);
    BOOST_TEST(std::abs(gw[0] - 3 * std::get<0>(g)[0]) <= 1e-12);
    // stop_at: the loss is a constant to what uses it.
    auto const [sw, sl] = tl::gradient(y + tl::sum(m.w), tl::wrt(m.w, m.loss), tl::stop_at(m.loss));
    BOOST_TEST(sw[n - 1] == 1.0);
    BOOST_TEST(sl == 3.0);
  }
}

BOOST_AUTO_TEST_CASE(containers_moves_and_replacement) {
  tl::var<tl::vec<double, 3>> w{1.0, 2.0, 3.0};
  std::vector<tl::any_expression<double>> terms;
  for (std::size_t i = 0; i < 3; ++i) terms.push_back(tl::square(w[i]) * double(i));  // moved as the vector grows
  auto const total = terms[2] + terms[1];
  BOOST_TEST(tl::value(total) == 22.0);
  auto const g = tl::gradient(total, w);
  BOOST_TEST(g[0] == 0.0);
  BOOST_TEST(g[1] == 4.0);
  BOOST_TEST(g[2] == 12.0);
  // A vector-valued one.
  tl::any_expression<tl::vec<double, 3>> v = tl::exp(w) * 2.0;
  BOOST_TEST(tl::gradient(tl::sum(v), w)[1] == 2.0 * std::exp(2.0));
  // Replaced, or gone: what was built over the old one says so.
  tl::any_expression<double> e = tl::sum(w);
  auto const over = e * 3.0;
  BOOST_TEST(tl::value(over) == 18.0);
  e = tl::sum(w) * 2.0;
  BOOST_CHECK_THROW((void)tl::value(over), tl::lifetime_error);
  BOOST_TEST(tl::value(e * 3.0) == 36.0);
  tl::any_expression<double> moved = std::move(e);
  BOOST_TEST(tl::value(moved) == 12.0);
}

BOOST_AUTO_TEST_SUITE_END()
