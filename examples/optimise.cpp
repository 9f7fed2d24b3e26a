// optimise: Newton's method with a line search on the Rosenbrock function, with the gradient from
// tl::grad and the Hessian from tl::hessian (forward over reverse):
//
//   f(x) = (1 - x0)^2 + 100 (x1 - x0^2)^2,   minimum 0 at (1, 1), from the classic start (-1.2, 1).
//
// Each step solves H d = -g; when d is not a descent direction the step falls back to -g, and the
// step length halves until f decreases. The program prints the iterations and exits with status 1
// unless it reaches (1, 1) to 1e-10 and the Hessian there equals the one worked out by hand.
#include <tapeless/tapeless.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>

namespace {

using vec2 = tl::vec<double, 2>;
using mat2 = tl::mat<double, 2, 2>;

auto const rosenbrock = [](auto const& x) { return tl::square(1.0 - x[0]) + 100.0 * tl::square(x[1] - tl::square(x[0])); };

double f(vec2 const& x) { return tl::value(rosenbrock(tl::constant(x))); }

}  // namespace

int main() {
  vec2 x{-1.2, 1.0};
  int k = 0;
  for (; k < 100; ++k) {
    vec2 const g = tl::grad(rosenbrock)(x);
    double const gnorm = std::hypot(g[0], g[1]);
    std::cout << "iteration " << k << ": x = " << x << ", f = " << f(x) << ", |g| = " << gnorm << "\n";
    if (gnorm < 1e-12) break;
    mat2 const H = tl::hessian(rosenbrock)(x);
    double const det = H(0, 0) * H(1, 1) - H(0, 1) * H(1, 0);
    vec2 d{-(H(1, 1) * g[0] - H(0, 1) * g[1]) / det, -(H(0, 0) * g[1] - H(1, 0) * g[0]) / det};
    if (d[0] * g[0] + d[1] * g[1] >= 0) d = vec2{-g[0], -g[1]};  // not a descent direction
    double t = 1;
    double const fx = f(x);
    vec2 next{x[0] + d[0], x[1] + d[1]};
    while (f(next) >= fx && t > 1e-12) {
      t /= 2;
      next = vec2{x[0] + t * d[0], x[1] + t * d[1]};
    }
    x = next;
  }

  // The Hessian at the minimum: [[802, -400], [-400, 200]].
  mat2 const H = tl::hessian(rosenbrock)(x);
  double const exact[2][2] = {{2 + 1200 * x[0] * x[0] - 400 * x[1], -400 * x[0]}, {-400 * x[0], 200}};
  double worst = 0;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) worst = std::max(worst, std::abs(H(i, j) - exact[i][j]));
  std::cout << "minimum at x = " << x << " after " << k << " iterations, Hessian error " << worst << "\n";
  bool const ok = std::abs(x[0] - 1) < 1e-10 && std::abs(x[1] - 1) < 1e-10 && worst < 1e-9;
  return ok ? 0 : 1;
}
