// Reading rows once (expr/linalg.hpp, expr/let.hpp, expr/detail/fuse.hpp): a matrix-vector product is a
// leaf of the fused loops (its chunk is the dot products of the chunk's rows, its backward adds those
// rows into the vector's adjoint), and a tl::let of an elementwise tree under a gradient's root runs
// block by block inside the root's loop. Checked against closed forms at every tail and block edge,
// float and double, with the matrix a var too, in both modes, and where a let must not run by blocks
// (a target, stopped, two roots, a spread operand) or runs both ways in one sweep.
#define BOOST_TEST_MODULE expr_fuse_rows
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <vector>

#include <tapeless/tapeless.hpp>

#include "support/compare.hpp"

namespace {

using reals = support::float_types;

/// Relative to max(1, |want|): the references are sums of up to 600 x 70 products in double, the
/// loops' in float add up a rounding per term.
template <class T>
bool close(T got, T want) {
  return support::near(double(got), double(want), std::is_same_v<T, float> ? 2e-4 : 1e-11);
}

template <class T>
tl::dmat<T> design(std::size_t n, std::size_t k) {
  tl::dmat<T> X(n, k);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < k; ++j) X(i, j) = T(0.8 * std::sin(0.37 * double(i * k + j) + 0.1));
  return X;
}

template <class T>
tl::dvec<T> weights(std::size_t k) {
  tl::dvec<T> w(k);
  for (std::size_t j = 0; j < k; ++j) w[j] = T(0.3) * T(std::cos(double(j))) - T(0.05);
  return w;
}

template <class T>
tl::dvec<T> labels(std::size_t n) {
  tl::dvec<T> y(n);
  for (std::size_t i = 0; i < n; ++i) y[i] = (i % 3 == 0) ? T(1) : T(0);
  return y;
}

template <class T>
tl::dvec<T> ramp(std::size_t n) {
  tl::dvec<T> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = T(-1) + T(2.5) * T(i) / T(n);
  return v;
}

/// The logistic log-likelihood sum_i y_i z_i - log(1 + exp(z_i)), z = X w + b, and its gradient, in double.
struct logistic_reference {
  double value = 0, db = 0;
  std::vector<double> dw, dz;
  template <class T>
  logistic_reference(tl::dmat<T> const& X, tl::dvec<T> const& y, tl::dvec<T> const& w, T b) {
    std::size_t const n = X.rows(), k = X.cols();
    dw.assign(k, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      double z = double(b);
      for (std::size_t j = 0; j < k; ++j) z += double(X(i, j)) * double(w[j]);
      value += double(y[i]) * z - std::log1p(std::exp(z));
      double const r = double(y[i]) - 1 / (1 + std::exp(-z));
      dz.push_back(r);
      db += r;
      for (std::size_t j = 0; j < k; ++j) dw[j] += r * double(X(i, j));
    }
  }
};

// Row counts around every chunk width and the edges of a root's blocks (block_list::block = 256);
// row lengths below one vector, at one, and long enough for the four-accumulator dot product.
std::size_t const row_counts[] = {1, 2, 7, 8, 9, 15, 16, 17, 33, 255, 256, 257, 600};
std::size_t const row_lengths[] = {1, 3, 8, 16, 17, 70};

