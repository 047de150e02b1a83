// End to end against real receivers started here: how each kind of answer is handled
// (429 + Retry-After, 410, a reset connection, a redirect, a hang), what is recorded, and the
// read APIs over it (deliveries, stats, per-event state, test deliveries).

#include "domain/delivery_message.hpp"
#include "tests/support/api_steps.hpp"
#include "tests/support/receiver.hpp"
#include "tests/support/test_server.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace hookd;
using namespace std::chrono_literals;
using test::http_client;
using test::receiver;
using test::reply;
using test::test_server;

namespace {

using clock_type = std::chrono::steady_clock;

std::string ingest(http_client& c, const std::string& key, const std::string& type = "a.b") {
  return test::post_event_id(c, key, R"({"type":")" + type + R"(","data":{"x":1}})");
}

} // namespace

TEST_CASE("outcomes: 429 with Retry-After is retried no sooner than asked",
          "[integration][delivery]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  std::mutex mtx;
  std::vector<clock_type::time_point> arrivals;
  receiver rx{[&](const test::received_request&) {
    std::lock_guard guard{mtx};
    arrivals.push_back(clock_type::now());
    if (arrivals.size() == 1)
      return reply{429, "slow down", {{"Retry-After", "2"}}};
    return reply{200, "ok", {}};
  }};
  http_client c{srv.port()};
  auto hook = test::create_webhook_id(
      c, key, "limited", rx.port(),
      R"("events":["*"],"retry":{"attempts":3,"base_seconds":1,"max_seconds":1})");
  ingest(c, key);
  REQUIRE(rx.wait_for(2, 15s) == 2);
  {
    std::lock_guard guard{mtx};
    auto gap = arrivals[1] - arrivals[0];
    INFO("gap " << std::chrono::duration_cast<std::chrono::milliseconds>(gap).count() << " ms");
    CHECK(gap >= 1900ms); // Retry-After: 2 beats the schedule's 1 s (±20 % jitter).
  }
  auto body =
      test::poll_get(c, key, "/v1/webhooks/" + hook + "/deliveries",
                     [](const std::string& b) { return b.find("succeeded") != std::string::npos; });
  simdjson::dom::parser p;
  auto data = test::parse_json(p, body)["data"].get_array();
  REQUIRE(data.size() == 2);
  CHECK(data.at(0)["result"].get_string().value() == "succeeded");
  CHECK(data.at(0)["attempt"].get_uint64().value() == 2);
  CHECK(data.at(1)["result"].get_string().value() == "retrying");
  CHECK(data.at(1)["status"].get_int64().value() == 429);
  CHECK(data.at(1)["response"].get_string().value() == "slow down");
}

TEST_CASE("outcomes: 410 Gone disables the webhook and announces it", "[integration][delivery]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  receiver gone{[](const test::received_request&) { return reply{410, "gone", {}}; }};
  receiver watcher{[](const test::received_request&) { return reply{}; }};
  http_client c{srv.port()};
  auto hook = test::create_webhook_id(c, key, "gone", gone.port(), R"("events":["a.*"])");
  test::create_webhook_id(c, key, "watcher", watcher.port(), R"("events":["webhook.*"])");
  ingest(c, key, "a.one");
  // The watcher subscribed to webhook.* hears about it, like any other event.
  REQUIRE(watcher.wait_for(1, 15s) == 1);
  auto notice = watcher.requests()[0];
  CHECK(notice.body.find(R"("type":"webhook.disabled")") != std::string::npos);
  CHECK(notice.body.find(hook) != std::string::npos);
  auto w = c.request("GET", "/v1/webhooks/" + hook, {}, key);
  CHECK(w.body.find(R"("enabled":false)") != std::string::npos);
  CHECK(w.body.find("410 Gone") != std::string::npos);
  ingest(c, key, "a.two");
  std::this_thread::sleep_for(300ms);
  CHECK(gone.requests().size() == 1); // Nothing more goes to a webhook that said 410.
  auto stats = c.request("GET", "/v1/webhooks/" + hook + "/stats", {}, key);
  REQUIRE(stats.status == 200);
  CHECK(stats.body.find(R"("enabled":false)") != std::string::npos);
  CHECK(stats.body.find(R"("failed":1)") != std::string::npos);
  // A test delivery to a disabled webhook is refused with a clear problem.
  auto t = c.request("POST", "/v1/webhooks/" + hook + "/test", {}, key);
  CHECK(t.status == 409);
  CHECK(t.body.find("webhook-disabled") != std::string::npos);
  // Enabling it again resumes from its cursor: a.two, which arrived while disabled, goes.
  REQUIRE(c.request("PATCH", "/v1/webhooks/" + hook, R"({"enabled":true})", key).status == 200);
  CHECK(gone.wait_for(2, 15s) == 2);
  CHECK(gone.requests()[1].body.find("a.two") != std::string::npos);
}

