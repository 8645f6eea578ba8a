// Schema migrations: an ordered list of SQL steps, each applied at most once, tracked in the
// `schema_version` table. All pending steps run in one transaction, so a database is never half-migrated.
#pragma once

#include <span>
#include <string_view>

#include "common/result.h"
#include "store/sqlite/sqlite_connection.h"

namespace wharf {

struct Migration {
  int version;           // strictly increasing from 1; never renumber a released migration
  std::string_view sql;  // one or more statements
};

// Brings `db` to the last version of `migrations` and returns that version. Fails without changing
// anything if a step fails, if the list is not strictly increasing from 1, or if the database
// already has a version newer than the list knows (it was written by a newer binary).
Result<int> migrate(sqlite::Connection& db, std::span<const Migration> migrations);

}  // namespace wharf
