// ode_rk4: sensitivities through a time loop. A damped chain of four masses with cubic springs
// (examples/spring_model.hpp) is integrated by RK4 for n steps; the gradient of the final energy with
// respect to the 8 initial values and the 3 parameters (11 numbers). Size = the number of steps.
//   function      the loop on doubles, value only
//   handwritten   the discrete adjoint written by hand: the states kept, the stages recomputed
//                 per step backwards
//   tapeless      tl::scan (every state kept); tapeless_checkpoints: tl::checkpoints(32)
//   tapeless_active  the loop on doubles (spring::plain<T>) run on tl::active<double> by
//                 tl::value_and_grad(f, tl::active_mode): one recorded statement per assignment
//   tapeless_active_vec  the loop on vectors (spring::on_actives), on tl::active<tl::vec<double, 4>>:
//                 one recorded statement per vector assignment
//   adolc         the loop taped once (untimed), then ADOL-C's gradient driver; sacado: Sacado::Rad
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <tapeless/tapeless.hpp>

#include "../examples/spring_model.hpp"
#include "common.hpp"
#include "peers.hpp"

namespace {

namespace hana = boost::hana;
using spring::masses;
using spring::springs;

char const* const problem = "ode_rk4";
constexpr std::int64_t step_counts[] = {10, 100, 1000, 10000};
using spring::inputs;
double const h = spring::h0;

struct result {
  double value;
  double g[inputs];  // q0, v0, k, k3, c
};

/// The value only: the loop on doubles.
double run_function(std::size_t n) {
  spring::plain<double> s{};
  for (std::size_t i = 0; i < masses; ++i) {
    s.q[i] = spring::initial_q()[i];
    s.v[i] = spring::initial_v()[i];
  }
  for (std::size_t t = 0; t < n; ++t) s.step(spring::k0, spring::k30, spring::c0, h);
  return s.energy(spring::k0, spring::k30);
}

/// The hand-written discrete adjoint.
struct adjoint {
  double k = spring::k0, k3 = spring::k30, c = spring::c0;
  double gk = 0, gk3 = 0, gc = 0;

  void accel(double const* q, double const* v, double* a) const {
    double f[springs];
    for (std::size_t i = 0; i < springs; ++i) {
      double const e = (i < masses ? q[i] : 0.0) - (i > 0 ? q[i - 1] : 0.0);
      f[i] = k * e + k3 * e * e * e;
    }
    for (std::size_t j = 0; j < masses; ++j) a[j] = -(f[j] - f[j + 1]) * (1.0 / spring::mass) - c * v[j];
  }
  /// Adds the adjoints of q, v (and the parameters) for the acceleration's adjoint ab.
  void accel_back(double const* q, double const* v, double const* ab, double* qb, double* vb) {
    double fb[springs] = {};
    for (std::size_t j = 0; j < masses; ++j) {
      vb[j] -= c * ab[j];
      gc -= v[j] * ab[j];
      fb[j] -= ab[j] / spring::mass;
      fb[j + 1] += ab[j] / spring::mass;
    }
    for (std::size_t i = 0; i < springs; ++i) {
      double const e = (i < masses ? q[i] : 0.0) - (i > 0 ? q[i - 1] : 0.0);
      gk += fb[i] * e;
      gk3 += fb[i] * e * e * e;
      double const eb = fb[i] * (k + 3 * k3 * e * e);
      if (i < masses) qb[i] += eb;
      if (i > 0) qb[i - 1] -= eb;
    }
  }

