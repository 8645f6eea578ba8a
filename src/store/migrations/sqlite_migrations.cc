#include "store/migrations/sqlite_migrations.h"

namespace wharf {
namespace {

// Keys compare bytewise (BINARY collation), which is the order Store::scan promises.
constexpr Migration kMigrations[] = {
    {1,
     "CREATE TABLE kv ("
     "  collection TEXT NOT NULL,"
     "  key TEXT NOT NULL,"
     "  value BLOB NOT NULL,"
     "  PRIMARY KEY (collection, key)"
     ") WITHOUT ROWID;"},
};

}  // namespace

std::span<const Migration> sqliteMigrations() { return kMigrations; }

}  // namespace wharf
