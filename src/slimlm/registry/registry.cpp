// Opening the registry, and runs: begin, finish, reap, read.
#include "slimlm/registry/registry.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <set>
#include <utility>

#include "slimlm/core/error.h"
#include "slimlm/core/log.h"
#include "slimlm/registry/process_owner.h"
#include "slimlm/registry/schema.h"
#include "slimlm/registry/sqlite_db.h"

namespace slimlm::registry {
namespace {

using detail::Statement;
using detail::Transaction;

constexpr int kBusyTimeoutMs = 10'000;

constexpr std::string_view kRunColumns =
    "id, created_at, finished_at, kind, recipe_json, summary, base_model, base_model_hash, "
    "artifact_path, artifact_sha256, hardware, slimlm_version, status, error, compress_seconds, "
    "eval_seconds, study_id, trial_number, pid, host";

RunRecord read_run_row(const Statement& s) {
  RunRecord r;
  r.id = s.column_int(0);
  r.created_at = s.column_text(1);
  r.finished_at = s.column_text(2);
  r.kind = s.column_text(3);
  r.recipe_json = s.column_text(4);
  r.summary = s.column_text(5);
  r.base_model = s.column_text(6);
  r.base_model_hash = s.column_text(7);
  r.artifact_path = s.column_text(8);
  r.artifact_sha256 = s.column_text(9);
  r.hardware = s.column_text(10);
  r.slimlm_version = s.column_text(11);
  const std::string status = s.column_text(12);
  // The CHECK constraint keeps the column to the four names.
  r.status = run_status_from_string(status).value_or(RunStatus::kFailed);
  r.error = s.column_text(13);
  r.compress_seconds = s.column_double(14);
  r.eval_seconds = s.column_double(15);
  r.study_id = s.column_opt_int(16);
  r.trial_number = s.column_opt_int(17);
  r.pid = s.column_int(18);
  r.host = s.column_text(19);
  return r;
}

constexpr std::string_view kMetricsOfRun =
    "SELECT name, value, unit, std_error FROM metrics WHERE run_id = ?1 ORDER BY name";

// `s` is a prepared kMetricsOfRun, reused across runs.
void load_metrics(Statement& s, RunRecord& r) {
  s.reset();
  s.bind(1, r.id);
  while (s.step()) {
    r.metrics.push_back({s.column_text(0), s.column_double(1), s.column_text(2), s.column_opt_double(3)});
  }
}

}  // namespace

int current_schema_version() { return schema_migrations().back().version; }

void Registry::Closer::operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }

Registry::Registry(std::filesystem::path path, sqlite3* db) : path_(std::move(path)), db_(db) {}
Registry::Registry(Registry&&) noexcept = default;
Registry& Registry::operator=(Registry&&) noexcept = default;
Registry::~Registry() = default;

Registry Registry::open(const std::filesystem::path& path, OpenMode mode) {
  return open(path, mode, schema_migrations());
}

