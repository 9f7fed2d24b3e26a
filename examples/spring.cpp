// spring: sensitivities of a simulation. A damped chain of four masses with nonlinear springs is
// integrated by RK4 for n steps (n from the command line, 1000 by default); the gradient of the final
// energy with respect to the initial positions and velocities and the three parameters comes from
// one reverse sweep through tl::scan, which keeps every state, and again with tl::checkpoints(16),
// which keeps at most 16 and recomputes the rest. Both are checked against forward mode (tl::jacfwd
// over the same program) and against central differences of a plain double implementation; the
// program exits with status 1 unless all agree.
#include "spring_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <iostream>
#include <string>

namespace hana = boost::hana;
using spring::masses;

namespace {

/// Central difference of the final energy of the plain model in one input.
double central(std::size_t which, std::size_t n) {
  auto run = [&](double delta) {
    spring::plain<double> s{};
    double k = spring::k0, k3 = spring::k30, c = spring::c0;
    auto const q0 = spring::initial_q(), v0 = spring::initial_v();
    for (std::size_t i = 0; i < masses; ++i) {
      s.q[i] = q0[i] + (which == i ? delta : 0.0);
      s.v[i] = v0[i] + (which == masses + i ? delta : 0.0);
    }
    if (which == 2 * masses) k += delta;
    if (which == 2 * masses + 1) k3 += delta;
    if (which == 2 * masses + 2) c += delta;
    for (std::size_t t = 0; t < n; ++t) s.step(k, k3, c, spring::h0);
    return s.energy(k, k3);
  };
  double const h = 1e-6;
  return (run(h) - run(-h)) / (2 * h);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t const n = argc > 1 ? std::stoul(argv[1]) : 1000;
  using spring::inputs;

  // The initial state is a hana tuple of vars (position, velocity); the parameters are vars too.
  auto s0 = hana::make_tuple(tl::var<spring::state_vec>{spring::initial_q()}, tl::var<spring::state_vec>{spring::initial_v()});
  auto const& q0 = hana::at_c<0>(s0);
  auto const& v0 = hana::at_c<1>(s0);
  tl::var<double> k{spring::k0}, k3{spring::k30}, c{spring::c0};

  auto step = spring::rk4_step(k, k3, c, spring::h0);
  auto sn = tl::scan(step, s0, n);
  auto e = spring::energy(hana::at_c<0>(sn), hana::at_c<1>(sn), k, k3);
  auto const [eq, ev, ek, ek3, ec] = tl::gradient(e, tl::wrt(q0, v0, k, k3, c));

  auto sn_k = tl::scan(step, s0, n, tl::checkpoints(16));
  auto e_k = spring::energy(hana::at_c<0>(sn_k), hana::at_c<1>(sn_k), k, k3);
  auto const [cq, cv, ck, ck3, cc] = tl::gradient(e_k, tl::wrt(q0, v0, k, k3, c));

  // Forward mode: the same program as a function of all eleven inputs, by tl::jacfwd (the scan runs
  // on dual numbers with eleven tangent lanes: one evaluation gives every column).
  auto f = [n](auto const& p) {
    tl::mat<double, masses, inputs> pick_q{}, pick_v{};
    for (std::size_t i = 0; i < masses; ++i) {
      pick_q(i, i) = 1.0;
      pick_v(i, masses + i) = 1.0;
    }
    auto kk = p[2 * masses], kk3 = p[2 * masses + 1], cc = p[2 * masses + 2];
    auto st = tl::scan(spring::rk4_step(kk, kk3, cc, spring::h0),
                       hana::make_tuple(tl::matmul(tl::constant(pick_q), p), tl::matmul(tl::constant(pick_v), p)), n);
    return spring::energy(hana::at_c<0>(st), hana::at_c<1>(st), kk, kk3);
  };
  tl::vec<double, inputs> p{};
  auto const start = spring::initial_inputs();
  std::copy(start.begin(), start.end(), p.data());
  auto const forward = tl::jacfwd(f)(p);

  auto const reverse = spring::pack(eq, ev, ek, ek3, ec);
  auto const checkpointed = spring::pack(cq, cv, ck, ck3, cc);

  std::cout.precision(10);
  std::cout << "spring chain, " << masses << " masses, " << n << " RK4 steps of " << spring::h0 << "\n"
            << "final energy " << tl::value(e) << "\n\n"
            << "input      reverse (scan)    checkpoints(16)   forward (jacfwd)  central difference\n";
  char const* names[] = {"q0[0]", "q0[1]", "q0[2]", "q0[3]", "v0[0]", "v0[1]", "v0[2]", "v0[3]", "k", "k3", "c"};
  bool ok = true;
  for (std::size_t i = 0; i < inputs; ++i) {
    double const fd = central(i, n);
    std::cout.width(8);
    std::cout << std::left << names[i] << std::right;
    for (double x : {reverse[i], checkpointed[i], forward[i], fd}) {
      std::cout.width(18);
      std::cout << x;
    }
    std::cout << "\n";
    double const scale = std::max(1.0, std::abs(reverse[i]));
    ok = ok && checkpointed[i] == reverse[i] && std::abs(forward[i] - reverse[i]) <= 1e-10 * scale &&
         std::abs(fd - reverse[i]) <= 1e-6 * scale;
  }
  std::cout << (ok ? "\nall four agree\n" : "\nMISMATCH\n");
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
