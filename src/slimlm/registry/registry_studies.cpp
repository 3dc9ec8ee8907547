// Studies, trials, per-layer sensitivities and the per-study blob cache.
#include <fmt/format.h>
#include <sqlite3.h>

#include <array>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "slimlm/core/error.h"
#include "slimlm/registry/process_owner.h"
#include "slimlm/registry/registry.h"
#include "slimlm/registry/sqlite_db.h"

namespace slimlm::registry {
namespace {

using detail::Statement;
using detail::Transaction;

constexpr std::array<std::string_view, 4> kStudyStatuses = {"running", "completed", "killed", "failed"};

constexpr std::string_view kStudyColumns =
    "id, name, created_at, updated_at, config_yaml, config_hash, sampler, objectives_json, status";

constexpr std::string_view kTrialColumns =
    "id, study_id, number, generation, params_json, params_key, state, stage, run_id, objectives_json, "
    "proxy_objectives_json, violation, error";

StudyRecord read_study_row(const Statement& s) {
  StudyRecord r;
  r.id = s.column_int(0);
  r.name = s.column_text(1);
  r.created_at = s.column_text(2);
  r.updated_at = s.column_text(3);
  r.config_yaml = s.column_text(4);
  r.config_hash = s.column_text(5);
  r.sampler = s.column_text(6);
  r.objectives_json = s.column_text(7);
  r.status = s.column_text(8);
  return r;
}

// Objective vectors are JSON arrays; NaN (a failed measurement) is stored as
// null, since JSON has no NaN, and read back as NaN.
std::string vector_json(const std::vector<double>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (double x : v) a.push_back(std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr));
  return a.dump();
}

std::vector<double> vector_from_json(const std::string& text, std::string_view where) {
  std::vector<double> v;
  if (text.empty()) return v;
  const auto a = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!a.is_array()) throw FormatError(fmt::format("{}: '{}' is not a JSON array", where, text));
  for (const auto& x : a) {
    v.push_back(x.is_number() ? x.get<double>() : std::numeric_limits<double>::quiet_NaN());
  }
  return v;
}

TrialRecord read_trial_row(const Statement& s) {
  TrialRecord t;
  t.id = s.column_int(0);
  t.study_id = s.column_int(1);
  t.number = s.column_int(2);
  t.generation = s.column_int(3);
  t.params_json = s.column_text(4);
  t.params_key = s.column_text(5);
  t.state = trial_state_from_string(s.column_text(6)).value_or(TrialState::kFailed);
  t.stage = s.column_text(7);
  t.run_id = s.column_opt_int(8);
  const std::string where = fmt::format("trial {} objectives", t.id);
  t.objectives = vector_from_json(s.column_text(9), where);
  t.proxy_objectives = vector_from_json(s.column_text(10), where);
  t.violation = s.column_double(11);
  t.error = s.column_text(12);
  return t;
}

void touch_study(sqlite3* db, int64_t study_id) {
  Statement s(db, "UPDATE studies SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1");
  s.bind(1, study_id).step();
}

}  // namespace

StudyRecord Registry::create_study(const StudyRecord& s) {
  if (s.name.empty()) throw ConfigError(fmt::format("{}: a study needs a name", path_.string()));
  const std::string status = s.status.empty() ? "running" : s.status;
  sqlite3* db = db_.get();
  int64_t id = 0;
  {
    Transaction t(db);
    Statement ins(db,
                  "INSERT INTO studies(name, created_at, updated_at, config_yaml, config_hash, sampler, "
                  "objectives_json, status) VALUES(?1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), "
                  "strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?2, ?3, ?4, ?5, ?6)");
    ins.bind(1, s.name).bind(2, s.config_yaml).bind(3, s.config_hash).bind(4, s.sampler);
    ins.bind(5, s.objectives_json.empty() ? std::string("[]") : s.objectives_json).bind(6, status);
    if (!ins.step_constraint()) {
      throw ConfigError(fmt::format("{}: a study named '{}' already exists", path_.string(), s.name));
    }
    id = sqlite3_last_insert_rowid(db);
    t.commit();
  }
  return *study(id);
}

std::optional<StudyRecord> Registry::find_study(const std::string& name) const {
  Statement s(db_.get(), fmt::format("SELECT {} FROM studies WHERE name = ?1", kStudyColumns));
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return read_study_row(s);
}

