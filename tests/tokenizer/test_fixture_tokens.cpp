// Every tests/golden/<fixture>/tokens.json present (written by
// tools/make_goldens.py with transformers for the fixture models): ids with and
// without special tokens, and the decode, must match the reference exactly.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "slimlm/tokenizer/tokenizer.h"
#include "test_util.h"

namespace slimlm::tokenizer {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<fs::path> token_goldens() {
  std::vector<fs::path> out;
  const fs::path root = fs::path(SLIMLM_SOURCE_DIR) / "tests/golden";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    const fs::path p = e.path() / "tokens.json";
    if (e.is_directory() && fs::is_regular_file(p)) out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(FixtureTokens, MatchReference) {
  const auto files = token_goldens();
  if (files.empty()) GTEST_SKIP() << "no tests/golden/*/tokens.json yet";
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    const json g = json::parse(test::read_file(file));
    const fs::path tok_path = fs::path(SLIMLM_SOURCE_DIR) / g.at("tokenizer").get<std::string>();
    const auto tok = Tokenizer::from_file(tok_path);
    ASSERT_FALSE(g.at("cases").empty());
    for (const json& c : g.at("cases")) {
      const std::string text = c.at("text");
      EXPECT_EQ(tok.encode(text, true), c.at("ids").get<std::vector<int32_t>>()) << "text: '" << text << "'";
      const auto ns = c.at("ids_no_special").get<std::vector<int32_t>>();
      EXPECT_EQ(tok.encode(text, false), ns) << "no special, text: '" << text << "'";
      if (c.contains("decoded")) {
        EXPECT_EQ(tok.decode(ns), c["decoded"].get<std::string>()) << "text: '" << text << "'";
      }
    }
  }
}

}  // namespace
}  // namespace slimlm::tokenizer
