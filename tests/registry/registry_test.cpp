// The registry's schema, pragmas, runs, studies, trials, sensitivities and
// blobs on a real SQLite file, and its errors on files that are not registries.
#include "slimlm/registry/registry.h"

#include <sqlite3.h>

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "registry_test_util.h"
#include "slimlm/core/error.h"
#include "test_util.h"

namespace slimlm::registry {
namespace {

using slimlm::testing::TempDir;
using slimlm::testing::write_file;
using testing::query_text;
using testing::sample_run;

TEST(Registry, CreatesSchemaAndReopens) {
  TempDir dir;
  const auto db = dir / "runs.db";
  {
    Registry reg = Registry::open(db);
    EXPECT_EQ(reg.schema_version(), current_schema_version());
    for (const char* table : {"meta", "runs", "metrics", "studies", "trials", "sensitivity", "blobs"}) {
      EXPECT_EQ(query_text(reg.native_handle(),
                           std::string("SELECT name FROM sqlite_master WHERE type='table' AND name='") + table + "'"),
                table);
    }
    EXPECT_EQ(query_text(reg.native_handle(), "SELECT value FROM meta WHERE key='schema_version'"),
              std::to_string(current_schema_version()));
    reg.begin_run(sample_run());
  }
  Registry again = Registry::open(db, Registry::OpenMode::kExisting);
  EXPECT_EQ(again.schema_version(), current_schema_version());
  ASSERT_EQ(again.runs().size(), 1u);
}

TEST(Registry, WalBusyTimeoutAndForeignKeysAreSet) {
  TempDir dir;
  Registry reg = Registry::open(dir / "runs.db");
  EXPECT_EQ(query_text(reg.native_handle(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query_text(reg.native_handle(), "PRAGMA busy_timeout"), "10000");
  EXPECT_EQ(query_text(reg.native_handle(), "PRAGMA foreign_keys"), "1");
  EXPECT_EQ(query_text(reg.native_handle(), "PRAGMA application_id"), "1936485740");
}

TEST(Registry, BeginFinishRoundTripWithMetrics) {
  TempDir dir;
  Registry reg = Registry::open(dir / "runs.db");
  RunRecord in = sample_run();
  in.study_id = std::nullopt;
  in.trial_number = 7;
  const int64_t id = reg.begin_run(in);
  {
    const auto r = reg.run(id);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, RunStatus::kRunning);
    EXPECT_TRUE(r->metrics.empty());
    EXPECT_EQ(r->pid, static_cast<int64_t>(getpid()));
    EXPECT_EQ(r->created_at.size(), 20u) << r->created_at;  // 2025-01-31T12:00:00Z
    EXPECT_EQ(r->created_at.back(), 'Z');
    EXPECT_TRUE(r->finished_at.empty());
  }
  const std::vector<MetricRecord> metrics = {
      {"kld/mean", 0.0123, "nats", 0.0004},
      {"model/bytes", 123456789.0, "bytes", std::nullopt},
      {"perplexity/ppl", std::numeric_limits<double>::quiet_NaN(), "", std::nullopt},
  };
  reg.finish_run(id, RunStatus::kCompleted, metrics, "", 12.5, 3.25, "/tmp/out", std::string(64, 'b'));
  const auto r = reg.run(id);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, RunStatus::kCompleted);
  EXPECT_EQ(r->kind, "trial");
  EXPECT_EQ(r->summary, "gptq int4 g128");
  EXPECT_EQ(r->recipe_json, in.recipe_json);
  EXPECT_EQ(r->base_model_hash, in.base_model_hash);
  EXPECT_EQ(r->artifact_path, "/tmp/out");
  EXPECT_EQ(r->artifact_sha256, std::string(64, 'b'));
  EXPECT_DOUBLE_EQ(r->compress_seconds, 12.5);
  EXPECT_DOUBLE_EQ(r->eval_seconds, 3.25);
  EXPECT_FALSE(r->study_id);
  EXPECT_EQ(r->trial_number, 7);
  EXPECT_EQ(r->finished_at.size(), 20u);
  ASSERT_EQ(r->metrics.size(), 3u);
  const MetricRecord* kld = r->metric("kld/mean");
  ASSERT_TRUE(kld);
  EXPECT_DOUBLE_EQ(kld->value, 0.0123);
  EXPECT_EQ(kld->unit, "nats");
  ASSERT_TRUE(kld->std_error);
  EXPECT_DOUBLE_EQ(*kld->std_error, 0.0004);
  EXPECT_FALSE(r->metric("model/bytes")->std_error);
  EXPECT_DOUBLE_EQ(r->metric("model/bytes")->value, 123456789.0);
  EXPECT_TRUE(std::isnan(r->metric("perplexity/ppl")->value));

  // A finished run cannot be finished again.
  EXPECT_THROW(reg.finish_run(id, RunStatus::kFailed, {}), ConfigError);
  EXPECT_THROW(reg.finish_run(999, RunStatus::kFailed, {}), ConfigError);
}

TEST(Registry, FinishIsAllOrNothing) {
  TempDir dir;
  Registry reg = Registry::open(dir / "runs.db");
  const int64_t id = reg.begin_run(sample_run());
  // The second "a" violates the metrics primary key after "a" and the status
  // update were written: the whole transaction must roll back.
  try {
    reg.finish_run(id, RunStatus::kCompleted, {{"a", 1, "", {}}, {"b", 2, "", {}}, {"a", 3, "", {}}});
    FAIL() << "duplicate metric accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'a' given twice"), std::string::npos) << e.what();
  }
  const auto r = reg.run(id);
  EXPECT_EQ(r->status, RunStatus::kRunning);
  EXPECT_TRUE(r->metrics.empty());
  EXPECT_EQ(query_text(reg.native_handle(), "SELECT count(*) FROM metrics"), "0");
  EXPECT_THROW(reg.finish_run(id, RunStatus::kRunning, {}), ConfigError);
  reg.finish_run(id, RunStatus::kFailed, {}, "out of memory");
  EXPECT_EQ(reg.run(id)->error, "out of memory");
}

