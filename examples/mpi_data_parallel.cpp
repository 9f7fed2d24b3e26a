// mpi_data_parallel: data-parallel gradient descent over MPI ranks. The logistic regression of
// examples/logistic_model.hpp (4 weights and a bias, n = 10007 rows) is split into one shard of rows
// per rank; each rank makes only its own rows. Per step, each rank takes the value and gradient of its
// shard's loss (its own vars, tl::value_and_gradient), MPI_Allreduce sums the parts on every rank, and
// every rank takes the same gradient-descent step, so the parameters stay identical everywhere.
// Rank 0 also takes the single-process gradient over all rows at each step's parameters; the summed
// gradient must equal it to rounding, and the loss must fall. Exit status 1 on every rank otherwise.
// Run: mpiexec -n 2 ./example_mpi_data_parallel
// The C API only: Open MPI's deprecated C++ bindings do not compile warning-free.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <array>
#include <cstddef>
#include <iostream>

#include <tapeless/tapeless.hpp>

#include "logistic_model.hpp"

namespace {

using logistic::features;
using logistic::gradient;
using logistic::shard;
using logistic::weights;

constexpr std::size_t n = 10007;  // rows
constexpr int steps = 8;
constexpr double rate = 2.0 / n;  // gradient descent on the mean loss, step 2

/// This rank's loss and gradient over its rows, with its own vars.
std::pair<double, gradient> local_value_and_gradient(shard const& mine, weights const& w0, double b0) {
  tl::var<weights> w{w0};
  tl::var<double> b{b0};
  auto const loss = logistic::loss_of(mine)(w, b);
  auto const [value, g] = tl::value_and_gradient(loss, tl::wrt(w, b));
  auto const& [gw, gb] = g;
  return {value, gradient{gw, gb}};
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  auto const r = static_cast<std::size_t>(rank), p = static_cast<std::size_t>(ranks);
  shard const mine(logistic::first_row(n, r, p), logistic::first_row(n, r + 1, p));
  shard const all = rank == 0 ? shard(0, n) : shard(0, 0);  // rank 0's check only

  weights w{0.1, -0.2, 0.3, -0.4};
  double b = 0.05;
  int wrong = 0;
  double first_loss = 0, loss = 0;
  for (int step = 0; step < steps; ++step) {
    auto const [value, g] = local_value_and_gradient(mine, w, b);
    // One message: the loss, dL/dw and dL/db, summed over the ranks.
    std::array<double, features + 2> buffer{value};
    for (std::size_t j = 0; j < features; ++j) buffer[1 + j] = g.w[j];
    buffer[features + 1] = g.b;
    MPI_Allreduce(MPI_IN_PLACE, buffer.data(), static_cast<int>(buffer.size()), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    gradient total;
    for (std::size_t j = 0; j < features; ++j) total.w[j] = buffer[1 + j];
    total.b = buffer[features + 1];
    loss = buffer[0];
    if (step == 0) first_loss = loss;

    if (rank == 0) {
      gradient const single = logistic::shard_gradient(all, w, b);
      bool const ok = logistic::equal_to_rounding(total, single);
      wrong += ok ? 0 : 1;
      std::cout << "step " << step << ": loss " << loss << ", gradient over " << ranks << " rank(s) "
                << total.w << ", " << total.b;
      if (!ok) std::cout << "   WRONG: one process gives " << single.w << ", " << single.b;
      std::cout << '\n';
    }
    for (std::size_t j = 0; j < features; ++j) w[j] -= rate * total.w[j];
    b -= rate * total.b;
  }
  if (rank == 0) {
    if (!(loss < first_loss)) {
      std::cout << "the loss did not fall: " << first_loss << " -> " << loss << "   WRONG\n";
      ++wrong;
    }
    std::cout << (wrong == 0 ? "every summed gradient equals the single-process gradient\n"
                             : "WRONG results\n");
  }
  MPI_Bcast(&wrong, 1, MPI_INT, 0, MPI_COMM_WORLD);
  MPI_Finalize();
  return wrong == 0 ? 0 : 1;
}
