// tapeless/tapeless.hpp: the whole library. `namespace tl = tapeless;` comes with it
// (define TAPELESS_NO_TL_ALIAS before including to leave the name tl alone).
#pragma once

#include "core/dynamic.hpp"
#include "core/shape.hpp"
#include "core/tensor.hpp"
#include "core/traits.hpp"
#include "forward/dual.hpp"
#include "forward/jet.hpp"
#include "expr/active.hpp"
#include "expr/axis.hpp"
#include "expr/base.hpp"
#include "expr/build.hpp"
#include "expr/custom.hpp"
#include "expr/elementwise.hpp"
#include "expr/gather.hpp"
#include "expr/index.hpp"
#include "expr/let.hpp"
#include "expr/linalg.hpp"
#include "expr/reduce.hpp"
#include "expr/scan.hpp"
#include "expr/select.hpp"
#include "expr/stop_gradient.hpp"
#include "expr/var.hpp"
#include "expr/view.hpp"
#include "reverse/gradient.hpp"
#include "reverse/jacobian.hpp"
#include "api/derivative.hpp"
#include "api/function.hpp"

/// `tl` is the short name of the library's namespace: `tl::gradient(y, x)` (leave it out by defining
/// TAPELESS_NO_TL_ALIAS before including).
#ifndef TAPELESS_NO_TL_ALIAS
namespace tl = tapeless;
#endif
