// bench/peers.hpp: the peer libraries, each present only when Meson found it (TAPELESS_BENCH_<PEER>),
// and the few helpers their benchmarks share.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdio>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "common.hpp"

#ifdef TAPELESS_BENCH_ADOLC
#include <adolc/adolc.h>
#include <adolc/taping.h>
#endif

#ifdef TAPELESS_BENCH_SACADO
#include <Sacado.hpp>
#endif

#ifdef TAPELESS_BENCH_EIGEN
#include <Eigen/Core>  // AutoDiff needs Eigen/Core first
#include <unsupported/Eigen/AutoDiff>
#endif

#ifdef TAPELESS_BENCH_CERES
#include <ceres/jet.h>
#endif

namespace bench {

#ifdef TAPELESS_BENCH_ADOLC
namespace adolc {

/// A fresh tape number.
inline short next_tag() {
  static short tag = 0;
  return ++tag;
}

/// The tape number for `key`, the same on every call. Google Benchmark calls a benchmark function
/// several times (iteration estimate, repetitions); a new tape each time would exhaust ADOL-C's
/// Taylor buffers ("To many taylor buffers!", 32 of them), so each tape is recorded once and reused.
inline short tag_for(std::string const& key) {
  static std::map<std::string, short> tags;
  auto [it, fresh] = tags.try_emplace(key, short{0});
  if (fresh) it->second = next_tag();
  return it->second;
}

/// Starts recording a tape with buffers large enough for `ops` operations, so that ADOL-C keeps the
/// tape and the Taylor stack in memory (with its default buffers it writes files for the large problems,
/// which a careful user would avoid).
inline void trace_on_in_memory(short tag, std::size_t ops) {
  auto const n = static_cast<uint>(3 * ops + 65536);
  trace_on(tag, 0, n, n, n, n);
}

/// Says so on stderr when a tape went to disk after all (the timing would then include file access).
inline void warn_if_on_disk(short tag) {
  std::size_t s[STAT_SIZE];
  tapestats(tag, s);
  if (s[OP_FILE_ACCESS] || s[LOC_FILE_ACCESS] || s[VAL_FILE_ACCESS] || s[TAY_STACK_SIZE] > s[TAY_BUFFER_SIZE])
    std::fprintf(stderr, "bench: ADOL-C tape %d (%zu operations) is not kept in memory\n", tag,
                 s[NUM_OPERATIONS]);
}

/// Records the tape for `key` with record(tag) the first time, and returns its number.
template <class Record>
short taped(std::string const& key, Record record) {
  static std::map<std::string, bool> done;
  short const tag = tag_for(key);
  if (!done[key]) {
    record(tag);
    warn_if_on_disk(tag);
    done[key] = true;
  }
  return tag;
}

/// The adolc_taping rows: what recording the tape costs (not a gradient). record(tag) records it at
/// every iteration, on the tape for "taping/<key>".
template <class Record>
void time_taping(benchmark::State& state, std::string const& key, Record record) {
  short const tag = tag_for("taping/" + key);
  for (auto _ : state) record(tag);
}

/// Checks the taped function's value (::function) and gradient at `at` with check(value) (which reads
/// the n components of g), then times the gradient driver alone: the tape is recorded once, untimed.
template <class Check>
void verified_timing(benchmark::State& state, short tag, std::size_t n, double const* at, double* g, Check check) {
  int const m = static_cast<int>(n);
  double value;
  ::function(tag, 1, m, const_cast<double*>(at), &value);  // reads `at` only
  gradient(tag, m, at, g);
  check(value);
  time_loop(state, std::tie(at), [tag, m, g](double const* x) { gradient(tag, m, x, g); }, g);
}

/// Checks an ADOL-C driver whose answer is an N x N matrix (jacobian, hessian): driver(x, rows) fills it
/// through the row pointers `rows`. check(answer) sees it (row-major) at x0; then the driver alone is
/// timed, x the input, on a tape recorded beforehand.
template <std::size_t N, class Driver, class Check>
void verified_matrix_timing(benchmark::State& state, std::vector<double> const& x0, Driver driver, Check check) {
  std::array<double, N> x;
  std::copy(x0.begin(), x0.end(), x.begin());
  std::vector<double> answer(N * N);
  std::array<double*, N> rows;
  for (std::size_t i = 0; i < N; ++i) rows[i] = answer.data() + i * N;
  double* out = answer.data();
  double** r = rows.data();
  bench::verified_timing(
      state, std::tie(x), [driver, r](std::array<double, N> const& xv) { driver(xv.data(), r); },
      [&] { check(static_cast<double const*>(out)); }, out);
}

}  // namespace adolc
#endif

#ifdef TAPELESS_BENCH_SACADO
namespace sacado {
using rad = Sacado::Rad::ADvar<double>;
using dfad = Sacado::Fad::DFad<double>;
}  // namespace sacado
#endif

}  // namespace bench
