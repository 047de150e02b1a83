// End to end: events ingested over HTTP reach real receivers through the router and the
// webhook actors, signed, filtered by type and labels, retried with the same webhook-id.

#include "domain/hmac.hpp"
#include "domain/webhook_secret.hpp"
#include "tests/support/api_steps.hpp"
#include "tests/support/receiver.hpp"
#include "tests/support/test_server.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <mutex>
#include <set>

using namespace hookd;
using namespace std::chrono_literals;
using test::http_client;
using test::receiver;
using test::reply;
using test::test_server;

namespace {

// True when the request's signature verifies with `secret`, computed from the raw bytes.
bool signature_ok(const test::received_request& r, const std::string& secret) {
  hmac_sha256_key key{*parse_webhook_secret(secret)};
  auto id = r.headers.at("webhook-id");
  auto ts = std::stoll(r.headers.at("webhook-timestamp"));
  return r.headers.at("webhook-signature") == standard_webhooks_signature(key, id, ts, r.body);
}

} // namespace

TEST_CASE("delivery: events reach each matching webhook once, signed", "[integration][delivery]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  receiver rx{[](const test::received_request&) { return reply{204, "", {}}; }};
  http_client c{srv.port()};
  auto deploys = test::create_webhook(c, key, "deploys", rx.port(), R"("events":["deployment.*"])");
  auto app1 = test::create_webhook(c, key, "app1", rx.port(),
                                   R"("events":["*"],"label_filter":{"application_id":"app_1"})");
  auto builds = test::create_webhook(c, key, "builds", rx.port(), R"("events":["build.failed"])");
  std::map<std::string, std::string> secrets{{"/deploys", test::json_string(deploys, "secret")},
                                             {"/app1", test::json_string(app1, "secret")},
                                             {"/builds", test::json_string(builds, "secret")}};
  // Another tenant's identical webhook receives nothing of acme's.
  auto other = srv.make_tenant_key("other");
  test::create_webhook(c, other, "deploys", rx.port(), R"("events":["*"])");

  std::vector<std::string> types{"deployment.started", "build.failed", "payment.failed"};
  std::map<std::string, int> expected;
  std::string batch = R"({"events":[)";
  for (int i = 0; i < 300; ++i) {
    auto type = types[i % 3];
    auto app = "app_" + std::to_string(i % 2);
    batch += (i ? "," : "") + std::string{R"({"id":"e)"} + std::to_string(i) + R"(","type":")" +
             type + R"(","labels":{"application_id":")" + app + R"("},"data":{"i":)" +
             std::to_string(i) + "}}";
    expected["/deploys"] += type.starts_with("deployment.") ? 1 : 0;
    expected["/app1"] += app == "app_1" ? 1 : 0;
    expected["/builds"] += type == "build.failed" ? 1 : 0;
  }
  REQUIRE(c.request("POST", "/v1/events", batch + "]}", key).status == 202);
  auto total = std::size_t(expected["/deploys"] + expected["/app1"] + expected["/builds"]);
  CHECK(rx.wait_for(total, 20s) == total);
  std::this_thread::sleep_for(200ms); // Anything extra would arrive now.
  auto reqs = rx.requests();
  CHECK(reqs.size() == total);
  std::map<std::string, int> got;
  std::set<std::string> ids;
  for (const auto& r : reqs) {
    ++got[r.target];
    INFO(r.target << " " << r.body);
    REQUIRE(secrets.count(r.target) == 1);
    CHECK(signature_ok(r, secrets[r.target]));
    CHECK(r.headers.at("content-type") == "application/json");
    CHECK(r.body.starts_with(R"({"type":")"));
    ids.insert(r.headers.at("webhook-id"));
  }
  CHECK(got == expected);
  CHECK(ids.size() == total); // Exactly once: no webhook-id twice.
}

TEST_CASE("delivery: failures are retried with the same webhook-id", "[integration][delivery]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  std::mutex mtx;
  std::map<std::string, int> seen;
  receiver rx{[&](const test::received_request& r) {
    std::lock_guard guard{mtx};
    // Fail the first attempt of every id.
    return ++seen[r.headers.at("webhook-id")] == 1 ? reply{503, "busy", {}} : reply{200, "ok", {}};
  }};
  http_client c{srv.port()};
  test::create_webhook(c, key, "flaky", rx.port(),
                       R"("events":["*"],"retry":{"attempts":3,"base_seconds":1,"max_seconds":1})");
  for (int i = 0; i < 5; ++i)
    REQUIRE(c.request("POST", "/v1/events", R"({"type":"a.b","data":{}})", key).status == 202);
  CHECK(rx.wait_for(10, 15s) == 10);
  std::lock_guard guard{mtx};
  CHECK(seen.size() == 5);
  for (auto& [id, n] : seen)
    CHECK(n == 2);
}

TEST_CASE("delivery: a deleted webhook stops, a disabled one receives nothing",
          "[integration][delivery]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  receiver rx{[](const test::received_request&) { return reply{}; }};
  http_client c{srv.port()};
  auto kept = test::create_webhook(c, key, "kept", rx.port(), R"("events":["*"])");
  auto gone = test::create_webhook(c, key, "gone", rx.port(), R"("events":["*"])");
  auto off = test::create_webhook(c, key, "off", rx.port(), R"("events":["*"])");
  REQUIRE(c.request("DELETE", "/v1/webhooks/" + test::json_string(gone, "id"), {}, key).status ==
          204);
  REQUIRE(c.request("PATCH", "/v1/webhooks/" + test::json_string(off, "id"), R"({"enabled":false})",
                    key)
              .status == 200);
  REQUIRE(c.request("POST", "/v1/events", R"({"type":"a.b","data":{}})", key).status == 202);
  CHECK(rx.wait_for(1, 10s) == 1);
  std::this_thread::sleep_for(300ms);
  auto reqs = rx.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].target == "/kept");
}

