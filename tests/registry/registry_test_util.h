#pragma once
// Helpers for the registry tests: raw SQLite queries and sample records.
#include <sqlite3.h>

#include <string>

#include <gtest/gtest.h>

#include "slimlm/registry/records.h"
#include "slimlm/registry/registry.h"

namespace slimlm::registry::testing {

// The first column of the first row of `sql` as text ("" if no row).
inline std::string query_text(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::string out;
  if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0)) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  }
  sqlite3_finalize(s);
  return out;
}

inline RunRecord sample_run(std::string summary = "gptq int4 g128") {
  RunRecord r;
  r.kind = "trial";
  r.recipe_json = R"({"passes":[{"method":"gptq","bits":4,"group_size":128}]})";
  r.summary = std::move(summary);
  r.base_model = "models/tiny-llama";
  r.base_model_hash = std::string(64, 'a');
  r.hardware = R"({"cpu":"test"})";
  r.slimlm_version = "slimlm 0.0.0";
  return r;
}

inline StudyRecord study_named(std::string name, std::string sampler = "random") {
  StudyRecord s;
  s.name = std::move(name);
  s.sampler = std::move(sampler);
  return s;
}

inline TrialRecord trial_of(int64_t study_id, std::string params_key, int64_t generation = 0) {
  TrialRecord t;
  t.study_id = study_id;
  t.params_json = "{\"key\":\"" + params_key + "\"}";
  t.params_key = std::move(params_key);
  t.generation = generation;
  return t;
}

inline Registry::RunFilter filter_study(int64_t id) {
  Registry::RunFilter f;
  f.study_id = id;
  return f;
}

inline Registry::RunFilter filter_status(RunStatus status) {
  Registry::RunFilter f;
  f.status = status;
  return f;
}

}  // namespace slimlm::registry::testing
