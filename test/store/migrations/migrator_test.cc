#include "store/migrations/migrator.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/migrations/sqlite_migrations.h"
#include "store/sqlite/sqlite_store.h"
#include "store/temp_dir.h"

namespace wharf {
namespace {

using testing::TempDir;

constexpr Migration kFirst = {1, "CREATE TABLE a(x INTEGER)"};
constexpr Migration kSecond = {2, "CREATE TABLE b(x INTEGER); INSERT INTO b VALUES (42)"};
constexpr Migration kThird = {3, "CREATE TABLE c(x INTEGER)"};

class MigratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = sqlite::Connection::open(dir_.file("db"), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
  }
  std::string query(const std::string& sql) {
    auto r = db_.queryText(sql);
    return r ? *r : "error: " + r.error().message;
  }
  bool hasTable(const std::string& name) {
    return query("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" + name + "'") == "1";
  }

  TempDir dir_;
  sqlite::Connection db_;
};

TEST_F(MigratorTest, AppliesStepsInOrderOnce) {
  const Migration two[] = {kFirst, kSecond};
  auto v = migrate(db_, two);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v, 2);
  EXPECT_EQ(query("SELECT x FROM b"), "42");
  EXPECT_EQ(query("SELECT group_concat(version) FROM schema_version"), "1,2");

  // Re-running a step would fail ("table a already exists"), so success shows only step 3 ran.
  const Migration three[] = {kFirst, kSecond, kThird};
  v = migrate(db_, three);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v, 3);
  EXPECT_TRUE(hasTable("c"));
  EXPECT_EQ(query("SELECT count(*) FROM b"), "1");

  v = migrate(db_, three);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v, 3);
}

TEST_F(MigratorTest, FailedStepRollsBackTheWholeRun) {
  const Migration steps[] = {kFirst, kSecond, {3, "CREATE TABLE broken("}};
  auto v = migrate(db_, steps);
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("schema migration 3"), std::string::npos) << v.error().message;
  EXPECT_FALSE(db_.inTransaction());
  EXPECT_FALSE(hasTable("a"));
  EXPECT_FALSE(hasTable("b"));
  EXPECT_FALSE(hasTable("schema_version"));
}

TEST_F(MigratorTest, RejectsUnorderedList) {
  const Migration steps[] = {kSecond, kFirst};
  auto v = migrate(db_, steps);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ErrorCode::kInternal);
  EXPECT_FALSE(hasTable("a"));
}

TEST_F(MigratorTest, RefusesDatabaseFromNewerBinary) {
  const Migration two[] = {kFirst, kSecond};
  ASSERT_TRUE(migrate(db_, two));
  const Migration one[] = {kFirst};
  auto v = migrate(db_, one);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(v.error().message.find("schema version 2 is newer"), std::string::npos) << v.error().message;
}

TEST(SqliteMigrationsTest, StoreRefusesNewerSchema) {
  TempDir dir;
  std::string path = dir.file("wharf.db");
  {
    auto store = openSqliteStore(path);
    ASSERT_TRUE(store) << store.error().message;
  }
  {
    auto db = sqlite::Connection::open(path, SQLITE_OPEN_READWRITE);
    ASSERT_TRUE(db);
    EXPECT_EQ(db->queryText("SELECT max(version) FROM schema_version"),
              std::to_string(sqliteMigrations().back().version));
    ASSERT_TRUE(db->exec("INSERT INTO schema_version(version) VALUES (9999)"));
  }
  auto store = openSqliteStore(path);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(store.error().message.find("9999"), std::string::npos) << store.error().message;
}

}  // namespace
}  // namespace wharf
