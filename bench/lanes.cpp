// lanes: what the lane count N of tl::dual<double, N> costs. Two small functions, each written once as
// a template over its scalar, and their full Jacobians by forward mode: ceil(n / N) evaluations on
// duals whose N tangent lanes point along N inputs, at N = 1, 4, 8, 16 and 32. Size = n, the inputs.
//   lanes_det  the determinant of an m x m matrix by cofactor (minors) expansion along the rows,
//              m = 4 and 5 (16 and 25 inputs, one output); O(m!) operations
//   lanes_ode  the right-hand side of a discretised nonlinear reaction-diffusion equation on a ring of
//              n = 8 and 16 points, R^n -> R^n (sin, exp, products of neighbours)
// Rows:
//   function     the template on doubles, the value only (one pass without tangents)
//   handwritten  the derivative by hand: the cofactors (each minor by the same expansion), the
//                tridiagonal-plus-corners Jacobian of the right-hand side
//   dual_N       the template on tl::dual<double, N>
//   jacfwd       lanes_ode only: tl::jacfwd of the same map written on tapeless expressions (the
//                neighbours by constant shift matrices), x a tl::vec<double, n>: jacfwd picks N = n.
//                The determinant is ordinary scalar code (a recursion over minors), which tl::jacfwd,
//                taking functions of expressions, does not run.
// Every row's value (the determinant; the sum of the outputs) and Jacobian are checked against the
// hand-written ones before it is timed.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <tapeless/tapeless.hpp>

#include "common.hpp"
#include "simd.hpp"

namespace {

/// The value (the determinant; the sum of the right-hand side's outputs) and the Jacobian, row-major.
struct answer {
  double value = 0;
  std::vector<double> g;
};

/// The largest sizes, for the duals on the stack.
constexpr std::size_t max_inputs = 25, max_outputs = 16;

/// The user's code, written once over its scalar: the determinant of the m x m matrix a (row-major)
/// without row `skip` and the columns in `used`, expanded along its rows from `row` on. With
/// skip == m and used == 0 it is det(a); a cofactor drops one row and one column.
template <class T>
T expand(T const* a, std::size_t m, std::size_t row, unsigned used, std::size_t skip) {
  if (row == skip) ++row;
  std::size_t next = row + 1;
  if (next == skip) ++next;
  if (next >= m) {  // the last row: one column left
    std::size_t c = 0;
    while (used & (1u << c)) ++c;
    return a[row * m + c];
  }
  T s(0.0);
  bool plus = true;
  for (std::size_t c = 0; c < m; ++c) {
    if (used & (1u << c)) continue;
    T const term = a[row * m + c] * expand(a, m, next, used | (1u << c), skip);
    s = plus ? s + term : s - term;
    plus = !plus;
  }
  return s;
}

struct determinant {
  static constexpr char const* problem = "lanes_det";
  static constexpr std::int64_t inputs[] = {16, 25};
  static constexpr std::size_t order(std::size_t n) { return n == 25 ? 5 : 4; }
  static constexpr std::size_t outputs(std::size_t) { return 1; }

  template <class T>
  static void f(T const* x, T* y, std::size_t n) {
    std::size_t const m = order(n);
    y[0] = expand(x, m, 0, 0u, m);
  }
  /// d det / d a_ij is the cofactor (-1)^(i + j) det(a without row i and column j).
  static void handwritten(double const* x, std::size_t n, double* value, double* jac) {
    std::size_t const m = order(n);
    *value = expand(x, m, 0, 0u, m);
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < m; ++j) jac[i * m + j] = ((i + j) % 2 ? -1.0 : 1.0) * expand(x, m, 0, 1u << j, i);
  }
};

struct reaction_diffusion {
  static constexpr char const* problem = "lanes_ode";
  static constexpr std::int64_t inputs[] = {8, 16};
  static constexpr std::size_t outputs(std::size_t n) { return n; }
  static constexpr double k = 0.8;  // the diffusion

  /// The user's code, written once over its scalar: on a ring of n points (u_{-1} = u_{n-1}),
  ///   y_i = k (u_{i-1} - 2 u_i + u_{i+1}) + exp(-u_i^2) u_{i+1} - sin(u_i) u_{i-1}.
  template <class T>
  static void f(T const* u, T* y, std::size_t n) {
    using std::exp, std::sin;
    for (std::size_t i = 0; i < n; ++i) {
      T const& l = u[(i + n - 1) % n];
      T const& r = u[(i + 1) % n];
      y[i] = k * (l - 2.0 * u[i] + r) + exp(-(u[i] * u[i])) * r - sin(u[i]) * l;
    }
  }
  /// Row i has three entries, in columns i - 1, i and i + 1 (around the ring); the value is the outputs' sum.
  static void handwritten(double const* u, std::size_t n, double* value, double* jac) {
    std::fill(jac, jac + n * n, 0.0);
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t const il = (i + n - 1) % n, ir = (i + 1) % n;
      double const l = u[il], r = u[ir], e = std::exp(-u[i] * u[i]), s = std::sin(u[i]);
      sum += k * (l - 2 * u[i] + r) + e * r - s * l;
      double* row = jac + i * n;
      row[il] += k - s;
      row[i] += -2 * k - 2 * u[i] * e * r - std::cos(u[i]) * l;
      row[ir] += k + e;
    }
    *value = sum;
  }
};

