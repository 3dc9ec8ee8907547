// `slimlm quantize --method gptq|awq|smoothquant --calib` through the real
// binary: per-layer lines, the summary, recipe.json's per-layer errors, the
// result loading in `eval`, and bad input (exit code 2, a message naming the
// flag, nothing written).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_test_util.h"

namespace slimlm::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kFixture = fs::path(SLIMLM_SOURCE_DIR) / "models" / "tiny-llama";
const fs::path kText = fs::path(SLIMLM_SOURCE_DIR) / "tests" / "data" / "war-and-peace-heldout.txt";

RunResult slimlm(const std::vector<std::string>& args, const TempDir& tmp) {
  return run_binary(SLIMLM_CLI, args, tmp);
}

TEST(QuantizeCalibratedCli, GptqActOrderWritesPerLayerErrors) {
  TempDir tmp;
  const fs::path out = tmp / "gptq";
  const RunResult r = slimlm({"quantize", kFixture.string(), "-o", out.string(), "--method", "gptq",
                              "--calib", kText.string(), "--calib-samples", "8", "--calib-len", "64",
                              "--act-order", "--bits", "3", "--group-size", "64", "--asym"},
                             tmp);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int l = 0; l < 4; ++l) EXPECT_THAT(r.out, HasSubstr("layer  " + std::to_string(l) + " "));
  EXPECT_THAT(r.out, HasSubstr("output error"));
  EXPECT_THAT(r.out, HasSubstr("to int3_g64_asym"));
  EXPECT_THAT(r.err, HasSubstr("layer 4/4"));
  const auto recipe = nlohmann::json::parse(read_file(out / "recipe.json"));
  EXPECT_EQ(recipe["method"], "gptq");
  EXPECT_EQ(recipe["options"]["gptq"]["act_order"], true);
  EXPECT_EQ(recipe["calibration"]["samples"], 8);
  ASSERT_EQ(recipe["layers"].size(), 4u);
  for (const auto& l : recipe["layers"]) {
    EXPECT_GT(l["output_rel_error"].get<double>(), 0.0);
    EXPECT_GT(l["linears"]["down_proj"]["output_error"].get<double>(), 0.0);
    EXPECT_EQ(l["linears"]["q_proj"]["format"], "int3_g64_asym");
  }
  const auto config = nlohmann::json::parse(read_file(out / "config.json"));
  EXPECT_EQ(config["quantization_config"]["config_groups"]["group_0"]["weights"]["actorder"], "group");
  EXPECT_THAT(config["quantization_config"]["ignore"].dump(), HasSubstr("lm_head"));

  const RunResult e = slimlm({"eval", out.string(), "--data", kText.string(), "--ctx", "128",
                              "--limit-chunks", "2"},
                             tmp);
  EXPECT_EQ(e.exit_code, 0) << e.err;
  EXPECT_THAT(e.out, HasSubstr("PPL = "));
}

TEST(QuantizeCalibratedCli, SmoothQuantIsW8A8) {
  TempDir tmp;
  const fs::path out = tmp / "sq";
  const RunResult r = slimlm({"quantize", kFixture.string(), "-o", out.string(), "--method", "smoothquant",
                              "--calib", kText.string(), "--calib-samples", "4", "--calib-len", "64",
                              "--alpha", "0.8"},
                             tmp);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("W8A8"));
  const auto config = nlohmann::json::parse(read_file(out / "config.json"));
  EXPECT_EQ(config["quantization_config"]["format"], "int-quantized");
  const auto recipe = nlohmann::json::parse(read_file(out / "recipe.json"));
  EXPECT_EQ(recipe["layers"][0]["info"]["alpha"]["qkv"], 0.8);
}

TEST(QuantizeCalibratedCli, BadInputIsAUsageErrorAndWritesNothing) {
  TempDir tmp;
  const std::string in = kFixture.string(), out = (tmp / "out").string();
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  const Case cases[] = {
      {{"--method", "gptq"}, "--method gptq needs a calibration text: --calib FILE"},
      {{"--method", "obq", "--calib", kText.string()}, "--method obq: unknown method; choose one of: gptq, awq"},
      {{"--method", "gptq", "--calib", (tmp / "missing.txt").string()}, "missing.txt"},
      {{"--method", "gptq", "--calib", kText.string(), "--calib-len", "100000"}, "--calib-len 100000"},
      {{"--method", "smoothquant", "--calib", kText.string(), "--alpha", "1.5"}, "--alpha 1.5"},
      {{"--method", "awq", "--calib", kText.string(), "--awq-quantizer", "obs"}, "--awq-quantizer obs"},
      {{"--method", "gptq", "--calib", kText.string(), "--propagate", "sideways"}, "--propagate sideways"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"quantize", in, "-o", out};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const RunResult r = slimlm(args, tmp);
    EXPECT_EQ(r.exit_code, 2) << c.message << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.message));
    EXPECT_FALSE(fs::exists(out)) << c.message;
  }
}

}  // namespace
}  // namespace slimlm::testing