TEST(Registry, RunsNewestFirstWithFilters) {
  TempDir dir;
  Registry reg = Registry::open(dir / "runs.db");
  const StudyRecord study = reg.create_study(testing::study_named("s1", "random"));
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    RunRecord r = sample_run("run " + std::to_string(i));
    r.kind = i == 0 ? "baseline" : "trial";
    if (i >= 2) r.study_id = study.id;
    ids.push_back(reg.begin_run(r));
  }
  reg.finish_run(ids[1], RunStatus::kCompleted, {{"kld/mean", 0.5, "", {}}});
  reg.finish_run(ids[3], RunStatus::kFailed, {}, "boom");

  const auto all = reg.runs();
  ASSERT_EQ(all.size(), 5u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].id, ids[4 - i]);
  EXPECT_EQ(all[3].metrics.size(), 1u);  // ids[1]

  EXPECT_EQ(reg.runs(testing::filter_study(study.id)).size(), 3u);
  const auto failed = reg.runs(testing::filter_status(RunStatus::kFailed));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].id, ids[3]);
  Registry::RunFilter baseline;
  baseline.kind = "baseline";
  EXPECT_EQ(reg.runs(baseline).size(), 1u);
  Registry::RunFilter newest_two;
  newest_two.limit = 2;
  const auto two = reg.runs(newest_two);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].id, ids[4]);
  Registry::RunFilter both = testing::filter_study(study.id);
  both.status = RunStatus::kRunning;
  EXPECT_EQ(reg.runs(both).size(), 2u);
  EXPECT_FALSE(reg.run(12345));
}

