// tapeless/api/function.hpp: the JAX-shaped function API. f is a generic callable written with tapeless
// expressions, e.g. `[](auto const& x) { return tl::sum(tl::exp(x) * x); }`; each transform calls it on
// vars holding the arguments and differentiates what it returns.
//
//   tl::grad(f)(x...)             reverse mode: a value of x's shape (several arguments: a std::tuple)
//   tl::value_and_grad(f)(x...)   std::pair{f(x...), that}, from one sweep
//   tl::jacfwd(f)(x), jacrev(f)(x)   shape(f(x)) ++ shape(x), by N-lane dual passes / reverse sweeps
//   tl::jacobian(f)(x)            the same, in the cheaper mode for the shapes (or as a mode tag says)
//   tl::hessian(f)(x)             forward over reverse: the reverse sweep run with dual elements
//   tl::hvp(f, x, v)              H v, one reverse sweep on duals (forward over reverse)
//   tl::jvp(f, x, v)              std::pair{f(x), J v}, one tangent pass
//   tl::vjp(f, x, u)              std::pair{f(x), u^T J}, one reverse sweep
//
// f must return an expression of its arguments (not a tl::var or tl::let of its own: those would not
// outlive the call); named intermediates inside f are plain `auto h = ...;` expressions.
#pragma once

// One header per transform; this one brings in all of them.
#include "active_mode.hpp"
#include "grad.hpp"
#include "hessian.hpp"
#include "jacobian.hpp"
