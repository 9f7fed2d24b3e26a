// tapeless/kernels/highway.h: the one place that configures Highway for tapeless, and the namespace
// every kernel lives in. The -inl.h kernels include this, then open their code with
// TAPELESS_KERNELS_BEGIN and close it with TAPELESS_KERNELS_END.
//
// Highway's static dispatch: kernels are compiled for the target the compiler flags allow
// (-march=native gives AVX-512 here); without flags it is Highway's baseline target, still correct.
#pragma once

// Highway 1.0.3 rejects -march=native on CPUs with the AVX3_DL features (its target detection tests a
// macro it never defines); asking for AVX3_DL is the documented way to make that target attainable.
#ifndef HWY_WANT_AVX3_DL
#define HWY_WANT_AVX3_DL
#endif

#include <hwy/highway.h>

// Opens the kernels' namespace for the current target, with `hn` naming Highway's ops.
#define TAPELESS_KERNELS_BEGIN                   \
  HWY_BEFORE_NAMESPACE();                        \
  namespace tapeless::detail::kernels {          \
  namespace HWY_NAMESPACE {                      \
  namespace hn = hwy::HWY_NAMESPACE;
// Closes what TAPELESS_KERNELS_BEGIN opened.
#define TAPELESS_KERNELS_END \
  }                          \
  }                          \
  HWY_AFTER_NAMESPACE();
