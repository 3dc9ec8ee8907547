#pragma once
// The registry's schema as an ordered list of migrations. Version N's step
// turns a version N-1 database into version N; open() applies every step above
// the stored version, each in its own transaction, so a new table or column
// is one more entry at the end of the list — never an edit of an old one.
#include <sqlite3.h>

#include <span>
#include <string_view>

namespace slimlm::registry {

struct Migration {
  int version;                   // 1, 2, ... in order
  std::string_view description;  // for the log
  std::string_view sql;          // statements without values
};

// The list this binary writes (its last version is current_schema_version()).
std::span<const Migration> schema_migrations();

// PRAGMA application_id of a slimlm registry ("slml"): tells our files from
// other SQLite databases.
inline constexpr int kRegistryApplicationId = 0x736C6D6C;

// The stored schema version; 0 for an empty database. Throws ConfigError if
// the database holds tables but is not a slimlm registry.
int stored_schema_version(sqlite3* db);

// Brings `db` up to the last version of `steps`. Each step runs in a
// BEGIN IMMEDIATE transaction that re-reads the version, so two processes
// opening one new file at once apply each step once. ConfigError if the
// stored version is newer than the last step (a newer slimlm wrote it).
void migrate(sqlite3* db, std::span<const Migration> steps);

}  // namespace slimlm::registry
