#include "store/sqlite/sqlite_connection.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <utility>

namespace wharf::sqlite {
namespace {

// A busy writer elsewhere (another process, a checkpoint) is waited for rather than failed on.
constexpr int kBusyTimeoutMs = 10'000;

std::string_view viewOf(const void* data, int bytes) {
  return data == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(data), bytes);
}

}  // namespace

Error toError(int rc, std::string_view what, std::string_view message) {
  ErrorCode code = ErrorCode::kInternal;
  std::string type = "InternalFailure";
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_NOMEM:
    case SQLITE_PERM:
      code = ErrorCode::kUnavailable;
      type = "ServiceUnavailable";
      break;
    default:
      break;
  }
  return Error{code, std::move(type), fmt::format("sqlite: {}: {} ({})", what, message, sqlite3_errstr(rc))};
}

Statement::Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

namespace {
Result<void> checkBind(sqlite3_stmt* stmt, int index, int rc) {
  if (rc == SQLITE_OK) return {};
  return std::unexpected(toError(rc, fmt::format("bind parameter {}", index), sqlite3_errmsg(sqlite3_db_handle(stmt))));
}
}  // namespace

Result<void> Statement::bindText(int index, std::string_view text) {
  return checkBind(stmt_, index,
                   sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}

Result<void> Statement::bindBlob(int index, std::string_view bytes) {
  // A zero-length blob must still be a blob, not NULL, hence the non-null pointer.
  return checkBind(
      stmt_, index,
      sqlite3_bind_blob64(stmt_, index, bytes.empty() ? "" : bytes.data(), bytes.size(), SQLITE_TRANSIENT));
}

Result<void> Statement::bindInt64(int index, int64_t value) {
  return checkBind(stmt_, index, sqlite3_bind_int64(stmt_, index, value));
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(toError(rc, sqlite3_sql(stmt_), sqlite3_errmsg(sqlite3_db_handle(stmt_))));
}

std::string_view Statement::columnText(int index) {
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  return viewOf(text, sqlite3_column_bytes(stmt_, index));
}

std::string_view Statement::columnBlob(int index) {
  const void* blob = sqlite3_column_blob(stmt_, index);
  return viewOf(blob, sqlite3_column_bytes(stmt_, index));
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Result<Connection> Connection::open(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  // sqlite3_open_v2 allocates a handle even on failure, to carry the message.
  Connection conn(db);
  if (rc != SQLITE_OK) {
    return std::unexpected(toError(rc, fmt::format("open {}", path), db ? sqlite3_errmsg(db) : "out of memory"));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  return conn;
}

Connection::Connection(Connection&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Connection::~Connection() { sqlite3_close_v2(db_); }

Result<void> Connection::exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return {};
  Error error = toError(rc, sql, message ? message : sqlite3_errmsg(db_));
  sqlite3_free(message);
  return std::unexpected(std::move(error));
}

Result<Statement> Connection::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(toError(rc, fmt::format("prepare {}", sql), sqlite3_errmsg(db_)));
  return Statement(stmt);
}

Result<std::string> Connection::queryText(const std::string& sql) {
  auto stmt = prepare(sql);
  if (!stmt) return std::unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::unexpected(toError(SQLITE_ERROR, sql, "returned no row"));
  return std::string(stmt->columnText(0));
}

bool Connection::inTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

void Connection::rollbackQuietly() {
  if (inTransaction()) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace wharf::sqlite
