// test/support/errors.hpp: the text of the error a call throws, for tests of error messages.
#pragma once

#include <string>

#include <tapeless/core/shape.hpp>

namespace support {

/// The message of the tl::shape_error that f throws ("" if it throws none; any other exception
/// passes through and fails the test).
template <class F>
std::string shape_error_of(F const& f) {
  try {
    f();
  } catch (tapeless::shape_error const& e) {
    return e.what();
  }
  return "";
}

}  // namespace support
