// llama.cpp's tokenizer test vectors (models/ggml-vocab-*.gguf.inp/.out):
// every string must give exactly the ids llama.cpp's reference produced
// (no BOS: add_special_tokens=false).
#include <gtest/gtest.h>

#include <sstream>

#include "slimlm/tokenizer/tokenizer.h"
#include "test_util.h"

namespace slimlm::tokenizer {
namespace {

struct VectorSet {
  std::vector<std::string> inputs;
  std::vector<std::vector<int32_t>> expected;
};

VectorSet load_vectors(const std::filesystem::path& dir, const std::string& name) {
  const std::string inp = test::read_file(dir / ("ggml-vocab-" + name + ".gguf.inp"));
  const std::string out = test::read_file(dir / ("ggml-vocab-" + name + ".gguf.out"));
  VectorSet v;
  const std::string sep = "\n__ggml_vocab_test__\n";
  for (size_t pos = 0; pos < inp.size();) {
    size_t end = inp.find(sep, pos);
    if (end == std::string::npos) end = inp.size();
    v.inputs.push_back(inp.substr(pos, end - pos));
    pos = end + sep.size();
  }
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream ids(line);
    std::vector<int32_t> row;
    for (int32_t id; ids >> id;) row.push_back(id);
    v.expected.push_back(std::move(row));
  }
  return v;
}

std::string show(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s += std::to_string(id) + " ";
  return s;
}

void check_all(const Tokenizer& tok, const VectorSet& v) {
  ASSERT_EQ(v.inputs.size(), v.expected.size());
  ASSERT_GE(v.inputs.size(), 40u);
  size_t passed = 0;
  for (size_t i = 0; i < v.inputs.size(); ++i) {
    const auto ids = tok.encode(v.inputs[i], /*add_special_tokens=*/false);
    EXPECT_EQ(ids, v.expected[i]) << "string " << i << ": '" << v.inputs[i] << "'\n got  " << show(ids)
                                  << "\n want " << show(v.expected[i]);
    passed += ids == v.expected[i];
  }
  ::testing::Test::RecordProperty("passed", std::to_string(passed) + "/" + std::to_string(v.inputs.size()));
}

TEST(LlamaCppVectors, Gpt2) {
  SLIMLM_REQUIRE_DATA(data);
  const auto tok = Tokenizer::from_bpe_files(data / "tokenizers/gpt2/encoder.json",
                                             data / "tokenizers/gpt2/vocab.bpe", BpePreset::kGpt2);
  check_all(tok, load_vectors(data / "tokenizers/llama.cpp-vocab", "gpt-2"));
}

TEST(LlamaCppVectors, LlamaSpm) {
  SLIMLM_REQUIRE_DATA(data);
  const auto tok = Tokenizer::from_file(data / "tokenizers/llama2/tokenizer.json");
  check_all(tok, load_vectors(data / "tokenizers/llama.cpp-vocab", "llama-spm"));
}

TEST(LlamaCppVectors, LlamaBpe) {
  SLIMLM_REQUIRE_DATA(data);
  const auto tok = Tokenizer::from_bpe_files(data / "tokenizers/llama3/encoder.json",
                                             data / "tokenizers/llama3/vocab.bpe", BpePreset::kLlama3);
  check_all(tok, load_vectors(data / "tokenizers/llama.cpp-vocab", "llama-bpe"));
}

}  // namespace
}  // namespace slimlm::tokenizer
