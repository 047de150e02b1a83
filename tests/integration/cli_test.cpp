// `hookd serve` as a process: exit codes, the admin token file, and what reaches the logs.

#include "storage/byte_codec.hpp"
#include "storage/database.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <rocksdb/db.h>

#include <fstream>
#include <signal.h>
#include <sstream>
#include <sys/stat.h>

using namespace hookd;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in{p};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

TEST_CASE("cli: the generated admin token is 0600, printed as a path, and never logged", "[cli]") {
  test::temp_dir dir;
  auto data = dir.path() / "data";
  auto log = dir.path() / "stderr.log";
  {
    test::hookd_process proc{HOOKD_BINARY, data.string(), {}, {}, log.string()};
    REQUIRE(proc.port() != 0);
    auto token_file = data / "admin.token";
    struct stat st {};
    REQUIRE(::stat(token_file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    std::string token;
    std::getline(std::ifstream{token_file}, token);
    REQUIRE(token.starts_with("hkd_admin_"));
    test::http_client c{proc.port()};
    CHECK(c.request("GET", "/v1/tenants", {}, token).status == 200);
    // The key of a tenant, used once, is not logged either.
    REQUIRE(c.request("POST", "/v1/tenants", R"({"id":"t","name":"T"})", token).status == 201);
    auto k = c.request("POST", "/v1/api-keys", R"({"tenant":"t","scopes":["read"]})", token);
    REQUIRE(k.status == 201);
    CHECK(proc.stop(SIGTERM) == 0);
    auto output = proc.output();
    CHECK(output.find(token_file.string()) != std::string::npos);
    CHECK(output.find(token) == std::string::npos);
    auto logs = slurp(log);
    CHECK(logs.find("admin token") != std::string::npos);
    CHECK(logs.find(token) == std::string::npos);
    auto secret = k.body.substr(k.body.find("hkd_key_"), 74);
    CHECK(logs.find(secret) == std::string::npos);
  }
  // A token file readable by others is refused.
  ::chmod((data / "admin.token").c_str(), 0644);
  test::hookd_process proc{HOOKD_BINARY, data.string()};
  CHECK(proc.port() == 0);
  CHECK(proc.stop(SIGKILL) == 5);
}

TEST_CASE("cli: a schema version mismatch exits 3 with a clear message", "[cli]") {
  test::temp_dir dir;
  auto data = dir.path() / "data";
  {
    auto db = storage::database::open(data / "db");
    REQUIRE(db);
    std::string v;
    storage::byte_writer{v}.u32(99);
    REQUIRE((*db)->db()->Put({}, (*db)->handle(storage::column::meta), "schema_version", v).ok());
  }
  auto log = dir.path() / "stderr.log";
  test::hookd_process proc{
      HOOKD_BINARY, data.string(), {{"HOOKD_ADMIN_TOKEN", "0123456789abcdef"}}, {}, log.string()};
  CHECK(proc.port() == 0);
  CHECK(proc.stop(SIGKILL) == 3);
  CHECK(slurp(log).find("schema version 99") != std::string::npos);
}

TEST_CASE("cli: a second hookd on the same data folder exits 3", "[cli]") {
  test::temp_dir dir;
  auto data = (dir.path() / "data").string();
  std::map<std::string, std::string> env{{"HOOKD_ADMIN_TOKEN", "0123456789abcdef"}};
  test::hookd_process first{HOOKD_BINARY, data, env};
  REQUIRE(first.port() != 0);
  test::hookd_process second{HOOKD_BINARY, data, env};
  CHECK(second.port() == 0);
  CHECK(second.stop(SIGKILL) == 3);
  CHECK(first.stop(SIGTERM) == 0);
}

TEST_CASE("cli: listen errors and bad settings", "[cli]") {
  test::temp_dir dir;
  auto data = (dir.path() / "data").string();
  std::map<std::string, std::string> env{{"HOOKD_ADMIN_TOKEN", "0123456789abcdef"}};
  test::hookd_process running{HOOKD_BINARY, data, env};
  REQUIRE(running.port() != 0);
  {
    test::hookd_process clash{HOOKD_BINARY,
                              (dir.path() / "other").string(),
                              env,
                              {"--listen", "127.0.0.1:" + std::to_string(running.port())}};
    CHECK(clash.port() == 0);
    CHECK(clash.stop(SIGKILL) == 4);
  }
  {
    test::hookd_process bad{
        HOOKD_BINARY, (dir.path() / "x").string(), env, {"--listen", "not-an-ip:80"}};
    CHECK(bad.stop(SIGKILL) == 4);
  }
  {
    test::hookd_process bad{HOOKD_BINARY, (dir.path() / "y").string(), env, {"--max-body", "12"}};
    CHECK(bad.stop(SIGKILL) == 2);
  }
  {
    test::hookd_process bad{
        HOOKD_BINARY, (dir.path() / "z").string(), {{"HOOKD_ADMIN_TOKEN", "short"}}};
    CHECK(bad.stop(SIGKILL) == 5);
  }
  CHECK(running.stop(SIGINT) == 0);
}
