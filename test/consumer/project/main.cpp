// A downstream program: it only sees <tapeless/tapeless.hpp> through whatever its build system
// provides (Meson subproject, or an installed copy found with pkg-config), and fails loudly if a
// derivative differs from the one computed by hand.
#include <tapeless/tapeless.hpp>

#include <cmath>
#include <cstdio>

namespace {

int failures = 0;

void check(char const* what, double got, double want) {
  double const tol = 1e-12 * std::fmax(1.0, std::fabs(want));
  if (!(std::fabs(got - want) <= tol)) {
    std::printf("FAIL %s: got %.17g, want %.17g\n", what, got, want);
    ++failures;
  }
}

}  // namespace

int main() {
  // Least squares L(w, b) = sum((X w + b - y)^2): dL/dw = 2 X^T r and dL/db = 2 sum(r), r = X w + b - y.
  double const x[2][2] = {{1.5, -2.0}, {0.5, 3.0}};
  double const y[2] = {0.25, -1.5};
  double const w0[2] = {0.75, -0.5};
  double const b0 = 0.125;

  auto X = tl::constant(tl::mat<double, 2, 2>{{x[0][0], x[0][1]}, {x[1][0], x[1][1]}});
  auto Y = tl::constant(tl::mat<double, 2, 1>{{y[0]}, {y[1]}});
  tl::var<tl::mat<double, 2, 1>> w{{w0[0]}, {w0[1]}};
  tl::var<double> b{b0};
  auto loss = tl::sum(tl::square(tl::matmul(X, w) + b - Y));
  auto [dw, db] = tl::gradient(loss, tl::wrt(w, b));

  double r[2];
  for (int i = 0; i < 2; ++i) r[i] = x[i][0] * w0[0] + x[i][1] * w0[1] + b0 - y[i];
  check("loss", tl::value(loss), r[0] * r[0] + r[1] * r[1]);
  check("dL/dw0", dw(0, 0), 2 * (x[0][0] * r[0] + x[1][0] * r[1]));
  check("dL/dw1", dw(1, 0), 2 * (x[0][1] * r[0] + x[1][1] * r[1]));
  check("dL/db", db, 2 * (r[0] + r[1]));

  // Forward mode, nested duals: f(t) = t sin t, f' = sin t + t cos t, f'' = 2 cos t - t sin t.
  double const t = 0.7;
  auto d = tl::derivative<2>([](auto const& s) { return s * tl::sin(s); }, t);
  check("f", d[0], t * std::sin(t));
  check("f'", d[1], std::sin(t) + t * std::cos(t));
  check("f''", d[2], 2 * std::cos(t) - t * std::sin(t));

  if (failures != 0) return 1;
  std::printf("tapeless consumer: all derivatives match\n");
  return 0;
}
