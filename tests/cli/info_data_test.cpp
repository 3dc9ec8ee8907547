// `slimlm info` on the real trained checkpoint in the shared data
// (label data; skipped when SLIMLM_DATA is unset).
#include <gtest/gtest.h>

#include "cli_test_util.h"
#include "slimlm/cli/cmd_info.h"

namespace slimlm::cli {
namespace {

using Json = nlohmann::ordered_json;

std::filesystem::path bench_llama() {
  const auto data = testing::shared_data_dir();
  if (!data) return {};
  return *data / "models" / "bench-llama-26m";
}

TEST(InfoData, BenchLlama26m) {
  const auto dir = bench_llama();
  if (dir.empty()) GTEST_SKIP() << "SLIMLM_DATA is not set";
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir << " is missing from SLIMLM_DATA";
  const Json j = build_info(dir);
  EXPECT_EQ(j["architecture"], "LlamaForCausalLM");
  EXPECT_EQ(j["hidden_size"], 512);
  EXPECT_EQ(j["num_hidden_layers"], 6);
  EXPECT_EQ(j["num_attention_heads"], 8);
  EXPECT_EQ(j["num_key_value_heads"], 2);
  EXPECT_EQ(j["head_dim"], 64);
  EXPECT_EQ(j["intermediate_size"], 1536);
  EXPECT_EQ(j["vocab_size"], 8192);
  EXPECT_EQ(j["rope"]["theta"], 10000.0);
  EXPECT_EQ(j["tie_word_embeddings"], false);
  EXPECT_EQ(j["parameters"]["weights"]["total"], 26'483'200u);
  EXPECT_EQ(j["parameters"]["config_formula"]["total"], 26'483'200u);
  EXPECT_EQ(j["parameters"]["match"], true);
  EXPECT_EQ(j["dtypes"], Json({{"bf16", 57}}));
  EXPECT_EQ(j["bytes_on_disk"], std::filesystem::file_size(dir / "model.safetensors"));
  EXPECT_EQ(j["tokenizer_files"], Json::array({"tokenizer.json", "tokenizer_config.json", "generation_config.json"}));
  EXPECT_TRUE(j["warnings"].empty()) << j["warnings"].dump();
}

#ifdef SLIMLM_CLI
TEST(InfoData, BenchLlama26mBinary) {
  const auto dir = bench_llama();
  if (dir.empty()) GTEST_SKIP() << "SLIMLM_DATA is not set";
  testing::TempDir scratch;
  const auto r = testing::run_binary(SLIMLM_CLI, {"info", dir.string()}, scratch);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("26.5M (26,483,200)"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");
}
#endif

}  // namespace
}  // namespace slimlm::cli
