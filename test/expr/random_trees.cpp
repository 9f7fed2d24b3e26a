// Random expression trees (issue 10, item 4). A constexpr PRNG (splitmix64) turns a seed into the
// skeleton of a tree at compile time (its ops, shapes and element type: what the C++ type depends on);
// one generic builder makes the typed expression from it, and every run draws instances of it: new
// numbers, constant vectors, indices and, for trees without static extents, a new length. So the same
// typed tree runs, at random points and directions,
//   (R) on tl::var<V<T>>: the value and tl::gradient, against a long double interpreter of the same
//       description (value, and central differences, Richardson-extrapolated);
//   (T) the tangent pass, tl::jacobian(y, x, tl::forward_mode), against (R);
//   (F) on tl::var<V<tl::dual<T, N>>> seeded with unit directions: the value's tangents are the gradient
//       by forward mode, and tl::gradient on the duals (forward over reverse) gives the Hessian's
//       columns: it must be symmetric and give v'Hv and u'Hv as second differences do;
//   (J) on tl::var<V<tl::jet<T, 2>>> along a direction v: grad.v and v'Hv;
//   (N) on nested duals tl::dual<tl::dual<T>> along u and v: grad.u, grad.v and u'Hv;
//   (A) through tl::grad(f) and tl::hessian(f), for trees of one input.
// Every mode is checked against the interpreter, and against the other modes where both ran.
//
// Ops: + - * / (with numbers on either side), unary -, exp, log, sin, cos, tan, tanh, sqrt, square,
// abs, sigmoid, log1p, expm1, pow (integer and real exponents, a number base, both operands
// differentiated), elementwise max / min, where (> < >= <=, scalar or vector masks and branches),
// stop_gradient, indexing, sum, mean, norm, dot, max / min reductions, logsumexp; lets used 2 or 3 times
// (lets of lets too); depth up to 6. Inputs: 1 to 3 of scalars, tl::vec<T, L> and tl::dvec<T> (mixed in
// one tree), T float or double; L in {1, 3, 7, 9, 17}, or drawn per instance from 1 to 33 when the tree
// has no static extents: the SIMD tails of AVX-512 and AVX2 for float and double, and the small
// static vectors (up to 8 elements, straight-line code) as well as the fused loops.
//
// Domain guards, so that every point is smooth and finite and differences mean something: log(square(a)
// + c) or log(sigmoid(a)); log1p(square(a)) or log1p(exp(a)); sqrt(square(a) + c), sqrt(exp(a)) or
// sqrt(sigmoid(a)); pow(square(a) + c, k), pow(c, a), pow(square(a) + c, b) with c > 0; a / (square(b) + c),
// a / (c + exp(b)) or a / k with |k| >= 0.5; tan of |a| <= 1.2 or of tanh(a). The generator bounds |value|
// of every node (interval arithmetic over the inputs' range and the numbers' ranges): exp, expm1 and pow
// take a raw argument only where it is bounded (else tanh of it), and a node whose bound passes 256 is
// scaled down by a power of 2. The kinks (abs, where, elementwise and reduced max / min, norm at 0) are
// kept away from: a point is redrawn where one is within 1e-3 (relative), and a difference quotient is
// dropped where a shifted point takes another branch. stop_gradient: the differences freeze the stopped
// subtree at its value at the point; the modes must agree that nothing flows through it.
//
// How many. Each skeleton is a distinct type: compiled in (R) and a subset of the other modes drawn
// with it (all of them with -DTAPELESS_RANDOM_TREES_MODES=31), one costs about 3.5 s of compile time
// under -O1 and the sanitizers, with g++ 12 and clang 14 alike (about 0.3 s per node and mode), so 10^4
// distinct typed trees would take about 10 CPU hours per compiler. CI compiles TAPELESS_RANDOM_TREES
// (16) skeletons and runs each on TAPELESS_RANDOM_TREES_INSTANCES (640, from the environment)
// instances of TAPELESS_RANDOM_TREES_POINTS (2) points: 16 distinct types, 10^4 programs, about 10^6
// checks. A long run compiles other blocks of skeletons, -DTAPELESS_TREE_SEED=k for k = 1, 2, ..., and
// runs each with more instances. --log_level=message prints each skeleton and what was checked.
#define BOOST_TEST_MODULE expr_random_trees
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <tapeless/tapeless.hpp>

#ifndef TAPELESS_TREE_SEED
#define TAPELESS_TREE_SEED 0
#endif
#ifndef TAPELESS_RANDOM_TREES
#define TAPELESS_RANDOM_TREES 16
#endif

namespace {

// ---- the skeleton, generated at compile time -----------------------------------------------------------

struct splitmix {
  std::uint64_t s;
  constexpr std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  constexpr unsigned below(unsigned n) { return static_cast<unsigned>(next() % n); }
  constexpr bool chance(unsigned percent) { return below(100) < percent; }
  constexpr double uniform(double lo, double hi) {
    return lo + (hi - lo) * static_cast<double>(next() >> 11) * 0x1.0p-53;
  }
};

enum class op : std::uint8_t {
  input, number, constant,  // leaves
  negate, exp, log, sin, cos, tan, tanh, sqrt, square, abs, sigmoid, log1p, expm1, pow_int, pow_real, pow_base, stop,
  index, sum, mean, norm, max, min, logsumexp,       // one operand (the last seven to a scalar)
  add, subtract, multiply, divide, pow_both, max2, min2, dot,  // two
  where                                              // four: where(compare(a, b), c, d)
};
constexpr char const* op_names[] = {"input", "number", "constant", "negate", "exp", "log", "sin", "cos", "tan",
                                    "tanh", "sqrt", "square", "abs", "sigmoid", "log1p", "expm1", "pow_int",
                                    "pow_real", "pow_base", "stop", "index", "sum", "mean", "norm", "max", "min",
                                    "logsumexp", "add", "subtract", "multiply", "divide", "pow_both", "max2",
                                    "min2", "dot", "where"};
constexpr std::size_t op_count = sizeof(op_names) / sizeof(op_names[0]);

constexpr std::size_t arity(op o) {
  if (o <= op::constant) return 0;
  if (o <= op::logsumexp) return 1;
  return o == op::where ? 4 : 2;
}

enum class kind : std::uint8_t { scalar, fixed, dynamic };  // T, tl::vec<T, L>, tl::dvec<T>

/// The modes a skeleton runs in besides (R).
enum mode : unsigned { tangent = 1, forward = 2, jet = 4, nested = 8, api = 16 };

struct node {
  op o = op::input;
  std::uint8_t a = 0, b = 0, c = 0, d = 0;  // operands (node numbers)
  std::uint8_t variant = 0;                 // which guard, comparison or constant kind
  bool vec = false;                         // a vector of L elements, or a scalar
  std::int8_t let = -1;                     // >= 0: bound by let number `let`
  double lo = 0, hi = 0;                    // each instance draws its number k from [lo, hi]
  bool sign = false;                        // and gives it a random sign
  double lo2 = 0, hi2 = 0;                  // and k2 from [lo2, hi2]
  std::uint32_t u = 0;                      // the input's number
  double bound = 0;                         // |value| <= bound, whatever the instance and the point
  bool active = false;                      // depends on an input
};

constexpr std::size_t max_nodes = 128;
constexpr std::size_t max_lets = 2;
constexpr double input_range = 1.5;     // inputs are drawn from [-1.5, 1.5]
constexpr std::size_t max_length = 33;  // runtime lengths are drawn up to this

struct program {
  std::uint64_t seed = 0;
  bool is_float = false;
  bool fixed_length = false;  // some extent is static: every instance has L = length
  std::size_t length = 1;
  std::size_t inputs = 1;
  kind in[3] = {};
  std::size_t lanes = 1;  // tangent lanes of mode F
  unsigned modes = 0;
  std::size_t count = 0;
  node nodes[max_nodes] = {};
  std::size_t root = 0;
  std::size_t lets = 0;
  std::uint8_t let_node[max_lets] = {};
  std::size_t depth = 0;
};

constexpr double cmax(double a, double b) { return a < b ? b : a; }
/// An upper bound of exp(x) for 0 <= x <= 10.
constexpr double cexp(double x) {
  double s = 1, t = 1;
  for (int i = 1; i < 60; ++i) s += (t *= x / i);
  return s * 1.01;
}
constexpr double cpow_up(double base, double e) {  // base^ceil(e), base >= 1
  double r = 1;
  for (int i = 0; i < e; ++i) r *= base;
  return r;
}

constexpr op reductions[] = {op::index, op::sum, op::mean, op::norm, op::max, op::min, op::logsumexp, op::dot};
constexpr op unary[] = {op::negate, op::exp,     op::log,      op::sin,      op::cos,     op::tan,
                        op::tanh,   op::sqrt,    op::square,   op::abs,      op::sigmoid, op::log1p,
                        op::expm1,  op::pow_int, op::pow_real, op::pow_base, op::stop};
constexpr op binary[] = {op::add, op::subtract, op::multiply, op::divide, op::pow_both, op::max2, op::min2};

struct generator {
  program p{};
  splitmix r{0};
  std::size_t budget = 0;
  std::uint8_t uses[max_lets] = {};
  std::size_t lets_made = 0;
  bool vectors = false;

