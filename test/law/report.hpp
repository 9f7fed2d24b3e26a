// test/law/report.hpp: the mismatches of one law run (compared as in test/support/compare.hpp), reported
// together when the run ends.
#pragma once

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <string>
#include <utility>

#include "support/compare.hpp"

namespace law {

/// Collects mismatches of one law run; reports the first few in full and counts the rest, so a
/// broken op on 1000 elements does not bury the log. (Messages are built as one string: Boost's
/// streamed messages cost the compiler seconds per file.)
class report {
 public:
  explicit report(std::string context) : context_(std::move(context)) {}
  report(report const&) = delete;
  report& operator=(report const&) = delete;
  ~report() {
    if (failures_ > shown) error(std::to_string(failures_ - shown) + " more mismatches not shown");
    BOOST_TEST(failures_ == 0u, context_ + ": " + std::to_string(failures_) + " mismatches of " + std::to_string(checks_));
  }

  /// |got - want| <= allowed (support::within: infinities must match exactly; NaN never passes).
  void close(char const* what, std::size_t k, double got, double want, double allowed) {
    if (support::within(got, want, allowed))
      ++checks_;
    else
      fail(support::mismatch(std::string(what) + "[" + std::to_string(k) + "]", got, want, allowed));
  }
  void fail(std::string const& what) {
    ++checks_;
    if (failures_++ < shown) error(what);
  }
  bool sizes(char const* what, std::size_t got, std::size_t want) {
    if (got == want) return true;
    fail(std::string(what) + " has " + std::to_string(got) + " elements, expected " + std::to_string(want));
    return false;
  }

 private:
  void error(std::string const& m) const { BOOST_ERROR(context_ + ": " + m); }
  static constexpr std::size_t shown = 4;
  std::string context_;
  std::size_t failures_ = 0, checks_ = 0;
};

}  // namespace law
