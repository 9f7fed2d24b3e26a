#include <tapeless/tapeless.hpp>
#include <iostream>
int main() {
  // case 1
  tl::var<tl::mat<double, 2, 2>> w{{1.0, 2.3}, {4.5, 6.7}};
  auto x = tl::constant(tl::mat<double, 2, 1>{{1.2}, {2.3}});
  auto y = tl::matmul(w, x);
  std::cout << tl::gradient(y(0, 0), w) << "\n";
  std::cout << tl::gradient(y[0], w) << "\n";
  // case 2,3
  tl::var<tl::vec<double, 3>> w1{1, 1, 1}, w2{1, 1, 1}, w3{1, 1, 1}, w4{1, 1, 1};
  auto z1 = 3 * w1 + 2 * w2 + w3;
  auto z2 = -1 * w3 + w4;
  auto [g1, g2, g3, g4] = tl::gradient(tl::outputs(z1, z2), tl::wrt(w1, w2, w3, w4));
  std::cout << g1 << g2 << g3 << g4 << "\n";
  auto [h1, h2, h3, h4] = tl::gradient(tl::outputs(z1, z2), tl::wrt(w1, w2, w3, w4), tl::seeds({-2, -3, -4}, {-1, -2, -3}));
  std::cout << h1 << h2 << h3 << h4 << "\n";
  // case 5
  tl::var<double> a{1.0}, b{1.0};
  auto c = a + b;
  auto e = tl::stop_gradient(c) + (a + b);
  auto [ga, gb] = tl::gradient(e, tl::wrt(a, b));
  std::cout << ga << " " << gb << "\n";
  // case 6
  auto d = tl::derivative<3>([](auto const& t) { return tl::pow(t, 2); }, 2.0);
  std::cout << d[0] << " " << d[1] << " " << d[2] << " " << d[3] << "\n";
  // case 7
  tl::var<double> a7{0.0};
  auto b7 = tl::let(2 * a7);
  auto c7 = a7 + b7;
  auto [d7a, d7b] = tl::gradient(c7, tl::wrt(a7, b7));
  std::cout << d7a << " " << d7b << "\n";
  auto [s7a, s7b] = tl::gradient(a7 + b7, tl::wrt(a7, b7), tl::stop_at(a7, b7));
  std::cout << s7a << " " << s7b << "\n";
  // case 10
  auto X = tl::constant(tl::mat<double, 2, 2>{{1, 2}, {3, 4}});
  auto yy = tl::constant(tl::mat<double, 2, 1>{{1}, {2}});
  tl::var<tl::mat<double, 2, 1>> ww{{1}, {2}};
  tl::var<double> bb{1.0};
  auto L = tl::sum(tl::square(tl::matmul(X, ww) + bb - yy));
  std::cout << tl::value(L) << "\n";
  auto [dw, db] = tl::gradient(L, tl::wrt(ww, bb));
  std::cout << dw << " " << db << "\n";
  // case 11
  tl::var<double> a11{1.0}, b11{2.0};
  auto c11 = tl::let(a11 + b11);
  std::cout << tl::gradient(tl::mean(tl::square(c11)), b11) << "\n";
  auto c_ = tl::let(a11 + 2 * b11);
  auto gc = tl::gradient(tl::mean(tl::square(c_)), c_);
  std::cout << gc << " " << tl::gradient(c_, b11, tl::seeds(gc)) << "\n";
  // 12
  tl::var<tl::vec<double, 2>> xj{1.0, 2.0};
  std::cout << tl::jacobian(xj * xj, xj) << "\n";
}
