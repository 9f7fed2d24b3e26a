/* bench/peers/sacado_shim/Sacado_config.h: found before Debian's /usr/include/trilinos/Sacado_config.h.
   Debian builds Trilinos with MPI, Teuchos and Kokkos enabled, and its config header makes every
   Sacado header pull them in. The benchmarks use only the header-only Fad and Rad types, so this
   copy switches those integrations off. */
#ifndef TAPELESS_BENCH_SACADO_CONFIG_H
#define TAPELESS_BENCH_SACADO_CONFIG_H

#define HAS_C99_TR1_CMATH
#define HAVE_SACADO_CXX11
#define SACADO_NEW_FAD_DESIGN_IS_DEFAULT

#endif
