// Templates and signature profiles end to end: a real hookd and a real receiver. Each profile's
// signature is computed again in the test from the raw bytes received, with OpenSSL's one-shot
// HMAC (not hookd's code). Previews answer the request hookd would send, redacted, and send
// nothing.

#include "tests/support/api_steps.hpp"
#include "tests/support/openssl_oracle.hpp"
#include "tests/support/receiver.hpp"
#include "tests/support/test_server.hpp"

#include <catch2/catch.hpp>

using namespace hookd;
using namespace std::chrono_literals;
using test::http_client;
using test::receiver;
using test::reply;
using test::test_server;

namespace {

using test::oracle_base64;
using test::oracle_hex;
using test::oracle_hmac;
using test::oracle_unbase64;

const test::received_request& by_path(const std::vector<test::received_request>& all,
                                      const std::string& path) {
  auto it = std::find_if(all.begin(), all.end(),
                         [&](const test::received_request& r) { return r.target == path; });
  REQUIRE(it != all.end());
  return *it;
}

const std::string deployment =
    R"({"type":"deployment.failed","labels":{"application_id":"app_42"},)"
    R"("data":{"application":{"name":"shop-api"},"deployment":{"status":"failed"},)"
    R"("error":{"message":"exit 1","stage":"build"}}})";

} // namespace

