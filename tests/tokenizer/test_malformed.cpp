// Malformed or unsupported tokenizer files give FormatError / UnsupportedError
// / IoError whose message names the file and what is wrong.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "slimlm/core/error.h"
#include "slimlm/tokenizer/tokenizer.h"

namespace slimlm::tokenizer {
namespace {

using nlohmann::json;

json minimal() {
  return {{"model", {{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}, {"ab", 2}}}, {"merges", {"a b"}}}}};
}

template <class E>
void expect_error(const std::string& text, std::initializer_list<std::string> fragments) {
  try {
    Tokenizer::from_json(text, "bad/tokenizer.json");
    FAIL() << "no error for " << text;
  } catch (const E& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("bad/tokenizer.json"), std::string::npos) << msg;
    for (const auto& f : fragments) EXPECT_NE(msg.find(f), std::string::npos) << "'" << f << "' not in: " << msg;
  }
}

TEST(Malformed, BadJson) { expect_error<FormatError>("{\"model\": ", {"not valid JSON"}); }

TEST(Malformed, UnknownModelType) {
  json j = minimal();
  j["model"]["type"] = "Mystery";
  expect_error<FormatError>(j.dump(), {"unknown model type 'Mystery'"});
}

TEST(Malformed, WordPieceAndUnigramAreUnsupported) {
  for (const char* type : {"WordPiece", "Unigram"}) {
    json j = minimal();
    j["model"]["type"] = type;
    expect_error<UnsupportedError>(j.dump(), {std::string("'") + type + "'"});
  }
}

TEST(Malformed, MergeNamesMissingToken) {
  json j = minimal();
  j["model"]["merges"] = {"a b", "ab c"};
  expect_error<FormatError>(j.dump(), {"merges[1]", "'c' missing from the vocabulary"});
  j["model"]["merges"] = {"ab"};
  expect_error<FormatError>(j.dump(), {"merges[0]", "two tokens"});
}

TEST(Malformed, StagesAndFields) {
  json j = minimal();
  j["pre_tokenizer"] = {{"type", "Nonsense"}};
  expect_error<FormatError>(j.dump(), {"pre_tokenizer", "unknown type 'Nonsense'"});
  j = minimal();
  j["normalizer"] = {{"type", "Precompiled"}, {"precompiled_charsmap", ""}};
  expect_error<UnsupportedError>(j.dump(), {"normalizer type 'Precompiled'"});
  j = minimal();
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}};
  expect_error<FormatError>(j.dump(), {"does not compile"});
  j = minimal();
  j["model"]["dropout"] = 0.1;
  expect_error<UnsupportedError>(j.dump(), {"dropout"});
  j = minimal();
  j["model"].erase("vocab");
  expect_error<FormatError>(j.dump(), {"missing field 'vocab'"});
  expect_error<FormatError>("[1, 2]", {"expected a JSON object"});
}

TEST(Malformed, MissingFilesAndBadLegacyPairs) {
  EXPECT_THROW(Tokenizer::from_file("/nonexistent/tokenizer.json"), IoError);
  const auto dir = std::filesystem::temp_directory_path() / "slimlm_tok_malformed";
  std::filesystem::create_directories(dir);
  EXPECT_THROW(Tokenizer::from_file(dir), IoError);  // a folder with no tokenizer files
  std::ofstream(dir / "vocab.json") << R"({"a": 0, "b": 1, "ab": 2})";
  std::ofstream(dir / "merges.txt") << "#version: 0.2\na b c\n";
  try {
    Tokenizer::from_file(dir);
    FAIL() << "bad merges line accepted";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("merges.txt:2"), std::string::npos) << e.what();
  }
  std::ofstream(dir / "merges.txt") << "#version: 0.2\na b\n";
  const auto t = Tokenizer::from_file(dir);
  // GPT-2 preset: "ab", "Ġab"; "Ġ" is not in this vocabulary and is dropped.
  EXPECT_EQ(t.encode("ab ab"), (std::vector<int32_t>{2, 2}));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace slimlm::tokenizer