Registry Registry::open(const std::filesystem::path& path, OpenMode mode, std::span<const Migration> steps) {
  std::error_code ec;
  if (mode == OpenMode::kExisting && !std::filesystem::exists(path, ec)) {
    throw IoError(fmt::format("no registry at {}", path.string()));
  }
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (mode == OpenMode::kCreate ? SQLITE_OPEN_CREATE : 0);
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Registry reg(path, raw);  // owns the handle even when opening failed
  if (rc != SQLITE_OK) {
    throw IoError(fmt::format("cannot open registry {}: {}", path.string(),
                              raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3* db = reg.db_.get();
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);

  // The first read of a file that is not SQLite fails with SQLITE_NOTADB.
  const int probe = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
  if ((probe & 0xff) == SQLITE_NOTADB) {
    throw ConfigError(fmt::format("{} is not a slimlm registry (not an SQLite database)", path.string()));
  }
  if (probe != SQLITE_OK) detail::throw_sqlite(db, probe, "reading the schema");
  // Identify before changing anything (journal mode) in a foreign database.
  const int newest = steps.empty() ? 0 : steps.back().version;
  const int stored = stored_schema_version(db);
  if (stored > newest) {
    throw ConfigError(fmt::format(
        "{}: registry schema version {} is newer than this slimlm knows ({}); use a newer slimlm",
        path.string(), stored, newest));
  }

  {
    Statement wal(db, "PRAGMA journal_mode = WAL");
    wal.step();
    if (wal.column_text(0) != "wal") {
      log::warn("{}: journal mode is '{}', not WAL (filesystem without shared memory?)", path.string(),
                wal.column_text(0));
    }
  }
  detail::exec(db, "PRAGMA foreign_keys = ON");
  migrate(db, steps);
  reg.reap_interrupted();
  return reg;
}

int Registry::schema_version() const { return stored_schema_version(db_.get()); }

int64_t Registry::begin_run(const RunRecord& r) {
  sqlite3* db = db_.get();
  const detail::ProcessOwner self = detail::this_process();
  Transaction t(db);
  Statement s(db,
              "INSERT INTO runs(created_at, kind, recipe_json, summary, base_model, base_model_hash, "
              "artifact_path, artifact_sha256, hardware, slimlm_version, status, study_id, trial_number, "
              "pid, host, pid_start) "
              "VALUES(strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
              "'running', ?10, ?11, ?12, ?13, ?14)");
  s.bind(1, r.kind).bind(2, r.recipe_json).bind(3, r.summary).bind(4, r.base_model);
  s.bind(5, r.base_model_hash).bind(6, r.artifact_path).bind(7, r.artifact_sha256);
  s.bind(8, r.hardware).bind(9, r.slimlm_version).bind(10, r.study_id).bind(11, r.trial_number);
  s.bind(12, self.pid).bind(13, self.host).bind(14, self.start_ticks);
  s.step();
  const int64_t id = sqlite3_last_insert_rowid(db);
  t.commit();
  return id;
}

void Registry::finish_run(int64_t run_id, RunStatus status, const std::vector<MetricRecord>& metrics,
                          const std::string& error, double compress_seconds, double eval_seconds,
                          const std::string& artifact_path, const std::string& artifact_sha256) {
  if (status == RunStatus::kRunning) {
    throw ConfigError(fmt::format("{}: finish_run of run {} needs a final status, not 'running'",
                                  path_.string(), run_id));
  }
  sqlite3* db = db_.get();
  Transaction t(db);
  {
    Statement check(db, "SELECT status FROM runs WHERE id = ?1");
    check.bind(1, run_id);
    if (!check.step()) throw ConfigError(fmt::format("{}: no run {}", path_.string(), run_id));
    if (check.column_text(0) != "running") {
      throw ConfigError(fmt::format("{}: run {} is already {}, cannot finish it again", path_.string(),
                                    run_id, check.column_text(0)));
    }
  }
  Statement upd(db,
                "UPDATE runs SET status = ?2, error = ?3, compress_seconds = ?4, eval_seconds = ?5, "
                "artifact_path = CASE WHEN ?6 = '' THEN artifact_path ELSE ?6 END, "
                "artifact_sha256 = CASE WHEN ?7 = '' THEN artifact_sha256 ELSE ?7 END, "
                "finished_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1");
  upd.bind(1, run_id).bind(2, to_string(status)).bind(3, error).bind(4, compress_seconds);
  upd.bind(5, eval_seconds).bind(6, artifact_path).bind(7, artifact_sha256);
  upd.step();
  Statement ins(db, "INSERT INTO metrics(run_id, name, value, unit, std_error) VALUES(?1, ?2, ?3, ?4, ?5)");
  for (const MetricRecord& m : metrics) {
    if (m.name.empty()) throw ConfigError(fmt::format("{}: run {}: a metric without a name", path_.string(), run_id));
    ins.reset();
    ins.bind(1, run_id).bind(2, m.name).bind(3, m.value).bind(4, m.unit).bind(5, m.std_error);
    if (!ins.step_constraint()) {
      throw ConfigError(fmt::format("{}: run {}: metric '{}' given twice", path_.string(), run_id, m.name));
    }
  }
  t.commit();
}

int64_t Registry::reap_interrupted(std::optional<int64_t> study_id) {
  sqlite3* db = db_.get();
  const detail::ProcessOwner self = detail::this_process();
  const auto is_self = [&](int64_t pid, const std::string& host) { return pid == self.pid && host == self.host; };
  // Cheap check first, so opening a registry with nothing to reap never
  // takes the write lock.
  {
    Statement any(db,
                  "SELECT (SELECT count(*) FROM runs WHERE status = 'running' AND (?1 IS NULL OR study_id = ?1)) "
                  "+ (SELECT count(*) FROM trials WHERE state = 'running' AND (?1 IS NULL OR study_id = ?1))");
    any.bind(1, study_id).step();
    if (any.column_int(0) == 0) return 0;
  }
  Transaction t(db);
  int64_t changed = 0;
  std::set<int64_t> killed_runs;
  {
    Statement sel(db,
                  "SELECT id, pid, host, pid_start FROM runs WHERE status = 'running' "
                  "AND (?1 IS NULL OR study_id = ?1)");
    sel.bind(1, study_id);
    Statement kill(db,
                   "UPDATE runs SET status = 'killed', error = ?2, "
                   "finished_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1 AND status = 'running'");
    while (sel.step()) {
      const detail::ProcessOwner owner{sel.column_int(1), sel.column_text(2), sel.column_int(3)};
      if (is_self(owner.pid, owner.host)) continue;
      if (!study_id && detail::owner_alive(owner)) continue;
      kill.reset();
      kill.bind(1, sel.column_int(0))
          .bind(2, fmt::format("interrupted: process {} on {} ended before the run finished", owner.pid,
                               owner.host));
      kill.step();
      killed_runs.insert(sel.column_int(0));
      ++changed;
    }
  }
  {
    Statement sel(db,
                  "SELECT id, owner_pid, owner_host, owner_start, run_id FROM trials WHERE state = 'running' "
                  "AND (?1 IS NULL OR study_id = ?1)");
    sel.bind(1, study_id);
    Statement requeue(db,
                      "UPDATE trials SET state = 'pending', run_id = NULL, error = '', owner_pid = 0, "
                      "owner_host = '', owner_start = 0 WHERE id = ?1");
    while (sel.step()) {
      const detail::ProcessOwner owner{sel.column_int(1), sel.column_text(2), sel.column_int(3)};
      if (is_self(owner.pid, owner.host)) continue;
      const bool run_killed = !sel.column_is_null(4) && killed_runs.count(sel.column_int(4)) > 0;
      if (!study_id && !run_killed && detail::owner_alive(owner)) continue;
      requeue.reset();
      requeue.bind(1, sel.column_int(0)).step();
      ++changed;
    }
  }
  t.commit();
  if (changed > 0) {
    log::warn("{}: {} interrupted run(s)/trial(s) marked killed/pending", path_.string(), changed);
  }
  return changed;
}

std::optional<RunRecord> Registry::run(int64_t id) const {
  sqlite3* db = db_.get();
  Transaction snapshot(db, Transaction::Mode::kRead);
  Statement s(db, fmt::format("SELECT {} FROM runs WHERE id = ?1", kRunColumns));
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  RunRecord r = read_run_row(s);
  Statement metrics(db, kMetricsOfRun);
  load_metrics(metrics, r);
  snapshot.commit();
  return r;
}

std::vector<RunRecord> Registry::runs(const RunFilter& f) const {
  sqlite3* db = db_.get();
  Transaction snapshot(db, Transaction::Mode::kRead);
  Statement s(db, fmt::format("SELECT {} FROM runs WHERE (?1 IS NULL OR study_id = ?1) "
                              "AND (?2 IS NULL OR status = ?2) AND (?3 = '' OR kind = ?3) "
                              "ORDER BY id DESC LIMIT ?4",
                              kRunColumns));
  s.bind(1, f.study_id);
  if (f.status) {
    s.bind(2, to_string(*f.status));
  } else {
    s.bind_null(2);
  }
  s.bind(3, f.kind).bind(4, f.limit > 0 ? f.limit : int64_t{-1});
  std::vector<RunRecord> out;
  while (s.step()) out.push_back(read_run_row(s));
  Statement metrics(db, kMetricsOfRun);
  for (RunRecord& r : out) load_metrics(metrics, r);
  snapshot.commit();
  return out;
}

}  // namespace slimlm::registry
