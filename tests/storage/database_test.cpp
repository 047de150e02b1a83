#include "storage/byte_codec.hpp"
#include "storage/database.hpp"
#include "storage/log_store.hpp"
#include "storage/records.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_db.hpp"

#include <catch2/catch.hpp>
#include <rocksdb/db.h>

#include <fstream>

using namespace hookd;
using namespace hookd::storage;

TEST_CASE("database: a new database records its schema version", "[storage][schema]") {
  test::temp_dir dir;
  {
    auto db = database::open(dir.path(), test::test_db_options());
    REQUIRE(db);
    std::string value;
    REQUIRE((*db)->db()->Get({}, (*db)->handle(column::meta), "schema_version", &value).ok());
    CHECK(byte_reader{value}.u32() == database::schema_version);
  }
  CHECK(database::open(dir.path(), test::test_db_options()));
  CHECK(database::open(dir.path(), test::test_db_options(true))); // Read-only too.
}

TEST_CASE("database: another schema version is refused with a clear error", "[storage][schema]") {
  test::temp_dir dir;
  {
    auto db = database::open(dir.path(), test::test_db_options());
    REQUIRE(db);
    std::string v;
    byte_writer{v}.u32(database::schema_version + 1);
    REQUIRE((*db)->db()->Put({}, (*db)->handle(column::meta), "schema_version", v).ok());
  }
  auto db = database::open(dir.path(), test::test_db_options());
  REQUIRE_FALSE(db);
  CHECK(db.error().code == ec::schema_mismatch);
  CHECK(db.error().detail.find("schema version 2") != std::string::npos);
}

TEST_CASE("database: a corrupt database is an error, not a crash", "[storage][schema]") {
  test::temp_dir dir;
  { REQUIRE(database::open(dir.path(), test::test_db_options())); }
  SECTION("garbage CURRENT") {
    std::ofstream{dir.path() / "CURRENT", std::ios::trunc} << "MANIFEST-999999\n";
    auto db = database::open(dir.path(), test::test_db_options());
    REQUIRE_FALSE(db);
    CHECK((db.error().code == ec::storage_corruption || db.error().code == ec::storage_io));
  }
  SECTION("garbage MANIFEST") {
    for (const auto& f : std::filesystem::directory_iterator(dir.path()))
      if (f.path().filename().string().starts_with("MANIFEST"))
        std::ofstream{f.path(), std::ios::trunc} << "not a manifest at all";
    auto db = database::open(dir.path(), test::test_db_options());
    REQUIRE_FALSE(db);
    CHECK((db.error().code == ec::storage_corruption || db.error().code == ec::storage_io));
  }
  SECTION("events without a schema version") {
    {
      auto db = database::open(dir.path(), test::test_db_options());
      REQUIRE((*db)->db()->Delete({}, (*db)->handle(column::meta), "schema_version").ok());
      REQUIRE((*db)->db()->Put({}, (*db)->handle(column::events), seq_key(1), "x").ok());
    }
    auto db = database::open(dir.path(), test::test_db_options());
    REQUIRE_FALSE(db);
    CHECK(db.error().code == ec::storage_corruption);
  }
}

TEST_CASE("database: a second writer is refused while the first holds the lock",
          "[storage][schema]") {
  test::temp_dir dir;
  auto first = database::open(dir.path(), test::test_db_options());
  REQUIRE(first);
  auto second = database::open(dir.path(), test::test_db_options());
  REQUIRE_FALSE(second);
  CHECK(second.error().code == ec::storage_io);
}

TEST_CASE("database: a head that disagrees with the last record is refused", "[storage][schema]") {
  test::temp_dir dir;
  {
    auto db = database::open(dir.path(), test::test_db_options());
    REQUIRE((*db)->db()->Put({}, (*db)->handle(column::events), seq_key(1), "garbage").ok());
  }
  auto db = database::open(dir.path(), test::test_db_options());
  REQUIRE(db);
  auto store = log_store::open(**db);
  REQUIRE_FALSE(store);
  CHECK(store.error().code == ec::storage_corruption);
}

TEST_CASE("database: a missing folder is an error in read-only mode", "[storage][schema]") {
  test::temp_dir dir;
  auto db = database::open(dir.path() / "nope", test::test_db_options(true));
  REQUIRE_FALSE(db);
  CHECK(db.error().code == ec::storage_io);
}