TEST_CASE("outcomes: a reset connection and a timeout are retried and recorded",
          "[integration][delivery]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  std::mutex mtx;
  std::map<std::string, int> seen;
  receiver rx{[&](const test::received_request& r) {
    std::lock_guard guard{mtx};
    int n = ++seen[r.target];
    reply out;
    if (r.target == "/reset" && n == 1)
      out.hang_up = true;
    if (r.target == "/slow" && n == 1)
      out.delay = 2500ms; // Past the 1 s timeout.
    return out;
  }};
  http_client c{srv.port()};
  auto fast_retry =
      R"("events":["*"],"timeout_seconds":1,"retry":{"attempts":3,"base_seconds":1,"max_seconds":1})";
  auto reset = test::create_webhook_id(c, key, "reset", rx.port(), fast_retry);
  auto slow = test::create_webhook_id(c, key, "slow", rx.port(), fast_retry);
  ingest(c, key);
  REQUIRE(rx.wait_for(4, 20s) >= 4);
  simdjson::dom::parser p;
  for (auto [hook, error] : {std::pair{reset, "connection_reset"}, std::pair{slow, "timeout"}}) {
    auto body =
        test::poll_get(c, key, "/v1/webhooks/" + hook + "/deliveries", [](const std::string& b) {
          return b.find("succeeded") != std::string::npos;
        });
    INFO(body);
    auto data = test::parse_json(p, body)["data"].get_array();
    REQUIRE(data.size() == 2);
    CHECK(data.at(1)["error"].get_string().value() == error);
    CHECK(data.at(1)["status"].is_null());
    CHECK(data.at(1)["result"].get_string().value() == "retrying");
    CHECK(data.at(0)["result"].get_string().value() == "succeeded");
    CHECK(data.at(0)["message_id"].get_string().value() ==
          data.at(1)["message_id"].get_string().value());
  }
}

TEST_CASE("outcomes: a redirect is not followed and not retried", "[integration][delivery]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  receiver rx{[](const test::received_request& r) {
    if (r.target == "/moved")
      return reply{302, "", {{"Location", "/elsewhere"}}};
    return reply{};
  }};
  http_client c{srv.port()};
  auto hook = test::create_webhook_id(c, key, "moved", rx.port());
  auto event = ingest(c, key);
  REQUIRE(rx.wait_for(1, 10s) == 1);
  std::this_thread::sleep_for(1500ms);
  auto reqs = rx.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].target == "/moved");
  auto body =
      test::poll_get(c, key, "/v1/events/" + event + "/deliveries", [](const std::string& b) {
        return b.find(R"("state":"failed")") != std::string::npos;
      });
  INFO(body);
  simdjson::dom::parser p;
  auto hooks = test::parse_json(p, body)["data"].get_array();
  REQUIRE(hooks.size() == 1);
  CHECK(hooks.at(0)["state"].get_string().value() == "failed");
  CHECK(hooks.at(0)["attempts"].get_array().at(0)["status"].get_int64().value() == 302);
}

