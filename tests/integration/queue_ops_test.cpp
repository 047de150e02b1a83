// Queue operations end to end, against a real server and real receivers: the queue figures,
// the bulk retry of failed deliveries, the Prometheus page, and online checkpoints.

#include "storage/config_reader.hpp"
#include "storage/database.hpp"
#include "storage/log_reader.hpp"
#include "tests/support/api_steps.hpp"
#include "tests/support/receiver.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_db.hpp"
#include "tests/support/test_server.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <atomic>
#include <map>
#include <thread>

using namespace hookd;
using namespace std::chrono_literals;
using test::http_client;
using test::receiver;
using test::reply;
using test::test_server;

namespace {

using clock_type = std::chrono::steady_clock;

std::string ingest(http_client& c, const std::string& key, int i) {
  return test::post_event_id(c, key,
                             R"({"type":"build.failed","data":{"i":)" + std::to_string(i) + "}}");
}

// The event id inside a delivered Standard Webhooks body.
std::string event_id_of(const std::string& body) {
  simdjson::dom::parser p;
  auto doc = test::parse_json(p, body);
  return std::string{doc["data"]["i"].is_int64() ? std::to_string(doc["data"]["i"].get_int64())
                                                 : ""};
}

// A webhook with no retries: the first failure exhausts the delivery.
std::string make_fragile_webhook(http_client& c, const std::string& key, uint16_t port) {
  return test::create_webhook_id(
      c, key, "fragile", port,
      R"("events":["*"],"retry":{"attempts":0,"base_seconds":1,"max_seconds":1})");
}

// Polls the queue figures until `done(doc)` holds or 20 s pass; returns the last body.
template <class Pred> std::string poll_queue(http_client& c, const std::string& key, Pred done) {
  simdjson::dom::parser p;
  return test::poll_get(c, key, "/v1/queue/stats",
                        [&](const std::string& body) { return done(test::parse_json(p, body)); });
}

} // namespace

TEST_CASE("queue: failed deliveries are retried in bulk with their webhook-id",
          "[integration][queue]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  std::atomic<bool> healthy{false};
  receiver rx{[&](const test::received_request&) {
    return healthy ? reply{200, "ok", {}} : reply{500, "down", {}};
  }};
  http_client c{srv.port()};
  auto hook = make_fragile_webhook(c, key, rx.port());
  for (int i = 0; i < 3; ++i)
    ingest(c, key, i);
  REQUIRE(rx.wait_for(3, 15s) == 3);
  // All three failed for good, and the figures say so.
  simdjson::dom::parser p;
  auto body = poll_queue(c, key, [](simdjson::dom::element d) {
    return d["exhausted_last_24h"].get_uint64().value() == 3 && d["pending"].get_uint64() == 0;
  });
  auto stats = test::parse_json(p, body);
  CHECK(stats["tenant"].get_string().value() == "acme");
  CHECK(stats["exhausted_last_24h"].get_uint64().value() == 3);
  CHECK(stats["events_in_log"].get_uint64().value() >= 3);
  CHECK(stats["pending"].get_uint64().value() == 0);
  CHECK(stats["webhooks"]["enabled"].get_uint64().value() == 1);
  std::map<std::string, std::string> first_ids; // event (data.i) -> webhook-id
  for (const auto& r : rx.requests())
    first_ids[event_id_of(r.body)] = r.headers.at("webhook-id");
  REQUIRE(first_ids.size() == 3);

  // The endpoint is back: one call puts every failed delivery back.
  healthy = true;
  auto r = c.request("POST", "/v1/queue/retry-failed", "{}", key);
  REQUIRE(r.status == 202);
  auto job = test::parse_json(p, r.body);
  CHECK(job["total"].get_uint64().value() == 3);
  auto job_id = std::string{job["id"].get_string().value()};
  REQUIRE(rx.wait_for(6, 15s) == 6);
  auto all = rx.requests();
  for (std::size_t i = 3; i < all.size(); ++i) {
    auto id = event_id_of(all[i].body);
    INFO("event " << id);
    CHECK(all[i].headers.at("webhook-id") == first_ids.at(id)); // receivers can deduplicate
  }
  // The job shows its progress in the queue figures, and ends.
  body = poll_queue(c, key, [](simdjson::dom::element d) {
    auto jobs = d["retry_jobs"].get_array();
    return jobs.size() == 1 && jobs.at(0)["state"].get_string().value() == "done";
  });
  auto jobs = test::parse_json(p, body)["retry_jobs"].get_array();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs.at(0)["id"].get_string().value() == job_id);
  CHECK(jobs.at(0)["requeued"].get_uint64().value() == 3);
  CHECK(jobs.at(0)["skipped"].get_uint64().value() == 0);
  // Each delivery is delivered now, and a second bulk retry finds nothing left to do.
  // (The attempt records reach the log in the writer's next commit: wait for them.)
  std::size_t succeeded = 0;
  for (auto until = clock_type::now() + 10s; succeeded < 3 && clock_type::now() < until;) {
    auto d = c.request("GET", "/v1/webhooks/" + hook + "/deliveries?status=succeeded", {}, key);
    succeeded = test::parse_json(p, d.body)["data"].get_array().size();
    if (succeeded < 3)
      std::this_thread::sleep_for(20ms);
  }
  CHECK(succeeded == 3);
  r = c.request("POST", "/v1/queue/retry-failed", R"({"webhook_id":")" + hook + R"("})", key);
  REQUIRE(r.status == 202);
  CHECK(test::parse_json(p, r.body)["total"].get_uint64().value() == 0);
  std::this_thread::sleep_for(200ms);
  CHECK(rx.requests().size() == 6);
}

