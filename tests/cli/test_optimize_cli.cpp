// `slimlm optimize` through the real binary on the tiny-llama fixture: the
// frontier table and the report path are printed and the report exists; a
// rerun resumes; --dry-run writes nothing; bad input exits 2 naming it.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "cli_test_util.h"

namespace slimlm::testing {
namespace {

namespace fs = std::filesystem;

const std::string kCli = SLIMLM_CLI;

std::string config_text(const fs::path& output) {
  const fs::path src = SLIMLM_SOURCE_DIR;
  const std::string text = (src / "tests" / "data" / "war-and-peace-heldout.txt").string();
  return "version: 1\n"
         "name: cli-study\n"
         "model: " + (src / "models" / "tiny-llama").string() + "\n"
         "output: " + output.string() + "\n"
         "calibration: {text: " + text + ", samples: 8, seq_len: 64}\n"
         "evaluation: {text: " + text + ", ctx: 128, windows: 2, speed: {prefill: 16, decode: 4}}\n"
         "objectives:\n"
         "  - {metric: kld/mean, direction: minimize}\n"
         "  - {metric: model/bytes, direction: minimize}\n"
         "search:\n"
         "  sampler: grid\n"
         "  trials: 3\n"
         "  population: 3\n"
         "  space:\n"
         "    quantize.format: [int8, int4_g128, int2_g64]\n"
         "  proxy: {enabled: true, sensitivity: [int8, int2_g64], candidates: 3}\n";
}

TEST(OptimizeCli, PrintsTheFrontierAndTheReportPath) {
  TempDir tmp;
  const fs::path out = tmp / "out";
  write_file(tmp / "study.yaml", config_text(out));
  const RunResult r = run_binary(kCli, {"optimize", (tmp / "study.yaml").string()}, tmp);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Pareto frontier of study 'cli-study'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("recipe"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rtn int8"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Spearman rho"), std::string::npos) << r.out;
  const std::string report = (out / "report" / "index.html").string();
  EXPECT_NE(r.out.find("report: " + report), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(report));
  EXPECT_TRUE(fs::exists(out / "report" / "trials.csv"));
  EXPECT_TRUE(fs::is_directory(out / "frontier"));

  // The same config again: the study resumes and has nothing left to do.
  const RunResult again = run_binary(kCli, {"optimize", (tmp / "study.yaml").string(), "--no-report"}, tmp);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("resuming"), std::string::npos) << again.out;
  EXPECT_EQ(again.out.find("trial   1"), std::string::npos) << again.out;  // nothing evaluated again
  EXPECT_EQ(again.out.find("report:"), std::string::npos);

  // A different seed changes what the study proposes: refused without --restart.
  const RunResult changed = run_binary(kCli, {"optimize", (tmp / "study.yaml").string(), "--seed", "3"}, tmp);
  EXPECT_EQ(changed.exit_code, 2);
  EXPECT_NE(changed.err.find("--restart"), std::string::npos) << changed.err;
}

TEST(OptimizeCli, DryRunWritesNothing) {
  TempDir tmp;
  const fs::path out = tmp / "out";
  write_file(tmp / "study.yaml", config_text(out));
  const RunResult r = run_binary(kCli, {"optimize", (tmp / "study.yaml").string(), "--dry-run", "--trials", "2"}, tmp);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("dry run"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 grid points"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("up to 2 trials"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 variant(s) (int8, int2_g64) x 4 layers = 8 scored passes"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(out));
}

TEST(OptimizeCli, BadInputExitsTwo) {
  TempDir tmp;
  const RunResult missing = run_binary(kCli, {"optimize", (tmp / "nope.yaml").string()}, tmp);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nope.yaml"), std::string::npos) << missing.err;

  write_file(tmp / "study.yaml", config_text(tmp / "out"));
  const RunResult sampler = run_binary(kCli, {"optimize", (tmp / "study.yaml").string(), "--dry-run", "--sampler", "anneal"}, tmp);
  EXPECT_EQ(sampler.exit_code, 2);
  EXPECT_NE(sampler.err.find("anneal"), std::string::npos) << sampler.err;
}

}  // namespace
}  // namespace slimlm::testing