  constexpr node const& at(std::size_t i) const { return p.nodes[i]; }
  constexpr double L() const { return static_cast<double>(p.fixed_length ? p.length : max_length); }
  constexpr std::uint8_t push(node n) {
    std::size_t const m = arity(n.o);
    n.active = n.o == op::input || (m >= 1 && at(n.a).active) || (m >= 2 && at(n.b).active) ||
               (m >= 4 && (at(n.c).active || at(n.d).active));
    p.nodes[p.count] = n;
    return static_cast<std::uint8_t>(p.count++);
  }
  /// A number in [lo, hi], with a random sign if `sign`.
  constexpr std::uint8_t number(double lo, double hi, bool sign) {
    node n{};
    n.o = op::number;
    n.lo = lo;
    n.hi = hi;
    n.sign = sign;
    n.bound = hi < 0 ? -lo : hi;
    return push(n);
  }
  /// A power of 2 that brings a large bound down to 1, as a multiplication (exact in float too).
  constexpr std::uint8_t tame(std::uint8_t i) {
    if (at(i).bound <= 256) return i;
    double s = 1;
    while (at(i).bound * s > 4) s /= 2;
    node n{};
    n.o = op::multiply;
    n.vec = at(i).vec;
    n.a = i;
    n.b = number(s, s, false);
    n.bound = at(i).bound * s;
    return push(n);
  }
  constexpr bool full() const { return p.count + 8 > budget; }

  constexpr std::uint8_t input(bool vec) {
    std::size_t ins[3] = {};
    std::size_t m = 0;
    for (std::size_t k = 0; k < p.inputs; ++k)
      if ((p.in[k] != kind::scalar) == vec) ins[m++] = k;
    if (m == 0) {  // a scalar in a tree of vector inputs: an element of one
      node n{};
      n.o = op::index;
      n.a = input(true);
      n.bound = input_range;
      return push(n);
    }
    node n{};
    n.o = op::input;
    n.vec = vec;
    n.u = static_cast<std::uint32_t>(ins[r.below(static_cast<unsigned>(m))]);
    n.bound = input_range;
    return push(n);
  }

  constexpr std::uint8_t leaf(bool vec) {
    // A let of this shape with uses left, an input, or (rarely) a constant vector.
    if (r.chance(45)) {
      std::size_t found[max_lets] = {};
      std::size_t m = 0;
      for (std::size_t j = 0; j < lets_made; ++j)
        if (at(p.let_node[j]).vec == vec && uses[j] < 3) found[m++] = j;
      if (m > 0) {
        std::size_t const j = found[r.below(static_cast<unsigned>(m))];
        ++uses[j];
        return p.let_node[j];
      }
    }
    if (vec && r.chance(12)) {
      node n{};
      n.o = op::constant;
      n.vec = true;
      n.variant = static_cast<std::uint8_t>(p.fixed_length && r.chance(50) ? 0 : 1);  // static or runtime extents
      n.bound = 1;
      return push(n);
    }
    return input(vec);
  }

  /// An operand that may be a number (percent of the time), else a subtree of the given shape.
  constexpr std::uint8_t operand(int depth, bool vec, unsigned percent) {
    return r.chance(percent) ? number(0.25, 2.0, true) : gen(depth, vec);
  }

  constexpr std::uint8_t gen(int depth, bool vec) {
    if (depth <= 0 || full() || (depth < static_cast<int>(p.depth) && r.chance(25))) return leaf(vec);
    node n{};
    n.vec = vec;
    unsigned const pick = r.below(100);
    if (!vec && vectors && pick < 34) {  // a reduction of a vector
      n.o = reductions[r.below(8)];
      n.a = gen(depth - 1, true);
      double const b = at(n.a).bound;
      switch (n.o) {
        case op::sum:
        case op::norm: n.bound = L() * b; break;
        case op::logsumexp: n.bound = b + 4; break;
        case op::dot:
          n.b = gen(depth - 1, r.chance(80));
          n.bound = L() * b * at(n.b).bound;
          break;
        default: n.bound = b; break;
      }
      return tame(push(n));
    }
    if (pick < 52) {  // unary
      n.o = unary[r.below(17)];
      n.a = gen(depth - 1, vec);
      double const b = at(n.a).bound;
      switch (n.o) {
        case op::negate: case op::abs: case op::stop: n.bound = b; break;
        case op::exp:
          n.variant = static_cast<std::uint8_t>(b <= 8 && r.chance(60) ? 0 : 1 + r.below(2));
          n.bound = n.variant == 0 ? cexp(b) : 2.72;
          break;
        case op::log:
          n.variant = static_cast<std::uint8_t>(b <= 16 && r.chance(40) ? 1 : 0);
          n.lo = 0.25, n.hi = 2.0;
          n.bound = n.variant == 0 ? b * b + 4 : b + 1;
          break;
        case op::sin: case op::cos: case op::tanh: case op::sigmoid: n.bound = 1; break;
        case op::tan:
          n.variant = static_cast<std::uint8_t>(b <= 1.2 ? 0 : 1);
          n.bound = 2.6;
          break;
        case op::sqrt:
          n.variant = static_cast<std::uint8_t>(b <= 8 ? r.below(3) : 2 * r.below(2));
          n.lo = 0.25, n.hi = 2.0;
          n.bound = b + 1.5 + (n.variant == 1 ? cexp(b / 2) : 0);
          break;
        case op::square: n.bound = b * b; break;
        case op::log1p:
          n.variant = static_cast<std::uint8_t>(b <= 8 && r.chance(50) ? 1 : 0);
          n.bound = n.variant == 0 ? b * b : b + 1;
          break;
        case op::expm1:
          n.variant = static_cast<std::uint8_t>(b <= 8 && r.chance(70) ? 0 : 1);
          n.bound = n.variant == 0 ? cexp(b) : 2.72;
          break;
        case op::pow_int:
          n.lo = n.hi = r.chance(50) ? 2.0 : 3.0;
          n.bound = cpow_up(cmax(b, 1), n.lo);
          break;
        case op::pow_real:  // pow(square(a) + k2, k): the base in [0.25, b^2 + 1]
          n.lo = -1.5, n.hi = 2.5;
          n.lo2 = 0.25, n.hi2 = 1.0;
          n.bound = cpow_up(cmax(b * b + 1, 4), 2.5);
          break;
        case op::pow_base:  // pow(k, a), |log k| <= 1.2
          n.lo = 0.3, n.hi = 3.0;
          n.variant = static_cast<std::uint8_t>(b <= 8 ? 0 : 1);
          n.bound = cexp(1.2 * (n.variant == 0 ? b : 1));
          break;
        default: break;
      }
      return tame(push(n));
    }
    if (pick < 92) {  // binary
      n.o = binary[r.below(7)];
      // Which operands are vectors (at least one for a vector node), or numbers.
      bool va = vec, vb = vec;
      if (vec) {
        unsigned const s = r.below(100);
        if (s < 20) vb = false;
        else if (s < 35) va = false;
      }
      if (n.o == op::divide) {
        n.variant = static_cast<std::uint8_t>(r.below(3));
        if (n.variant == 2) vb = false;
        if (!vb) va = vec;
        n.a = operand(depth - 1, va, va ? 0 : 15);
        n.b = n.variant == 2 ? number(0.5, 2.0, true) : gen(depth - 1, vb);
        if (n.variant == 1 && at(n.b).bound > 8) n.variant = 0;
        n.lo = 0.25, n.hi = 2.0;
        n.bound = at(n.a).bound * (n.variant == 2 ? 2 : 4);
        return tame(push(n));
      }
      if (n.o == op::pow_both) {  // pow(square(a) + k, b), k in [0.25, 1]
        n.a = gen(depth - 1, va);
        n.b = gen(depth - 1, vb);
        n.lo = 0.25, n.hi = 1.0;
        n.variant = static_cast<std::uint8_t>(at(n.b).bound <= 3 ? 0 : 1);
        n.bound = cpow_up(cmax(at(n.a).bound * at(n.a).bound + 1, 4), n.variant == 0 ? at(n.b).bound : 1);
        return tame(push(n));
      }
      // One side may be a number (not both).
      bool const number_left = !va && r.chance(20);
      n.a = number_left ? number(0.25, 2.0, true) : gen(depth - 1, va);
      n.b = !number_left && !vb ? operand(depth - 1, false, 30) : gen(depth - 1, vb);
      double const ba = at(n.a).bound, bb = at(n.b).bound;
      n.bound = n.o == op::multiply ? ba * bb : n.o == op::max2 || n.o == op::min2 ? cmax(ba, bb) : ba + bb;
      return tame(push(n));
    }
    // where(compare(a, b), c, d): the mask's operands and the branches may be scalars in a vector node.
    n.o = op::where;
    n.variant = static_cast<std::uint8_t>(r.below(4));  // >, <, >=, <=
    bool const vm = vec && r.chance(70);
    bool const vc = vec && (!vm || r.chance(70));
    bool const vd = vec && (!vm || r.chance(70));
    n.a = gen(depth - 1, vm);
    n.b = r.chance(40) ? number(-1.5, 1.5, false) : gen(depth - 1, vm && r.chance(50));
    n.c = gen(depth - 1, vc);
    n.d = vd || r.chance(70) ? gen(depth - 1, vd) : number(0.25, 2.0, true);
    // A vector node needs a vector among the mask and branches.
    if (vec && !at(n.a).vec && !at(n.b).vec && !at(n.c).vec && !at(n.d).vec) n.c = leaf(true);
    n.bound = cmax(at(n.c).bound, at(n.d).bound);
    return tame(push(n));
  }

