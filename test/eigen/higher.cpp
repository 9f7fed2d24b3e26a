// Higher derivatives of a scalar function written with Eigen (tapeless/eigen.hpp): nested tl::duals
// give its Hessian (against central differences of its gradient by duals, and symmetric), tl::jets its
// derivatives along a line up to the third (against three nested one-lane duals, and central
// differences of the second). One element type per case: double for the Hessian, float for the jets.
#define BOOST_TEST_MODULE eigen_higher
#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <cstddef>

#include <tapeless/eigen.hpp>
#include <tapeless/tapeless.hpp>

#include "functions.hpp"
#include "support/compare.hpp"

using namespace eigen_cases;

// One element type per case (each Eigen instantiation on a new scalar costs seconds of compile time).
BOOST_AUTO_TEST_CASE(hessian_of_an_eigen_function_by_nested_duals_double) {
  using T = double;
  using D = tl::dual<T, 3>;
  using DD = tl::dual<D, 3>;  // outer lanes: directions e_k; inner lanes: e_j
  auto const x = point<T, 3>(3);
  Eigen::Matrix<DD, 3, 1> xd;
  for (int i = 0; i < 3; ++i) {
    xd(i) = DD(D(x(i)));
    xd(i).value.tangent[std::size_t(i)] = T(1);
    xd(i).tangent[std::size_t(i)] = D(T(1));
  }
  DD const e = energy(xd);
  BOOST_TEST(support::close(e.value.value, energy(x), support::tol<T>.value));
  // The gradient (the inner level's tangents, the same type seeded once), differentiated by central
  // differences.
  auto gradient_at = [](Eigen::Vector3d const& xr) {
    Eigen::Matrix<DD, 3, 1> xg;
    for (int i = 0; i < 3; ++i) {
      xg(i) = DD(D(xr(i)));
      xg(i).value.tangent[std::size_t(i)] = 1.0;
    }
    return energy(xg).value.tangent;
  };
  Eigen::Vector3d const xr = x.template cast<double>();
  for (int k = 0; k < 3; ++k) {
    double const h = support::fd_step(xr(k));
    Eigen::Vector3d xp = xr, xm = xr;
    xp(k) += h;
    xm(k) -= h;
    auto const gp = gradient_at(xp), gm = gradient_at(xm);
    for (int j = 0; j < 3; ++j) {
      T const hjk = e.tangent[std::size_t(k)].tangent[std::size_t(j)];
      BOOST_TEST(support::close(hjk, (gp[std::size_t(j)] - gm[std::size_t(j)]) / (2 * h), support::tol<T>.fd),
                 "(" << j << ", " << k << ")");
      BOOST_TEST(support::close(hjk, e.tangent[std::size_t(j)].tangent[std::size_t(k)], support::tol<T>.value));  // symmetric
      BOOST_TEST(e.tangent[std::size_t(k)].value == e.value.tangent[std::size_t(k)]);  // both levels' gradient
    }
  }
}

BOOST_AUTO_TEST_CASE(higher_derivatives_of_an_eigen_function_by_jets_float) {
  using T = float;
  // g(t) = energy(x + t v): a jet of order 3 against three nested one-lane duals.
  using J = tl::jet<T, 3>;
  using D3 = tl::dual<tl::dual<tl::dual<T>>>;
  auto const x = point<T, Eigen::Dynamic>(4);
  Eigen::Matrix<T, Eigen::Dynamic, 1> v(4);
  v << T(1), T(-0.5), T(0.25), T(2);
  Eigen::Matrix<J, Eigen::Dynamic, 1> xj(4);
  Eigen::Matrix<D3, Eigen::Dynamic, 1> xd(4);
  for (int i = 0; i < 4; ++i) {
    xj(i) = J(std::array<T, 4>{x(i), v(i), T(0), T(0)});
    D3 d(x(i));  // x + t v seeded at every level
    d.value.value.tangent[0] = v(i);
    d.value.tangent[0].value = v(i);
    d.tangent[0].value.value = v(i);
    xd(i) = d;
  }
  J const gj = energy(xj);
  D3 const gd = energy(xd);
  BOOST_TEST(support::close(gj.derivative(0), energy(x), support::tol<T>.value));
  BOOST_TEST(support::close(gj.derivative(1), gd.value.value.tangent[0], support::tol<T>.value));
  BOOST_TEST(support::close(gj.derivative(2), gd.value.tangent[0].tangent[0], support::tol<T>.value));
  BOOST_TEST(support::close(gj.derivative(3), gd.tangent[0].tangent[0].tangent[0], support::tol<T>.value));
  // and the third derivative against central differences of the second, in the jet's own type
  auto second = [&](T t) {
    Eigen::Matrix<J, Eigen::Dynamic, 1> xt(4);
    for (int i = 0; i < 4; ++i) xt(i) = J(std::array<T, 4>{x(i) + t * v(i), v(i), T(0), T(0)});
    return energy(xt).derivative(2);
  };
  T const h = T(support::tol<T>.own_fd_step);
  BOOST_TEST(support::close(gj.derivative(3), (second(h) - second(-h)) / (2 * h), support::tol<T>.fd_own));
}

