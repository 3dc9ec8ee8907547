#pragma once
// The experiment registry: one SQLite file holding runs and their metrics,
// studies, trials, per-layer sensitivities and a small per-study cache.
//
// Durability rules (issue #10): WAL journal, 10 s busy timeout so concurrent
// writers wait instead of failing, foreign keys on, every write in one
// BEGIN IMMEDIATE transaction, prepared statements with bound values only.
// A run is begun ('running', owned by this pid on this host) and finished in
// one transaction with all its metrics, so it is never half-recorded; a run
// whose process died is found by reap_interrupted() and marked 'killed'.
// One Registry (one connection) per thread; processes and threads share the
// file, not the object.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "slimlm/registry/records.h"
#include "slimlm/registry/schema.h"

struct sqlite3;

namespace slimlm::registry {

// The schema version this binary writes; open() migrates older files up to it.
int current_schema_version();

class Registry {
 public:
  enum class OpenMode : uint8_t {
    kCreate = 0,    // create the file if missing
    kExisting = 1,  // IoError "no registry at PATH" if missing (readers: slimlm runs, report)
  };

  // Creates or migrates the database; WAL; busy_timeout 10 s; foreign keys on;
  // reaps runs/trials left 'running' by dead processes of this host.
  // Throws IoError naming the file if it cannot be opened (or is missing with
  // kExisting), ConfigError if the file is not a slimlm registry or its schema
  // version is newer than this binary knows.
  static Registry open(const std::filesystem::path& db, OpenMode mode = OpenMode::kCreate);
  // The same with another migration list (tests of upgrades; schema_migrations()
  // is what open() above uses). The list must start with schema_migrations().
  static Registry open(const std::filesystem::path& db, OpenMode mode, std::span<const Migration> steps);

  Registry(Registry&&) noexcept;
  Registry& operator=(Registry&&) noexcept;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;
  ~Registry();

  const std::filesystem::path& path() const { return path_; }
  int schema_version() const;
  // The connection, for diagnostics and tests (PRAGMA checks); writes through
  // it bypass the registry's rules.
  sqlite3* native_handle() const { return db_.get(); }

  // ---- Runs.
  // Inserts the run as 'running', owned by this process (pid, host); returns its id.
  // id, created_at, finished_at, status, error, timings and metrics of `r` are ignored.
  int64_t begin_run(const RunRecord& r);
  // Writes status, error, timings, artifact and all metrics in one transaction.
  // ConfigError if the run does not exist or is no longer 'running', or a
  // metric name repeats.
  void finish_run(int64_t run_id, RunStatus status, const std::vector<MetricRecord>& metrics,
                  const std::string& error = {}, double compress_seconds = 0,
                  double eval_seconds = 0, const std::string& artifact_path = {},
                  const std::string& artifact_sha256 = {});
  // Marks runs left 'running' by a process that no longer exists (this host,
  // pid gone or reused) as 'killed', and trials left 'running' by one as
  // 'pending' (run_id cleared). With a study id (resume), every running run
  // and trial of that study is reaped whatever its owner: the caller owns the
  // study now. Returns how many runs and trials changed. open() calls it
  // without a study.
  int64_t reap_interrupted(std::optional<int64_t> study_id = std::nullopt);

  std::optional<RunRecord> run(int64_t id) const;
  struct RunFilter {
    std::optional<int64_t> study_id;
    std::optional<RunStatus> status;
    std::string kind;   // "" = any
    int64_t limit = 0;  // 0 = all
  };
  std::vector<RunRecord> runs(const RunFilter& f) const;  // newest first, metrics included
  std::vector<RunRecord> runs() const { return runs(RunFilter{}); }

  // ---- Studies and trials.
  // id and timestamps assigned; status "running" if empty. ConfigError if the name is taken.
  StudyRecord create_study(const StudyRecord& s);
  std::optional<StudyRecord> find_study(const std::string& name) const;
  std::optional<StudyRecord> study(int64_t id) const;
  std::vector<StudyRecord> studies() const;  // by id
  // status: "running", "completed", "killed" or "failed" (ConfigError otherwise).
  void set_study_status(int64_t study_id, const std::string& status);
  // Gives a study a new name, keeping its trials, runs and blobs (`slimlm
  // optimize --restart` archives the old study this way so the config's name
  // is free for a fresh one). ConfigError if the name is empty or taken by
  // another study, or there is no such study.
  void rename_study(int64_t study_id, const std::string& new_name);

  // Assigns id and number (= trials already in the study). ConfigError on a
  // duplicate params_key in the study or an unknown study.
  TrialRecord add_trial(const TrialRecord& t);
  // By id: state, stage, run_id, objectives, proxy_objectives, violation, error.
  // Setting state kRunning makes this process the trial's owner (for reaping).
  void update_trial(const TrialRecord& t);
  std::optional<TrialRecord> find_trial(int64_t study_id, const std::string& params_key) const;
  std::optional<TrialRecord> trial(int64_t trial_id) const;
  std::vector<TrialRecord> trials(int64_t study_id) const;  // by number

  // One transaction; a row with the same (study, layer, variant, metric) is replaced.
  void put_sensitivity(const std::vector<SensitivityRecord>& rows);
  std::vector<SensitivityRecord> sensitivity(int64_t study_id) const;  // by layer, variant, metric

  // A key/value cache per study for reusable results (e.g. base model metrics).
  void put_blob(int64_t study_id, const std::string& key, const std::string& value);
  std::optional<std::string> blob(int64_t study_id, const std::string& key) const;

 private:
  struct Closer {
    void operator()(sqlite3* db) const noexcept;
  };
  Registry(std::filesystem::path path, sqlite3* db);

  std::filesystem::path path_;
  std::unique_ptr<sqlite3, Closer> db_;
};

}  // namespace slimlm::registry
