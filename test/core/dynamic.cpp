// Values with runtime extents (include/tapeless/core/dynamic.hpp) and their storage (core/buffer.hpp):
// tl::dvec and tl::dmat as plain containers: construction, extents, element access, copies and moves,
// equality, printing, zero sizes, tl::shape_error with its message, and the per-thread cache of large
// blocks.
#define BOOST_TEST_MODULE core_dynamic
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <tapeless/tapeless.hpp>

#include "support/compare.hpp"
#include "support/errors.hpp"

namespace {

using support::float_types;
using support::printed;

using support::shape_error_of;

}  // namespace

BOOST_AUTO_TEST_SUITE(dvec)

BOOST_AUTO_TEST_CASE_TEMPLATE(constructors, T, float_types) {
  tl::dvec<T> const zeros(4);
  BOOST_TEST(zeros.size() == 4u);
  for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(zeros[i] == T(0));
  tl::dvec<T> const filled(3, T(2.5));
  BOOST_TEST((filled == tl::dvec<T>{T(2.5), T(2.5), T(2.5)}));
  // Braces list the elements, as for std::vector: {3} is one element, (3) three zeros.
  tl::dvec<T> const listed{T(1), T(-2), T(3)};
  BOOST_TEST(listed.size() == 3u);
  BOOST_TEST(listed[0] == T(1));
  BOOST_TEST(listed[1] == T(-2));
  BOOST_TEST(listed[2] == T(3));
  BOOST_TEST(tl::dvec<T>{T(3)}.size() == 1u);
  BOOST_TEST(tl::dvec<T>(3).size() == 3u);
  std::vector<T> const source{T(4), T(5)};
  tl::dvec<T> const spanned{std::span<T const>(source)};
  BOOST_TEST((spanned == tl::dvec<T>{T(4), T(5)}));
  // From a static vector, implicitly.
  tl::dvec<T> const converted = tl::vec<T, 3>{T(7), T(8), T(9)};
  BOOST_TEST((converted == tl::dvec<T>{T(7), T(8), T(9)}));
}

