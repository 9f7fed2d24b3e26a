// The Jacobian of an Eigen function (mixed real/dual products, a norm, a dot product, array functions,
// an LLT and a PartialPivLU solve: test/eigen/functions.hpp) on tl::dual against reverse mode (the same
// function on tl::active) and central differences, in double, at dynamic Eigen sizes: 1 and 5 (a tail
// of the 3-lane duals) and 9 (Eigen's general matrix product, blocked LU). jacobian_static.cpp has
// float and a static size.
#define BOOST_TEST_MODULE eigen_jacobian
#include <boost/test/unit_test.hpp>

#include "jacobian_check.hpp"

BOOST_AUTO_TEST_CASE(jacobian_of_an_eigen_function_on_duals_and_actives_double_dynamic) {
  for (Eigen::Index n : {1, 5, 9}) eigen_cases::check_jacobian<double, Eigen::Dynamic, true>(n);
}
