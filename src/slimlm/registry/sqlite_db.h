#pragma once
// Thin RAII over the SQLite C API for the registry's own use: prepared
// statements with bound values (never SQL built from values) and
// BEGIN IMMEDIATE transactions that roll back unless committed. Errors throw
// IoError naming the database file and the SQLite message.
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace slimlm::registry::detail {

// Throws IoError "<file>: <what>: <sqlite message>" for a non-OK result code
// (ConfigError for a constraint violation: the values were at fault).
[[noreturn]] void throw_sqlite(sqlite3* db, int rc, std::string_view what);

// The file name of a connection (for error messages).
std::string db_name(sqlite3* db);

// Runs SQL without values (schema, pragmas); throws on error.
void exec(sqlite3* db, std::string_view sql);

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds are 1-based, like SQLite's. A nullopt binds NULL; a NaN double binds
  // NULL too (SQLite would anyway), and column_double reads NULL back as NaN.
  Statement& bind(int i, int64_t v);
  Statement& bind(int i, double v);
  Statement& bind(int i, std::string_view v);
  Statement& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Statement& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Statement& bind(int i, std::optional<int64_t> v);
  Statement& bind(int i, std::optional<double> v);
  Statement& bind_null(int i);

  // true: a row is ready; false: done. Throws on error (SQLITE_CONSTRAINT
  // included; callers that expect a constraint check step_constraint()).
  bool step();
  // Like step() for a statement that returns no rows; false if a UNIQUE /
  // PRIMARY KEY constraint rejected it.
  bool step_constraint();
  void reset();

  int64_t column_int(int i) const;
  double column_double(int i) const;  // NULL -> NaN
  std::string column_text(int i) const;
  bool column_is_null(int i) const;
  std::optional<int64_t> column_opt_int(int i) const;
  std::optional<double> column_opt_double(int i) const;

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
  };
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

// kWrite: BEGIN IMMEDIATE takes the write lock at the start (waiting up to the
// busy timeout), so two writers never deadlock upgrading read locks.
// kRead: BEGIN (deferred): several reads see one snapshot (a run and its
// metrics as of one moment).
class Transaction {
 public:
  enum class Mode : uint8_t { kWrite, kRead };
  explicit Transaction(sqlite3* db, Mode mode = Mode::kWrite);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();

 private:
  sqlite3* db_;
  bool done_ = false;
};

// A single integer from a query without values ("PRAGMA user_version").
int64_t query_int(sqlite3* db, std::string_view sql);

}  // namespace slimlm::registry::detail