TEST(Registry, StudiesAndTrialDedup) {
  TempDir dir;
  Registry reg = Registry::open(dir / "runs.db");
  StudyRecord in = testing::study_named("quant-search", "nsga2");
  in.config_yaml = "model: x\n";
  in.config_hash = "h";
  in.objectives_json = R"([{"metric":"kld/mean","direction":"minimize"}])";
  const StudyRecord s = reg.create_study(in);
  EXPECT_GT(s.id, 0);
  EXPECT_EQ(s.status, "running");
  EXPECT_EQ(s.created_at.size(), 20u);
  EXPECT_EQ(s.objectives_json, in.objectives_json);
  EXPECT_THROW(reg.create_study(in), ConfigError);
  ASSERT_TRUE(reg.find_study("quant-search"));
  EXPECT_EQ(reg.find_study("quant-search")->id, s.id);
  EXPECT_FALSE(reg.find_study("nope"));
  reg.set_study_status(s.id, "completed");
  EXPECT_EQ(reg.study(s.id)->status, "completed");
  EXPECT_THROW(reg.set_study_status(s.id, "done"), ConfigError);
  EXPECT_THROW(reg.set_study_status(99, "killed"), ConfigError);

  TrialRecord t = testing::trial_of(s.id, "bits=4");
  t.params_json = R"({"bits":4})";
  const TrialRecord t0 = reg.add_trial(t);
  EXPECT_EQ(t0.number, 0);
  t.params_key = "bits=8";
  t.params_json = R"({"bits":8})";
  t.generation = 1;
  const TrialRecord t1 = reg.add_trial(t);
  EXPECT_EQ(t1.number, 1);
  EXPECT_NE(t0.id, t1.id);
  // Identical candidates are evaluated once: the same key is refused.
  t.params_key = "bits=4";
  EXPECT_THROW(reg.add_trial(t), ConfigError);
  EXPECT_EQ(reg.trials(s.id).size(), 2u);
  // ...but only within a study.
  const StudyRecord other = reg.create_study(testing::study_named("other"));
  t.study_id = other.id;
  EXPECT_EQ(reg.add_trial(t).number, 0);
  t.study_id = 4242;
  EXPECT_THROW(reg.add_trial(t), ConfigError);

  TrialRecord upd = *reg.find_trial(s.id, "bits=8");
  EXPECT_EQ(upd.id, t1.id);
  EXPECT_EQ(upd.generation, 1);
  EXPECT_EQ(upd.state, TrialState::kPending);
  const int64_t run_id = reg.begin_run(sample_run());
  upd.state = TrialState::kComplete;
  upd.stage = "full";
  upd.run_id = run_id;
  upd.objectives = {0.25, 1.5e9, std::numeric_limits<double>::quiet_NaN()};
  upd.proxy_objectives = {0.2};
  upd.violation = 0.125;
  upd.error = "";
  reg.update_trial(upd);
  const TrialRecord back = *reg.trial(t1.id);
  EXPECT_EQ(back.state, TrialState::kComplete);
  EXPECT_EQ(back.stage, "full");
  EXPECT_EQ(back.run_id, run_id);
  ASSERT_EQ(back.objectives.size(), 3u);
  EXPECT_DOUBLE_EQ(back.objectives[0], 0.25);
  EXPECT_DOUBLE_EQ(back.objectives[1], 1.5e9);
  EXPECT_TRUE(std::isnan(back.objectives[2]));
  EXPECT_EQ(back.proxy_objectives, std::vector<double>{0.2});
  EXPECT_DOUBLE_EQ(back.violation, 0.125);
  EXPECT_FALSE(reg.find_trial(s.id, "bits=2"));
  TrialRecord missing = back;
  missing.id = 777;
  EXPECT_THROW(reg.update_trial(missing), ConfigError);
  const auto list = reg.trials(s.id);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].params_key, "bits=4");
  EXPECT_EQ(list[1].params_key, "bits=8");
}

TEST(Registry, RenameStudyKeepsItsTrialsAndRefusesTakenNames) {
  TempDir dir;
  Registry reg = Registry::open(dir / "runs.db");
  const StudyRecord a = reg.create_study(testing::study_named("search"));
  const StudyRecord b = reg.create_study(testing::study_named("other"));
  reg.add_trial(testing::trial_of(a.id, "bits=4"));
  reg.put_blob(a.id, "proxy_spearman", R"({"kld/mean":0.5})");

  reg.rename_study(a.id, "search-20250131T120000Z");
  EXPECT_FALSE(reg.find_study("search"));
  const auto renamed = reg.find_study("search-20250131T120000Z");
  ASSERT_TRUE(renamed);
  EXPECT_EQ(renamed->id, a.id);
  EXPECT_EQ(renamed->created_at, a.created_at);
  EXPECT_EQ(reg.trials(a.id).size(), 1u);
  EXPECT_EQ(reg.blob(a.id, "proxy_spearman"), R"({"kld/mean":0.5})");
  // The old name is free again: --restart creates the fresh study under it.
  const StudyRecord fresh = reg.create_study(testing::study_named("search"));
  EXPECT_NE(fresh.id, a.id);
  EXPECT_TRUE(reg.trials(fresh.id).empty());

  // A taken name is refused with a message naming it, and nothing changes.
  try {
    reg.rename_study(b.id, "search");
    FAIL() << "rename to a taken name accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot rename study " + std::to_string(b.id) + " to 'search'"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find((dir / "runs.db").string()), std::string::npos) << e.what();
  }
  EXPECT_EQ(reg.study(b.id)->name, "other");
  EXPECT_EQ(reg.find_study("search")->id, fresh.id);
  EXPECT_THROW(reg.rename_study(b.id, ""), ConfigError);
  EXPECT_EQ(reg.study(b.id)->name, "other");
  EXPECT_THROW(reg.rename_study(4242, "anything"), ConfigError);
  EXPECT_FALSE(reg.find_study("anything"));
  // No transaction is left open after the refusals: later writes still work.
  reg.rename_study(b.id, "other-2");
  EXPECT_EQ(reg.study(b.id)->name, "other-2");
}

