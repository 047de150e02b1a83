// `hookd serve` as a process: exit codes, the admin token file, and what reaches the logs.

#include "domain/crypto.hpp"
#include "domain/secret_box.hpp"
#include "storage/byte_codec.hpp"
#include "storage/database.hpp"
#include "tests/support/api_steps.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_db.hpp"
#include "tests/support/test_server.hpp"

#include <catch2/catch.hpp>
#include <rocksdb/db.h>

#include <fstream>
#include <map>
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
    auto db = storage::database::open(data / "db", test::test_db_options());
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

TEST_CASE("cli: the master key file is created 0600, and a wrong or malformed key is refused",
          "[cli][secrets]") {
  test::temp_dir dir;
  auto data = dir.path() / "data";
  auto log = dir.path() / "stderr.log";
  std::map<std::string, std::string> env{{"HOOKD_ADMIN_TOKEN", "0123456789abcdef"}};
  {
    test::hookd_process proc{HOOKD_BINARY, data.string(), env, {}, log.string()};
    REQUIRE(proc.port() != 0);
    CHECK(proc.stop(SIGTERM) == 0);
  }
  struct stat st {};
  REQUIRE(::stat((data / "master.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto key_text = slurp(data / "master.key");
  CHECK(slurp(log).find("created a master key in") != std::string::npos);
  CHECK(slurp(log).find(key_text.substr(0, 20)) == std::string::npos); // never logged
  // Another valid key does not open this database's secrets: a clear error, exit 5.
  auto other = secret_box::format_key(secret_box::generate());
  auto log2 = dir.path() / "wrong.log";
  env["HOOKD_MASTER_KEY"] = other;
  {
    test::hookd_process proc{HOOKD_BINARY, data.string(), env, {}, log2.string()};
    CHECK(proc.port() == 0);
    CHECK(proc.stop(SIGKILL) == 5);
  }
  CHECK(slurp(log2).find("master key does not open") != std::string::npos);
  // Malformed: not base64 of 32 bytes.
  env["HOOKD_MASTER_KEY"] = "c2hvcnQ=";
  auto log3 = dir.path() / "malformed.log";
  {
    test::hookd_process proc{HOOKD_BINARY, data.string(), env, {}, log3.string()};
    CHECK(proc.port() == 0);
    CHECK(proc.stop(SIGKILL) == 5);
  }
  CHECK(slurp(log3).find("HOOKD_MASTER_KEY must hold a master key") != std::string::npos);
  // The right key through the environment works (the file is then not needed).
  env["HOOKD_MASTER_KEY"] = key_text.substr(0, key_text.find('\n'));
  std::filesystem::rename(data / "master.key", dir.path() / "kept.key");
  {
    test::hookd_process proc{HOOKD_BINARY, data.string(), env};
    CHECK(proc.port() != 0);
    CHECK(proc.stop(SIGTERM) == 0);
  }
  CHECK_FALSE(std::filesystem::exists(data / "master.key"));
  // An explicit key file that does not exist is an error, not a new key.
  env.erase("HOOKD_MASTER_KEY");
  {
    test::hookd_process proc{HOOKD_BINARY,
                             data.string(),
                             env,
                             {"--master-key-file", (dir.path() / "missing.key").string()}};
    CHECK(proc.port() == 0);
    CHECK(proc.stop(SIGKILL) == 5);
  }
  {
    test::hookd_process proc{HOOKD_BINARY,
                             data.string(),
                             env,
                             {"--master-key-file", (dir.path() / "kept.key").string()}};
    CHECK(proc.port() != 0);
    CHECK(proc.stop(SIGTERM) == 0);
  }
}

TEST_CASE("cli: no file in the data folder holds a webhook secret", "[cli][secrets]") {
  test::temp_dir dir;
  auto data = dir.path() / "data";
  std::map<std::string, std::string> env{{"HOOKD_ADMIN_TOKEN", "0123456789abcdef"},
                                         {"HOOKD_ALLOW_HTTP", "1"},
                                         {"HOOKD_ALLOW_NET", "127.0.0.1"}};
  // A known secret: 32 bytes of key material, recognisable in any file.
  std::string raw = "hookd-known-secret-bytes-0123456";
  std::vector<uint8_t> raw_bytes(raw.begin(), raw.end());
  auto b64 = base64_encode(raw_bytes);
  auto secret = "whsec_" + b64;
  {
    test::hookd_process proc{HOOKD_BINARY, data.string(), env};
    REQUIRE(proc.port() != 0);
    test::http_client c{proc.port()};
    auto admin = env.at("HOOKD_ADMIN_TOKEN");
    REQUIRE(c.request("POST", "/v1/tenants", R"({"id":"acme","name":"Acme"})", admin).status ==
            201);
    auto k = c.request("POST", "/v1/api-keys", R"({"tenant":"acme","scopes":["ingest","manage"]})",
                       admin);
    REQUIRE(k.status == 201);
    auto key = test::json_string(k.body, "key");
    auto w = c.request("POST", "/v1/webhooks",
                       R"({"name":"s","url":"http://127.0.0.1:9/x","events":["*"],"secret":")" +
                           secret + R"("})",
                       key);
    REQUIRE(w.status == 201);
    CHECK(w.body.find(secret) != std::string::npos); // shown once, on creation
    auto id = test::json_string(w.body, "id");
    REQUIRE(c.request("PATCH", "/v1/webhooks/" + id, R"({"description":"changed"})", key).status ==
            200);
    REQUIRE(c.request("POST", "/v1/events", R"({"type":"a.b","data":{}})", key).status == 202);
    CHECK(proc.stop(SIGTERM) == 0);
  }
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(data)) {
    if (!entry.is_regular_file())
      continue;
    ++files;
    auto bytes = slurp(entry.path());
    INFO(entry.path().string());
    CHECK(bytes.find(raw) == std::string::npos);
    CHECK(bytes.find(b64) == std::string::npos);
    CHECK(bytes.find(b64.substr(0, 24)) == std::string::npos);
  }
  CHECK(files > 5); // the database files, the WAL, the token, the master key
  // And the secret still opens with the key: hookd reads it back.
  test::hookd_process proc{HOOKD_BINARY, data.string(), env};
  CHECK(proc.port() != 0);
  CHECK(proc.stop(SIGTERM) == 0);
}

