// The tenant's per-application delivery limit, end to end: set through the API (admin only,
// audited, validated), then applied to real deliveries to a real receiver.

#include "tests/support/api_steps.hpp"
#include "tests/support/receiver.hpp"
#include "tests/support/test_server.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <array>
#include <map>
#include <mutex>
#include <thread>

using namespace hookd;
using namespace std::chrono_literals;
using test::http_client;
using test::test_server;

TEST_CASE("tenants: the per-application limit is an audited admin setting",
          "[integration][tenants][limits]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  srv.make_tenant_key("other");
  http_client c{srv.port()};
  const auto admin = test_server::admin_token();
  auto shown = c.request("GET", "/v1/tenants/acme", {}, admin);
  REQUIRE(shown.status == 200);
  CHECK(shown.body.find(R"("application_deliveries_per_minute":null)") != std::string::npos);
  auto set =
      c.request("PATCH", "/v1/tenants/acme", R"({"application_deliveries_per_minute":30})", admin);
  REQUIRE(set.status == 200);
  CHECK(set.body.find(R"("application_deliveries_per_minute":30)") != std::string::npos);
  CHECK(set.body.find(R"("name":"Tenant acme")") != std::string::npos); // other settings unchanged
  CHECK(c.request("GET", "/v1/tenants/acme", {}, key)
            .body.find(R"("application_deliveries_per_minute":30)") != std::string::npos);
  // Bad values: a 422 naming the field, and nothing changes.
  for (const std::string bad : {"0", "100001", "-5", "\"30\"", "1e3"}) {
    INFO(bad);
    auto r = c.request("PATCH", "/v1/tenants/acme",
                       R"({"application_deliveries_per_minute":)" + bad + "}", admin);
    CHECK(r.status == 422);
    CHECK(r.headers["content-type"] == "application/problem+json");
    CHECK(r.body.find("/application_deliveries_per_minute") != std::string::npos);
  }
  CHECK(c.request("PATCH", "/v1/tenants/acme", R"({"plan":"gold"})", admin).status == 422);
  CHECK(c.request("PATCH", "/v1/tenants/acme", "{", admin).status == 400);
  CHECK(c.request("PATCH", "/v1/tenants/acme", "{}", admin, {}, "text/plain").status == 415);
  // A tenant key cannot lift its own limit, and does not see other tenants.
  auto own =
      c.request("PATCH", "/v1/tenants/acme", R"({"application_deliveries_per_minute":null})", key);
  CHECK(own.status == 403);
  CHECK(c.request("PATCH", "/v1/tenants/other", R"({"name":"x"})", key).status == 404);
  CHECK(c.request("PATCH", "/v1/tenants/nobody", R"({"name":"x"})", admin).status == 404);
  CHECK(c.request("GET", "/v1/tenants/acme", {}, admin)
            .body.find(R"("application_deliveries_per_minute":30)") != std::string::npos);
  // null turns it off again; both changes are in the audit trail.
  auto off = c.request("PATCH", "/v1/tenants/acme", R"({"application_deliveries_per_minute":null})",
                       admin);
  REQUIRE(off.status == 200);
  CHECK(off.body.find(R"("application_deliveries_per_minute":null)") != std::string::npos);
  auto audit = c.request("GET", "/v1/audit?tenant=acme", {}, admin);
  CHECK(audit.body.find(R"("action":"tenant.updated")") != std::string::npos);
  CHECK(audit.body.find(R"("details":{"application_deliveries_per_minute":30})") !=
        std::string::npos);
}

TEST_CASE("tenants: an application over its limit waits, other applications are delivered",
          "[integration][tenants][limits]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  std::mutex mtx;
  std::map<std::string, int> per_app;
  test::receiver rx{[&](const test::received_request& r) {
    simdjson::dom::parser p;
    auto doc = test::parse_json(p, r.body);
    std::lock_guard guard{mtx};
    ++per_app[std::string{doc["data"]["app"].get_string().value()}];
    return test::reply{};
  }};
  http_client c{srv.port()};
  REQUIRE(c.request("PATCH", "/v1/tenants/acme", R"({"application_deliveries_per_minute":2})",
                    test_server::admin_token())
              .status == 200);
  // Two webhooks of the tenant share the application's minute.
  auto first = test::create_webhook_id(c, key, "first", rx.port(), R"("events":["*"])");
  auto second = test::create_webhook_id(c, key, "second", rx.port(), R"("events":["*"])");
  auto send = [&](const std::string& app) {
    test::post_events(c, key, test::application_event(app));
  };
  send("app_1");
  send("app_1");
  send("app_2");
  // app_2 reaches both webhooks; app_1 only twice in all (the third and fourth wait a minute).
  REQUIRE(rx.wait_for(4, 15s) >= 4);
  // Both held deliveries show in the two webhooks' figures, as pending, never as failed.
  auto figures = [&](const std::string& id) {
    auto r = c.request("GET", "/v1/webhooks/" + id + "/stats", {}, key);
    REQUIRE(r.status == 200);
    simdjson::dom::parser p;
    auto doc = test::parse_json(p, r.body);
    return std::array<uint64_t, 4>{
        doc["application_limited"].get_uint64().value(), doc["pending"].get_uint64().value(),
        doc["failed"].get_uint64().value(), doc["in_flight"].get_uint64().value()};
  };
  // Once both are held and the delivered ones' answers are in (pending counts those in flight).
  std::array<uint64_t, 4> sum{};
  for (auto until = std::chrono::steady_clock::now() + 20s;
       std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(50ms)) {
    auto x = figures(first);
    auto y = figures(second);
    for (std::size_t i = 0; i < 4; ++i)
      sum[i] = x[i] + y[i];
    if (sum[0] >= 2 && sum[3] == 0)
      break;
  }
  CHECK(sum[0] == 2); // held once each, until their application's minute is over
  CHECK(sum[1] == 2);
  CHECK(sum[2] == 0);
  std::lock_guard guard{mtx};
  CHECK(per_app["app_1"] == 2);
  CHECK(per_app["app_2"] == 2);
}
