// Views over the caller's memory (expr/view.hpp): tl::constant_ref and tl::var_view of std::vector,
// std::span, std::array and C arrays, tl::constant of them, tl::gradient_into, and std containers as
// tl::var values and tl::grad arguments. Gradients are checked against the exact derivative and central
// differences taken through the caller's memory (which also shows that each evaluation reads it again).
#define BOOST_TEST_MODULE views
#include <boost/test/unit_test.hpp>

#include <array>
#include <numeric>
#include <cmath>
#include <span>
#include <stdexcept>
#include <vector>

#include <support/compare.hpp>
#include <tapeless/tapeless.hpp>

namespace tl = tapeless;

namespace {

std::size_t const sizes[] = {1, 3, 7, 9, 17, 1000};

template <class T>
std::vector<T> data_of(std::size_t n, double shift = 0.0) {
  std::vector<T> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = T(0.3 + 0.01 * double(i) + shift);
  return x;
}

// y = sum(sin(v) * v): dy/dv_i = cos(v_i) v_i + sin(v_i).
template <class E>
auto objective(E const& v) {
  return tl::sum(tl::sin(v) * v);
}
template <class T>
std::vector<double> exact_gradient(T const* x, std::size_t n) {
  std::vector<double> g(n);
  for (std::size_t i = 0; i < n; ++i) g[i] = std::cos(double(x[i])) * double(x[i]) + std::sin(double(x[i]));
  return g;
}

// Central differences of tl::value(y) in each element of the caller's memory x (restored after).
template <class T, class Y>
std::vector<double> central_differences(T* x, std::size_t n, Y const& y) {
  std::vector<double> g(n);
  double const h = support::tol<T>.own_fd_step;
  for (std::size_t i = 0; i < n; ++i) {
    T const x0 = x[i];
    x[i] = T(x0 + h);
    double const fp = double(tl::value(y));
    x[i] = T(x0 - h);
    double const fm = double(tl::value(y));
    x[i] = x0;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

// The checks every source of runtime extents gets: the value type, the gradient (exact and by
// central differences through the caller's memory), gradient_into, and a change of the data seen.
template <class T, class Source>
void check_var_view(Source& src, T* x, std::size_t n) {
  auto v = tl::var_view(src);
  static_assert(std::is_same_v<decltype(v), tl::var<tl::dvec<T>>>);
  auto const y = objective(v);
  BOOST_TEST(support::close_all(tl::gradient(y, v), exact_gradient(x, n), support::tol<T>.analytic));
  if (n <= 17) BOOST_TEST(support::close_all(tl::gradient(y, v), central_differences(x, n, y), support::tol<T>.fd_own));
  std::vector<T> into(n);
  tl::gradient_into(into, y, v);
  BOOST_TEST(support::close_all(into, exact_gradient(x, n), support::tol<T>.analytic));
  x[n - 1] = T(2.0);
  BOOST_TEST(support::close_all(tl::gradient(y, v), exact_gradient(x, n), support::tol<T>.analytic));
}

template <class T, std::size_t N>
void check_static_sources() {
  std::array<T, N> a;
  auto const d = data_of<T>(N);
  std::copy(d.begin(), d.end(), a.begin());
  T c[N];
  std::copy(d.begin(), d.end(), c);
  std::span<T, N> s(c);

  auto va = tl::var_view(a);
  auto vc = tl::var_view(c);
  auto vs = tl::var_view(s);
  static_assert(std::is_same_v<decltype(va), tl::var<tl::vec<T, N>>>);
  static_assert(std::is_same_v<decltype(vc), tl::var<tl::vec<T, N>>>);
  static_assert(std::is_same_v<decltype(vs), tl::var<tl::vec<T, N>>>);
  auto const y = objective(va) + objective(vc) + objective(vs);
  auto [ga, gc, gs] = tl::gradient(y, tl::wrt(va, vc, vs));
  static_assert(std::is_same_v<decltype(ga), tl::vec<T, N>>);
  BOOST_TEST(support::close_all(ga, exact_gradient(a.data(), N), support::tol<T>.analytic));
  BOOST_TEST(support::close_all(gc, exact_gradient(c, N), support::tol<T>.analytic));
  BOOST_TEST(support::close_all(gs, exact_gradient(c, N), support::tol<T>.analytic));
  BOOST_TEST(support::close_all(ga, central_differences(a.data(), N, y), support::tol<T>.fd_own));

  // constant_ref of the same sources, read again at each evaluation; static extents are copied per evaluation.
  tl::var<tl::vec<T, N>> w;
  auto const z = tl::sum((tl::constant_ref(a) + tl::constant_ref(c) + tl::constant_ref(std::span<T const, N>(c))) * w);
  a[N - 1] = T(5);
  c[0] = T(7);
  std::vector<double> want(N);
  for (std::size_t i = 0; i < N; ++i) want[i] = double(a[i]) + 2.0 * double(c[i]);
  BOOST_TEST(support::close_all(tl::gradient(z, w), want, support::tol<T>.value));

  std::array<T, N> into{};
  tl::gradient_into(into, y, va);
  BOOST_TEST(support::close_all(into, exact_gradient(a.data(), N), support::tol<T>.analytic));
}

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(var_view_of_runtime_sources, T, support::float_types) {
  for (std::size_t n : sizes) {
    BOOST_TEST_CONTEXT("n = " << n) {
      auto x = data_of<T>(n);
      check_var_view<T>(x, x.data(), n);
      auto y = data_of<T>(n);
      std::span<T> s(y);
      check_var_view<T>(s, y.data(), n);
      auto z = data_of<T>(n);
      std::span<T const> cs(z);
      check_var_view<T>(cs, z.data(), n);
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(views_of_static_sources, T, support::float_types) {
  check_static_sources<T, 1>();
  check_static_sources<T, 3>();
  check_static_sources<T, 7>();
  check_static_sources<T, 9>();
  check_static_sources<T, 17>();
}

BOOST_AUTO_TEST_CASE_TEMPLATE(constant_ref_of_runtime_sources, T, support::float_types) {
  for (std::size_t n : sizes) {
    BOOST_TEST_CONTEXT("n = " << n) {
      auto x = data_of<T>(n);
      tl::var<tl::dvec<T>> w{tl::dvec<T>(n, T(1))};
      auto const y = tl::sum(tl::constant_ref(x) * tl::sin(w)) + tl::sum(tl::constant_ref(std::span<T const>(x)));
      std::vector<double> want(n);
      for (std::size_t i = 0; i < n; ++i) want[i] = double(x[i]) * std::cos(1.0);
      BOOST_TEST(support::close_all(tl::gradient(y, w), want, support::tol<T>.value));
      x[0] = T(4);  // seen at the next evaluation
      want[0] = 4.0 * std::cos(1.0);
      BOOST_TEST(support::close_all(tl::gradient(y, w), want, support::tol<T>.value));
      double sum = 0;
      for (std::size_t i = 0; i < n; ++i) sum += double(x[i]) * std::sin(1.0) + double(x[i]);
      BOOST_TEST(support::close(double(tl::value(y)), sum, support::tol<T>.value * double(n)));
      // tl::constant copies: a later change is not seen.
      auto const c = tl::constant(x);
      static_assert(std::is_same_v<decltype(tl::value(c)), tl::dvec<T>>);
      x[0] = T(9);
      BOOST_TEST(double(tl::value(c)[0]) == 4.0);
      BOOST_TEST(double(tl::value(tl::constant_ref(x))[0]) == 9.0);
    }
  }
}

// A vector that reallocated is read at its new place (under AddressSanitizer a read of the old block
// would be reported), with its new size; the view's gradient has the new size too.
BOOST_AUTO_TEST_CASE(reallocated_vector_is_read_where_it_is) {
  std::vector<double> x = data_of<double>(3);
  x.shrink_to_fit();
  auto v = tl::var_view(x);
  auto const c = tl::constant_ref(x);
  auto const y = objective(v) + tl::sum(c);
  BOOST_TEST(tl::gradient(y, v).size() == 3u);
  double const* old = x.data();
  x.resize(1000, 0.5);
  BOOST_TEST(x.data() != old);
  auto const g = tl::gradient(y, v);
  BOOST_TEST(g.size() == 1000u);
  BOOST_TEST(support::close_all(g, exact_gradient(x.data(), x.size()), support::tol<double>.analytic));
  double want = 0;
  for (double xi : x) want += std::sin(xi) * xi + xi;
  BOOST_TEST(support::close(tl::value(y), want, 1e-12 * 1000));
  x.clear();
  x.shrink_to_fit();
  BOOST_TEST(tl::gradient(y, v).size() == 0u);
  BOOST_TEST(tl::value(y) == 0.0);
}

BOOST_AUTO_TEST_CASE(view_in_the_gradient_api) {
  std::vector<double> x = {0.5, 1.5, -0.25};
  auto v = tl::var_view(x);
  tl::var<double> k{2.0};
  auto const y = tl::sum(k * v * v);
  // wrt with another var, and value_and_gradient.
  auto [value, grads] = tl::value_and_gradient(y, tl::wrt(v, k));
  auto const& [gv, gk] = grads;
  BOOST_TEST(support::close(value, 2.0 * (0.25 + 2.25 + 0.0625), 1e-15));
  BOOST_TEST(support::close_all(gv, {2.0, 6.0, -1.0}, 1e-15));
  BOOST_TEST(support::close(gk, 0.25 + 2.25 + 0.0625, 1e-15));
  // seeds and outputs.
  auto const e = v * v;
  BOOST_TEST(support::close_all(tl::gradient(e, v, tl::seeds(tl::dvec<double>{1.0, 0.0, 2.0})), {1.0, 0.0, -1.0}, 1e-15));
  BOOST_TEST(support::close_all(tl::gradient(tl::outputs(tl::sum(e), tl::sum(v)), v), {2.0, 4.0, 0.5}, 1e-15));
  // stop_at through a let.
  auto const b = tl::let(v * v);
  BOOST_TEST(support::close_all(tl::gradient(tl::sum(b * v), v, tl::stop_at(b)), {0.25, 2.25, 0.0625}, 1e-15));
  // jacobian: d(v * v)/dv = diag(2 v), against the view's own forward mode.
  auto const J = tl::jacobian(e, v);
  BOOST_TEST(J.rows() == 3u);
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 3; ++j) BOOST_TEST(J(i, j) == (i == j ? 2.0 * x[i] : 0.0));
  // An input y does not depend on gets zeros of the view's current size.
  std::vector<double> other(5, 1.0);
  auto u = tl::var_view(other);
  BOOST_TEST(support::close_all(tl::gradient(y, u), {0.0, 0.0, 0.0, 0.0, 0.0}, 0.0));
}

BOOST_AUTO_TEST_CASE(gradient_into_writes_nothing_on_a_shape_error) {
  std::vector<double> x = {1.0, 2.0, 3.0};
  auto v = tl::var_view(x);
  tl::var<double> k{3.0};
  auto const y = tl::sum(k * v);
  std::vector<double> wrong(2, -1.0), right(3, -1.0);
  BOOST_CHECK_EXCEPTION(tl::gradient_into(wrong, y, v), tl::shape_error, [](tl::shape_error const& e) {
    return std::string(e.what()) == "tl::gradient_into(dest, ...): dest's and the gradient's shapes (2) and (3) differ";
  });
  BOOST_TEST(wrong == std::vector<double>(2, -1.0));
  double gk = -1.0;
  BOOST_CHECK_THROW(tl::gradient_into(std::tie(gk, wrong), y, tl::wrt(k, v)), tl::shape_error);
  BOOST_TEST(gk == -1.0);  // every destination is checked before any is written
  tl::gradient_into(std::tie(right, gk), y, tl::wrt(v, k));
  BOOST_TEST(right == (std::vector<double>{3.0, 3.0, 3.0}));
  BOOST_TEST(gk == 6.0);
  tl::dvec<double> into(3);
  tl::gradient_into(into, y, v);
  BOOST_TEST(support::close_all(into, {3.0, 3.0, 3.0}, 0.0));
}

BOOST_AUTO_TEST_CASE(std_containers_as_vars_and_grad_arguments) {
  tl::var a{std::vector<double>{1.0, 2.0}};
  static_assert(std::is_same_v<decltype(a), tl::var<tl::dvec<double>>>);
  tl::var b{std::array<float, 3>{1.0f, 2.0f, 3.0f}};
  static_assert(std::is_same_v<decltype(b), tl::var<tl::vec<float, 3>>>);
  BOOST_TEST(support::close_all(tl::gradient(tl::sum(a * a), a), {2.0, 4.0}, 0.0));
  BOOST_TEST(support::close_all(tl::gradient(tl::sum(b * b), b), {2.0, 4.0, 6.0}, 0.0));

  auto const f = [](auto const& x) { return objective(x); };
  std::vector<double> x = data_of<double>(7);
  std::vector<double> const gx = tl::grad(f)(x);
  BOOST_TEST(support::close_all(gx, exact_gradient(x.data(), 7), support::tol<double>.analytic));
  std::array<float, 3> const xa{0.5f, 1.0f, 1.5f};
  std::array<float, 3> const ga = tl::grad(f)(xa);
  BOOST_TEST(support::close_all(ga, exact_gradient(xa.data(), 3), support::tol<float>.analytic));
  std::vector<double> const gs = tl::grad(f)(std::span<double const>(x));
  BOOST_TEST(support::close_all(gs, gx, 0.0));
  std::array<double, 2> const gsn = tl::grad(f)(std::span<double const, 2>(x.data(), 2));
  BOOST_TEST(support::close_all(gsn, {gx[0], gx[1]}, 0.0));
  auto const [g1, g2] = tl::grad([](auto const& p, auto const& q) { return tl::sum(p * q); })(x, 2.0);
  static_assert(std::is_same_v<std::remove_const_t<decltype(g1)>, std::vector<double>>);
  BOOST_TEST(support::close_all(g1, std::vector<double>(7, 2.0), 0.0));
  BOOST_TEST(support::close(g2, std::accumulate(x.begin(), x.end(), 0.0), 1e-15));
  auto const [value, gv] = tl::value_and_grad(f)(x);
  static_assert(std::is_same_v<std::remove_const_t<decltype(gv)>, std::vector<double>>);
  BOOST_TEST(support::close(value, tl::value(objective(tl::constant(x))), 1e-15));
  BOOST_TEST(support::close_all(gv, gx, 0.0));
}

// The other transforms take standard containers too (one customisation point with Eigen's,
// api/detail/call.hpp): the Jacobian or Hessian comes back as the tapeless matrix, equal to the one for
// the same values as a tl::dvec or tl::vec.
BOOST_AUTO_TEST_CASE(std_containers_as_jacobian_and_hessian_arguments) {
  auto const map = [](auto const& x) { return tl::exp(x) * x; };
  auto const f = [](auto const& x) { return objective(x); };
  std::vector<double> const x = data_of<double>(5);
  tl::dvec<double> const xd(std::span<double const>(x.data(), x.size()));
  tl::dmat<double> const jf = tl::jacfwd(map)(x);
  BOOST_TEST((jf == tl::jacfwd(map)(xd)));
  BOOST_TEST((tl::dmat<double>(tl::jacrev(map)(x)) == tl::jacrev(map)(xd)));
  std::array<double, 3> const xa{0.5, 1.0, 1.5};
  tl::vec<double, 3> const xv{0.5, 1.0, 1.5};
  tl::mat<double, 3, 3> const h = tl::hessian(f)(xa);
  BOOST_TEST((h == tl::hessian(f)(xv)));
  BOOST_TEST(h(1, 1) != 0.0);
}

namespace {
struct samples {  // a user's contiguous range: begin() and end() are pointers
  float* first;
  std::size_t n;
  float* begin() const { return first; }
  float* end() const { return first + n; }
};
}  // namespace

BOOST_AUTO_TEST_CASE(other_contiguous_ranges) {
  std::vector<float> x = data_of<float>(9);
  samples const tail{x.data() + 2, 7};
  auto const c = tl::constant_ref(tail);
  static_assert(std::is_same_v<decltype(tl::value(c)), tl::dvec<float>>);
  BOOST_TEST(tl::value(c).size() == 7u);
  x[2] = 8.0f;
  BOOST_TEST(tl::value(c)[0] == 8.0f);
  auto v = tl::var_view(tail);
  BOOST_TEST(support::close_all(tl::gradient(objective(v), v), exact_gradient(x.data() + 2, 7), support::tol<float>.analytic));
}

BOOST_AUTO_TEST_CASE(view_lifetime_and_assignment) {
  std::vector<double> x = {1.0, 2.0};
  auto v = tl::var_view(x);
  BOOST_CHECK_THROW((v = tl::dvec<double>{3.0, 4.0}), std::logic_error);
  BOOST_TEST(support::close_all(v.value(), {1.0, 2.0}, 0.0));
  // A view moved into another var stays a view of the same memory.
  auto w = std::move(v);
  x[1] = 5.0;
  BOOST_TEST(support::close_all(w.value(), {1.0, 5.0}, 0.0));
  BOOST_TEST(support::close_all(tl::gradient(tl::sum(w * w), w), {2.0, 10.0}, 0.0));
#if TAPELESS_CHECKS
  auto const make = [&x] {
    auto u = tl::var_view(x);
    return tl::sum(u * 2.0);  // refers to u, destroyed on return
  };
  BOOST_CHECK_THROW(tl::value(make()), tl::lifetime_error);
#endif
}
