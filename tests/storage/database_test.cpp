#include "storage/byte_codec.hpp"
#include "storage/database.hpp"
#include "storage/log_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <rocksdb/db.h>

#include <fstream>

using namespace hookd;
using namespace hookd::storage;

TEST_CASE("database: a new database records its schema version", "[storage][schema]") {
  test::temp_dir dir;
  {
    auto db = database::open(dir.path());
    REQUIRE(db);
    std::string value;
    REQUIRE((*db)->db()->Get({}, (*db)->handle(column::meta), "schema_version", &value).ok());
    CHECK(byte_reader{value}.u32() == database::schema_version);
  }
  CHECK(database::open(dir.path()));
  CHECK(database::open(dir.path(), {true})); // Read-only too.
}

TEST_CASE("database: another schema version is refused with a clear error", "[storage][schema]") {
  test::temp_dir dir;
  {
    auto db = database::open(dir.path());
    REQUIRE(db);
    std::string v;
    byte_writer{v}.u32(database::schema_version + 1);
    REQUIRE((*db)->db()->Put({}, (*db)->handle(column::meta), "schema_version", v).ok());
  }
  auto db = database::open(dir.path());
  REQUIRE_FALSE(db);
  CHECK(db.error().code == ec::schema_mismatch);
  CHECK(db.error().detail.find("schema version 2") != std::string::npos);
}

TEST_CASE("database: a corrupt database is an error, not a crash", "[storage][schema]") {
  test::temp_dir dir;
  { REQUIRE(database::open(dir.path())); }
  SECTION("garbage CURRENT") {
    std::ofstream{dir.path() / "CURRENT", std::ios::trunc} << "MANIFEST-999999\n";
    auto db = database::open(dir.path());
    REQUIRE_FALSE(db);
    CHECK((db.error().code == ec::storage_corruption || db.error().code == ec::storage_io));
  }
  SECTION("garbage MANIFEST") {
    for (const auto& f : std::filesystem::directory_iterator(dir.path()))
      if (f.path().filename().string().starts_with("MANIFEST"))
        std::ofstream{f.path(), std::ios::trunc} << "not a manifest at all";
    auto db = database::open(dir.path());
    REQUIRE_FALSE(db);
    CHECK((db.error().code == ec::storage_corruption || db.error().code == ec::storage_io));
  }
  SECTION("events without a schema version") {
    {
      auto db = database::open(dir.path());
      REQUIRE((*db)->db()->Delete({}, (*db)->handle(column::meta), "schema_version").ok());
      REQUIRE((*db)->db()->Put({}, (*db)->handle(column::events), seq_key(1), "x").ok());
    }
    auto db = database::open(dir.path());
    REQUIRE_FALSE(db);
    CHECK(db.error().code == ec::storage_corruption);
  }
}

TEST_CASE("database: a second writer is refused while the first holds the lock",
          "[storage][schema]") {
  test::temp_dir dir;
  auto first = database::open(dir.path());
  REQUIRE(first);
  auto second = database::open(dir.path());
  REQUIRE_FALSE(second);
  CHECK(second.error().code == ec::storage_io);
}

TEST_CASE("database: a head that disagrees with the last record is refused", "[storage][schema]") {
  test::temp_dir dir;
  {
    auto db = database::open(dir.path());
    REQUIRE((*db)->db()->Put({}, (*db)->handle(column::events), seq_key(1), "garbage").ok());
  }
  auto db = database::open(dir.path());
  REQUIRE(db);
  auto store = log_store::open(**db);
  REQUIRE_FALSE(store);
  CHECK(store.error().code == ec::storage_corruption);
}

TEST_CASE("database: a missing folder is an error in read-only mode", "[storage][schema]") {
  test::temp_dir dir;
  auto db = database::open(dir.path() / "nope", {true});
  REQUIRE_FALSE(db);
  CHECK(db.error().code == ec::storage_io);
}
