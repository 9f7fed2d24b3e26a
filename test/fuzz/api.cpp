// A libFuzzer harness over the public API (issue 10, item 7). The fuzzer's bytes choose an expression
// family (elementwise trees under reductions, matmul, dot, indexing, max / min / logsumexp, seeds of
// non-scalar outputs, lets used twice, where and stop_gradient), runtime extents (now and then
// mismatched on purpose), values (NaN, infinities, zeros of both signs, denormals, huge and moderate
// numbers, raw bit patterns) and seeds. Then either
//   - the extents fit: tl::value and tl::gradient must agree with a reference computed here in plain
//     doubles, each number carrying a bound on how far the library may be from it (`ref`), and a second
//     gradient must be bitwise the first; or
//   - they do not: both must throw tl::shape_error and leave every var bitwise unchanged, and the same
//     expression, once the var is given a fitting value, must then give the right numbers.
// Anything else (another exception, a wrong number, a sanitizer report) aborts: a crash the fuzzer
// keeps. test/fuzz/replay.cpp runs the same function without libFuzzer (g++ has none).
//
// The families are in two translation units, compiled in parallel: this one (matmul, dot, indexing,
// extremes, seeds, lets, where) and elementwise.cpp (trees of elementwise operations); harness.hpp has
// the reference arithmetic and the checks they share.
#include "harness.hpp"

#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