TEST_CASE("queue: retry-failed answers bad scopes with problems and changes nothing",
          "[integration][queue]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  auto other = srv.make_tenant_key("globex");
  receiver rx{[](const test::received_request&) { return reply{500, "down", {}}; }};
  http_client c{srv.port()};
  auto hook = make_fragile_webhook(c, key, rx.port());
  auto post = [&](const std::string& body, const std::string& k) {
    return c.request("POST", "/v1/queue/retry-failed", body, k);
  };
  CHECK(post(R"({"since":"yesterday"})", key).status == 422);
  CHECK(post(R"({"since":"2026-01-02T00:00:00Z","until":"2026-01-01T00:00:00Z"})", key).status ==
        422);
  CHECK(post(R"({"webhook":"x"})", key).status == 422);
  CHECK(post(R"({"webhook_id":""})", key).status == 422);
  CHECK(post("[1,2]", key).status == 422);
  CHECK(post("{", key).status == 400);
  auto foreign = post(R"({"webhook_id":")" + hook + R"("})", other);
  CHECK(foreign.status == 404); // another tenant's webhook does not exist for globex
  CHECK(foreign.body.find("application/problem+json") == std::string::npos);
  CHECK(post("{}", test_server::admin_token()).status == 403);
  CHECK(post("{}", "wrong").status == 401);
  auto read_only = srv.make_tenant_key("initech", R"(["read"])");
  CHECK(post("{}", read_only).status == 403);
  // Nothing was started.
  auto stats = c.request("GET", "/v1/queue/stats", {}, key);
  CHECK(stats.body.find(R"("retry_jobs":[])") != std::string::npos);
}

TEST_CASE("queue: the admin sees every tenant, a tenant only its own", "[integration][queue]") {
  test_server srv;
  auto acme = srv.make_tenant_key("acme");
  auto globex = srv.make_tenant_key("globex");
  http_client c{srv.port()};
  ingest(c, acme, 1);
  ingest(c, acme, 2);
  ingest(c, globex, 3);
  simdjson::dom::parser p;
  auto all = c.request("GET", "/v1/queue/stats", {}, test_server::admin_token());
  REQUIRE(all.status == 200);
  auto doc = test::parse_json(p, all.body);
  CHECK(doc["tenant"].is_null());
  CHECK(doc["events_in_log"].get_uint64().value() == 3);
  auto mine = test::parse_json(p, c.request("GET", "/v1/queue/stats", {}, globex).body);
  CHECK(mine["tenant"].get_string().value() == "globex");
  CHECK(mine["events_in_log"].get_uint64().value() == 1);
  auto one = c.request("GET", "/v1/queue/stats?tenant=acme", {}, test_server::admin_token());
  CHECK(test::parse_json(p, one.body)["events_in_log"].get_uint64().value() == 2);
  CHECK(c.request("GET", "/v1/queue/stats", {}, "nope").status == 401);
}

TEST_CASE("metrics: Prometheus text with bounded labels, for the admin only",
          "[integration][metrics]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  receiver rx{[](const test::received_request&) { return reply{}; }};
  http_client c{srv.port()};
  auto r = c.request("POST", "/v1/webhooks",
                     R"({"name":"m","url":"http://127.0.0.1:)" + std::to_string(rx.port()) +
                         R"(/secret-path","events":["*"]})",
                     key);
  REQUIRE(r.status == 201);
  auto event_id = ingest(c, key, 1);
  ingest(c, key, 2);
  REQUIRE(rx.wait_for(2, 15s) == 2);
  std::string body;
  for (auto until = clock_type::now() + 10s; clock_type::now() < until;) {
    auto m = c.request("GET", "/metrics", {}, test_server::admin_token());
    REQUIRE(m.status == 200);
    body = m.body;
    if (body.find(R"(hookd_deliveries_total{tenant="acme",outcome="delivered"} 2)") !=
        std::string::npos)
      break;
    std::this_thread::sleep_for(50ms);
  }
  INFO(body);
  CHECK(body.find(R"(hookd_events_ingested_total{tenant="acme"} 2)") != std::string::npos);
  CHECK(body.find(R"(hookd_deliveries_total{tenant="acme",outcome="delivered"} 2)") !=
        std::string::npos);
  CHECK(body.find(R"(hookd_delivery_attempts_total{tenant="acme",result="succeeded"} 2)") !=
        std::string::npos);
  CHECK(body.find("hookd_delivery_latency_seconds_count 2") != std::string::npos);
  CHECK(body.find("hookd_ingest_to_delivery_seconds_count 2") != std::string::npos);
  CHECK(body.find(R"(hookd_webhooks{tenant="acme",state="enabled"} 1)") != std::string::npos);
  CHECK(body.find("# TYPE hookd_commit_seconds histogram") != std::string::npos);
  CHECK(body.find("hookd_log_head_seq 2") != std::string::npos);
  CHECK(body.find("hookd_storage_bytes ") != std::string::npos);
  // No event ids, URLs or secrets in labels.
  CHECK(body.find(event_id) == std::string::npos);
  CHECK(body.find("secret-path") == std::string::npos);
  CHECK(body.find("whsec_") == std::string::npos);
  CHECK(c.request("GET", "/metrics", {}, key).status == 403);
  CHECK(c.request("GET", "/metrics", {}, {}).status == 401);
  CHECK(c.request("POST", "/metrics", {}, test_server::admin_token()).status == 405);
}

