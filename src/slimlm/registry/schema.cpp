#include "slimlm/registry/schema.h"

#include <fmt/format.h>

#include <array>

#include "slimlm/core/error.h"
#include "slimlm/core/log.h"
#include "slimlm/registry/sqlite_db.h"

namespace slimlm::registry {
namespace {

using detail::db_name;
using detail::exec;
using detail::query_int;
using detail::Statement;
using detail::Transaction;

// Version 1. Timestamps are ISO-8601 UTC text; JSON columns hold text.
// Metric values and sensitivity values are nullable: NULL is NaN.
// pid / host / pid_start (runs) and owner_* (trials) name the process that
// holds a 'running' row, for reaping after a kill.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE meta(
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE studies(
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  config_yaml     TEXT NOT NULL DEFAULT '',
  config_hash     TEXT NOT NULL DEFAULT '',
  sampler         TEXT NOT NULL DEFAULT '',
  objectives_json TEXT NOT NULL DEFAULT '[]',
  status          TEXT NOT NULL DEFAULT 'running'
);

CREATE TABLE runs(
  id               INTEGER PRIMARY KEY,
  created_at       TEXT NOT NULL,
  finished_at      TEXT NOT NULL DEFAULT '',
  kind             TEXT NOT NULL DEFAULT '',
  recipe_json      TEXT NOT NULL DEFAULT '',
  summary          TEXT NOT NULL DEFAULT '',
  base_model       TEXT NOT NULL DEFAULT '',
  base_model_hash  TEXT NOT NULL DEFAULT '',
  artifact_path    TEXT NOT NULL DEFAULT '',
  artifact_sha256  TEXT NOT NULL DEFAULT '',
  hardware         TEXT NOT NULL DEFAULT '',
  slimlm_version   TEXT NOT NULL DEFAULT '',
  status           TEXT NOT NULL CHECK(status IN ('running', 'completed', 'failed', 'killed')),
  error            TEXT NOT NULL DEFAULT '',
  compress_seconds REAL NOT NULL DEFAULT 0,
  eval_seconds     REAL NOT NULL DEFAULT 0,
  study_id         INTEGER REFERENCES studies(id) ON DELETE SET NULL,
  trial_number     INTEGER,
  pid              INTEGER NOT NULL DEFAULT 0,
  host             TEXT NOT NULL DEFAULT '',
  pid_start        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_by_study ON runs(study_id);
CREATE INDEX runs_by_status ON runs(status);

CREATE TABLE metrics(
  run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name      TEXT NOT NULL,
  value     REAL,
  unit      TEXT NOT NULL DEFAULT '',
  std_error REAL,
  PRIMARY KEY(run_id, name)
) WITHOUT ROWID;

CREATE TABLE trials(
  id                    INTEGER PRIMARY KEY,
  study_id              INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
  number                INTEGER NOT NULL,
  generation            INTEGER NOT NULL DEFAULT 0,
  params_json           TEXT NOT NULL,
  params_key            TEXT NOT NULL,
  state                 TEXT NOT NULL
                        CHECK(state IN ('pending', 'running', 'complete', 'failed', 'skipped')),
  stage                 TEXT NOT NULL DEFAULT '',
  run_id                INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  objectives_json       TEXT NOT NULL DEFAULT '[]',
  proxy_objectives_json TEXT NOT NULL DEFAULT '[]',
  violation             REAL NOT NULL DEFAULT 0,
  error                 TEXT NOT NULL DEFAULT '',
  owner_pid             INTEGER NOT NULL DEFAULT 0,
  owner_host            TEXT NOT NULL DEFAULT '',
  owner_start           INTEGER NOT NULL DEFAULT 0,
  UNIQUE(study_id, params_key),
  UNIQUE(study_id, number)
);

CREATE TABLE sensitivity(
  study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
  layer    INTEGER NOT NULL,
  variant  TEXT NOT NULL,
  metric   TEXT NOT NULL,
  value    REAL,
  PRIMARY KEY(study_id, layer, variant, metric)
) WITHOUT ROWID;

CREATE TABLE blobs(
  study_id   INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
  key        TEXT NOT NULL,
  value      TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY(study_id, key)
) WITHOUT ROWID;
)sql";

constexpr std::array kMigrations = {
    Migration{1, "runs, metrics, studies, trials, sensitivity, blobs", kSchemaV1},
};

bool has_table(sqlite3* db, std::string_view name) {
  Statement s(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
  s.bind(1, name);
  return s.step();
}

std::string not_a_registry(sqlite3* db, std::string_view why) {
  return fmt::format("{} is not a slimlm registry ({})", db_name(db), why);
}

}  // namespace

std::span<const Migration> schema_migrations() { return kMigrations; }

int stored_schema_version(sqlite3* db) {
  // The first read of a file that is not SQLite fails here with SQLITE_NOTADB.
  Statement count(db, "SELECT count(*) FROM sqlite_master");
  count.step();
  const int64_t objects = count.column_int(0);
  const int64_t app_id = query_int(db, "PRAGMA application_id");
  if (objects == 0 && (app_id == 0 || app_id == kRegistryApplicationId)) return 0;
  if (app_id != kRegistryApplicationId) {
    throw ConfigError(not_a_registry(db, "an SQLite database without slimlm's tables"));
  }
  if (!has_table(db, "meta")) throw ConfigError(not_a_registry(db, "no meta table"));
  Statement v(db, "SELECT value FROM meta WHERE key = 'schema_version'");
  if (!v.step()) throw ConfigError(not_a_registry(db, "no schema_version in its meta table"));
  const std::string text = v.column_text(0);
  try {
    size_t used = 0;
    const int version = std::stoi(text, &used);
    if (used == text.size() && version > 0) return version;
  } catch (const std::exception&) {
  }
  throw ConfigError(fmt::format("{}: meta schema_version '{}' is not a positive integer", db_name(db), text));
}

void migrate(sqlite3* db, std::span<const Migration> steps) {
  const int newest = steps.empty() ? 0 : steps.back().version;
  const int stored = stored_schema_version(db);
  if (stored > newest) {
    throw ConfigError(fmt::format(
        "{}: registry schema version {} is newer than this slimlm knows ({}); use a newer slimlm",
        db_name(db), stored, newest));
  }
  for (const Migration& m : steps) {
    if (m.version <= stored) continue;
    Transaction t(db);
    // Another process may have applied this step between our read and our lock.
    if (stored_schema_version(db) >= m.version) continue;
    exec(db, m.sql);
    static_assert(kRegistryApplicationId == 1936485740);
    if (m.version == 1) exec(db, "PRAGMA application_id = 1936485740");
    Statement put(db, "INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', ?1)");
    put.bind(1, std::to_string(m.version)).step();
    t.commit();
    log::debug("{}: schema version {} ({})", db_name(db), m.version, m.description);
  }
}

}  // namespace slimlm::registry