  /// root + k * (a scalar form of node i): one more use of a let.
  constexpr std::uint8_t use(std::uint8_t root, std::uint8_t i) {
    if (at(i).vec) {
      node s{};
      s.o = r.chance(50) ? op::sum : op::index;
      s.a = i;
      s.bound = at(i).bound * L();
      i = tame(push(s));
    }
    node m{};
    m.o = op::multiply;
    m.a = i;
    m.b = number(0.5, 1.5, false);
    m.bound = at(i).bound * 1.5;
    std::uint8_t const mi = tame(push(m));
    node s{};
    s.o = op::add;
    s.a = root;
    s.b = mi;
    s.bound = at(root).bound + at(mi).bound;
    return tame(push(s));
  }
};

constexpr program generate(std::uint64_t seed) {
  generator g;
  g.r = splitmix{seed * 0x9e3779b97f4a7c15ull + 12345};
  g.p.seed = seed;
  g.p.is_float = g.r.chance(40);
  g.p.inputs = 1 + g.r.below(3);
  for (std::size_t k = 0; k < g.p.inputs; ++k) {
    g.p.in[k] = static_cast<kind>(g.r.below(3));
    g.vectors = g.vectors || g.p.in[k] != kind::scalar;
    g.p.fixed_length = g.p.fixed_length || g.p.in[k] == kind::fixed;
  }
  constexpr std::size_t lengths[] = {1, 3, 7, 9, 17};
  g.p.length = g.p.fixed_length ? lengths[g.r.below(5)] : 0;
  g.p.depth = 2 + g.r.below(5);  // 2 to 6
  g.budget = 12 + g.r.below(16);
  // Lets first (later ones may use earlier ones), each of depth 1 or 2 and used 2 or 3 times.
  std::size_t const lets = g.r.chance(40) ? 0 : 1 + g.r.below(static_cast<unsigned>(max_lets));
  for (std::size_t j = 0; j < lets; ++j) {
    bool const vec = g.vectors && g.r.chance(70);
    std::size_t const saved = g.p.depth;
    g.p.depth = 1 + g.r.below(2);
    std::uint8_t i = g.gen(static_cast<int>(g.p.depth), vec);
    g.p.depth = saved;
    if (!g.at(i).active || g.at(i).o == op::input || g.at(i).let >= 0) {
      // A let of an operation on an input. (A let of constants only would not mix with expressions of
      // duals: its reference counts as active; see the report.)
      node n{};
      n.o = op::add;
      n.vec = vec;
      n.a = i;
      n.b = g.input(vec);
      n.bound = g.at(i).bound + input_range;
      i = g.tame(g.push(n));
    }
    g.p.nodes[i].let = static_cast<std::int8_t>(j);
    g.p.let_node[j] = i;
    g.lets_made = j + 1;
  }
  g.p.lets = lets;
  std::uint8_t root = g.gen(static_cast<int>(g.p.depth), false);
  if (!g.at(root).active || arity(g.at(root).o) == 0 || g.at(root).let >= 0) {  // the root is an operation on an input
    node n{};
    n.o = op::sin;
    n.a = g.at(root).active ? root : g.input(false);
    n.bound = 1;
    root = g.push(n);
  }
  for (std::size_t j = 0; j < lets; ++j)  // every let is used at least twice
    while (g.uses[j] < 2) {
      ++g.uses[j];
      root = g.use(root, g.p.let_node[j]);
    }
  g.p.root = root;
  // Tangent lanes of mode F: as tl::hessian picks them for one input (so (A) shares its types), else varied.
  if (g.p.inputs == 1)
    g.p.lanes = g.p.in[0] == kind::scalar ? 1 : g.p.in[0] == kind::fixed ? g.p.length : 8;
  else
    g.p.lanes = std::size_t{1} << g.r.below(4);
#ifdef TAPELESS_RANDOM_TREES_MODES
  g.p.modes = TAPELESS_RANDOM_TREES_MODES;
#else
  // Each mode costs about as much compile time as (R): each runs on some of the skeletons.
  g.p.modes = (g.r.chance(40) ? tangent : 0u) | (g.r.chance(50) ? forward : 0u) | (g.r.chance(35) ? jet : 0u) |
              (g.r.chance(30) ? nested : 0u) | (g.r.chance(50) ? api : 0u);
#endif
  if (g.p.inputs > 1) g.p.modes &= ~unsigned{api};
  return g.p;
}

template <std::uint64_t S>
inline constexpr program tree = generate(S);

// ---- an instance: the numbers, drawn at run time -------------------------------------------------------

struct instance {
  std::size_t length = 1;
  std::vector<double> k, k2;       // per node, rounded to T
  std::vector<std::size_t> index;  // per node (index)
  std::vector<std::uint64_t> seed;  // per node (constant vectors)
};

instance draw_instance(program const& p, std::mt19937_64& g) {
  auto rounded = [&](double x) { return p.is_float ? static_cast<double>(static_cast<float>(x)) : x; };
  constexpr std::size_t lengths[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33};
  instance in;
  in.length = p.fixed_length ? p.length : lengths[g() % std::size(lengths)];
  in.k.resize(p.root + 1);
  in.k2.resize(p.root + 1);
  in.index.resize(p.root + 1);
  in.seed.resize(p.root + 1);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (std::size_t i = 0; i <= p.root; ++i) {
    node const& n = p.nodes[i];
    in.k[i] = rounded((n.lo + (n.hi - n.lo) * u(g)) * (n.sign && g() % 2 ? -1 : 1));
    in.k2[i] = rounded(n.lo2 + (n.hi2 - n.lo2) * u(g));
    in.index[i] = g() % in.length;
    in.seed[i] = g();
  }
  return in;
}

/// Element j of a constant vector, rounded to T.
double constant_element(std::uint64_t seed, std::size_t j, bool is_float) {
  splitmix r{seed + 0x632be59bd9b4e019ull * j};
  double const x = r.uniform(-1.0, 1.0);
  return is_float ? static_cast<double>(static_cast<float>(x)) : x;
}

// ---- the typed builder ---------------------------------------------------------------------------------

template <std::uint64_t S>
using real_t = std::conditional_t<tree<S>.is_float, float, double>;

template <kind K, class E, std::size_t L>
using value_of = std::conditional_t<K == kind::scalar, E, std::conditional_t<K == kind::fixed, tl::vec<E, L>, tl::dvec<E>>>;

template <std::uint64_t S, std::size_t K, class E>
using input_t = value_of<tree<S>.in[K], E, tree<S>.length>;

template <class V>
struct is_dvec : std::false_type {};
template <class E>
struct is_dvec<tl::dvec<E>> : std::true_type {};

template <class V>
V sized([[maybe_unused]] std::size_t length) {
  if constexpr (is_dvec<V>::value)
    return V(length);
  else
    return V{};
}

template <class V>
V constant_vector(instance const& in, std::size_t i) {
  using T = std::remove_cvref_t<decltype(std::declval<V>()[0])>;
  V v = sized<V>(in.length);
  for (std::size_t j = 0; j < v.size(); ++j) v[j] = static_cast<T>(constant_element(in.seed[i], j, std::is_same_v<T, float>));
  return v;
}

template <std::uint64_t S, std::size_t I, bool Inline, class Env>
auto expr(Env const& env, instance const& in);

/// Node I as an operand: an input (the var), a let (the binding), a number or a new subexpression.
/// With Inline, a let's expression is written out at each use (for the function API, where a let made
/// in f could not outlive it).
template <std::uint64_t S, std::size_t I, bool Inline, class Env>
decltype(auto) ref(Env const& env, instance const& in) {
  constexpr node n = tree<S>.nodes[I];
  if constexpr (n.o == op::input)
    return std::get<n.u>(env);
  else if constexpr (n.let >= 0 && !Inline)
    return std::get<tree<S>.inputs + static_cast<std::size_t>(n.let)>(env);
  else if constexpr (n.o == op::number)
    return static_cast<real_t<S>>(in.k[I]);
  else
    return expr<S, I, Inline>(env, in);
}

template <std::uint64_t S, std::size_t I, bool Inline, class Env>
auto expr(Env const& env, instance const& in) {
// The operands, written where used (a lambda would make Clang instantiate them for every op).
#define TL_A ref<S, n.a, Inline>(env, in)
#define TL_B ref<S, n.b, Inline>(env, in)
#define TL_C ref<S, n.c, Inline>(env, in)
#define TL_D ref<S, n.d, Inline>(env, in)
  using T = real_t<S>;
  constexpr node n = tree<S>.nodes[I];
  T const k = static_cast<T>(in.k[I]), k2 = static_cast<T>(in.k2[I]);
  if constexpr (n.o == op::constant) {
    if constexpr (n.variant == 0)
      return tl::constant(constant_vector<tl::vec<T, tree<S>.length>>(in, I));
    else
      return tl::constant(constant_vector<tl::dvec<T>>(in, I));
  } else if constexpr (n.o == op::negate) {
    return -TL_A;
  } else if constexpr (n.o == op::exp) {
    if constexpr (n.variant == 0) return tl::exp(TL_A);
    else if constexpr (n.variant == 1) return tl::exp(tl::tanh(TL_A));
    else return tl::exp(-tl::square(TL_A));
  } else if constexpr (n.o == op::log) {
    if constexpr (n.variant == 0) return tl::log(tl::square(TL_A) + k);
    else return tl::log(tl::sigmoid(TL_A));
  } else if constexpr (n.o == op::sin) {
    return tl::sin(TL_A);
  } else if constexpr (n.o == op::cos) {
    return tl::cos(TL_A);
  } else if constexpr (n.o == op::tan) {
    if constexpr (n.variant == 0) return tl::tan(TL_A);
    else return tl::tan(tl::tanh(TL_A));
  } else if constexpr (n.o == op::tanh) {
    return tl::tanh(TL_A);
  } else if constexpr (n.o == op::sqrt) {
    if constexpr (n.variant == 0) return tl::sqrt(tl::square(TL_A) + k);
    else if constexpr (n.variant == 1) return tl::sqrt(tl::exp(TL_A));
    else return tl::sqrt(tl::sigmoid(TL_A));
  } else if constexpr (n.o == op::square) {
    return tl::square(TL_A);
  } else if constexpr (n.o == op::abs) {
    return tl::abs(TL_A);
  } else if constexpr (n.o == op::sigmoid) {
    return tl::sigmoid(TL_A);
  } else if constexpr (n.o == op::log1p) {
    if constexpr (n.variant == 0) return tl::log1p(tl::square(TL_A));
    else return tl::log1p(tl::exp(TL_A));
  } else if constexpr (n.o == op::expm1) {
    if constexpr (n.variant == 0) return tl::expm1(TL_A);
    else return tl::expm1(tl::tanh(TL_A));
  } else if constexpr (n.o == op::pow_int) {
    return tl::pow(TL_A, k);
  } else if constexpr (n.o == op::pow_real) {
    return tl::pow(tl::square(TL_A) + k2, k);
  } else if constexpr (n.o == op::pow_base) {
    if constexpr (n.variant == 0) return tl::pow(k, TL_A);
    else return tl::pow(k, tl::tanh(TL_A));
  } else if constexpr (n.o == op::stop) {
    return tl::stop_gradient(TL_A);
  } else if constexpr (n.o == op::index) {
    return TL_A[in.index[I]];
  } else if constexpr (n.o == op::sum) {
    return tl::sum(TL_A);
  } else if constexpr (n.o == op::mean) {
    return tl::mean(TL_A);
  } else if constexpr (n.o == op::norm) {
    return tl::norm(TL_A);
  } else if constexpr (n.o == op::max) {
    return tl::max(TL_A);
  } else if constexpr (n.o == op::min) {
    return tl::min(TL_A);
  } else if constexpr (n.o == op::logsumexp) {
    return tl::logsumexp(TL_A);
  } else if constexpr (n.o == op::add) {
    return TL_A + TL_B;
  } else if constexpr (n.o == op::subtract) {
    return TL_A - TL_B;
  } else if constexpr (n.o == op::multiply) {
    return TL_A * TL_B;
  } else if constexpr (n.o == op::divide) {
    if constexpr (n.variant == 0) return TL_A / (tl::square(TL_B) + k);
    else if constexpr (n.variant == 1) return TL_A / (k + tl::exp(TL_B));
    else return TL_A / TL_B;
  } else if constexpr (n.o == op::pow_both) {
    if constexpr (n.variant == 0) return tl::pow(tl::square(TL_A) + k, TL_B);
    else return tl::pow(tl::square(TL_A) + k, tl::tanh(TL_B));
  } else if constexpr (n.o == op::max2) {
    return tl::max(TL_A, TL_B);
  } else if constexpr (n.o == op::min2) {
    return tl::min(TL_A, TL_B);
  } else if constexpr (n.o == op::dot) {
    return tl::dot(TL_A, TL_B);
  } else {
    static_assert(n.o == op::where);
    if constexpr (n.variant == 0) return tl::where(TL_A > TL_B, TL_C, TL_D);
    else if constexpr (n.variant == 1) return tl::where(TL_A < TL_B, TL_C, TL_D);
    else if constexpr (n.variant == 2) return tl::where(TL_A >= TL_B, TL_C, TL_D);
    else return tl::where(TL_A <= TL_B, TL_C, TL_D);
  }
#undef TL_A
#undef TL_B
#undef TL_C
#undef TL_D
}

/// Makes the tree's lets (each a local of its own frame: a let can be neither copied nor moved) and
/// calls f with the root expression.
template <std::uint64_t S, std::size_t J = 0, class Env, class F>
void with_tree(Env const& env, instance const& in, F const& f) {
  if constexpr (J == tree<S>.lets) {
    f(ref<S, tree<S>.root, false>(env, in));
  } else {
    auto const l = tl::let(expr<S, tree<S>.let_node[J], false>(env, in));
    with_tree<S, J + 1>(std::tuple_cat(env, std::tuple<decltype(l) const&>(l)), in, f);
  }
}

// ---- the reference: an interpreter of the description, in long double ------------------------------------

using real = long double;

struct evaluation {
  std::vector<std::vector<real>> v;    // each node's value
  std::vector<std::uint8_t> branches;  // the branch taken at each kink
  double margin = 1e300;               // how far (relative) the nearest kink is
  real value() const { return v.back()[0]; }
};

std::vector<std::size_t> offsets(program const& p, std::size_t length) {
  std::vector<std::size_t> off(p.inputs + 1);
  for (std::size_t k = 0; k < p.inputs; ++k) off[k + 1] = off[k] + (p.in[k] == kind::scalar ? 1 : length);
  return off;
}

/// Evaluates every node at x (flat inputs). Where `frozen` is given, stop_gradient nodes take their
/// values from it (the differences see a stopped subtree as a constant).
void interpret(program const& p, instance const& in, std::vector<real> const& x, evaluation& e,
               evaluation const* frozen) {
  auto const off = offsets(p, in.length);
  e.v.resize(p.root + 1);
  e.branches.clear();
  e.margin = 1e300;
  // Exact ties are structural (the same computation on both sides, as max over a broadcast scalar):
  // they stay tied under any shift, so they are no kink.
  auto kink = [&](real a, real b) {
    if (a == b) return;
    real const scale = std::max({real(1), std::abs(a), std::abs(b)});
    e.margin = std::min(e.margin, static_cast<double>(std::abs(a - b) / scale));
  };
  auto sigmoid = [](real t) { return 1 / (1 + std::exp(-t)); };
  // b > 0 here; powl is slow, and this is accurate to ~1e-18 for the exponents and bases drawn.
  auto power = [](real b, real z) { return std::exp(z * std::log(b)); };
  for (std::size_t i = 0; i <= p.root; ++i) {
    node const& n = p.nodes[i];
    auto& out = e.v[i];
    out.resize(n.vec ? in.length : 1);
    auto arg = [&](std::size_t c, std::size_t j) -> real {
      auto const& w = e.v[c];
      return w.size() == 1 ? w[0] : w[j];
    };
    real const k = in.k[i], k2 = in.k2[i];
    switch (n.o) {
      case op::input:
        for (std::size_t j = 0; j < out.size(); ++j) out[j] = x[off[n.u] + j];
        break;
      case op::number: out[0] = k; break;
      case op::constant:
        for (std::size_t j = 0; j < out.size(); ++j) out[j] = constant_element(in.seed[i], j, p.is_float);
        break;
      case op::index: out[0] = e.v[n.a][in.index[i]]; break;
      case op::sum:
      case op::mean:
      case op::norm:
      case op::logsumexp: {
        auto const& w = e.v[n.a];
        real s = 0;
        if (n.o == op::logsumexp) {
          real const m = *std::max_element(w.begin(), w.end());
          for (real y : w) s += std::exp(y - m);
          out[0] = m + std::log(s);
        } else if (n.o == op::norm) {
          for (real y : w) s += y * y;
          out[0] = std::sqrt(s);
          kink(out[0], 0);
        } else {
          for (real y : w) s += y;
          out[0] = n.o == op::mean ? s / static_cast<real>(w.size()) : s;
        }
        break;
      }
      case op::max:
      case op::min: {
        auto const& w = e.v[n.a];
        std::size_t best = 0;
        for (std::size_t j = 1; j < w.size(); ++j)
          if (n.o == op::max ? w[j] > w[best] : w[j] < w[best]) best = j;
        for (std::size_t j = 0; j < w.size(); ++j)
          if (j != best) kink(w[j], w[best]);
        out[0] = w[best];
        e.branches.push_back(static_cast<std::uint8_t>(best));
        break;
      }
      case op::dot: {
        real s = 0;
        for (std::size_t j = 0; j < e.v[n.a].size(); ++j) s += arg(n.a, j) * arg(n.b, j);
        out[0] = s;
        break;
      }
      default:
        for (std::size_t j = 0; j < out.size(); ++j) {
          real const a = arg(n.a, j);
          real y = 0;
          switch (n.o) {
            case op::negate: y = -a; break;
            case op::exp: y = n.variant == 0 ? std::exp(a) : n.variant == 1 ? std::exp(std::tanh(a)) : std::exp(-a * a); break;
            case op::log: y = n.variant == 0 ? std::log(a * a + k) : std::log(sigmoid(a)); break;
            case op::sin: y = std::sin(a); break;
            case op::cos: y = std::cos(a); break;
            case op::tan: y = n.variant == 0 ? std::tan(a) : std::tan(std::tanh(a)); break;
            case op::tanh: y = std::tanh(a); break;
            case op::sqrt:
              y = n.variant == 0 ? std::sqrt(a * a + k) : n.variant == 1 ? std::sqrt(std::exp(a)) : std::sqrt(sigmoid(a));
              break;
            case op::square: y = a * a; break;
            case op::abs:
              y = std::abs(a);
              kink(a, 0);
              e.branches.push_back(a > 0);
              break;
            case op::sigmoid: y = sigmoid(a); break;
            case op::log1p: y = n.variant == 0 ? std::log1p(a * a) : std::log1p(std::exp(a)); break;
            case op::expm1: y = n.variant == 0 ? std::expm1(a) : std::expm1(std::tanh(a)); break;
            case op::pow_int: y = k == 2 ? a * a : a * a * a; break;
            case op::pow_real: y = power(a * a + k2, k); break;
            case op::pow_base: y = power(k, n.variant == 0 ? a : std::tanh(a)); break;
            case op::stop: y = frozen ? frozen->v[i][j] : a; break;
            case op::add: y = a + arg(n.b, j); break;
            case op::subtract: y = a - arg(n.b, j); break;
            case op::multiply: y = a * arg(n.b, j); break;
            case op::divide: {
              real const b = arg(n.b, j);
              y = n.variant == 0 ? a / (b * b + k) : n.variant == 1 ? a / (k + std::exp(b)) : a / b;
              break;
            }
            case op::pow_both: {
              real const b = arg(n.b, j);
              y = power(a * a + k, n.variant == 0 ? b : std::tanh(b));
              break;
            }
            case op::max2:
            case op::min2: {
              real const b = arg(n.b, j);
              bool const first = n.o == op::max2 ? a >= b : a <= b;
              y = first ? a : b;
              kink(a, b);
              e.branches.push_back(first);
              break;
            }
            case op::where: {
              real const b = arg(n.b, j);
              bool const m = n.variant == 0 ? a > b : n.variant == 1 ? a < b : n.variant == 2 ? a >= b : a <= b;
              y = m ? arg(n.c, j) : arg(n.d, j);
              kink(a, b);
              e.branches.push_back(m);
              break;
            }
            default: break;
          }
          out[j] = y;
        }
    }
  }
}

/// The tree as tapeless code (a reproducer's starting point): x0, x1, x2 are the inputs, l0, l1 the lets.
std::string describe(program const& p, instance const& in, std::size_t i, bool top = false) {
  node const& n = p.nodes[i];
  if (n.let >= 0 && !top) return "l" + std::to_string(n.let);
  auto num = [](double x) {
    std::ostringstream s;
    s.precision(17);
    s << x;
    return s.str();
  };
  auto A = [&] { return describe(p, in, n.a); };
  auto B = [&] { return describe(p, in, n.b); };
  std::string const k = num(in.k[i]), k2 = num(in.k2[i]);
  switch (n.o) {
    case op::input: return "x" + std::to_string(n.u);
    case op::number: return k;
    case op::constant:
      return std::string("constant_vector(") + std::to_string(in.seed[i]) + (n.variant == 0 ? ", static)" : ", runtime)");
    case op::negate: return "-" + A();
    case op::exp: return n.variant == 0 ? "exp(" + A() + ")" : n.variant == 1 ? "exp(tanh(" + A() + "))" : "exp(-square(" + A() + "))";
    case op::log: return n.variant == 0 ? "log(square(" + A() + ") + " + k + ")" : "log(sigmoid(" + A() + "))";
    case op::sin: return "sin(" + A() + ")";
    case op::cos: return "cos(" + A() + ")";
    case op::tan: return n.variant == 0 ? "tan(" + A() + ")" : "tan(tanh(" + A() + "))";
    case op::tanh: return "tanh(" + A() + ")";
    case op::sqrt:
      return n.variant == 0   ? "sqrt(square(" + A() + ") + " + k + ")"
             : n.variant == 1 ? "sqrt(exp(" + A() + "))"
                              : "sqrt(sigmoid(" + A() + "))";
    case op::square: return "square(" + A() + ")";
    case op::abs: return "abs(" + A() + ")";
    case op::sigmoid: return "sigmoid(" + A() + ")";
    case op::log1p: return n.variant == 0 ? "log1p(square(" + A() + "))" : "log1p(exp(" + A() + "))";
    case op::expm1: return n.variant == 0 ? "expm1(" + A() + ")" : "expm1(tanh(" + A() + "))";
    case op::pow_int: return "pow(" + A() + ", " + k + ")";
    case op::pow_real: return "pow(square(" + A() + ") + " + k2 + ", " + k + ")";
    case op::pow_base: return n.variant == 0 ? "pow(" + k + ", " + A() + ")" : "pow(" + k + ", tanh(" + A() + "))";
    case op::stop: return "stop_gradient(" + A() + ")";
    case op::index: return A() + "[" + std::to_string(in.index[i]) + "]";
    case op::sum: return "sum(" + A() + ")";
    case op::mean: return "mean(" + A() + ")";
    case op::norm: return "norm(" + A() + ")";
    case op::max: return "max(" + A() + ")";
    case op::min: return "min(" + A() + ")";
    case op::logsumexp: return "logsumexp(" + A() + ")";
    case op::add: return "(" + A() + " + " + B() + ")";
    case op::subtract: return "(" + A() + " - " + B() + ")";
    case op::multiply: return "(" + A() + " * " + B() + ")";
    case op::divide:
      return n.variant == 0   ? "(" + A() + " / (square(" + B() + ") + " + k + "))"
             : n.variant == 1 ? "(" + A() + " / (" + k + " + exp(" + B() + ")))"
                              : "(" + A() + " / " + B() + ")";
    case op::pow_both:
      return n.variant == 0 ? "pow(square(" + A() + ") + " + k + ", " + B() + ")"
                            : "pow(square(" + A() + ") + " + k + ", tanh(" + B() + "))";
    case op::max2: return "max(" + A() + ", " + B() + ")";
    case op::min2: return "min(" + A() + ", " + B() + ")";
    case op::dot: return "dot(" + A() + ", " + B() + ")";
    case op::where: {
      char const* cmp[] = {" > ", " < ", " >= ", " <= "};
      return "where(" + A() + cmp[n.variant] + B() + ", " + describe(p, in, n.c) + ", " + describe(p, in, n.d) + ")";
    }
  }
  return "?";
}

std::string describe(program const& p, instance const& in) {
  std::ostringstream s;
  char const* t = p.is_float ? "float" : "double";
  s << "tree " << p.seed << " (" << t << ", modes " << p.modes << "):";
  for (std::size_t k = 0; k < p.inputs; ++k)
    s << " x" << k << ": "
      << (p.in[k] == kind::scalar  ? std::string(t)
          : p.in[k] == kind::fixed ? "vec<" + std::string(t) + ", " + std::to_string(p.length) + ">"
                                   : "dvec<" + std::string(t) + ">(" + std::to_string(in.length) + ")")
      << ";";
  for (std::size_t j = 0; j < p.lets; ++j) s << " l" << j << " = let(" << describe(p, in, p.let_node[j], true) << ");";
  s << " y = " << describe(p, in, p.root);
  return s.str();
}

// ---- running the typed tree in each mode --------------------------------------------------------------

struct point {
  std::vector<double> x, u, v;  // the inputs (flat, in order) and two random directions, all exact in T
};

/// What each mode computed at one point; n is the number of input elements.
struct results {
  double r_value = 0;
  std::vector<double> r_grad, t_grad;  // tl::gradient; tl::jacobian(y, x, forward_mode)
  double f_value = 0;
  std::vector<double> f_grad, f_grad_rev, hessian;  // duals' tangents; gradient on duals: values, tangents
  double j_value = 0, j_d1 = 0, j_d2 = 0;
  double n_value = 0, n_du = 0, n_dv = 0, n_uhv = 0;
  std::vector<double> a_grad, a_hessian;  // tl::grad(f), tl::hessian(f)
};

template <class V>
auto* elements_of(V& v) {
  if constexpr (std::is_class_v<V> && requires { v.data(); })
    return v.data();
  else
    return &v;
}
template <class V>
std::size_t count_of(V const& v) {
  if constexpr (std::is_class_v<V> && requires { v.data(); })
    return v.size();
  else
    return 1;
}

/// Element j (flat) of the inputs in mode E (for mode F, lanes from input element j0).
template <class E>
E element_at(point const& pt, std::size_t j, std::size_t j0) {
  if constexpr (std::is_floating_point_v<E>) {
    return static_cast<E>(pt.x[j]);
  } else if constexpr (tl::is_jet<E>::value) {
    using T = typename E::value_type;
    return E({static_cast<T>(pt.x[j]), static_cast<T>(pt.v[j]), T(0)});
  } else if constexpr (std::is_floating_point_v<typename E::value_type>) {  // dual<T, N>: unit directions
    using T = typename E::value_type;
    std::array<T, E::lanes> t{};
    if (j >= j0 && j - j0 < E::lanes) t[j - j0] = T(1);
    return E(static_cast<T>(pt.x[j]), t);
  } else {  // dual<dual<T>>: inner along u, outer along v
    using D = typename E::value_type;
    using T = typename D::value_type;
    return E(D(static_cast<T>(pt.x[j]), {static_cast<T>(pt.u[j])}), {D(static_cast<T>(pt.v[j]), {T(0)})});
  }
}

/// Sets every var of the tuple to the point (in mode E, lanes from j0).
template <class E, class... V>
void assign(std::tuple<tl::var<V>...>& vars, std::size_t length, point const& pt, std::size_t j0) {
  std::size_t j = 0;
  std::apply(
      [&](auto&... var) {
        auto one = [&](auto& x) {
          using W = typename std::remove_cvref_t<decltype(x)>::value_type;
          W w = sized<W>(length);
          auto* e = elements_of(w);
          for (std::size_t i = 0, n = count_of(w); i < n; ++i) e[i] = element_at<E>(pt, j++, j0);
          x = std::move(w);
        };
        (one(var), ...);
      },
      vars);
}

/// Calls f(i, element) for the elements of the values of a tuple, numbered flat.
template <class Tuple, class F>
void visit(Tuple const& t, F const& f) {
  std::size_t j = 0;
  auto one = [&](auto const& v) {
    auto const* e = elements_of(v);
    for (std::size_t i = 0, n = count_of(v); i < n; ++i) f(j++, e[i]);
  };
  std::apply([&](auto const&... v) { (one(v), ...); }, t);
}
template <class Tuple>
std::vector<double> flatten(Tuple const& t) {
  std::vector<double> out;
  visit(t, [&](std::size_t, auto const& e) { out.push_back(static_cast<double>(e)); });
  return out;
}

template <std::uint64_t S, class E, std::size_t... K>
using vars_t = std::tuple<tl::var<input_t<S, K, E>>...>;

template <class Vars, std::size_t... K>
auto env_of(Vars const& vars, std::index_sequence<K...>) {
  return std::tuple<std::tuple_element_t<K, Vars> const&...>(std::get<K>(vars)...);
}

// (R) reverse mode on T, and (T) the tangent pass.
template <std::uint64_t S, std::size_t... K>
void mode_reverse(instance const& in, std::vector<point> const& pts, std::vector<results>& res,
                  std::index_sequence<K...> ks) {
  using T = real_t<S>;
  vars_t<S, T, K...> vars;
  with_tree<S>(env_of(vars, ks), in, [&](auto const& y) {
    for (std::size_t p = 0; p < pts.size(); ++p) {
      assign<T>(vars, in.length, pts[p], 0);
      res[p].r_value = tl::value(y);
      res[p].r_grad = flatten(tl::gradient(y, tl::wrt(std::get<K>(vars)...)));
      if constexpr ((tree<S>.modes & tangent) != 0)
        res[p].t_grad = flatten(std::tuple{tl::jacobian(y, std::get<K>(vars), tl::forward_mode)...});
    }
  });
}

// (F) duals with unit directions: forward mode, and forward over reverse.
template <std::uint64_t S, std::size_t... K>
void mode_forward(instance const& in, std::vector<point> const& pts, std::vector<results>& res,
                  std::index_sequence<K...> ks) {
  using T = real_t<S>;
  constexpr std::size_t N = tree<S>.lanes;
  using E = tl::dual<T, N>;
  vars_t<S, E, K...> vars;
  with_tree<S>(env_of(vars, ks), in, [&](auto const& y) {
    for (std::size_t p = 0; p < pts.size(); ++p) {
      auto& r = res[p];
      std::size_t const n = pts[p].x.size();
      r.f_grad.assign(n, 0);
      r.f_grad_rev.assign(n, 0);
      r.hessian.assign(n * n, 0);
      for (std::size_t j0 = 0; j0 < n; j0 += N) {
        assign<E>(vars, in.length, pts[p], j0);
        E const v = tl::value(y);
        r.f_value = v.value;
        for (std::size_t l = 0; l < N && j0 + l < n; ++l) r.f_grad[j0 + l] = v.tangent[l];
        visit(tl::gradient(y, tl::wrt(std::get<K>(vars)...)), [&](std::size_t i, E const& e) {
          r.f_grad_rev[i] = e.value;
          for (std::size_t l = 0; l < N && j0 + l < n; ++l) r.hessian[i * n + j0 + l] = e.tangent[l];
        });
      }
    }
  });
}

// (J) jets along v.
template <std::uint64_t S, std::size_t... K>
void mode_jet(instance const& in, std::vector<point> const& pts, std::vector<results>& res,
              std::index_sequence<K...> ks) {
  using E = tl::jet<real_t<S>, 2>;
  vars_t<S, E, K...> vars;
  with_tree<S>(env_of(vars, ks), in, [&](auto const& y) {
    for (std::size_t p = 0; p < pts.size(); ++p) {
      assign<E>(vars, in.length, pts[p], 0);
      E const v = tl::value(y);
      res[p].j_value = v.c[0];
      res[p].j_d1 = v.derivative(1);
      res[p].j_d2 = v.derivative(2);
    }
  });
}

// (N) nested duals along u (inner) and v (outer).
template <std::uint64_t S, std::size_t... K>
void mode_nested(instance const& in, std::vector<point> const& pts, std::vector<results>& res,
                 std::index_sequence<K...> ks) {
  using E = tl::dual<tl::dual<real_t<S>>>;
  vars_t<S, E, K...> vars;
  with_tree<S>(env_of(vars, ks), in, [&](auto const& y) {
    for (std::size_t p = 0; p < pts.size(); ++p) {
      assign<E>(vars, in.length, pts[p], 0);
      E const v = tl::value(y);
      res[p].n_value = v.value.value;
      res[p].n_du = v.value.tangent[0];
      res[p].n_dv = v.tangent[0].value;
      res[p].n_uhv = v.tangent[0].tangent[0];
    }
  });
}

// (A) the function API on trees of one input: lets are written out at each use inside f, so a tree
// without lets has the very types of (R) and (F).
template <std::uint64_t S>
void mode_api(instance const& in, std::vector<point> const& pts, std::vector<results>& res) {
  using T = real_t<S>;
  using X = input_t<S, 0, T>;
  auto f = [&in](auto const& x) { return ref<S, tree<S>.root, (tree<S>.lets > 0)>(std::tuple<decltype(x) const&>(x), in); };
  for (std::size_t p = 0; p < pts.size(); ++p) {
    X x = sized<X>(in.length);
    auto* e = elements_of(x);
    for (std::size_t i = 0, n = count_of(x); i < n; ++i) e[i] = static_cast<T>(pts[p].x[i]);
    res[p].a_grad = flatten(std::tuple{tl::grad(f)(x)});
    res[p].a_hessian = flatten(std::tuple{tl::hessian(f)(x)});
  }
}

// ---- the reference and the comparisons (compiled once, not per tree) -----------------------------------------

/// Tolerances, relative to the scale named at each check (the value's magnitude, the gradient's largest
/// element, the sum of the magnitudes of a directional derivative's terms). `value`: T against the long
/// double reference; `modes`, `second`: first and second derivatives in T from two modes (different
/// orders of operations); `fd`, `fd2`: against the differences, whose own error is ~1e-12 and ~1e-9.
/// Each is 40 to 400 times the worst error seen over 300 skeletons (about 10^5 programs).
struct tolerance {
  double value, modes, fd, second, fd2;
};
constexpr tolerance tolerance_for(bool is_float) {
  if (is_float) return {1e-4, 1e-4, 1e-3, 3e-4, 1e-3};
  return {1e-12, 1e-12, 1e-9, 1e-10, 1e-6};
}
constexpr double kink_margin = 1e-3;  // a point is redrawn where a kink is nearer than this (relative)
constexpr double fd_step = 1e-4;      // in long double, extrapolated from h and h / 2

enum check : std::size_t {
  value_reference,
  value_duals,
  value_jet,
  value_nested,
  gradient_differences,
  gradient_tangent,
  gradient_dual_tangents,
  gradient_reverse_on_duals,
  gradient_api,
  directional_jet,
  directional_nested_outer,
  directional_nested_inner,
  hessian_symmetric,
  hessian_api,
  vhv_hessian_differences,
  uhv_hessian_differences,
  vhv_jet_hessian,
  vhv_jet_differences,
  uhv_nested_hessian,
  uhv_nested_differences,
  check_count
};
constexpr char const* check_names[] = {
    "value: reverse against the reference",
    "value: duals against reverse",
    "value: jet against reverse",
    "value: nested duals against reverse",
    "gradient: reverse against differences",
    "gradient: tangent pass against reverse",
    "gradient: dual tangents against reverse",
    "gradient: reverse on duals against reverse",
    "gradient: tl::grad(f) against reverse",
    "directional: jet against reverse",
    "directional: nested duals (outer) against reverse",
    "directional: nested duals (inner) against reverse",
    "Hessian symmetric",
    "Hessian: tl::hessian(f) against forward over reverse",
    "v'Hv: Hessian against differences",
    "u'Hv: Hessian against differences",
    "v'Hv: jet against the Hessian",
    "v'Hv: jet against differences",
    "u'Hv: nested duals against the Hessian",
    "u'Hv: nested duals against differences",
};

struct category {
  std::size_t checks = 0, failures = 0;
  double worst = 0;  // the largest |error| / allowed
};

struct tally {
  std::size_t trees = 0, nodes = 0, instances = 0, points = 0, rejected = 0, fd_dropped = 0, fd_used = 0, shown = 0;
  category cats[2][check_count] = {};  // double, float
  std::size_t op_uses[op_count] = {};
  std::size_t kinds[3] = {}, floats = 0, with_lets = 0, runtime_length = 0, mode_uses[5] = {};
};

struct context {
  tally& t;
  program const& p;
  instance const& in;
  std::size_t point;
};

/// One comparison: |got - want| <= tol * scale (NaN never passes).
void close(context const& c, check what, std::size_t index, double got, double want, double tol, double scale) {
  category& cat = c.t.cats[c.p.is_float][what];
  ++cat.checks;
  double const allowed = tol * scale;
  double const err = std::abs(got - want);
  double const ratio = err / allowed;
  if (!(ratio <= 1)) {
    ++cat.failures;
    if (c.t.shown++ < 12) {
      std::ostringstream m;
      m.precision(17);
      m << check_names[what] << "[" << index << "] at point " << c.point << " is " << got << ", expected " << want << " (|error| "
        << err << " > allowed " << allowed << ")\n  " << describe(c.p, c.in);
      BOOST_ERROR(m.str());
    }
  }
  if (!(ratio <= cat.worst)) cat.worst = std::isnan(ratio) ? 1e300 : ratio;
}

std::vector<real> as_real(std::vector<double> const& x) { return {x.begin(), x.end()}; }

bool all_finite(evaluation const& e) {
  for (auto const& w : e.v)
    for (real y : w)
      if (!std::isfinite(y)) return false;
  return true;
}

std::vector<point> draw_points(program const& p, instance const& in, std::size_t count, std::mt19937_64& g, tally& t) {
  std::uniform_real_distribution<double> ux(-input_range, input_range), ud(-1.0, 1.0);
  auto rounded = [&](double x) { return p.is_float ? static_cast<double>(static_cast<float>(x)) : x; };
  std::size_t const n = offsets(p, in.length).back();
  std::vector<point> pts;
  evaluation e;
  for (std::size_t attempt = 0; pts.size() < count && attempt < 20 * count; ++attempt) {
    point pt;
    for (std::size_t j = 0; j < n; ++j) {
      pt.x.push_back(rounded(ux(g)));
      pt.u.push_back(rounded(ud(g)));
      pt.v.push_back(rounded(ud(g)));
    }
    interpret(p, in, as_real(pt.x), e, nullptr);
    if (e.margin < kink_margin || !all_finite(e)) {
      ++t.rejected;
      continue;
    }
    pts.push_back(std::move(pt));
  }
  return pts;
}

/// The reference at one point: the value, the gradient by differences (NaN where a shifted point takes
/// another branch), and v'Hv and u'Hv by second differences (NaN likewise).
struct reference {
  real value = 0;
  std::vector<real> grad;
  real vhv = 0, uhv = 0;
};

reference reference_at(program const& p, instance const& in, point const& pt) {
  reference ref;
  evaluation base, e;
  std::vector<real> const x = as_real(pt.x);
  interpret(p, in, x, base, nullptr);
  ref.value = base.value();
  std::size_t const n = x.size();
  std::vector<real> y(n);
  // f at x + s d, or NaN if a branch differs from the point's.
  auto at = [&](std::vector<real> const& d, real s) {
    for (std::size_t j = 0; j < n; ++j) y[j] = x[j] + s * d[j];
    interpret(p, in, y, e, &base);
    return e.branches == base.branches ? e.value() : std::numeric_limits<real>::quiet_NaN();
  };
  real const h = fd_step;
  auto first = [&](std::vector<real> const& d) {
    real const d1 = (at(d, h) - at(d, -h)) / (2 * h), d2 = (at(d, h / 2) - at(d, -h / 2)) / h;
    return (4 * d2 - d1) / 3;
  };
  auto second = [&](std::vector<real> const& d) {  // d'Hd
    real const f0 = base.value();
    real const s1 = (at(d, h) - 2 * f0 + at(d, -h)) / (h * h), s2 = (at(d, h / 2) - 2 * f0 + at(d, -h / 2)) / (h * h / 4);
    return (4 * s2 - s1) / 3;
  };
  std::vector<real> d(n);
  for (std::size_t j = 0; j < n; ++j) {
    std::fill(d.begin(), d.end(), real(0));
    d[j] = 1;
    ref.grad.push_back(first(d));
  }
  std::vector<real> const u = as_real(pt.u), v = as_real(pt.v);
  ref.vhv = second(v);
  for (std::size_t j = 0; j < n; ++j) d[j] = u[j] + v[j];
  real const plus = second(d);
  for (std::size_t j = 0; j < n; ++j) d[j] = u[j] - v[j];
  ref.uhv = (plus - second(d)) / 4;  // polarization
  return ref;
}

void compare(program const& p, instance const& in, std::vector<point> const& pts, std::vector<results> const& res,
             tally& t) {
  tolerance const tol = tolerance_for(p.is_float);
  unsigned const m = p.modes;
  for (std::size_t q = 0; q < pts.size(); ++q) {
    context const c{t, p, in, q};
    point const& pt = pts[q];
    results const& r = res[q];
    std::size_t const n = pt.x.size();
    reference const ref = reference_at(p, in, pt);
    double const f = static_cast<double>(ref.value);
    double const vscale = std::max(1.0, std::abs(f));
    close(c, value_reference, 0, r.r_value, f, tol.value, vscale);
    if (m & forward) close(c, value_duals, 0, r.f_value, r.r_value, tol.value, vscale);
    if (m & jet) close(c, value_jet, 0, r.j_value, r.r_value, tol.value, vscale);
    if (m & nested) close(c, value_nested, 0, r.n_value, r.r_value, tol.value, vscale);
    double gscale = 1;
    for (double g : r.r_grad) gscale = std::max(gscale, std::abs(g));
    for (std::size_t i = 0; i < n; ++i) {
      if (std::isnan(ref.grad[i])) {
        ++t.fd_dropped;
      } else {
        ++t.fd_used;
        close(c, gradient_differences, i, r.r_grad[i], static_cast<double>(ref.grad[i]), tol.fd, gscale);
      }
      if (m & tangent) close(c, gradient_tangent, i, r.t_grad[i], r.r_grad[i], tol.modes, gscale);
      if (m & forward) {
        close(c, gradient_dual_tangents, i, r.f_grad[i], r.r_grad[i], tol.modes, gscale);
        close(c, gradient_reverse_on_duals, i, r.f_grad_rev[i], r.r_grad[i], tol.modes, gscale);
      }
      if (m & api) close(c, gradient_api, i, r.a_grad[i], r.r_grad[i], tol.modes, gscale);
    }
    // Directional derivatives; the scale is the sum of the terms' magnitudes.
    auto along = [&](std::vector<double> const& d, double& scale) {
      double s = 0;
      scale = 1;
      for (std::size_t i = 0; i < n; ++i) {
        s += r.r_grad[i] * d[i];
        scale += std::abs(r.r_grad[i] * d[i]);
      }
      return s;
    };
    double su = 0, sv = 0;
    double const gu = along(pt.u, su), gv = along(pt.v, sv);
    if (m & jet) close(c, directional_jet, 0, r.j_d1, gv, tol.modes, sv);
    if (m & nested) {
      close(c, directional_nested_outer, 0, r.n_dv, gv, tol.modes, sv);
      close(c, directional_nested_inner, 0, r.n_du, gu, tol.modes, su);
    }
    // Second derivatives. The scale of u'Hv is the sum of its terms' magnitudes where H is known; else
    // that of the gradient.
    std::vector<double> const* H = m & forward ? &r.hessian : m & api ? &r.a_hessian : nullptr;
    double hscale = 1, suhv = 1, svhv = 1, uhv = 0, vhv = 0;
    if (H) {
      for (double h : *H) hscale = std::max(hscale, std::abs(h));
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
          double const hij = (*H)[i * n + j];
          uhv += pt.u[i] * hij * pt.v[j];
          vhv += pt.v[i] * hij * pt.v[j];
          suhv += std::abs(pt.u[i] * hij * pt.v[j]);
          svhv += std::abs(pt.v[i] * hij * pt.v[j]);
        }
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < i; ++j)
          close(c, hessian_symmetric, i * n + j, (*H)[i * n + j], (*H)[j * n + i], tol.second, hscale);
      if (!std::isnan(ref.vhv)) close(c, vhv_hessian_differences, 0, vhv, static_cast<double>(ref.vhv), tol.fd2, svhv);
      if (!std::isnan(ref.uhv)) close(c, uhv_hessian_differences, 0, uhv, static_cast<double>(ref.uhv), tol.fd2, suhv);
    } else {
      svhv = suhv = std::max(1.0, std::abs(static_cast<double>(ref.vhv))) + std::max(1.0, std::abs(static_cast<double>(ref.uhv)));
    }
    if ((m & forward) && (m & api))
      for (std::size_t i = 0; i < n * n; ++i)
        close(c, hessian_api, i, r.a_hessian[i], r.hessian[i], tol.second, hscale);
    if (m & jet) {
      if (H) close(c, vhv_jet_hessian, 0, r.j_d2, vhv, tol.second, svhv);
      if (!std::isnan(ref.vhv)) close(c, vhv_jet_differences, 0, r.j_d2, static_cast<double>(ref.vhv), tol.fd2, svhv);
    }
    if (m & nested) {
      if (H) close(c, uhv_nested_hessian, 0, r.n_uhv, uhv, tol.second, suhv);
      if (!std::isnan(ref.uhv)) close(c, uhv_nested_differences, 0, r.n_uhv, static_cast<double>(ref.uhv), tol.fd2, suhv);
    }
  }
}