TEST_CASE("cli: settings come from flags, then HOOKD_* variables, then the --config file",
          "[cli][config]") {
  test::temp_dir dir;
  auto file = dir.path() / "hookd.toml";
  std::ofstream{file} << "[serve]\nmax-body = 2048\nlog-level = \"warn\"\n";
  std::map<std::string, std::string> env{{"HOOKD_ADMIN_TOKEN", "0123456789abcdef"}};
  // A body of 3000 bytes is refused (413) exactly when the effective limit is below it.
  auto refused = [](uint16_t port) {
    test::http_client c{port};
    std::string body = R"({"id":"t1","name":")" + std::string(2980, 'n') + R"("})";
    return c.request("POST", "/v1/tenants", body, "0123456789abcdef").status == 413;
  };
  auto data = [&](const char* name) { return (dir.path() / name).string(); };
  {
    test::hookd_process p{HOOKD_BINARY, data("a"), env, {"--config", file.string()}};
    REQUIRE(p.port() != 0);
    CHECK(refused(p.port())); // the file's 2048
    CHECK(p.stop(SIGINT) == 0);
  }
  {
    auto with_env = env;
    with_env["HOOKD_MAX_BODY"] = "4096";
    test::hookd_process p{HOOKD_BINARY, data("b"), with_env, {"--config", file.string()}};
    REQUIRE(p.port() != 0);
    CHECK_FALSE(refused(p.port())); // the variable's 4096 beats the file
    CHECK(p.stop(SIGINT) == 0);
    with_env["HOOKD_CONFIG"] = file.string();
    test::hookd_process q{HOOKD_BINARY, data("c"), with_env, {"--max-body", "2048"}};
    REQUIRE(q.port() != 0);
    CHECK(refused(q.port())); // the flag's 2048 beats the variable
    CHECK(q.stop(SIGINT) == 0);
  }
  // A bad value or an unknown key in the file is a usage error (exit 2).
  std::ofstream{dir.path() / "bad.toml"} << "[serve]\nmax-body = \"lots\"\n";
  test::hookd_process bad{
      HOOKD_BINARY, data("d"), env, {"--config", (dir.path() / "bad.toml").string()}};
  CHECK(bad.stop(SIGKILL) == 2);
  std::ofstream{dir.path() / "typo.toml"} << "[serve]\nmax-bodyy = 4096\n";
  test::hookd_process typo{
      HOOKD_BINARY, data("e"), env, {"--config", (dir.path() / "typo.toml").string()}};
  CHECK(typo.stop(SIGKILL) == 2);
  test::hookd_process missing{
      HOOKD_BINARY, data("f"), env, {"--config", (dir.path() / "none.toml").string()}};
  CHECK(missing.stop(SIGKILL) == 2);
}

