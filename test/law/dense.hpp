// test/law/dense.hpp: the driver of laws of one input with a dense reference (`law::dense`: reductions,
// indexing, linear algebra): on tl::dvec of every size and on one other shape (test/law/shapes.hpp).
#pragma once

#include <boost/test/unit_test.hpp>

#include <random>
#include <string>

#include <tapeless/tapeless.hpp>

#include "law/check.hpp"
#include "law/domains.hpp"
#include "law/reference.hpp"
#include "law/shapes.hpp"

namespace law {

/// A law of one input with a dense reference (reductions, indexing, linear algebra): at `Depth` on
/// tl::dvec<T> of every size and `basic` on the other shape of `Slot`. `vjp` (the analytic
/// vector-Jacobian product) may be empty.
template <class T, std::size_t Slot, depth Depth = depth::full, class Op>
void dense(std::string const& name, Op const& op, dense_fn const& f, vjp_fn const& vjp, domain const& d) {
  spec const s{name, f, {}, {}, vjp};
  std::mt19937 gen(fixed_seed);
  for (std::size_t n : sizes) check<Depth>(s, op, random_like(tl::dvec<T>(n), d, gen));
  for_other_shapes<T, Slot>([&](auto const& like) { check(s, op, random_like(like, d, gen)); });
}

}  // namespace law
