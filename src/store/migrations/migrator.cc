#include "store/migrations/migrator.h"

#include <fmt/format.h>

#include <string>

namespace wharf {
namespace {

Result<void> checkOrder(std::span<const Migration> migrations) {
  int previous = 0;
  for (const Migration& m : migrations) {
    if (m.version <= previous) {
      return internalError(fmt::format("schema migrations out of order: version {} follows {}", m.version, previous));
    }
    previous = m.version;
  }
  return {};
}

Result<int> currentVersion(sqlite::Connection& db) {
  auto text = db.queryText("SELECT coalesce(max(version), 0) FROM schema_version");
  if (!text) return std::unexpected(text.error());
  return std::stoi(*text);
}

Result<int> migrateInTransaction(sqlite::Connection& db, std::span<const Migration> migrations) {
  if (auto r = db.exec("CREATE TABLE IF NOT EXISTS schema_version ("
                       "  version INTEGER PRIMARY KEY,"
                       "  applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))");
      !r) {
    return std::unexpected(r.error());
  }
  auto current = currentVersion(db);
  if (!current) return current;
  int known = migrations.empty() ? 0 : migrations.back().version;
  if (*current > known) {
    return fail(ErrorCode::kUnavailable, "ServiceUnavailable",
                fmt::format("database schema version {} is newer than this binary supports ({}); "
                            "run a newer wharf or restore a matching backup",
                            *current, known));
  }
  for (const Migration& m : migrations) {
    if (m.version <= *current) continue;
    if (auto r = db.exec(std::string(m.sql)); !r) {
      Error e = r.error();
      e.message = fmt::format("schema migration {}: {}", m.version, e.message);
      return std::unexpected(std::move(e));
    }
    if (auto r = db.exec(fmt::format("INSERT INTO schema_version(version) VALUES ({})", m.version)); !r) {
      return std::unexpected(r.error());
    }
  }
  return known;
}

}  // namespace

Result<int> migrate(sqlite::Connection& db, std::span<const Migration> migrations) {
  if (auto r = checkOrder(migrations); !r) return std::unexpected(r.error());
  // IMMEDIATE takes the write lock up front, so two processes opening one file cannot both migrate.
  if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return std::unexpected(r.error());
  auto version = migrateInTransaction(db, migrations);
  if (!version) {
    db.rollbackQuietly();
    return version;
  }
  if (auto r = db.exec("COMMIT"); !r) {
    db.rollbackQuietly();
    return std::unexpected(r.error());
  }
  return version;
}

}  // namespace wharf