TEST_CASE("templates: each signature profile verifies from the raw bytes received",
          "[integration][templates]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  receiver rx{[](const test::received_request&) { return reply{200, "ok", {}}; }};
  http_client c{srv.port()};
  auto standard = test::create_webhook(c, key, "standard", rx.port(), R"("events":["*"])");
  test::create_webhook(c, key, "hex", rx.port(),
                       R"("events":["*"],"template":"event","signature":"timestamped_hex",)"
                       R"("secret":"receiver-secret-0123456789")");
  test::create_webhook(c, key, "vaultls", rx.port(),
                       R"("events":["*"],"template":"tenant_envelope",)"
                       R"("signature":"sha256_prefixed","signature_header":"X-VaulTLS-Signature",)"
                       R"("secret":"It's a Secret to Everybody")");
  test::create_webhook(c, key, "slack", rx.port(),
                       R"("events":["*"],"template":"slack","signature":"none")");
  test::post_events(c, key, deployment);
  REQUIRE(rx.wait_for(4, 20s) == 4);
  auto all = rx.requests();

  // Standard Webhooks: base64 HMAC of "id.timestamp.body", keyed by the decoded secret.
  const auto& s = by_path(all, "/standard");
  auto secret = test::json_string(standard, "secret");
  auto signed_content =
      s.headers.at("webhook-id") + "." + s.headers.at("webhook-timestamp") + "." + s.body;
  CHECK(s.headers.at("webhook-signature") ==
        "v1," + oracle_base64(oracle_hmac(oracle_unbase64(secret.substr(6)), signed_content)));
  CHECK(s.body.starts_with(R"({"type":"deployment.failed")"));

  // Timestamped hex: hex HMAC of "timestamp.body", keyed by the secret's text.
  const auto& h = by_path(all, "/hex");
  CHECK(h.headers.at("x-webhook-signature") ==
        oracle_hex(oracle_hmac("receiver-secret-0123456789",
                               h.headers.at("x-webhook-timestamp") + "." + h.body)));
  CHECK(h.headers.at("x-webhook-id") == h.headers.at("webhook-id"));
  CHECK(h.headers.count("webhook-signature") == 0);
  CHECK(h.body.find(R"("error":{"message":"exit 1","stage":"build"})") != std::string::npos);
  // One changed byte no longer verifies.
  auto altered = h.body;
  altered[altered.size() / 2] ^= 1;
  CHECK(h.headers.at("x-webhook-signature") !=
        oracle_hex(oracle_hmac("receiver-secret-0123456789",
                               h.headers.at("x-webhook-timestamp") + "." + altered)));

  // sha256= prefixed, under the configured header name.
  const auto& v = by_path(all, "/vaultls");
  CHECK(v.headers.at("x-vaultls-signature") ==
        "sha256=" + oracle_hex(oracle_hmac("It's a Secret to Everybody", v.body)));
  CHECK(v.body.starts_with(R"({"event":"DeploymentFailed","timestamp":)"));

  // Unsigned Slack message, still with webhook-id for deduplication.
  const auto& sl = by_path(all, "/slack");
  CHECK(sl.headers.count("webhook-signature") == 0);
  CHECK(sl.headers.count("x-webhook-signature") == 0);
  CHECK(sl.headers.at("webhook-id").starts_with("msg_"));
  CHECK(sl.body.find(R"("color":"#E01E5A")") != std::string::npos);
  std::set<std::string> ids;
  for (const auto& r : all)
    ids.insert(r.headers.at("webhook-id"));
  CHECK(ids.size() == 4); // one per (webhook, event)
}

TEST_CASE("templates: a preview is the request that was sent, redacted, and sends nothing",
          "[integration][templates]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  receiver rx{[](const test::received_request&) { return reply{200, "ok", {}}; }};
  http_client c{srv.port()};
  auto hook = test::create_webhook_id(
      c, key, "gh", rx.port(),
      R"("events":["deployment.*"],"template":"event","signature":"sha256_prefixed",)"
      R"("secret":"a-receiver-secret-123","headers":{"Authorization":"Bearer s3cr3t","X-Env":"prod"})");
  auto event = test::post_event_id(c, key, deployment);
  REQUIRE(rx.wait_for(1, 20s) == 1);
  auto sent = rx.requests().front();

  auto preview = c.request("POST", "/v1/webhooks/" + hook + "/preview",
                           R"({"event_id":")" + event + R"("})", key);
  REQUIRE(preview.status == 200);
  simdjson::dom::parser p;
  auto doc = test::parse_json(p, preview.body);
  CHECK(std::string_view(doc["body"]) == sent.body); // byte for byte
  CHECK(bool(doc["sent"]) == false);
  CHECK(bool(doc["event"]["sample"]) == false);
  CHECK(std::string_view(doc["url"]) == "http://127.0.0.1:" + std::to_string(rx.port()) + "/gh");
  std::map<std::string, std::string> headers;
  for (auto hd : doc["headers"].get_array())
    headers[std::string{std::string_view(hd["name"])}] = std::string{std::string_view(hd["value"])};
  CHECK(headers["webhook-id"] == sent.headers.at("webhook-id"));
  CHECK(headers["X-Hub-Signature-256"] == "sha256=[redacted]");
  CHECK(headers["Authorization"] == "[redacted]");
  CHECK(headers["X-Env"] == "prod");
  CHECK(headers["Content-Length"] == std::to_string(sent.body.size()));
  CHECK(preview.body.find("s3cr3t") == std::string::npos);
  CHECK(preview.body.find("a-receiver-secret-123") == std::string::npos);
  CHECK(preview.body.find(sent.headers.at("x-hub-signature-256").substr(7)) == std::string::npos);

  // A sample of the subscribed type, when no event is named.
  auto sample = c.request("POST", "/v1/webhooks/" + hook + "/preview", "", key);
  REQUIRE(sample.status == 200);
  auto sdoc = test::parse_json(p, sample.body);
  CHECK(bool(sdoc["event"]["sample"]));
  CHECK(std::string_view(sdoc["event"]["type"]) == "deployment.sample");
  // Unknown events and webhooks are 404 problems; a bad body is a 422.
  auto missing =
      c.request("POST", "/v1/webhooks/" + hook + "/preview", R"({"event_id":"nope"})", key);
  CHECK(missing.status == 404);
  CHECK(missing.header("content-type") == "application/problem+json");
  CHECK(c.request("POST", "/v1/webhooks/wh_none/preview", "", key).status == 404);
  CHECK(c.request("POST", "/v1/webhooks/" + hook + "/preview", R"({"colour":1})", key).status ==
        422);
  // A Slack URL is its secret: the path is hidden.
  auto slack = test::create_webhook_id(c, key, "slack-secret-path", rx.port(),
                                       R"("events":["*"],"template":"slack","signature":"none")");
  auto sp =
      test::parse_json(p, c.request("POST", "/v1/webhooks/" + slack + "/preview", "", key).body);
  CHECK(std::string_view(sp["url"]) ==
        "http://127.0.0.1:" + std::to_string(rx.port()) + "/[redacted]");

  // Nothing was sent by any preview.
  std::this_thread::sleep_for(200ms);
  CHECK(rx.requests().size() == 1);
}

TEST_CASE("templates: inline previews, and bad templates are 422s naming the problem",
          "[integration][templates]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  http_client c{srv.port()};
  simdjson::dom::parser p;
  auto ok =
      c.request("POST", "/v1/templates/preview",
                R"({"template":"custom","custom_template":"{\"who\":\"${applicationName}\"}",)"
                R"("event_type":"build.failed"})",
                key);
  REQUIRE(ok.status == 200);
  auto doc = test::parse_json(p, ok.body);
  CHECK(std::string_view(doc["body"]) == R"({"who":"sample-app"})");
  CHECK(doc["url"].is_null());

  auto unknown = c.request("POST", "/v1/templates/preview",
                           R"({"template":"custom","custom_template":"{\"a\":${nope}}"})", key);
  CHECK(unknown.status == 422);
  CHECK(unknown.header("content-type") == "application/problem+json");
  CHECK(unknown.body.find("'nope'") != std::string::npos);
  CHECK(unknown.body.find("/custom_template") != std::string::npos);
  CHECK(c.request("POST", "/v1/templates/preview", R"({"template":"mjml"})", key).status == 422);
  CHECK(c.request("POST", "/v1/templates/preview", R"({})", key).status == 422);
  CHECK(c.request("POST", "/v1/templates/preview", R"({"template":"standard","signature":"none"})",
                  key)
            .status == 422);

  // The same rules when saving: nothing is stored.
  auto bad = c.request("POST", "/v1/webhooks",
                       R"({"name":"x","url":"http://127.0.0.1:9/x","events":["*"],)"
                       R"("template":"custom","custom_template":"{\"a\":${applicationID}}"})",
                       key);
  CHECK(bad.status == 422);
  CHECK(bad.body.find("'applicationID'") != std::string::npos);
  auto oversized = c.request("POST", "/v1/webhooks",
                             R"({"name":"x","url":"http://127.0.0.1:9/x","events":["*"],)"
                             R"("template":"custom","custom_template":")" +
                                 std::string(16 * 1024 + 1, ' ') + R"("})",
                             key);
  CHECK(oversized.status == 422);
  CHECK(oversized.body.find("too_long") != std::string::npos);
  auto listed = c.request("GET", "/v1/webhooks", {}, key);
  CHECK(listed.body.find(R"("data":[])") != std::string::npos);
}