TEST_CASE("database: writing needs a master key, and only the right one opens it",
          "[storage][secrets]") {
  test::temp_dir dir;
  auto none = database::open(dir.path());
  REQUIRE_FALSE(none);
  CHECK(none.error().code == ec::bad_configuration);
  { REQUIRE(database::open(dir.path(), test::test_db_options())); }
  database_options wrong;
  wrong.secrets = std::make_shared<const secret_box>(secret_box::generate());
  auto refused = database::open(dir.path(), wrong);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ec::bad_configuration);
  CHECK(refused.error().detail.find("master key does not open") != std::string::npos);
  wrong.read_only = true;
  CHECK_FALSE(database::open(dir.path(), wrong)); // read-only with a wrong key too
  CHECK(database::open(dir.path(),
                       database_options{true, nullptr})); // read-only without a key: secrets unread
}

TEST_CASE("database: secrets stored in clear by an earlier version are sealed at the first open",
          "[storage][secrets]") {
  test::temp_dir dir;
  auto w = test::sample_webhook("wh_old", "t1");
  {
    auto db = std::move(*database::open(dir.path(), test::test_db_options()));
    // Format 1: the secret in clear, as the first version wrote it; and no key check yet.
    auto current = encode(w, *test::test_secret_box());
    std::string v1;
    byte_writer out{v1};
    out.u8(1);
    byte_reader in{current};
    in.u8();
    // Copy every field up to the secret, then the secret in clear, then the rest (no
    // previous-secret list in format 1).
    for (int i = 0; i < 5; ++i)
      out.str16(in.str16());
    out.u8(in.u8());
    out.str16(in.str16());
    auto n = in.u16();
    out.u16(n);
    for (int i = 0; i < n; ++i)
      out.str16(in.str16());
    auto labels = in.u8();
    out.u8(labels);
    auto headers = in.u8();
    out.u8(headers);
    in.str16(); // the sealed secret
    out.str16(w.secret);
    in.u8(); // no previous secrets
    auto rest = current.substr(in.position());
    // timeout, retry (kind, count, base, cap) and max_in_flight, then (format 3 on) the
    // rate limit, then ordering and times, then (format 4 on) the template and signature
    // style: two kinds and two empty strings.
    out.bytes(rest.substr(0, 18));
    out.bytes(rest.substr(22, rest.size() - 22 - 6));
    REQUIRE(db->db()->Put({}, db->handle(column::webhooks), tenant_key("t1", "wh_old"), v1).ok());
    REQUIRE(db->db()->Delete({}, db->handle(column::meta), "master_key_check").ok());
  }
  auto db = std::move(*database::open(dir.path(), test::test_db_options()));
  std::string stored;
  REQUIRE(
      db->db()->Get({}, db->handle(column::webhooks), tenant_key("t1", "wh_old"), &stored).ok());
  CHECK(stored[0] == 4); // rewritten in the current format
  CHECK(stored.find("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == std::string::npos);
  auto back = decode_webhook(stored, test::test_secret_box().get());
  REQUIRE(back);
  CHECK(back->secret == w.secret);
  CHECK(back->name == "old");
}

TEST_CASE("database: a forward reader finds keys asked for in ascending order",
          "[storage][forward_reader]") {
  test::temp_dir dir;
  auto db = std::move(*database::open(dir.path(), test::test_db_options()));
  // Keys 10, 20, ..., 200 in the events column; nothing else there.
  for (uint64_t k = 10; k <= 200; k += 10)
    REQUIRE(
        db->db()->Put({}, db->handle(column::events), seq_key(k), "v" + std::to_string(k)).ok());
  forward_reader r{*db, column::events, "a test key"};
  auto at = [&](uint64_t k) -> std::optional<std::string> {
    auto v = r.at(seq_key(k));
    REQUIRE(v);
    if (!*v)
      return std::nullopt;
    return std::string{**v};
  };
  CHECK(at(5) == std::nullopt);   // Before the first key.
  CHECK(at(10) == "v10");         // The first, after a miss.
  CHECK(at(20) == "v20");         // The next: one step.
  CHECK(at(25) == std::nullopt);  // Between two keys.
  CHECK(at(30) == "v30");         // Right after a miss that stopped on it.
  CHECK(at(90) == "v90");         // Six keys on: more than the steps, so a seek.
  CHECK(at(90) == "v90");         // The same key again.
  CHECK(at(200) == "v200");       // The last.
  CHECK(at(201) == std::nullopt); // Past the end.
  CHECK(at(500) == std::nullopt); // Still past the end.
}
