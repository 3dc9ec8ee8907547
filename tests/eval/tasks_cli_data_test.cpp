// CI subsets of the real tasks on the fixture model through the binary
// (label data): HellaSwag, MMLU and GSM8K with --limit, each well under 30 s
// on 2 cores. The fixture is near chance on all three; the test checks the
// shape and the arithmetic of the results, not the model.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "cli_test_util.h"

namespace slimlm::testing {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
const fs::path kSource = SLIMLM_SOURCE_DIR;

class TasksCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto data = shared_data_dir();
    if (!data) GTEST_SKIP() << "SLIMLM_DATA not set";
    // The binary runs in the build folder: give it the folder, not a path
    // relative to the repository root.
    setenv("SLIMLM_DATA", fs::absolute(*data).c_str(), 1);
    if (!fs::exists(kSource / "models" / "tiny-llama" / "model.safetensors")) GTEST_SKIP() << "no fixture";
  }
  Json eval(std::vector<std::string> extra) {
    std::vector<std::string> args = {"eval", (kSource / "models" / "tiny-llama").string(), "--json", "-q"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_binary(SLIMLM_CLI, args, scratch_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? Json::parse(r.out) : Json();
  }
  // acc-like values: k/n for integer k, with the binomial standard error.
  static void expect_fraction(const Json& m, int64_t n) {
    const double v = m["value"].get<double>();
    EXPECT_GE(v, 0.0);
    EXPECT_LE(v, 1.0);
    const double k = v * static_cast<double>(n);
    EXPECT_NEAR(k, std::round(k), 1e-9) << m;
    const double se = m["stderr"].get<double>();
    EXPECT_NEAR(se, std::sqrt(v * (1 - v) / static_cast<double>(n - 1)), 1e-12) << m;
  }
  TempDir scratch_;
};

TEST_F(TasksCli, HellaSwag20) {
  const Json j = eval({"--task", "hellaswag", "--limit", "20"});
  ASSERT_EQ(j["tasks"].size(), 1u);
  const auto& t = j["tasks"][0];
  EXPECT_EQ(t["items"], 20);
  EXPECT_EQ(t["shots"], 0);
  EXPECT_EQ(t["metrics"][0]["name"], "acc_norm");
  expect_fraction(t["metrics"][0], 20);
  expect_fraction(t["metrics"][1], 20);
  EXPECT_GT(t["reused_tokens"].get<uint64_t>(), 0u);  // each context computed once for 4 endings
}

TEST_F(TasksCli, Mmlu20PerSubjectOnThreeSubjects) {
  const Json j = eval({"--task", "mmlu", "--limit", "20", "--subjects", "abstract_algebra,anatomy,marketing"});
  const auto& t = j["tasks"][0];
  EXPECT_EQ(t["items"], 60);
  EXPECT_EQ(t["shots"], 5);
  ASSERT_EQ(t["groups"].size(), 3u);
  double sum = 0, var = 0;
  for (const auto& [name, ms] : t["groups"].items()) {
    expect_fraction(ms[0], 20);
    sum += ms[0]["value"].get<double>();
    var += std::pow(ms[0]["stderr"].get<double>(), 2);
  }
  EXPECT_EQ(t["metrics"][0]["name"], "acc");  // macro average
  EXPECT_NEAR(t["metrics"][0]["value"].get<double>(), sum / 3, 1e-12);
  EXPECT_NEAR(t["metrics"][0]["stderr"].get<double>(), std::sqrt(var) / 3, 1e-12);
  EXPECT_EQ(t["metrics"][1]["name"], "acc_micro");
  expect_fraction(t["metrics"][1], 60);
}

TEST_F(TasksCli, Gsm8k10) {
  const Json j = eval({"--task", "gsm8k", "--limit", "10", "--max-gen-tokens", "64"});
  const auto& t = j["tasks"][0];
  EXPECT_EQ(t["items"], 10);
  EXPECT_EQ(t["shots"], 5);
  EXPECT_EQ(t["metrics"][0]["name"], "exact_match");
  EXPECT_EQ(t["metrics"][1]["name"], "exact_match_flexible");
  for (const auto& m : t["metrics"]) {
    EXPECT_GE(m["value"].get<double>(), 0.0);
    EXPECT_LE(m["value"].get<double>(), 1.0);
  }
  EXPECT_NE(t["notes"][0].get<std::string>().find("never scored"), std::string::npos);
}

}  // namespace
}  // namespace slimlm::testing