TEST_CASE(
    "templates: missing values are noted on the attempt, and an oversized body fails for good",
    "[integration][templates]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  receiver rx{[](const test::received_request&) { return reply{200, "ok", {}}; }};
  http_client c{srv.port()};
  auto noted = test::create_webhook_id(
      c, key, "noted", rx.port(),
      R"("events":["deployment.*"],"template":"custom",)"
      R"("custom_template":"{\"url\":${data.build.url},\"app\":\"${applicationName}\"}")");
  auto huge = test::create_webhook_id(c, key, "huge", rx.port(),
                                      R"("events":["blob.*"],"template":"custom",)"
                                      R"("custom_template":"[${data},${data},${data},${data},)"
                                      R"(${data},${data},${data},${data}]")");
  test::post_events(c, key, deployment);
  test::post_events(
      c, key, R"({"type":"blob.stored","data":{"b":")" + std::string(200 * 1024, 'x') + R"("}})");
  REQUIRE(rx.wait_for(1, 20s) == 1);
  auto got = rx.requests().front();
  CHECK(got.body == R"({"url":null,"app":"shop-api"})");
  auto attempts =
      test::poll_get(c, key, "/v1/webhooks/" + noted + "/deliveries", [](const std::string& b) {
        return b.find("\"note\":\"") != std::string::npos;
      });
  CHECK(attempts.find(R"("note":"missing: data.build.url")") != std::string::npos);

  // Eight copies of 200 KiB exceed 1 MiB: recorded as failed at once, never sent, not retried.
  auto failed =
      test::poll_get(c, key, "/v1/webhooks/" + huge + "/deliveries", [](const std::string& b) {
        return b.find("render_failed") != std::string::npos;
      });
  CHECK(failed.find(R"("error":"render_failed")") != std::string::npos);
  CHECK(failed.find(R"("result":"failed")") != std::string::npos);
  CHECK(failed.find("exceeds 1048576 bytes") != std::string::npos);
  std::this_thread::sleep_for(200ms);
  CHECK(rx.requests().size() == 1);
}
