// bench/simd.hpp: Highway (static dispatch) for the hand-written SIMD implementations, and the SIMD
// target recorded in the benchmark JSON's context so that the report can name it.
#pragma once

#include <string>

#include <benchmark/benchmark.h>
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>
#include <hwy/targets.h>

namespace hn = hwy::HWY_NAMESPACE;

namespace bench {

inline int const simd_context_recorded = [] {
  benchmark::AddCustomContext("simd_target", hwy::TargetName(HWY_STATIC_TARGET));
  benchmark::AddCustomContext("double_lanes", std::to_string(hn::Lanes(hn::ScalableTag<double>())));
  benchmark::AddCustomContext("compiler", "g++ " __VERSION__);
#ifdef TAPELESS_BENCH_SIMD_OPTION
  benchmark::AddCustomContext("simd_option", TAPELESS_BENCH_SIMD_OPTION);
#endif
#ifdef TAPELESS_BENCH_FLAGS
  benchmark::AddCustomContext("flags", TAPELESS_BENCH_FLAGS);
#endif
  return 0;
}();

}  // namespace bench
