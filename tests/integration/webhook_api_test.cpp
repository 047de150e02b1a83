// The webhook configuration API against a real server on port 0.

#include "storage/config_reader.hpp"
#include "tests/support/test_server.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

using namespace hookd;
using test::http_client;
using test::test_server;

namespace {

std::string problem_type(const test::http_result& r) {
  auto t = test::json_string(r.body, "type");
  return t.substr(t.rfind('/') + 1);
}

const std::string minimal =
    R"({"name":"deploys","url":"https://example.com/hook","events":["deployment.*"]})";

} // namespace

TEST_CASE("webhooks: create shows the secret once, reads never do", "[integration][webhooks]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  http_client c{srv.port()};
  auto created = c.request("POST", "/v1/webhooks", minimal, key);
  REQUIRE(created.status == 201);
  auto id = test::json_string(created.body, "id");
  auto secret = test::json_string(created.body, "secret");
  CHECK(id.starts_with("wh_"));
  CHECK(secret.starts_with("whsec_"));
  CHECK(created.body.find(R"("retry":{"schedule":"standard"})") != std::string::npos);
  CHECK(created.body.find(R"("timeout_seconds":15)") != std::string::npos);
  auto got = c.request("GET", "/v1/webhooks/" + id, {}, key);
  REQUIRE(got.status == 200);
  CHECK(got.body.find(secret) == std::string::npos);
  CHECK(got.body.find("secret") == std::string::npos);
  auto listed = c.request("GET", "/v1/webhooks", {}, key);
  REQUIRE(listed.status == 200);
  CHECK(listed.body.find(id) != std::string::npos);
  CHECK(listed.body.find(secret) == std::string::npos);
  // The audit trail records the change without the secret.
  auto audit = storage::config_reader{srv.core().db()}.list_audit(INT64_MIN, INT64_MAX, 0, 100);
  REQUIRE(audit);
  bool found = false;
  for (const auto& e : *audit) {
    CHECK(e.details.find(secret) == std::string::npos);
    found = found || (e.action == "webhook.created" && e.object_id == id);
  }
  CHECK(found);
}

TEST_CASE("webhooks: precise 422s", "[integration][webhooks]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  http_client c{srv.port()};
  auto bad = c.request("POST", "/v1/webhooks",
                       R"({"name":"x","url":"ftp://h/","events":["*"],"timeout_seconds":0,)"
                       R"("headers":{"Host":"evil"},"max_in_flight":999})",
                       key);
  REQUIRE(bad.status == 422);
  for (auto field : {"/url", "/timeout_seconds", "/headers/Host", "/max_in_flight"})
    CHECK(bad.body.find(std::string{R"("field":")"} + field + "\"") != std::string::npos);
  CHECK(c.request("POST", "/v1/webhooks", "{nope", key).status == 400);
  CHECK(c.request("POST", "/v1/webhooks", minimal, key, {}, std::string{"text/plain"}).status ==
        415);
}