struct options {
  std::size_t instances, points;
};

std::size_t from_environment(char const* name, std::size_t fallback) {
  if (char const* s = std::getenv(name)) return std::max<std::size_t>(1, std::strtoul(s, nullptr, 10));
  return fallback;
}

template <std::uint64_t S>
void run_tree(options const& o, tally& t) {
  constexpr program const& p = tree<S>;
  constexpr auto ks = std::make_index_sequence<tree<S>.inputs>{};
  ++t.trees;
  t.nodes += p.root + 1;
  for (std::size_t i = 0; i <= p.root; ++i) ++t.op_uses[static_cast<std::size_t>(p.nodes[i].o)];
  for (std::size_t k = 0; k < p.inputs; ++k) ++t.kinds[static_cast<std::size_t>(p.in[k])];
  for (std::size_t b = 0; b < 5; ++b) t.mode_uses[b] += (p.modes >> b) & 1;
  t.floats += p.is_float;
  t.with_lets += p.lets > 0;
  t.runtime_length += !p.fixed_length;
  std::mt19937_64 g(p.seed * 0x2545f4914f6cdd1dull + 99);
  for (std::size_t i = 0; i < o.instances; ++i) {
    instance const in = draw_instance(p, g);
    if (i == 0) BOOST_TEST_MESSAGE(describe(p, in));
    std::vector<point> const pts = draw_points(p, in, o.points, g, t);
    std::vector<results> res(pts.size());
    mode_reverse<S>(in, pts, res, ks);
    if constexpr ((tree<S>.modes & forward) != 0) mode_forward<S>(in, pts, res, ks);
    if constexpr ((tree<S>.modes & jet) != 0) mode_jet<S>(in, pts, res, ks);
    if constexpr ((tree<S>.modes & nested) != 0) mode_nested<S>(in, pts, res, ks);
    if constexpr ((tree<S>.modes & api) != 0) mode_api<S>(in, pts, res);
    ++t.instances;
    t.points += pts.size();
    compare(p, in, pts, res, t);
  }
}