TEST_CASE("cli: hookd checkpoint backs up a running hookd, and the copy serves on its own",
          "[cli][checkpoint]") {
  test::temp_dir dir;
  auto data = dir.path() / "data";
  const std::string token = "checkpoint-admin-token-0123";
  std::map<std::string, std::string> env{{"HOOKD_ADMIN_TOKEN", token}};
  std::string url;
  std::string key;
  {
    test::hookd_process proc{HOOKD_BINARY, data.string(), env};
    REQUIRE(proc.port() != 0);
    url = "http://127.0.0.1:" + std::to_string(proc.port());
    test::http_client c{proc.port()};
    REQUIRE(c.request("POST", "/v1/tenants", R"({"id":"acme","name":"Acme"})", token).status ==
            201);
    auto k =
        c.request("POST", "/v1/api-keys", R"({"tenant":"acme","scopes":["ingest","read"]})", token);
    REQUIRE(k.status == 201);
    key = test::json_string(k.body, "key");
    for (int i = 0; i < 3; ++i)
      test::post_events(c, key, R"({"type":"a.b","data":{}})");
    auto made =
        test::run_command(HOOKD_BINARY, {"checkpoint", "--url", url, "--name", "nightly"}, env);
    INFO(made.out);
    CHECK(made.status == 0);
    CHECK(made.out.find(R"("name":"nightly")") != std::string::npos);
    CHECK(made.out.find(R"("head_seq":3)") != std::string::npos);
    // Errors: a bad token, an unsafe name, no token at all, nobody listening.
    auto denied = test::run_command(HOOKD_BINARY, {"checkpoint", "--url", url},
                                    {{"HOOKD_ADMIN_TOKEN", "wrong-token-0123456789"}});
    CHECK(denied.status == 1);
    CHECK(denied.out.find("unauthorized") != std::string::npos);
    CHECK(test::run_command(HOOKD_BINARY, {"checkpoint", "--url", url, "--name", "../x"}, env)
              .status == 2);
    CHECK(test::run_command(HOOKD_BINARY,
                            {"checkpoint", "--url", url, "--data", (dir.path() / "no").string()})
              .status == 5);
    CHECK(proc.stop(SIGTERM) == 0);
    CHECK(test::run_command(HOOKD_BINARY, {"checkpoint", "--url", url}, env).status == 4);
  }
  // Restore: serve the checkpoint folder with the original master key.
  auto copy = data / "checkpoints" / "nightly";
  REQUIRE(std::filesystem::exists(copy / "db"));
  test::hookd_process restored{
      HOOKD_BINARY, copy.string(), env, {"--master-key-file", (data / "master.key").string()}};
  REQUIRE(restored.port() != 0);
  test::http_client c{restored.port()};
  auto events = c.request("GET", "/v1/events", {}, key);
  CHECK(events.status == 200);
  std::size_t n = 0;
  for (auto at = events.body.find(R"("type":"a.b")"); at != std::string::npos;
       at = events.body.find(R"("type":"a.b")", at + 1))
    ++n;
  CHECK(n == 3);
  CHECK(restored.stop(SIGTERM) == 0);
}
