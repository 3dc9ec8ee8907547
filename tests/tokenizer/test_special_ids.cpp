// BOS/EOS ids, vocabulary size and piece lookups of the real tokenizers
// (tokenizer_config.json beside tokenizer.json, or the preset).
#include <gtest/gtest.h>

#include "slimlm/core/error.h"
#include "slimlm/tokenizer/tokenizer.h"
#include "test_util.h"

namespace slimlm::tokenizer {
namespace {

TEST(SpecialIds, FromTokenizerConfigBesideTheFile) {
  SLIMLM_REQUIRE_DATA(data);
  const auto llama2 = Tokenizer::from_file(data / "tokenizers/llama2");
  EXPECT_EQ(llama2.bos_id(), 1);
  EXPECT_EQ(llama2.eos_id(), 2);
  EXPECT_TRUE(llama2.adds_bos());
  EXPECT_EQ(llama2.vocab_size(), 32000);
  EXPECT_EQ(llama2.id_to_piece(15043), "\xE2\x96\x81Hello");
  EXPECT_THROW(llama2.id_to_piece(32000), ConfigError);
  const auto small = Tokenizer::from_file(data / "models/bench-llama-26m");
  EXPECT_EQ(small.bos_id(), 0);
  EXPECT_EQ(small.eos_id(), 0);
  EXPECT_FALSE(small.adds_bos());
  const auto llama3 = Tokenizer::from_bpe_files(data / "tokenizers/llama3/encoder.json",
                                                data / "tokenizers/llama3/vocab.bpe", BpePreset::kLlama3);
  EXPECT_EQ(llama3.bos_id(), 128000);
  EXPECT_EQ(llama3.eos_id(), 128001);
  EXPECT_EQ(llama3.vocab_size(), 128256);
  EXPECT_EQ(llama3.piece_to_id("<|eot_id|>"), 128009);
  EXPECT_TRUE(llama3.adds_bos());
}

}  // namespace
}  // namespace slimlm::tokenizer
