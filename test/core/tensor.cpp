// Values with static extents (include/tapeless/core/tensor.hpp): tl::tensor, tl::vec and tl::mat as plain
// containers, before any differentiation: construction, extents, element access, copies, equality and
// printing. Initializers of the wrong size are compile errors (test/compile_fail: vec_initializer_count,
// mat_initializer_row_length and others), so they are not repeated here.
#define BOOST_TEST_MODULE core_tensor
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstddef>
#include <numeric>
#include <string>
#include <type_traits>
#include <utility>

#include <tapeless/tapeless.hpp>

#include "support/compare.hpp"

namespace {

using support::float_types;
using support::printed;

}  // namespace

BOOST_AUTO_TEST_SUITE(construction)

BOOST_AUTO_TEST_CASE_TEMPLATE(default_construction_gives_zeros, T, float_types) {
  tl::vec<T, 5> const v;
  for (std::size_t i = 0; i < 5; ++i) BOOST_TEST(v[i] == T(0));
  tl::mat<T, 2, 3> const m{};
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 3; ++j) BOOST_TEST(m(i, j) == T(0));
  tl::tensor<T, 2, 2, 2> const t;
  for (T x : t) BOOST_TEST(x == T(0));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_vector_takes_its_elements_in_order, T, float_types) {
  tl::vec<T, 3> const v{T(1.5), T(-2), T(4.25)};
  BOOST_TEST(v[0] == T(1.5));
  BOOST_TEST(v[1] == T(-2));
  BOOST_TEST(v[2] == T(4.25));
  // Any element convertible to T: ints and the other floating type.
  tl::vec<T, 3> const w{1, 2.5f, 3.0};
  BOOST_TEST(w[0] == T(1));
  BOOST_TEST(w[1] == T(2.5));
  BOOST_TEST(w[2] == T(3));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_matrix_takes_rows, T, float_types) {
  tl::mat<T, 2, 3> const m{{T(1), T(2), T(3)}, {T(4), T(5), T(6)}};
  BOOST_TEST(m(0, 0) == T(1));
  BOOST_TEST(m(0, 2) == T(3));
  BOOST_TEST(m(1, 0) == T(4));
  BOOST_TEST(m(1, 2) == T(6));
  // Stored row-major.
  for (std::size_t k = 0; k < 6; ++k) BOOST_TEST(m.data()[k] == T(k + 1));
  tl::mat<T, 1, 1> const one{{T(7)}};
  BOOST_TEST(one(0, 0) == T(7));
  tl::mat<T, 3, 1> const column{{T(1)}, {T(2)}, {T(3)}};
  BOOST_TEST(column(2, 0) == T(3));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_tensor_of_rank_three_takes_flat_row_major_elements, T, float_types) {
  tl::tensor<T, 2, 3, 4> t;
  for (std::size_t k = 0; k < t.size(); ++k) t.data()[k] = T(k);
  // (i, j, k) is element (i * 3 + j) * 4 + k.
  BOOST_TEST(t(0, 0, 0) == T(0));
  BOOST_TEST(t(0, 0, 3) == T(3));
  BOOST_TEST(t(0, 1, 0) == T(4));
  BOOST_TEST(t(1, 0, 0) == T(12));
  BOOST_TEST(t(1, 2, 3) == T(23));
  tl::tensor<T, 2, 2, 2> const u{1, 2, 3, 4, 5, 6, 7, 8};
  BOOST_TEST(u(1, 0, 1) == T(6));
  BOOST_TEST(u(0, 1, 1) == T(4));
}

