// `slimlm info` on small checkpoints the tests write (HF Llama / Qwen2 /
// Mistral names, random weights), through the library and, when the
// `slimlm` target is part of the build, through the real binary.
#include <functional>

#include <gtest/gtest.h>

#include "cli_test_util.h"
#include "slimlm/cli/cmd_info.h"
#include "slimlm/core/error.h"
#include "slimlm/io/hf_config.h"
#include "slimlm/io/parameter_count.h"
#include "slimlm/io/safetensors_writer.h"
#include "tiny_model.h"

namespace slimlm::cli {
namespace {

using Json = nlohmann::ordered_json;
using slimlm::testing::TempDir;
using slimlm::testing::TinyModelOptions;
using slimlm::testing::write_file;
using slimlm::testing::write_tiny_model;

// Totals worked out by hand from the tiny configs (see tiny_model.cpp):
// embeddings V*C, per layer q,k,v,o + biases, gate/up/down, 2 norms, final
// norm, lm_head unless tied.
constexpr uint64_t kTinyLlamaParams = 96 * 64 + 2 * (64 * 64 + 2 * 64 * 32 + 64 * 64 + 3 * 64 * 160 + 2 * 64) +
                                      64 + 96 * 64;  // 98,624
constexpr uint64_t kTinyQwen2Params =
    80 * 48 + 3 * (48 * 48 + 2 * 48 * 16 + 48 * 48 + (48 + 16 + 16) + 3 * 48 * 112 + 2 * 48) + 48;  // 71,232
constexpr uint64_t kTinyMistralParams =
    64 * 32 + 2 * (32 * 32 + 2 * 32 * 8 + 32 * 32 + 3 * 32 * 96 + 2 * 32) + 32 + 64 * 32;  // 27,808
static_assert(kTinyLlamaParams == 98'624 && kTinyQwen2Params == 71'232 && kTinyMistralParams == 27'808);

uint64_t total(const Json& info, const char* which) {
  return info["parameters"][which]["total"].get<uint64_t>();
}

TEST(InfoFormat, HumanUnits) {
  EXPECT_EQ(format_count(6'738'415'616), "6.74B");
  EXPECT_EQ(format_count(3'500'000), "3.5M");
  EXPECT_EQ(format_count(26'483'200), "26.5M");
  EXPECT_EQ(format_count(494'032'768), "494M");
  EXPECT_EQ(format_count(999), "999");
  EXPECT_EQ(format_count(1000), "1K");
  EXPECT_EQ(format_count(999'999), "1M");
  EXPECT_EQ(format_count(0), "0");
  EXPECT_EQ(format_exact(6'738'415'616), "6,738,415,616");
  EXPECT_EQ(format_exact(100), "100");
  EXPECT_EQ(format_exact(1000), "1,000");
  EXPECT_EQ(format_bytes(52'972'648), "50.5 MiB");
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(uint64_t{13} << 30), "13.0 GiB");
}

TEST(Info, TinyLlama) {
  TempDir tmp;
  const auto cfg = write_tiny_model(tmp.path(), testing::tiny_llama_config());
  const Json j = build_info(tmp.path());
  EXPECT_EQ(j["architecture"], "LlamaForCausalLM");
  EXPECT_EQ(j["arch"], "llama");
  EXPECT_EQ(j["hidden_size"], 64);
  EXPECT_EQ(j["num_hidden_layers"], 2);
  EXPECT_EQ(j["num_attention_heads"], 4);
  EXPECT_EQ(j["num_key_value_heads"], 2);
  EXPECT_EQ(j["head_dim"], 16);
  EXPECT_EQ(j["intermediate_size"], 160);
  EXPECT_EQ(j["vocab_size"], 96);
  EXPECT_EQ(j["max_position_embeddings"], 256);
  EXPECT_EQ(j["rope"]["theta"], 500000.0);
  EXPECT_EQ(j["rope"]["scaling"]["type"], "llama3");
  EXPECT_EQ(j["rope"]["scaling"]["factor"], 8.0);
  EXPECT_EQ(j["tie_word_embeddings"], false);
  EXPECT_EQ(j["special_tokens"]["eos"], Json::array({2, 3}));

  EXPECT_EQ(total(j, "weights"), kTinyLlamaParams);
  EXPECT_EQ(total(j, "config_formula"), kTinyLlamaParams);
  EXPECT_EQ(io::expected_parameter_count(cfg), kTinyLlamaParams);
  EXPECT_EQ(j["parameters"]["match"], true);
  EXPECT_EQ(j["parameters"]["weights"]["embeddings"], 96 * 64);
  EXPECT_EQ(j["parameters"]["weights"]["lm_head"], 96 * 64);
  EXPECT_EQ(j["parameters"]["weights"]["norms"], 5 * 64);
  EXPECT_EQ(j["parameters"]["weights"]["other"], 0);
  EXPECT_TRUE(j["warnings"].empty()) << j["warnings"].dump();

  EXPECT_EQ(j["dtypes"], Json({{"f32", 21}}));
  EXPECT_EQ(j["tensors"], 21);
  EXPECT_EQ(j["bytes_on_disk"], std::filesystem::file_size(tmp / "model.safetensors"));
  EXPECT_EQ(j["tokenizer_files"], Json::array({"tokenizer.json", "tokenizer_config.json", "generation_config.json"}));

  const std::string text = render_info_text(j);
  for (const char* want : {"LlamaForCausalLM (llama)", "4 / 2 (GQA, 2 per kv-head)", "theta 500000, scaling llama3, factor 8",
                           "98.6K (98,624)", "f32 (21 tensors)", "tokenizer.json", "lm head", "256 tokens"}) {
    EXPECT_NE(text.find(want), std::string::npos) << "missing '" << want << "' in:\n" << text;
  }
  EXPECT_EQ(text.find("MISMATCH"), std::string::npos);
}

TEST(Info, TinyQwen2TiedWithBiases) {
  TempDir tmp;
  write_tiny_model(tmp.path(), testing::tiny_qwen2_config(), {.dtype = DType::kBF16});
  const Json j = build_info(tmp.path());
  EXPECT_EQ(j["arch"], "qwen2");
  EXPECT_EQ(j["tie_word_embeddings"], true);
  EXPECT_EQ(j["bias"]["attention_qkv"], true);
  EXPECT_EQ(j["bias"]["attention_output"], false);
  EXPECT_TRUE(j["sliding_window"].is_null());
  EXPECT_EQ(total(j, "weights"), kTinyQwen2Params);
  EXPECT_EQ(total(j, "config_formula"), kTinyQwen2Params);
  EXPECT_EQ(j["parameters"]["weights"]["lm_head"], 0);
  EXPECT_EQ(j["parameters"]["weights"]["attention"], 3 * (6144 + 80));
  EXPECT_EQ(j["dtypes"], Json({{"bf16", 2 + 3 * 12}}));
  EXPECT_NE(render_info_text(j).find("lm head (tied)"), std::string::npos);
}

TEST(Info, TiedHeadStoredAnywayIsCountedOnce) {
  TempDir tmp;
  // Weights with an lm_head, then a config saying it is tied.
  std::string untied = testing::tiny_qwen2_config();
  untied.replace(untied.find("\"tie_word_embeddings\": true"), 27, "\"tie_word_embeddings\": false");
  write_tiny_model(tmp.path(), untied);
  write_file(tmp / "config.json", testing::tiny_qwen2_config());
  const Json j = build_info(tmp.path());
  EXPECT_EQ(j["tensors"], 1 + 3 * 12 + 1 + 1);
  EXPECT_EQ(total(j, "weights"), kTinyQwen2Params);
  EXPECT_EQ(j["parameters"]["match"], true);
}

TEST(Info, TinyMistralSharded) {
  TempDir tmp;
  write_tiny_model(tmp.path(), testing::tiny_mistral_config(), {.dtype = DType::kBF16, .shards = 2});
  const Json j = build_info(tmp.path());
  EXPECT_EQ(j["arch"], "mistral");
  EXPECT_EQ(j["sliding_window"], 128);
  EXPECT_EQ(j["head_dim"], 8);
  EXPECT_EQ(total(j, "weights"), kTinyMistralParams);
  EXPECT_EQ(total(j, "config_formula"), kTinyMistralParams);
  ASSERT_EQ(j["shards"].size(), 2u);
  EXPECT_EQ(j["shards"][0]["file"], "model-00001-of-00002.safetensors");
  EXPECT_EQ(j["index"], "model.safetensors.index.json");
  const uint64_t bytes = std::filesystem::file_size(tmp / "model-00001-of-00002.safetensors") +
                         std::filesystem::file_size(tmp / "model-00002-of-00002.safetensors");
  EXPECT_EQ(j["bytes_on_disk"], bytes);
  EXPECT_NE(render_info_text(j).find("in 2 files"), std::string::npos);
}

TEST(Info, ConfigAndWeightsDisagree) {
  TempDir tmp;
  write_tiny_model(tmp.path(), testing::tiny_llama_config(), {.tokenizer_files = false});
  std::string cfg = testing::tiny_llama_config();
  cfg.replace(cfg.find("\"intermediate_size\": 160"), 24, "\"intermediate_size\": 128");
  write_file(tmp / "config.json", cfg);
  const Json j = build_info(tmp.path());
  EXPECT_EQ(j["parameters"]["match"], false);
  EXPECT_EQ(total(j, "weights"), kTinyLlamaParams);
  EXPECT_EQ(total(j, "config_formula"), kTinyLlamaParams - 2 * 3 * 64 * 32);
  ASSERT_EQ(j["warnings"].size(), 2u);
  EXPECT_NE(j["warnings"][0].get<std::string>().find("MLP 61,440 vs 49,152"), std::string::npos) << j["warnings"][0];
  EXPECT_EQ(j["warnings"][1], "no tokenizer files in the folder");
  EXPECT_NE(render_info_text(j).find("MISMATCH"), std::string::npos);
}

TEST(Info, UnsupportedFeaturesAreListed) {
  TempDir tmp;
  std::string cfg = testing::tiny_llama_config();
  cfg.replace(cfg.find("\"llama3\""), 8, "\"yarn\"");
  write_tiny_model(tmp.path(), cfg);
  const Json j = build_info(tmp.path());
  ASSERT_EQ(j["unsupported"].size(), 1u);
  EXPECT_NE(j["unsupported"][0].get<std::string>().find("yarn"), std::string::npos);
  EXPECT_NE(render_info_text(j).find("not supported for running"), std::string::npos);
}

TEST(Info, ErrorsNameTheFileAtFault) {
  TempDir tmp;
  EXPECT_THROW(build_info(tmp / "absent"), IoError);
  write_tiny_model(tmp / "m", testing::tiny_llama_config());
  std::filesystem::remove(tmp / "m" / "config.json");
  try {
    build_info(tmp / "m");
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("has no config.json"), std::string::npos) << e.what();
  }
}

#ifdef SLIMLM_CLI
// The real binary: exit codes and the one-line error contract of main().

TEST(InfoBinary, PrintsTextAndJson) {
  TempDir tmp;
  write_tiny_model(tmp / "m", testing::tiny_qwen2_config());
  TempDir scratch;
  auto r = testing::run_binary(SLIMLM_CLI, {"info", (tmp / "m").string()}, scratch);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Qwen2ForCausalLM (qwen2)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("71.2K (71,232)"), std::string::npos) << r.out;
  r = testing::run_binary(SLIMLM_CLI, {"info", (tmp / "m").string(), "--json"}, scratch);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = Json::parse(r.out);
  EXPECT_EQ(total(j, "weights"), kTinyQwen2Params);
  EXPECT_EQ(total(j, "config_formula"), kTinyQwen2Params);
}

struct BadFolder {
  std::string label;
  std::function<void(const std::filesystem::path&)> spoil;  // applied to a good tiny model
  std::string expect;                                       // in the error line
};

std::string header_file(const std::string& json, size_t data_bytes) {
  return testing::safetensors_bytes(json, std::string(data_bytes, '\0'));
}

std::vector<BadFolder> bad_folders() {
  using std::filesystem::path;
  const std::string w = "model.safetensors";
  return {
      {"missing_folder", [](const path& d) { std::filesystem::remove_all(d); }, "does not exist"},
      {"no_weights", [w](const path& d) { std::filesystem::remove(d / w); }, "no weights in"},
      {"no_config", [](const path& d) { std::filesystem::remove(d / "config.json"); }, "has no config.json"},
      {"truncated", [w](const path& d) { std::filesystem::resize_file(d / w, 4); }, "too short"},
      {"cut_short", [w](const path& d) { std::filesystem::resize_file(d / w, std::filesystem::file_size(d / w) - 3); },
       "outside the data area"},
      {"not_json", [w](const path& d) { write_file(d / w, header_file("{\"a\": nope}", 0)); }, "not valid UTF-8 JSON"},
      {"overlap",
       [w](const path& d) {
         write_file(d / w, header_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                       R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                       12));
       },
       "tensor 'b': bytes [4, 12) overlap tensor 'a'"},
      {"newline_in_name",
       [w](const path& d) {
         write_file(d / w, header_file(R"({"a\nb":{"dtype":"Q9","shape":[1],"data_offsets":[0,1]}})", 1));
       },
       "tensor 'a\\x0ab': unknown dtype 'Q9'"},
      {"unknown_arch",
       [](const path& d) { write_file(d / "config.json", R"({"architectures": ["FalconForCausalLM"]})"); },
       "'FalconForCausalLM' is not supported (supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM)"},
      {"config_not_json", [](const path& d) { write_file(d / "config.json", "{\n\"a\":\n"); }, "not valid JSON"},
      {"config_missing_key",
       [](const path& d) { write_file(d / "config.json", R"({"architectures": ["LlamaForCausalLM"]})"); },
       "key 'vocab_size' is missing"},
      {"missing_shard",
       [w](const path& d) {
         std::filesystem::remove(d / w);
         write_file(d / "model.safetensors.index.json", R"({"weight_map": {"x": "model-00001-of-00002.safetensors"}})");
       },
       "model-00001-of-00002.safetensors, which does not exist"},
  };
}

TEST(InfoBinary, MalformedInputGivesOneLineAndExitCode2) {
  for (const auto& bad : bad_folders()) {
    TempDir tmp;
    const auto dir = tmp / "model";
    write_tiny_model(dir, testing::tiny_llama_config());
    bad.spoil(dir);
    TempDir scratch;
    const auto r = testing::run_binary(SLIMLM_CLI, {"info", dir.string()}, scratch);
    EXPECT_EQ(r.exit_code, 2) << bad.label << ": " << r.err;
    EXPECT_EQ(r.out, "") << bad.label;
    ASSERT_FALSE(r.err.empty()) << bad.label;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << bad.label << ": " << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << bad.label << ": must be exactly one line: " << r.err;
    EXPECT_NE(r.err.find(bad.expect), std::string::npos) << bad.label << ": " << r.err;
    EXPECT_NE(r.err.find(dir.string()), std::string::npos) << bad.label << ": must name the file: " << r.err;
  }
}
#endif  // SLIMLM_CLI

}  // namespace
}  // namespace slimlm::cli