std::optional<StudyRecord> Registry::study(int64_t id) const {
  Statement s(db_.get(), fmt::format("SELECT {} FROM studies WHERE id = ?1", kStudyColumns));
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_study_row(s);
}

std::vector<StudyRecord> Registry::studies() const {
  Statement s(db_.get(), fmt::format("SELECT {} FROM studies ORDER BY id", kStudyColumns));
  std::vector<StudyRecord> out;
  while (s.step()) out.push_back(read_study_row(s));
  return out;
}

void Registry::set_study_status(int64_t study_id, const std::string& status) {
  if (std::find(kStudyStatuses.begin(), kStudyStatuses.end(), status) == kStudyStatuses.end()) {
    throw ConfigError(fmt::format("study status '{}': expected running, completed, killed or failed", status));
  }
  sqlite3* db = db_.get();
  Transaction t(db);
  Statement s(db,
              "UPDATE studies SET status = ?2, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
              "WHERE id = ?1");
  s.bind(1, study_id).bind(2, status).step();
  if (sqlite3_changes(db) == 0) throw ConfigError(fmt::format("{}: no study {}", path_.string(), study_id));
  t.commit();
}

void Registry::rename_study(int64_t study_id, const std::string& new_name) {
  if (new_name.empty()) {
    throw ConfigError(fmt::format("{}: study {} cannot be renamed to an empty name", path_.string(), study_id));
  }
  sqlite3* db = db_.get();
  Transaction t(db);
  Statement s(db,
              "UPDATE studies SET name = ?2, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1");
  s.bind(1, study_id).bind(2, new_name);
  // The UNIQUE index on name refuses a taken name; the transaction rolls back.
  if (!s.step_constraint()) {
    throw ConfigError(fmt::format("{}: cannot rename study {} to '{}': a study of that name already exists",
                                  path_.string(), study_id, new_name));
  }
  if (sqlite3_changes(db) == 0) throw ConfigError(fmt::format("{}: no study {}", path_.string(), study_id));
  t.commit();
}

