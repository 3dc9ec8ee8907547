#pragma once
// Shared helpers of the tokenizer tests: where the third-party data lives.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace slimlm::tokenizer::test {

// $SLIMLM_DATA, resolved against the source tree when relative (CI sets it to
// ../shared/data relative to the repo root); empty when unset.
inline std::filesystem::path data_dir() {
  const char* env = std::getenv("SLIMLM_DATA");
  if (!env || !*env) return {};
  std::filesystem::path p(env);
  if (p.is_relative()) {
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) p = std::filesystem::path(SLIMLM_SOURCE_DIR) / p;
  }
  return p;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace slimlm::tokenizer::test

#define SLIMLM_REQUIRE_DATA(dir)                                          \
  const std::filesystem::path dir = ::slimlm::tokenizer::test::data_dir(); \
  if (dir.empty()) GTEST_SKIP() << "SLIMLM_DATA is not set"
