// The SIMD elementary functions (kernels/simd-inl.h) against std::, within the ULP bounds of their
// contract block, over their ranges; and std::'s exact results outside them.
#define BOOST_TEST_MODULE kernels_ulp
#include <boost/test/unit_test.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>
#include <tapeless/kernels/simd-inl.h>

namespace {

namespace hn = hwy::HWY_NAMESPACE;
namespace simd = tapeless::detail::kernels::HWY_NAMESPACE;

template <class T>
using bits_t = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;

/// The distance in units in the last place between two finite numbers of the same type.
template <class T>
std::uint64_t ulp_distance(T a, T b) {
  if (a == b) return 0;
  auto key = [](T x) {
    auto const i = std::bit_cast<bits_t<T>>(x);
    return i < 0 ? std::numeric_limits<bits_t<T>>::min() - i : i;  // monotone in x
  };
  auto const ka = key(a), kb = key(b);
  return ka > kb ? std::uint64_t(ka) - std::uint64_t(kb) : std::uint64_t(kb) - std::uint64_t(ka);
}

/// The largest ULP distance of f_simd from f_std over n samples drawn uniformly from [lo, hi].
template <class T, class FS, class FR>
std::uint64_t worst_ulp(T lo, T hi, FS f_simd, FR f_std, int n = 20000) {
  hn::ScalableTag<T> d;
  std::size_t const lanes = hn::Lanes(d);
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> dist{double(lo), double(hi)};
  std::vector<T> in(lanes), out(lanes);
  std::uint64_t worst = 0;
  for (int k = 0; k < n; ++k) {
    for (auto& x : in) x = T(dist(rng));
    simd::lanes<decltype(d)> v{hn::LoadU(d, in.data())};
    hn::StoreU(f_simd(v).v, d, out.data());
    for (std::size_t i = 0; i < lanes; ++i) {
      T const want = f_std(in[i]);
      if (want == T(0) && std::abs(out[i]) < std::numeric_limits<T>::min()) continue;  // both underflow
      worst = std::max(worst, ulp_distance(out[i], want));
    }
  }
  return worst;
}

using reals = std::tuple<float, double>;

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(within_the_contract, T, reals) {
  auto const lim = simd::exp_limit<T>;
  // The bounds are the contract's (Highway 1.0.3), plus 1 ULP for std::'s own rounding.
  BOOST_TEST(worst_ulp<T>(T(-80), lim, [](auto v) { return simd::exp(v); }, [](T x) { return std::exp(x); }) <= 2u);
  BOOST_TEST(worst_ulp<T>(T(-80), lim, [](auto v) { return simd::expm1(v); }, [](T x) { return std::expm1(x); }) <= 5u);
  BOOST_TEST(worst_ulp<T>(T(1e-6), T(1e6), [](auto v) { return simd::log(v); }, [](T x) { return std::log(x); }) <= 5u);
  BOOST_TEST(worst_ulp<T>(T(0), T(1e6), [](auto v) { return simd::log1p(v); }, [](T x) { return std::log1p(x); }) <= 3u);
  BOOST_TEST(worst_ulp<T>(T(-100), T(100), [](auto v) { return simd::sin(v); }, [](T x) { return std::sin(x); }) <= 4u);
  BOOST_TEST(worst_ulp<T>(T(-100), T(100), [](auto v) { return simd::cos(v); }, [](T x) { return std::cos(x); }) <= 4u);
  BOOST_TEST(worst_ulp<T>(T(-20), T(20), [](auto v) { return simd::tanh(v); }, [](T x) { return std::tanh(x); }) <= 5u);
  BOOST_TEST(worst_ulp<T>(T(0), T(1e6), [](auto v) { return simd::sqrt(v); }, [](T x) { return std::sqrt(x); }) == 0u);
  BOOST_TEST(worst_ulp<T>(T(1e-6), T(1e6), [](auto v) { return simd::log2(v); }, [](T x) { return std::log2(x); }) <= 3u);
  BOOST_TEST(worst_ulp<T>(T(1e-6), T(1e6), [](auto v) { return simd::log10(v); }, [](T x) { return std::log10(x); }) <= 3u);
  BOOST_TEST(worst_ulp<T>(T(-1), T(1), [](auto v) { return simd::asin(v); }, [](T x) { return std::asin(x); }) <= 3u);
  BOOST_TEST(worst_ulp<T>(T(-1), T(1), [](auto v) { return simd::acos(v); }, [](T x) { return std::acos(x); }) <= 3u);
  BOOST_TEST(worst_ulp<T>(T(-100), T(100), [](auto v) { return simd::atan(v); }, [](T x) { return std::atan(x); }) <= 4u);
  BOOST_TEST(worst_ulp<T>(T(-80), T(80), [](auto v) { return simd::sinh(v); }, [](T x) { return std::sinh(x); }) <= 5u);
  BOOST_TEST(worst_ulp<T>(T(-1e6), T(1e6), [](auto v) { return simd::asinh(v); }, [](T x) { return std::asinh(x); }) <= 4u);
  BOOST_TEST(worst_ulp<T>(T(-2), T(2), [](auto v) { return simd::asinh(v); }, [](T x) { return std::asinh(x); }) <= 4u);
  BOOST_TEST(worst_ulp<T>(T(1), T(1e6), [](auto v) { return simd::acosh(v); }, [](T x) { return std::acosh(x); }) <= 4u);
  BOOST_TEST(worst_ulp<T>(T(1), T(3), [](auto v) { return simd::acosh(v); }, [](T x) { return std::acosh(x); }) <= 4u);
  BOOST_TEST(worst_ulp<T>(T(-0.999), T(0.999), [](auto v) { return simd::atanh(v); }, [](T x) { return std::atanh(x); }) <= 4u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(outside_the_range_std_decides, T, reals) {
  // Every sample is out of Highway's range, so every lane is std::'s result exactly.
  BOOST_TEST(worst_ulp<T>(T(-1e6), T(-40000), [](auto v) { return simd::sin(v); }, [](T x) { return std::sin(x); }, 200) == 0u);
  BOOST_TEST(worst_ulp<T>(T(40000), T(1e6), [](auto v) { return simd::cos(v); }, [](T x) { return std::cos(x); }, 200) == 0u);
  BOOST_TEST(worst_ulp<T>(T(-0.99), T(-0.01), [](auto v) { return simd::log1p(v); }, [](T x) { return std::log1p(x); }, 200) == 0u);
  BOOST_TEST(worst_ulp<T>(T(-1), T(1), [](auto v) { return simd::tan(v); }, [](T x) { return std::tan(x); }, 200) == 0u);
  BOOST_TEST(worst_ulp<T>(T(-10), T(10), [](auto v) { return simd::cosh(v); }, [](T x) { return std::cosh(x); }, 200) == 0u);
  BOOST_TEST(worst_ulp<T>(T(1000), T(1e6), [](auto v) { return simd::sinh(v); }, [](T x) { return std::sinh(x); }, 200) == 0u);
  T const tiny = std::numeric_limits<T>::denorm_min() * 4, subnormal = std::numeric_limits<T>::min() / 2;
  BOOST_TEST(worst_ulp<T>(tiny, subnormal, [](auto v) { return simd::log2(v); }, [](T x) { return std::log2(x); }, 200) == 0u);
  hn::ScalableTag<T> d;
  auto const big = simd::exp(simd::splat(d, T(1000)));
  BOOST_TEST(std::isinf(hn::GetLane(big.v)));
  auto const neg = simd::log(simd::splat(d, T(-1)));
  BOOST_TEST(std::isnan(hn::GetLane(neg.v)));
  // Outside the domain, std::'s NaN and infinities: atanh(+-1) = +-inf, acosh(0.5), asin(2) NaN.
  BOOST_TEST(hn::GetLane(simd::atanh(simd::splat(d, T(1))).v) == std::numeric_limits<T>::infinity());
  BOOST_TEST(hn::GetLane(simd::atanh(simd::splat(d, T(-1))).v) == -std::numeric_limits<T>::infinity());
  BOOST_TEST(std::isnan(hn::GetLane(simd::acosh(simd::splat(d, T(0.5))).v)));
  BOOST_TEST(std::isnan(hn::GetLane(simd::asin(simd::splat(d, T(2))).v)));
  BOOST_TEST(std::isnan(hn::GetLane(simd::acos(simd::splat(d, T(-2))).v)));
}
