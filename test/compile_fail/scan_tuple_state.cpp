// init is a hana tuple (position, velocity) but the step returns one expression.
// expect: tl::scan: init is a boost::hana::tuple, so the step must return one \(the next state\)
#include <boost/hana/at.hpp>
#include <boost/hana/tuple.hpp>
#include <tapeless/tapeless.hpp>

int main() {
  namespace hana = boost::hana;
  auto s0 = hana::make_tuple(tl::var<double>{1.0}, tl::var<double>{0.0});
#ifdef TAPELESS_COMPILE_OK
  auto s = tl::scan([&](auto const& s) { return hana::make_tuple(hana::at_c<0>(s) + 0.1 * hana::at_c<1>(s), hana::at_c<1>(s) - 0.1 * hana::at_c<0>(s)); }, s0, 4);
#else
  auto s = tl::scan([&](auto const& s) { return hana::at_c<0>(s) + 0.1 * hana::at_c<1>(s); }, s0, 4);
#endif
  return tl::gradient(hana::at_c<0>(s), hana::at_c<0>(s0)) > 0 ? 0 : 1;
}
