// `slimlm quantize` through the real binary: summary, bad input (exit code 2,
// a message naming the flag or tensor, nothing written), and the quantized
// folder loading in `eval`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "cli_test_util.h"

namespace slimlm::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

const fs::path kFixture = fs::path(SLIMLM_SOURCE_DIR) / "models" / "tiny-llama";

RunResult slimlm(const std::vector<std::string>& args, const TempDir& tmp) {
  return run_binary(SLIMLM_CLI, args, tmp);
}

std::map<std::string, uintmax_t> listing(const fs::path& dir) {
  std::map<std::string, uintmax_t> m;
  for (const auto& e : fs::directory_iterator(dir)) m[e.path().filename().string()] = fs::file_size(e.path());
  return m;
}

TEST(QuantizeCli, WritesACheckpointAndPrintsTheSummary) {
  TempDir tmp;
  const fs::path out = tmp / "q4";
  const RunResult r = slimlm({"quantize", kFixture.string(), "-o", out.string(), "--bits", "4",
                              "--group-size", "64", "--asym", "--tensor-type", "lm_head=int8", "--clip"},
                             tmp);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("quantized 29 of 29 Linear weights to int4_g64_asym"));
  EXPECT_THAT(r.out, HasSubstr("bits/weight"));
  EXPECT_THAT(r.err, HasSubstr("quantize"));  // the progress line
  for (const char* f : {"config.json", "model.safetensors", "recipe.json", "tokenizer.json",
                        "tokenizer_config.json", "generation_config.json"}) {
    EXPECT_TRUE(fs::exists(out / f)) << f;
  }
  const std::string recipe = read_file(out / "recipe.json");
  EXPECT_THAT(recipe, HasSubstr("\"--clip=true\""));
  EXPECT_THAT(recipe, HasSubstr("\"lm_head.weight\": {\n      \"format\": \"int8\""));

  const RunResult info = slimlm({"info", out.string()}, tmp);
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_THAT(info.out, HasSubstr("quantization          compressed-tensors: int4_g64_asym (28 tensors), "
                                  "int8 (1 tensors);"));
  EXPECT_THAT(info.out, HasSubstr("total               4.46M (4,458,752)               4.46M (4,458,752)"));
  EXPECT_THAT(info.err, Not(HasSubstr("warning"))) << "packed weights count as their dense shape";

  const RunResult e = slimlm({"eval", out.string(), "--data",
                              (fs::path(SLIMLM_SOURCE_DIR) / "tests/data/war-and-peace-heldout.txt").string(),
                              "--ctx", "128", "--limit-chunks", "4"},
                             tmp);
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_THAT(e.out, HasSubstr("PPL = "));
}

TEST(QuantizeCli, BadInputIsAUsageErrorAndWritesNothing) {
  TempDir tmp;
  const auto before = listing(kFixture);
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  const std::string in = kFixture.string(), out = (tmp / "out").string();
  const Case cases[] = {
      {{"--format", "int5_g128"}, "--format int5_g128: unknown format; choose one of: int8"},
      {{"--bits", "5"}, "--bits 5 --group-size 128: no such format"},
      {{"--bits", "8", "--group-size", "128"}, "no such format"},
      {{"--tensor-type", "lm_head"}, "expected REGEX=FORMAT"},
      {{"--tensor-type", "lm_head=q4_k"}, "unknown format"},
      {{"--method", "awq"}, "--method awq"},
      {{"--group-size", "32", "--tensor-type", "down_proj=int4_g128", "--bits", "2"}, ""},  // valid: control
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"quantize", in, "-o", out};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const RunResult r = slimlm(args, tmp);
    if (*c.message == '\0') {
      EXPECT_EQ(r.exit_code, 0) << r.err;
      fs::remove_all(out);
      continue;
    }
    EXPECT_EQ(r.exit_code, 2) << c.message;
    EXPECT_THAT(r.err, HasSubstr(c.message));
    EXPECT_FALSE(fs::exists(out)) << c.message;
  }
  // tiny-qwen2's MLP is 704 wide: groups of 128 do not divide its down_proj rows.
  const fs::path qwen = fs::path(SLIMLM_SOURCE_DIR) / "models" / "tiny-qwen2";
  RunResult g = slimlm({"quantize", qwen.string(), "-o", out, "--bits", "4"}, tmp);
  EXPECT_EQ(g.exit_code, 2);
  EXPECT_THAT(g.err, HasSubstr("model.layers.0.mlp.down_proj.weight: group size 128 of format "
                               "int4_g128 does not divide the row length 704"));
  EXPECT_FALSE(fs::exists(out));
  // ... which a per-tensor override fixes.
  g = slimlm({"quantize", qwen.string(), "-o", out, "--bits", "4", "--tensor-type", "down_proj=int4_g64"}, tmp);
  EXPECT_EQ(g.exit_code, 0) << g.err;
  fs::remove_all(out);

  // The output may not be the input or lie inside it; the input is untouched.
  RunResult r = slimlm({"quantize", in, "-o", in}, tmp);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("the output folder is the input folder"));
  r = slimlm({"quantize", in, "-o", (kFixture / "q4").string()}, tmp);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("inside the input folder"));
  EXPECT_EQ(listing(kFixture), before);
  // An existing, non-empty output folder is never overwritten.
  fs::create_directories(out);
  write_file(fs::path(out) / "keep.txt", "mine");
  r = slimlm({"quantize", in, "-o", out}, tmp);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("not empty"));
  EXPECT_EQ(read_file(fs::path(out) / "keep.txt"), "mine");
  EXPECT_EQ(listing(out).size(), 1u);
}

}  // namespace
}  // namespace slimlm::testing
