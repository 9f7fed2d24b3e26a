// Results as Eigen types (tapeless/eigen.hpp): tl::to_eigen keeps element (i, j) whatever the storage
// order, and the function transforms called with Eigen arguments return Eigen types (a gradient in the
// argument's type, a Jacobian or Hessian as an Eigen::Matrix of the static or dynamic size the shapes
// give) whose (i, j) are those of tapeless's row-major results for the same arguments as tl::vec / dvec /
// mat. Non-square everywhere, so a transpose would be caught; float and double; static and dynamic.
#define BOOST_TEST_MODULE eigen_results
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <string>
#include <type_traits>

#include <tapeless/eigen.hpp>
#include <tapeless/tapeless.hpp>

#include "support/compare.hpp"

namespace {

/// R^n -> R^2, from a constant 2 x n matrix: f(x) = W sin(x) + x[0] x[n-1].
template <class T, class W>
auto map_of(W const& w) {
  return [w](auto const& x) { return tl::matmul(tl::constant(w), tl::sin(x)) + x[0] * x[w.cols() - 1]; };
}
/// A scalar function with a full Hessian.
auto const energy = [](auto const& x) { return tl::sum(tl::exp(x) * x) + tl::square(tl::sum(x * x)); };

template <class T>
tl::mat<T, 2, 3> weights() {
  return {{T(1), T(-2), T(0.5)}, {T(0.25), T(3), T(-1)}};
}

template <class E, class V>
void expect_same_matrix(E const& e, V const& v, std::string const& what) {
  BOOST_TEST_REQUIRE(std::size_t(e.rows()) == v.rows(), what);
  BOOST_TEST_REQUIRE(std::size_t(e.cols()) == v.cols(), what);
  for (std::size_t i = 0; i < v.rows(); ++i)
    for (std::size_t j = 0; j < v.cols(); ++j)
      BOOST_TEST(e(Eigen::Index(i), Eigen::Index(j)) == v(i, j), what << " (" << i << ", " << j << ")");
}
template <class E, class V>
void expect_same_vector(E const& e, V const& v, std::string const& what) {
  BOOST_TEST_REQUIRE(std::size_t(e.size()) == v.size(), what);
  for (std::size_t k = 0; k < v.size(); ++k) BOOST_TEST(e(Eigen::Index(k)) == v[k], what << " [" << k << "]");
}

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(to_eigen_keeps_each_element_in_place, T, support::float_types) {
  tl::mat<T, 2, 3> const a = weights<T>();
  auto const e = tl::to_eigen(a);
  static_assert(std::is_same_v<std::remove_const_t<decltype(e)>, Eigen::Matrix<T, 2, 3>>);
  expect_same_matrix(e, a, "mat");
  expect_same_matrix(tl::to_eigen<Eigen::Matrix<T, 2, 3, Eigen::RowMajor>>(a), a, "mat as row-major");
  expect_same_matrix(tl::to_eigen<Eigen::Matrix<T, Eigen::Dynamic, 3>>(a), a, "mat as dynamic rows");
  tl::dmat<T> const d = a;
  auto const ed = tl::to_eigen(d);
  static_assert(std::is_same_v<std::remove_const_t<decltype(ed)>, Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>>);
  expect_same_matrix(ed, d, "dmat");
  expect_same_matrix(tl::to_eigen<Eigen::Array<T, 2, 3, Eigen::RowMajor>>(d), d, "dmat as a row-major array");

  tl::vec<T, 3> const v{T(1), T(2), T(3)};
  auto const ev = tl::to_eigen(v);
  static_assert(std::is_same_v<std::remove_const_t<decltype(ev)>, Eigen::Matrix<T, 3, 1>>);
  expect_same_vector(ev, v, "vec");
  auto const row = tl::to_eigen<Eigen::Matrix<T, 1, 3>>(v);
  expect_same_vector(row, v, "vec as a row");
  tl::dvec<T> const dv{T(4), T(5)};
  auto const edv = tl::to_eigen(dv);
  static_assert(std::is_same_v<std::remove_const_t<decltype(edv)>, Eigen::Matrix<T, Eigen::Dynamic, 1>>);
  expect_same_vector(edv, dv, "dvec");
  expect_same_vector(tl::to_eigen<Eigen::Matrix<T, 1, Eigen::Dynamic>>(dv), dv, "dvec as a row");
}

BOOST_AUTO_TEST_CASE(to_eigen_refuses_a_runtime_shape_that_does_not_fit) {
  tl::dmat<double> const d(2, 3);
  auto message_of = [](auto const& call) {
    try {
      call();
    } catch (tl::shape_error const& e) {
      return std::string(e.what());
    }
    return std::string("no tl::shape_error");
  };
  BOOST_TEST(message_of([&] { (void)tl::to_eigen<Eigen::Matrix<double, 3, Eigen::Dynamic>>(d); }) ==
             "tl::to_eigen<E>(x): x's shape (2, 3) and E's shape (3, dynamic) differ");
  BOOST_TEST(message_of([&] { (void)tl::to_eigen<Eigen::Vector4d>(tl::dvec<double>(3)); }) ==
             "tl::to_eigen<E>(x): x's shape (3, 1) and E's shape (4, 1) differ");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(function_transforms_on_eigen_vectors, T, support::float_types) {
  tl::mat<T, 2, 3> const w = weights<T>();
  tl::vec<T, 3> const x{T(0.2), T(-0.4), T(0.7)};
  Eigen::Matrix<T, 3, 1> const xs = tl::to_eigen(x);
  Eigen::Matrix<T, Eigen::Dynamic, 1> const xd = xs;
  tl::dvec<T> const x_dvec{x[0], x[1], x[2]};
  auto const f = map_of<T>(w);
  auto const fd = map_of<T>(tl::dmat<T>(w));

  // Jacobians: 2 x 3, static for a static argument, dynamic for a dynamic one.
  auto const j_tl = tl::jacfwd(f)(x);
  auto const j_fwd = tl::jacfwd(f)(xs);
  static_assert(std::is_same_v<std::remove_const_t<decltype(j_fwd)>, Eigen::Matrix<T, 2, 3>>);
  expect_same_matrix(j_fwd, j_tl, "jacfwd, static");
  auto const j_rev = tl::jacrev(f)(xs);
  static_assert(std::is_same_v<std::remove_const_t<decltype(j_rev)>, Eigen::Matrix<T, 2, 3>>);
  expect_same_matrix(j_rev, tl::jacrev(f)(x), "jacrev, static");
  auto const j_auto = tl::jacobian(fd)(xd);
  static_assert(std::is_same_v<std::remove_const_t<decltype(j_auto)>, Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>>);
  expect_same_matrix(j_auto, tl::jacobian(fd)(x_dvec), "jacobian, dynamic");
  // A static output and a dynamic argument: a static number of rows.
  auto const j_mixed = tl::jacrev(f)(xd);
  static_assert(std::is_same_v<std::remove_const_t<decltype(j_mixed)>, Eigen::Matrix<T, 2, Eigen::Dynamic>> ||
                std::is_same_v<std::remove_const_t<decltype(j_mixed)>, Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>>);
  expect_same_matrix(j_mixed, tl::jacrev(f)(x_dvec), "jacrev, static output, dynamic argument");
  // A number's Jacobian is a row.
  auto const j_row = tl::jacobian(energy)(xs);
  static_assert(std::is_same_v<std::remove_const_t<decltype(j_row)>, Eigen::Matrix<T, 1, 3>>);
  expect_same_vector(j_row, tl::grad(energy)(x), "jacobian of a number");

  // Gradients in the argument's type, from one or several arguments.
  Eigen::Matrix<T, 3, 1> const g = tl::grad(energy)(xs);
  expect_same_vector(g, tl::grad(energy)(x), "grad, static");
  auto const gd = tl::grad(energy)(xd);
  static_assert(std::is_same_v<std::remove_const_t<decltype(gd)>, Eigen::Matrix<T, Eigen::Dynamic, 1>>);
  expect_same_vector(gd, tl::grad(energy)(x_dvec), "grad, dynamic");
  auto const [value, gv] = tl::value_and_grad(energy)(xd);
  BOOST_TEST(value == tl::value_and_grad(energy)(x).first);
  expect_same_vector(gv, tl::grad(energy)(x), "value_and_grad");
  Eigen::Matrix<T, 1, 3> const row = xs.transpose();
  auto const g_row = tl::grad(energy)(row);
  static_assert(std::is_same_v<std::remove_const_t<decltype(g_row)>, Eigen::Matrix<T, 1, 3>>);
  expect_same_vector(g_row, tl::grad(energy)(x), "grad of a row");
  auto const [g1, g2] = tl::grad([](auto const& a, auto const& b) { return tl::sum(a * tl::exp(b)); })(xs, x);
  static_assert(std::is_same_v<std::remove_const_t<decltype(g1)>, Eigen::Matrix<T, 3, 1>>);
  static_assert(std::is_same_v<std::remove_const_t<decltype(g2)>, tl::vec<T, 3>>);
  for (std::size_t k = 0; k < 3; ++k) {
    BOOST_TEST(g1(Eigen::Index(k)) == std::exp(x[k]));
    BOOST_TEST(g2[k] == x[k] * std::exp(x[k]));
  }

  // Hessians: n x n.
  auto const h = tl::hessian(energy)(xs);
  static_assert(std::is_same_v<std::remove_const_t<decltype(h)>, Eigen::Matrix<T, 3, 3>>);
  expect_same_matrix(h, tl::hessian(energy)(x), "hessian, static");
  auto const hd = tl::hessian(energy)(xd);
  static_assert(std::is_same_v<std::remove_const_t<decltype(hd)>, Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>>);
  expect_same_matrix(hd, tl::hessian(energy)(x_dvec), "hessian, dynamic");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(gradient_with_respect_to_an_eigen_matrix, T, support::float_types) {
  tl::mat<T, 2, 3> const a = weights<T>();
  auto const f = [](auto const& m) { return tl::sum(tl::sin(m) * m) + m(0, 2) * m(1, 0); };
  tl::mat<T, 2, 3> const g_tl = tl::grad(f)(a);
  Eigen::Matrix<T, 2, 3> const e = tl::to_eigen(a);
  auto const g = tl::grad(f)(e);
  static_assert(std::is_same_v<std::remove_const_t<decltype(g)>, Eigen::Matrix<T, 2, 3>>);
  expect_same_matrix(g, g_tl, "static");
  Eigen::Matrix<T, 2, 3, Eigen::RowMajor> const er = e;
  auto const gr = tl::grad(f)(er);
  static_assert(std::is_same_v<std::remove_const_t<decltype(gr)>, Eigen::Matrix<T, 2, 3, Eigen::RowMajor>>);
  expect_same_matrix(gr, g_tl, "row-major");
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> const ed = e;
  auto const gd = tl::grad(f)(ed);
  static_assert(std::is_same_v<std::remove_const_t<decltype(gd)>, Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>>);
  expect_same_matrix(gd, tl::grad(f)(tl::dmat<T>(a)), "dynamic");
  // An Eigen expression or map is copied; the gradient has its plain type.
  auto const gm = tl::grad(f)(Eigen::Map<Eigen::Matrix<T, 2, 3> const>(e.data()));
  expect_same_matrix(gm, g_tl, "map");
}