BOOST_AUTO_TEST_CASE(construction_and_access_are_constexpr) {
  constexpr tl::mat<double, 2, 2> m{{1.0, 2.0}, {3.0, 4.0}};
  static_assert(m(1, 0) == 3.0);
  static_assert(m.data()[3] == 4.0);
  constexpr tl::vec<int, 3> v{7, 8, 9};
  static_assert(v[2] == 9 && v(1) == 8);
  static_assert(tl::vec<int, 2>{} == tl::vec<int, 2>{0, 0});
  BOOST_TEST(m(0, 1) == 2.0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(extents)

BOOST_AUTO_TEST_CASE(types_rank_size_and_extents) {
  using V = tl::vec<float, 7>;
  using M = tl::mat<double, 3, 5>;
  using R3 = tl::tensor<double, 2, 3, 4>;
  static_assert(std::is_same_v<V, tl::tensor<float, 7>>);
  static_assert(std::is_same_v<M, tl::tensor<double, 3, 5>>);
  static_assert(std::is_same_v<V::value_type, float> && std::is_same_v<V::element_type, float>);
  static_assert(std::is_same_v<M::shape_type, tl::shape<3, 5>>);
  static_assert(V::rank == 1 && M::rank == 2 && R3::rank == 3);
  static_assert(V::static_size == 7 && M::static_size == 15 && R3::static_size == 24);
  static_assert(M::rows() == 3 && M::cols() == 5);
  BOOST_TEST(V{}.size() == 7u);
  BOOST_TEST(M{}.size() == 15u);
  BOOST_TEST(R3{}.size() == 24u);
  BOOST_TEST((V::extents() == std::array<std::size_t, 1>{7}));
  BOOST_TEST((M::extents() == std::array<std::size_t, 2>{3, 5}));
  BOOST_TEST((R3::extents() == std::array<std::size_t, 3>{2, 3, 4}));
  M const m;
  BOOST_TEST(m.rows() == 3u);
  BOOST_TEST(m.cols() == 5u);
}

// rows() and cols() are for matrices only; a vector has neither.
template <class V>
concept has_rows = requires(V v) { v.rows(); };
template <class V>
concept has_brackets = requires(V v) { v[0]; };
static_assert(has_rows<tl::mat<double, 2, 2>> && !has_rows<tl::vec<double, 2>> &&
              !has_rows<tl::tensor<double, 2, 2, 2>>);
static_assert(has_brackets<tl::vec<double, 2>> && !has_brackets<tl::mat<double, 2, 2>>);

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(element_access)

BOOST_AUTO_TEST_CASE_TEMPLATE(brackets_and_parentheses_read_and_write_one_element, T, float_types) {
  tl::vec<T, 4> v{T(1), T(2), T(3), T(4)};
  v[1] = T(20);
  v(3) = T(40);
  BOOST_TEST(v[1] == T(20));
  BOOST_TEST(v(1) == T(20));
  BOOST_TEST(v[3] == T(40));
  BOOST_TEST(v[0] == T(1));
  BOOST_TEST(v[2] == T(3));
  tl::mat<T, 2, 3> m;
  m(1, 2) = T(5);
  m(0, 1) = T(-1);
  BOOST_TEST(m.data()[5] == T(5));
  BOOST_TEST(m.data()[1] == T(-1));
  BOOST_TEST(std::accumulate(m.begin(), m.end(), T(0)) == T(4));
  // Any integral index type.
  BOOST_TEST(m(1, 2u) == T(5));
  BOOST_TEST(m(std::size_t{0}, 1L) == T(-1));
  tl::mat<T, 2, 3> const& cm = m;
  BOOST_TEST(cm(1, 2) == T(5));
  tl::vec<T, 4> const& cv = v;
  BOOST_TEST(cv[3] == T(40));
  BOOST_TEST(cv(0) == T(1));
}

BOOST_AUTO_TEST_CASE(data_begin_and_end_span_the_elements) {
  tl::mat<double, 2, 2> m{{1.0, 2.0}, {3.0, 4.0}};
  BOOST_TEST(m.begin() == m.data());
  BOOST_TEST(m.end() == m.data() + 4);
  BOOST_TEST(&m(1, 1) == m.data() + 3);
  tl::mat<double, 2, 2> const& c = m;
  static_assert(std::is_same_v<decltype(c.data()), double const*>);
  BOOST_TEST(c.data() == m.data());
  BOOST_TEST(c.end() - c.begin() == 4);
  double sum = 0;
  for (double x : c) sum += x;
  BOOST_TEST(sum == 10.0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(values)

BOOST_AUTO_TEST_CASE_TEMPLATE(copies_are_independent, T, float_types) {
  tl::vec<T, 3> a{T(1), T(2), T(3)};
  tl::vec<T, 3> b = a;
  b[0] = T(9);
  BOOST_TEST(a[0] == T(1));
  BOOST_TEST(b[0] == T(9));
  tl::mat<T, 2, 2> m{{T(1), T(2)}, {T(3), T(4)}};
  tl::mat<T, 2, 2> n;
  n = m;
  m(0, 0) = T(0);
  BOOST_TEST(n(0, 0) == T(1));
  tl::mat<T, 2, 2> moved = std::move(n);
  BOOST_TEST(moved(1, 1) == T(4));
}

BOOST_AUTO_TEST_CASE(equality_compares_every_element) {
  tl::vec<double, 3> const a{1.0, 2.0, 3.0};
  BOOST_TEST((a == tl::vec<double, 3>{1.0, 2.0, 3.0}));
  BOOST_TEST(!(a == tl::vec<double, 3>{1.0, 2.0, 3.5}));
  BOOST_TEST((a != tl::vec<double, 3>{0.0, 2.0, 3.0}));
  tl::mat<double, 2, 2> const m{{1.0, 2.0}, {3.0, 4.0}};
  BOOST_TEST((m == tl::mat<double, 2, 2>{{1.0, 2.0}, {3.0, 4.0}}));
  BOOST_TEST((m != tl::mat<double, 2, 2>{{1.0, 2.0}, {4.0, 3.0}}));
}

BOOST_AUTO_TEST_CASE(printing_separates_elements_by_commas_and_rows_by_semicolons) {
  BOOST_TEST(printed(tl::vec<double, 3>{1.0, 2.5, -3.0}) == "[1, 2.5, -3]");
  BOOST_TEST(printed(tl::vec<float, 1>{0.25f}) == "[0.25]");
  BOOST_TEST(printed(tl::mat<double, 2, 3>{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}) == "[1, 2, 3; 4, 5, 6]");
  BOOST_TEST(printed(tl::mat<double, 3, 1>{{1.0}, {2.0}, {3.0}}) == "[1; 2; 3]");
  // Rank 3 and more: a row is the last extent.
  BOOST_TEST(printed(tl::tensor<int, 2, 2, 2>{1, 2, 3, 4, 5, 6, 7, 8}) == "[1, 2; 3, 4; 5, 6; 7, 8]");
  // The stream's own formatting applies to the elements.
  std::ostringstream os;
  os.precision(3);
  os << tl::vec<double, 2>{3.14159, 2.71828};
  BOOST_TEST(os.str() == "[3.14, 2.72]");
}

BOOST_AUTO_TEST_SUITE_END()
