// tapeless numbers as Eigen scalars (tapeless/eigen.hpp): one function templated over its scalar,
// written with Eigen (mixed real/dual products, a norm, a dot product, array functions, an LLT and a
// PartialPivLU solve), run on tl::dual gives the Jacobian that central differences and reverse mode
// (the same function on tl::active) give; nested duals give the Hessian of a scalar Eigen function,
// jets its higher derivatives along a line. Float and double, static and dynamic Eigen sizes (a
// dynamic size of 9 takes Eigen's general matrix product).
#define BOOST_TEST_MODULE eigen_scalars
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <limits>
#include <tuple>
#include <type_traits>
#include <vector>

#include <tapeless/eigen.hpp>
#include <tapeless/tapeless.hpp>

#include "functions.hpp"
#include "support/compare.hpp"

namespace {

using namespace eigen_cases;

/// The Jacobian of residual by duals of L lanes, columns j0 ... j0 + L - 1 per evaluation.
template <std::size_t L, class T, int N>
Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> jacobian_by_duals(Eigen::Matrix<T, N, 1> const& x) {
  using D = tl::dual<T, L>;
  Eigen::Index const n = x.size();
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> jac(2 * n + 1, n);
  for (Eigen::Index j0 = 0; j0 < n; j0 += Eigen::Index(L)) {
    Eigen::Matrix<D, N, 1> xd(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      xd(i) = D(x(i));
      if (i >= j0 && i - j0 < Eigen::Index(L)) xd(i).tangent[std::size_t(i - j0)] = T(1);
    }
    Eigen::Matrix<D, outputs<N>, 1> const r = residual(xd);
    for (Eigen::Index i = 0; i < r.size(); ++i) {
      BOOST_TEST(support::close(r(i).value, residual(x)(i), support::tol<T>.value));  // the plain function's values
      for (Eigen::Index k = 0; k < Eigen::Index(L) && j0 + k < n; ++k) jac(i, j0 + k) = r(i).tangent[std::size_t(k)];
    }
  }
  return jac;
}

/// The Jacobian of residual by reverse mode: the function run on tl::active, one gradient per output.
template <class T, int N>
Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> jacobian_by_actives(Eigen::Matrix<T, N, 1> const& x) {
  Eigen::Index const n = x.size();
  std::vector<tl::active<T>> inputs(x.data(), x.data() + n);
  Eigen::Matrix<tl::active<T>, N, 1> xa(n);
  for (Eigen::Index i = 0; i < n; ++i) xa(i) = inputs[std::size_t(i)];
  Eigen::Matrix<tl::active<T>, outputs<N>, 1> const r = residual(xa);
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> jac(2 * n + 1, n);
  for (Eigen::Index i = 0; i < r.size(); ++i) {
    BOOST_TEST(support::close(r(i).value(), residual(x)(i), support::tol<T>.value));
    std::vector<T> const g = std::get<0>(tl::gradient(r(i), tl::wrt(inputs)));
    for (Eigen::Index j = 0; j < n; ++j) jac(i, j) = g[std::size_t(j)];
  }
  return jac;
}

template <class T, int N, bool Actives>
void check_jacobian(Eigen::Index n) {
  auto const x = point<T, N>(n);
  auto const jd = jacobian_by_duals<3>(x);  // 3 lanes: n = 9 takes three evaluations, n = 1 and 5 a tail
  auto const ja = [&] {
    if constexpr (Actives)
      return jacobian_by_actives(x);
    else
      return jd;
  }();
  BOOST_TEST_REQUIRE(jd.rows() == 2 * n + 1);
  BOOST_TEST_REQUIRE(jd.cols() == n);
  Eigen::Matrix<double, N, 1> const xr = x.template cast<double>();
  for (Eigen::Index j = 0; j < n; ++j) {
    double const h = support::fd_step(xr(j));
    Eigen::Matrix<double, N, 1> xp = xr, xm = xr;
    xp(j) += h;
    xm(j) -= h;
    Eigen::Matrix<double, Eigen::Dynamic, 1> const fd = (residual(xp) - residual(xm)) / (2 * h);
    for (Eigen::Index i = 0; i < 2 * n + 1; ++i) {
      BOOST_TEST(support::close(jd(i, j), fd(i), support::tol<T>.fd), "n = " << n << ", (" << i << ", " << j << ")");
      BOOST_TEST(support::close(ja(i, j), jd(i, j), support::tol<T>.value), "n = " << n << ", (" << i << ", " << j << ")");
    }
  }
}

}  // namespace

// Each Eigen instantiation on a new scalar type costs seconds of compile time: float runs a static
// size on duals, double dynamic sizes on duals and actives.
BOOST_AUTO_TEST_CASE(jacobian_of_an_eigen_function_on_duals_and_actives_float_static) { check_jacobian<float, 3, false>(3); }
BOOST_AUTO_TEST_CASE(jacobian_of_an_eigen_function_on_duals_and_actives_double_dynamic) {
  for (Eigen::Index n : {1, 5, 9}) check_jacobian<double, Eigen::Dynamic, true>(n);
}

BOOST_AUTO_TEST_CASE(eigen_types_of_mixed_operations) {
  using D = tl::dual<double, 2>;
  using DD = tl::dual<D>;
  static_assert(std::is_same_v<std::remove_cv_t<decltype((Eigen::Matrix2d() * Eigen::Matrix<D, 2, 1>()).eval())>, Eigen::Matrix<D, 2, 1>>);
  static_assert(std::is_same_v<std::remove_cv_t<decltype((Eigen::Matrix<D, 2, 2>() * Eigen::Vector2d()).eval())>, Eigen::Matrix<D, 2, 1>>);
  static_assert(std::is_same_v<std::remove_cv_t<decltype((Eigen::Matrix<DD, 2, 2>() * Eigen::Matrix<D, 2, 1>()).eval())>,
                               Eigen::Matrix<DD, 2, 1>>);
  static_assert(std::is_same_v<std::remove_cv_t<decltype((Eigen::Array2f() * Eigen::Array<tl::jet<float, 2>, 2, 1>()).eval())>,
                               Eigen::Array<tl::jet<float, 2>, 2, 1>>);
  static_assert(std::is_same_v<Eigen::NumTraits<DD>::Literal, double>);
  static_assert(std::is_same_v<Eigen::NumTraits<tl::active<float>>::Literal, float>);
  static_assert(std::is_same_v<std::remove_cv_t<decltype((Eigen::Matrix<tl::active<double>, 2, 2>() * Eigen::Vector2d()).eval())>,
                               Eigen::Matrix<tl::active<double>, 2, 1>>);
  BOOST_TEST(Eigen::NumTraits<D>::epsilon().value == std::numeric_limits<double>::epsilon());
  BOOST_TEST(std::isinf(Eigen::NumTraits<tl::jet<float, 2>>::infinity().c[0]));
  BOOST_TEST(std::isnan(Eigen::NumTraits<tl::active<double>>::quiet_NaN().value()));
  // A dual matrix filled by Eigen starts at zero tangents (RequireInitialization).
  Eigen::Matrix<D, Eigen::Dynamic, Eigen::Dynamic> z = Eigen::Matrix<D, Eigen::Dynamic, Eigen::Dynamic>::Zero(3, 2);
  for (Eigen::Index k = 0; k < z.size(); ++k) BOOST_TEST((z(k).value == 0 && z(k).tangent[0] == 0 && z(k).tangent[1] == 0));
}
