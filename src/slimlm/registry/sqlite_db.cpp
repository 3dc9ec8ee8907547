#include "slimlm/registry/sqlite_db.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "slimlm/core/error.h"
#include "slimlm/core/log.h"

namespace slimlm::registry::detail {

std::string db_name(sqlite3* db) {
  const char* f = db ? sqlite3_db_filename(db, "main") : nullptr;
  return f && *f ? std::string(f) : std::string("registry");
}

void throw_sqlite(sqlite3* db, int rc, std::string_view what) {
  const char* msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  // A constraint (unknown study id, bad status) rejects the caller's values:
  // not an I/O failure.
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    throw ConfigError(fmt::format("{}: {}: {}", db_name(db), what, msg));
  }
  throw IoError(fmt::format("{}: {}: {} (sqlite code {})", db_name(db), what, msg, rc));
}

void exec(sqlite3* db, std::string_view sql) {
  char* err = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    const std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw IoError(fmt::format("{}: {} failed: {} (sqlite code {})", db_name(db),
                              text.substr(0, text.find_first_of("(\n")), msg, rc));
  }
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  sqlite3_stmt* s = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
  stmt_.reset(s);
  if (rc != SQLITE_OK) throw_sqlite(db, rc, fmt::format("preparing '{}'", sql.substr(0, 60)));
}

Statement& Statement::bind(int i, int64_t v) {
  const int rc = sqlite3_bind_int64(stmt_.get(), i, v);
  if (rc != SQLITE_OK) throw_sqlite(db_, rc, "binding a value");
  return *this;
}

Statement& Statement::bind(int i, double v) {
  if (std::isnan(v)) return bind_null(i);
  const int rc = sqlite3_bind_double(stmt_.get(), i, v);
  if (rc != SQLITE_OK) throw_sqlite(db_, rc, "binding a value");
  return *this;
}

Statement& Statement::bind(int i, std::string_view v) {
  const int rc = sqlite3_bind_text64(stmt_.get(), i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) throw_sqlite(db_, rc, "binding a value");
  return *this;
}

Statement& Statement::bind(int i, std::optional<int64_t> v) { return v ? bind(i, *v) : bind_null(i); }
Statement& Statement::bind(int i, std::optional<double> v) { return v ? bind(i, *v) : bind_null(i); }

Statement& Statement::bind_null(int i) {
  const int rc = sqlite3_bind_null(stmt_.get(), i);
  if (rc != SQLITE_OK) throw_sqlite(db_, rc, "binding a value");
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw_sqlite(db_, rc, fmt::format("running '{}'", std::string_view(sqlite3_sql(stmt_.get())).substr(0, 60)));
}

bool Statement::step_constraint() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_DONE || rc == SQLITE_ROW) return true;
  if ((sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_UNIQUE ||
       sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_PRIMARYKEY)) {
    sqlite3_reset(stmt_.get());
    return false;
  }
  throw_sqlite(db_, rc, fmt::format("running '{}'", std::string_view(sqlite3_sql(stmt_.get())).substr(0, 60)));
}

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

int64_t Statement::column_int(int i) const { return sqlite3_column_int64(stmt_.get(), i); }

double Statement::column_double(int i) const {
  if (column_is_null(i)) return std::numeric_limits<double>::quiet_NaN();
  return sqlite3_column_double(stmt_.get(), i);
}

std::string Statement::column_text(int i) const {
  const auto* p = sqlite3_column_text(stmt_.get(), i);
  const int n = sqlite3_column_bytes(stmt_.get(), i);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

bool Statement::column_is_null(int i) const { return sqlite3_column_type(stmt_.get(), i) == SQLITE_NULL; }

std::optional<int64_t> Statement::column_opt_int(int i) const {
  if (column_is_null(i)) return std::nullopt;
  return column_int(i);
}

std::optional<double> Statement::column_opt_double(int i) const {
  if (column_is_null(i)) return std::nullopt;
  return sqlite3_column_double(stmt_.get(), i);
}

Transaction::Transaction(sqlite3* db, Mode mode) : db_(db) {
  exec(db_, mode == Mode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN");
}

Transaction::~Transaction() {
  if (done_) return;
  // Rolling back cannot usefully fail here; an exception is already in flight.
  if (sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr) != SQLITE_OK) {
    log::warn("{}: rollback failed: {}", db_name(db_), sqlite3_errmsg(db_));
  }
}

void Transaction::commit() {
  exec(db_, "COMMIT");
  done_ = true;
}

int64_t query_int(sqlite3* db, std::string_view sql) {
  Statement s(db, sql);
  if (!s.step()) throw IoError(fmt::format("{}: '{}' returned no row", db_name(db), sql));
  return s.column_int(0);
}

}  // namespace slimlm::registry::detail
