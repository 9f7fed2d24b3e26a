// Runs the fuzz harness (api.cpp) without libFuzzer, which g++ does not have: every file of the seed
// corpus, then pseudo-random inputs from a fixed seed, so every build exercises it. The harness
// aborts on the first mismatch, so any failure is a nonzero exit.
//
//     fuzz_replay [--random N] [FILE or DIRECTORY]...
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "api.hpp"

namespace {

std::vector<std::uint8_t> read_file(std::filesystem::path const& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
  long random = 20000;
  std::vector<std::filesystem::path> files;
  for (int a = 1; a < argc; ++a) {
    std::string const arg = argv[a];
    if (arg == "--random" && a + 1 < argc) {
      random = std::atol(argv[++a]);
    } else if (std::filesystem::is_directory(arg)) {
      std::vector<std::filesystem::path> in_dir;
      for (auto const& e : std::filesystem::directory_iterator(arg))
        if (e.is_regular_file()) in_dir.push_back(e.path());
      std::sort(in_dir.begin(), in_dir.end());  // the same order on every run
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else {
      files.emplace_back(arg);
    }
  }
  for (auto const& p : files) {
    auto const bytes = read_file(p);
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  }
  // Random bytes reach every family, mismatch about one extent in eight and draw one value in six
  // from the palette of edge values: short inputs, so many extents are small.
  std::mt19937 rng(20240610);
  std::uniform_int_distribution<int> length(1, 160), byte(0, 255);
  std::vector<std::uint8_t> input;
  for (long k = 0; k < random; ++k) {
    input.resize(std::size_t(length(rng)));
    for (auto& b : input) b = std::uint8_t(byte(rng));
    LLVMFuzzerTestOneInput(input.data(), input.size());
  }
  std::printf("fuzz replay: %zu corpus files and %ld random inputs, no mismatch\n", files.size(), random);
  print_fuzz_statistics(stdout);
  return 0;
}
