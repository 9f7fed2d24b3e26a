// Views over Eigen objects (expr/view.hpp): vectors to tl::vec / tl::dvec, row-major matrices to
// tl::mat / tl::dmat, Map and Ref, gradients into Eigen objects, and the layouts that are refused at
// run time (non-contiguous strides); a column-major matrix does not compile (test/compile_fail).
#define BOOST_TEST_MODULE views_eigen
#include <boost/test/unit_test.hpp>

#include <Eigen/Core>

#include <cmath>

#include <support/compare.hpp>
#include <tapeless/tapeless.hpp>

namespace tl = tapeless;

namespace {
template <class T>
using row_major = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <class M>
void fill(M& m) {
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = typename M::Scalar(0.2 + 0.05 * double(i));
}
// d/dx sum(exp(x) * x) = exp(x) (1 + x), element by element in storage order.
template <class M>
std::vector<double> exact(M const& m) {
  std::vector<double> g(m.size());
  for (Eigen::Index i = 0; i < m.size(); ++i) g[i] = std::exp(double(m.data()[i])) * (1.0 + double(m.data()[i]));
  return g;
}
}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(eigen_vectors, T, support::float_types) {
  using VX = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  for (Eigen::Index n : {1, 3, 7, 9, 17, 1000}) {
    BOOST_TEST_CONTEXT("n = " << n) {
      VX x(n);
      fill(x);
      auto v = tl::var_view(x);
      static_assert(std::is_same_v<decltype(v), tl::var<tl::dvec<T>>>);
      auto const y = tl::sum(tl::exp(v) * v);
      BOOST_TEST(support::close_all(tl::gradient(y, v), exact(x), support::tol<T>.analytic));
      VX g(n);
      tl::gradient_into(g, y, v);
      BOOST_TEST(support::close_all(std::vector<double>(g.data(), g.data() + n), exact(x), support::tol<T>.analytic));
      x(n - 1) = T(1);  // seen at the next evaluation
      BOOST_TEST(support::close_all(tl::gradient(y, v), exact(x), support::tol<T>.analytic));
      // A Ref and a Map over the same memory, as constants.
      Eigen::Ref<VX const> r(x);
      Eigen::Map<VX const> m(x.data(), n);
      tl::var<tl::dvec<T>> w{tl::dvec<T>(std::size_t(n), T(1))};
      auto const z = tl::sum((tl::constant_ref(r) + tl::constant_ref(m)) * w);
      std::vector<double> want(x.data(), x.data() + n);
      for (auto& e : want) e *= 2;
      BOOST_TEST(support::close_all(tl::gradient(z, w), want, support::tol<T>.value));
    }
  }
  // Static extents, column and row vectors.
  Eigen::Matrix<T, 3, 1> a;
  fill(a);
  Eigen::Matrix<T, 1, 3> b = a.transpose();
  auto va = tl::var_view(a);
  auto vb = tl::var_view(b);
  static_assert(std::is_same_v<decltype(va), tl::var<tl::vec<T, 3>>>);
  static_assert(std::is_same_v<decltype(vb), tl::var<tl::vec<T, 3>>>);
  auto const y = tl::sum(tl::exp(va) * va) + tl::sum(tl::exp(vb) * vb);
  auto [ga, gb] = tl::gradient(y, tl::wrt(va, vb));
  BOOST_TEST(support::close_all(ga, exact(a), support::tol<T>.analytic));
  BOOST_TEST(support::close_all(gb, exact(b), support::tol<T>.analytic));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(eigen_row_major_matrices, T, support::float_types) {
  // Runtime extents.
  row_major<T> m(3, 7);
  fill(m);
  auto v = tl::var_view(m);
  static_assert(std::is_same_v<decltype(v), tl::var<tl::dmat<T>>>);
  BOOST_TEST(double(tl::value(v(1, 2))) == double(m(1, 2)));  // read row by row, as Eigen indexes it
  auto const y = tl::sum(tl::exp(v) * v);
  auto const g = tl::gradient(y, v);
  BOOST_TEST(g.rows() == 3u);
  BOOST_TEST(g.cols() == 7u);
  BOOST_TEST(support::close_all(g, exact(m), support::tol<T>.analytic));
  row_major<T> into(3, 7);
  tl::gradient_into(into, y, v);
  BOOST_TEST(support::close_all(std::vector<double>(into.data(), into.data() + 21), exact(m), support::tol<T>.analytic));
  row_major<T> wrong(7, 3);
  wrong.setConstant(T(-1));
  BOOST_CHECK_THROW(tl::gradient_into(wrong, y, v), tl::shape_error);
  BOOST_TEST((wrong.array() == T(-1)).all());
  m.resize(2, 2);  // reallocated: read at its new place with its new extents
  fill(m);
  BOOST_TEST(tl::gradient(y, v).rows() == 2u);
  BOOST_TEST(support::close_all(tl::gradient(y, v), exact(m), support::tol<T>.analytic));

  // Static extents; matmul against a column-vector view.
  Eigen::Matrix<T, 2, 3, Eigen::RowMajor> s;
  fill(s);
  Eigen::Matrix<T, 3, 1> c(T(1), T(2), T(3));
  auto vs = tl::var_view(s);
  static_assert(std::is_same_v<decltype(vs), tl::var<tl::mat<T, 2, 3>>>);
  auto const p = tl::sum(tl::matmul(vs, tl::constant_ref(c)));
  BOOST_TEST(support::close_all(tl::gradient(p, vs), {1.0, 2.0, 3.0, 1.0, 2.0, 3.0}, 0.0));
  Eigen::Matrix<T, 2, 3, Eigen::RowMajor> gs;
  tl::gradient_into(gs, p, vs);
  BOOST_TEST(double(gs(1, 2)) == 3.0);
}

BOOST_AUTO_TEST_CASE(eigen_strides_are_refused_with_a_message) {
  row_major<double> m(4, 6);
  fill(m);
  Eigen::Map<Eigen::VectorXd, 0, Eigen::InnerStride<>> every_other(m.data(), 12, Eigen::InnerStride<>(2));
  BOOST_CHECK_EXCEPTION((void)tl::constant_ref(every_other), tl::shape_error, [](tl::shape_error const& e) {
    return std::string(e.what()).starts_with("tl::constant_ref(m): the Eigen object's elements are not contiguous "
                                             "(inner stride 2");
  });
  Eigen::Ref<row_major<double>, 0, Eigen::OuterStride<>> block = m.block(1, 1, 2, 3);
  BOOST_CHECK_EXCEPTION((void)tl::var_view(block), tl::shape_error, [](tl::shape_error const& e) {
    return std::string(e.what()).starts_with("tl::var_view(m): the Eigen object's elements are not contiguous");
  });
  // A block of whole rows is contiguous.
  Eigen::Ref<row_major<double>, 0, Eigen::OuterStride<>> rows = m.middleRows(1, 2);
  BOOST_TEST(tl::value(tl::constant_ref(rows))(0, 0) == m(1, 0));
  // A column-major vector is contiguous; its Map with unit stride too.
  Eigen::VectorXd col = m.col(2);
  BOOST_TEST(tl::value(tl::constant_ref(col))[3] == m(3, 2));
}
