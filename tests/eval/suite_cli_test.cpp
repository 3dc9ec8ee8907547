// `slimlm eval` with several tasks, `slimlm compare` and `slimlm
// device-info`, run as the real binary on the fixture models: output
// shapes, numbers that must hold (a model compared with itself), errors.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <regex>

#include "cli_test_util.h"

namespace slimlm::testing {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
const fs::path kSource = SLIMLM_SOURCE_DIR;

class SuiteCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kSource / "models" / "tiny-llama" / "model.safetensors")) GTEST_SKIP() << "no fixture";
  }
  RunResult run(std::vector<std::string> args) {
    args.push_back("-q");
    return run_binary(SLIMLM_CLI, args, scratch_);
  }
  static std::string model(const std::string& name = "tiny-llama") { return (kSource / "models" / name).string(); }
  static std::string text() { return (kSource / "tests" / "data" / "war-and-peace-heldout.txt").string(); }
  static std::string mc() { return "mc=" + (kSource / "tests" / "eval" / "data" / "mc_tiny.jsonl").string(); }
  // The metric named `name` of task `task` in eval --json output.
  static const Json* metric(const Json& j, const std::string& task, const std::string& name) {
    for (const auto& t : j["tasks"]) {
      if (t["task"] != task) continue;
      for (const auto& m : t["metrics"]) {
        if (m["name"] == name) return &m;
      }
    }
    return nullptr;
  }
  TempDir scratch_;
};