TEST_CASE("webhooks: names are unique per tenant, patch and rename", "[integration][webhooks]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  auto other = srv.make_tenant_key("other");
  http_client c{srv.port()};
  auto first = c.request("POST", "/v1/webhooks", minimal, key);
  REQUIRE(first.status == 201);
  auto dup = c.request("POST", "/v1/webhooks", minimal, key);
  CHECK(dup.status == 409);
  CHECK(problem_type(dup) == "webhook-conflict");
  CHECK(c.request("POST", "/v1/webhooks", minimal, other).status == 201); // Other tenant: fine.
  auto id = test::json_string(first.body, "id");
  auto patched = c.request("PATCH", "/v1/webhooks/" + id,
                           R"({"name":"renamed","timeout_seconds":30,"enabled":false})", key);
  REQUIRE(patched.status == 200);
  CHECK(patched.body.find(R"("timeout_seconds":30)") != std::string::npos);
  CHECK(patched.body.find(R"("enabled":false)") != std::string::npos);
  CHECK(patched.body.find(R"("url":"https://example.com/hook")") != std::string::npos);
  // The old name is free again; the new one is taken.
  CHECK(c.request("POST", "/v1/webhooks", minimal, key).status == 201);
  auto clash = c.request("POST", "/v1/webhooks",
                         R"({"name":"renamed","url":"https://e.com/","events":["*"]})", key);
  CHECK(clash.status == 409);
  CHECK(c.request("PATCH", "/v1/webhooks/" + id, R"({"secret":"whsec_x"})", key).status == 422);
  CHECK(c.request("PATCH", "/v1/webhooks/" + id, R"({"events":[]})", key).status == 422);
}

TEST_CASE("webhooks: isolation, scopes, delete", "[integration][webhooks]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  auto other = srv.make_tenant_key("other");
  auto reader = srv.make_tenant_key("acme", R"(["read"])");
  http_client c{srv.port()};
  auto created = c.request("POST", "/v1/webhooks", minimal, key);
  REQUIRE(created.status == 201);
  auto id = test::json_string(created.body, "id");
  CHECK(c.request("GET", "/v1/webhooks/" + id, {}, other).status == 404);
  CHECK(c.request("PATCH", "/v1/webhooks/" + id, R"({"name":"x"})", other).status == 404);
  CHECK(c.request("DELETE", "/v1/webhooks/" + id, {}, other).status == 404);
  CHECK(c.request("GET", "/v1/webhooks", {}, other).body.find(id) == std::string::npos);
  CHECK(c.request("GET", "/v1/webhooks/" + id, {}, reader).status == 200);
  CHECK(c.request("POST", "/v1/webhooks", minimal, reader).status == 403);
  CHECK(c.request("DELETE", "/v1/webhooks/" + id, {}, reader).status == 403);
  CHECK(c.request("GET", "/v1/webhooks", {}, test_server::admin_token()).status == 403);
  CHECK(c.request("DELETE", "/v1/webhooks/" + id, {}, key).status == 204);
  CHECK(c.request("GET", "/v1/webhooks/" + id, {}, key).status == 404);
  CHECK(c.request("DELETE", "/v1/webhooks/" + id, {}, key).status == 404);
  CHECK(c.request("PUT", "/v1/webhooks/" + id, "{}", key).status == 405);
  // The name is free after a delete.
  CHECK(c.request("POST", "/v1/webhooks", minimal, key).status == 201);
}

TEST_CASE("webhooks: listing pages through many webhooks", "[integration][webhooks]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  http_client c{srv.port()};
  for (int i = 0; i < 25; ++i)
    REQUIRE(c.request("POST", "/v1/webhooks",
                      R"({"name":"w)" + std::to_string(i) + R"(","url":"https://example.com/)" +
                          std::to_string(i) + R"(","events":["*"]})",
                      key)
                .status == 201);
  std::size_t seen = 0;
  std::string cursor;
  int pages = 0;
  do {
    auto r = c.request("GET", "/v1/webhooks?limit=10" + (cursor.empty() ? "" : "&cursor=" + cursor),
                       {}, key);
    INFO(r.body);
    REQUIRE(r.status == 200);
    simdjson::dom::parser p;
    seen += simdjson::dom::array(p.parse(r.body)["data"]).size();
    cursor = test::json_string(r.body, "next_cursor");
    ++pages;
  } while (!cursor.empty() && pages < 10);
  CHECK(pages == 3);
  CHECK(seen == 25);
}

TEST_CASE("audit: configuration changes are listed, per tenant, without secrets",
          "[integration][webhooks][audit]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  auto reader = srv.make_tenant_key("acme", R"(["read"])");
  auto other = srv.make_tenant_key("other");
  http_client c{srv.port()};
  auto made = c.request("POST", "/v1/webhooks",
                        R"({"name":"a","url":"https://example.com/h","events":["*"]})", key);
  REQUIRE(made.status == 201);
  auto id = test::json_string(made.body, "id");
  auto secret = test::json_string(made.body, "secret");
  REQUIRE(c.request("PATCH", "/v1/webhooks/" + id, R"({"description":"x"})", key).status == 200);
  auto rotated = c.request("POST", "/v1/webhooks/" + id + "/rotate-secret", {}, key);
  REQUIRE(rotated.status == 200);
  REQUIRE(c.request("DELETE", "/v1/webhooks/" + id, {}, key).status == 204);
  auto mine = c.request("GET", "/v1/audit", {}, key);
  REQUIRE(mine.status == 200);
  std::vector<std::string> actions;
  for (std::size_t at = mine.body.find(R"("action":")"); at != std::string::npos;
       at = mine.body.find(R"("action":")", at + 1)) {
    auto start = at + 10;
    actions.push_back(mine.body.substr(start, mine.body.find('"', start) - start));
  }
  // acme's own changes, oldest first: its key creations (by the admin), then the webhook's.
  REQUIRE(actions.size() >= 4);
  CHECK(std::vector<std::string>(actions.end() - 4, actions.end()) ==
        std::vector<std::string>{"webhook.created", "webhook.updated", "webhook.secret_rotated",
                                 "webhook.deleted"});
  CHECK(mine.body.find(secret) == std::string::npos);
  CHECK(mine.body.find(test::json_string(rotated.body, "secret")) == std::string::npos);
  CHECK(mine.body.find(R"("tenant":"other")") == std::string::npos);
  // Another tenant sees none of it; the admin sees every tenant, or one.
  auto theirs = c.request("GET", "/v1/audit", {}, other);
  CHECK(theirs.body.find("webhook.created") == std::string::npos);
  auto all = c.request("GET", "/v1/audit", {}, test_server::admin_token());
  CHECK(all.body.find(R"("action":"tenant.created")") != std::string::npos);
  CHECK(all.body.find(R"("tenant":"other")") != std::string::npos);
  auto one = c.request("GET", "/v1/audit?tenant=other", {}, test_server::admin_token());
  CHECK(one.body.find(R"("tenant":"acme")") == std::string::npos);
  // Paging, time bounds and bad input.
  auto page = c.request("GET", "/v1/audit?limit=2", {}, key);
  auto cursor = test::json_string(page.body, "next_cursor");
  REQUIRE_FALSE(cursor.empty());
  auto next = c.request("GET", "/v1/audit?limit=100&cursor=" + cursor, {}, key);
  CHECK(next.body.find(R"("action":"webhook.deleted")") != std::string::npos);
  CHECK(c.request("GET", "/v1/audit?until=2000-01-01T00:00:00Z", {}, key).body ==
        R"({"data":[],"next_cursor":null})");
  CHECK(c.request("GET", "/v1/audit?since=yesterday", {}, key).status == 400);
  CHECK(c.request("GET", "/v1/audit", {}, reader).status == 403);
  CHECK(c.request("POST", "/v1/audit", "{}", key).status == 405);
}

TEST_CASE("routes: every route refuses a missing or bad key, and hides other tenants' objects",
          "[integration][auth]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  auto other = srv.make_tenant_key("other", R"(["ingest","read","manage"])");
  http_client c{srv.port()};
  auto made = c.request("POST", "/v1/webhooks", minimal, key);
  REQUIRE(made.status == 201);
  auto hook = test::json_string(made.body, "id");
  auto ev = c.request("POST", "/v1/events", R"({"type":"a.b","data":{}})", key);
  REQUIRE(ev.status == 202);
  auto event = test::json_string(ev.body, "id");
  struct route {
    std::string method;
    std::string path;
    std::string body;
  };
  const std::vector<route> routes{
      {"GET", "/v1/tenants", ""},
      {"POST", "/v1/tenants", R"({"id":"x","name":"X"})"},
      {"GET", "/v1/tenants/acme", ""},
      {"PATCH", "/v1/tenants/acme", R"({"name":"X"})"},
      {"GET", "/v1/api-keys", ""},
      {"POST", "/v1/api-keys", R"({"tenant":"acme","scopes":["read"]})"},
      {"DELETE", "/v1/api-keys/key_nope", ""},
      {"GET", "/v1/events", ""},
      {"POST", "/v1/events", R"({"type":"a.b","data":{}})"},
      {"GET", "/v1/events/" + event, ""},
      {"GET", "/v1/events/" + event + "/deliveries", ""},
      {"GET", "/v1/event-types", ""},
      {"GET", "/v1/audit", ""},
      {"GET", "/v1/webhooks", ""},
      {"POST", "/v1/webhooks", minimal},
      {"GET", "/v1/webhooks/" + hook, ""},
      {"PATCH", "/v1/webhooks/" + hook, R"({"description":"x"})"},
      {"DELETE", "/v1/webhooks/" + hook, ""},
      {"GET", "/v1/webhooks/" + hook + "/deliveries", ""},
      {"GET", "/v1/webhooks/" + hook + "/stats", ""},
      {"POST", "/v1/webhooks/" + hook + "/test", ""},
      {"POST", "/v1/webhooks/" + hook + "/rotate-secret", ""},
  };
  for (const auto& r : routes) {
    INFO(r.method << " " << r.path);
    for (const std::string& token :
         {std::string{}, std::string{"hkd_key_nope_nope"}, key.substr(0, key.size() - 1) + "x"}) {
      auto res = c.request(r.method, r.path, r.body, token);
      CHECK(res.status == 401);
      CHECK(res.headers["www-authenticate"] == R"(Bearer realm="hookd")");
      CHECK(res.headers["content-type"] == "application/problem+json");
    }
  }
  // Another tenant's key: acme's event and webhook do not exist for it.
  for (const auto& r : routes) {
    if (r.path.find(hook) == std::string::npos && r.path.find(event) == std::string::npos)
      continue;
    INFO(r.method << " " << r.path);
    CHECK(c.request(r.method, r.path, r.body, other).status == 404);
  }
  // Nor does acme itself.
  CHECK(c.request("GET", "/v1/tenants/acme", {}, other).status == 404);
  CHECK(c.request("PATCH", "/v1/tenants/acme", R"({"name":"X"})", other).status == 404);
  // And nothing of acme's changed.
  auto still = c.request("GET", "/v1/webhooks/" + hook, {}, key);
  CHECK(still.status == 200);
  CHECK(still.body.find(R"("description":"x")") == std::string::npos);
}
