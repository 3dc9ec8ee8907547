// `slimlm prune` through the real binary: the summary, the output folder,
// prune then quantize, and bad input (exit code 2, a message naming the
// flag, nothing written).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_test_util.h"

namespace slimlm::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kSource = SLIMLM_SOURCE_DIR;
const fs::path kFixture = kSource / "models" / "tiny-llama";
const fs::path kText = kSource / "tests" / "data" / "war-and-peace-heldout.txt";

RunResult slimlm(const std::vector<std::string>& args, const TempDir& tmp) {
  return run_binary(SLIMLM_CLI, args, tmp);
}

TEST(PruneCli, SparseGptTwoFourThenQuantize) {
  TempDir tmp;
  const fs::path out = tmp / "s24";
  const RunResult r = slimlm({"prune", kFixture.string(), "-o", out.string(), "--method", "sparsegpt", "--pattern",
                              "2:4", "--calib", kText.string(), "--calib-samples", "8", "--calib-len", "128",
                              "--storage", "sparse24"},
                             tmp);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("sparsegpt 2:4: 28 decoder Linear weights pruned"));
  EXPECT_THAT(r.out, HasSubstr("q_proj 50.00% k_proj 50.00% v_proj 50.00% o_proj 50.00% gate_proj 50.00% "
                               "up_proj 50.00% down_proj 50.00%"));
  EXPECT_THAT(r.out, HasSubstr("storage sparse24: 8.5 MiB -> 6.5 MiB"));
  EXPECT_THAT(r.err, HasSubstr("prune"));  // the progress line
  for (const char* f : {"config.json", "model.safetensors", "recipe.json", "tokenizer.json", "tokenizer_config.json"}) {
    EXPECT_TRUE(fs::exists(out / f)) << f;
  }
  EXPECT_THAT(read_file(out / "recipe.json"), HasSubstr("\"--calib-samples=8\""));
  const RunResult e = slimlm({"eval", out.string(), "--data", kText.string(), "--ctx", "128", "--limit-chunks", "4"},
                             tmp);
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_THAT(e.out, HasSubstr("PPL = "));

  // Dense zeros quantize; the compressed 2:4 form is pruned from the original.
  const fs::path dense = tmp / "m50";
  ASSERT_EQ(slimlm({"prune", kFixture.string(), "-o", dense.string()}, tmp).exit_code, 0);
  const RunResult q = slimlm({"quantize", dense.string(), "-o", (tmp / "q").string()}, tmp);
  ASSERT_EQ(q.exit_code, 0) << q.err;
  const RunResult q2 = slimlm({"quantize", out.string(), "-o", (tmp / "q2").string()}, tmp);
  EXPECT_EQ(q2.exit_code, 2);
  EXPECT_THAT(q2.err, HasSubstr("already quantized"));
}

TEST(PruneCli, StructuredPrintsTheNewShape) {
  TempDir tmp;
  const RunResult r = slimlm({"prune", kFixture.string(), "-o", (tmp / "l").string(), "--structured", "layers",
                              "--drop-layers", "3,1"},
                             tmp);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("heads 4 -> 4, key/value heads 2 -> 2, intermediate 512 -> 512, layers 4 -> 2"));
  EXPECT_THAT(r.out, HasSubstr("dropped layers 1,3"));
  const RunResult h = slimlm({"prune", kFixture.string(), "-o", (tmp / "h").string(), "--structured", "heads",
                              "--head-unit", "query", "--ratio", "0.5", "--calib", kText.string(), "--calib-samples",
                              "4", "--calib-len", "64"},
                             tmp);
  ASSERT_EQ(h.exit_code, 0) << h.err;
  EXPECT_THAT(h.out, HasSubstr("structured heads (activation importance)"));
  EXPECT_THAT(h.out, HasSubstr("heads 4 -> 2, key/value heads 2 -> 2"));
}

TEST(PruneCli, BadInputIsAUsageErrorAndWritesNothing) {
  TempDir tmp;
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  const std::string in = kFixture.string(), out = (tmp / "out").string();
  const Case cases[] = {
      {{"--method", "obs"}, "--method obs: choose magnitude, wanda or sparsegpt"},
      {{"--sparsity", "1.5"}, "--sparsity 1.5"},
      {{"--pattern", "4:2"}, "--pattern 4:2"},
      {{"--sparsity", "0.5", "--pattern", "2:4"}, "exclude each other"},
      {{"--storage", "csr"}, "--storage csr"},
      {{"--storage", "sparse24"}, "--storage sparse24 needs a 2:4"},
      {{"--method", "wanda"}, "--calib FILE"},
      {{"--structured", "rows", "--ratio", "0.5"}, "--structured rows"},
      {{"--structured", "layers", "--drop-layers", "0,9"}, "--drop-layers 0,9: layer 9 is outside [0, 4)"},
      {{"--structured", "heads", "--ratio", "0.1"}, "--ratio 0.1"},
      {{"--structured", "channels", "--ratio", "0.5", "--method", "wanda"}, "--structured goes without"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"prune", in, "-o", out};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const RunResult r = slimlm(args, tmp);
    EXPECT_EQ(r.exit_code, 2) << c.message << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.message));
    EXPECT_FALSE(fs::exists(out)) << c.message;
  }
  const RunResult same = slimlm({"prune", in, "-o", in}, tmp);
  EXPECT_EQ(same.exit_code, 2);
}

}  // namespace
}  // namespace slimlm::testing