  result run(std::size_t n, std::vector<double>& states) {
    states.resize(2 * masses * (n + 1));
    double* s = states.data();
    for (std::size_t i = 0; i < masses; ++i) {
      s[i] = spring::initial_q()[i];
      s[masses + i] = spring::initial_v()[i];
    }
    double const h2 = h / 2, h6 = h / 6;
    for (std::size_t t = 0; t < n; ++t) {
      double const* q = s + 2 * masses * t;
      double const* v = q + masses;
      double* qn = s + 2 * masses * (t + 1);
      double* vn = qn + masses;
      double a1[masses], a2[masses], a3[masses], a4[masses], q2[masses], v2[masses], q3[masses], v3[masses],
          q4[masses], v4[masses];
      accel(q, v, a1);
      for (std::size_t i = 0; i < masses; ++i) q2[i] = q[i] + h2 * v[i], v2[i] = v[i] + h2 * a1[i];
      accel(q2, v2, a2);
      for (std::size_t i = 0; i < masses; ++i) q3[i] = q[i] + h2 * v2[i], v3[i] = v[i] + h2 * a2[i];
      accel(q3, v3, a3);
      for (std::size_t i = 0; i < masses; ++i) q4[i] = q[i] + h * v3[i], v4[i] = v[i] + h * a3[i];
      accel(q4, v4, a4);
      for (std::size_t i = 0; i < masses; ++i) {
        qn[i] = q[i] + h6 * (v[i] + 2.0 * v2[i] + 2.0 * v3[i] + v4[i]);
        vn[i] = v[i] + h6 * (a1[i] + 2.0 * a2[i] + 2.0 * a3[i] + a4[i]);
      }
    }
    // The energy and its adjoint.
    double const* q = s + 2 * masses * n;
    double const* v = q + masses;
    double qb[masses] = {}, vb[masses];
    double value = 0;
    for (std::size_t i = 0; i < masses; ++i) {
      value += 0.5 * spring::mass * v[i] * v[i];
      vb[i] = spring::mass * v[i];
    }
    gk = gk3 = gc = 0;
    for (std::size_t i = 0; i < springs; ++i) {
      double const e = (i < masses ? q[i] : 0.0) - (i > 0 ? q[i - 1] : 0.0);
      double const e2 = e * e;
      value += 0.5 * k * e2 + 0.25 * k3 * e2 * e2;
      gk += 0.5 * e2;
      gk3 += 0.25 * e2 * e2;
      double const eb = k * e + k3 * e2 * e;
      if (i < masses) qb[i] += eb;
      if (i > 0) qb[i - 1] -= eb;
    }
    // Backwards through the steps, the stages recomputed from the kept state.
    for (std::size_t t = n; t-- > 0;) {
      double const* q0 = s + 2 * masses * t;
      double const* v0 = q0 + masses;
      double a1[masses], a2[masses], a3[masses], q2[masses], v2[masses], q3[masses], v3[masses], q4[masses],
          v4[masses];
      accel(q0, v0, a1);
      for (std::size_t i = 0; i < masses; ++i) q2[i] = q0[i] + h2 * v0[i], v2[i] = v0[i] + h2 * a1[i];
      accel(q2, v2, a2);
      for (std::size_t i = 0; i < masses; ++i) q3[i] = q0[i] + h2 * v2[i], v3[i] = v0[i] + h2 * a2[i];
      accel(q3, v3, a3);
      for (std::size_t i = 0; i < masses; ++i) q4[i] = q0[i] + h * v3[i], v4[i] = v0[i] + h * a3[i];
      double qnb[masses], vnb[masses];
      double v2b[masses], v3b[masses], v4b[masses], a1b[masses], a2b[masses], a3b[masses], a4b[masses];
      double q2b[masses] = {}, q3b[masses] = {}, q4b[masses] = {};
      for (std::size_t i = 0; i < masses; ++i) {
        qnb[i] = qb[i];
        vnb[i] = vb[i];
        vb[i] += h6 * qnb[i];
        v2b[i] = 2 * h6 * qnb[i];
        v3b[i] = 2 * h6 * qnb[i];
        v4b[i] = h6 * qnb[i];
        a1b[i] = h6 * vnb[i];
        a2b[i] = 2 * h6 * vnb[i];
        a3b[i] = 2 * h6 * vnb[i];
        a4b[i] = h6 * vnb[i];
      }
      accel_back(q4, v4, a4b, q4b, v4b);
      for (std::size_t i = 0; i < masses; ++i) {
        qb[i] += q4b[i];
        v3b[i] += h * q4b[i];
        vb[i] += v4b[i];
        a3b[i] += h * v4b[i];
      }
      accel_back(q3, v3, a3b, q3b, v3b);
      for (std::size_t i = 0; i < masses; ++i) {
        qb[i] += q3b[i];
        v2b[i] += h2 * q3b[i];
        vb[i] += v3b[i];
        a2b[i] += h2 * v3b[i];
      }
      accel_back(q2, v2, a2b, q2b, v2b);
      for (std::size_t i = 0; i < masses; ++i) {
        qb[i] += q2b[i];
        vb[i] += h2 * q2b[i];
        vb[i] += v2b[i];
        a1b[i] += h2 * v2b[i];
      }
      accel_back(q0, v0, a1b, qb, vb);
    }
    result r{value, {}};
    for (std::size_t i = 0; i < masses; ++i) {
      r.g[i] = qb[i];
      r.g[masses + i] = vb[i];
    }
    r.g[2 * masses] = gk;
    r.g[2 * masses + 1] = gk3;
    r.g[2 * masses + 2] = gc;
    return r;
  }
};

/// The hand-written adjoint's answer for n steps.
result const& reference(std::size_t n) {
  return bench::cached(n, [](std::size_t steps) {
    std::vector<double> states;
    return adjoint{}.run(steps, states);
  });
}
bench::checker const check{problem, "gradient (q0, v0, k, k3, c)", reference};

/// Checks run(n) -> result (or -> double, the value only) for the benchmark's number of steps n, then
/// times it (n hidden from the optimiser).
template <class Run>
void verified_timing(benchmark::State& state, char const* impl, Run run) {
  std::size_t n = bench::size(state);
  bench::verified_timing(state, std::tie(n), run, [&](auto const& r) { check(impl, n, r); });
}

void bm_function(benchmark::State& state, char const* impl) {
  verified_timing(state, impl, [](std::size_t steps) { return run_function(steps); });
}

void bm_handwritten(benchmark::State& state, char const* impl) {
  std::vector<double> states;
  verified_timing(state, impl, [&](std::size_t steps) { return adjoint{}.run(steps, states); });
}

template <bool Checkpointed>
void bm_tapeless(benchmark::State& state, char const* impl) {
  std::size_t n = bench::size(state);
  auto s0 = hana::make_tuple(tl::var<spring::state_vec>{spring::initial_q()}, tl::var<spring::state_vec>{spring::initial_v()});
  auto& q0 = hana::at_c<0>(s0);
  auto& v0 = hana::at_c<1>(s0);
  tl::var<double> k{spring::k0}, k3{spring::k30}, c{spring::c0};
  auto const step = spring::rk4_step(k, k3, c, h);
  auto const sn = Checkpointed ? tl::scan(step, s0, n, tl::checkpoints(32)) : tl::scan(step, s0, n);
  auto const e = spring::energy(hana::at_c<0>(sn), hana::at_c<1>(sn), k, k3);
  auto grad = [&] {
    auto const [gq, gv, gk, gk3, gc] = tl::gradient(e, tl::wrt(q0, v0, k, k3, c));
    auto const g = spring::pack(gq, gv, gk, gk3, gc);
    result r{0, {}};
    std::copy(g.begin(), g.end(), r.g);
    return r;
  };
  double kv = spring::k0;
  bench::verified_timing(
      state, std::tie(kv),
      [&](double at_k) {
        k = at_k;
        return grad();
      },
      [&](result r) {
        r.value = tl::value(e);
        check(impl, n, r);
      });
}

/// The plain loop, templated over its scalar, on tl::active<double>.
result active_gradient(std::size_t n) {
  auto const [value, g] = tl::value_and_grad([n](auto const& x) {
    using T = std::remove_cvref_t<decltype(x[0])>;
    spring::plain<T> s;
    for (std::size_t i = 0; i < masses; ++i) {
      s.q[i] = x[i];
      s.v[i] = x[masses + i];
    }
    for (std::size_t t = 0; t < n; ++t) s.step(x[2 * masses], x[2 * masses + 1], x[2 * masses + 2], h);
    return s.energy(x[2 * masses], x[2 * masses + 1]);
  }, tl::active_mode)(spring::initial_inputs());
  result r{value, {}};
  std::copy(g.begin(), g.end(), r.g);
  return r;
}
void bm_active(benchmark::State& state, char const* impl) {
  verified_timing(state, impl, [](std::size_t steps) { return active_gradient(steps); });
}

/// The loop on vectors (spring::on_actives), on tl::active<tl::vec<double, 4>>: one recorded statement
/// per vector assignment.
result active_vec_gradient(std::size_t n) {
  spring::on_actives::vec_active q0 = spring::initial_q(), v0 = spring::initial_v();
  spring::on_actives::number k = spring::k0, k3 = spring::k30, c = spring::c0;
  auto q = q0, v = v0;
  for (std::size_t t = 0; t < n; ++t) spring::on_actives::step(q, v, k, k3, c, h);
  auto const e = spring::energy(q, v, k, k3);
  auto const [gq, gv, gk, gk3, gc] = tl::gradient(e, tl::wrt(q0, v0, k, k3, c));
  auto const g = spring::pack(gq, gv, gk, gk3, gc);
  result r{tl::value(e), {}};
  std::copy(g.begin(), g.end(), r.g);
  return r;
}
void bm_active_vec(benchmark::State& state, char const* impl) {
  verified_timing(state, impl, [](std::size_t steps) { return active_vec_gradient(steps); });
}

#ifdef TAPELESS_BENCH_ADOLC
void bm_adolc(benchmark::State& state, char const* impl) {
  std::size_t const n = bench::size(state);
  std::size_t const ops = 450 * n + 1000;  // the tape holds about 404 operations per step
  short const tag = bench::adolc::taped("gradient/" + std::to_string(n), [n, ops](short t) {
    bench::adolc::trace_on_in_memory(t, ops);
    adouble x[inputs];
    auto const at = spring::initial_inputs();
    for (std::size_t i = 0; i < inputs; ++i) x[i] <<= at[i];
    spring::plain<adouble> s;
    for (std::size_t i = 0; i < masses; ++i) {
      s.q[i] = x[i];
      s.v[i] = x[masses + i];
    }
    adouble const k = x[2 * masses], k3 = x[2 * masses + 1], c = x[2 * masses + 2];
    for (std::size_t t2 = 0; t2 < n; ++t2) s.step(k, k3, c, h);
    adouble y = s.energy(k, k3);
    double yv;
    y >>= yv;
    trace_off();
  });
  auto const p = spring::initial_inputs();
  double g[inputs];
  bench::adolc::verified_timing(state, tag, inputs, p.data(), g, [&](double v) { check(impl, n, v, g); });
}
#endif

#ifdef TAPELESS_BENCH_SACADO
result sacado_gradient(std::size_t n) {
  using bench::sacado::rad;
  rad x[inputs];
  auto const at = spring::initial_inputs();
  for (std::size_t i = 0; i < inputs; ++i) x[i] = at[i];
  spring::plain<rad> s;
  for (std::size_t i = 0; i < masses; ++i) {
    s.q[i] = x[i];
    s.v[i] = x[masses + i];
  }
  for (std::size_t t = 0; t < n; ++t) s.step(x[2 * masses], x[2 * masses + 1], x[2 * masses + 2], h);
  rad y = s.energy(x[2 * masses], x[2 * masses + 1]);
  Sacado::Rad::ADcontext<double>::Outvar_Gradcomp(y);
  result r{y.val(), {}};
  for (std::size_t i = 0; i < inputs; ++i) r.g[i] = x[i].adj();
  return r;
}
void bm_sacado(benchmark::State& state, char const* impl) {
  verified_timing(state, impl, [](std::size_t steps) { return sacado_gradient(steps); });
}
#endif

int const registered = [] {
  bench::register_at(problem, "function", bm_function, step_counts);
  bench::register_at(problem, "handwritten", bm_handwritten, step_counts);
  bench::register_at(problem, "tapeless", bm_tapeless<false>, step_counts);
  bench::register_at(problem, "tapeless_checkpoints", bm_tapeless<true>, step_counts);
  bench::register_at(problem, "tapeless_active", bm_active, step_counts);
  bench::register_at(problem, "tapeless_active_vec", bm_active_vec, step_counts);
#ifdef TAPELESS_BENCH_ADOLC
  bench::register_at(problem, "adolc", bm_adolc, step_counts);
#endif
#ifdef TAPELESS_BENCH_SACADO
  bench::register_at(problem, "sacado", bm_sacado, step_counts);
#endif
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
