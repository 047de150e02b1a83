// `hookd replay events` and `hookd replay verify` against a real data folder: run while the
// server is up (a read-only open, no lock taken), filters that combine, each output format,
// clear errors, and a tampered record found at its sequence number.

#include "cli/master_key.hpp"
#include "storage/byte_codec.hpp"
#include "storage/database.hpp"
#include "tests/support/api_steps.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/receiver.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_server.hpp"

#include <catch2/catch.hpp>
#include <rocksdb/db.h>

#include <algorithm>
#include <atomic>
#include <sstream>

using namespace hookd;

namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss{text};
  for (std::string line; std::getline(ss, line);)
    out.push_back(line);
  return out;
}

test::command_result replay(const std::filesystem::path& data, std::vector<std::string> args) {
  args.insert(args.begin(), {"replay", "--data", data.string()});
  return test::run_command(HOOKD_BINARY, args);
}

} // namespace

TEST_CASE("replay: listings while the server runs, filters, formats and verification",
          "[cli][replay]") {
  test::temp_dir dir;
  auto data = dir.path() / "data";
  const std::string token = "replay-admin-token-0123456";
  std::map<std::string, std::string> env{{"HOOKD_ADMIN_TOKEN", token}};
  std::vector<std::string> ids;
  std::string head_line;
  {
    test::hookd_process proc{HOOKD_BINARY, data.string(), env};
    REQUIRE(proc.port() != 0);
    test::http_client c{proc.port()};
    std::map<std::string, std::string> keys;
    for (std::string t : {"acme", "globex"}) {
      REQUIRE(
          c.request("POST", "/v1/tenants", R"({"id":")" + t + R"(","name":"T"})", token).status ==
          201);
      auto k = c.request("POST", "/v1/api-keys",
                         R"({"tenant":")" + t + R"(","scopes":["ingest","read"]})", token);
      REQUIRE(k.status == 201);
      keys[t] = test::json_string(k.body, "key");
    }
    const std::vector<std::pair<std::string, std::string>> sent{
        {"acme", R"({"type":"deployment.started","labels":{"app":"a1"},"data":{"n":1}})"},
        {"acme",
         R"({"type":"deployment.failed","labels":{"app":"a1"},"data":{"n":2,"why":"x, \"y\""}})"},
        {"globex", R"({"type":"deployment.started","labels":{"app":"a1"},"data":{"n":3}})"},
        {"acme", R"({"type":"build.started","labels":{"app":"a2"},"data":{"n":4}})"},
        {"acme", R"({"type":"deployment.started","labels":{"app":"a2"},"data":{"n":5}})"}};
    for (const auto& [t, body] : sent)
      ids.push_back(test::post_event_id(c, keys[t], body));

    // While the server runs: every event, in log order.
    auto all = replay(data, {"events"});
    REQUIRE(all.status == 0);
    auto rows = lines(all.out);
    REQUIRE(rows.size() == 6); // header + 5
    for (std::size_t i = 0; i < ids.size(); ++i)
      CHECK(rows[i + 1].find(ids[i]) != std::string::npos);

    // Filters combine (and): tenant, type pattern, label.
    auto some = replay(data, {"events", "--tenant", "acme", "--type", "deployment.*", "--label",
                              "app=a1", "--format", "ndjson"});
    REQUIRE(some.status == 0);
    auto picked = lines(some.out);
    REQUIRE(picked.size() == 2);
    CHECK(picked[0].find(ids[0]) != std::string::npos);
    CHECK(picked[1].find(ids[1]) != std::string::npos);
    CHECK(picked[1].find(R"("data":{"n":2,"why":"x, \"y\""})") != std::string::npos);
    CHECK(picked[1].find(R"("hash":")") != std::string::npos);
    auto two_types = replay(
        data, {"events", "--type", "build.*", "--type", "deployment.failed", "--format", "csv"});
    auto csv = lines(two_types.out);
    REQUIRE(csv.size() == 3);
    CHECK(csv[0] == "seq,received_at,tenant,id,type,labels,hash");
    CHECK(csv[1].find(ids[1]) != std::string::npos);
    CHECK(csv[2].find(ids[3]) != std::string::npos);
    CHECK(replay(data, {"events", "--since", "-1h"}).out == all.out);
    auto none = replay(data, {"events", "--until", "2000-01-01T00:00:00Z", "--format", "ndjson"});
    CHECK(none.status == 0);
    CHECK(none.out.empty());
    CHECK(replay(data, {"events", "--since", "yesterday"}).status == 2);
    CHECK(replay(data, {"events", "--label", "novalue"}).status == 2);

    auto verified = replay(data, {"verify"});
    INFO(verified.out);
    REQUIRE(verified.status == 0);
    CHECK(verified.out.find("intact: 5 records, seq 1 to 5") != std::string::npos);
    head_line = lines(verified.out).at(1);
    CHECK(head_line.starts_with("head: "));
    // The server was not disturbed: it still takes events.
    test::post_event_id(c, keys["acme"], R"({"type":"x.y","data":{}})");
    CHECK(proc.stop(SIGTERM) == 0);
  }
  CHECK(replay(dir.path() / "missing", {"verify"}).status == 3);
  CHECK(replay(dir.path() / "missing", {"events"}).status == 3);

  // From the noted anchor (seq 5): only what came after it is checked.
  auto anchor = head_line.substr(6);
  auto after = replay(data, {"verify", "--from-anchor", anchor});
  CHECK(after.status == 0);
  CHECK(after.out.find("intact: 1 records, seq 6 to 6") != std::string::npos);
  CHECK(replay(data, {"verify", "--from-anchor", "abc@5"}).status == 2);

  // One byte of event 3's stored data changed: found at seq 3.
  {
    auto master = cli::load_master_key(data, "", nullptr);
    REQUIRE(master);
    storage::database_options opts;
    opts.secrets = master->box;
    auto db = storage::database::open(data / "db", opts);
    REQUIRE(db);
    auto key = storage::seq_key(3);
    std::string value;
    REQUIRE((*db)->db()->Get({}, (*db)->handle(storage::column::events), key, &value).ok());
    auto at = value.find(R"("n":3)");
    REQUIRE(at != std::string::npos);
    value[at + 4] = '4';
    REQUIRE((*db)->db()->Put({}, (*db)->handle(storage::column::events), key, value).ok());
  }
  auto broken = replay(data, {"verify"});
  CHECK(broken.status == 1);
  CHECK(broken.out.find("BROKEN at seq 3") != std::string::npos);
  // Up to seq 2 it is intact; an anchor that no longer matches its record is refused.
  CHECK(replay(data, {"verify", "--to", "2"}).status == 0);
  auto wrong_anchor = replay(data, {"verify", "--from-anchor", std::string(64, '0') + "@2"});
  CHECK(wrong_anchor.status == 1);
  CHECK(wrong_anchor.out.find("BROKEN at seq 2: the record's hash differs from the anchor") !=
        std::string::npos);
}