TEST_CASE("outcomes: a receiver that fails the first N attempts of each id",
          "[integration][delivery]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  std::mutex mtx;
  std::map<std::string, int> seen;
  constexpr int fail_first = 2;
  receiver rx{[&](const test::received_request& r) {
    std::lock_guard guard{mtx};
    return ++seen[r.headers.at("webhook-id")] <= fail_first ? reply{500, "no", {}}
                                                            : reply{200, "ok", {}};
  }};
  http_client c{srv.port()};
  auto hook = test::create_webhook_id(
      c, key, "flaky", rx.port(),
      R"("events":["*"],"retry":{"attempts":5,"base_seconds":1,"max_seconds":1})");
  for (int i = 0; i < 10; ++i)
    ingest(c, key);
  CHECK(rx.wait_for(30, 20s) == 30);
  {
    std::lock_guard guard{mtx};
    CHECK(seen.size() == 10);
    for (auto& [id, n] : seen)
      CHECK(n == fail_first + 1);
  }
  auto body = test::poll_get(c, key, "/v1/webhooks/" + hook + "/stats", [](const std::string& b) {
    return b.find(R"("delivered":10)") != std::string::npos;
  });
  INFO(body);
  simdjson::dom::parser p;
  auto s = test::parse_json(p, body);
  CHECK(s["delivered"].get_uint64().value() == 10);
  CHECK(s["attempts"].get_uint64().value() == 30);
  CHECK(s["retries"].get_uint64().value() == 20);
  CHECK(s["success_rate"].get_double().value() == 1.0);
  CHECK(std::abs(s["retry_rate"].get_double().value() - 20.0 / 30.0) < 1e-9);
  CHECK(s["latency_ms"]["count"].get_uint64().value() == 30);
  CHECK(s["latency_ms"]["p50"].get_double().value() > 0);
  CHECK(s["latency_ms"]["p99"].get_double().value() >= s["latency_ms"]["p50"].get_double().value());
  CHECK(s["circuit"].get_string().value() == "closed");
}