TrialRecord Registry::add_trial(const TrialRecord& in) {
  if (in.params_key.empty()) {
    throw ConfigError(fmt::format("{}: a trial of study {} needs a params_key", path_.string(), in.study_id));
  }
  sqlite3* db = db_.get();
  TrialRecord t = in;
  {
    Transaction tx(db);
    if (!study(in.study_id)) throw ConfigError(fmt::format("{}: no study {}", path_.string(), in.study_id));
    // The count is read under the write lock, so concurrent workers get distinct numbers.
    Statement count(db, "SELECT count(*) FROM trials WHERE study_id = ?1");
    count.bind(1, in.study_id).step();
    t.number = count.column_int(0);
    const detail::ProcessOwner self = detail::this_process();
    const bool running = t.state == TrialState::kRunning;
    Statement ins(db,
                  "INSERT INTO trials(study_id, number, generation, params_json, params_key, state, stage, "
                  "run_id, objectives_json, proxy_objectives_json, violation, error, owner_pid, owner_host, "
                  "owner_start) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
    ins.bind(1, t.study_id).bind(2, t.number).bind(3, t.generation).bind(4, t.params_json);
    ins.bind(5, t.params_key).bind(6, to_string(t.state)).bind(7, t.stage).bind(8, t.run_id);
    ins.bind(9, vector_json(t.objectives)).bind(10, vector_json(t.proxy_objectives));
    ins.bind(11, t.violation).bind(12, t.error);
    ins.bind(13, running ? self.pid : int64_t{0}).bind(14, running ? self.host : std::string());
    ins.bind(15, running ? self.start_ticks : int64_t{0});
    if (!ins.step_constraint()) {
      throw ConfigError(fmt::format("{}: study {} already has a trial with params {}", path_.string(),
                                    t.study_id, t.params_key));
    }
    t.id = sqlite3_last_insert_rowid(db);
    touch_study(db, t.study_id);
    tx.commit();
  }
  return t;
}

void Registry::update_trial(const TrialRecord& t) {
  sqlite3* db = db_.get();
  const detail::ProcessOwner self = detail::this_process();
  const bool running = t.state == TrialState::kRunning;
  Transaction tx(db);
  Statement s(db,
              "UPDATE trials SET state = ?2, stage = ?3, run_id = ?4, objectives_json = ?5, "
              "proxy_objectives_json = ?6, violation = ?7, error = ?8, owner_pid = ?9, owner_host = ?10, "
              "owner_start = ?11 WHERE id = ?1");
  s.bind(1, t.id).bind(2, to_string(t.state)).bind(3, t.stage).bind(4, t.run_id);
  s.bind(5, vector_json(t.objectives)).bind(6, vector_json(t.proxy_objectives));
  s.bind(7, t.violation).bind(8, t.error);
  s.bind(9, running ? self.pid : int64_t{0}).bind(10, running ? self.host : std::string());
  s.bind(11, running ? self.start_ticks : int64_t{0});
  s.step();
  if (sqlite3_changes(db) == 0) throw ConfigError(fmt::format("{}: no trial {}", path_.string(), t.id));
  Statement sid(db, "SELECT study_id FROM trials WHERE id = ?1");
  sid.bind(1, t.id).step();
  touch_study(db, sid.column_int(0));
  tx.commit();
}

std::optional<TrialRecord> Registry::find_trial(int64_t study_id, const std::string& params_key) const {
  Statement s(db_.get(), fmt::format("SELECT {} FROM trials WHERE study_id = ?1 AND params_key = ?2", kTrialColumns));
  s.bind(1, study_id).bind(2, params_key);
  if (!s.step()) return std::nullopt;
  return read_trial_row(s);
}

std::optional<TrialRecord> Registry::trial(int64_t trial_id) const {
  Statement s(db_.get(), fmt::format("SELECT {} FROM trials WHERE id = ?1", kTrialColumns));
  s.bind(1, trial_id);
  if (!s.step()) return std::nullopt;
  return read_trial_row(s);
}

std::vector<TrialRecord> Registry::trials(int64_t study_id) const {
  Statement s(db_.get(), fmt::format("SELECT {} FROM trials WHERE study_id = ?1 ORDER BY number", kTrialColumns));
  s.bind(1, study_id);
  std::vector<TrialRecord> out;
  while (s.step()) out.push_back(read_trial_row(s));
  return out;
}

void Registry::put_sensitivity(const std::vector<SensitivityRecord>& rows) {
  if (rows.empty()) return;
  sqlite3* db = db_.get();
  Transaction tx(db);
  Statement s(db,
              "INSERT INTO sensitivity(study_id, layer, variant, metric, value) VALUES(?1, ?2, ?3, ?4, ?5) "
              "ON CONFLICT(study_id, layer, variant, metric) DO UPDATE SET value = excluded.value");
  for (const SensitivityRecord& r : rows) {
    s.reset();
    s.bind(1, r.study_id).bind(2, r.layer).bind(3, r.variant).bind(4, r.metric).bind(5, r.value);
    s.step();
  }
  tx.commit();
}

std::vector<SensitivityRecord> Registry::sensitivity(int64_t study_id) const {
  Statement s(db_.get(),
              "SELECT study_id, layer, variant, metric, value FROM sensitivity WHERE study_id = ?1 "
              "ORDER BY layer, variant, metric");
  s.bind(1, study_id);
  std::vector<SensitivityRecord> out;
  while (s.step()) {
    out.push_back({s.column_int(0), s.column_int(1), s.column_text(2), s.column_text(3), s.column_double(4)});
  }
  return out;
}

void Registry::put_blob(int64_t study_id, const std::string& key, const std::string& value) {
  sqlite3* db = db_.get();
  Transaction tx(db);
  Statement s(db,
              "INSERT INTO blobs(study_id, key, value, updated_at) "
              "VALUES(?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) "
              "ON CONFLICT(study_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at");
  s.bind(1, study_id).bind(2, key).bind(3, value).step();
  tx.commit();
}

std::optional<std::string> Registry::blob(int64_t study_id, const std::string& key) const {
  Statement s(db_.get(), "SELECT value FROM blobs WHERE study_id = ?1 AND key = ?2");
  s.bind(1, study_id).bind(2, key);
  if (!s.step()) return std::nullopt;
  return s.column_text(0);
}

}  // namespace slimlm::registry
