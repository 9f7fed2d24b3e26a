// logistic_model.hpp: a logistic regression whose data is split into shards, the model of the data-
// parallel programs. Shared by examples/threads.cpp, examples/mpi_data_parallel.cpp and
// bench/threads.cpp.
//
//   L(w, b) = sum_i log(1 + exp(-s_i z_i)),  z = X w + b,  labels s_i = +1 or -1
//
// L is a sum over rows, so its gradient is the sum of the gradients of the shards' losses: whoever
// holds rows [begin, end) (a thread, an MPI rank) takes the gradient over them alone, and the parts
// are added.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include <tapeless/tapeless.hpp>

namespace logistic {

inline constexpr std::size_t features = 4;
using weights = tl::vec<double, features>;

/// A number in [-1, 1) that depends only on (i, j): any thread or process can make any row.
inline double noise(std::size_t i, std::size_t j) {
  std::uint64_t z = (i * 131 + j) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return 2.0 * static_cast<double>(z >> 11) * 0x1.0p-53 - 1.0;
}

/// Rows [begin, end) of the data: features x (one row each) and labels s.
struct shard {
  tl::dmat<double> x;
  tl::dvec<double> s;
  shard(std::size_t begin, std::size_t end) : x(end - begin, features), s(end - begin) {
    for (std::size_t i = begin; i < end; ++i) {
      double z = 0.3;
      for (std::size_t j = 0; j < features; ++j) {
        x(i - begin, j) = noise(i, j);
        z += (static_cast<double>(j) - 1.5) * x(i - begin, j);
      }
      s[i - begin] = z + 0.5 * noise(i, features) > 0 ? 1.0 : -1.0;
    }
  }
};

/// The first row of shard `part` of `parts` over n rows (shard `parts` starts at n).
inline std::size_t first_row(std::size_t n, std::size_t part, std::size_t parts) { return n * part / parts; }

/// The loss over one shard as a function of (w, b), for tl::grad or for vars: it refers to the shard's
/// data (tl::constant_ref), so the shard must outlive it.
inline auto loss_of(shard const& d) {
  return [&d](auto const& w, auto const& b) {
    return tl::sum(tl::softplus(-tl::constant_ref(d.s) * (tl::matmul(tl::constant_ref(d.x), w) + b)));
  };
}

/// A gradient (dL/dw, dL/db); parts add up.
struct gradient {
  weights w{};
  double b = 0;
  gradient& operator+=(gradient const& o) {
    for (std::size_t j = 0; j < features; ++j) w[j] += o.w[j];
    b += o.b;
    return *this;
  }
};

/// The gradient over one shard with the shard's own vars: the pattern of one thread or rank.
inline gradient shard_gradient(shard const& d, weights const& w0, double b0) {
  tl::var<weights> w{w0};
  tl::var<double> b{b0};
  auto const loss = loss_of(d)(w, b);
  auto const [gw, gb] = tl::gradient(loss, tl::wrt(w, b));
  return {gw, gb};
}

/// The gradient by hand: dL/dz_i = -s_i sigmoid(-s_i z_i), dL/dw = X^T dL/dz, dL/db = sum_i dL/dz_i.
inline gradient by_hand(shard const& d, weights const& w, double b) {
  gradient g;
  for (std::size_t i = 0; i < d.s.size(); ++i) {
    double z = b;
    for (std::size_t j = 0; j < features; ++j) z += d.x(i, j) * w[j];
    double const dz = -d.s[i] / (1 + std::exp(d.s[i] * z));
    for (std::size_t j = 0; j < features; ++j) g.w[j] += dz * d.x(i, j);
    g.b += dz;
  }
  return g;
}

/// True when every component of `got` is within 1e-12 of `want`, relative to want's largest: adding
/// the same terms in another order changes the last few bits, a lost or doubled shard changes
/// everything.
inline bool equal_to_rounding(gradient const& got, gradient const& want) {
  double scale = std::abs(want.b);
  for (std::size_t j = 0; j < features; ++j) scale = std::max(scale, std::abs(want.w[j]));
  bool ok = std::abs(got.b - want.b) <= 1e-12 * scale;
  for (std::size_t j = 0; j < features; ++j) ok = ok && std::abs(got.w[j] - want.w[j]) <= 1e-12 * scale;
  return ok;
}

}  // namespace logistic
