// rnn: an Elman recurrent network trained by gradient descent through time. The sequence length is
// read at run time (the command line, 60 by default); tl::scan runs the cell over the inputs, stacks
// its predictions (the step returns std::pair{next hidden state, prediction}), and one reverse sweep
// gives the gradient of the mean squared error with respect to all five parameters.
//
//   h_{t+1} = tanh(W_h h_t + W_x x_t + b)      y_t = w_o . h_{t+1} + b_o
//
// The task: from (sin, cos) of a phase, predict the sine a quarter step ahead. The program checks the
// first gradient against central differences, trains for 150 steps, and exits with status 1 unless the
// gradient is right and the loss falls below a fifth of its starting value.
#include <tapeless/tapeless.hpp>

#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace {

constexpr std::size_t hidden = 8;
constexpr std::size_t inputs = 2;

/// w <- w - rate * g, element by element.
template <class V>
void descend(tl::var<V>& w, V const& g, double rate) {
  V v = w.value();
  if constexpr (std::is_arithmetic_v<V>) {
    v -= rate * g;
  } else {
    for (std::size_t i = 0; i < v.size(); ++i) v.data()[i] -= rate * g.data()[i];
  }
  w = v;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t const steps = argc > 1 ? std::stoul(argv[1]) : 60;

  std::vector<tl::vec<double, inputs>> xs(steps);
  tl::dvec<double> targets(steps);
  for (std::size_t t = 0; t < steps; ++t) {
    double const phase = 0.3 * double(t);
    xs[t] = {std::sin(phase), std::cos(phase)};
    targets[t] = std::sin(phase + 0.3 * 0.25);
  }

  // Small deterministic initial weights.
  tl::mat<double, hidden, hidden> wh0{};
  tl::mat<double, hidden, inputs> wx0{};
  tl::vec<double, hidden> wo0{};
  for (std::size_t i = 0; i < hidden; ++i) {
    for (std::size_t j = 0; j < hidden; ++j) wh0(i, j) = 0.1 * std::sin(double(3 * i + 7 * j + 1));
    for (std::size_t j = 0; j < inputs; ++j) wx0(i, j) = 0.5 * std::cos(double(5 * i + 2 * j + 1));
    wo0[i] = 0.3 * std::sin(double(2 * i + 1));
  }
  tl::var<tl::mat<double, hidden, hidden>> Wh{wh0};
  tl::var<tl::mat<double, hidden, inputs>> Wx{wx0};
  tl::var<tl::vec<double, hidden>> b{tl::vec<double, hidden>{}};
  tl::var<tl::vec<double, hidden>> wo{wo0};
  tl::var<double> bo{0.0};

  auto cell = [&](auto const& h, auto const& x) {
    auto next = tl::let(tl::tanh(tl::matmul(Wh, h) + tl::matmul(Wx, x) + b));
    return std::pair{next + 0.0, tl::dot(wo, next) + bo};
  };
  auto [h_last, predictions] = tl::scan(cell, tl::vec<double, hidden>{}, xs);
  auto loss = tl::mean(tl::square(predictions - tl::constant_ref(targets)));
  (void)h_last;

  // The first gradient against central differences of the loss itself.
  auto const [gWh, gWx, gb, gwo, gbo] = tl::gradient(loss, tl::wrt(Wh, Wx, b, wo, bo));
  bool ok = true;
  auto check = [&](char const* name, double analytic, auto&& nudge) {
    double const h = 1e-6;
    nudge(h);
    double const up = tl::value(loss);
    nudge(-2 * h);
    double const down = tl::value(loss);
    nudge(h);
    double const fd = (up - down) / (2 * h);
    bool const good = std::abs(fd - analytic) <= 1e-6 * std::max(1.0, std::abs(fd));
    std::cout << "d loss / d " << name << ": " << analytic << " (central difference " << fd << ")\n";
    ok = ok && good;
  };
  std::cout.precision(8);
  check("Wh(2, 5)", gWh(2, 5), [&](double d) {
    auto v = Wh.value();
    v(2, 5) += d;
    Wh = v;
  });
  check("Wx(7, 1)", gWx(7, 1), [&](double d) {
    auto v = Wx.value();
    v(7, 1) += d;
    Wx = v;
  });
  check("b[3]", gb[3], [&](double d) {
    auto v = b.value();
    v[3] += d;
    b = v;
  });
  check("wo[0]", gwo[0], [&](double d) {
    auto v = wo.value();
    v[0] += d;
    wo = v;
  });
  check("bo", gbo, [&](double d) { bo = bo.value() + d; });

  double const first = tl::value(loss);
  double last = first;
  for (int epoch = 0; epoch < 150; ++epoch) {
    auto const [dWh, dWx, db, dwo, dbo] = tl::gradient(loss, tl::wrt(Wh, Wx, b, wo, bo));
    double const rate = 0.5;
    descend(Wh, dWh, rate);
    descend(Wx, dWx, rate);
    descend(b, db, rate);
    descend(wo, dwo, rate);
    descend(bo, dbo, rate);
    last = tl::value(loss);
    if (epoch % 30 == 0) std::cout << "epoch " << epoch + 1 << ": loss " << last << "\n";
  }
  std::cout << "after 150 epochs: loss " << last << " (from " << first << ", " << steps << " steps per sequence)\n";
  ok = ok && last < first / 5;
  std::cout << (ok ? "gradient checked, loss fell\n" : "FAILED\n");
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
