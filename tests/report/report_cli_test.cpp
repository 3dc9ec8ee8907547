// `slimlm report` through the real binary on a registry written here: the
// files it writes and prints, --format and --study, and its usage errors
// (missing registry, unknown study, empty study, bad format).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "cli_test_util.h"
#include "slimlm/registry/registry.h"

namespace slimlm::testing {
namespace {

namespace fs = std::filesystem;
using registry::Registry;

class ReportCli : public ::testing::Test {
 protected:
  RunResult run(std::vector<std::string> args) { return run_binary(SLIMLM_CLI, args, scratch_); }

  // Study "full" with two measured trials; study "empty" (created last) with none.
  std::string make_registry() {
    const auto db = scratch_ / "reg.db";
    auto reg = Registry::open(db);
    registry::StudyRecord s;
    s.name = "full";
    s.config_hash = "0";
    s.sampler = "grid";
    s.objectives_json = R"([{"metric":"kld/mean","direction":"minimize"}])";
    s = reg.create_study(s);
    for (int i = 0; i < 2; ++i) {
      registry::TrialRecord t;
      t.study_id = s.id;
      t.params_json = "{\"quantize.bits\":" + std::to_string(4 + i) + "}";
      t.params_key = std::to_string(i);
      t.stage = "full";
      t = reg.add_trial(t);
      registry::RunRecord r;
      r.kind = "trial";
      r.summary = "rtn int" + std::to_string(4 + i);
      r.study_id = s.id;
      r.trial_number = t.number;
      const int64_t run = reg.begin_run(r);
      reg.finish_run(run, registry::RunStatus::kCompleted, {{"kld/mean", 0.1 / (1 + i), "nats", std::nullopt}});
      t.state = registry::TrialState::kComplete;
      t.run_id = run;
      t.objectives = {0.1 / (1 + i)};
      reg.update_trial(t);
    }
    registry::StudyRecord e = s;
    e.name = "empty";
    reg.create_study(e);
    return db.string();
  }

  TempDir scratch_;
};

TEST_F(ReportCli, WritesEveryFormatAndPrintsThePaths) {
  const auto db = make_registry();
  const auto out = scratch_ / "out";
  fs::create_directories(out);
  write_file(out / "keep.txt", "not the report's");
  const auto r = run({"report", "--db", db, "-o", out.string(), "--study", "full"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string expected = (out / "index.html").string() + "\n" + (out / "report.md").string() + "\n" +
                               (out / "trials.csv").string() + "\n" + (out / "study.json").string() + "\n";
  EXPECT_EQ(r.out, expected);
  EXPECT_EQ(read_file(out / "keep.txt"), "not the report's");
  const auto j = nlohmann::json::parse(read_file(out / "study.json"));
  EXPECT_EQ(j["study"]["name"], "full");
  EXPECT_EQ(j["frontier"], nlohmann::json({1}));
  EXPECT_NE(read_file(out / "index.html").find("rtn int5"), std::string::npos);
  EXPECT_NE(read_file(out / "report.md").find("| 1 | rtn int5 |"), std::string::npos);
  // Nothing but the four files and the one that was there.
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(out)) ++n;
  EXPECT_EQ(n, 5u);
}

TEST_F(ReportCli, FormatSubsetIntoANewFolder) {
  const auto db = make_registry();
  const auto out = scratch_ / "new" / "folder";
  const auto r = run({"report", "--db", db, "-o", out.string(), "--study", "full", "--format", "csv, md"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, (out / "trials.csv").string() + "\n" + (out / "report.md").string() + "\n");
  EXPECT_FALSE(fs::exists(out / "index.html"));
  EXPECT_EQ(read_file(out / "trials.csv").rfind("number,generation,state,stage,summary,", 0), 0u);
}

TEST_F(ReportCli, UsageErrorsExitTwoAndWriteNothing) {
  const auto out = scratch_ / "out";
  auto r = run({"report", "--db", (scratch_ / "missing.db").string(), "-o", out.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no registry at"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(scratch_ / "missing.db"));  // reading never creates one

  const auto db = make_registry();
  r = run({"report", "--db", db, "-o", out.string(), "--study", "nope"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no study 'nope'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("known: full, empty"), std::string::npos) << r.err;

  r = run({"report", "--db", db, "-o", out.string()});  // the latest study is the empty one
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("study 'empty'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no trials"), std::string::npos) << r.err;

  r = run({"report", "--db", db, "-o", out.string(), "--study", "full", "--format", "html,pdf"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--format: unknown report format 'pdf'"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace slimlm::testing
