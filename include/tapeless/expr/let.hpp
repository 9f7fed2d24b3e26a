// tapeless/expr/let.hpp: tl::let (named intermediates, evaluated once per sweep) and tl::stop_gradient.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

#include "base.hpp"

namespace tapeless {

/// A named intermediate. Evaluated once per sweep however often it is used; its backward runs once,
/// after all of its users, so any DAG built from lets costs linear time. It can be differentiated
/// against: `tl::gradient(y, tl::wrt(b))`.
///
///     tl::var<double> a{0.0};
///     auto b = tl::let(2 * a);
///     auto c = a + b;
///     auto [da, db] = tl::gradient(c, tl::wrt(a, b));   // 3, 1
///
/// Users refer to a let, so it must outlive them; it can be neither copied nor moved
/// (`auto b = tl::let(e);` needs neither).
template <class E>
class let : public expr_base<let<E>>, public detail::let_link {
 public:
  using expression_type = E;
  using value_type = typename E::value_type;

  template <class A>
    requires std::same_as<detail::node_t<A>, E>
  explicit let(A const& a) : expr_(detail::as_node(a)) {
    backward_ = &run_backward;
    clear_adjoint_ = &clear_adjoint;
  }
  let(let const&) = delete;
  let& operator=(let const&) = delete;

 private:
  template <class>
  friend struct detail::let_ref;

  value_type const& evaluate(detail::sweep& s) const {
    if (epoch_ != s.epoch()) {
      rec_.emplace(expr_.forward(s));
      detail::zero_like(adjoint_, rec_->value);
      touched_ = false;
      epoch_ = s.epoch();
      s.enlist(*this);
    }
    return rec_->value;
  }
  value_type const& tangent(detail::tangent_pass const& p) const {
    if (tangent_id_ != p.id()) {
      if (auto const* d = p.direction_for<value_type>(static_cast<detail::let_link const*>(this)))
        tangent_ = *d;
      else
        tangent_ = detail::tangent_of(expr_, p, *rec_);
      tangent_id_ = p.id();
    }
    return tangent_;
  }
  void accumulate(value_type const& a) const {
    detail::add_into(adjoint_, a);
    touched_ = true;
  }
  static void run_backward(detail::let_link const& l, detail::sweep& s) {
    auto const& self = static_cast<let const&>(l);
    if constexpr (E::active)
      if (self.touched_) self.expr_.backward(s, *self.rec_, self.adjoint_);
  }
  static void clear_adjoint(detail::let_link const& l) {
    auto const& self = static_cast<let const&>(l);
    detail::set_zero(self.adjoint_);
    self.touched_ = false;
  }

  E expr_;
  mutable std::optional<detail::record_t<E>> rec_;
  mutable value_type adjoint_{};
  mutable std::uint64_t epoch_ = 0;
  mutable bool touched_ = false;
  mutable value_type tangent_{};
  mutable std::uint64_t tangent_id_ = 0;
};

template <class A>
let(A const&) -> let<detail::node_t<A>>;

namespace detail {

template <class E>
struct let_ref : expr_base<let_ref<E>> {
  using value_type = typename E::value_type;
  static constexpr bool active = true;
  struct record {
    value_type const& value;
  };
  let<E> const* l_;

  explicit let_ref(let<E> const* l) noexcept : l_(l) {}
  record forward(sweep& s) const { return {l_->evaluate(s)}; }
  void backward(sweep&, record const&, value_type const& a) const { l_->accumulate(a); }
  value_type tangent(tangent_pass const& p, record const&) const { return l_->tangent(p); }

  /// The total adjoint of the binding in sweep s (the sum over its users), if s reached it.
  std::optional<value_type> reached_adjoint(sweep const& s) const {
    if (l_->epoch_ == s.epoch()) return l_->adjoint_;
    return std::nullopt;
  }
  /// Zeros shaped like the binding. This evaluates it in a sweep of its own, which disturbs the
  /// adjoints of the vars and lets below it: call it only after every reached adjoint has been read.
  value_type zero_adjoint() const {
    sweep fresh;
    return zeros_like(l_->evaluate(fresh));
  }
  void clear_adjoint(sweep const&) const {}
  void const* identity() const noexcept { return static_cast<let_link const*>(l_); }
};

/// The value with every tangent of a dual (at every nesting level) set to zero.
template <class T>
T without_tangents(T const& x) {
  if constexpr (requires { x.tangent; }) {
    T r{};
    r.value = without_tangents(x.value);
    return r;
  } else {
    return x;
  }
}

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
      for (std::size_t i = 0, n = size_of(v); i < n; ++i) elem(v, i) = without_tangents(elem(v, i));
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