TEST_CASE("outcomes: the read APIs page, filter and reject bad parameters",
          "[integration][delivery]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  auto reader_key = srv.make_tenant_key("acme", R"(["read"])");
  auto other = srv.make_tenant_key("other");
  receiver rx{[](const test::received_request&) { return reply{200, "fine", {}}; }};
  http_client c{srv.port()};
  auto hook = test::create_webhook_id(c, key, "all", rx.port(), R"("events":["a.*"])");
  auto unrelated = test::create_webhook_id(c, key, "builds", rx.port(), R"("events":["build.*"])");
  std::vector<std::string> events;
  for (int i = 0; i < 5; ++i)
    events.push_back(ingest(c, key, "a.b"));
  REQUIRE(rx.wait_for(5, 10s) == 5);
  auto path = "/v1/webhooks/" + hook + "/deliveries";
  test::poll_get(c, key, path, [](const std::string& b) {
    return std::count(b.begin(), b.end(), '{') >= 6; // five attempts in the page
  });
  simdjson::dom::parser p;
  // Two per page, newest first, then the rest by cursor.
  auto first = c.request("GET", path + "?limit=2", {}, reader_key);
  REQUIRE(first.status == 200);
  auto doc = test::parse_json(p, first.body);
  REQUIRE(doc["data"].get_array().size() == 2);
  auto newest = doc["data"].get_array().at(0)["number"].get_uint64().value();
  auto cursor = std::string{doc["next_cursor"].get_string().value()};
  auto second = c.request("GET", path + "?limit=10&cursor=" + cursor, {}, reader_key);
  REQUIRE(second.status == 200);
  auto doc2 = test::parse_json(p, second.body);
  CHECK(doc2["data"].get_array().size() == 3);
  CHECK(doc2["data"].get_array().at(0)["number"].get_uint64().value() == newest - 2);
  CHECK(doc2["next_cursor"].is_null());
  CHECK(test::parse_json(p, c.request("GET", path + "?status=failed", {}, key).body)["data"]
            .get_array()
            .size() == 0);
  // Bad parameters are 400 problems naming the parameter.
  for (auto q : {"?status=bogus", "?limit=0", "?cursor=zz"}) {
    auto r = c.request("GET", path + q, {}, key);
    INFO(q << " " << r.body);
    CHECK(r.status == 400);
    CHECK(r.headers["content-type"] == "application/problem+json");
  }
  // Unknown and foreign webhooks are 404 on every read route.
  for (auto suffix : {"/deliveries", "/stats"}) {
    CHECK(c.request("GET", "/v1/webhooks/wh_nope" + std::string{suffix}, {}, key).status == 404);
    CHECK(c.request("GET", "/v1/webhooks/" + hook + suffix, {}, other).status == 404);
  }
  CHECK(c.request("POST", "/v1/webhooks/wh_nope/test", {}, key).status == 404);
  CHECK(c.request("GET", "/v1/events/" + events[0] + "/deliveries", {}, other).status == 404);
  // Testing sends traffic: it needs the manage scope.
  CHECK(c.request("POST", "/v1/webhooks/" + hook + "/test", {}, reader_key).status == 403);
  CHECK(c.request("GET", "/v1/webhooks/" + hook + "/test", {}, key).status == 405);
  // Per-event state: delivered to the subscriber, filtered out for the other.
  auto state =
      test::poll_get(c, key, "/v1/events/" + events[0] + "/deliveries",
                     [](const std::string& b) { return b.find("delivered") != std::string::npos; });
  auto sdoc = test::parse_json(p, state);
  std::map<std::string, std::string> states;
  for (auto h : sdoc["data"].get_array())
    states[std::string{h["webhook_id"].get_string().value()}] =
        std::string{h["state"].get_string().value()};
  CHECK(states[hook] == "delivered");
  CHECK(states[unrelated] == "filtered_out");
  // A test delivery: answered synchronously with the receiver's status and body.
  auto t = c.request("POST", "/v1/webhooks/" + hook + "/test", {}, key);
  REQUIRE(t.status == 200);
  auto tdoc = test::parse_json(p, t.body);
  CHECK(tdoc["delivered"].get_bool().value());
  CHECK(tdoc["attempt"]["status"].get_int64().value() == 200);
  CHECK(tdoc["attempt"]["response"].get_string().value() == "fine");
  CHECK(tdoc["attempt"]["test"].get_bool().value());
  REQUIRE(rx.wait_for(6, 5s) == 6);
  CHECK(rx.requests().back().body.find(R"("type":"webhook.test")") != std::string::npos);
}

