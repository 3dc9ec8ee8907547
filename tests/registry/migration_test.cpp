// Schema migrations: a version 1 file written by this binary is upgraded by
// one more list entry, with its data intact; a failing step changes nothing;
// a file newer than the binary is refused.
#include <sqlite3.h>

#include <array>
#include <vector>

#include <gtest/gtest.h>

#include "registry_test_util.h"
#include "slimlm/core/error.h"
#include "slimlm/registry/registry.h"
#include "slimlm/registry/schema.h"
#include "test_util.h"

namespace slimlm::registry {
namespace {

using slimlm::testing::TempDir;
using testing::query_text;
using testing::sample_run;

// The production list plus one more entry, as the next schema change will be written.
std::vector<Migration> with_step(Migration extra) {
  std::vector<Migration> steps(schema_migrations().begin(), schema_migrations().end());
  extra.version = steps.back().version + 1;
  steps.push_back(extra);
  return steps;
}

constexpr std::string_view kAddNotes =
    "ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE tags(run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, tag TEXT NOT NULL);";

// A version 1 registry with one finished run, a study and a trial.
int64_t write_v1_file(const std::filesystem::path& db) {
  Registry reg = Registry::open(db, Registry::OpenMode::kCreate,
                                std::span<const Migration>(schema_migrations().data(), 1));
  EXPECT_EQ(reg.schema_version(), 1);
  const int64_t id = reg.begin_run(sample_run("from v1"));
  reg.finish_run(id, RunStatus::kCompleted, {{"kld/mean", 0.125, "", 0.01}});
  const StudyRecord s = reg.create_study(testing::study_named("old study"));
  reg.add_trial(testing::trial_of(s.id, "x"));
  return id;
}

TEST(Migration, ProductionListIsOrderedFromOne) {
  const auto steps = schema_migrations();
  ASSERT_FALSE(steps.empty());
  for (size_t i = 0; i < steps.size(); ++i) EXPECT_EQ(steps[i].version, static_cast<int>(i) + 1);
  EXPECT_EQ(current_schema_version(), steps.back().version);
}

TEST(Migration, V1FileIsUpgradedByOneMoreEntry) {
  TempDir dir;
  const auto db = dir / "old.db";
  const int64_t id = write_v1_file(db);
  const auto steps = with_step({0, "run notes and tags", kAddNotes});

  Registry reg = Registry::open(db, Registry::OpenMode::kExisting, steps);
  EXPECT_EQ(reg.schema_version(), 2);
  EXPECT_EQ(query_text(reg.native_handle(), "SELECT value FROM meta WHERE key = 'schema_version'"), "2");
  // The old data is all there, the new column has its default, the new table exists.
  const auto r = reg.run(id);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->summary, "from v1");
  ASSERT_TRUE(r->metric("kld/mean"));
  EXPECT_DOUBLE_EQ(r->metric("kld/mean")->value, 0.125);
  EXPECT_EQ(query_text(reg.native_handle(), "SELECT note FROM runs WHERE id = 1"), "");
  EXPECT_EQ(query_text(reg.native_handle(), "SELECT count(*) FROM tags"), "0");
  EXPECT_EQ(reg.trials(reg.find_study("old study")->id).size(), 1u);
  // New writes work on the upgraded file.
  const int64_t id2 = reg.begin_run(sample_run("after upgrade"));
  reg.finish_run(id2, RunStatus::kCompleted, {});
  EXPECT_EQ(reg.runs().size(), 2u);
}

TEST(Migration, ReopeningAnUpgradedFileAppliesNothing) {
  TempDir dir;
  const auto db = dir / "old.db";
  write_v1_file(db);
  const auto steps = with_step({0, "run notes and tags", kAddNotes});
  { Registry::open(db, Registry::OpenMode::kExisting, steps); }
  // Applying the ALTER twice would fail ("duplicate column"); it must not run.
  Registry again = Registry::open(db, Registry::OpenMode::kExisting, steps);
  EXPECT_EQ(again.schema_version(), 2);
}

TEST(Migration, FailingStepRollsBackCompletely) {
  TempDir dir;
  const auto db = dir / "old.db";
  write_v1_file(db);
  const auto steps = with_step({0, "broken", "CREATE TABLE half(a); INSERT INTO no_such_table VALUES(1);"});
  EXPECT_THROW(Registry::open(db, Registry::OpenMode::kExisting, steps), IoError);
  Registry reg = Registry::open(db);
  EXPECT_EQ(reg.schema_version(), 1);
  EXPECT_EQ(query_text(reg.native_handle(), "SELECT count(*) FROM sqlite_master WHERE name = 'half'"), "0");
  EXPECT_EQ(reg.runs().size(), 1u);
}

TEST(Migration, NewerFileIsRefusedNamingBothVersions) {
  TempDir dir;
  const auto db = dir / "new.db";
  write_v1_file(db);
  { Registry::open(db, Registry::OpenMode::kExisting, with_step({0, "notes", kAddNotes})); }
  // This binary's list ends at version 1: the version 2 file is not for it.
  try {
    Registry::open(db, Registry::OpenMode::kExisting, std::span<const Migration>(schema_migrations().data(), 1));
    FAIL();
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(db.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("schema version 2 is newer than this slimlm knows (1)"), std::string::npos) << msg;
  }
}

TEST(Migration, MissingSchemaVersionIsNotARegistry) {
  TempDir dir;
  const auto db = dir / "broken.db";
  write_v1_file(db);
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "DELETE FROM meta", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  try {
    Registry::open(db);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("no schema_version"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace slimlm::registry