TEST_CASE("delivery: a hung endpoint does not slow the others", "[integration][delivery]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  receiver fast{[](const test::received_request&) { return reply{}; }};
  receiver hung{[&](const test::received_request&) {
    reply r;
    r.delay = 4s; // Past the webhook's 1 s timeout.
    return r;
  }};
  http_client c{srv.port()};
  test::create_webhook(c, key, "fast", fast.port(), R"("events":["a.*"])");
  // Time for `n` events of type `type` to reach the fast receiver, from the ingest request.
  auto round = [&](const std::string& type, std::size_t already) {
    std::string batch = R"({"events":[)";
    for (int i = 0; i < 200; ++i)
      batch += (i ? "," : "") + std::string{R"({"type":")"} + type + R"(","data":{}})";
    auto start = std::chrono::steady_clock::now();
    REQUIRE(c.request("POST", "/v1/events", batch + "]}", key).status == 202);
    REQUIRE(fast.wait_for(already + 200, 20s) == already + 200);
    return std::chrono::steady_clock::now() - start;
  };
  auto alone = round("a.one", 0);
  test::create_webhook(c, key, "hung", hung.port(),
                       R"("events":["a.*"],"timeout_seconds":1,"max_in_flight":16)");
  auto beside_hung = round("a.two", 200);
  WARN("200 deliveries to a healthy endpoint: "
       << std::chrono::duration_cast<std::chrono::milliseconds>(alone).count() << " ms alone, "
       << std::chrono::duration_cast<std::chrono::milliseconds>(beside_hung).count()
       << " ms beside a hung endpoint");
  // Isolated: the hung endpoint's 1 s timeouts and 4 s hangs do not hold the healthy one back.
  CHECK(beside_hung < alone * 3 + 500ms);
  CHECK(beside_hung < 1s);
  CHECK(hung.requests().size() >= 1); // The hung endpoint was really being tried meanwhile.
}

TEST_CASE("delivery: after a secret rotation, deliveries carry both signatures",
          "[integration][delivery][secrets]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  auto reader = srv.make_tenant_key("acme", R"(["read"])");
  receiver rx{[](const test::received_request&) { return reply{}; }};
  http_client c{srv.port()};
  auto created = test::create_webhook(c, key, "rot", rx.port(), R"("events":["*"])");
  auto id = test::json_string(created, "id");
  auto old_secret = test::json_string(created, "secret");
  auto path = "/v1/webhooks/" + id + "/rotate-secret";
  auto rotated = c.request("POST", path, {}, key);
  REQUIRE(rotated.status == 200);
  auto new_secret = test::json_string(rotated.body, "secret");
  CHECK(new_secret.starts_with("whsec_"));
  CHECK(new_secret != old_secret);
  CHECK(rotated.body.find(R"("previous_keys":[{"expires_at":")") != std::string::npos);
  CHECK(rotated.body.find(old_secret) == std::string::npos); // never the old one
  auto got = c.request("GET", "/v1/webhooks/" + id, {}, key);
  CHECK(got.body.find(new_secret) == std::string::npos); // nor the new one, after creation
  CHECK(got.body.find(R"("previous_keys":[{"expires_at":")") != std::string::npos);
  REQUIRE(c.request("POST", "/v1/events", R"({"type":"a.b","data":{}})", key).status == 202);
  REQUIRE(rx.wait_for(1, 10s) == 1);
  auto r = rx.requests()[0];
  auto sigs = r.headers.at("webhook-signature");
  auto space = sigs.find(' ');
  REQUIRE(space != std::string::npos);
  auto ts = std::stoll(r.headers.at("webhook-timestamp"));
  hmac_sha256_key fresh{*parse_webhook_secret(new_secret)};
  hmac_sha256_key old{*parse_webhook_secret(old_secret)};
  CHECK(sigs.substr(0, space) ==
        standard_webhooks_signature(fresh, r.headers.at("webhook-id"), ts, r.body));
  CHECK(sigs.substr(space + 1) ==
        standard_webhooks_signature(old, r.headers.at("webhook-id"), ts, r.body));
  // Bad input and access.
  CHECK(c.request("POST", path, R"({"overlap_seconds":"soon"})", key).status == 422);
  CHECK(c.request("POST", path, R"({"overlap_seconds":99999999})", key).status == 422);
  CHECK(c.request("POST", path, "{}", reader).status == 403);
  CHECK(c.request("POST", "/v1/webhooks/wh_nope/rotate-secret", {}, key).status == 404);
  CHECK(c.request("POST", path, "x=1", key, {}, "application/x-www-form-urlencoded").status == 415);
  CHECK(c.request("GET", path, {}, key).status == 405);
}
