// Random programs (expr/active.hpp): straight-line code, branches on values, loops that reassign
// and compound-assign registers, generated from a seed and run by one interpreter templated over its
// scalar, on tl::active (reverse mode through the recording) and on tl::dual (forward mode). The
// values must agree exactly and the gradients to rounding, for 10^4 programs in double and 10^3 in
// float; a sample is also checked against central differences.
#define BOOST_TEST_MODULE expr_active_random
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include <tapeless/tapeless.hpp>

namespace {

constexpr std::size_t inputs = 4;
constexpr std::size_t registers = 8;

enum class kind { add, subtract, multiply, quotient, sine, tangent_h, soft_exp, soft_log, soft_sqrt, axpy, branch, loop };

struct instruction {
  kind k;
  std::size_t d, a, b;
  double c;
  std::size_t count;  // loop: repetitions; the body is the next `body` instructions
  std::size_t body;
};

struct program {
  std::vector<instruction> code;
  std::size_t output;
};

instruction random_simple(std::mt19937& g) {
  std::uniform_int_distribution<std::size_t> reg(0, registers - 1);
  std::uniform_int_distribution<int> op(0, 9);
  std::uniform_real_distribution<double> c(-1.5, 1.5);
  return {static_cast<kind>(op(g)), reg(g), reg(g), reg(g), c(g), 0, 0};
}

program random_program(unsigned seed) {
  std::mt19937 g(seed);
  std::uniform_int_distribution<int> length(3, 24);
  std::uniform_int_distribution<int> what(0, 9);
  std::uniform_int_distribution<std::size_t> reg(0, registers - 1);
  std::uniform_real_distribution<double> c(-1.0, 1.0);
  program p;
  int const n = length(g);
  for (int i = 0; i < n; ++i) {
    int const w = what(g);
    if (w == 0) {  // a branch: `if (r[a] > c) r[d] = op1(...) else r[d] = op2(...)`, ops as the next two
      p.code.push_back({kind::branch, reg(g), reg(g), 0, c(g), 0, 2});
      p.code.push_back(random_simple(g));
      p.code.push_back(random_simple(g));
    } else if (w == 1) {  // a loop of runtime length over a body of 1 to 3 instructions
      std::size_t const body = std::uniform_int_distribution<std::size_t>(1, 3)(g);
      p.code.push_back({kind::loop, 0, 0, 0, 0.0, std::uniform_int_distribution<std::size_t>(0, 6)(g), body});
      for (std::size_t j = 0; j < body; ++j) p.code.push_back(random_simple(g));
    } else {
      p.code.push_back(random_simple(g));
    }
  }
  p.output = reg(g);
  return p;
}

/// One instruction on registers of any scalar: the same code for actives, duals and doubles.
template <class T>
void step(instruction const& in, std::vector<T>& r) {
  using std::exp;
  using std::log;
  using std::sin;
  using std::sqrt;
  using std::tanh;
  switch (in.k) {
    case kind::add: r[in.d] = r[in.a] + r[in.b]; break;
    case kind::subtract: r[in.d] = r[in.a] - r[in.b] * in.c; break;
    case kind::multiply: r[in.d] = r[in.a] * r[in.b]; break;
    case kind::quotient: r[in.d] = r[in.a] / (1.0 + r[in.b] * r[in.b]); break;
    case kind::sine: r[in.d] = sin(r[in.a]) + in.c; break;
    case kind::tangent_h: r[in.d] = tanh(r[in.a] * in.c + r[in.b]); break;
    case kind::soft_exp: r[in.d] = exp(tanh(r[in.a])) * in.c; break;
    case kind::soft_log: r[in.d] = log(1.0 + r[in.a] * r[in.a]); break;
    case kind::soft_sqrt: r[in.d] = sqrt(1.0 + r[in.a] * r[in.a]) - r[in.b]; break;
    case kind::axpy: r[in.d] += in.c * r[in.a]; break;
    default: break;
  }
}

/// The registers' starting scales, computed once for every scalar type: written in run<T>, Clang
/// folds `1.0 + 0.1 * i` with a fused multiply-add where it unrolls the loop (for some T, not others),
/// and the programs would start from numbers a rounding apart.
std::array<double, registers> const& scales() {
  static std::array<double, registers> const s = [] {
    std::array<double, registers> a{};
    for (std::size_t i = 0; i < registers; ++i) {
      double const step = 0.1 * double(i);
      a[i] = 1.0 + step;
    }
    return a;
  }();
  return s;
}

template <class T>
T run(program const& p, std::vector<T> const& x) {
  std::vector<T> r(registers);
  for (std::size_t i = 0; i < registers; ++i) r[i] = x[i % inputs] * scales()[i];
  for (std::size_t pc = 0; pc < p.code.size();) {
    auto const& in = p.code[pc];
    if (in.k == kind::branch) {
      if (r[in.a] > in.c)
        step(p.code[pc + 1], r);
      else
        step(p.code[pc + 2], r);
      pc += 3;
    } else if (in.k == kind::loop) {
      for (std::size_t k = 0; k < in.count; ++k)
        for (std::size_t j = 1; j <= in.body; ++j) step(p.code[pc + j], r);
      pc += 1 + in.body;
    } else {
      step(in, r);
      ++pc;
    }
  }
  return r[p.output];
}

template <class T>
std::vector<T> random_inputs(unsigned seed) {
  std::mt19937 g(seed * 7919u + 1u);
  std::uniform_real_distribution<double> u(-1.2, 1.2);
  std::vector<T> x(inputs);
  for (auto& e : x) e = T(u(g));
  return x;
}

struct agreement {
  std::size_t programs = 0;
  std::size_t worst = 0;
  double worst_error = 0;
};

/// Runs `count` programs on actives and duals of T; returns the worst gradient disagreement.
template <class T>
agreement compare_modes(unsigned first, unsigned count) {
  agreement out;
  for (unsigned seed = first; seed < first + count; ++seed) {
    program const p = random_program(seed);
    std::vector<T> const x = random_inputs<T>(seed);

    std::vector<tl::active<T>> xa(x.begin(), x.end());
    tl::active<T> const ya = run(p, xa);
    std::vector<T> const ga = tl::gradient(ya, xa);

    using D = tl::dual<T, inputs>;
    std::vector<D> xd(inputs);
    for (std::size_t i = 0; i < inputs; ++i) {
      std::array<T, inputs> t{};
      t[i] = T(1);
      xd[i] = D(x[i], t);
    }
    D const yd = run(p, xd);

    // The same operations on the same numbers: the values are equal exactly.
    BOOST_TEST_REQUIRE(ya.value() == yd.value, "program " << seed);
    double scale = 1;
    for (std::size_t i = 0; i < inputs; ++i) scale = std::max(scale, double(std::abs(yd.tangent[i])));
    for (std::size_t i = 0; i < inputs; ++i) {
      double const e = std::abs(double(ga[i]) - double(yd.tangent[i])) / scale;
      if (e > out.worst_error) {
        out.worst_error = e;
        out.worst = seed;
      }
    }
    ++out.programs;
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(ten_thousand_programs_in_double_agree_with_forward_mode) {
  auto const r = compare_modes<double>(1, 10000);
  BOOST_TEST(r.programs == 10000u);
  BOOST_TEST(r.worst_error <= 1e-12, "worst program " << r.worst << ": relative error " << r.worst_error);
}

BOOST_AUTO_TEST_CASE(a_thousand_programs_in_float_agree_with_forward_mode) {
  auto const r = compare_modes<float>(20001, 1000);
  BOOST_TEST(r.programs == 1000u);
  BOOST_TEST(r.worst_error <= 2e-5, "worst program " << r.worst << ": relative error " << r.worst_error);
}

BOOST_AUTO_TEST_CASE(a_sample_agrees_with_central_differences) {
  // Branches make a program piecewise smooth: a step that crosses a kink is recognised by the
  // disagreement of the one-sided differences and skipped; the others must agree.
  std::size_t checked = 0;
  for (unsigned seed = 1; seed <= 300; ++seed) {
    program const p = random_program(seed);
    std::vector<double> const x = random_inputs<double>(seed);
    std::vector<tl::active<double>> xa(x.begin(), x.end());
    std::vector<double> const g = tl::gradient(run(p, xa), xa);
    for (std::size_t i = 0; i < inputs; ++i) {
      double const h = 1e-6;
      auto at = [&](double dx) {
        auto y = x;
        y[i] += dx;
        return run(p, y);
      };
      double const f0 = at(0), fp = at(h), fm = at(-h);
      double const right = (fp - f0) / h, left = (f0 - fm) / h;
      if (std::abs(right - left) > 1e-3 * std::max(1.0, std::abs(right))) continue;  // a kink
      double const central = (fp - fm) / (2 * h);
      BOOST_TEST(std::abs(g[i] - central) <= 1e-5 * std::max(1.0, std::abs(central)),
                 "program " << seed << " input " << i << ": " << g[i] << " against " << central);
      ++checked;
    }
  }
  BOOST_TEST(checked >= 900u);
}
