// tl::dual<T, N>'s tangent lanes (Highway vectors for float and double) at lane counts that leave
// SIMD tails, against the same rules lane by lane; products of plain constants with duals (matmul),
// which scale the tangents instead of promoting the constants; tl::simd_lanes_v and tl::simd_dual.
#define BOOST_TEST_MODULE forward_lanes
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <vector>

#include <tapeless/tapeless.hpp>  // and Highway, configured as tapeless/kernels/highway.h needs

namespace {

using reals = std::tuple<float, double>;

template <class T>
T tol() {
  return std::is_same_v<T, float> ? T(1e-6) : T(1e-15);
}
template <class T>
bool close(T a, T b) {
  return std::abs(a - b) <= tol<T>() * std::max(T(1), std::abs(b));
}

template <class T, std::size_t N>
tl::dual<T, N> make(T v, T scale) {
  tl::dual<T, N> d;
  d.value = v;
  for (std::size_t k = 0; k < N; ++k) d.tangent[k] = scale * T(std::sin(double(k) + 0.5));
  return d;
}

/// Every arithmetic rule and a few functions at N lanes, against the rule written per lane.
template <class T, std::size_t N>
void check_lanes() {
  auto const a = make<T, N>(T(1.3), T(1));
  auto const b = make<T, N>(T(-0.7), T(0.5));
  auto const sum = a + b, diff = a - b, prod = a * b, quot = a / b, neg = -a;
  auto const scaled = T(3) * a, shifted = a + T(2), rdiff = T(2) - a, halved = a / T(2), pw = tl::pow(a, b * b);
  auto const ex = tl::exp(a), sn = tl::sin(b);
  T const vq = a.value / b.value, vp = std::pow(a.value, b.value * b.value);
  for (std::size_t k = 0; k < N; ++k) {
    T const da = a.tangent[k], db = b.tangent[k];
    BOOST_TEST(close(sum.tangent[k], da + db), "N = " << N << ", lane " << k);
    BOOST_TEST(close(diff.tangent[k], da - db), "N = " << N << ", lane " << k);
    BOOST_TEST(close(prod.tangent[k], da * b.value + a.value * db), "N = " << N << ", lane " << k);
    BOOST_TEST(close(quot.tangent[k], (da - vq * db) / b.value), "N = " << N << ", lane " << k);
    BOOST_TEST(neg.tangent[k] == -da);
    BOOST_TEST(close(scaled.tangent[k], 3 * da));
    BOOST_TEST(shifted.tangent[k] == da);
    BOOST_TEST(rdiff.tangent[k] == -da);
    BOOST_TEST(close(halved.tangent[k], da / 2));
    T const bb = b.value * b.value, dbb = 2 * b.value * db;
    BOOST_TEST(close(pw.tangent[k], bb * std::pow(a.value, bb - 1) * da + vp * std::log(a.value) * dbb),
               "N = " << N << ", lane " << k);
    BOOST_TEST(close(ex.tangent[k], std::exp(a.value) * da));
    BOOST_TEST(close(sn.tangent[k], std::cos(b.value) * db));
  }
  BOOST_TEST(close(prod.value, a.value * b.value));
  BOOST_TEST(shifted.value == a.value + 2);
  BOOST_TEST(rdiff.value == 2 - a.value);
  // A constant's tangents are zero, and compound assignment works lane by lane too.
  tl::dual<T, N> c(T(4));
  c += a;
  c *= T(2);
  for (std::size_t k = 0; k < N; ++k) BOOST_TEST(close(c.tangent[k], 2 * a.tangent[k]));
}

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(tangent_lanes_at_tail_sizes, T, reals) {
  // Lanes per vector here: 16 floats or 8 doubles with AVX-512, fewer elsewhere; these counts leave
  // tails on every target.
  check_lanes<T, 1>();
  check_lanes<T, 2>();
  check_lanes<T, 3>();
  check_lanes<T, 7>();
  check_lanes<T, 8>();
  check_lanes<T, 9>();
  check_lanes<T, 15>();
  check_lanes<T, 17>();
  check_lanes<T, 64>();
  check_lanes<T, 65>();
}

BOOST_AUTO_TEST_CASE(wide_tangents_start_on_a_cache_line) {
  static_assert(alignof(tl::dual<double, 64>) == 64);
  static_assert(alignof(tl::dual<float, 64>) == 64);
  static_assert(alignof(tl::dual<double, 8>) == alignof(double));  // narrow duals are not padded
  static_assert(sizeof(tl::dual<double, 2>) == 3 * sizeof(double));
  tl::dvec<tl::dual<double, 64>> v(3);  // heap storage honours the alignment
  for (std::size_t i = 0; i < 3; ++i)
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(v[i].tangent.data()) % 64 == 0u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(plain_constants_times_duals, T, reals) {
  // matmul(W, x) with W of plain reals and x of duals, in every arrangement, against W's own rows:
  // the tangent of (W x)_i is sum_j W_ij dx_j.
  constexpr std::size_t n = 5, m = 3, L = 9;
  using D = tl::dual<T, L>;
  tl::mat<T, m, n> W;
  tl::vec<D, n> x;
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) W(i, j) = T(0.1) * T(i + 1) - T(0.07) * T(j);
  for (std::size_t j = 0; j < n; ++j) x[j] = make<T, L>(T(0.2) * T(j) - T(0.3), T(j + 1));
  tl::var<tl::vec<D, n>> xv{x};
  auto expect = [&](auto const& y, bool transposed_row) {
    for (std::size_t i = 0; i < m; ++i) {
      T v{};
      std::array<T, L> t{};
      for (std::size_t j = 0; j < n; ++j) {
        v += W(i, j) * x[j].value;
        for (std::size_t k = 0; k < L; ++k) t[k] += W(i, j) * x[j].tangent[k];
      }
      BOOST_TEST(close(y[i].value, v), (transposed_row ? "x^T W^T" : "W x") << ", row " << i);
      for (std::size_t k = 0; k < L; ++k) BOOST_TEST(close(y[i].tangent[k], t[k]));
    }
  };
  tl::vec<D, m> const a = tl::value(tl::matmul(W, xv));
  static_assert(std::is_same_v<typename decltype(tl::matmul(W, xv))::value_type, tl::vec<D, m>>);
  expect(a, false);
  expect(tl::value(tl::matmul(tl::constant_ref(W), xv)), false);
  expect(tl::value(tl::matmul(xv, tl::transpose(W))), true);
  // Runtime extents.
  tl::dmat<T> Wd(m, n);
  tl::dvec<D> xd(n);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) Wd(i, j) = W(i, j);
  for (std::size_t j = 0; j < n; ++j) xd[j] = x[j];
  tl::var<tl::dvec<D>> xdv{xd};
  expect(tl::value(tl::matmul(Wd, xdv)), false);
  // The wrong inner dimension is still reported.
  tl::dmat<T> bad(m, n + 1);
  BOOST_CHECK_THROW(tl::value(tl::matmul(bad, xdv)), tl::shape_error);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(plain_constants_in_jacobians_and_hessians, T, reals) {
  // jacfwd (duals forward) and hessian (duals through the reverse sweep) of functions with a constant
  // matrix, against closed forms: J = diag(1 - t^2) W, H = W^T diag(2) W + W^T diag(...) terms.
  constexpr std::size_t n = 6;
  tl::mat<T, n, n> W;
  tl::vec<T, n> x;
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = T(0.1) * T(i) - T(0.2);
    for (std::size_t j = 0; j < n; ++j) W(i, j) = T(0.05) * T((i * 7 + j * 3) % 11) - T(0.2);
  }
  auto map = [&W](auto const& v) { return tl::tanh(tl::matmul(W, v)); };
  auto const J = tl::jacfwd(map)(x);
  auto const Jr = tl::jacrev(map)(x);
  // f = sum(square(W v)) / 2: H = W^T W.
  auto quad = [&W](auto const& v) { return 0.5 * tl::sum(tl::square(tl::matmul(W, v))); };
  auto const H = tl::hessian(quad)(x);
  for (std::size_t i = 0; i < n; ++i) {
    T z{};
    for (std::size_t j = 0; j < n; ++j) z += W(i, j) * x[j];
    T const t = std::tanh(z);
    for (std::size_t j = 0; j < n; ++j) {
      BOOST_TEST(close(J(i, j), (1 - t * t) * W(i, j)));
      BOOST_TEST(close(Jr(i, j), J(i, j)));
      T h{};
      for (std::size_t k = 0; k < n; ++k) h += W(k, i) * W(k, j);
      BOOST_TEST(close(H(i, j), h), "H(" << i << ", " << j << ")");
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(duals_times_duals_accumulate_in_place, T, reals) {
  // Both factors carry tangents: (M x)_i has tangent sum_j (dM_ij x_j + M_ij dx_j).
  constexpr std::size_t n = 4, L = 9;
  using D = tl::dual<T, L>;
  tl::mat<D, n, n> M;
  tl::vec<D, n> x;
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = make<T, L>(T(0.3) * T(i) - T(0.4), T(i + 1));
    for (std::size_t j = 0; j < n; ++j) M(i, j) = make<T, L>(T(0.1) * T(i + 2 * j), T(0.5) - T(0.1) * T(j));
  }
  tl::var<tl::mat<D, n, n>> Mv{M};
  tl::var<tl::vec<D, n>> xv{x};
  tl::vec<D, n> const y = tl::value(tl::matmul(Mv, xv));
  for (std::size_t i = 0; i < n; ++i) {
    T v{};
    std::array<T, L> t{};
    for (std::size_t j = 0; j < n; ++j) {
      v += M(i, j).value * x[j].value;
      for (std::size_t k = 0; k < L; ++k) t[k] += M(i, j).tangent[k] * x[j].value + M(i, j).value * x[j].tangent[k];
    }
    BOOST_TEST(close(y[i].value, v));
    for (std::size_t k = 0; k < L; ++k) BOOST_TEST(close(y[i].tangent[k], t[k]), "row " << i << ", lane " << k);
  }
  // The accumulator may be one of the factors: acc += acc * acc is the product rule on the old acc.
  D acc = make<T, L>(T(2), T(1));
  D const old = acc;
  multiply_add(acc, acc, acc);
  BOOST_TEST(close(acc.value, T(6)));
  for (std::size_t k = 0; k < L; ++k) BOOST_TEST(close(acc.tangent[k], old.tangent[k] * (1 + 2 * old.value)));
}

BOOST_AUTO_TEST_CASE(pow_takes_the_log_term_only_where_the_exponent_moves) {
  // b = x y - y x cancels exactly in every lane, on every target: pow(-2, b) stays finite.
  using D = tl::dual<double, 8>;
  D const x = make<double, 8>(1.3, 1.0), y = make<double, 8>(-0.7, 0.5);
  D const b = x * y - y * x;
  for (std::size_t k = 0; k < 8; ++k) BOOST_TEST(b.tangent[k] == 0.0);
  D const p = tl::pow(D(-2.0), b);
  BOOST_TEST(p.value == 1.0);
  for (std::size_t k = 0; k < 8; ++k) BOOST_TEST(p.tangent[k] == 0.0);
  // The exponent moves in lane 0 only, the base in every lane: lane 0 has no real derivative (a
  // negative base), the others keep the base's term.
  D a = make<double, 8>(-1.5, 1.0), e(2.0);
  e.tangent[0] = 1.0;
  D const q = tl::pow(a, e);
  BOOST_TEST(std::isnan(q.tangent[0]));
  for (std::size_t k = 1; k < 8; ++k) BOOST_TEST(q.tangent[k] == 2 * -1.5 * a.tangent[k]);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(element_by_element_evaluation_equals_node_by_node, T, reals) {
  // jacfwd's evaluator (expr/pointwise.hpp) against the nodes' own forward passes, on a tree with
  // scalar leaves, a promoted constant, a matmul leaf and nested unary and binary nodes.
  constexpr std::size_t n = 7, L = 5;
  using D = tl::dual<T, L>;
  tl::vec<D, n> x;
  tl::mat<T, n, n> W;
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = make<T, L>(T(0.15) * T(i) - T(0.4), T(i + 1));
    for (std::size_t j = 0; j < n; ++j) W(i, j) = T(0.03) * T((i + 2 * j) % 5);
  }
  tl::var<tl::vec<D, n>> xv{x};
  tl::var<D> s{make<T, L>(T(0.8), T(0.25))};
  tl::vec<T, n> c;
  for (std::size_t i = 0; i < n; ++i) c[i] = T(1) + T(0.1) * T(i);
  auto const y = tl::tanh(tl::matmul(tl::constant_ref(W), xv)) * s + tl::exp(-tl::square(xv - tl::sum(xv))) / c +
                 tl::sigmoid(2.0 * xv);
  // The elements one at a time, as tl::jacfwd takes them (and how many it was told there are).
  auto const elements_of = [](auto const& e) {
    tl::detail::sweep sw;
    std::vector<D> out;
    std::size_t count = 0;
    tl::detail::for_each_element_pointwise(
        tl::detail::as_node(e), sw, [&](std::size_t c) { count = c; },
        [&](std::size_t i, D const& v) {
          BOOST_TEST(i == out.size());
          out.push_back(v);
        });
    BOOST_TEST(out.size() == count);
    return out;
  };
  auto const by_element = elements_of(y);
  auto const by_node = tl::value(y);
  for (std::size_t i = 0; i < n; ++i) {
    BOOST_TEST(close(by_element[i].value, by_node[i].value));
    for (std::size_t k = 0; k < L; ++k) BOOST_TEST(close(by_element[i].tangent[k], by_node[i].tangent[k]));
  }
  // Runtime extents.
  tl::dvec<D> xd(n);
  for (std::size_t i = 0; i < n; ++i) xd[i] = x[i];
  tl::var<tl::dvec<D>> xdv{xd};
  auto const z = tl::sin(xdv) * xdv + 1.0;
  auto const zd = elements_of(z);
  auto const zn = tl::value(z);
  BOOST_TEST(zd.size() == n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < L; ++k) BOOST_TEST(close(zd[i].tangent[k], zn[i].tangent[k]));
}

namespace {

/// A determinant by cofactor expansion along the first row, each minor copied out: scalar code
/// written once over its scalar, as users write it for tl::dual.
template <class T>
T det(std::vector<T> const& a, std::size_t m) {
  if (m == 1) return a[0];
  T s(0.0);
  for (std::size_t c = 0; c < m; ++c) {
    std::vector<T> minor;
    for (std::size_t i = 1; i < m; ++i)
      for (std::size_t j = 0; j < m; ++j)
        if (j != c) minor.push_back(a[i * m + j]);
    T const term = a[c] * det(minor, m - 1);
    s = c % 2 ? s - term : s + term;
  }
  return s;
}

/// The gradient of det at x (m x m) by ceil(m^2 / N) passes on duals D of N lanes, N = D::lanes.
template <class D>
std::vector<double> det_gradient(std::vector<double> const& x, std::size_t m) {
  constexpr std::size_t N = D::lanes;
  std::size_t const n = x.size();
  std::vector<double> g(n);
  std::vector<D> xd(n);
  for (std::size_t j0 = 0; j0 < n; j0 += N) {
    for (std::size_t i = 0; i < n; ++i) {
      xd[i] = D(x[i]);
      if (i >= j0 && i - j0 < N) xd[i].tangent[i - j0] = 1.0;
    }
    D const y = det(xd, m);
    for (std::size_t k = 0; k < N && j0 + k < n; ++k) g[j0 + k] = y.tangent[k];
  }
  return g;
}

std::vector<double> matrix(std::size_t m) {
  std::vector<double> x(m * m);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(1.7 * double(i) + 0.3);
  return x;
}

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(simd_lanes_are_the_targets_vector_width, T, reals) {
  namespace hn = hwy::HWY_NAMESPACE;
  std::size_t const at_run_time = hn::Lanes(hn::ScalableTag<T>());
  if constexpr (HWY_HAVE_SCALABLE)
    BOOST_TEST(tl::simd_lanes_v<T> >= at_run_time);  // an upper bound where the width is chosen at run time
  else
    BOOST_TEST(tl::simd_lanes_v<T> == at_run_time);
  static_assert(tl::simd_lanes_v<T> >= 1);
  static_assert(tl::simd_lanes_v<tl::dual<T>> == tl::simd_lanes_v<T>);
  static_assert(tl::simd_lanes_v<tl::dual<tl::dual<T, 3>>> == tl::simd_lanes_v<T>);
  static_assert(tl::simd_lanes_v<tl::jet<T, 2>> == tl::simd_lanes_v<T>);
  static_assert(tl::simd_dual<T>::lanes == tl::simd_lanes_v<T>);
  static_assert(std::is_same_v<tl::simd_dual<T>, tl::dual<T, tl::simd_lanes_v<T>>>);
  // The default stays one lane: a nested dual for a second derivative has 4 components, not 81.
  static_assert(tl::dual<T>::lanes == 1);
  static_assert(sizeof(tl::dual<tl::dual<T>>) == 4 * sizeof(T));
}

BOOST_AUTO_TEST_CASE(a_jacobian_on_simd_duals_equals_one_lane_at_a_time) {
  // Each lane's tangent is the same sum of the same products whatever the lane count (tangent-inl.h
  // multiplies and adds separately, as the scalar loop does).
  for (std::size_t m : {3u, 4u}) {
    auto const x = matrix(m);
    auto const one = det_gradient<tl::dual<double, 1>>(x, m);
    auto const wide = det_gradient<tl::simd_dual<double>>(x, m);
    auto const wider = det_gradient<tl::dual<double, 2 * tl::simd_lanes_v<double> + 1>>(x, m);  // a tail too
    for (std::size_t j = 0; j < x.size(); ++j) {
      BOOST_TEST(wide[j] == one[j], "m = " << m << ", entry " << j);
      BOOST_TEST(wider[j] == one[j], "m = " << m << ", entry " << j);
    }
  }
  // The 2 x 2 case in closed form: d(ad - bc) = (d, -c, -b, a).
  std::vector<double> const x{1.5, -2.0, 0.25, 3.0};
  auto const g = det_gradient<tl::simd_dual<double>>(x, 2);
  BOOST_TEST(g == (std::vector<double>{3.0, -0.25, 2.0, 1.5}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(simd_duals_nest) {
  // A second derivative over many directions: the outer lane along input p, the inner simd lanes along
  // inputs 0 ... L - 1, so y.tangent[0].tangent[k] = d2 det / dx_p dx_k, against one lane at each level.
  constexpr std::size_t m = 4, p = 5, L = tl::simd_lanes_v<double>;
  auto const x = matrix(m);
  using Wide = tl::dual<tl::simd_dual<double>>;
  using One = tl::dual<tl::dual<double>>;
  std::vector<Wide> xw(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    xw[i] = Wide(tl::simd_dual<double>(x[i]));
    if (i < L) xw[i].value.tangent[i] = 1.0;
    if (i == p) xw[i].tangent[0] = tl::simd_dual<double>(1.0);
  }
  Wide const yw = det(xw, m);
  for (std::size_t k = 0; k < L && k < x.size(); ++k) {
    std::vector<One> xo(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      xo[i] = One(tl::dual<double>(x[i]));
      if (i == k) xo[i].value.tangent[0] = 1.0;
      if (i == p) xo[i].tangent[0] = tl::dual<double>(1.0);
    }
    One const yo = det(xo, m);
    BOOST_TEST(close(yw.tangent[0].tangent[k], yo.tangent[0].tangent[0]), "lane " << k);
    BOOST_TEST(close(yw.value.tangent[k], yo.value.tangent[0]), "lane " << k);
  }
  BOOST_TEST(close(yw.value.value, det(x, m)));
  // The other way round: simd lanes of nested duals.
  tl::simd_dual<tl::dual<double>> z(tl::dual<double>(2.0, {1.0}));
  z.tangent[0] = tl::dual<double>(1.0);
  auto const c = z * z * z;  // d2/dt ds (t + s + 2)^3 = 6 (2) = 12
  BOOST_TEST(c.tangent[0].tangent[0] == 12.0);
  static_assert(decltype(c)::lanes == tl::simd_lanes_v<double>);
}
