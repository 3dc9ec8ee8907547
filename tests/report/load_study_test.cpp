// load_study_data on a real registry file: the study, its trials joined with
// their runs (summary, recipe, artifact, metrics, a failed run's error), the
// reference runs, sensitivities, the proxy's rank correlation, the frontier;
// latest-study selection and the errors for an empty registry, an unknown
// study, bad objectives and a malformed "proxy_spearman" blob.
#include <gtest/gtest.h>

#include <cmath>

#include "slimlm/core/error.h"
#include "slimlm/registry/registry.h"
#include "slimlm/report/load_study.h"
#include "test_util.h"

namespace slimlm::report {
namespace {

using registry::MetricRecord;
using registry::Registry;
using registry::RunRecord;
using registry::RunStatus;
using registry::StudyRecord;
using registry::TrialRecord;
using registry::TrialState;

StudyRecord study_named(const std::string& name) {
  StudyRecord s;
  s.name = name;
  s.config_yaml = "study: " + name + "\n";
  s.config_hash = "0";
  s.sampler = "nsga2";
  s.objectives_json = R"([{"metric":"kld/mean","direction":"minimize"},{"metric":"hellaswag/acc","direction":"max"}])";
  return s;
}

RunRecord run_of(int64_t study, const std::string& kind, const std::string& summary, std::optional<int64_t> trial) {
  RunRecord r;
  r.kind = kind;
  r.summary = summary;
  r.recipe_json = R"({"pipeline":[{"pass":"rtn","bits":4}]})";
  r.base_model = "models/tiny-llama";
  r.hardware = R"({"cpu":"Test CPU","logical_cores":2})";
  r.slimlm_version = "0.test";
  r.study_id = study;
  r.trial_number = trial;
  return r;
}

// Trial #n evaluated by a completed run with (kld, acc); returns the trial.
TrialRecord measured_trial(Registry& reg, int64_t study, const std::string& key, double kld, double acc,
                           std::vector<double> proxy = {}) {
  TrialRecord t;
  t.study_id = study;
  t.params_json = R"({"quantize.bits":)" + key + "}";
  t.params_key = key;
  t.stage = "full";
  t = reg.add_trial(t);
  const int64_t run = reg.begin_run(run_of(study, "trial", "rtn int" + key, t.number));
  reg.finish_run(run, RunStatus::kCompleted,
                 {MetricRecord{"kld/mean", kld, "nats", 0.001}, MetricRecord{"hellaswag/acc", acc, "fraction", {}},
                  MetricRecord{"model/file_bytes", 1e6 * std::stod(key), "bytes", {}}},
                 {}, 1.0, 2.0, "/tmp/artifacts/" + key, "abc");
  t.state = TrialState::kComplete;
  t.run_id = run;
  t.objectives = {kld, acc};
  t.proxy_objectives = std::move(proxy);
  reg.update_trial(t);
  return t;
}

TEST(ReportLoadStudy, JoinsTrialsRunsReferencesAndSensitivity) {
  slimlm::testing::TempDir tmp;
  auto reg = Registry::open(tmp / "reg.db");
  const auto older = reg.create_study(study_named("older"));
  const auto s = reg.create_study(study_named("main"));
  const int64_t base = reg.begin_run(run_of(s.id, "baseline", "original model", std::nullopt));
  reg.finish_run(base, RunStatus::kCompleted, {MetricRecord{"kld/mean", 0, "nats", {}}});

  measured_trial(reg, s.id, "8", 0.001, 0.40, {0.002, 0.41});
  measured_trial(reg, s.id, "4", 0.02, 0.42, {0.01, 0.41});        // worse KLD, better accuracy
  measured_trial(reg, s.id, "3", 0.30, 0.39, {0.25, std::nan("")});  // dominated by bits=8
  // As the runner stores it (objective order not guaranteed; null = undefined).
  reg.put_blob(s.id, "proxy_spearman", R"({"hellaswag/acc":null,"kld/mean":0.956})");
  // Failed: the run's error reaches the trial.
  TrialRecord failed;
  failed.study_id = s.id;
  failed.params_json = R"({"quantize.bits":2})";
  failed.params_key = "2";
  failed.stage = "full";
  failed = reg.add_trial(failed);
  const int64_t frun = reg.begin_run(run_of(s.id, "trial", "rtn int2", failed.number));
  reg.finish_run(frun, RunStatus::kFailed, {}, "gptq: Hessian not positive definite");
  failed.state = TrialState::kFailed;
  failed.run_id = frun;
  reg.update_trial(failed);
  // Pending, never run: summarised from its params.
  TrialRecord pending;
  pending.study_id = s.id;
  pending.params_json = R"({"quantize.method":"gptq","quantize.bits":5})";
  pending.params_key = "5";
  reg.add_trial(pending);
  reg.put_sensitivity({{s.id, 0, "int4", "kld/mean", 0.01}, {s.id, 1, "int4", "kld/mean", 0.03}});

  const StudyData d = load_study_data(reg, "main");
  EXPECT_EQ(d.name, "main");
  EXPECT_EQ(d.sampler, "nsga2");
  EXPECT_EQ(d.config_yaml, "study: main\n");
  ASSERT_EQ(d.objectives.size(), 2u);
  EXPECT_EQ(d.objectives[1].metric, "hellaswag/acc");
  EXPECT_EQ(d.objectives[1].direction, search::Direction::kMaximize);
  EXPECT_EQ(d.model, "models/tiny-llama");
  EXPECT_EQ(d.slimlm_version, "0.test");
  EXPECT_NE(d.hardware_json.find("Test CPU"), std::string::npos);
  ASSERT_EQ(d.references.size(), 1u);
  EXPECT_EQ(d.references[0].kind, "baseline");
  EXPECT_EQ(d.references[0].summary, "original model");

  ASSERT_EQ(d.trials.size(), 5u);
  const TrialData& t0 = d.trials[0];
  EXPECT_EQ(t0.summary, "rtn int8");
  EXPECT_EQ(t0.artifact_path, "/tmp/artifacts/8");
  EXPECT_EQ(t0.recipe_json, R"({"pipeline":[{"pass":"rtn","bits":4}]})");
  EXPECT_EQ(t0.metrics.at("model/file_bytes").value, 8e6);
  EXPECT_EQ(t0.metrics.at("kld/mean").std_error, 0.001);
  ASSERT_EQ(t0.params.size(), 1u);
  EXPECT_EQ(t0.params[0].name, "quantize.bits");
  EXPECT_EQ(t0.params[0].text, "8");
  EXPECT_TRUE(t0.on_frontier);
  EXPECT_TRUE(d.trials[1].on_frontier);
  EXPECT_FALSE(d.trials[2].on_frontier);
  EXPECT_EQ(d.trials[3].state, TrialState::kFailed);
  EXPECT_EQ(d.trials[3].error, "gptq: Hessian not positive definite");
  EXPECT_FALSE(d.trials[3].on_frontier);
  EXPECT_EQ(d.trials[4].state, TrialState::kPending);
  EXPECT_EQ(d.trials[4].summary, "quantize.method=gptq, quantize.bits=5");
  ASSERT_EQ(d.sensitivity.size(), 2u);
  EXPECT_EQ(d.sensitivity[1].layer, 1);
  EXPECT_EQ(d.sensitivity[1].value, 0.03);

  // The proxy's rank correlation, in objective order, each with the trials
  // that have a finite prediction and measurement (the failed and the
  // pending trial have neither; bits=3 predicted no accuracy).
  ASSERT_EQ(d.proxy_correlation.size(), 2u);
  EXPECT_EQ(d.proxy_correlation[0].metric, "kld/mean");
  ASSERT_TRUE(d.proxy_correlation[0].rho);
  EXPECT_DOUBLE_EQ(*d.proxy_correlation[0].rho, 0.956);
  EXPECT_EQ(d.proxy_correlation[0].trials, 3u);
  EXPECT_EQ(d.proxy_correlation[1].metric, "hellaswag/acc");
  EXPECT_FALSE(d.proxy_correlation[1].rho);
  EXPECT_EQ(d.proxy_correlation[1].trials, 2u);
  EXPECT_EQ(d.trials[1].proxy_objectives, (std::vector<double>{0.01, 0.41}));

  // No name: the latest study ("main" was created after "older").
  EXPECT_EQ(load_study_data(reg, "").name, "main");
  EXPECT_TRUE(load_study_data(reg, "older").trials.empty());
  EXPECT_TRUE(load_study_data(reg, "older").proxy_correlation.empty());  // ran without a proxy
  (void)older;
}

TEST(ReportLoadStudy, ErrorsNameTheStudyAndListKnownOnes) {
  slimlm::testing::TempDir tmp;
  auto reg = Registry::open(tmp / "reg.db");
  try {
    load_study_data(reg, "");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("holds no study"), std::string::npos) << e.what();
  }
  reg.create_study(study_named("alpha"));
  reg.create_study(study_named("beta"));
  try {
    load_study_data(reg, "gamma");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("no study 'gamma'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("known: alpha, beta"), std::string::npos) << e.what();
  }
  // A malformed "proxy_spearman" blob names the study and the blob.
  const auto alpha = reg.find_study("alpha");
  for (const char* blob : {R"(["kld/mean", 0.9])", R"({"kld/mean":"high"})", "not json"}) {
    reg.put_blob(alpha->id, "proxy_spearman", blob);
    try {
      load_study_data(reg, "alpha");
      FAIL() << "expected FormatError for " << blob;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find("study alpha: blob \"proxy_spearman\""), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(parse_objectives(R"([{"metric":"x","direction":"sideways"}])", "study s"), FormatError);
  EXPECT_THROW(parse_objectives(R"({"metric":"x"})", "study s"), FormatError);
  EXPECT_EQ(parse_objectives("", "study s").size(), 0u);
}

}  // namespace
}  // namespace slimlm::report
