// tapeless/eigen.hpp: tapeless numbers inside Eigen, and tapeless results as Eigen types. Opt-in (it
// needs Eigen 3.4; tapeless.hpp does not include it):
//
//   - Eigen::NumTraits for tl::dual<T, N> (nested too), tl::jet<T, K> and tl::active<T>, and
//     Eigen::ScalarBinaryOpTraits between each of them and its real type (and a dual's inner type), so
//     code written over `Eigen::Matrix<T, ...>` runs on them: products, norms, reductions, array
//     functions, LLT and LU solves.
//   - tl::to_eigen(x): a tl::vec, tl::mat, tl::dvec or tl::dmat as an Eigen matrix, element (i, j) for
//     element (i, j) whatever the storage order.
//   - Eigen vectors and matrices as arguments of tl::grad, tl::value_and_grad, tl::jacfwd, tl::jacrev,
//     tl::jacobian(f) and tl::hessian: the argument is copied into a tapeless value for f, and the
//     result comes back as an Eigen type (a gradient in the argument's type; a Jacobian or Hessian as an
//     Eigen::Matrix of the static or dynamic size the shapes give).
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <Eigen/Core>

#include "api/function.hpp"
#include "core/dynamic.hpp"
#include "core/shape.hpp"
#include "core/tensor.hpp"
#include "core/traits.hpp"
#include "expr/active.hpp"
#include "forward/dual.hpp"
#include "forward/jet.hpp"

static_assert(EIGEN_VERSION_AT_LEAST(3, 4, 0), "tapeless/eigen.hpp needs Eigen 3.4 or later");

namespace tapeless {

namespace detail {

/// The real type of a tapeless number (float or double): element_base's, and an active's value's.
template <class X>
struct eigen_real : element_base<X> {};
template <class T>
struct eigen_real<active<T>> : element_base<T> {};

/// Eigen's description of a tapeless number X (a dual, a jet or an active): not complex, signed,
/// needing construction (Eigen must not memcpy it), and the limits of its real type (Literal). The
/// costs steer Eigen's choice between evaluating a subexpression once into a temporary and
/// recomputing it per use: a dual costs about a real per tangent lane, a jet a real per coefficient
/// pair, and an active records a statement per operation (so nothing is recomputed).
template <class X, int Add, int Mul>
struct eigen_number_traits {
  using Real = X;
  using NonInteger = X;
  using Nested = X;
  using Literal = typename eigen_real<X>::type;
  enum {
    IsComplex = 0,
    IsInteger = 0,
    IsSigned = 1,
    RequireInitialization = 1,
    ReadCost = 1,
    AddCost = Add,
    MulCost = Mul
  };
  static X epsilon() { return X(std::numeric_limits<Literal>::epsilon()); }
  static X dummy_precision() { return X(Eigen::NumTraits<Literal>::dummy_precision()); }
  static X highest() { return X(std::numeric_limits<Literal>::max()); }
  static X lowest() { return X(std::numeric_limits<Literal>::lowest()); }
  static X infinity() { return X(std::numeric_limits<Literal>::infinity()); }
  static X quiet_NaN() { return X(std::numeric_limits<Literal>::quiet_NaN()); }
  static int digits10() { return std::numeric_limits<Literal>::digits10; }
  static int digits() { return std::numeric_limits<Literal>::digits; }
  static int min_exponent() { return std::numeric_limits<Literal>::min_exponent; }
  static int max_exponent() { return std::numeric_limits<Literal>::max_exponent; }
};

/// The number of reals a number type carries (a nested dual's lanes multiply).
template <class X>
inline constexpr int eigen_reals_v = 1;
template <class T, std::size_t N>
inline constexpr int eigen_reals_v<dual<T, N>> = int(N + 1) * eigen_reals_v<T>;
template <class T, std::size_t K>
inline constexpr int eigen_reals_v<jet<T, K>> = int(K + 1);

/// Whether a tapeless number X and a number U mix in Eigen's binary operations (giving X): U is X's
/// real type, or the inner type of a dual (the level below it in a nest).
template <class X, class U>
inline constexpr bool eigen_mixes_v = std::is_same_v<U, typename eigen_real<X>::type>;
template <class T, std::size_t N, class U>
inline constexpr bool eigen_mixes_v<dual<T, N>, U> =
    std::is_same_v<U, T> || std::is_same_v<U, typename element_base<T>::type>;
template <class T, class U>
inline constexpr bool eigen_mixes_v<active<T>, U> = eigen_mixes_v<T, U> || std::is_same_v<U, T>;

/// Whether X is one of the tapeless numbers that Eigen gets NumTraits for here.
template <class X>
inline constexpr bool eigen_number_v = is_dual<X>::value || is_jet<X>::value;
template <class T>
inline constexpr bool eigen_number_v<active<T>> = rank_v<T> == 0;

/// Whether an Eigen product of scalars A and B mixes a tapeless number with a real type (either side).
template <class A, class B>
inline constexpr bool eigen_mixed_v =
    (eigen_number_v<A> && eigen_mixes_v<A, B>) || (eigen_number_v<B> && eigen_mixes_v<B, A>);

}  // namespace detail
}  // namespace tapeless

