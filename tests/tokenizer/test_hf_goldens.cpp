// Goldens made by HF tokenizers (tools/make_tokenizer_goldens.py) for gpt2,
// llama3, llama2 and bench-llama-26m: full ids and decodes for tricky strings,
// and CRC-32 per group of 32 texts for every line / paragraph of several
// corpora (texts read from $SLIMLM_DATA). Byte-level tokenizers must also
// give decode(encode(x)) == x on every text.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>

#include "crc32.h"
#include "slimlm/tokenizer/tokenizer.h"
#include "test_util.h"

namespace slimlm::tokenizer {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

Tokenizer load(const fs::path& data, const std::string& name) {
  const fs::path t = data / "tokenizers";
  if (name == "gpt2") return Tokenizer::from_bpe_files(t / "gpt2/encoder.json", t / "gpt2/vocab.bpe", BpePreset::kGpt2);
  if (name == "llama3")
    return Tokenizer::from_bpe_files(t / "llama3/encoder.json", t / "llama3/vocab.bpe", BpePreset::kLlama3);
  if (name == "llama2") return Tokenizer::from_file(t / "llama2/tokenizer.json");
  return Tokenizer::from_file(data / "models/bench-llama-26m/tokenizer.json");
}

json golden(const std::string& name) {
  return json::parse(test::read_file(fs::path(SLIMLM_SOURCE_DIR) / "tests/golden/tokenizers" / (name + ".json")));
}

std::vector<std::string> corpus_lines(const fs::path& file, size_t limit) {
  const std::string text = test::read_file(file);
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < text.size() && lines.size() < limit;) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return lines;
}

std::string hex8(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

class HfGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(HfGolden, Cases) {
  SLIMLM_REQUIRE_DATA(data);
  const auto tok = load(data, GetParam());
  const json g = golden(GetParam());
  ASSERT_GE(g["cases"].size(), 100u);
  size_t passed = 0;
  for (const json& c : g["cases"]) {
    const std::string text = c["text"];
    const auto want = c["ids"].get<std::vector<int32_t>>();
    const auto want_special = c.contains("ids_special") ? c["ids_special"].get<std::vector<int32_t>>() : want;
    const auto ids = tok.encode(text, false);
    const auto ids_special = tok.encode(text, true);
    EXPECT_EQ(ids, want) << "text: '" << text << "'";
    EXPECT_EQ(ids_special, want_special) << "with special tokens, text: '" << text << "'";
    EXPECT_EQ(tok.decode(want), c.value("decoded", text)) << "decode of '" << text << "'";
    EXPECT_EQ(tok.decode(want_special, true), c.value("decoded_special_skipped", text))
        << "decode skipping special tokens of '" << text << "'";
    passed += ids == want && ids_special == want_special;
  }
  RecordProperty("passed", std::to_string(passed) + "/" + std::to_string(g["cases"].size()));
}

TEST_P(HfGolden, Corpora) {
  SLIMLM_REQUIRE_DATA(data);
  const auto tok = load(data, GetParam());
  const json g = golden(GetParam());
  const size_t para = g["paragraph_lines"];
  const bool byte_level = GetParam() != "llama2";
  size_t texts_checked = 0, groups_failed = 0;
  for (const json& e : g["corpora"]) {
    const auto lines = corpus_lines(data / e["path"].get<std::string>(), e["lines"]);
    ASSERT_EQ(lines.size(), e["lines"].get<size_t>()) << e["path"];
    std::vector<std::string> texts;
    if (e["unit"] == "line") {
      texts = lines;
    } else {
      for (size_t i = 0; i < lines.size(); i += para) {
        std::string p;
        for (size_t k = i; k < std::min(i + para, lines.size()); ++k) p += (k > i ? "\n" : "") + lines[k];
        texts.push_back(p + "\n");
      }
    }
    ASSERT_EQ(texts.size(), e["texts"].get<size_t>());
    const bool add_special = e["add_special_tokens"];
    const auto all_ids = tok.encode_batch(texts, add_special);
    const size_t group = e["group"];
    const auto& groups = e["groups"];
    size_t total = 0;
    for (size_t gi = 0; gi * group < texts.size(); ++gi) {
      uint32_t h_ids = 0, h_dec = 0;
      for (size_t i = gi * group; i < std::min((gi + 1) * group, texts.size()); ++i) {
        const auto& ids = all_ids[i];
        const int32_t n = static_cast<int32_t>(ids.size());
        h_ids = test::crc32(&n, 4, h_ids);
        h_ids = test::crc32(ids.data(), ids.size() * 4, h_ids);
        const std::string dec = tok.decode(ids) + '\0';
        h_dec = test::crc32(dec.data(), dec.size(), h_dec);
        total += ids.size();
        if (byte_level) {
          EXPECT_EQ(tok.decode(tok.encode(texts[i], false)), texts[i]) << e["path"] << " text " << i;
        }
      }
      const std::string got = hex8(h_ids) + ":" + hex8(h_dec);
      if (got != groups[gi].get<std::string>()) {
        ++groups_failed;
        ADD_FAILURE() << e["path"] << " " << e["unit"] << " texts " << gi * group << ".." << (gi + 1) * group - 1
                      << ": crc ids:decoded " << got << ", HF " << groups[gi].get<std::string>()
                      << "; first text: '" << texts[gi * group] << "'";
      }
    }
    EXPECT_EQ(total, e["total_tokens"].get<size_t>()) << e["path"] << " " << e["unit"];
    texts_checked += texts.size();
  }
  EXPECT_EQ(groups_failed, 0u);
  EXPECT_GT(texts_checked, 10000u);
  RecordProperty("texts", std::to_string(texts_checked));
}

INSTANTIATE_TEST_SUITE_P(Tokenizers, HfGolden,
                         ::testing::Values("gpt2", "llama3", "llama2", "bench-llama-26m"),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& c : s)
                             if (c == '-') c = '_';
                           return s;
                         });

}  // namespace
}  // namespace slimlm::tokenizer
