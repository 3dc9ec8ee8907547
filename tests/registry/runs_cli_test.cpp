// `slimlm runs list|show|diff|export` through the built binary, on a registry
// written with the library.
#include <algorithm>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_test_util.h"
#include "registry_test_util.h"
#include "slimlm/registry/registry.h"

namespace slimlm::registry {
namespace {

using slimlm::testing::read_file;
using slimlm::testing::run_binary;
using slimlm::testing::RunResult;
using slimlm::testing::TempDir;

class RunsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = (dir_ / "runs.db").string();
    Registry reg = Registry::open(db_);
    const StudyRecord s = reg.create_study(testing::study_named("search"));
    RunRecord base = testing::sample_run("base model");
    base.kind = "baseline";
    base.recipe_json = R"({"passes":[]})";
    a_ = reg.begin_run(base);
    reg.finish_run(a_, RunStatus::kCompleted,
                   {{"model/file_bytes", 8.0 * 1024 * 1024, "bytes", {}}, {"perplexity/ppl", 20.0, "ppl", 0.5}});
    RunRecord trial = testing::sample_run("gptq int4 g128");
    trial.study_id = s.id;
    trial.trial_number = 0;
    b_ = reg.begin_run(trial);
    reg.finish_run(b_, RunStatus::kCompleted,
                   {{"model/file_bytes", 2.0 * 1024 * 1024, "bytes", {}},
                    {"perplexity/ppl", 21.0, "ppl", 0.5},
                    {"kld/mean", 0.03, "nats", 0.002}});
  }
  RunResult run(std::vector<std::string> args) { return run_binary(SLIMLM_CLI, args, dir_); }

  TempDir dir_;
  std::string db_;
  int64_t a_ = 0, b_ = 0;
};

TEST_F(RunsCli, ListShowsKeyMetricsNewestFirst) {
  const auto r = run({"runs", "list", "--db", db_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const size_t first = r.out.find("gptq int4 g128");
  const size_t second = r.out.find("base model");
  ASSERT_NE(first, std::string::npos) << r.out;
  ASSERT_NE(second, std::string::npos) << r.out;
  EXPECT_LT(first, second);
  EXPECT_NE(r.out.find("2.00 MiB  0.030000  21.0000"), std::string::npos) << r.out;

  const auto study = run({"runs", "list", "--db", db_, "--study", "search", "--json"});
  ASSERT_EQ(study.exit_code, 0) << study.err;
  const auto j = nlohmann::json::parse(study.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["id"], b_);
}

TEST_F(RunsCli, ShowAndDiff) {
  const auto show = run({"runs", "show", std::to_string(b_), "--db", db_});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("0.030000 ± 0.002000"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("\"group_size\": 128"), std::string::npos) << show.out;
  const auto diff = run({"runs", "diff", std::to_string(a_), std::to_string(b_), "--db", db_});
  ASSERT_EQ(diff.exit_code, 0) << diff.err;
  EXPECT_NE(diff.out.find("×0.2500"), std::string::npos) << diff.out;  // 2 MiB / 8 MiB
  EXPECT_NE(diff.out.find("passes[0].method"), std::string::npos) << diff.out;
}

TEST_F(RunsCli, ExportCsvAndJson) {
  const auto csv = dir_ / "all.csv";
  ASSERT_EQ(run({"runs", "export", "--db", db_, "-o", csv.string()}).exit_code, 0);
  const std::string text = read_file(csv);
  EXPECT_NE(text.find(",kld/mean,kld/mean stderr,model/file_bytes,perplexity/ppl,perplexity/ppl stderr\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);
  const auto json = dir_ / "all.json";
  ASSERT_EQ(run({"runs", "export", "--db", db_, "-o", json.string()}).exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(read_file(json)).size(), 2u);
  const auto bad = run({"runs", "export", "--db", db_, "-o", (dir_ / "all.txt").string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find(".csv or .json"), std::string::npos) << bad.err;
}

TEST_F(RunsCli, ClearErrors) {
  const std::string missing = (dir_ / "nope.db").string();
  const auto r = run({"runs", "list", "--db", missing});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no registry at " + missing), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(missing));
  const auto unknown = run({"runs", "show", "999", "--db", db_});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no run 999 in " + db_), std::string::npos) << unknown.err;
  const auto status = run({"runs", "list", "--db", db_, "--status", "done"});
  EXPECT_EQ(status.exit_code, 2);
  EXPECT_NE(status.err.find("--status 'done'"), std::string::npos) << status.err;
  EXPECT_EQ(run({"runs", "list", "--db", db_, "--study", "other"}).exit_code, 2);
}

}  // namespace
}  // namespace slimlm::registry