static_assert(tl::detail::block_list::block == 256, "the row counts above straddle the blocks");

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(matrix_vector_product_in_the_loop, T, reals) {
  // No let: both uses of z compute their own dot products in the chunk.
  for (std::size_t n : row_counts)
    for (std::size_t k : row_lengths) {
      auto const X = design<T>(n, k);
      auto const y = labels<T>(n);
      tl::var<tl::dvec<T>> w{weights<T>(k)};
      tl::var<T> b{T(0.2)};
      auto const z = tl::matmul(tl::constant_ref(X), w) + b;
      auto const l = tl::sum(tl::constant_ref(y) * z - tl::log1p(tl::exp(z)));
      auto const [gw, gb] = tl::gradient(l, tl::wrt(w, b));
      logistic_reference const ref(X, y, w.value(), b.value());
      BOOST_TEST(close(tl::value(l), T(ref.value)), "n = " << n << ", k = " << k);
      BOOST_TEST(close(gb, T(ref.db)), "n = " << n << ", k = " << k);
      for (std::size_t j = 0; j < k; ++j) BOOST_TEST(close(gw[j], T(ref.dw[j])), "n = " << n << ", k = " << k << ", j = " << j);
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(matrix_operand_active, T, reals) {
  // sum(exp(0.1 X w)): dX_ij = 0.1 exp(0.1 z_i) w_j and dw_j = sum_i 0.1 exp(0.1 z_i) X_ij, through a
  // let too (run by blocks), and the matrix's adjoint alone.
  for (std::size_t n : {std::size_t(1), std::size_t(9), std::size_t(300)})
    for (std::size_t k : {std::size_t(3), std::size_t(17)}) {
      tl::var<tl::dmat<T>> X{design<T>(n, k)};
      tl::var<tl::dvec<T>> w{weights<T>(k)};
      auto const [gX, gw] = tl::gradient(tl::sum(tl::exp(tl::matmul(X, w) * T(0.1))), tl::wrt(X, w));
      auto const z = tl::let(tl::matmul(X, w) * T(0.1));
      auto const [hX, hw] = tl::gradient(tl::sum(tl::exp(z)), tl::wrt(X, w));
      auto const [iX] = tl::gradient(tl::sum(tl::exp(tl::matmul(X, tl::constant_ref(w.value())) * T(0.1))), tl::wrt(X));
      BOOST_TEST(z.state()->block_epoch_ != 0u, "the let ran by blocks");
      for (std::size_t i = 0; i < n; ++i) {
        double zi = 0;
        for (std::size_t j = 0; j < k; ++j) zi += double(X.value()(i, j)) * double(w.value()[j]);
        double const e = 0.1 * std::exp(0.1 * zi);
        for (std::size_t j = 0; j < k; ++j) {
          T const expected = T(e * double(w.value()[j]));
          BOOST_TEST(close(gX(i, j), expected), "n = " << n << ", k = " << k);
          BOOST_TEST(close(hX(i, j), expected), "n = " << n << ", k = " << k);
          BOOST_TEST(close(iX(i, j), expected), "n = " << n << ", k = " << k);
        }
      }
      for (std::size_t j = 0; j < k; ++j) {
        double dw = 0;
        for (std::size_t i = 0; i < n; ++i) {
          double zi = 0;
          for (std::size_t q = 0; q < k; ++q) zi += double(X.value()(i, q)) * double(w.value()[q]);
          dw += 0.1 * std::exp(0.1 * zi) * double(X.value()(i, j));
        }
        BOOST_TEST(close(gw[j], T(dw)));
        BOOST_TEST(close(hw[j], T(dw)));
      }
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(matrix_vector_product_tangents_and_extrema, T, reals) {
  // Forward-mode and reverse-mode Jacobians of tanh(X w) agree with the closed form; the maximum of a
  // tree over the product gives its adjoint to one row (back_at).
  for (std::size_t n : {std::size_t(1), std::size_t(7), std::size_t(9), std::size_t(33)})
    for (std::size_t k : {std::size_t(1), std::size_t(8), std::size_t(17)}) {
      auto const X = design<T>(n, k);
      tl::var<tl::dvec<T>> w{weights<T>(k)};
      auto const f = tl::tanh(tl::matmul(tl::constant_ref(X), w));
      auto const Jf = tl::jacobian(f, w, tl::forward_mode);
      auto const Jr = tl::jacobian(f, w, tl::reverse_mode);
      tl::var<tl::dmat<T>> Xv{X};
      auto const m = tl::max(tl::matmul(Xv, w) * T(2));
      auto const [mX, mw] = tl::gradient(m, tl::wrt(Xv, w));
      std::size_t best = 0;
      double best_z = -1e300;
      for (std::size_t i = 0; i < n; ++i) {
        double zi = 0;
        for (std::size_t j = 0; j < k; ++j) zi += double(X(i, j)) * double(w.value()[j]);
        if (zi > best_z) best_z = zi, best = i;
        double const t = std::tanh(zi);
        for (std::size_t j = 0; j < k; ++j) {
          T const expected = T((1 - t * t) * double(X(i, j)));
          BOOST_TEST(close(Jf(i, j), expected), "n = " << n << ", k = " << k);
          BOOST_TEST(close(Jr(i, j), expected), "n = " << n << ", k = " << k);
        }
      }
      for (std::size_t j = 0; j < k; ++j) {
        BOOST_TEST(close(mw[j], T(2) * X(best, j)), "n = " << n << ", k = " << k);
        for (std::size_t i = 0; i < n; ++i) BOOST_TEST(close(mX(i, j), i == best ? T(2) * w.value()[j] : T(0)));
      }
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(let_runs_by_blocks_at_the_root, T, reals) {
  // The logistic regression as written with a let: every block edge, a mean as the root too.
  for (std::size_t n : row_counts)
    for (std::size_t k : {std::size_t(3), std::size_t(16), std::size_t(17)}) {
      auto const X = design<T>(n, k);
      auto const y = labels<T>(n);
      tl::var<tl::dvec<T>> w{weights<T>(k)};
      tl::var<T> b{T(-0.1)};
      auto const z = tl::let(tl::matmul(tl::constant_ref(X), w) + b);
      auto const l = tl::sum(tl::constant_ref(y) * z - tl::log1p(tl::exp(z)));
      auto const [gw, gb] = tl::gradient(l, tl::wrt(w, b));
      BOOST_TEST(z.state()->block_epoch_ != 0u, "the let ran by blocks");
      // The value the root's loop computes as it goes (a let made inside f, as users write it).
      auto const f = [&](auto const& wf, auto const& bf) {
        auto const zf = tl::let(tl::matmul(tl::constant_ref(X), wf) + bf);
        return tl::sum(tl::constant_ref(y) * zf - tl::log1p(tl::exp(zf)));
      };
      auto const [v, g] = tl::value_and_grad(f)(w.value(), b.value());
      auto const [mw, mb] = tl::gradient(tl::mean(tl::constant_ref(y) * z - tl::log1p(tl::exp(z))), tl::wrt(w, b));
      logistic_reference const ref(X, y, w.value(), b.value());
      BOOST_TEST(close(v, T(ref.value)), "n = " << n << ", k = " << k);
      BOOST_TEST(close(gb, T(ref.db)), "n = " << n << ", k = " << k);
      BOOST_TEST(close(std::get<1>(g), T(ref.db)), "n = " << n << ", k = " << k);
      BOOST_TEST(close(mb, T(ref.db / double(n))), "n = " << n << ", k = " << k);
      for (std::size_t j = 0; j < k; ++j) {
        BOOST_TEST(close(gw[j], T(ref.dw[j])), "n = " << n << ", k = " << k);
        BOOST_TEST(close(std::get<0>(g)[j], T(ref.dw[j])), "n = " << n << ", k = " << k);
        BOOST_TEST(close(mw[j], T(ref.dw[j] / double(n))), "n = " << n << ", k = " << k);
      }
      // The same let's value evaluated whole afterwards.
      auto const zv = tl::value(z);
      BOOST_TEST(zv.size() == n);
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(vars_in_the_root_and_in_lets, T, reals) {
  // x in the root's tree and in two lets run by blocks: the root's occurrence stores each chunk of x's
  // adjoint first, the lets add after it, block by block. d/dx sum(x z1 + z1 z2) with z1 = exp(x),
  // z2 = sin(x): z1 + x z1 + z1 z2 + z1 cos(x).
  for (std::size_t n : {std::size_t(1), std::size_t(17), std::size_t(256), std::size_t(257), std::size_t(1000)}) {
    tl::var<tl::dvec<T>> x{ramp<T>(n)};
    tl::var<T> c{T(0.7)};
    auto const z1 = tl::let(tl::exp(x));
    auto const z2 = tl::let(tl::sin(x) * c);
    auto const [gx, gc] = tl::gradient(tl::sum(x * z1 + z1 * z2), tl::wrt(x, c));
    BOOST_TEST(z1.state()->block_epoch_ != 0u);
    BOOST_TEST(z2.state()->block_epoch_ != 0u);
    T ec{};
    for (std::size_t i = 0; i < n; ++i) {
      T const xi = x.value()[i], e = std::exp(xi);
      BOOST_TEST(close(gx[i], e + xi * e + e * std::sin(xi) * T(0.7) + e * std::cos(xi) * T(0.7)), "n = " << n << ", i = " << i);
      ec += e * std::sin(xi);
    }
    BOOST_TEST(close(gc, ec), "n = " << n);
    // A let only the lets read: the first occurrence in a chunk stores.
    auto const [hx] = tl::gradient(tl::sum(z1 * z1 + z1), tl::wrt(x));
    for (std::size_t i = 0; i < n; ++i) {
      T const e = std::exp(x.value()[i]);
      BOOST_TEST(close(hx[i], T(2) * e * e + e), "n = " << n << ", i = " << i);
    }
  }
}

BOOST_AUTO_TEST_CASE(let_evaluated_both_ways_in_one_sweep) {
  // exp(z) runs z by blocks; the product A z evaluates it whole (an operand of a product is not a leaf of
  // the loop). d/dx sum(exp(z) * (A z)) with z = 2x: 2 (exp(z_j) (A z)_j + sum_i exp(z_i) A_ij).
  std::size_t const n = 300;
  tl::dmat<double> A(n, n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) A(i, j) = 0.01 * std::cos(double(i + 2 * j));
  tl::var<tl::dvec<double>> x{ramp<double>(n)};
  auto const z = tl::let(x * 2.0);
  auto const g = tl::gradient(tl::sum(tl::exp(z) * tl::matmul(tl::constant_ref(A), z)), x);
  BOOST_TEST(z.state()->block_epoch_ != 0u);
  std::vector<double> zv(n), az(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) zv[i] = 2 * x.value()[i];
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) az[i] += A(i, j) * zv[j];
  for (std::size_t j = 0; j < n; ++j) {
    double d = std::exp(zv[j]) * az[j];
    for (std::size_t i = 0; i < n; ++i) d += std::exp(zv[i]) * A(i, j);
    BOOST_TEST(close(g[j], 2 * d), "j = " << j);
  }
}

BOOST_AUTO_TEST_CASE(lets_that_do_not_run_by_blocks) {
  std::size_t const n = 300, k = 5;
  auto const X = design<double>(n, k);
  auto const y = labels<double>(n);
  tl::var<tl::dvec<double>> w{weights<double>(k)};
  tl::var<double> b{0.3};
  logistic_reference const ref(X, y, w.value(), b.value());
  {  // A target: its own adjoint is handed out, so it is evaluated whole.
    auto const z = tl::let(tl::matmul(tl::constant_ref(X), w) + b);
    auto const [gw, gz] = tl::gradient(tl::sum(tl::constant_ref(y) * z - tl::log1p(tl::exp(z))), tl::wrt(w, z));
    BOOST_TEST(z.state()->block_epoch_ == 0u);
    for (std::size_t j = 0; j < k; ++j) BOOST_TEST(close(gw[j], ref.dw[j]));
    for (std::size_t i = 0; i < n; ++i) BOOST_TEST(close(gz[i], ref.dz[i]));
  }
  {  // Stopped: nothing flows into its expression.
    auto const z = tl::let(tl::matmul(tl::constant_ref(X), w) + b);
    auto const [gw, gb] = tl::gradient(tl::sum(tl::constant_ref(y) * z - tl::log1p(tl::exp(z)) + w[0] * 0.5),
                                       tl::wrt(w, b), tl::stop_at(z));
    BOOST_TEST(z.state()->block_epoch_ == 0u);
    BOOST_TEST(close(gw[0], 0.5 * double(n)));
    for (std::size_t j = 1; j < k; ++j) BOOST_TEST(gw[j] == 0.0);
    BOOST_TEST(gb == 0.0);
  }
  {  // Two roots: the first runs it by blocks, the second evaluates it whole; their gradients add up.
    auto const z = tl::let(tl::matmul(tl::constant_ref(X), w) + b);
    auto const l = tl::sum(tl::constant_ref(y) * z - tl::log1p(tl::exp(z)));
    auto const [gw, gb] = tl::gradient(tl::outputs(l, tl::sum(z * 2.0)), tl::wrt(w, b));
    BOOST_TEST(z.state()->block_epoch_ != 0u);
    BOOST_TEST(close(gb, ref.db + 2.0 * double(n)));
    for (std::size_t j = 0; j < k; ++j) {
      double col = 0;
      for (std::size_t i = 0; i < n; ++i) col += X(i, j);
      BOOST_TEST(close(gw[j], ref.dw[j] + 2.0 * col));
    }
  }
  {  // A vector spread over the rows of a matrix runs loops of its own size: evaluated whole.
    std::size_t const c = 40;
    tl::var<tl::dvec<double>> r{ramp<double>(c)};
    auto const e = tl::let(tl::exp(r));
    tl::dmat<double> N(9, c);
    for (std::size_t i = 0; i < 9; ++i)
      for (std::size_t j = 0; j < c; ++j) N(i, j) = 0.5 + double(i) - double(j % 7);
    auto const gr = tl::gradient(tl::sum(tl::constant_ref(N) * e), r);
    BOOST_TEST(e.state()->block_epoch_ == 0u);
    for (std::size_t j = 0; j < c; ++j) {
      double col = 0;
      for (std::size_t i = 0; i < 9; ++i) col += N(i, j);
      BOOST_TEST(close(gr[j], col * std::exp(r.value()[j])));
    }
  }
}

BOOST_AUTO_TEST_CASE(nested_lets_and_a_product_on_top) {
  // u is read inside z's expression (there it is evaluated whole) and by the root; z's expression is the
  // product itself. d/dx sum(z * u) with u = 2x, z = exp(u) + u: (exp(u) + 1) * 2 u + z * 2.
  std::size_t const n = 700;
  tl::var<tl::dvec<double>> x{ramp<double>(n)};
  auto const u = tl::let(x * 2.0);
  auto const z = tl::let(tl::exp(u) + u);
  auto const g = tl::gradient(tl::sum(z * u), x);
  for (std::size_t i = 0; i < n; ++i) {
    double const ui = 2 * x.value()[i], zi = std::exp(ui) + ui;
    BOOST_TEST(close(g[i], (std::exp(ui) + 1) * 2 * ui + zi * 2), "i = " << i);
  }
  std::size_t const k = 6;
  auto const X = design<double>(n, k);
  tl::var<tl::dvec<double>> w{weights<double>(k)};
  auto const p = tl::let(tl::matmul(tl::constant_ref(X), w));
  auto const gw = tl::gradient(tl::sum(tl::square(p) + p), w);
  BOOST_TEST(p.state()->block_epoch_ != 0u);
  for (std::size_t j = 0; j < k; ++j) {
    double d = 0;
    for (std::size_t i = 0; i < n; ++i) {
      double pi = 0;
      for (std::size_t q = 0; q < k; ++q) pi += X(i, q) * w.value()[q];
      d += (2 * pi + 1) * X(i, j);
    }
    BOOST_TEST(close(gw[j], d));
  }
}

BOOST_AUTO_TEST_CASE(static_extents_and_scalar_leaves_over_blocks) {
  // A static vector of 600 (three blocks, the last partial); c's adjoint is summed over the blocks.
  tl::vec<double, 600> x0;
  for (std::size_t i = 0; i < 600; ++i) x0[i] = -1 + 2.5 * double(i) / 600;
  tl::var<tl::vec<double, 600>> x{x0};
  tl::var<double> c{0.4};
  auto const z = tl::let(tl::sin(x * c) + c);
  auto const [gx, gc] = tl::gradient(tl::sum(tl::square(z)), tl::wrt(x, c));
  BOOST_TEST(z.state()->block_epoch_ != 0u);
  double ec = 0;
  for (std::size_t i = 0; i < 600; ++i) {
    double const zi = std::sin(x0[i] * 0.4) + 0.4, ci = std::cos(x0[i] * 0.4);
    BOOST_TEST(close(gx[i], 2 * zi * ci * 0.4));
    ec += 2 * zi * (ci * x0[i] + 1);
  }
  BOOST_TEST(close(gc, ec));
}

BOOST_AUTO_TEST_CASE(a_shape_error_while_preparing_changes_nothing) {
  // The let's expression fails its shape check as the root prepares; the next gradient is unaffected.
  tl::var<tl::dvec<double>> x{ramp<double>(300)};
  tl::var<tl::dvec<double>> y{ramp<double>(299)};
  auto const bad = tl::let(x + y);
  BOOST_CHECK_THROW(tl::gradient(tl::sum(tl::exp(bad)), x), tl::shape_error);
  auto const good = tl::let(x * 3.0);
  auto const g = tl::gradient(tl::sum(tl::exp(good)), x);
  for (std::size_t i = 0; i < 300; ++i) BOOST_TEST(close(g[i], 3 * std::exp(3 * x.value()[i])));
}
