// The laws of arrays made by moving elements by index (include/tapeless/expr/gather.hpp): tl::gather and
// tl::scatter_add by lists of indices (repeated, and leaving results untouched), tl::diag both ways,
// tl::lower_triangular and tl::strictly_lower_triangular (runtime and static n), on vars (adjoints given
// back in place) and on fused elementwise trees, static and runtime shapes with SIMD tails: values,
// gradients against central differences and the exact adjoint, dual tangents and forward-mode
// Jacobians (test/law/). Every runtime mistake throws tl::shape_error with its message, before anything
// is written.
#define BOOST_TEST_MODULE expr_gather
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "law/check.hpp"
#include "support/compare.hpp"
#include "support/errors.hpp"

using float_types = std::tuple<float, double>;
using dvec = std::vector<double>;
using pair_list = std::vector<std::pair<std::size_t, std::size_t>>;

namespace {

/// The law of a linear map that adds g(x[in]) to y[out] for each pair (out, in) of `pairs`, y of
/// n_out elements (0 where no pair points); g is the identity or exp.
law::spec moves(std::string name, std::size_t n_out, pair_list const& pairs, bool through_exp) {
  auto g = [=](double x) { return through_exp ? std::exp(x) : x; };
  auto dg = [=](double x) { return through_exp ? std::exp(x) : 1.0; };
  return {std::move(name),
          [=](dvec const& x) {
            dvec y(n_out);
            for (auto [out, in] : pairs) y[out] += g(x[in]);
            return y;
          },
          {}, {},
          [=](dvec const& x, dvec const& s) {
            dvec grad(x.size());
            for (auto [out, in] : pairs) grad[in] += s[out] * dg(x[in]);
            return grad;
          }};
}

/// The pairs of a gather of rows idx from rows of width w.
pair_list gather_pairs(std::vector<std::size_t> const& idx, std::size_t w) {
  pair_list p;
  for (std::size_t k = 0; k < idx.size(); ++k)
    for (std::size_t c = 0; c < w; ++c) p.emplace_back(k * w + c, idx[k] * w + c);
  return p;
}
pair_list scatter_pairs(std::vector<std::size_t> const& idx, std::size_t w) {
  pair_list p = gather_pairs(idx, w);
  for (auto& [a, b] : p) std::swap(a, b);
  return p;
}
pair_list triangle_pairs(std::size_t n, bool strict) {
  pair_list p;
  std::size_t k = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < (strict ? i : i + 1); ++j) p.emplace_back(i * n + j, k++);
  return p;
}
pair_list diagonal_pairs(std::size_t n, bool into_matrix, std::size_t cols = 0) {
  pair_list p;
  for (std::size_t i = 0; i < n; ++i) p.emplace_back(into_matrix ? i * n + i : i, into_matrix ? i : i * cols + i);
  return p;
}

/// Indices below `bound`, `count` of them, with repeats (count > bound) and gaps.
std::vector<std::size_t> some_indices(std::size_t count, std::size_t bound) {
  std::vector<std::size_t> idx;
  for (std::size_t k = 0; k < count; ++k) idx.push_back((k * 7 + 3) % bound);
  return idx;
}

/// The law of op on x and on exp(x) (a fused tree).
template <law::depth Depth = law::depth::basic, class Op, class X>
void on_var_and_tree(std::string const& name, std::size_t n_out, pair_list const& pairs, Op op, X const& x) {
  law::check<Depth>(moves(name + "(x)", n_out, pairs, false), op, x);
  law::check<Depth>(moves(name + "(exp(x))", n_out, pairs, true), [op](auto const& e) { return op(tl::exp(e)); }, x);
}

auto const entries = law::uniform(-2, 2);

}  // namespace

BOOST_AUTO_TEST_SUITE(laws)