namespace Eigen {

/// tl::dual<T, N> as an Eigen scalar (nested duals too): its Literal is the real type at the bottom.
template <class T, std::size_t N>
struct NumTraits<tapeless::dual<T, N>>
    : tapeless::detail::eigen_number_traits<tapeless::dual<T, N>, tapeless::detail::eigen_reals_v<tapeless::dual<T, N>>,
                                            2 * tapeless::detail::eigen_reals_v<tapeless::dual<T, N>>> {};

/// tl::jet<T, K> as an Eigen scalar: a product costs a Cauchy product, (K + 1)(K + 2) / 2 multiplications.
template <class T, std::size_t K>
struct NumTraits<tapeless::jet<T, K>>
    : tapeless::detail::eigen_number_traits<tapeless::jet<T, K>, int(K + 1), int((K + 1) * (K + 2) / 2)> {};

/// tl::active<T> (a scalar T) as an Eigen scalar: each operation on it records a statement.
template <class T>
  requires(tapeless::detail::rank_v<T> == 0)
struct NumTraits<tapeless::active<T>> : tapeless::detail::eigen_number_traits<tapeless::active<T>, 20, 20> {};

/// A tapeless number beside its real type (or a dual beside its inner type), either way round, gives
/// the tapeless number: `Eigen::Matrix<tl::dual<double>, 3, 3> * Eigen::Matrix3d` is a matrix of duals.
template <class X, class U, class Op>
  requires(tapeless::detail::eigen_number_v<X> && tapeless::detail::eigen_mixes_v<X, U>)
struct ScalarBinaryOpTraits<X, U, Op> {
  using ReturnType = X;
};
template <class U, class X, class Op>
  requires(tapeless::detail::eigen_number_v<X> && tapeless::detail::eigen_mixes_v<X, U>)
struct ScalarBinaryOpTraits<U, X, Op> {
  using ReturnType = X;
};

namespace internal {

/// A matrix-matrix product of a tapeless number and a real type (`Eigen::MatrixXd * X` with X a matrix
/// of duals) is evaluated coefficient by coefficient, as Eigen does for small sizes, at every size:
/// Eigen's blocked kernel for mixed scalar types assigns the product to the real operand's type when
/// the target has no fused multiply-add (Eigen 3.4, GeneralBlockPanelKernel.h, gebp_traits::madd),
/// which does not compile for a dual. A tapeless number gains nothing from that kernel's SIMD anyway.
template <class Lhs, class Rhs>
  requires(tapeless::detail::eigen_mixed_v<typename Lhs::Scalar, typename Rhs::Scalar>)
struct generic_product_impl<Lhs, Rhs, DenseShape, DenseShape, GemmProduct>
    : generic_product_impl<Lhs, Rhs, DenseShape, DenseShape, CoeffBasedProductMode> {
  using Scalar = typename Product<Lhs, Rhs>::Scalar;
  template <class Dst>
  static void scaleAndAddTo(Dst& dst, Lhs const& lhs, Rhs const& rhs, Scalar const& alpha) {
    dst += alpha * lhs.lazyProduct(rhs);
  }
};

}  // namespace internal
}  // namespace Eigen