BOOST_AUTO_TEST_CASE(types_size_and_extents) {
  using V = tl::dvec<float>;
  static_assert(std::is_same_v<V::value_type, float> && std::is_same_v<V::element_type, float>);
  static_assert(std::is_same_v<V::shape_type, tl::dynamic_shape<1>> && V::rank == 1);
  tl::dvec<double> const v(5);
  BOOST_TEST(v.size() == 5u);
  BOOST_TEST((v.extents() == std::array<std::size_t, 1>{5}));
  BOOST_TEST(v.end() - v.begin() == 5);
  BOOST_TEST(v.begin() == v.data());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(brackets_and_parentheses_read_and_write_one_element, T, float_types) {
  tl::dvec<T> v(4);
  v[1] = T(3);
  v(2) = T(-4);
  BOOST_TEST(v(1) == T(3));
  BOOST_TEST(v[2] == T(-4));
  BOOST_TEST(v.data()[1] == T(3));
  BOOST_TEST(v.data()[2] == T(-4));
  BOOST_TEST(v[0] == T(0));
  BOOST_TEST(v[3] == T(0));
  tl::dvec<T> const& c = v;
  static_assert(std::is_same_v<decltype(c.data()), T const*>);
  BOOST_TEST(c[1] == T(3));
  BOOST_TEST(c(2) == T(-4));
  T sum = 0;
  for (T x : c) sum += x;
  BOOST_TEST(sum == T(-1));
}

BOOST_AUTO_TEST_CASE(equality_compares_sizes_and_elements) {
  tl::dvec<double> const a{1.0, 2.0, 3.0};
  BOOST_TEST((a == tl::dvec<double>{1.0, 2.0, 3.0}));
  BOOST_TEST((a != tl::dvec<double>{1.0, 2.0, 4.0}));
  BOOST_TEST((a != tl::dvec<double>{1.0, 2.0}));
  BOOST_TEST((a != tl::dvec<double>{1.0, 2.0, 3.0, 0.0}));
  BOOST_TEST((tl::dvec<double>() == tl::dvec<double>(0)));
}

BOOST_AUTO_TEST_CASE(copies_are_deep) {
  tl::dvec<double> a{1.0, 2.0, 3.0};
  tl::dvec<double> b = a;
  BOOST_TEST(b.data() != a.data());
  b[0] = 10.0;
  BOOST_TEST(a[0] == 1.0);
  // Assignment to another size, to the same size, and to itself.
  tl::dvec<double> c(7, 5.0);
  c = a;
  BOOST_TEST((c == tl::dvec<double>{1.0, 2.0, 3.0}));
  double const* const kept = c.data();
  c = b;
  BOOST_TEST(c.data() == kept);  // same size: the storage stays
  BOOST_TEST((c == tl::dvec<double>{10.0, 2.0, 3.0}));
  auto& self = c;
  c = self;
  BOOST_TEST((c == tl::dvec<double>{10.0, 2.0, 3.0}));
}

BOOST_AUTO_TEST_CASE(a_move_takes_the_storage_and_leaves_an_empty_valid_vector) {
  tl::dvec<double> a{1.0, 2.0, 3.0};
  double const* const p = a.data();
  tl::dvec<double> b = std::move(a);
  BOOST_TEST(b.data() == p);
  BOOST_TEST((b == tl::dvec<double>{1.0, 2.0, 3.0}));
  // The moved-from vector is empty and usable.
  BOOST_TEST(a.size() == 0u);  // NOLINT(bugprone-use-after-move): this is the test
  BOOST_TEST(a.begin() == a.end());
  BOOST_TEST((a == tl::dvec<double>()));
  BOOST_TEST(printed(a) == "[]");
  a = tl::dvec<double>{4.0, 5.0};
  BOOST_TEST((a == tl::dvec<double>{4.0, 5.0}));
  tl::dvec<double> c(2);
  c = std::move(b);
  BOOST_TEST(c.data() == p);
  BOOST_TEST(b.size() == 0u);  // NOLINT(bugprone-use-after-move)
}

BOOST_AUTO_TEST_CASE(zero_size) {
  tl::dvec<double> const empty;
  BOOST_TEST(empty.size() == 0u);
  BOOST_TEST(empty.begin() == empty.end());
  BOOST_TEST((empty.extents() == std::array<std::size_t, 1>{0}));
  BOOST_TEST(printed(empty) == "[]");
  tl::dvec<double> const none(0);
  BOOST_TEST(none.size() == 0u);
  BOOST_TEST(printed(none) == "[]");
  tl::dvec<double> const copy = none;
  BOOST_TEST(copy.size() == 0u);
  BOOST_TEST(tl::dvec<double>{}.size() == 0u);
}

BOOST_AUTO_TEST_CASE(printing) {
  BOOST_TEST(printed(tl::dvec<double>{1.0, -2.5, 3.0}) == "[1, -2.5, 3]");
  BOOST_TEST(printed(tl::dvec<float>{0.5f}) == "[0.5]");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(dmat)

BOOST_AUTO_TEST_CASE_TEMPLATE(constructors, T, float_types) {
  tl::dmat<T> const zeros(2, 3);
  BOOST_TEST(zeros.rows() == 2u);
  BOOST_TEST(zeros.cols() == 3u);
  for (T x : zeros) BOOST_TEST(x == T(0));
  tl::dmat<T> const filled(2, 2, T(-1));
  for (T x : filled) BOOST_TEST(x == T(-1));
  BOOST_TEST(filled.size() == 4u);
  tl::dmat<T> const rows{{T(1), T(2), T(3)}, {T(4), T(5), T(6)}};
  BOOST_TEST(rows.rows() == 2u);
  BOOST_TEST(rows.cols() == 3u);
  for (std::size_t k = 0; k < 6; ++k) BOOST_TEST(rows.data()[k] == T(k + 1));  // row-major
  tl::dmat<T> const converted = tl::mat<T, 2, 3>{{T(1), T(2), T(3)}, {T(4), T(5), T(6)}};
  BOOST_TEST((converted == rows));
}

BOOST_AUTO_TEST_CASE(types_size_and_extents) {
  using M = tl::dmat<double>;
  static_assert(std::is_same_v<M::value_type, double> && std::is_same_v<M::element_type, double>);
  static_assert(std::is_same_v<M::shape_type, tl::dynamic_shape<2>> && M::rank == 2);
  M const m(3, 4);
  BOOST_TEST(m.size() == 12u);
  BOOST_TEST((m.extents() == std::array<std::size_t, 2>{3, 4}));
  BOOST_TEST(m.end() - m.begin() == 12);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(parentheses_read_and_write_one_element, T, float_types) {
  tl::dmat<T> m(3, 2);
  m(2, 1) = T(7);
  m(0, 1) = T(-3);
  BOOST_TEST(m.data()[5] == T(7));
  BOOST_TEST(m.data()[1] == T(-3));
  BOOST_TEST(m(2, 1) == T(7));
  BOOST_TEST(m(1, 1) == T(0));
  tl::dmat<T> const& c = m;
  BOOST_TEST(c(0, 1) == T(-3));
  BOOST_TEST(&c(1, 0) == c.data() + 2);
}

BOOST_AUTO_TEST_CASE(ragged_rows_throw_a_shape_error_naming_the_row) {
  BOOST_TEST(shape_error_of([] { tl::dmat<double>{{1.0, 2.0, 3.0}, {4.0, 5.0}}; }) ==
             "tl::dmat{...}: row 1 has 2 elements, row 0 has 3");
  BOOST_TEST(shape_error_of([] { tl::dmat<double>{{1.0}, {2.0}, {3.0, 4.0}}; }) ==
             "tl::dmat{...}: row 2 has 2 elements, row 0 has 1");
  // tl::shape_error is a std::invalid_argument.
  BOOST_CHECK_THROW((tl::dmat<float>{{1.0f, 2.0f}, {}}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(equality_compares_extents_and_elements) {
  tl::dmat<double> const m{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
  BOOST_TEST((m == tl::dmat<double>{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}));
  BOOST_TEST((m != tl::dmat<double>{{1.0, 2.0, 3.0}, {4.0, 5.0, 7.0}}));
  // The same six elements in another shape differ.
  BOOST_TEST((m != tl::dmat<double>{{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}}));
}

BOOST_AUTO_TEST_CASE(copies_are_deep_and_moves_take_the_storage) {
  tl::dmat<double> a{{1.0, 2.0}, {3.0, 4.0}};
  tl::dmat<double> b = a;
  b(0, 0) = 9.0;
  BOOST_TEST(a(0, 0) == 1.0);
  tl::dmat<double> c(5, 5);
  c = a;
  BOOST_TEST(c.rows() == 2u);
  BOOST_TEST(c.cols() == 2u);
  BOOST_TEST((c == a));
  double const* const p = a.data();
  tl::dmat<double> d = std::move(a);
  BOOST_TEST(d.data() == p);
  BOOST_TEST((d == tl::dmat<double>{{1.0, 2.0}, {3.0, 4.0}}));
  BOOST_TEST(a.size() == 0u);  // NOLINT(bugprone-use-after-move): this is the test
  BOOST_TEST(printed(a) == "[]");
  // The moved-from matrix is 0 x 0, not its old extents over no storage (a gradient would have
  // checked those extents, passed, and read through a null pointer).
  BOOST_TEST(a.rows() == 0u);  // NOLINT(bugprone-use-after-move)
  BOOST_TEST(a.cols() == 0u);  // NOLINT(bugprone-use-after-move)
  tl::dmat<double> e{{7.0, 8.0, 9.0}};
  e = std::move(d);
  BOOST_TEST(e.rows() == 2u);
  BOOST_TEST(e.cols() == 2u);
  BOOST_TEST(d.rows() == 0u);  // NOLINT(bugprone-use-after-move)
  BOOST_TEST(d.cols() == 0u);  // NOLINT(bugprone-use-after-move)
  BOOST_TEST(d.size() == 0u);  // NOLINT(bugprone-use-after-move)
  a = tl::dmat<double>{{5.0}};
  BOOST_TEST((a == tl::dmat<double>{{5.0}}));
}

BOOST_AUTO_TEST_CASE(zero_size) {
  tl::dmat<double> const empty;
  BOOST_TEST(empty.rows() == 0u);
  BOOST_TEST(empty.cols() == 0u);
  BOOST_TEST(empty.size() == 0u);
  BOOST_TEST(printed(empty) == "[]");
  tl::dmat<double> const no_rows(0, 4);
  BOOST_TEST(no_rows.rows() == 0u);
  BOOST_TEST(no_rows.cols() == 4u);
  BOOST_TEST(no_rows.size() == 0u);
  BOOST_TEST(printed(no_rows) == "[]");
  tl::dmat<double> const no_cols(3, 0);
  BOOST_TEST(no_cols.size() == 0u);
  BOOST_TEST((no_cols.extents() == std::array<std::size_t, 2>{3, 0}));
  BOOST_TEST(printed(no_cols) == "[]");
  BOOST_TEST((no_rows != no_cols));
  tl::dmat<double> const listed(std::initializer_list<std::initializer_list<double>>{});
  BOOST_TEST(listed.rows() == 0u);
  BOOST_TEST(listed.cols() == 0u);
}

BOOST_AUTO_TEST_CASE(printing) {
  BOOST_TEST(printed(tl::dmat<double>{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}) == "[1, 2, 3; 4, 5, 6]");
  BOOST_TEST(printed(tl::dmat<double>{{1.5}, {-2.0}}) == "[1.5; -2]");
  BOOST_TEST(printed(tl::dmat<float>{{0.25f, 4.0f}}) == "[0.25, 4]");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(shape_errors)

// Runtime extents that do not fit throw tl::shape_error when the expression is evaluated; the message
// names the operation and both shapes (core/shape.hpp).
BOOST_AUTO_TEST_CASE(mismatched_runtime_extents_name_both_shapes) {
  tl::var<tl::dvec<double>> a{1.0, 2.0, 3.0};
  tl::var<tl::dvec<double>> b{1.0, 2.0, 3.0, 4.0};
  BOOST_TEST(shape_error_of([&] { tl::value(a + b); }) == "tl::operator+: operand shapes (3) and (4) differ");
  tl::var<tl::dmat<double>> m(tl::dmat<double>(2, 3));
  tl::var<tl::dmat<double>> n(tl::dmat<double>(3, 2));
  BOOST_TEST(shape_error_of([&] { tl::value(m * n); }) == "tl::operator*: operand shapes (2, 3) and (3, 2) differ");
  BOOST_TEST(shape_error_of([&] { tl::value(a + a); }) == "");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(block_cache)

// A block of at least block_cache::min_bytes freed on this thread is handed back, as it is, to the next
// request of exactly its size; the new value is zero-filled all the same.
BOOST_AUTO_TEST_CASE(a_large_block_is_reused_for_the_same_size_and_zeroed) {
  constexpr std::size_t n = tl::detail::block_cache::min_bytes / sizeof(double);
  double const* first = nullptr;
  {
    tl::dvec<double> big(n, 1.0);
    first = big.data();
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(first) % 64 == 0u);  // kept blocks are 64-byte aligned
  }
  tl::dvec<double> again(n);
  BOOST_TEST(again.data() == first);
  std::size_t nonzero = 0;
  for (double x : again) nonzero += x != 0.0;
  BOOST_TEST(nonzero == 0u);
  // A dmat of the same number of bytes takes the same kind of block.
  double const* const second = again.data();
  { tl::dvec<double> gone = std::move(again); }
  tl::dmat<double> m(n / 8, 8);
  BOOST_TEST(m.data() == second);
}

// tl::release_cached_memory gives the kept blocks back; the cache keeps working afterwards.
BOOST_AUTO_TEST_CASE(release_cached_memory_empties_the_cache) {
  constexpr std::size_t n = 2 * tl::detail::block_cache::min_bytes / sizeof(float);
  { tl::dvec<float> big(n); }
  tl::release_cached_memory();
  tl::release_cached_memory();  // twice is harmless
  double const* kept = nullptr;
  {
    tl::dvec<double> big(n / 2, 3.0);
    kept = big.data();
  }
  tl::dvec<double> again(n / 2);
  BOOST_TEST(again.data() == kept);
  BOOST_TEST(again[n / 4] == 0.0);
}

// tl::cached_memory reports what is kept and the peak; tl::set_cached_memory_limit bounds it, gives
// back what is kept above it at once, and 0 keeps nothing.
BOOST_AUTO_TEST_CASE(cached_memory_is_reported_and_bounded) {
  constexpr std::size_t block = tl::detail::block_cache::min_bytes;
  constexpr std::size_t n = block / sizeof(double);
  tl::release_cached_memory();
  BOOST_TEST(tl::cached_memory().bytes == 0u);
  BOOST_TEST(tl::cached_memory().limit_bytes == tl::detail::block_cache::max_bytes);
  {
    tl::dvec<double> a(n), b(2 * n), c(3 * n);
  }
  auto const u = tl::cached_memory();
  BOOST_TEST(u.bytes == 6 * block);
  BOOST_TEST(u.blocks == 3u);
  BOOST_TEST(u.peak_bytes >= 6 * block);
  // Down to 4 blocks' worth: the blocks kept longest go first until what is left fits (c was freed
  // first: b and a stay).
  tl::set_cached_memory_limit(4 * block);
  BOOST_TEST(tl::cached_memory().bytes == 3 * block);
  BOOST_TEST(tl::cached_memory().blocks == 2u);
  BOOST_TEST(tl::cached_memory().limit_bytes == 4 * block);
  { tl::dvec<double> d(4 * n); }  // 3 + 4 blocks would pass the limit: given back, not kept
  BOOST_TEST(tl::cached_memory().bytes == 3 * block);
  tl::set_cached_memory_limit(0);
  BOOST_TEST(tl::cached_memory().bytes == 0u);
  { tl::dvec<double> e(n); }
  BOOST_TEST(tl::cached_memory().blocks == 0u);
  BOOST_TEST(tl::cached_memory().peak_bytes >= 6 * block);  // the peak stays
  tl::set_cached_memory_limit(tl::detail::block_cache::max_bytes);
  { tl::dvec<double> f(n); }
  BOOST_TEST(tl::cached_memory().bytes == block);
}

BOOST_AUTO_TEST_SUITE_END()
