// The fuzz harness's elementwise families (api.cpp has the others and the entry point): trees of the
// elementwise operations under fused sums and means, over two vectors or a vector and a scalar, and
// trees of lets whose every operation is chosen on its own under every reduction.
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "harness.hpp"

namespace tapeless_fuzz {
namespace {

// ---- Elementwise operations: the library's builder and the reference's rules ---------------------------

// The reference's derivative rules are the calculus written out in the library's order of
// operations (ops.hpp), so that NaN and infinity come out where the documented edges say.
struct u_neg {
  static constexpr char const* name = "negate";
  static auto lib(auto const& e) { return -e; }
  static ref val(ref x) { return neg(x); }
  static ref adj(ref, ref, ref a) { return neg(a); }
};
struct u_exp {
  static constexpr char const* name = "exp";
  static auto lib(auto const& e) { return tl::exp(e); }
  static ref val(ref x) { return exp_r(x); }
  static ref adj(ref, ref y, ref a) { return mul(a, y); }
};
struct u_log {
  static constexpr char const* name = "log";
  static auto lib(auto const& e) { return tl::log(e); }
  static ref val(ref x) { return log_r(x); }
  static ref adj(ref x, ref, ref a) { return div(a, x); }
};
struct u_sin {
  static constexpr char const* name = "sin";
  static auto lib(auto const& e) { return tl::sin(e); }
  static ref val(ref x) { return sin_r(x); }
  static ref adj(ref x, ref, ref a) { return mul(a, cos_r(x)); }
};
struct u_cos {
  static constexpr char const* name = "cos";
  static auto lib(auto const& e) { return tl::cos(e); }
  static ref val(ref x) { return cos_r(x); }
  static ref adj(ref x, ref, ref a) { return neg(mul(a, sin_r(x))); }
};
struct u_tan {
  static constexpr char const* name = "tan";
  static auto lib(auto const& e) { return tl::tan(e); }
  static ref val(ref x) { return exact_only(x, [](double v) { return std::tan(v); }); }
  static ref adj(ref, ref y, ref a) { return mul(a, add(exact(1), mul(y, y))); }
};
struct u_tanh {
  static constexpr char const* name = "tanh";
  static auto lib(auto const& e) { return tl::tanh(e); }
  static ref val(ref x) { return tanh_r(x); }
  static ref adj(ref, ref y, ref a) { return mul(a, sub(exact(1), mul(y, y))); }
};
struct u_sqrt {
  static constexpr char const* name = "sqrt";
  static auto lib(auto const& e) { return tl::sqrt(e); }
  static ref val(ref x) { return sqrt_r(x); }
  static ref adj(ref, ref y, ref a) { return div(a, mul(exact(2), y)); }
};
struct u_square {
  static constexpr char const* name = "square";
  static auto lib(auto const& e) { return tl::square(e); }
  static ref val(ref x) { return mul(x, x); }
  static ref adj(ref x, ref, ref a) { return mul(exact(2), mul(a, x)); }
};
struct u_abs {
  static constexpr char const* name = "abs";
  static auto lib(auto const& e) { return tl::abs(e); }
  static ref val(ref x) { return {std::abs(x.v), x.e}; }
  // The subgradient 0 at 0 (and at NaN: neither comparison holds).
  static ref adj(ref x, ref, ref a) {
    return pick(decide(x, exact(0), std::greater<>{}), a, pick(decide(x, exact(0), std::less<>{}), neg(a), exact(0)));
  }
};
struct u_sigmoid {
  static constexpr char const* name = "sigmoid";
  static auto lib(auto const& e) { return tl::sigmoid(e); }
  static ref val(ref x) { return exact_only(x, [](double v) { return 1 / (1 + std::exp(-v)); }); }
  static ref adj(ref, ref y, ref a) { return mul(a, mul(y, sub(exact(1), y))); }
};
struct u_log1p {
  static constexpr char const* name = "log1p";
  static auto lib(auto const& e) { return tl::log1p(e); }
  static ref val(ref x) { return exact_only(x, [](double v) { return std::log1p(v); }); }
  static ref adj(ref x, ref, ref a) { return div(a, add(exact(1), x)); }
};
struct u_expm1 {
  static constexpr char const* name = "expm1";
  static auto lib(auto const& e) { return tl::expm1(e); }
  static ref val(ref x) { return exact_only(x, [](double v) { return std::expm1(v); }); }
  static ref adj(ref, ref y, ref a) { return mul(a, add(y, exact(1))); }
};

constexpr unsigned unary_count = 13;
template <class F>
void with_unary(unsigned k, F const& f) {
  switch (k) {
    case 0: return f(std::type_identity<u_neg>{});
    case 1: return f(std::type_identity<u_exp>{});
    case 2: return f(std::type_identity<u_log>{});
    case 3: return f(std::type_identity<u_sin>{});
    case 4: return f(std::type_identity<u_cos>{});
    case 5: return f(std::type_identity<u_tan>{});
    case 6: return f(std::type_identity<u_tanh>{});
    case 7: return f(std::type_identity<u_sqrt>{});
    case 8: return f(std::type_identity<u_square>{});
    case 9: return f(std::type_identity<u_abs>{});
    case 10: return f(std::type_identity<u_sigmoid>{});
    case 11: return f(std::type_identity<u_log1p>{});
    default: return f(std::type_identity<u_expm1>{});
  }
}

struct b_add {
  static constexpr char const* name = "+";
  static auto lib(auto const& a, auto const& b) { return a + b; }
  static ref val(ref x, ref z) { return add(x, z); }
  static ref left(ref, ref, ref, ref a) { return a; }
  static ref right(ref, ref, ref, ref a) { return a; }
};
struct b_sub {
  static constexpr char const* name = "-";
  static auto lib(auto const& a, auto const& b) { return a - b; }
  static ref val(ref x, ref z) { return sub(x, z); }
  static ref left(ref, ref, ref, ref a) { return a; }
  static ref right(ref, ref, ref, ref a) { return neg(a); }
};
struct b_mul {
  static constexpr char const* name = "*";
  static auto lib(auto const& a, auto const& b) { return a * b; }
  static ref val(ref x, ref z) { return mul(x, z); }
  static ref left(ref, ref z, ref, ref a) { return mul(a, z); }
  static ref right(ref x, ref, ref, ref a) { return mul(a, x); }
};
struct b_div {
  static constexpr char const* name = "/";
  static auto lib(auto const& a, auto const& b) { return a / b; }
  static ref val(ref x, ref z) { return div(x, z); }
  static ref left(ref, ref z, ref, ref a) { return div(a, z); }
  static ref right(ref, ref z, ref y, ref a) { return div(neg(mul(a, y)), z); }
};
/// An array divided by a scalar runs as a product with the reciprocal, taken once (docs/guide.md,
/// "What runs fast"): y = x r with r = 1 / s, dy/dx = r, dy/ds = -y r. Where 1 / s overflows (a
/// denormal s) the loop divides.
struct b_recip {
  static constexpr char const* name = "/ (by the reciprocal)";
  static bool overflows(ref s) { return std::isfinite(s.v) && s.v != 0 && std::isinf(1 / s.v); }
  static ref val(ref x, ref s) {
    if (overflows(s)) return b_div::val(x, s);
    return mul(x, div(exact(1), s));
  }
  static ref left(ref x, ref s, ref y, ref a) {
    if (overflows(s)) return b_div::left(x, s, y, a);
    return mul(a, div(exact(1), s));
  }
  static ref right(ref x, ref s, ref y, ref a) {
    if (overflows(s)) return b_div::right(x, s, y, a);
    return mul(neg(mul(a, div(exact(1), s))), y);
  }
};
struct b_pow {
  static constexpr char const* name = "pow";
  static auto lib(auto const& a, auto const& b) { return tl::pow(a, b); }
  static ref val(ref x, ref z) { return pow_r(x, z); }
  // d/dx is 0 where z = 0 (JAX's rule); d/dz takes log(x) as log(1) at x = 0 (docs/semantics.md).
  static ref left(ref x, ref z, ref, ref a) {
    return mul(a, pick(decide(z, exact(0), std::equal_to<>{}), exact(0), mul(z, pow_r(x, sub(z, exact(1))))));
  }
  static ref right(ref x, ref, ref y, ref a) {
    return mul(a, mul(y, log_r(pick(decide(x, exact(0), std::equal_to<>{}), exact(1), x))));
  }
};
// Ties go to the left operand.
struct b_max {
  static constexpr char const* name = "max";
  static auto lib(auto const& a, auto const& b) { return tl::max(a, b); }
  static ref val(ref x, ref z) { return pick(decide(x, z, std::greater_equal<>{}), x, z); }
  static ref left(ref x, ref z, ref, ref a) { return pick(decide(x, z, std::greater_equal<>{}), a, exact(0)); }
  static ref right(ref x, ref z, ref, ref a) { return pick(decide(x, z, std::greater_equal<>{}), exact(0), a); }
};
struct b_min {
  static constexpr char const* name = "min";
  static auto lib(auto const& a, auto const& b) { return tl::min(a, b); }
  static ref val(ref x, ref z) { return pick(decide(x, z, std::less_equal<>{}), x, z); }
  static ref left(ref x, ref z, ref, ref a) { return pick(decide(x, z, std::less_equal<>{}), a, exact(0)); }
  static ref right(ref x, ref z, ref, ref a) { return pick(decide(x, z, std::less_equal<>{}), exact(0), a); }
};

constexpr unsigned binary_count = 7;
template <class F>
void with_binary(unsigned k, F const& f) {
  switch (k) {
    case 0: return f(std::type_identity<b_add>{});
    case 1: return f(std::type_identity<b_sub>{});
    case 2: return f(std::type_identity<b_mul>{});
    case 3: return f(std::type_identity<b_div>{});
    case 4: return f(std::type_identity<b_pow>{});
    case 5: return f(std::type_identity<b_max>{});
    default: return f(std::type_identity<b_min>{});
  }
}

/// The reference's rules of one elementwise operation, as plain function pointers: the stages below
/// are then instantiated once, not once per operation.
struct unary_rules {
  char const* name;
  ref (*val)(ref);
  ref (*adj)(ref, ref, ref);
};
template <class U>
constexpr unary_rules unary_rules_of{U::name, &U::val, &U::adj};
struct binary_rules {
  char const* name;
  ref (*val)(ref, ref);
  ref (*left)(ref, ref, ref, ref);
  ref (*right)(ref, ref, ref, ref);
};
template <class B>
constexpr binary_rules binary_rules_of{B::name, &B::val, &B::left, &B::right};

/// The roots a tree t of families 0-2 is checked under: its fused sum (and, if WithMean, its fused mean,
/// for odd rules); every other reduction, and a let over such a tree, are family 3's. grad(root) takes
/// the gradient; fits() gives the number of elements when the extents fit; refit() then gives the
/// mismatched var a fitting value, and the same root is checked again. tree() gives the reference's
/// elements, back(adjoints) the gradients. (Each root is another instantiation of the fused loops: the
/// choice is kept short for the sake of compile time.)
template <bool WithMean, class T, class Tree, class Back, class Grad, class Fits, class Refit, class... V>
void check_fused(context c, unsigned rule, T const& t, Tree const& tree, Back const& back, Grad const& grad,
                 Fits const& fits, Refit const& refit, V const&... vars) {
  auto run = [&](auto const& root, reduction r) {
    c.detail += std::string(" under a fused ") + reduction_names[r];
    for (int pass = 0; pass < 2; ++pass) {
      std::optional<std::size_t> const n = fits();
      check(
          c, bool(n), bool(n), [&] { return tl::value(root); }, [&] { return grad(root); },
          [&](bool) {
            reduced const red = reduce_ref(r, tree(), true);
            return expected{{red.value}, back(red.adjoint)};
          },
          vars...);
      if (n) break;
      refit();
    }
  };
  if constexpr (WithMean)
    if (rule % 2) return run(tl::mean(t), r_mean);
  run(tl::sum(t), r_sum);
}

}  // namespace

// ---- Family 0: a unary function under a product and a fused sum: sum(f(x) * y) ---------------------------

void family_unary(source& in) {
  unsigned const op = in.pick(unary_count);
  std::size_t const n = in.extent(40);
  dvar x(in.dvec(n)), y(in.dvec(in.like(n, 40)));
  with_unary(op, [&]<class U>(std::type_identity<U>) {
    auto const t = U::lib(x) * y;
    auto tree = [&] {
      std::vector<ref> r;
      for (std::size_t i = 0; i < x.value().size(); ++i)
        r.push_back(mul(U::val(exact(x.value()[i])), exact(y.value()[i])));
      return r;
    };
    auto back = [&](std::vector<ref> const& a) {
      std::vector<ref> gx, gy;
      for (std::size_t i = 0; i < a.size(); ++i) {
        ref const xi = exact(x.value()[i]), yi = exact(y.value()[i]), u = U::val(xi);
        gx.push_back(U::adj(xi, u, mul(a[i], yi)));
        gy.push_back(mul(a[i], u));
      }
      return std::vector{gx, gy};
    };
    check_fused<false>(
        {0, std::string(U::name) + "(x) * y"}, 0, t, tree, back,
        [&](auto const& root) { return tl::gradient(root, tl::wrt(x, y)); },
        [&] { return same_size(x.value().size(), y.value().size()); }, [&] { y = in.dvec(x.value().size()); }, x, y);
  });
}

// ---- Family 1: a binary operation of two vectors under a fused sum or mean ----------------------------

void family_binary(source& in) {
  unsigned const op = in.pick(binary_count), rule = in.pick(2);
  std::size_t const n = in.extent(40);
  dvar x(in.dvec(n)), y(in.dvec(in.like(n, 40)));
  with_binary(op, [&]<class B>(std::type_identity<B>) {
    auto const t = B::lib(x, y);
    auto tree = [&] {
      std::vector<ref> r;
      for (std::size_t i = 0; i < x.value().size(); ++i) r.push_back(B::val(exact(x.value()[i]), exact(y.value()[i])));
      return r;
    };
    auto back = [&](std::vector<ref> const& a) {
      std::vector<ref> gx, gy;
      for (std::size_t i = 0; i < a.size(); ++i) {
        ref const xi = exact(x.value()[i]), yi = exact(y.value()[i]), v = B::val(xi, yi);
        gx.push_back(B::left(xi, yi, v, a[i]));
        gy.push_back(B::right(xi, yi, v, a[i]));
      }
      return std::vector{gx, gy};
    };
    check_fused<true>(
        {1, std::string("x ") + B::name + " y"}, rule, t, tree, back,
        [&](auto const& root) { return tl::gradient(root, tl::wrt(x, y)); },
        [&] { return same_size(x.value().size(), y.value().size()); }, [&] { y = in.dvec(x.value().size()); }, x, y);
  });
}

// ---- Family 2: a vector and a scalar var (broadcast), either side, under a fused sum ----------------------

void family_broadcast(source& in) {
  unsigned const op = in.pick(binary_count);
  bool const scalar_left = in.byte() & 1;
  std::size_t const n = in.extent(40);
  dvar y(in.dvec(n));
  tl::var<double> s(in.value());
  with_binary(op, [&]<class B>(std::type_identity<B>) {
    // y / s runs as y * (1 / s); s / y is an ordinary division.
    binary_rules const rules = !scalar_left && std::is_same_v<B, b_div> ? binary_rules_of<b_recip> : binary_rules_of<B>;
    auto body = [&](auto const& t) {
      auto operands = [&](std::size_t i) {
        ref const yi = exact(y.value()[i]), si = exact(s.value());
        return scalar_left ? std::pair{si, yi} : std::pair{yi, si};
      };
      auto tree = [&] {
        std::vector<ref> r;
        for (std::size_t i = 0; i < y.value().size(); ++i)
          r.push_back(rules.val(operands(i).first, operands(i).second));
        return r;
      };
      auto back = [&](std::vector<ref> const& a) {
        std::vector<ref> gy, gs_terms;
        for (std::size_t i = 0; i < a.size(); ++i) {
          auto const [l, r] = operands(i);
          ref const v = rules.val(l, r), gl = rules.left(l, r, v, a[i]), gr = rules.right(l, r, v, a[i]);
          gy.push_back(scalar_left ? gr : gl);
          gs_terms.push_back(scalar_left ? gl : gr);
        }
        return std::vector{gy, std::vector{sum_r(gs_terms)}};
      };
      check_fused<false>(
          {2, scalar_left ? std::string("s ") + rules.name + " y" : std::string("y ") + rules.name + " s"}, 0, t, tree,
          back, [&](auto const& root) { return tl::gradient(root, tl::wrt(y, s)); },
          [&] { return std::optional<std::size_t>(y.value().size()); }, [] {}, y, s);
    };
    if (scalar_left)
      body(B::lib(s, y));
    else
      body(B::lib(y, s));
  });
}

// ---- Family 3: a tree of lets, each operation chosen on its own: R(B1(f(x), B2(y, s))) -----------------

/// Each stage takes the lets made so far as `+l` (the let_ref node, whose type names only the value
/// type), so the stages are instantiated once whatever the operations.
template <class L1, class L2, class L3>
void let_tree_roots(source& in, context c, unsigned rule, L1 const& l1, L2 const& l2, L3 const& t, dvar& x, dvar& y,
                    tl::var<double> const& s, unary_rules u, binary_rules b2, binary_rules b1) {
  (void)l1;
  (void)l2;
  auto const r = reduction(rule % 6);
  c.detail += std::string(" under ") + reduction_names[r];
  auto run = [&](auto const& root) {
    for (int pass = 0; pass < 2; ++pass) {
      std::optional<std::size_t> const n = same_size(x.value().size(), y.value().size());
      bool const ok = n && !(needs_elements(r) && *n == 0);
      check(
          c, ok, ok, [&] { return tl::value(root); }, [&] { return tl::gradient(root, tl::wrt(x, y, s)); },
          [&](bool) {
            std::size_t const m = x.value().size();
            std::vector<ref> us, ws, ts;
            ref const sv = exact(s.value());
            for (std::size_t i = 0; i < m; ++i) {
              us.push_back(u.val(exact(x.value()[i])));
              ws.push_back(b2.val(exact(y.value()[i]), sv));
              ts.push_back(b1.val(us[i], ws[i]));
            }
            reduced const red = reduce_ref(r, ts, false);
            std::vector<ref> gx, gy, gs_terms;
            for (std::size_t i = 0; i < m; ++i) {
              ref const al = b1.left(us[i], ws[i], ts[i], red.adjoint[i]);
              ref const ar = b1.right(us[i], ws[i], ts[i], red.adjoint[i]);
              gx.push_back(u.adj(exact(x.value()[i]), us[i], al));
              gy.push_back(b2.left(exact(y.value()[i]), sv, ws[i], ar));
              gs_terms.push_back(b2.right(exact(y.value()[i]), sv, ws[i], ar));
            }
            return expected{{red.value}, {gx, gy, {sum_r(gs_terms)}}};
          },
          x, y, s);
      if (n) break;
      y = in.dvec(x.value().size());
    }
  };
  switch (r) {
    case r_sum: return run(tl::sum(t));
    case r_mean: return run(tl::mean(t));
    case r_norm: return run(tl::norm(t));
    case r_max: return run(tl::max(t));
    case r_min: return run(tl::min(t));
    case r_logsumexp: return run(tl::logsumexp(t));
  }
}

template <class L1, class L2>
void let_tree_outer(source& in, context const& c, unsigned op1, unsigned rule, L1 const& l1, L2 const& l2, dvar& x,
                    dvar& y, tl::var<double> const& s, unary_rules u, binary_rules b2) {
  with_binary(op1, [&]<class B>(std::type_identity<B>) {
    auto t = tl::let(B::lib(l1, l2));
    context c1 = c;
    c1.detail = std::string(B::name) + "(" + c.detail + ")";
    let_tree_roots(in, c1, rule, l1, l2, +t, x, y, s, u, b2, binary_rules_of<B>);
  });
}

template <class L1>
void let_tree_inner(source& in, unsigned op2, unsigned op1, unsigned rule, L1 const& l1, dvar& x, dvar& y,
                    tl::var<double> const& s, unary_rules u) {
  with_binary(op2, [&]<class B>(std::type_identity<B>) {
    auto l2 = tl::let(B::lib(y, s));
    binary_rules const b2 = std::is_same_v<B, b_div> ? binary_rules_of<b_recip> : binary_rules_of<B>;
    let_tree_outer(in, {3, std::string(u.name) + "(x), y " + b2.name + " s"}, op1, rule, l1, +l2, x, y, s, u, b2);
  });
}

void family_let_tree(source& in) {
  unsigned const op = in.pick(unary_count), op2 = in.pick(binary_count), op1 = in.pick(binary_count), rule = in.pick(6);
  std::size_t const n = in.extent(40);
  dvar x(in.dvec(n)), y(in.dvec(in.like(n, 40)));
  tl::var<double> s(in.value());
  with_unary(op, [&]<class U>(std::type_identity<U>) {
    auto l1 = tl::let(U::lib(x));
    let_tree_inner(in, op2, op1, rule, +l1, x, y, s, unary_rules_of<U>);
  });
}

}  // namespace tapeless_fuzz