TEST_CASE("checkpoints: an online checkpoint is a consistent copy that opens on its own",
          "[integration][checkpoint]") {
  test::temp_dir backups;
  test::test_server_options opts;
  opts.api.checkpoint_dir = backups.path() / "cps";
  test_server srv{opts};
  auto key = srv.make_tenant_key("acme");
  http_client c{srv.port()};
  test::create_webhook_id(c, key, "sink", 9);
  for (int i = 0; i < 5; ++i)
    ingest(c, key, i);
  const auto admin = test_server::admin_token();
  auto head = storage::log_reader{srv.core().db()}.head()->seq;
  auto made = c.request("POST", "/v1/admin/checkpoints", R"({"name":"first"})", admin);
  REQUIRE(made.status == 201);
  simdjson::dom::parser p;
  auto doc = test::parse_json(p, made.body);
  CHECK(doc["name"].get_string().value() == "first");
  CHECK(doc["head_seq"].get_uint64().value() == head);
  CHECK(doc["bytes"].get_uint64().value() > 0);
  auto path = std::filesystem::path{std::string{doc["path"].get_string().value()}};
  CHECK(path == std::filesystem::absolute(opts.api.checkpoint_dir / "first"));
  ingest(c, key, 99); // after the checkpoint: not in it
  // The copy is a data folder of its own: it opens, its chain verifies, and it holds the
  // configuration and exactly the events up to the checkpoint.
  storage::database_options ro;
  ro.read_only = true;
  ro.secrets = test::test_secret_box();
  auto copy = storage::database::open(path / "db", ro);
  REQUIRE(copy);
  storage::log_reader log{**copy};
  CHECK(log.head()->seq == head);
  auto verified = log.verify_chain();
  REQUIRE(verified);
  CHECK(verified->intact);
  CHECK(verified->checked == head);
  storage::config_reader config{**copy};
  CHECK(config.get_tenant("acme")->has_value());
  auto hooks = config.list_webhooks("acme", "", 10);
  REQUIRE(hooks);
  REQUIRE(hooks->size() == 1);
  CHECK(hooks->front().secret.rfind("whsec_", 0) == 0); // sealed secrets open with the same key
  // Without a name, it is named after the time; a name in use is a conflict.
  auto unnamed = c.request("POST", "/v1/admin/checkpoints", {}, admin);
  REQUIRE(unnamed.status == 201);
  CHECK(test::json_string(unnamed.body, "name").rfind("hookd-", 0) == 0);
  auto again = c.request("POST", "/v1/admin/checkpoints", R"({"name":"first"})", admin);
  CHECK(again.status == 409);
  CHECK(again.body.find("checkpoint-exists") != std::string::npos);
  // Hostile and malformed requests: nothing is written outside the folder.
  for (const std::string body : {R"({"name":"../escape"})", R"({"name":""})", R"({"name":"a/b"})",
                                 R"({"name":7})", R"({"path":"/tmp/x"})", "[1]"}) {
    INFO(body);
    auto r = c.request("POST", "/v1/admin/checkpoints", body, admin);
    CHECK(r.status == 422);
    CHECK(r.headers["content-type"] == "application/problem+json");
  }
  CHECK(c.request("POST", "/v1/admin/checkpoints", "{", admin).status == 400);
  CHECK_FALSE(std::filesystem::exists(backups.path() / "escape"));
  CHECK(c.request("POST", "/v1/admin/checkpoints", "{}", key).status == 403);
  CHECK(c.request("POST", "/v1/admin/checkpoints", "{}", "hkd_key_nope_nope").status == 401);
  CHECK(c.request("GET", "/v1/admin/checkpoints", {}, admin).status == 405);
  std::size_t folders = 0;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator(opts.api.checkpoint_dir))
    ++folders;
  CHECK(folders == 2);
}

TEST_CASE("checkpoints: refused when no checkpoint folder is configured",
          "[integration][checkpoint]") {
  test_server srv;
  http_client c{srv.port()};
  auto r = c.request("POST", "/v1/admin/checkpoints", {}, test_server::admin_token());
  CHECK(r.status == 409);
  CHECK(r.body.find("checkpoints-disabled") != std::string::npos);
}
