// The laws of the reductions (include/tapeless/expr/reduce.hpp), part 1: tl::sum, tl::mean, tl::norm,
// tl::dot, and a mean over an elementwise tree (the fused path). Value against a double reference,
// adjoint against finite differences and the analytic gradient, forward against reverse (test/law/).
// Part 2 (max, min, logsumexp) is reduce_extrema.cpp.
#define BOOST_TEST_MODULE expr_reduce
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <tuple>
#include <vector>

#include "law/check.hpp"
#include "law/dense.hpp"
#include "law/shapes.hpp"

using float_types = std::tuple<float, double>;
using dvec = std::vector<double>;

namespace {
long double total(dvec const& x) {
  long double s = 0;
  for (double v : x) s += v;
  return s;
}
long double total_squares(dvec const& x) {
  long double s = 0;
  for (double v : x) s += static_cast<long double>(v) * v;
  return s;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(laws)

BOOST_AUTO_TEST_CASE_TEMPLATE(sum, T, float_types) {
  law::dense<T, 0, law::depth::exhaustive>(
      "tl::sum", [](auto const& x) { return tl::sum(x); }, [](dvec const& x) { return dvec{double(total(x))}; },
      [](dvec const& x, dvec const& s) { return dvec(x.size(), s[0]); }, law::uniform(-3, 3));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(mean, T, float_types) {
  law::dense<T, 1>(
      "tl::mean", [](auto const& x) { return tl::mean(x); },
      [](dvec const& x) { return dvec{double(total(x) / x.size())}; },
      [](dvec const& x, dvec const& s) { return dvec(x.size(), s[0] / x.size()); }, law::uniform(-3, 3));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(norm, T, float_types) {
  law::dense<T, 2>(
      "tl::norm", [](auto const& x) { return tl::norm(x); },
      [](dvec const& x) { return dvec{double(std::sqrt(total_squares(x)))}; },
      [](dvec const& x, dvec const& s) {
        double const n = std::sqrt(total_squares(x));
        dvec g(x.size());
        for (std::size_t i = 0; i < x.size(); ++i) g[i] = s[0] * x[i] / n;
        return g;
      },
      law::avoiding(-3, 3, {0.0}, 1e-3));
}
BOOST_AUTO_TEST_CASE_TEMPLATE(dot_with_itself, T, float_types) {
  law::dense<T, 3>(
      "tl::dot(x, x)", [](auto const& x) { return tl::dot(x, x); },
      [](dvec const& x) { return dvec{double(total_squares(x))}; },
      [](dvec const& x, dvec const& s) {
        dvec g(x.size());
        for (std::size_t i = 0; i < x.size(); ++i) g[i] = 2 * s[0] * x[i];
        return g;
      },
      law::uniform(-3, 3));
}
// A mean over an elementwise tree runs as fused SIMD loops.
BOOST_AUTO_TEST_CASE_TEMPLATE(mean_of_exp, T, float_types) {
  law::dense<T, 4>(
      "tl::mean(tl::exp(x) * x)", [](auto const& x) { return tl::mean(tl::exp(x) * x); },
      [](dvec const& x) {
        long double s = 0;
        for (double v : x) s += std::exp(v) * v;
        return dvec{double(s / x.size())};
      },
      [](dvec const& x, dvec const& s) {
        dvec g(x.size());
        for (std::size_t i = 0; i < x.size(); ++i) g[i] = s[0] * (1 + x[i]) * std::exp(x[i]) / x.size();
        return g;
      },
      // The derivative e^x (x + 1) is a difference of two terms that cancel at x = -1; near there a
      // float result is right to the terms' rounding, not to its own tiny size, so the samples keep away.
      law::avoiding(-3, 3, {-1.0}, 1e-2));
}
// Two vars: dot(a, b) = sum(a * b); the gradient is (b, a).
BOOST_AUTO_TEST_CASE_TEMPLATE(dot, T, float_types) {
  law::spec const s{"tl::dot(a, b)",
                    [](dvec const& x) {
                      std::size_t const n = x.size() / 2;
                      long double d = 0;
                      for (std::size_t i = 0; i < n; ++i) d += static_cast<long double>(x[i]) * x[n + i];
                      return dvec{double(d)};
                    },
                    {},
                    {},
                    [](dvec const& x, dvec const& w) {
                      std::size_t const n = x.size() / 2;
                      dvec g(x.size());
                      for (std::size_t i = 0; i < n; ++i) {
                        g[i] = w[0] * x[n + i];
                        g[n + i] = w[0] * x[i];
                      }
                      return g;
                    }};
  auto const op = [](auto const& a, auto const& b) { return tl::dot(a, b); };
  auto const d = law::uniform(-3, 3);
  std::mt19937 gen(law::fixed_seed);
  for (std::size_t n : law::sizes)
    law::check<law::depth::full>(s, op, law::random_like(tl::dvec<T>(n), d, gen), law::random_like(tl::dvec<T>(n), d, gen));
  law::for_other_shapes<T, 5>([&](auto const& like) {
    law::check(s, op, law::random_like(like, d, gen), law::random_like(like, d, gen));
  });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(edges)

// At 0 the norm has no derivative; the library gives the subgradient 0, never NaN, in reverse mode, in
// forward mode and through the forward-mode jacobian.
BOOST_AUTO_TEST_CASE_TEMPLATE(norm_at_zero, T, float_types) {
  tl::var<tl::vec<T, 3>> x{T(0), T(0), T(0)};
  BOOST_TEST(tl::value(tl::norm(x)) == T(0));
  BOOST_TEST(tl::gradient(tl::norm(x), x) == (tl::vec<T, 3>{}));
  BOOST_TEST(tl::jacobian(tl::norm(x), x, tl::forward_mode) == (tl::vec<T, 3>{}));
  tl::var<tl::dvec<T>> d{tl::dvec<T>(5)};
  auto const g = tl::gradient(tl::norm(d), d);
  BOOST_TEST(g == tl::dvec<T>(5));
  tl::var<tl::dvec<tl::dual<T>>> f{tl::dual<T>(T(0), {T(1)}), tl::dual<T>(T(0), {T(-1)})};
  auto const y = tl::value(tl::norm(f));
  BOOST_TEST(y.value == T(0));
  BOOST_TEST(!std::isnan(y.tangent[0]));
  // Through an expression: norm(x - x) is 0 too.
  tl::var<tl::dvec<T>> z{T(1), T(2)};
  BOOST_TEST(tl::gradient(tl::norm(z - z), z) == tl::dvec<T>(2));
}

// The norm of large and of tiny vectors.
BOOST_AUTO_TEST_CASE(norm_scales) {
  tl::var<tl::dvec<double>> x{3e100, 4e100};
  BOOST_TEST(tl::value(tl::norm(x)) == 5e100, boost::test_tools::tolerance(1e-15));
  auto const g = tl::gradient(tl::norm(x), x);
  BOOST_TEST(g[0] == 0.6, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(g[1] == 0.8, boost::test_tools::tolerance(1e-15));
}

// dot with a number or a value broadcasts; runtime extents that differ throw.
BOOST_AUTO_TEST_CASE(dot_broadcasts_and_checks_extents) {
  tl::var<tl::dvec<double>> x{1.0, 2.0, 3.0};
  BOOST_TEST(tl::value(tl::dot(x, 2.0)) == 12.0);
  BOOST_TEST(tl::gradient(tl::dot(x, 2.0), x) == (tl::dvec<double>{2.0, 2.0, 2.0}));
  tl::dvec<double> const c{1.0, 0.0, -1.0};
  BOOST_TEST(tl::value(tl::dot(c, x)) == -2.0);
  BOOST_TEST(tl::gradient(tl::dot(c, x), x) == c);
  tl::var<double> s{2.0};
  auto const [dx, ds] = tl::gradient(tl::dot(x, s), tl::wrt(x, s));
  BOOST_TEST(dx == (tl::dvec<double>{2.0, 2.0, 2.0}));
  BOOST_TEST(ds == 6.0);
  tl::var<tl::dvec<double>> y{1.0, 2.0};
  BOOST_CHECK_THROW(tl::value(tl::dot(x, y)), tl::shape_error);
  BOOST_CHECK_THROW(tl::gradient(tl::dot(x, y), x), tl::shape_error);
}

// mean divides by the number of elements of the operand, also for a matrix and after broadcasting.
BOOST_AUTO_TEST_CASE(mean_counts_elements) {
  tl::var<tl::mat<double, 2, 3>> m{{1, 2, 3}, {4, 5, 6}};
  BOOST_TEST(tl::value(tl::mean(m)) == 3.5);
  tl::mat<double, 2, 3> const sixth{{1, 1, 1}, {1, 1, 1}};
  auto const g = tl::gradient(tl::mean(m), m);
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 3; ++j) BOOST_TEST(g(i, j) == sixth(i, j) / 6, boost::test_tools::tolerance(1e-15));
  tl::var<double> s{2.0};
  BOOST_TEST(tl::value(tl::mean(s * m)) == 7.0);
  BOOST_TEST(tl::gradient(tl::mean(s * m), s) == 3.5);
}

BOOST_AUTO_TEST_SUITE_END()