namespace tapeless {

namespace detail {

/// Whether E is an Eigen dense matrix or array type (a plain object, an expression, a Map or a Ref).
template <class E>
concept eigen_object = std::is_base_of_v<Eigen::DenseBase<E>, E>;

/// Whether E's shape is a vector's at compile time (one row or one column).
template <class E>
inline constexpr bool eigen_vector_v = E::RowsAtCompileTime == 1 || E::ColsAtCompileTime == 1;

/// The tapeless value an Eigen argument is copied into: a vector (one row or one column) as a tl::vec
/// or tl::dvec, anything else as a tl::mat or tl::dmat.
template <class E>
struct tapeless_value_of_eigen {
  using T = typename E::Scalar;
  static constexpr int n = E::SizeAtCompileTime, r = E::RowsAtCompileTime, c = E::ColsAtCompileTime;
  using type = std::conditional_t<
      eigen_vector_v<E>, std::conditional_t<n == Eigen::Dynamic, dvec<T>, vec<T, std::size_t(n > 0 ? n : 1)>>,
      std::conditional_t<r == Eigen::Dynamic || c == Eigen::Dynamic, dmat<T>,
                         mat<T, std::size_t(r > 0 ? r : 1), std::size_t(c > 0 ? c : 1)>>>;
};

/// The Eigen matrix a tapeless vec / mat / dvec / dmat is copied into by tl::to_eigen(x): a vector as a
/// column.
template <class V>
struct eigen_type_of {};
template <class T, std::size_t N>
struct eigen_type_of<tensor<T, N>> {
  using type = Eigen::Matrix<T, int(N), 1>;
};
template <class T>
struct eigen_type_of<dvec<T>> {
  using type = Eigen::Matrix<T, Eigen::Dynamic, 1>;
};
template <class T, std::size_t R, std::size_t C>
struct eigen_type_of<tensor<T, R, C>> {
  using type = Eigen::Matrix<T, int(R), int(C)>;
};
template <class T>
struct eigen_type_of<dmat<T>> {
  using type = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
};

/// The extents of a tapeless vector or matrix as (rows, columns): a vector is a column.
template <class V>
std::pair<std::size_t, std::size_t> eigen_extents(V const& v) {
  if constexpr (rank_v<V> == 1)
    return {v.size(), 1};
  else
    return {v.rows(), v.cols()};
}

/// An Eigen shape, rows x columns (-1: dynamic), as a type for compile errors to print.
template <int R, int C>
struct eigen_shape {};
/// `eigen_shapes_fit<shape<...>, eigen_shape<...>, ok>` in a static_assert prints both shapes.
template <class A, class B, bool Ok>
struct eigen_shapes_fit {
  static constexpr bool value = Ok;
};

inline std::string eigen_extent_text(int e) { return e == Eigen::Dynamic ? "dynamic" : std::to_string(e); }

}  // namespace detail

/// A copy of a tl::vec, tl::mat, tl::dvec or tl::dmat (float, double or dual elements) as an Eigen
/// matrix: `to_eigen(x)(i, j)` is `x(i, j)` whatever the storage order (tapeless is row-major, Eigen
/// column-major by default). With no type given, a vector becomes a column (`Eigen::Matrix<T, N, 1>`,
/// or `Eigen::Matrix<T, Eigen::Dynamic, 1>` for a tl::dvec) and a matrix an `Eigen::Matrix<T, R, C>`
/// (dynamic for a tl::dmat). `tl::to_eigen<E>(x)` gives the Eigen matrix type E instead (a row vector,
/// a row-major or fixed-size matrix): a vector fills a row or a column of E, a matrix must have E's
/// shape. A static mismatch does not compile; a runtime one throws tl::shape_error naming both shapes.
///
///     tl::mat<double, 2, 3> a{{1, 2, 3}, {4, 5, 6}};
///     Eigen::Matrix<double, 2, 3> e = tl::to_eigen(a);                        // e(0, 2) == 3
///     auto r = tl::to_eigen<Eigen::RowVector3d>(tl::vec<double, 3>{1, 2, 3});  // a row
template <class E = void, class V>
  requires(value_type<V> && (detail::rank_v<V> == 1 || detail::rank_v<V> == 2))
auto to_eigen(V const& x) {
  using D = std::conditional_t<std::is_void_v<E>, typename detail::eigen_type_of<V>::type, E>;
  static_assert(std::is_void_v<E> || detail::eigen_object<D>,
                "tl::to_eigen<E>(x): E must be an Eigen matrix or array type, such as Eigen::Matrix<double, 3, 1>");
  if constexpr (detail::eigen_object<D>) {
    using T = detail::element_t<V>;
    static_assert(std::is_same_v<typename D::Scalar, T>,
                  "tl::to_eigen<E>(x): E's scalar type must be x's element type");
    constexpr int er = D::RowsAtCompileTime, ec = D::ColsAtCompileTime;
    auto const [r, c] = detail::eigen_extents(x);
    // A vector may fill a row or a column of E; a matrix fills E as it is.
    bool const as_row = detail::rank_v<V> == 1 && er == 1 && ec != 1;
    std::size_t const rows = as_row ? 1 : r, cols = as_row ? r : c;
    if constexpr (detail::is_static_v<V>) {
      constexpr auto s = [] {
        if constexpr (detail::rank_v<V> == 1)
          return std::pair{V::size(), std::size_t{1}};
        else
          return std::pair{V::rows(), V::cols()};
      }();
      constexpr std::size_t sr = s.first, sc = s.second;
      constexpr bool row = detail::rank_v<V> == 1 && er == 1 && ec != 1;
      constexpr std::size_t wr = row ? 1 : sr, wc = row ? sr : sc;
      static_assert(detail::eigen_shapes_fit<shape<wr, wc>, detail::eigen_shape<er, ec>,
                                             (er == Eigen::Dynamic || std::size_t(er) == wr) &&
                                                 (ec == Eigen::Dynamic || std::size_t(ec) == wc)>::value,
                    "tl::to_eigen<E>(x): x's shape (rows x columns, a vector as a column unless E is a row) "
                    "differs from E's static shape");
    }
    if ((er != Eigen::Dynamic && std::size_t(er) != rows) || (ec != Eigen::Dynamic && std::size_t(ec) != cols))
      throw shape_error("tl::to_eigen<E>(x): x's shape (" + std::to_string(rows) + ", " + std::to_string(cols) +
                        ") and E's shape (" + detail::eigen_extent_text(er) + ", " + detail::eigen_extent_text(ec) +
                        ") differ");
    D out(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    T const* p = x.data();  // row-major
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < cols; ++j) out(Eigen::Index(i), Eigen::Index(j)) = p[i * cols + j];
    return out;
  }
}

namespace detail {

/// The tapeless value holding an Eigen argument (a copy, element (i, j) for element (i, j)).
template <class E>
typename tapeless_value_of_eigen<E>::type from_eigen(Eigen::DenseBase<E> const& x) {
  using V = typename tapeless_value_of_eigen<E>::type;
  V v = make_value<V>([&] {
    if constexpr (rank_v<V> == 1)
      return extents<1>{std::size_t(x.size())};
    else
      return extents<2>{std::size_t(x.rows()), std::size_t(x.cols())};
  }());
  std::size_t const cols = std::size_t(x.cols());
  auto* p = v.data();
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      if constexpr (rank_v<V> == 1)
        p[std::size_t(i + j)] = x(i, j);  // one of i and j is 0
      else
        p[std::size_t(i) * cols + std::size_t(j)] = x(i, j);
    }
  return v;
}

/// Eigen arguments of the function transforms (api/detail/call.hpp's customisation point): f runs on
/// a tapeless copy; a gradient comes back in the argument's plain type, a Jacobian or Hessian as an
/// Eigen::Matrix.
template <class E>
  requires(eigen_object<E> && element<typename E::Scalar>)
struct foreign_argument<E> : std::true_type {
  using plain = typename E::PlainObject;
  using tapeless_type = typename tapeless_value_of_eigen<E>::type;

