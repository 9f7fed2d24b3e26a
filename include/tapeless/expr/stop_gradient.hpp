// tapeless/expr/stop_gradient.hpp: tl::stop_gradient, the same value with no derivative through it.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include "base.hpp"

namespace tapeless {
namespace detail {

/// In reverse mode a constant; with dual or jet elements the derivative parts are stripped too, through
/// the hook each number type provides (core/traits.hpp's strip_derivatives), so forward mode sees a
/// constant as well (as JAX's jvp does).
template <class N>
struct stop_gradient_node : expr_base<stop_gradient_node<N>> {
  using value_type = typename N::value_type;
  using T = element_t<value_type>;
  static constexpr bool active = false;
  /// With dual elements the tangents stop too (forward mode sees a constant, as JAX's jvp does).
  static constexpr bool strips = !std::is_floating_point_v<T>;
  struct stripped_record {
    value_type value;
  };
  using record = std::conditional_t<strips, stripped_record, record_t<N>>;
  N n_;
  record forward(sweep& s) const {
    if constexpr (strips) {
      value_type v = n_.forward(s).value;
      for (std::size_t i = 0, n = size_of(v); i < n; ++i) elem(v, i) = strip_derivatives(elem(v, i));
      return {std::move(v)};
    } else {
      return n_.forward(s);
    }
  }
  void backward(sweep&, record const&, value_type const&) const noexcept {}
};

}  // namespace detail

/// The same value as e, but no derivative flows through it (`tf.stop_gradient`).
template <operand A>
auto stop_gradient(A const& e) {
  return detail::stop_gradient_node<detail::node_t<A>>{{}, detail::as_node(e)};
}

}  // namespace tapeless