BOOST_AUTO_TEST_CASE_TEMPLATE(gather_elements_and_rows, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  for (std::size_t n : {1, 7, 9, 17, 100}) {
    for (std::size_t count : {std::size_t{1}, n, 2 * n + 1}) {
      auto const idx = some_indices(count, n);
      on_var_and_tree("tl::gather", count, gather_pairs(idx, 1), [idx](auto const& x) { return tl::gather(x, idx); },
                      law::random_like(tl::dvec<T>(n), entries, gen));
    }
  }
  // Rows of a matrix (runtime and static), with ints as indices.
  std::vector<int> const rows{2, 0, 2, 1};
  std::vector<std::size_t> const urows{2, 0, 2, 1};
  on_var_and_tree<law::depth::exhaustive>("tl::gather rows", 4 * 9, gather_pairs(urows, 9), [rows](auto const& x) { return tl::gather(x, rows); },
                                    law::random_like(tl::dmat<T>(3, 9), entries, gen));
  on_var_and_tree("tl::gather rows", 4 * 5, gather_pairs(urows, 5), [rows](auto const& x) { return tl::gather(x, rows); },
                  law::random_like(tl::mat<T, 3, 5>{}, entries, gen));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(scatter_add_elements_and_rows, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  for (std::size_t n : {1, 7, 9, 17, 100}) {
    for (std::size_t out : {std::size_t{1}, n, n + 5}) {  // repeats, and results no index reaches
      auto const idx = some_indices(n, out);
      on_var_and_tree("tl::scatter_add", out, scatter_pairs(idx, 1),
                      [idx, out](auto const& x) { return tl::scatter_add(x, idx, out); }, law::random_like(tl::dvec<T>(n), entries, gen));
    }
  }
  std::vector<std::size_t> const rows{1, 3, 1};
  on_var_and_tree<law::depth::exhaustive>("tl::scatter_add rows", 4 * 9, scatter_pairs(rows, 9),
                                    [rows](auto const& x) { return tl::scatter_add(x, rows, 4); },
                                    law::random_like(tl::dmat<T>(3, 9), entries, gen));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(diag_both_ways, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  for (std::size_t n : {1, 7, 9, 17})
    on_var_and_tree("tl::diag of a vector", n * n, diagonal_pairs(n, true), [](auto const& x) { return tl::diag(x); },
                    law::random_like(tl::dvec<T>(n), entries, gen));
  on_var_and_tree<law::depth::exhaustive>("tl::diag of a vec<5>", 25, diagonal_pairs(5, true), [](auto const& x) { return tl::diag(x); },
                                    law::random_like(tl::vec<T, 5>{}, entries, gen));
  on_var_and_tree("tl::diag of a 4 x 9 matrix", 4, diagonal_pairs(4, false, 9), [](auto const& x) { return tl::diag(x); },
                  law::random_like(tl::dmat<T>(4, 9), entries, gen));
  on_var_and_tree("tl::diag of a 3 x 5 mat", 3, diagonal_pairs(3, false, 5), [](auto const& x) { return tl::diag(x); },
                  law::random_like(tl::mat<T, 3, 5>{}, entries, gen));
  static_assert(std::is_same_v<typename decltype(tl::diag(std::declval<tl::var<tl::vec<T, 5>> const&>()))::value_type, tl::mat<T, 5, 5>>);
  static_assert(std::is_same_v<typename decltype(tl::diag(std::declval<tl::var<tl::mat<T, 3, 5>> const&>()))::value_type, tl::vec<T, 3>>);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(lower_triangular_matrices, T, float_types) {
  std::mt19937 gen(law::fixed_seed);
  for (std::size_t n : {1, 3, 5, 9}) {
    on_var_and_tree("tl::lower_triangular", n * n, triangle_pairs(n, false), [n](auto const& x) { return tl::lower_triangular(x, n); },
                    law::random_like(tl::dvec<T>(n * (n + 1) / 2), entries, gen));
    on_var_and_tree("tl::strictly_lower_triangular", n * n, triangle_pairs(n, true),
                    [n](auto const& x) { return tl::strictly_lower_triangular(x, n); },
                    law::random_like(tl::dvec<T>(n * (n - 1) / 2), entries, gen));
  }
  on_var_and_tree<law::depth::exhaustive>("tl::lower_triangular<3>", 9, triangle_pairs(3, false),
                                    [](auto const& x) { return tl::lower_triangular<3>(x); }, law::random_like(tl::vec<T, 6>{}, entries, gen));
  static_assert(std::is_same_v<typename decltype(tl::lower_triangular<3>(std::declval<tl::var<tl::vec<T, 6>> const&>()))::value_type,
                               tl::mat<T, 3, 3>>);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(uses)

// A Cholesky factor from free parameters, L = diag(exp(d)) + strictly_lower(w), in a Gaussian's
// quadratic form sum((L z)^2): its gradient against the hand-derived one, d/dL = 2 (L z) z^T.
BOOST_AUTO_TEST_CASE(cholesky_factor_quadratic_form) {
  std::size_t const n = 4;
  tl::var<tl::dvec<double>> d{tl::dvec<double>{0.1, -0.2, 0.3, 0.0}};
  tl::var<tl::dvec<double>> w{tl::dvec<double>{0.5, -1.0, 0.25, 2.0, 0.75, -0.5}};
  tl::dvec<double> const z{1.0, -2.0, 0.5, 3.0};
  auto const L = tl::diag(tl::exp(d)) + tl::strictly_lower_triangular(w, n);
  auto const q = tl::sum(tl::square(tl::matmul(L, tl::constant(z))));
  auto const [gd, gw] = tl::gradient(q, tl::wrt(d, w));
  auto const Lv = tl::value(L);
  std::vector<double> Lz(n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) Lz[i] += Lv(i, j) * z[j];
  std::vector<double> want_d(n), want_w;
  for (std::size_t i = 0; i < n; ++i) {
    want_d[i] = 2 * Lz[i] * z[i] * std::exp(d.value()[i]);
    for (std::size_t j = 0; j < i; ++j) want_w.push_back(2 * Lz[i] * z[j]);
  }
  BOOST_TEST(support::close_all(gd, want_d, 1e-14));
  BOOST_TEST(support::close_all(gw, want_w, 1e-14));
  BOOST_TEST(Lv(0, 1) == 0.0);
}

// Assembling per-element contributions into per-node sums (a finite-element or particle code's
// pattern): scatter_add, then its gradient is the gather of the nodes' adjoints.
BOOST_AUTO_TEST_CASE(assembly_by_scatter_add) {
  tl::var<tl::dvec<double>> e{tl::dvec<double>{1, 2, 3, 4, 5}};
  std::vector<int> const node{0, 2, 2, 1, 0};
  auto const per_node = tl::scatter_add(tl::square(e), node, 4);
  BOOST_TEST(support::close_all(tl::value(per_node), {1 + 25, 16, 4 + 9, 0}, 0));
  auto const g = tl::gradient(tl::dot(per_node, tl::vec<double, 4>{1, 10, 100, 1000}), e);
  BOOST_TEST(support::close_all(g, {2 * 1, 2 * 2 * 100, 2 * 3 * 100, 2 * 4 * 10, 2 * 5 * 1}, 0));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(messages) {
  using support::shape_error_of;
  tl::var<tl::dvec<double>> x{tl::dvec<double>{1, 2, 3, 4, 5}};
  tl::var<tl::dmat<double>> m{tl::dmat<double>(2, 3)};
  BOOST_TEST(shape_error_of([&] { tl::value(tl::gather(x, {1, 5})); }) == "tl::gather: index 5 (at position 1) is out of range for shape (5)");
  BOOST_TEST(shape_error_of([&] { tl::value(tl::gather(m, {2})); }) == "tl::gather: index 2 (at position 0) is out of range for shape (2, 3)");
  BOOST_TEST(shape_error_of([&] { (void)tl::gather(x, std::vector<int>{0, -1}); }) == "tl::gather: index -1 (at position 1) is negative");
  BOOST_TEST(shape_error_of([&] { tl::value(tl::scatter_add(x, {0, 1}, 3)); }) ==
             "tl::scatter_add: 2 indices for shape (5) (one index per element)");
  BOOST_TEST(shape_error_of([&] { tl::value(tl::scatter_add(m, {0, 4}, 3)); }) ==
             "tl::scatter_add: index 4 (at position 1) is out of range for 3 rows");
  BOOST_TEST(shape_error_of([&] { (void)tl::scatter_add(x, {0, 1, 2, 3, -4}, 3); }) ==
             "tl::scatter_add: index -4 (at position 4) is negative");
  BOOST_TEST(shape_error_of([&] { tl::value(tl::lower_triangular(x, 3)); }) ==
             "tl::lower_triangular: shape (5) for a 3 x 3 matrix, which takes 6 elements");
  BOOST_TEST(shape_error_of([&] { tl::value(tl::strictly_lower_triangular(x, 3)); }) ==
             "tl::strictly_lower_triangular: shape (5) for a 3 x 3 matrix, which takes 3 elements");
  BOOST_TEST(shape_error_of([&] { tl::value(tl::lower_triangular<2>(x)); }) ==
             "tl::lower_triangular: shape (5) for a 2 x 2 matrix, which takes 3 elements");
  // Nothing moves: the gradient of a failing expression throws before any adjoint is written.
  BOOST_CHECK_THROW(tl::gradient(tl::sum(tl::gather(x, {9})), x), tl::shape_error);
  BOOST_TEST(support::close_all(tl::gradient(tl::sum(tl::gather(x, {4, 4})), x), {0, 0, 0, 0, 2}, 0));
}

BOOST_AUTO_TEST_SUITE_END()