template <std::size_t... I>
void run_trees(options const& o, tally& t, std::index_sequence<I...>) {
  constexpr std::uint64_t base = std::uint64_t{TAPELESS_TREE_SEED} << 32;
  (run_tree<base + I>(o, t), ...);
}

std::string summary(tally const& t) {
  std::ostringstream m;
  std::size_t checks = 0;
  for (auto const& cs : t.cats)
    for (auto const& c : cs) checks += c.checks;
  m << t.trees << " skeletons (seed block " << TAPELESS_TREE_SEED << "; " << t.nodes << " nodes, " << t.floats
    << " float, " << t.with_lets << " with lets, " << t.runtime_length << " of runtime length), " << t.instances
    << " instances, " << t.points << " points (" << t.rejected << " redrawn near a kink), " << checks
    << " checks; difference quotients used " << t.fd_used << ", dropped " << t.fd_dropped
    << " (a branch changed within the step)\n  skeletons per mode: tangent " << t.mode_uses[0] << ", forward "
    << t.mode_uses[1] << ", jet " << t.mode_uses[2] << ", nested " << t.mode_uses[3] << ", api " << t.mode_uses[4]
    << "\n";
  for (std::size_t w = 0; w < check_count; ++w)
    for (std::size_t f = 0; f < 2; ++f)
      if (t.cats[f][w].checks > 0)
        m << "  " << check_names[w] << (f ? " (float): " : " (double): ") << t.cats[f][w].checks << " checks, "
          << t.cats[f][w].failures << " failures, worst |error| / allowed " << t.cats[f][w].worst << "\n";
  m << "  ops:";
  for (std::size_t o = 0; o < op_count; ++o) m << " " << op_names[o] << " " << t.op_uses[o];
  m << "\n  inputs: scalar " << t.kinds[0] << ", vec " << t.kinds[1] << ", dvec " << t.kinds[2];
  return m.str();
}

BOOST_AUTO_TEST_CASE(random_trees_agree_in_every_mode) {
  tally t;
  options const o{from_environment("TAPELESS_RANDOM_TREES_INSTANCES", 640), from_environment("TAPELESS_RANDOM_TREES_POINTS", 2)};
  run_trees(o, t, std::make_index_sequence<TAPELESS_RANDOM_TREES>{});
  BOOST_TEST_MESSAGE(summary(t));
  BOOST_TEST(t.points >= t.instances, "too many points redrawn");
}

}  // namespace