  static tapeless_type value_of(E const& x) { return from_eigen(x); }

  static plain gradient(tapeless_type const& g) {
    plain out;
    if constexpr (rank_v<tapeless_type> == 1) {
      Eigen::Index const n = Eigen::Index(g.size());
      if constexpr (E::RowsAtCompileTime == 1)
        out.resize(1, n);
      else
        out.resize(n, 1);
      for (Eigen::Index k = 0; k < n; ++k) out(k) = g.data()[k];
    } else {
      out.resize(Eigen::Index(g.rows()), Eigen::Index(g.cols()));
      for (Eigen::Index i = 0; i < out.rows(); ++i)
        for (Eigen::Index j = 0; j < out.cols(); ++j) out(i, j) = g(std::size_t(i), std::size_t(j));
    }
    return out;
  }

  /// J has shape(y) ++ shape(x), row-major: for a vector x, a scalar y's Jacobian is a row (1 x n) and a
  /// vector y's an m x n matrix.
  template <class J>
  static auto jacobian(J const& j) {
    constexpr std::size_t rank_y = rank_v<J> - rank_v<tapeless_type>;
    static_assert(rank_v<tapeless_type> == 1 && rank_y <= 1,
                  "tl::jacfwd(f)(x), tl::jacrev(f)(x), tl::jacobian(f)(x), tl::hessian(f)(x) with an Eigen x: x "
                  "must be an Eigen vector and f's output a number or a vector (the Jacobian with respect to a "
                  "matrix, or of a matrix, has rank 3 or more, which has no Eigen type); flatten x with "
                  "x.reshaped() or the output with tl::reshape");
    if constexpr (rank_v<tapeless_type> == 1 && rank_y <= 1) {
      using T = element_t<J>;
      constexpr int cols = E::SizeAtCompileTime;
      if constexpr (rank_y == 0) {
        return to_eigen<Eigen::Matrix<T, 1, cols>>(j);
      } else {
        constexpr int rows = [] {
          if constexpr (is_static_v<J>)
            return int(J::size()) / cols;
          else
            return Eigen::Dynamic;
        }();
        return to_eigen<Eigen::Matrix<T, rows, cols>>(j);
      }
    }
  }
};

}  // namespace detail
}  // namespace tapeless