TEST_CASE("outcomes: 10k events to 10 webhooks, each delivered exactly once",
          "[integration][delivery][volume]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  receiver rx{[](const test::received_request&) { return reply{204, "", {}}; }};
  http_client c{srv.port()};
  std::map<std::string, std::string> hooks; // path -> id
  for (int i = 0; i < 10; ++i) {
    auto name = "h" + std::to_string(i);
    hooks["/" + name] =
        test::create_webhook_id(c, key, name, rx.port(), R"("events":["*"],"max_in_flight":8)");
  }
  std::vector<std::string> ids;
  for (int b = 0; b < 10; ++b) {
    std::string batch = R"({"events":[)";
    for (int i = 0; i < 1000; ++i) {
      auto id = "e" + std::to_string(b * 1000 + i);
      ids.push_back(id);
      batch += (i ? "," : "") + std::string{R"({"id":")"} + id + R"(","type":"v.x","data":{}})";
    }
    REQUIRE(c.request("POST", "/v1/events", batch + "]}", key).status == 202);
  }
  auto start = clock_type::now();
  CHECK(rx.wait_for(100'000, 120s) == 100'000);
  auto took = clock_type::now() - start;
  std::this_thread::sleep_for(500ms); // Anything extra would arrive now.
  auto reqs = rx.requests();
  CHECK(reqs.size() == 100'000);
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& r : reqs)
    CHECK(seen.emplace(r.target, r.headers.at("webhook-id")).second);
  // Every event reached every webhook: compare with the expected webhook-ids.
  std::size_t missing = 0;
  for (const auto& [path, hook] : hooks)
    for (const auto& id : ids)
      missing += seen.count({path, delivery_message_id(hook, id)}) == 0;
  CHECK(missing == 0);
  WARN("100,000 deliveries (10k events x 10 webhooks) in "
       << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
}

TEST_CASE("outcomes: a webhook never receives operational events about itself",
          "[integration][delivery]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  std::atomic<int> calls{0};
  // 410 on the first request, then healthy: disabled, re-enabled, recovered.
  receiver self_rx{[&](const test::received_request&) {
    return ++calls == 1 ? reply{410, "gone", {}} : reply{200, "ok", {}};
  }};
  receiver watcher{[](const test::received_request&) { return reply{}; }};
  http_client c{srv.port()};
  auto self = test::create_webhook_id(c, key, "self", self_rx.port(), R"("events":["*"])");
  auto other =
      test::create_webhook_id(c, key, "other", watcher.port(), R"("events":["webhook.*"])");
  ingest(c, key, "a.one");
  REQUIRE(watcher.wait_for(1, 15s) == 1); // webhook.disabled about `self`
  REQUIRE(c.request("PATCH", "/v1/webhooks/" + self, R"({"enabled":true})", key).status == 200);
  ingest(c, key, "a.two");
  REQUIRE(watcher.wait_for(2, 15s) == 2); // webhook.recovered about `self`
  CHECK(watcher.requests()[1].body.find(R"("type":"webhook.recovered")") != std::string::npos);
  std::this_thread::sleep_for(500ms);
  for (const auto& r : self_rx.requests()) {
    INFO(r.body);
    CHECK(r.body.find(R"("type":"webhook.)") == std::string::npos);
  }
  CHECK(self_rx.requests().size() == 2); // a.one (410) and a.two; a.one ended with the 410
  // `other` is not disabled and receives notices about `self`, never about itself.
  CHECK(c.request("GET", "/v1/webhooks/" + other, {}, key).body.find(R"("enabled":true)") !=
        std::string::npos);
}

TEST_CASE("outcomes: without the allow-list, private targets are refused at save and at connect",
          "[integration][delivery][ssrf]") {
  test::test_server_options strict;
  strict.policy = address_policy{}; // what a production hookd runs with
  test_server srv{strict};
  auto key = srv.make_tenant_key("acme");
  receiver rx{[](const test::received_request&) { return reply{}; }};
  http_client c{srv.port()};
  auto create = [&](const std::string& url) {
    return c.request("POST", "/v1/webhooks",
                     R"({"name":"n)" + std::to_string(rx.port()) + url.substr(8, 3) +
                         R"(","url":")" + url + R"(","events":["*"]})",
                     key);
  };
  auto port = std::to_string(rx.port());
  // Refused when saved: plain http, and addresses written as the host in any form.
  for (auto url : std::vector<std::string>{
           "http://example.com/h", "https://127.0.0.1:" + port + "/h",
           "https://2130706433:" + port + "/h", "https://0x7f.1:" + port + "/h",
           "https://[::1]:" + port + "/h", "https://169.254.169.254/latest"}) {
    INFO(url);
    auto r = create(url);
    CHECK(r.status == 422);
    CHECK(r.body.find(R"("field":"/url")") != std::string::npos);
  }
  // A name is accepted, and refused when it resolves to loopback: recorded, never retried.
  auto made = create("https://localhost:" + port + "/h");
  REQUIRE(made.status == 201);
  auto id = test::json_string(made.body, "id");
  REQUIRE(c.request("POST", "/v1/events", R"({"type":"a.b","data":{}})", key).status == 202);
  auto body =
      test::poll_get(c, key, "/v1/webhooks/" + id + "/deliveries", [](const std::string& b) {
        return b.find("blocked_address") != std::string::npos;
      });
  INFO(body);
  CHECK(body.find(R"("error":"blocked_address","result":"failed")") != std::string::npos);
  std::this_thread::sleep_for(300ms);
  CHECK(rx.requests().empty());
}
