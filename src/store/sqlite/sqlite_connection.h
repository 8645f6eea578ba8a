// Thin RAII wrappers over one SQLite connection and its prepared statements, turning every
// SQLite failure into a Result error. Not thread-safe: each Connection is used by one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace wharf::sqlite {

// Maps a SQLite result code to an Error: resource problems (busy, disk full, I/O, cannot open)
// are kUnavailable, everything else kInternal.
Error toError(int rc, std::string_view what, std::string_view message);

class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  // Parameters are 1-based, as in SQL (?1, ?2...). Text and blobs are copied by SQLite.
  Result<void> bindText(int index, std::string_view text);
  Result<void> bindBlob(int index, std::string_view bytes);
  Result<void> bindInt64(int index, int64_t value);

  // Advances the statement: true when a row is available, false when it has finished.
  Result<bool> step();

  // Column accessors for the current row; views stay valid until the next step() or reset().
  std::string_view columnText(int index);
  std::string_view columnBlob(int index);

  // Makes the statement reusable and ends the implicit read transaction it may hold.
  void reset();

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when leaving a scope, whatever the path, so no connection keeps a stale
// read snapshot or a half-run statement.
class ResetOnExit {
 public:
  explicit ResetOnExit(Statement& stmt) : stmt_(stmt) {}
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;
  ~ResetOnExit() { stmt_.reset(); }

 private:
  Statement& stmt_;
};

class Connection {
 public:
  // `flags` are sqlite3_open_v2 flags; SQLITE_OPEN_NOMUTEX is always added.
  static Result<Connection> open(const std::string& path, int flags);

  Connection() = default;
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  ~Connection();

  // Runs one or more SQL statements that return no rows the caller needs.
  Result<void> exec(const std::string& sql);
  // Prepares a statement meant to be kept and reused.
  Result<Statement> prepare(std::string_view sql);
  // Runs a statement returning one text value (e.g. a PRAGMA).
  Result<std::string> queryText(const std::string& sql);

  bool inTransaction() const;
  // Rolls back the open transaction, if any; used on error paths where the outcome is already a failure.
  void rollbackQuietly();

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

}  // namespace wharf::sqlite
