// quickstart: a tour of tapeless through the twelve reference cases. docs/from-tensorflow.md sets each
// one beside the TensorFlow code it replaces; the C++ there is copied from this file (a test checks).
//
// Each case prints the function and what it computes, then every result with a label, compared with
// the number worked out by hand; the program exits with status 1 if any differs, so running it as a
// test means something.
//
// How to call the library, in five lines:
//   tl::var<V> x{...};                  a differentiable leaf owning a value V (double, tl::vec, tl::mat, ...)
//   auto y = f(x);                      operators and tl:: functions build an expression; nothing runs yet
//   tl::value(y)                        evaluates it with the vars' current values
//   tl::gradient(y, x)                  d y / d x summed over y's elements, shaped like x
//   tl::gradient(y, tl::wrt(x1, x2))    a std::tuple of gradients (structured bindings work)
// Header-only: add include/ to the include path (Meson: dependency('tapeless')) and compile as C++20.
#include <tapeless/tapeless.hpp>  // everything, and `namespace tl = tapeless;`

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <iostream>
#include <string_view>
#include <type_traits>

namespace {

int wrong = 0;

template <class V>
void print(std::ostream& os, V const& v) {
  if constexpr (requires { os << v; }) {
    os << v;
  } else {  // std::array
    os << '[';
    for (std::size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
    os << ']';
  }
}

/// Prints a case's title: the function, and what the case computes from it.
void heading(std::string_view title, std::string_view function, std::string_view computes) {
  std::cout << '\n' << title << ": " << function << "\n  " << computes << '\n';
}

/// Prints "label = value" and compares every element (row-major) with the expected numbers.
template <class V>
void show(std::string_view label, V const& got, std::initializer_list<double> expected) {
  double const* e = expected.begin();
  bool ok = true;
  auto check = [&](double x, std::size_t i) {
    ok = ok && i < expected.size() && std::abs(x - e[i]) <= 1e-12 * std::max(1.0, std::abs(e[i]));
  };
  std::size_t n = 1;
  if constexpr (std::is_arithmetic_v<V>) {
    check(got, 0);
  } else {
    n = got.size();
    for (std::size_t i = 0; i < n; ++i) check(got.data()[i], i);
  }
  ok = ok && n == expected.size();
  std::cout << "  " << label << " = ";
  print(std::cout, got);
  if (!ok) {
    ++wrong;
    std::cout << "   WRONG, expected [";
    for (std::size_t i = 0; i < expected.size(); ++i) std::cout << (i ? ", " : "") << e[i];
    std::cout << ']';
  }
  std::cout << '\n';
}

// 1. The gradient of one element of an output: the index is part of the expression, wherever it is
//    written (TensorFlow answers None when the slice is taken outside the tape).
void case_1() {
  heading("case 1", "y = matmul(w, x), w a 2 x 2 var, x a constant 2 x 1",
          "the gradient of one element of y with respect to w, indexed two ways");
  tl::var<tl::mat<double, 2, 2>> w{{1.0, 2.3}, {4.5, 6.7}};
  auto x = tl::constant(tl::mat<double, 2, 1>{{1.2}, {2.3}});
  auto y = tl::matmul(w, x);            // an expression: nothing is computed yet
  auto g = tl::gradient(y(0, 0), w);    // [1.2, 2.3; 0, 0]
  auto g_row = tl::gradient(y[0], w);   // y[0] is row 0 of the 2 x 1 y: the same
  show("d y(0,0) / d w", g, {1.2, 2.3, 0, 0});
  show("d y[0] / d w", g_row, {1.2, 2.3, 0, 0});
}

// 2. Lists of outputs and inputs: the gradients are summed over the outputs.
// 3. Seeds (grad_ys) weight each output's elements: a vector-Jacobian product.
void cases_2_and_3() {
  heading("cases 2 and 3", "z1 = 3 w1 + 2 w2 + w3, z2 = -w3 + w4, four vars of 3 elements",
          "the gradients of (z1, z2) summed over both outputs, then weighted by seeds (grad_ys)");
  tl::var<tl::vec<double, 3>> w1{1, 1, 1}, w2{1, 1, 1}, w3{1, 1, 1}, w4{1, 1, 1};
  auto z1 = 3 * w1 + 2 * w2 + w3;
  auto z2 = -1 * w3 + w4;
  auto [g1, g2, g3, g4] = tl::gradient(tl::outputs(z1, z2), tl::wrt(w1, w2, w3, w4));
  // g1 = [3, 3, 3], g2 = [2, 2, 2], g3 = [0, 0, 0], g4 = [1, 1, 1]
  auto [s1, s2, s3, s4] = tl::gradient(tl::outputs(z1, z2), tl::wrt(w1, w2, w3, w4),
                                       tl::seeds({-2, -3, -4}, {-1, -2, -3}));
  // s1 = [-6, -9, -12], s2 = [-4, -6, -8], s3 = [-1, -1, -1], s4 = [-1, -2, -3]
  show("d (z1, z2) / d w1", g1, {3, 3, 3});
  show("d (z1, z2) / d w2", g2, {2, 2, 2});
  show("d (z1, z2) / d w3", g3, {0, 0, 0});
  show("d (z1, z2) / d w4", g4, {1, 1, 1});
  show("seeded: d (z1, z2) / d w1", s1, {-6, -9, -12});
  show("seeded: d (z1, z2) / d w2", s2, {-4, -6, -8});
  show("seeded: d (z1, z2) / d w3", s3, {-1, -1, -1});
  show("seeded: d (z1, z2) / d w4", s4, {-1, -2, -3});
}

// 4. A row vector times a matrix.
void case_4() {
  heading("case 4", "y = matmul(weight, [9; 10]), weight a 1 x 2 var",
          "the gradient of a row vector times a matrix");
  tl::var<tl::mat<double, 1, 2>> weight{{1, 2}};
  auto y = tl::matmul(weight, tl::constant(tl::mat<double, 2, 1>{{9}, {10}}));
  auto g = tl::gradient(y, weight);   // [9, 10]
  show("d y / d weight", g, {9, 10});
}

// 5. stop_gradient: the same value, no derivative through it.
void case_5() {
  heading("case 5", "e = stop_gradient(a + b) + (a + b), a = b = 1",
          "the gradient when half of e is cut off by stop_gradient, and without it");
  tl::var<double> a{1.0}, b{1.0};
  auto c = a + b;
  auto e = tl::stop_gradient(c) + (a + b);
  auto [ga, gb] = tl::gradient(e, tl::wrt(a, b));             // 1, 1
  auto [ha, hb] = tl::gradient(c + (a + b), tl::wrt(a, b));   // without stop_gradient: 2, 2
  show("d e / d a", ga, {1});
  show("d e / d b", gb, {1});
  show("without stop_gradient: d / d a", ha, {2});
  show("without stop_gradient: d / d b", hb, {2});
}

// 6. Higher order: the value and the first three derivatives of a^2 at a = 2 (nested dual numbers).
void case_6() {
  heading("case 6", "f(a) = a^2 at a = 2",
          "the value and the first three derivatives (nested dual numbers)");
  auto d = tl::derivative<3>([](auto const& a) { return tl::pow(a, 2); }, 2.0);   // {4, 4, 2, 0}
  show("f, f', f'', f''' at 2", d, {4, 4, 2, 0});
}

// 7. The gradient with respect to an intermediate (a let binding): total derivative through b, and
//    the direct one.
// 8. stop_at: treat a and b as constants, so nothing flows from b back into a.
void cases_7_and_8() {
  heading("cases 7 and 8", "b = let(2 a), c = a + b, a = 0",
          "the gradient with respect to an intermediate (b), then with a and b held by stop_at");
  tl::var<double> a{0.0};
  auto b = tl::let(2 * a);
  auto c = a + b;
  auto [da, db] = tl::gradient(c, tl::wrt(a, b));                          // 3, 1
  auto [sa, sb] = tl::gradient(a + b, tl::wrt(a, b), tl::stop_at(a, b));   // 1, 1
  show("d c / d a", da, {3});
  show("d c / d b", db, {1});
  show("stop_at(a, b): d (a + b) / d a", sa, {1});
  show("stop_at(a, b): d (a + b) / d b", sb, {1});
}

// 9. Inputs cut off by stop_gradient get zeros, never "nothing".
void case_9() {
  heading("case 9", "y3 = stop_gradient(weight1 + weight2) + weight3, seeded with [1, 2]",
          "the gradients of inputs cut off by stop_gradient: zeros, never nothing");
  tl::var<tl::vec<double, 2>> weight1{1, 1}, weight2{1, 1}, weight3{1, 1};
  auto a = weight1 + weight2;
  auto y3 = tl::stop_gradient(a) + weight3;
  auto [g1, g2, g3] = tl::gradient(y3, tl::wrt(weight1, weight2, weight3), tl::seeds({1, 2}));
  // g1 = [0, 0], g2 = [0, 0], g3 = [1, 2]
  show("d y3 / d weight1", g1, {0, 0});
  show("d y3 / d weight2", g2, {0, 0});
  show("d y3 / d weight3", g3, {1, 2});
}

// 10. Least squares, the scalar b broadcast over the column X w. Assigning to a var is seen at the
//     next evaluation.
void case_10() {
  heading("case 10", "L = sum((X w + b - y)^2), least squares, b a scalar broadcast over X w",
          "the loss and its gradient, then again after assigning b = 0");
  auto X = tl::constant(tl::mat<double, 2, 2>{{1, 2}, {3, 4}});
  auto y = tl::constant(tl::mat<double, 2, 1>{{1}, {2}});
  tl::var<tl::mat<double, 2, 1>> w{{1}, {2}};
  tl::var<double> b{1.0};
  auto L = tl::sum(tl::square(tl::matmul(X, w) + b - y));
  auto L_value = tl::value(L);                        // 125
  auto [dw, db] = tl::gradient(L, tl::wrt(w, b));     // [70; 100], 30
  b = 0.0;
  auto [dw0, db0] = tl::gradient(L, tl::wrt(w, b));   // at b = 0: [62; 88], 26
  show("L", L_value, {125});
  show("dL / dw", dw, {70, 100});
  show("dL / db", db, {30});
  show("after b = 0, dL / dw", dw0, {62, 88});
  show("after b = 0, dL / db", db0, {26});
}

// 11. A variable assigned from an expression: bind it with let and it keeps its history. Gradients
//     also cascade by hand, one link at a time, with seeds.
void case_11() {
  heading("case 11", "loss = mean(c^2), c = let(a + b); c_ = let(a + 2 b); a = 1, b = 2",
          "the gradient through a let, and one cascaded by hand with seeds");
  tl::var<double> a{1.0}, b{2.0};
  auto c = tl::let(a + b);
  auto loss = tl::mean(tl::square(c));
  auto g = tl::gradient(loss, b);   // 6
  auto c_ = tl::let(a + 2 * b);
  auto [gc] = tl::gradient(tl::mean(tl::square(c_)), tl::wrt(c_));   // 10
  auto [gb] = tl::gradient(c_, tl::wrt(b), tl::seeds(gc));          // 20
  show("d loss / d b", g, {6});
  show("d mean(c_^2) / d c_", gc, {10});
  show("cascaded by a seed, d / d b", gb, {20});
}

// 12. The full Jacobian instead of the sum: shape(y) ++ shape(x). Summed over y's axes it is the
//     gradient.
void case_12() {
  heading("case 12", "y = matmul(A, x^2), A a constant 3 x 1, x a 1 x 2 var",
          "the full Jacobian (shape 3 x 2 x 1 x 2), and the gradient, its sum");
  tl::var<tl::mat<double, 1, 2>> x{{1.0, 2.0}};
  auto A = tl::constant(tl::mat<double, 3, 1>{{1}, {3}, {2}});
  auto y = tl::matmul(A, tl::square(x));   // y(m, n) = A(m) x(n)^2, a 3 x 2 matrix
  auto J = tl::jacobian(y, x);             // J(m, n, 0, p) = d y(m, n) / d x(0, p)
  static_assert(std::is_same_v<decltype(J), tl::tensor<double, 3, 2, 1, 2>>);
  // J = [2, 0; 0, 4; 6, 0; 0, 12; 4, 0; 0, 8] (the last axis varies fastest)
  auto g = tl::gradient(y, x);             // [12, 24]: J summed over m and n
  show("jacobian(y, x)", J, {2, 0, 0, 4, 6, 0, 0, 12, 4, 0, 0, 8});
  show("gradient(y, x)", g, {12, 24});
}

}  // namespace

int main() {
  case_1();
  cases_2_and_3();
  case_4();
  case_5();
  case_6();
  cases_7_and_8();
  case_9();
  case_10();
  case_11();
  case_12();
  if (wrong != 0) {
    std::cout << wrong << " result(s) WRONG\n";
    return 1;
  }
  std::cout << "\nall results as expected\n";
  return 0;
}