TEST_F(SuiteCli, EvalSeveralTasksAsJson) {
  const auto r = run({"eval", model(), "--task", "perplexity,mc", "--data", text(), "--limit-chunks", "3", "--ctx", "128",
                      "--task-data", mc(), "--country", "FR", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = Json::parse(r.out);
  EXPECT_EQ(j["name"], "tiny-llama");
  EXPECT_EQ(j["footprint"]["parameters"], 4458752);
  EXPECT_EQ(j["footprint"]["file_bytes"], 8921688);
  ASSERT_EQ(j["tasks"].size(), 2u);
  const Json* ppl = metric(j, "perplexity", "ppl");
  ASSERT_TRUE(ppl);
  EXPECT_GT((*ppl)["value"].get<double>(), 10.0);
  EXPECT_GT((*ppl)["stderr"].get<double>(), 0.0);
  EXPECT_EQ(j["tasks"][0]["items"], 3);
  const Json* acc = metric(j, "mc", "acc");
  ASSERT_TRUE(acc);
  EXPECT_EQ(j["tasks"][1]["items"], 6);
  const double a = (*acc)["value"].get<double>();
  EXPECT_GE(a, 0.5);  // the fixture prefers book text to word salad
  EXPECT_LE(a, 1.0);
  EXPECT_EQ((*acc)["unit"], "fraction");
  // Energy: estimated on this machine unless RAPL is readable; CO2 from France's intensity.
  EXPECT_GT(j["energy"]["joules"].get<double>(), 0.0);
  EXPECT_GT(j["energy"]["tokens"].get<uint64_t>(), 3u * 128u);
  EXPECT_DOUBLE_EQ(j["co2"]["g_per_kwh"].get<double>(), 67.4);
  EXPECT_NEAR(j["co2"]["grams"].get<double>(), j["energy"]["joules"].get<double>() / 3.6e6 * 67.4, 1e-12);
  EXPECT_GT(j["memory"]["peak_rss_bytes"].get<uint64_t>(), 17u << 20);  // at least the f32 weights
  bool has_row = false;
  for (const auto& m : j["metrics"]) has_row |= m["name"] == "mc/acc_norm";
  EXPECT_TRUE(has_row);
}

TEST_F(SuiteCli, EvalTableWithSpeed) {
  const auto r = run({"eval", model(), "--task", "mc", "--task-data", mc(), "--speed", "--carbon-intensity", "100"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("tiny-llama: 4.46 M parameters, 8.51 MiB on disk (16.01 bits/weight)", 0), 0u) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\nmc +acc +[0-9.]+ ± [0-9.]+ % +6 +0 )"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\nspeed +pp512 +[0-9.]+ ± [0-9.]+ t/s +3 )"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\nspeed +tg128 )"))) << r.out;
  EXPECT_NE(r.out.find("peak memory "), std::string::npos);
  EXPECT_NE(r.out.find("at 100.0 g/kWh (--carbon-intensity)"), std::string::npos) << r.out;
}

TEST_F(SuiteCli, CompareAModelWithItself) {
  const auto r = run({"compare", model(), model(), "--data", text(), "--ctx", "128", "--limit-chunks", "4",
                      "--tasks", "mc", "--task-data", mc(), "--no-speed", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = Json::parse(r.out);
  // One folder name twice: the second keeps its full path.
  ASSERT_EQ(j["models"].size(), 2u);
  EXPECT_EQ(j["models"][0], "tiny-llama");
  EXPECT_EQ(j["models"][1], model());
  std::map<std::string, Json> rows;
  for (const auto& m : j["metrics"]) rows[m["metric"]] = m;
  EXPECT_DOUBLE_EQ(rows.at("model/file_bytes")["values"][1]["ratio"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(rows.at("perplexity/ppl")["values"][1]["delta"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(rows.at("mc/acc")["values"][1]["delta"].get<double>(), 0.0);
  EXPECT_EQ(rows.at("kld/mean")["values"][1]["value"].get<double>(), 0.0);  // deterministic forward pass
  EXPECT_EQ(rows.at("kld/same_top1")["values"][1]["value"].get<double>(), 1.0);
  EXPECT_TRUE(rows.at("kld/mean")["values"][0]["value"].is_null());  // the base has none
  EXPECT_TRUE(rows.count("memory/peak_rss"));
  EXPECT_TRUE(rows.count("energy/co2_g_per_mtok"));
  EXPECT_FALSE(rows.count("speed/pp512"));
}

TEST_F(SuiteCli, CompareMarkdownAndCsv) {
  auto r = run({"compare", model(), model("tiny-qwen2"), "--tasks", "mc", "--task-data", mc(), "-p", "16", "-n", "4",
                "-r", "1", "--markdown"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("| metric | tiny-llama (base) | tiny-qwen2 | vs base |\n|---|---:|---:|---:|\n", 0), 0u) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\| model/file_bytes \| 8\.51 MiB \| 7\.11 MiB \| ×0\.835 \|)")))
      << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\| mc/acc \| [0-9.]+ ± [0-9.]+ % \| [0-9.]+ ± [0-9.]+ % \| [-+][0-9.]+ pts \|)")))
      << r.out;
  EXPECT_NE(r.out.find("| speed/pp16 |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| speed/tg4 |"), std::string::npos) << r.out;

  r = run({"compare", model(), model("tiny-qwen2"), "--no-speed", "--tasks", "mc", "--task-data", mc(), "--csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("metric,unit,model,value,stderr,delta_vs_base,ratio_vs_base\nmodel/file_bytes,bytes,tiny-llama,8921688,,,\n"
                        "model/file_bytes,bytes,tiny-qwen2,7452368,,-1469320,",
                        0),
            0u)
      << r.out;
}

TEST_F(SuiteCli, DeviceInfo) {
  auto r = run({"device-info"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("os:", 0), 0u) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\nisa: +kernels use (scalar|avx2|avx512); has )"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\nblas: +OpenBLAS \S+ )"))) << r.out;
  EXPECT_NE(r.out.find("\nfingerprint: "), std::string::npos);
  r = run({"device-info", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = Json::parse(r.out);
  EXPECT_GT(j["logical_cpus"].get<int>(), 0);
  EXPECT_EQ(j["blas"]["library"], "OpenBLAS");
  EXPECT_TRUE(j["isa_features"].contains("avx512vnni"));
  EXPECT_TRUE(j["gpus"].is_array());
}

TEST_F(SuiteCli, BadInputIsAOneLineErrorWithExitCode2) {
  const std::vector<std::vector<std::string>> cases = {
      {"eval", model(), "--task", "nosuch"},
      {"eval", model(), "--task", "mc"},                                      // no data for mc
      {"eval", model(), "--task", "mc", "--task-data", "mc"},                 // not NAME=PATH
      {"eval", model(), "--task", "mc", "--task-data", "wat=/x"},             // unknown task
      {"eval", model(), "--task", "mc", "--task-data", mc(), "--country", "Atlantis"},
      {"eval", model(), "--task", "mc,kld", "--task-data", mc()},              // kld without --base
      {"eval", model(), "--task", "hellaswag", "--shots", "3", "--task-data", "hellaswag=" + text()},
      {"eval", model(), "--task", "mc", "--task-data", "mc=" + text()},       // not JSONL
      {"compare", model(), model(), "--tasks", "perplexity"},
      {"compare", model(), model(), "--no-speed"},                             // nothing to compare
      {"compare", model(), model("tiny-llama-spm"), "--data", text(), "--limit-chunks", "1", "--no-speed"},
      {"compare", model(), model(), "--json", "--csv"},
  };
  for (const auto& args : cases) {
    const auto r = run(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << args.back() << ": " << r.err;
    ASSERT_FALSE(r.err.empty()) << args.back();
    const size_t start = r.err.find_last_of('\n', r.err.size() - 2);
    const std::string last = r.err.substr(start == std::string::npos ? 0 : start + 1);
    EXPECT_EQ(last.rfind("error: ", 0), 0u) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  EXPECT_EQ(run({"compare", model()}).exit_code, 2);  // CLI11: two models at least
}

}  // namespace
}  // namespace slimlm::testing