TEST(Registry, SensitivityUpsertAndBlobs) {
  TempDir dir;
  Registry reg = Registry::open(dir / "runs.db");
  const StudyRecord s = reg.create_study(testing::study_named("sens"));
  reg.put_sensitivity({{s.id, 1, "int4 g128", "kld", 0.5},
                       {s.id, 0, "int4 g128", "kld", 0.25},
                       {s.id, 0, "wanda 50%", "kld", 0.75}});
  reg.put_sensitivity({{s.id, 1, "int4 g128", "kld", 0.375}});
  const auto rows = reg.sensitivity(s.id);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].layer, 0);
  EXPECT_EQ(rows[0].variant, "int4 g128");
  EXPECT_DOUBLE_EQ(rows[0].value, 0.25);
  EXPECT_EQ(rows[1].variant, "wanda 50%");
  EXPECT_EQ(rows[2].layer, 1);
  EXPECT_DOUBLE_EQ(rows[2].value, 0.375);  // replaced, not duplicated

  EXPECT_FALSE(reg.blob(s.id, "base/metrics"));
  reg.put_blob(s.id, "base/metrics", R"({"ppl":12.5})");
  reg.put_blob(s.id, "base/metrics", R"({"ppl":12.25})");
  EXPECT_EQ(reg.blob(s.id, "base/metrics"), R"({"ppl":12.25})");
  EXPECT_FALSE(reg.blob(s.id + 1, "base/metrics"));
}

TEST(Registry, UnknownStudyIdsAreRejectedByForeignKeys) {
  TempDir dir;
  Registry reg = Registry::open(dir / "runs.db");
  RunRecord r = sample_run();
  r.study_id = 999;
  EXPECT_THROW(reg.begin_run(r), ConfigError);
  EXPECT_THROW(reg.put_blob(999, "k", "v"), ConfigError);
  EXPECT_THROW(reg.put_sensitivity({{999, 0, "int4", "kld", 1.0}}), ConfigError);
  EXPECT_TRUE(reg.runs().empty());
}

TEST(RegistryOpen, MissingFileWithExistingModeNamesIt) {
  TempDir dir;
  const auto db = dir / "absent.db";
  try {
    Registry::open(db, Registry::OpenMode::kExisting);
    FAIL();
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), "no registry at " + db.string());
  }
  EXPECT_FALSE(std::filesystem::exists(db));
}

TEST(RegistryOpen, UnopenableFileIsAnIoErrorNamingIt) {
  TempDir dir;
  const auto db = dir / "no-such-folder" / "runs.db";
  try {
    Registry::open(db);
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(db.string()), std::string::npos) << e.what();
  }
}

TEST(RegistryOpen, GarbageFileIsNotARegistry) {
  TempDir dir;
  const auto db = dir / "garbage.db";
  write_file(db, std::string(4096, 'x') + "this is not a database");
  try {
    Registry::open(db);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(db.string() + " is not a slimlm registry"), std::string::npos)
        << e.what();
  }
  // The file is left as it was.
  EXPECT_EQ(std::filesystem::file_size(db), 4096u + 22u);
}

TEST(RegistryOpen, ForeignSqliteDatabaseIsNotARegistry) {
  TempDir dir;
  const auto db = dir / "other.db";
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  try {
    Registry::open(db);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(db.string() + " is not a slimlm registry"), std::string::npos)
        << e.what();
  }
  // Not switched to WAL: a foreign database is not touched.
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  EXPECT_EQ(query_text(raw, "PRAGMA journal_mode"), "delete");
  sqlite3_close(raw);
}

TEST(RegistryOpen, EmptyFileBecomesARegistry) {
  TempDir dir;
  const auto db = dir / "empty.db";
  write_file(db, "");
  Registry reg = Registry::open(db, Registry::OpenMode::kExisting);
  EXPECT_EQ(reg.schema_version(), current_schema_version());
}

TEST(RegistryOpen, MovedRegistryKeepsItsConnection) {
  TempDir dir;
  Registry a = Registry::open(dir / "runs.db");
  const int64_t id = a.begin_run(sample_run());
  Registry b = std::move(a);
  EXPECT_EQ(b.run(id)->id, id);
}

}  // namespace
}  // namespace slimlm::registry
