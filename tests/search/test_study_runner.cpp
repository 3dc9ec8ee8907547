// The study runner end to end on tiny-llama: a small search with the proxy
// produces a frontier of mutually non-dominated, loadable models and a
// registry row for every run; a study stopped as by a kill resumes to the
// same trials and measurements as an uninterrupted one; a failing trial is
// recorded with its error and the study completes; a changed config is
// refused unless restarted.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include "slimlm/core/error.h"
#include "slimlm/model/model.h"
#include "slimlm/registry/registry.h"
#include "slimlm/search/pareto.h"
#include "slimlm/search/study_runner.h"
#include "test_study_runner_util.h"

namespace slimlm::search {
namespace {

namespace fs = std::filesystem;
using registry::RunStatus;
using registry::TrialState;

std::string search_yaml(int trials, bool proxy, const std::string& sampler = "nsga2") {
  std::string y =
      "baselines:\n"
      "  - {name: rtn-int8, pipeline: [{quantize: {method: rtn, format: int8}}]}\n"
      "search:\n"
      "  sampler: " + sampler + "\n"
      "  trials: " + std::to_string(trials) + "\n"
      "  population: 3\n"
      "  seed: 7\n"
      "  space:\n"
      "    quantize.format: [int8, int4_g128, int3_g128, int2_g64]\n"
      "    prune.method: [none, magnitude]\n"
      "    prune.sparsity: [0.25, 0.5]\n";
  if (proxy) y += "  proxy: {enabled: true, sensitivity: [int8, int2_g64, \"magnitude 50%\"], candidates: 6}\n";
  return y;
}

RunnerOptions quiet() {
  RunnerOptions o;
  o.sensitivity_windows = 2;
  o.print = [](std::string_view line) { std::printf("%.*s\n", static_cast<int>(line.size()), line.data()); };
  return o;
}

// What must not differ between an interrupted and an uninterrupted study.
struct TrialKey {
  int64_t number;
  std::string params_key;
  TrialState state;
  std::string stage;
  std::vector<double> objectives;  // kld/mean and bytes: no timing in them
  auto operator<=>(const TrialKey&) const = default;
};

std::vector<TrialKey> trial_keys(const fs::path& db, const std::string& study) {
  const auto reg = registry::Registry::open(db, registry::Registry::OpenMode::kExisting);
  const auto s = reg.find_study(study);
  EXPECT_TRUE(s);
  std::vector<TrialKey> out;
  for (const auto& t : reg.trials(s->id)) out.push_back({t.number, t.params_key, t.state, t.stage, t.objectives});
  return out;
}

TEST(StudyRunner, SearchWithProxyGivesALoadableNonDominatedFrontier) {
  slimlm::testing::TempDir tmp;
  const StudyConfig c = test::write_config(tmp.path(), test::study_yaml("s1", tmp / "out", search_yaml(6, true)));
  const StudyOutcome out = run_study(c, quiet());
  EXPECT_FALSE(out.stopped);
  EXPECT_FALSE(out.resumed);
  EXPECT_EQ(out.evaluated, 7);  // the baseline and 6 trials
  EXPECT_GE(out.complete, 7);
  ASSERT_FALSE(out.frontier.empty());

  const auto reg = registry::Registry::open(out.db, registry::Registry::OpenMode::kExisting);
  const auto study = reg.find_study("s1");
  ASSERT_TRUE(study);
  EXPECT_EQ(study->status, "completed");
  const auto trials = reg.trials(study->id);
  std::map<int64_t, const registry::TrialRecord*> by_number;
  for (const auto& t : trials) by_number[t.number] = &t;

  // Frontier points are complete, feasible and mutually non-dominated.
  std::vector<Point> pts;
  for (const auto& row : out.frontier) {
    const auto* t = by_number.at(row.trial);
    EXPECT_EQ(t->state, TrialState::kComplete);
    EXPECT_EQ(t->violation, 0.0);
    pts.push_back(to_minimization(t->objectives, c.objectives));
    // Its model was kept and loads.
    ASSERT_FALSE(row.folder.empty()) << row.trial;
    EXPECT_NO_THROW(model::Model::load(row.folder)) << row.folder;
  }
  for (size_t i = 0; i < pts.size(); ++i) {
    for (size_t j = 0; j < pts.size(); ++j) EXPECT_FALSE(dominates(pts[i], pts[j])) << i << " " << j;
  }
  // keep_models frontier: only the frontier's trial folders remain.
  size_t trial_folders = 0;
  for (const auto& e : fs::directory_iterator(c.output / "trials")) {
    ++trial_folders;
    EXPECT_TRUE(std::any_of(out.frontier.begin(), out.frontier.end(),
                            [&](const FrontierRow& r) { return r.folder.filename() == e.path().filename(); }));
  }
  EXPECT_EQ(trial_folders, out.frontier.size());
  EXPECT_NE(out.frontier_table.find("kld/mean"), std::string::npos);

  // A registry row for every run: the original, and one per evaluated trial
  // with all its metrics.
  registry::Registry::RunFilter f;
  f.study_id = study->id;
  const auto runs = reg.runs(f);
  EXPECT_EQ(runs.size(), 8u);
  size_t with_run = 0;
  for (const auto& t : trials) {
    if (t.stage == "proxy") {
      // Passed over on the proxy's prediction (or a repeat of an evaluated recipe).
      EXPECT_EQ(t.state, TrialState::kSkipped) << t.number << " " << t.error;
      if (t.error.empty()) {
        EXPECT_EQ(t.proxy_objectives.size(), 2u);
        EXPECT_FALSE(t.run_id);
      }
      continue;
    }
    ASSERT_TRUE(t.run_id) << t.number;
    ++with_run;
    const auto r = reg.run(*t.run_id);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, RunStatus::kCompleted);
    EXPECT_EQ(r->trial_number, t.number);
    EXPECT_TRUE(r->metric("kld/mean"));
    EXPECT_TRUE(r->metric("perplexity/ppl"));
    EXPECT_EQ(r->metric("model/file_bytes")->value, t.objectives[1]);
    EXPECT_EQ(t.proxy_objectives.size(), 2u);  // full trials carry the proxy's prediction too
  }
  EXPECT_EQ(with_run, 7u);
  EXPECT_EQ(reg.sensitivity(study->id).size(), 3u * 4u);
  ASSERT_EQ(out.proxy_rho.size(), 2u);
  std::printf("proxy Spearman rho: kld/mean %.3f, bytes %.3f\n", out.proxy_rho[0].second, out.proxy_rho[1].second);
  EXPECT_GT(out.proxy_rho[0].second, 0.0);
  EXPECT_TRUE(reg.blob(study->id, "proxy_spearman"));
}

TEST(StudyRunner, ResumeAfterAKillEqualsAnUninterruptedStudy) {
  slimlm::testing::TempDir tmp;
  const std::string rest = search_yaml(6, true);
  const StudyConfig a = test::write_config(tmp / "a", test::study_yaml("r", tmp / "a" / "out", rest));
  const StudyConfig b = test::write_config(tmp / "b", test::study_yaml("r", tmp / "b" / "out", rest));
  const StudyOutcome whole = run_study(a, quiet());
  ASSERT_FALSE(whole.stopped);

  RunnerOptions kill = quiet();
  kill.stop_after_trials = 3;
  const StudyOutcome first = run_study(b, kill);
  EXPECT_TRUE(first.stopped);
  EXPECT_EQ(first.evaluated, 3);
  {
    const auto reg = registry::Registry::open(first.db, registry::Registry::OpenMode::kExisting);
    const auto s = reg.find_study("r");
    EXPECT_EQ(s->status, "running");
    registry::Registry::RunFilter f;
    f.study_id = s->id;
    f.status = RunStatus::kRunning;
    const auto running = reg.runs(f);
    ASSERT_EQ(running.size(), 1u);  // the 4th run, begun and never finished
    const auto trials = reg.trials(s->id);
    EXPECT_EQ(std::count_if(trials.begin(), trials.end(), [](const auto& t) { return t.state == TrialState::kRunning; }), 1);
  }
  const StudyOutcome second = run_study(b, quiet());
  EXPECT_TRUE(second.resumed);
  EXPECT_FALSE(second.stopped);
  EXPECT_EQ(second.evaluated, 4);  // the interrupted trial again, then the rest

  EXPECT_EQ(trial_keys(whole.db, "r"), trial_keys(second.db, "r"));
  std::vector<int64_t> fa, fb;
  for (const auto& r : whole.frontier) fa.push_back(r.trial);
  for (const auto& r : second.frontier) fb.push_back(r.trial);
  EXPECT_EQ(fa, fb);
  // The interrupted run is recorded as killed, never half-finished.
  const auto reg = registry::Registry::open(second.db, registry::Registry::OpenMode::kExisting);
  registry::Registry::RunFilter f;
  f.status = RunStatus::kKilled;
  const auto killed = reg.runs(f);
  ASSERT_EQ(killed.size(), 1u);
  EXPECT_TRUE(killed[0].metrics.empty());
}

TEST(StudyRunner, FailedTrialIsRecordedAndTheStudyCompletes) {
  slimlm::testing::TempDir tmp;
  const StudyConfig c = test::write_config(tmp.path(), test::study_yaml("f", tmp / "out", search_yaml(4, false, "random")));
  RunnerOptions o = quiet();
  int64_t failed_number = -1;
  o.before_trial = [&](int64_t number, const std::string&) {
    if (number == 2) {
      failed_number = number;
      throw Error("injected failure for the test");
    }
  };
  const StudyOutcome out = run_study(c, o);
  EXPECT_FALSE(out.stopped);
  ASSERT_EQ(failed_number, 2);
  EXPECT_EQ(out.failed, 1);
  const auto reg = registry::Registry::open(out.db, registry::Registry::OpenMode::kExisting);
  const auto s = reg.find_study("f");
  EXPECT_EQ(s->status, "completed");
  const auto trials = reg.trials(s->id);
  const auto& t = trials.at(2);
  EXPECT_EQ(t.state, TrialState::kFailed);
  EXPECT_NE(t.error.find("injected failure"), std::string::npos);
  ASSERT_TRUE(t.run_id);
  const auto r = reg.run(*t.run_id);
  EXPECT_EQ(r->status, RunStatus::kFailed);
  EXPECT_NE(r->error.find("injected failure"), std::string::npos);
  EXPECT_TRUE(r->metrics.empty());
  // The failure took one of the 4 evaluations; the others ran.
  EXPECT_EQ(std::count_if(trials.begin(), trials.end(),
                          [](const auto& x) { return x.generation >= 0 && x.state == TrialState::kComplete; }),
            3);
  EXPECT_FALSE(out.frontier.empty());
  for (const auto& row : out.frontier) EXPECT_NE(row.trial, 2);
}

TEST(StudyRunner, ChangedConfigIsRefusedUnlessRestarted) {
  slimlm::testing::TempDir tmp;
  const std::string base = test::study_yaml("c", tmp / "out", search_yaml(1, false, "grid"));
  const StudyConfig c1 = test::write_config(tmp.path(), base);
  run_study(c1, quiet());
  // Comments and layout are not the study's identity: the study resumes.
  const StudyConfig commented = test::write_config(tmp.path(), "# a comment\n" + base + "# another\n");
  EXPECT_TRUE(run_study(commented, quiet()).resumed);
  // Its content is: 4 scored windows instead of 3.
  const StudyConfig c2 =
      test::write_config(tmp.path(), test::study_yaml("c", tmp / "out", search_yaml(1, false, "grid"), 4));
  try {
    run_study(c2, quiet());
    FAIL() << "a changed config must be refused";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--restart"), std::string::npos) << e.what();
  }
  RunnerOptions restart = quiet();
  restart.restart = true;
  const StudyOutcome out = run_study(c2, restart);
  EXPECT_FALSE(out.resumed);
  const auto reg = registry::Registry::open(out.db, registry::Registry::OpenMode::kExisting);
  ASSERT_EQ(reg.studies().size(), 2u);
  EXPECT_TRUE(reg.studies()[0].name.starts_with("c-"));  // archived under a timestamp
  EXPECT_EQ(reg.studies()[1].name, "c");
  EXPECT_TRUE(fs::exists(c2.output / "archive" / reg.studies()[0].name / "frontier"));
}

}  // namespace
}  // namespace slimlm::search
