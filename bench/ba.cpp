// ba: the reprojection residuals of bundle adjustment (ADBench / GradBench "ba"), the Jacobian of each
// observation's 2 residuals wrt its 15 parameters: the camera's 11 (Rodrigues rotation, centre, focal
// length, principal point, two radial distortion coefficients), the point's 3 and the observation's
// weight w:
//   X_cam = R(rot) (X - C),  p = X_cam[0..1] / X_cam[2],  p *= 1 + k1 |p|^2 + k2 |p|^4,
//   r = w (f p + x0 - feature).
// Many small independent problems, which is what Ceres users run on ceres::Jet: the size is the number
// of observations, one 2 x 15 Jacobian each (row-major, observation after observation).
//
// ceres_jet: the residual written once as a template over its scalar (as a Ceres cost functor is) on
// ceres::Jet<double, 15>. tapeless_dual: the same template on tl::dual<double, 15>. jacfwd: tl::jacfwd
// of the residual written on tapeless expressions of a tl::vec<double, 15> (its shared parts as
// tl::let), and jacrev, the same by reverse sweeps. The reference is tapeless_dual, checked once
// against central differences of the template on doubles.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <tapeless/tapeless.hpp>

#include "common.hpp"
#include "peers.hpp"

namespace {

char const* const problem = "ba";
constexpr std::size_t params = 15, residuals = 2;
constexpr std::int64_t observation_counts[] = {100, 1000, 10000};

/// The residual on any scalar T (double, a dual, a jet): p holds the 15 parameters.
template <class T>
std::array<T, 2> residual(T const* p, double const* feature) {
  using std::cos, std::sin, std::sqrt;
  T const* rot = p;
  T const* c = p + 3;
  T const& f = p[6];
  T const* x0 = p + 7;
  T const* k = p + 9;
  T const* x = p + 11;
  T const& w = p[14];
  T const xo[3] = {x[0] - c[0], x[1] - c[1], x[2] - c[2]};
  T const sqtheta = rot[0] * rot[0] + rot[1] * rot[1] + rot[2] * rot[2];
  T xc[3];
  if (sqtheta != 0.0) {
    T const theta = sqrt(sqtheta);
    T const ct = cos(theta), st = sin(theta), inv = 1.0 / theta;
    T const u[3] = {rot[0] * inv, rot[1] * inv, rot[2] * inv};
    T const cross[3] = {u[1] * xo[2] - u[2] * xo[1], u[2] * xo[0] - u[0] * xo[2], u[0] * xo[1] - u[1] * xo[0]};
    T const tmp = (u[0] * xo[0] + u[1] * xo[1] + u[2] * xo[2]) * (1.0 - ct);
    for (int i = 0; i < 3; ++i) xc[i] = xo[i] * ct + cross[i] * st + u[i] * tmp;
  } else {
    T const cross[3] = {rot[1] * xo[2] - rot[2] * xo[1], rot[2] * xo[0] - rot[0] * xo[2], rot[0] * xo[1] - rot[1] * xo[0]};
    for (int i = 0; i < 3; ++i) xc[i] = xo[i] + cross[i];
  }
  T const px = xc[0] / xc[2], py = xc[1] / xc[2];
  T const r2 = px * px + py * py;
  T const l = 1.0 + k[0] * r2 + k[1] * r2 * r2;
  return {w * (f * (px * l) + x0[0] - feature[0]), w * (f * (py * l) + x0[1] - feature[1])};
}

/// The residual on tapeless expressions of the 15 parameters (a tl::vec<double, 15> var or its duals),
/// its shared parts named with tl::let: called inside the function given to tl::jacfwd, which keeps
/// them as long as it needs f's expression.
template <class P>
auto residual_expression(P const& p, double const* feature) {
  auto const xo = tl::let(tl::slice<11, 3>(p) - tl::slice<3, 3>(p));
  auto const rot = tl::slice<0, 3>(p);
  auto const theta = tl::let(tl::norm(rot));
  auto const u = tl::let(rot / theta);
  auto const ct = tl::let(tl::cos(theta));
  auto const cross = tl::stack(u[1] * xo[2] - u[2] * xo[1], u[2] * xo[0] - u[0] * xo[2], u[0] * xo[1] - u[1] * xo[0]);
  auto const xc = tl::let(xo * ct + cross * tl::sin(theta) + u * (tl::dot(u, xo) * (1.0 - ct)));
  auto const pr = tl::let(tl::slice<0, 2>(xc) / xc[2]);
  auto const r2 = tl::let(tl::sum(tl::square(pr)));
  auto const l = 1.0 + p[9] * r2 + p[10] * tl::square(r2);
  return p[14] * (p[6] * (pr * l) + tl::slice<7, 2>(p) - tl::vec<double, 2>{feature[0], feature[1]});
}

/// Cameras, points, and for each observation its 15 parameters (copied: each problem is independent)
/// and its feature.
struct data {
  std::size_t n;
  std::vector<double> p;        // n x 15
  std::vector<double> feature;  // n x 2
  explicit data(std::size_t count) : n(count), p(count * params), feature(count * residuals) {
    bench::uniform u(23);
    std::size_t const cameras = 16, points = std::max<std::size_t>(count / 4, 1);
    std::vector<double> cam(cameras * 11), pts(points * 3);
    for (std::size_t c = 0; c < cameras; ++c) {
      double* q = cam.data() + c * 11;
      for (int i = 0; i < 3; ++i) q[i] = u(-0.3, 0.3);      // rotation
      for (int i = 3; i < 6; ++i) q[i] = u(-1.0, 1.0);      // centre
      q[6] = u(400.0, 600.0);                               // focal length
      q[7] = u(-5.0, 5.0), q[8] = u(-5.0, 5.0);             // principal point
      q[9] = u(-1e-2, 1e-2), q[10] = u(-1e-3, 1e-3);        // radial distortion
    }
    for (std::size_t j = 0; j < points; ++j) {
      pts[j * 3] = u(-1.0, 1.0), pts[j * 3 + 1] = u(-1.0, 1.0), pts[j * 3 + 2] = u(5.0, 10.0);  // in front
    }
    for (std::size_t o = 0; o < count; ++o) {
      double* q = p.data() + o * params;
      std::copy_n(cam.data() + (o % cameras) * 11, 11, q);
      std::copy_n(pts.data() + ((o * 7) % points) * 3, 3, q + 11);
      q[14] = u(0.5, 1.0);
      auto const r = residual<double>(q, feature.data() + o * residuals);  // feature 0: r = w * projection
      feature[o * 2] = r[0] / q[14] + u(-1.0, 1.0);
      feature[o * 2 + 1] = r[1] / q[14] + u(-1.0, 1.0);
    }
  }
};

data const& inputs(std::size_t n) { return bench::cached<data>(n); }

using dual15 = tl::dual<double, params>;

/// The Jacobians by the template on tl::dual<double, 15>.
void jacobians_dual(data const& d, double* jac) {
  for (std::size_t o = 0; o < d.n; ++o) {
    std::array<dual15, params> p;
    for (std::size_t j = 0; j < params; ++j) {
      p[j].value = d.p[o * params + j];
      p[j].tangent[j] = 1.0;
    }
    auto const r = residual<dual15>(p.data(), d.feature.data() + o * residuals);
    for (std::size_t i = 0; i < residuals; ++i)
      for (std::size_t j = 0; j < params; ++j) jac[(o * residuals + i) * params + j] = r[i].tangent[j];
  }
}

struct answer {
  double value = 0;  // unused: the check compares the Jacobians
  std::vector<double> g;
};

answer const& reference(std::size_t n) {
  return bench::cached(n, [](std::size_t count) {
    auto const& d = inputs(count);
    answer a{0, std::vector<double>(count * residuals * params)};
    jacobians_dual(d, a.g.data());
    // Central differences of the template on doubles, for the first observations.
    for (std::size_t o = 0; o < std::min<std::size_t>(count, 20); ++o)
      for (std::size_t j = 0; j < params; ++j) {
        std::array<double, params> pp, pm;
        std::copy_n(d.p.data() + o * params, params, pp.begin());
        pm = pp;
        double const h = 1e-6 * std::max(1.0, std::abs(pp[j]));
        pp[j] += h;
        pm[j] -= h;
        auto const rp = residual<double>(pp.data(), d.feature.data() + o * residuals);
        auto const rm = residual<double>(pm.data(), d.feature.data() + o * residuals);
        for (std::size_t i = 0; i < residuals; ++i) {
          double const fd = (rp[i] - rm[i]) / (pp[j] - pm[j]);
          double const got = a.g[(o * residuals + i) * params + j];
          if (!(std::abs(fd - got) <= 1e-5 * (1 + std::abs(got)))) {
            std::fprintf(stderr, "bench: ba/%zu: dr%zu/dp%zu of observation %zu is %.10g, central differences %.10g\n",
                         count, i, j, o, got, fd);
            std::abort();
          }
        }
      }
    return a;
  });
}

void check(char const* impl, std::size_t n, double const* jac) {
  auto const& want = reference(n).g;
  bench::check(bench::name(problem, impl, n), "Jacobians", jac, want.data(), want.size());
}

/// Times fill(d, jac) for the n observations, after checking its answer.
template <class Fill>
void verified(benchmark::State& state, char const* impl, Fill fill) {
  std::size_t const n = bench::size(state);
  auto const& d = inputs(n);
  std::vector<double> jac(n * residuals * params);
  double* out = jac.data();
  data const* dp = &d;
  bench::verified_timing(state, std::tie(dp), [&](data const* in) { fill(*in, out); }, [&] { check(impl, n, out); }, out);
}

void bm_dual(benchmark::State& state, char const* impl) { verified(state, impl, jacobians_dual); }

/// tl::jacfwd (Mode = forward_mode_t: one evaluation on 15-lane duals) or tl::jacrev (two reverse
/// sweeps) of the residual on expressions, for each observation.
template <class Mode>
void bm_function(benchmark::State& state, char const* impl) {
  verified(state, impl, [](data const& d, double* jac) {
    for (std::size_t o = 0; o < d.n; ++o) {
      tl::vec<double, params> p;
      std::copy_n(d.p.data() + o * params, params, p.data());
      double const* feature = d.feature.data() + o * residuals;
      auto const f = [feature](auto const& x) { return residual_expression(x, feature); };
      auto const j = tl::jacobian(f, Mode{})(p);
      std::copy_n(j.data(), residuals * params, jac + o * residuals * params);
    }
  });
}

#ifdef TAPELESS_BENCH_CERES
void bm_ceres_jet(benchmark::State& state, char const* impl) {
  verified(state, impl, [](data const& d, double* jac) {
    using jet = ceres::Jet<double, params>;
    for (std::size_t o = 0; o < d.n; ++o) {
      std::array<jet, params> p;
      for (std::size_t j = 0; j < params; ++j) p[j] = jet(d.p[o * params + j], static_cast<int>(j));
      auto const r = residual<jet>(p.data(), d.feature.data() + o * residuals);
      for (std::size_t i = 0; i < residuals; ++i)
        for (std::size_t j = 0; j < params; ++j) jac[(o * residuals + i) * params + j] = r[i].v[static_cast<Eigen::Index>(j)];
    }
  });
}
#endif

int const registered = [] {
  bench::register_at(problem, "tapeless_dual", bm_dual, observation_counts);
  bench::register_at(problem, "jacfwd", bm_function<tl::forward_mode_t>, observation_counts);
  bench::register_at(problem, "jacrev", bm_function<tl::reverse_mode_t>, observation_counts);
#ifdef TAPELESS_BENCH_CERES
  bench::register_at(problem, "ceres_jet", bm_ceres_jet, observation_counts);
#endif
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
