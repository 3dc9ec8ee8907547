// The `eval`, `generate` and `bench` subcommands, run as the real binary on
// the fixture models: output formats, exit codes, one-line errors.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>

#include "cli_test_util.h"

namespace slimlm::testing {
namespace {

namespace fs = std::filesystem;
const fs::path kSource = SLIMLM_SOURCE_DIR;

class EvalCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kSource / "models" / "tiny-llama" / "model.safetensors")) GTEST_SKIP() << "no fixture";
  }
  RunResult run(std::vector<std::string> args) { return run_binary(SLIMLM_CLI, args, scratch_); }
  std::string model(const std::string& name = "tiny-llama") { return (kSource / "models" / name).string(); }
  std::string text() { return (kSource / "tests" / "data" / "war-and-peace-heldout.txt").string(); }
  TempDir scratch_;
};

TEST_F(EvalCli, PerplexityLineAndJson) {
  auto r = run({"eval", model(), "--task", "perplexity", "--data", text(), "--ctx", "128", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // tests/golden/tiny-llama/perplexity.json: llama.cpp ctx 128 = 33.257, 7938 tokens, 126 windows.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex(R"(^PPL = ([0-9.]+) ± ([0-9.]+) over 7938 tokens \(126 chunks of 128\)\n$)")))
      << r.out;
  EXPECT_NEAR(std::stod(m[1]), 33.257, 0.01);
  EXPECT_GT(std::stod(m[2]), 0.1);

  r = run({"eval", model(), "--data", text(), "--ctx", "256", "--protocol", "hf", "--limit-chunks", "10",
           "--json", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["protocol"], "hf");
  EXPECT_EQ(j["chunks"], 10);
  EXPECT_EQ(j["chunks_total"], 63);
  EXPECT_EQ(j["tokens_scored"], 10 * 255);
  EXPECT_GT(j["ppl"].get<double>(), 10.0);
  EXPECT_LT(j["ppl"].get<double>(), 100.0);
}

TEST_F(EvalCli, KldOfAModelAgainstItself) {
  const auto r = run({"eval", model(), "--task", "kld", "--base", model(), "--data", text(), "--ctx", "128",
                      "--limit-chunks", "8", "--json", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["tokens_scored"], 8 * 63);
  EXPECT_EQ(j["kld_mean"].get<double>(), 0.0);
  EXPECT_EQ(j["kld_p99"].get<double>(), 0.0);
  EXPECT_EQ(j["same_top1"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(j["ppl_ratio"].get<double>(), 1.0);
}

TEST_F(EvalCli, BadInputIsAOneLineErrorWithExitCode2) {
  const std::vector<std::vector<std::string>> cases = {
      {"eval", model(), "--data", (scratch_ / "missing.txt").string()},
      {"eval", model()},                                                // --data missing
      {"eval", model(), "--task", "kld", "--data", text()},             // --base missing
      {"eval", model(), "--task", "kld", "--base", model("tiny-qwen2"), "--data", text()},  // vocabularies
      {"eval", (scratch_ / "nomodel").string(), "--data", text()},
      {"eval", model(), "--data", text(), "--ctx", "100000"},           // text shorter than a window
      {"generate", model(), "--prompt", "hi", "--top-p", "0"},
      {"generate", model(), "--prompt", "hi", "--ctx", "1"},
      {"bench", (scratch_ / "nomodel").string()},
  };
  for (const auto& args : cases) {
    std::vector<std::string> quiet = args;
    quiet.push_back("-q");
    const auto r = run(quiet);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << args.back() << ": " << r.err;
    // The error is the last line of stderr, one line, prefixed.
    ASSERT_FALSE(r.err.empty());
    ASSERT_EQ(r.err.back(), '\n');
    const size_t start = r.err.find_last_of('\n', r.err.size() - 2);
    const std::string last = r.err.substr(start == std::string::npos ? 0 : start + 1);
    EXPECT_EQ(last.rfind("error: ", 0), 0u) << r.err;
    EXPECT_TRUE(r.out.empty() || args[0] == "generate") << r.out;
  }
  // A CLI11 flag error (bad --protocol value) is also exit 2.
  EXPECT_EQ(run({"eval", model(), "--data", text(), "--protocol", "wikitext"}).exit_code, 2);
  EXPECT_EQ(run({"bench", model(), "--csv", "--json"}).exit_code, 2);
}

TEST_F(EvalCli, GreedyGenerateMatchesTheGolden) {
  std::ifstream in(kSource / "tests" / "golden" / "tiny-llama" / "generate.json");
  if (!in) GTEST_SKIP() << "no generate.json";
  const auto g = nlohmann::json::parse(in);
  const auto& c = g["cases"][0];
  const auto r = run({"generate", model(), "--prompt", c["prompt"].get<std::string>(), "-n",
                      std::to_string(c["new_ids"].size()), "--temp", "0", "--no-echo"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, c["text"].get<std::string>() + "\n");
  EXPECT_NE(r.err.find("stop: length"), std::string::npos) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(prompt: \d+ tokens, [0-9.]+ t/s \| generated: 32 tokens, [0-9.]+ t/s)")))
      << r.err;

  // Echoed prompt, then the same continuation; a fixed seed repeats itself.
  const auto e = run({"generate", model(), "--prompt", "It was", "-n", "16", "--seed", "11"});
  const auto f = run({"generate", model(), "--prompt", "It was", "-n", "16", "--seed", "11"});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(e.out.rfind("It was", 0), 0u);
  EXPECT_EQ(e.out, f.out);
}

TEST_F(EvalCli, BenchRows) {
  auto r = run({"bench", model(), "-p", "32,64", "-n", "8", "-r", "2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[0]["test"], "pp32");
  EXPECT_EQ(j[1]["test"], "pp64");
  EXPECT_EQ(j[2]["test"], "tg8");
  EXPECT_EQ(j[2]["samples_ts"].size(), 2u);
  EXPECT_EQ(j[0]["params"], 4458752);  // tools/README.md
  EXPECT_GT(j[2]["avg_ts"].get<double>(), 0.0);

  r = run({"bench", model(), "-p", "16", "-n", "0", "-r", "1", "--csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("model,size_bytes,params,backend,threads,test,batch,avg_ts,stddev_ts\ntiny-llama,", 0), 0u)
      << r.out;

  r = run({"bench", model(), "-p", "16", "-n", "4", "-r", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("| model | size | params | backend | threads | test | t/s |"), std::string::npos);
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\| tiny-llama \| [0-9.]+ MiB \| 4\.46 M \| CPU \| \d+ \| tg4 \| [0-9.]+ ± [0-9.]+ \|)")))
      << r.out;
}

}  // namespace
}  // namespace slimlm::testing
