// The fuzz harness's entry points, shared by api.cpp and the replay driver (replay.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>

/// One input: decodes it into an expression family, extents, values and seeds, and checks the
/// library against the plain-double reference in api.cpp. Aborts on any mismatch.
extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size);

/// What the inputs so far exercised: per family, how many fit or did not, and how many numbers were
/// compared exactly, within a rounding bound, or not at all (no bound could be given).
void print_fuzz_statistics(std::FILE* out);