/// A problem's inputs at size n (uniform in [-1, 1)) and its hand-written answer there.
template <class P>
struct data {
  std::vector<double> x;
  answer ref;
  explicit data(std::size_t n) : x(n) {
    bench::uniform u(41 + n);
    u.fill(x, -1.0, 1.0);
    ref.g.resize(P::outputs(n) * n);
    P::handwritten(x.data(), n, &ref.value, ref.g.data());
  }
};

template <class P>
answer const& reference(std::size_t n) {
  return bench::cached<data<P>>(n).ref;
}

template <class P>
constexpr bench::checker<answer> check(P::problem, "Jacobian (row-major)", reference<P>);

/// Checks eval(x, n, value, jac) at the problem's data against the hand-written answer, then times it.
template <class P, class Eval>
void verified_rows(benchmark::State& state, char const* impl, Eval eval) {
  std::size_t const n = bench::size(state);
  std::vector<double> x = bench::cached<data<P>>(n).x;
  std::vector<double> out(1 + P::outputs(n) * n);
  double* o = out.data();
  bench::verified_timing(
      state, std::tie(x), [o, n, &eval](std::vector<double> const& at) { eval(at.data(), n, o, o + 1); },
      [o, n, impl] { check<P>(impl, n, o[0], o + 1); }, o);
}

/// P::f on doubles, the value only: what one pass costs without tangents.
template <class P>
void bm_function(benchmark::State& state, char const* impl) {
  std::size_t const n = bench::size(state);
  std::vector<double> x = bench::cached<data<P>>(n).x;
  auto run = [n](std::vector<double> const& at) {
    std::array<double, max_outputs> y;
    P::f(at.data(), y.data(), n);
    double sum = 0;
    for (std::size_t i = 0; i < P::outputs(n); ++i) sum += y[i];
    return sum;
  };
  bench::verified_timing(state, std::tie(x), run, [n, impl](double value) { check<P>(impl, n, value); });
}

template <class P>
void bm_handwritten(benchmark::State& state, char const* impl) {
  verified_rows<P>(state, impl, P::handwritten);
}

/// P::f on tl::dual<double, N>: ceil(n / N) evaluations, lane k of input i seeded along e_{j0 + k}.
template <class P, std::size_t N>
void bm_dual(benchmark::State& state, char const* impl) {
  using D = tl::dual<double, N>;
  verified_rows<P>(state, impl, [](double const* x, std::size_t n, double* value, double* jac) {
    std::array<D, max_inputs> xd;
    std::array<D, max_outputs> yd;
    std::size_t const m = P::outputs(n);
    for (std::size_t j0 = 0; j0 < n; j0 += N) {
      for (std::size_t i = 0; i < n; ++i) {
        xd[i] = D(x[i]);
        if (i >= j0 && i - j0 < N) xd[i].tangent[i - j0] = 1.0;
      }
      P::f(xd.data(), yd.data(), n);
      for (std::size_t i = 0; i < m; ++i)
        for (std::size_t k = 0; k < N && j0 + k < n; ++k) jac[i * n + j0 + k] = yd[i].tangent[k];
    }
    double sum = 0;
    for (std::size_t i = 0; i < m; ++i) sum += yd[i].value;
    *value = sum;
  });
}

/// The right-hand side on tapeless expressions, x a tl::vec<double, n>: tl::jacfwd runs it on duals
/// of n lanes, one evaluation. The neighbours u_{i-1}, u_{i+1} are products with constant shift matrices.
template <std::size_t n>
void bm_jacfwd(benchmark::State& state, char const* impl) {
  tl::mat<double, n, n> left{}, right{};
  for (std::size_t i = 0; i < n; ++i) {
    left(i, (i + n - 1) % n) = 1.0;
    right(i, (i + 1) % n) = 1.0;
  }
  auto rhs = [&left, &right](auto const& u) {
    auto const l = tl::matmul(tl::constant_ref(left), u);
    auto const r = tl::matmul(tl::constant_ref(right), u);
    return reaction_diffusion::k * (l - 2.0 * u + r) + tl::exp(-(u * u)) * r - tl::sin(u) * l;
  };
  tl::vec<double, n> u;
  auto const& d = bench::cached<data<reaction_diffusion>>(n);
  std::copy(d.x.begin(), d.x.end(), u.data());
  double value = 0;  // the outputs' sum, from the expression on doubles: it is the same function
  for (double yi : tl::value(rhs(tl::constant(u)))) value += yi;
  bench::verified_timing(state, std::tie(u), [&rhs](tl::vec<double, n> const& at) { return tl::jacfwd(rhs)(at); },
                         [&](auto const& jac) { check<reaction_diffusion>(impl, n, value, jac.data()); });
}

/// dual_1 ... dual_32, for each lane count.
template <class P>
void register_problem() {
  bench::register_at(P::problem, "function", bm_function<P>, P::inputs);
  bench::register_at(P::problem, "handwritten", bm_handwritten<P>, P::inputs);
  bench::register_at(P::problem, "dual_1", bm_dual<P, 1>, P::inputs);
  bench::register_at(P::problem, "dual_4", bm_dual<P, 4>, P::inputs);
  bench::register_at(P::problem, "dual_8", bm_dual<P, 8>, P::inputs);
  bench::register_at(P::problem, "dual_16", bm_dual<P, 16>, P::inputs);
  bench::register_at(P::problem, "dual_32", bm_dual<P, 32>, P::inputs);
}

int const registered = [] {
  register_problem<determinant>();
  register_problem<reaction_diffusion>();
  bench::register_fixed(reaction_diffusion::problem, "jacfwd", bm_jacfwd<8>, 8);
  bench::register_fixed(reaction_diffusion::problem, "jacfwd", bm_jacfwd<16>, 16);
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