TEST_CASE("replay: show reproduces a delivery that failed twice, then succeeded", "[cli][replay]") {
  test::temp_dir dir;
  auto data = dir.path() / "data";
  const std::string token = "replay-admin-token-0123456";
  std::map<std::string, std::string> env{
      {"HOOKD_ADMIN_TOKEN", token}, {"HOOKD_ALLOW_HTTP", "1"}, {"HOOKD_ALLOW_NET", "127.0.0.1"}};
  std::atomic<int> calls{0};
  test::receiver rx{[&](const test::received_request&) {
    auto n = ++calls;
    return n <= 2 ? test::reply{503, "busy " + std::to_string(n), {}} : test::reply{200, "ok", {}};
  }};
  test::hookd_process proc{HOOKD_BINARY, data.string(), env};
  REQUIRE(proc.port() != 0);
  test::http_client c{proc.port()};
  REQUIRE(c.request("POST", "/v1/tenants", R"({"id":"acme","name":"A"})", token).status == 201);
  auto k = c.request("POST", "/v1/api-keys",
                     R"({"tenant":"acme","scopes":["ingest","read","manage"]})", token);
  auto key = test::json_string(k.body, "key");
  auto hook = test::create_webhook_id(
      c, key, "flaky", rx.port(),
      R"("events":["deployment.*"],"retry":{"attempts":5,"base_seconds":1,"max_seconds":1})");
  auto other = test::create_webhook_id(c, key, "other", rx.port(), R"("events":["build.*"])");
  auto id = test::post_event_id(c, key, R"({"type":"deployment.failed","data":{"n":1}})");
  auto history =
      test::poll_get(c, key, "/v1/events/" + id + "/deliveries", [](const std::string& b) {
        return b.find(R"("state":"delivered")") != std::string::npos;
      });
  REQUIRE(history.find(R"("state":"delivered")") != std::string::npos);

  // While the server runs, by id (with the tenant) and by sequence number: the same story.
  auto shown = replay(data, {"show", id, "--tenant", "acme"});
  INFO(shown.out);
  REQUIRE(shown.status == 0);
  CHECK(replay(data, {"show", "1"}).out == shown.out);
  auto out = lines(shown.out);
  CHECK(out[0] == "event     " + id);
  CHECK(out[1] == "seq       1");
  // The flaky webhook's three attempts, in order, with their statuses and answers.
  auto at = std::find(out.begin(), out.end(), "webhook " + hook + " (flaky): delivered");
  REQUIRE(at != out.end());
  REQUIRE(out.end() - at >= 4);
  CHECK(at[1].find("#1  retrying  HTTP 503") != std::string::npos);
  CHECK(at[1].find(R"("busy 1")") != std::string::npos);
  CHECK(at[2].find("#2  retrying  HTTP 503") != std::string::npos);
  CHECK(at[2].find(R"("busy 2")") != std::string::npos);
  CHECK(at[3].find("#3  succeeded  HTTP 200") != std::string::npos);
  // Every attempt has the same message id (receivers deduplicate on it).
  auto msg = at[1].substr(at[1].find("msg_"), 30);
  CHECK(at[3].find(msg) != std::string::npos);
  CHECK(shown.out.find("(other): filtered_out") != std::string::npos);
  CHECK(replay(data, {"show", id}).status == 2);                       // an id needs --tenant
  CHECK(replay(data, {"show", id, "--tenant", "globex"}).status == 1); // not theirs
  CHECK(replay(data, {"show", "99"}).status == 1);

  // What did the flaky endpoint receive: three attempts on one event, with the answers.
  auto sent = replay(data, {"webhook", hook, "--since", "-1h"});
  REQUIRE(sent.status == 0);
  auto rows = lines(sent.out);
  CHECK(rows[0] == "webhook " + hook + " (flaky) of acme");
  CHECK(std::count_if(rows.begin(), rows.end(), [&](const std::string& r) {
          return r.find("seq 1  " + id) != std::string::npos;
        }) == 3);
  CHECK(rows.back() == "3 attempts on 1 events: 1 succeeded, 0 failed for good, 2 to be retried");
  CHECK(lines(replay(data, {"webhook", hook, "--until", "2000-01-01T00:00:00Z"}).out).back() ==
        "0 attempts on 0 events: 0 succeeded, 0 failed for good, 0 to be retried");
  CHECK(replay(data, {"webhook", "wh_nope"}).status == 1);
  // The events each webhook matched.
  auto build = test::post_event_id(c, key, R"({"type":"build.started","data":{}})");
  auto matched = lines(replay(data, {"events", "--webhook", hook, "--format", "csv"}).out);
  REQUIRE(matched.size() == 2);
  CHECK(matched[1].find(id) != std::string::npos);
  auto matched_other = lines(replay(data, {"events", "--webhook", other, "--format", "csv"}).out);
  REQUIRE(matched_other.size() == 2);
  CHECK(matched_other[1].find(build) != std::string::npos);
  CHECK(proc.stop(SIGTERM) == 0);
}