namespace tapeless_fuzz {

// ---- Family 4: matmul, with seeds of the product's extents -----------------------------------------------

/// A matrix of reference numbers, row-major.
struct rmat {
  std::size_t rows, cols;
  std::vector<ref> a;
  ref const& operator()(std::size_t i, std::size_t j) const { return a[i * cols + j]; }
};
rmat rmat_of(tl::dmat<double> const& m) { return {m.rows(), m.cols(), exact_all(m)}; }
rmat transposed(rmat const& m) {
  rmat t{m.cols, m.rows, {}};
  for (std::size_t j = 0; j < m.cols; ++j)
    for (std::size_t i = 0; i < m.rows; ++i) t.a.push_back(m(i, j));
  return t;
}
rmat product(rmat const& l, rmat const& r) {
  rmat y{l.rows, r.cols, {}};
  std::vector<ref> terms;
  for (std::size_t i = 0; i < l.rows; ++i)
    for (std::size_t j = 0; j < r.cols; ++j) {
      terms.clear();
      for (std::size_t p = 0; p < l.cols; ++p) terms.push_back(mul(l(i, p), r(p, j)));
      y.a.push_back(sum_r(terms));
    }
  return y;
}

void family_matmul(source& in) {
  unsigned const form = in.pick(6);
  std::size_t const r = in.extent(12), k = in.extent(12), c = in.extent(12), k2 = in.like(k, 12);
  context ctx{4, ""};
  // The product L R of a form (a vector is one row on the left, one column on the right); its
  // gradients for the product's adjoint G are G R^T and L^T G.
  auto gradients = [](rmat const& l, rmat const& rr, rmat const& g) {
    return std::pair{product(g, transposed(rr)), product(transposed(l), g)};
  };
  switch (form) {
    case 0:
    case 4: {  // matmul(A, B) (or transpose(A) B), seeded with a matrix
      bool const trans = form == 4;
      ctx.detail = trans ? "matmul(transpose(A), B), seeded" : "matmul(A, B), seeded";
      mvar A(trans ? in.dmat(k, r) : in.dmat(r, k)), B(in.dmat(k2, c));
      std::size_t const sr = in.like(r, 12), sc = in.like(c, 12);
      tl::dmat<double> S = in.dmat(sr, sc);
      auto body = [&](auto const& Y) {
        for (int pass = 0; pass < 2; ++pass) {
          auto const inner = trans ? A.value().rows() : A.value().cols();
          bool const vf = inner == B.value().rows();
          auto const rows = trans ? A.value().cols() : A.value().rows();
          bool const gf = vf && S.rows() == rows && S.cols() == B.value().cols();
          check(
              ctx, vf, gf, [&] { return tl::value(Y); }, [&] { return tl::gradient(Y, tl::wrt(A, B), tl::seeds(S)); },
              [&](bool with_gradients) {
                rmat const a = rmat_of(A.value()), L = trans ? transposed(a) : a, R = rmat_of(B.value());
                expected e{product(L, R).a, {}};
                if (with_gradients) {
                  auto const [gl, gr] = gradients(L, R, rmat_of(S));
                  e.gradients = {trans ? transposed(gl).a : gl.a, gr.a};
                }
                return e;
              },
              A, B);
          if (gf) break;
          B = in.dmat(inner, B.value().cols());
          S = in.dmat(rows, B.value().cols());
        }
      };
      if (trans)
        body(tl::matmul(tl::transpose(A), B));
      else
        body(tl::matmul(A, B));
      return;
    }
    case 1:
    case 2:
    case 5: {  // matrix x vector, vector x matrix, constant matrix x vector; seeded with a vector
      bool const left_vector = form == 2, constant = form == 5;
      ctx.detail = left_vector ? "matmul(v, A), seeded"
                   : constant  ? "matmul(constant_ref(C), v), seeded"
                               : "matmul(A, v), seeded";
      mvar A(left_vector ? in.dmat(k, c) : in.dmat(r, k));
      tl::dmat<double> C = in.dmat(r, k);
      dvar v(in.dvec(k2));
      std::size_t const out = left_vector ? c : r;
      tl::dvec<double> S = in.dvec(in.like(out, 12));
      auto body = [&](auto const& y, auto const& grad, rmat (*matrix)(mvar const&, tl::dmat<double> const&)) {
        for (int pass = 0; pass < 2; ++pass) {
          auto const& M = constant ? C : A.value();
          std::size_t const inner = left_vector ? M.rows() : M.cols();
          bool const vf = inner == v.value().size();
          bool const gf = vf && S.size() == (left_vector ? M.cols() : M.rows());
          check(
              ctx, vf, gf, [&] { return tl::value(y); }, grad,
              [&](bool with_gradients) {
                rmat const m = matrix(A, C), vec{left_vector ? 1 : v.value().size(), left_vector ? v.value().size() : 1,
                                                   exact_all(v.value())};
                rmat const L = left_vector ? vec : m, R = left_vector ? m : vec;
                expected e{product(L, R).a, {}};
                if (with_gradients) {
                  rmat const G{L.rows, R.cols, exact_all(S)};
                  auto const [gl, gr] = gradients(L, R, G);
                  if (constant)
                    e.gradients = {gr.a};
                  else
                    e.gradients = {gl.a, gr.a};  // wrt(A, v) or wrt(v, A): the left operand first
                }
                return e;
              },
              A, v);
          if (gf) break;
          v = in.dvec(inner);
          S = in.dvec(left_vector ? M.cols() : M.rows());
        }
      };
      auto var_matrix = [](mvar const& a, tl::dmat<double> const&) { return rmat_of(a.value()); };
      auto constant_matrix = [](mvar const&, tl::dmat<double> const& m) { return rmat_of(m); };
      if (form == 1) {
        auto const y = tl::matmul(A, v);
        body(y, [&] { return tl::gradient(y, tl::wrt(A, v), tl::seeds(S)); }, var_matrix);
      } else if (form == 2) {
        auto const y = tl::matmul(v, A);
        body(y, [&] { return tl::gradient(y, tl::wrt(v, A), tl::seeds(S)); }, var_matrix);
      } else {
        auto const y = tl::matmul(tl::constant_ref(C), v);
        body(y, [&] { return tl::gradient(y, tl::wrt(v), tl::seeds(S)); }, constant_matrix);
      }
      return;
    }
    default: {  // sum(tanh(matmul(A, B))): a product inside a fused loop
      ctx.detail = "sum(tanh(matmul(A, B)))";
      mvar A(in.dmat(r, k)), B(in.dmat(k2, c));
      auto const y = tl::sum(tl::tanh(tl::matmul(A, B)));
      for (int pass = 0; pass < 2; ++pass) {
        bool const fits = A.value().cols() == B.value().rows();
        check(
            ctx, fits, fits, [&] { return tl::value(y); }, [&] { return tl::gradient(y, tl::wrt(A, B)); },
            [&](bool) {
              rmat const L = rmat_of(A.value()), R = rmat_of(B.value()), Y = product(L, R);
              std::vector<ref> t;
              rmat G{Y.rows, Y.cols, {}};
              for (ref const& e : Y.a) {
                t.push_back(tanh_r(e));
                G.a.push_back(mul(exact(1), sub(exact(1), mul(t.back(), t.back()))));
              }
              auto const [gl, gr] = gradients(L, R, G);
              return expected{{sum_r(t)}, {gl.a, gr.a}};
            },
            A, B);
        if (fits) break;
        B = in.dmat(A.value().cols(), B.value().cols());
      }
      return;
    }
  }
}

// ---- Family 5: dot ---------------------------------------------------------------------------------------

void family_dot(source& in) {
  unsigned const form = in.pick(5);
  std::size_t const n = in.extent(40), m = in.like(n, 40);
  dvar x(in.dvec(n)), y(in.dvec(m));
  tl::var<double> s(in.value());
  tl::dvec<double> d = in.dvec(m);
  tl::vec<double, 4> const four{in.value(), in.value(), in.value(), in.value()};
  auto products = [](std::vector<ref> const& a, std::vector<ref> const& b) {
    std::vector<ref> t;
    for (std::size_t i = 0; i < a.size(); ++i) t.push_back(mul(a[i], b[i]));
    return t;
  };
  auto ones_times = [](std::vector<ref> const& a) {  // the adjoint 1 times each element
    std::vector<ref> g;
    for (ref const& e : a) g.push_back(mul(exact(1), e));
    return g;
  };
  auto run = [&](char const* what, auto const& root, auto const& grad, auto const& fits, auto const& reference,
                 auto const& refit, auto const&... vars) {
    for (int pass = 0; pass < 2; ++pass) {
      bool const f = fits();
      check({5, what}, f, f, [&] { return tl::value(root); }, grad, reference, vars...);
      if (f) break;
      refit();
    }
  };
  switch (form) {
    case 0: {
      auto const root = tl::dot(x, y);
      return run(
          "dot(x, y)", root, [&] { return tl::gradient(root, tl::wrt(x, y)); },
          [&] { return x.value().size() == y.value().size(); },
          [&](bool) {
            auto const a = exact_all(x.value()), b = exact_all(y.value());
            return expected{{sum_r(products(a, b))}, {ones_times(b), ones_times(a)}};
          },
          [&] { y = in.dvec(x.value().size()); }, x, y);
    }
    case 1: {  // a scalar broadcast: sum(x * s)
      auto const root = tl::dot(x, s);
      return run(
          "dot(x, s)", root, [&] { return tl::gradient(root, tl::wrt(x, s)); }, [] { return true; },
          [&](bool) {
            auto const a = exact_all(x.value());
            std::vector<ref> const ss(a.size(), exact(s.value()));
            return expected{{sum_r(products(a, ss))}, {ones_times(ss), {sum_r(ones_times(a))}}};
          },
          [] {}, x, s);
    }
    case 2: {  // data the expression refers to, read at each evaluation
      auto const root = tl::dot(x, tl::constant_ref(d));
      return run(
          "dot(x, constant_ref(d))", root, [&] { return tl::gradient(root, tl::wrt(x)); },
          [&] { return x.value().size() == d.size(); },
          [&](bool) {
            auto const a = exact_all(x.value()), b = exact_all(d);
            return expected{{sum_r(products(a, b))}, {ones_times(b)}};
          },
          [&] { d = in.dvec(x.value().size()); }, x);
    }
    case 3: {  // static extents against runtime ones
      auto const root = tl::dot(x, tl::constant(four));
      return run(
          "dot(x, constant(vec<4>))", root, [&] { return tl::gradient(root, tl::wrt(x)); },
          [&] { return x.value().size() == 4; },
          [&](bool) {
            auto const a = exact_all(x.value()), b = exact_all(std::span<double const>(four.data(), 4));
            return expected{{sum_r(products(a, b))}, {ones_times(b)}};
          },
          [&] { x = in.dvec(4); }, x);
    }
    default: {  // an elementwise tree as an operand
      auto const root = tl::dot(tl::exp(x), y);
      return run(
          "dot(exp(x), y)", root, [&] { return tl::gradient(root, tl::wrt(x, y)); },
          [&] { return x.value().size() == y.value().size(); },
          [&](bool) {
            std::vector<ref> ex;
            for (double v : x.value()) ex.push_back(exp_r(exact(v)));
            auto const b = exact_all(y.value());
            std::vector<ref> gx;
            for (std::size_t i = 0; i < ex.size(); ++i) gx.push_back(mul(mul(exact(1), b[i]), ex[i]));
            return expected{{sum_r(products(ex, b))}, {gx, ones_times(ex)}};
          },
          [&] { y = in.dvec(x.value().size()); }, x, y);
    }
  }
}

// ---- Family 6: indexing, with indices from the data (out of range: tl::shape_error) ----------------------

void family_index(source& in) {
  unsigned const form = in.pick(3);
  std::size_t const n = in.extent(20), rows = in.extent(6), cols = in.extent(6);
  dvar x(in.dvec(n));
  mvar M(in.dmat(rows, cols));
  auto in_range = [](long i, std::size_t size) { return i >= 0 && std::size_t(i) < size; };
  auto unit = [](std::size_t size, long at, ref v) {  // an index node's adjoint: v at one place
    std::vector<ref> g(size, exact(0));
    g[std::size_t(at)] = v;
    return g;
  };
  auto total = [](std::vector<std::vector<ref>> const& parts) {  // a var's adjoint gathered from its users
    std::vector<ref> g;
    for (std::size_t i = 0; i < parts[0].size(); ++i) {
      std::vector<ref> terms;
      for (auto const& p : parts) terms.push_back(p[i]);
      g.push_back(sum_r(terms));
    }
    return g;
  };
  // A negative index throws when the expression is built, one past the end when it is evaluated: so
  // the expressions are built inside the calls.
  switch (form) {
    case 0: {
      long const i = in.index(n), j = in.index(n);
      bool const fits = in_range(i, n) && in_range(j, n);
      check(
          {6, "x[i] * x[j]"}, fits, fits, [&] { return tl::value(x[i] * x[j]); },
          [&] { return tl::gradient(x[i] * x[j], tl::wrt(x)); },
          [&](bool) {
            ref const xi = exact(x.value()[std::size_t(i)]), xj = exact(x.value()[std::size_t(j)]);
            return expected{{mul(xi, xj)}, {total({unit(n, i, mul(exact(1), xj)), unit(n, j, mul(exact(1), xi))})}};
          },
          x);
      return;
    }
    case 1: {
      long const i = in.index(rows), j = in.index(cols), k = in.index(rows);
      bool const fits = in_range(i, rows) && in_range(j, cols) && in_range(k, rows);
      check(
          {6, "M(i, j) * sum(M[k])"}, fits, fits, [&] { return tl::value(M(i, j) * tl::sum(M[k])); },
          [&] { return tl::gradient(M(i, j) * tl::sum(M[k]), tl::wrt(M)); },
          [&](bool) {
            auto const m = exact_all(M.value());
            std::vector<ref> row(m.begin() + long(std::size_t(k) * cols), m.begin() + long(std::size_t(k + 1) * cols));
            ref const mij = m[std::size_t(i) * cols + std::size_t(j)], rs = sum_r(row);
            std::vector<ref> from_row(m.size(), exact(0));
            for (std::size_t q = 0; q < cols; ++q) from_row[std::size_t(k) * cols + q] = mul(exact(1), mij);
            return expected{{mul(mij, rs)}, {total({unit(m.size(), i * long(cols) + j, mul(exact(1), rs)), from_row})}};
          },
          M);
      return;
    }
    default: {
      long const i = in.index(n), j = in.index(n);
      bool const fits = in_range(i, n) && in_range(j, n);
      // x[j] is a scalar leaf of the fused loop; exp(x)[i] indexes an elementwise tree.
      auto make = [&] { return tl::sum(x * x[j]) + tl::exp(x)[i]; };
      check(
          {6, "sum(x * x[j]) + exp(x)[i]"}, fits, fits, [&] { return tl::value(make()); },
          [&] { return tl::gradient(make(), tl::wrt(x)); },
          [&](bool) {
            auto const a = exact_all(x.value());
            ref const xj = a[std::size_t(j)], ei = exp_r(a[std::size_t(i)]);
            std::vector<ref> terms, direct;
            for (ref const& e : a) {
              terms.push_back(mul(e, xj));
              direct.push_back(mul(exact(1), xj));
            }
            std::vector<ref> by_xj;
            for (ref const& e : a) by_xj.push_back(mul(exact(1), e));
            // The index runs exp's backward at element i alone: every other element gets exactly 0,
            // also where exp(x) is +inf (a one-hot adjoint through the whole exp gave 0 * inf = NaN).
            return expected{{add(sum_r(terms), ei)},
                            {total({direct, unit(n, j, sum_r(by_xj)), unit(n, i, mul(exact(1), exp_r(a[std::size_t(i)])))})}};
          },
          x);
      return;
    }
  }
}

// ---- Family 7: max, min and logsumexp of a var (empty: tl::shape_error) ----------------------------------

void family_extremes(source& in) {
  unsigned const form = in.pick(4);
  std::size_t const n = in.extent(40);
  tl::dvec<double> v = in.dvec(n);
  // Ties and NaN are likely: values from the head of the palette, now and then.
  if (in.byte() & 1)
    for (auto& e : v) e = palette[in.pick(13)];
  dvar x(v);
  auto run = [&](char const* what, auto const& root, auto const& reference) {
    bool const fits = n > 0;
    check({7, what}, fits, fits, [&] { return tl::value(root); }, [&] { return tl::gradient(root, tl::wrt(x)); },
          reference, x);
  };
  auto one = [&](reduction r) {
    return [&x, r](bool) {
      reduced const red = reduce_ref(r, exact_all(x.value()), false);
      return expected{{red.value}, {red.adjoint}};
    };
  };
  switch (form) {
    case 0: return run("max(x)", tl::max(x), one(r_max));
    case 1: return run("min(x)", tl::min(x), one(r_min));
    case 2: return run("logsumexp(x)", tl::logsumexp(x), one(r_logsumexp));
    default:
      return run("max(x) - min(x)", tl::max(x) - tl::min(x), [&](bool) {
        reduced const hi = reduce_ref(r_max, exact_all(x.value()), false);
        reduced const lo = reduce_ref(r_min, exact_all(x.value()), false);
        std::vector<ref> g;
        for (std::size_t i = 0; i < n; ++i) g.push_back(sum_r({hi.adjoint[i], neg(lo.adjoint[i])}));
        return expected{{sub(hi.value, lo.value)}, {g}};
      });
  }
}

// ---- Family 8: seeds of non-scalar outputs, their extents from the data ----------------------------------

void family_seeds(source& in) {
  unsigned const form = in.pick(3);
  std::size_t const n = in.extent(40);
  dvar x(in.dvec(n)), y(in.dvec(in.like(n, 40)));
  tl::var<double> s(in.value());
  tl::dvec<double> sd = in.dvec(in.like(n, 40)), sd2 = in.dvec(in.like(n, 40));
  double const c = in.value();
  auto const z = x * y + s;
  auto z_value = [&] {
    std::vector<ref> v;
    for (std::size_t i = 0; i < x.value().size(); ++i)
      v.push_back(add(mul(exact(x.value()[i]), exact(y.value()[i])), exact(s.value())));
    return v;
  };
  auto run = [&](char const* what, auto const& grad, auto const& seeds_fit, auto const& gradients,
                 auto const&... vars) {
    for (int pass = 0; pass < 2; ++pass) {
      bool const vf = x.value().size() == y.value().size(), gf = vf && seeds_fit();
      check(
          {8, what}, vf, gf, [&] { return tl::value(z); }, grad,
          [&](bool with_gradients) {
            return expected{z_value(), with_gradients ? gradients() : decltype(gradients()){}};
          },
          vars...);
      if (gf) break;
      y = in.dvec(x.value().size());
      sd = in.dvec(x.value().size());
      sd2 = in.dvec(x.value().size());
    }
  };
  // The gradients of z = x * y + s for the seed sd, and the terms each gathers.
  auto z_terms = [&](std::vector<ref>& gx, std::vector<ref>& gy, std::vector<ref>& gs) {
    for (std::size_t i = 0; i < x.value().size(); ++i) {
      ref const a = exact(sd[i]);
      gx.push_back(mul(a, exact(y.value()[i])));
      gy.push_back(mul(a, exact(x.value()[i])));
      gs.push_back(a);
    }
  };
  switch (form) {
    case 0:
      return run(
          "z = x * y + s, seeds(sd)", [&] { return tl::gradient(z, tl::wrt(x, y, s), tl::seeds(sd)); },
          [&] { return sd.size() == x.value().size(); },
          [&] {
            std::vector<ref> gx, gy, gs;
            z_terms(gx, gy, gs);
            return std::vector{gx, gy, {sum_r(gs)}};
          },
          x, y, s);
    case 1: {  // and a scalar output sum(x) * s, seeded with a number
      auto const w = tl::sum(x) * s;
      return run(
          "outputs(z, sum(x) * s), seeds(sd, c)",
          [&] { return tl::gradient(tl::outputs(z, w), tl::wrt(x, y, s), tl::seeds(sd, c)); },
          [&] { return sd.size() == x.value().size(); },
          [&] {
            std::vector<ref> gx, gy, gs;
            z_terms(gx, gy, gs);
            ref const sv = exact(s.value()), cs = mul(exact(c), sv), sum_x = sum_r(exact_all(x.value()));
            for (auto& g : gx) g = sum_r({g, cs});
            return std::vector{gx, gy, {sum_r({sum_r(gs), mul(exact(c), sum_x)})}};
          },
          x, y, s);
    }
    default:  // and a var as an output: its gradient is its seed
      return run(
          "outputs(z, x), seeds(sd, sd2)",
          [&] { return tl::gradient(tl::outputs(z, x), tl::wrt(x, y, s), tl::seeds(sd, sd2)); },
          [&] { return sd.size() == x.value().size() && sd2.size() == x.value().size(); },
          [&] {
            std::vector<ref> gx, gy, gs;
            z_terms(gx, gy, gs);
            for (std::size_t i = 0; i < gx.size(); ++i) gx[i] = sum_r({gx[i], exact(sd2[i])});
            return std::vector{gx, gy, {sum_r(gs)}};
          },
          x, y, s);
  }
}

// ---- Family 9: lets used twice, nested, as gradient targets, stopped ------------------------------------

void family_lets(source& in) {
  unsigned const form = in.pick(3);
  std::size_t const n = in.extent(40);
  dvar x(in.dvec(n)), y(in.dvec(in.like(n, 40)));
  tl::var<double> s(in.value());
  auto l = tl::let(x * y);
  auto products = [&] {
    std::vector<ref> p;
    for (std::size_t i = 0; i < x.value().size(); ++i) p.push_back(mul(exact(x.value()[i]), exact(y.value()[i])));
    return p;
  };
  auto run = [&](char const* what, auto const& root, auto const& grad, auto const& reference, auto const&... vars) {
    for (int pass = 0; pass < 2; ++pass) {
      bool const fits = x.value().size() == y.value().size();
      check({9, what}, fits, fits, [&] { return tl::value(root); }, grad, reference, vars...);
      if (fits) break;
      y = in.dvec(x.value().size());  // the let threw while evaluating; it must recover
    }
  };
  if (form < 2) {
    bool const stopped = form == 1;
    auto const root = tl::sum(l * l) + tl::dot(l, x);
    auto reference = [&](bool) {
      auto const p = products();
      std::vector<ref> sq, px, gx, gy, gl;
      for (std::size_t i = 0; i < p.size(); ++i) {
        ref const xi = exact(x.value()[i]), yi = exact(y.value()[i]);
        sq.push_back(mul(p[i], p[i]));
        px.push_back(mul(p[i], xi));
        gl.push_back(sum_r({mul(exact(1), p[i]), mul(exact(1), p[i]), mul(exact(1), xi)}));
        ref const direct = mul(exact(1), p[i]);  // dot(l, x) into x
        gx.push_back(stopped ? direct : sum_r({direct, mul(gl[i], yi)}));
        gy.push_back(stopped ? exact(0) : mul(gl[i], xi));
      }
      return expected{{add(sum_r(sq), sum_r(px))}, {gx, gy, gl}};
    };
    if (stopped)
      run(
          "sum(l * l) + dot(l, x), l = let(x * y), stop_at(l)", root,
          [&] { return tl::gradient(root, tl::wrt(x, y, l), tl::stop_at(l)); }, reference, x, y);
    else
      run(
          "sum(l * l) + dot(l, x), l = let(x * y)", root, [&] { return tl::gradient(root, tl::wrt(x, y, l)); },
          reference, x, y);
  } else {
    auto m = tl::let(l * s + l);
    auto const root = tl::sum(m * l) + tl::sum(m);
    run(
        "sum(m * l) + sum(m), m = let(l * s + l), l = let(x * y)", root,
        [&] { return tl::gradient(root, tl::wrt(x, y, s, l, m)); },
        [&](bool) {
          auto const p = products();
          ref const sv = exact(s.value());
          std::vector<ref> ms, mp, gm, gl, gx, gy, gs;
          for (std::size_t i = 0; i < p.size(); ++i) {
            ms.push_back(add(mul(p[i], sv), p[i]));
            mp.push_back(mul(ms[i], p[i]));
            gm.push_back(sum_r({mul(exact(1), p[i]), exact(1)}));
            gl.push_back(sum_r({mul(exact(1), ms[i]), mul(gm[i], sv), gm[i]}));
            gs.push_back(mul(gm[i], p[i]));
            gx.push_back(mul(gl[i], exact(y.value()[i])));
            gy.push_back(mul(gl[i], exact(x.value()[i])));
          }
          return expected{{add(sum_r(mp), sum_r(ms))}, {gx, gy, {sum_r(gs)}, gl, gm}};
        },
        x, y, s);
  }
}

// ---- Family 10: where (a mask from the data) and stop_gradient ----------------------------------------

void family_where(source& in) {
  unsigned const form = in.pick(4);
  std::size_t const n = in.extent(40);
  dvar x(in.dvec(n)), y(in.dvec(in.like(n, 40)));
  tl::var<double> s(in.value());
  double const c = in.value();
  auto run = [&](char const* what, auto const& root, auto const& grad, auto const& reference, auto const&... vars) {
    for (int pass = 0; pass < 2; ++pass) {
      bool const fits = x.value().size() == y.value().size();
      check({10, what}, fits, fits, [&] { return tl::value(root); }, grad, reference, vars...);
      if (fits) break;
      y = in.dvec(x.value().size());
    }
  };
  auto mask = [&](tl::dvec<double> const& v, std::size_t i) { return v[i] > c; };
  auto chosen = [](bool m) { return exact(m ? 1 : 0); };  // where's adjoint of each branch
  switch (form) {
    case 0: {
      auto const root = tl::sum(tl::where(x > c, x * s, y));
      return run(
          "sum(where(x > c, x * s, y))", root, [&] { return tl::gradient(root, tl::wrt(x, y, s)); },
          [&](bool) {
            std::vector<ref> v, gx, gy, gs;
            ref const sv = exact(s.value());
            for (std::size_t i = 0; i < n; ++i) {
              bool const m = mask(x.value(), i);
              ref const xi = exact(x.value()[i]);
              v.push_back(m ? mul(xi, sv) : exact(y.value()[i]));
              gx.push_back(mul(chosen(m), sv));  // the unchosen branch gets 0 times its partial
              gs.push_back(mul(chosen(m), xi));
              gy.push_back(chosen(!m));
            }
            return expected{{sum_r(v)}, {gx, gy, {sum_r(gs)}}};
          },
          x, y, s);
    }
    case 1: {  // the documented NaN: 0 times log's infinite partial in the unchosen branch
      auto const root = tl::sum(tl::where(y > c, tl::log(x), -x));
      return run(
          "sum(where(y > c, log(x), -x))", root, [&] { return tl::gradient(root, tl::wrt(x, y)); },
          [&](bool) {
            std::vector<ref> v, gx, gy;
            for (std::size_t i = 0; i < n; ++i) {
              bool const m = mask(y.value(), i);
              ref const xi = exact(x.value()[i]);
              v.push_back(m ? log_r(xi) : neg(xi));
              gx.push_back(sum_r({div(chosen(m), xi), neg(chosen(!m))}));
              gy.push_back(exact(0));  // the mask is not differentiated
            }
            return expected{{sum_r(v)}, {gx, gy}};
          },
          x, y);
    }
    case 2: {
      auto const root = tl::sum(tl::stop_gradient(x * y) * x + y);
      return run(
          "sum(stop_gradient(x * y) * x + y)", root, [&] { return tl::gradient(root, tl::wrt(x, y)); },
          [&](bool) {
            std::vector<ref> v, gx, gy;
            for (std::size_t i = 0; i < n; ++i) {
              ref const xi = exact(x.value()[i]), yi = exact(y.value()[i]), p = mul(xi, yi);
              v.push_back(add(mul(p, xi), yi));
              gx.push_back(mul(exact(1), p));
              gy.push_back(exact(1));
            }
            return expected{{sum_r(v)}, {gx, gy}};
          },
          x, y);
    }
    default: {  // a scalar branch
      auto const root = tl::sum(tl::where(y > c, x, s));
      return run(
          "sum(where(y > c, x, s))", root, [&] { return tl::gradient(root, tl::wrt(x, y, s)); },
          [&](bool) {
            std::vector<ref> v, gx, gy, gs;
            for (std::size_t i = 0; i < n; ++i) {
              bool const m = mask(y.value(), i);
              v.push_back(m ? exact(x.value()[i]) : exact(s.value()));
              gx.push_back(chosen(m));
              gy.push_back(exact(0));
              gs.push_back(chosen(!m));
            }
            return expected{{sum_r(v)}, {gx, gy, {sum_r(gs)}}};
          },
          x, y, s);
    }
  }
}

}  // namespace tapeless_fuzz

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  using namespace tapeless_fuzz;
  source in(data, size);
  std::size_t const family = in.pick(family_count);
  ++stats.inputs[family];
  try {
    switch (family) {
      case 0: family_unary(in); break;
      case 1: family_binary(in); break;
      case 2: family_broadcast(in); break;
      case 3: family_let_tree(in); break;
      case 4: family_matmul(in); break;
      case 5: family_dot(in); break;
      case 6: family_index(in); break;
      case 7: family_extremes(in); break;
      case 8: family_seeds(in); break;
      case 9: family_lets(in); break;
      default: family_where(in); break;
    }
  } catch (tl::shape_error const& e) {
    fail({family, "an extent that fits"}, std::string("unexpected tl::shape_error: ") + e.what());
  } catch (std::exception const& e) {
    fail({family, "any input"}, std::string("unexpected exception: ") + e.what());
  }
  return 0;
}

void print_fuzz_statistics(std::FILE* out) {
  using tapeless_fuzz::stats;
  std::uint64_t const compared = stats.exact + stats.bounded + stats.unbounded;
  for (std::size_t f = 0; f < tapeless_fuzz::family_count; ++f)
    std::fprintf(out, "  %-10s %7llu inputs, %7llu roots fit, %7llu throw\n", tapeless_fuzz::family_names[f],
                 static_cast<unsigned long long>(stats.inputs[f]), static_cast<unsigned long long>(stats.fitting[f]),
                 static_cast<unsigned long long>(stats.throwing[f]));
  std::fprintf(out, "  numbers compared: %llu exactly, %llu within a bound, %llu without a bound (%.1f%%)\n",
               static_cast<unsigned long long>(stats.exact), static_cast<unsigned long long>(stats.bounded),
               static_cast<unsigned long long>(stats.unbounded),
               compared ? 100.0 * double(stats.unbounded) / double(compared) : 0.0);
}
