// tapeless numbers as Eigen scalars (tapeless/eigen.hpp): the Jacobian of the Eigen function of
// jacobian.cpp on float duals at a static size, against central differences (each Eigen instantiation
// on a new scalar type costs seconds of compile time, so float and static sizes live here, double and
// dynamic ones and reverse mode in jacobian.cpp); and the types and limits Eigen sees for each
// tapeless number: mixed products, NumTraits, zero-initialised elements.
#define BOOST_TEST_MODULE eigen_scalars
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <type_traits>

#include "jacobian_check.hpp"

BOOST_AUTO_TEST_CASE(jacobian_of_an_eigen_function_on_duals_float_static) {
  eigen_cases::check_jacobian<float, 3, false>(3);
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
