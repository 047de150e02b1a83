// Inbound git webhooks end to end: a real hookd, pushes signed in the test with OpenSSL's
// one-shot HMAC (not hookd's code), the normalised event delivered to a real receiver, and
// every refusal (bad or missing signature, unknown source, oversized body) answered as
// problem+json with nothing stored.

#include "domain/git_hook.hpp"
#include "domain/problem.hpp"
#include "tests/support/api_steps.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/openssl_oracle.hpp"
#include "tests/support/receiver.hpp"
#include "tests/support/test_db.hpp"
#include "tests/support/test_server.hpp"

#include <catch2/catch.hpp>

using namespace hookd;
using namespace std::chrono_literals;
using test::http_client;
using test::oracle_hex;
using test::oracle_hmac;
using test::receiver;
using test::reply;
using test::test_server;

namespace {

std::string fixture(const std::string& name) {
  return test::read_fixture("git/" + name);
}

std::string hub_signature(const std::string& secret, const std::string& body) {
  return "sha256=" + oracle_hex(oracle_hmac(secret, body));
}

std::size_t pushes_in_log(test_server& srv) {
  return test::read_log(srv.core().db(), git_push_event_type).size();
}

const std::string github_secret = "github-shared-secret-42";

} // namespace

TEST_CASE("sources: a signed GitHub push becomes one git.push.received event, delivered",
          "[integration][sources]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  http_client c{srv.port()};
  receiver rx{[](const test::received_request&) { return reply{200, "ok", {}}; }};
  test::create_webhook_id(
      c, key, "deployer", rx.port(),
      R"("events":["git.push.received"],"label_filter":{"application_id":"app_42"})");
  auto created = c.request(
      "POST", "/v1/sources",
      R"({"provider":"github","secret":")" + github_secret +
          R"(","repository":"baxterthehacker/public-repo","labels":{"application_id":"app_42"}})",
      key);
  REQUIRE(created.status == 201);
  auto id = test::json_string(created.body, "id");
  CHECK(test::json_string(created.body, "secret") == github_secret);
  // The secret is shown on creation only.
  auto got = c.request("GET", "/v1/sources/" + id, {}, key);
  REQUIRE(got.status == 200);
  CHECK(got.body.find(github_secret) == std::string::npos);
  CHECK(got.body.find(R"("branches":["main"])") != std::string::npos);

  // Without --public-url, the URL is built from the Host the caller used.
  auto url = c.request("GET", "/v1/sources/" + id + "/webhook-url", {}, key,
                       {{"Host", "hooks.example.com:8443"}});
  REQUIRE(url.status == 200);
  CHECK(test::json_string(url.body, "url") == "http://hooks.example.com:8443/hooks/github/" + id);
  CHECK(url.body.find("Settings > Webhooks") != std::string::npos);
  CHECK(url.body.find(github_secret) == std::string::npos);

  auto body = fixture("github_push.json");
  const std::string delivery = "72d3162e-cc78-11e3-81ab-4c9367dc0958";
  auto send = [&](const std::string& b, const std::string& signature,
                  const std::string& event = "push") {
    std::map<std::string, std::string> h{{"X-GitHub-Event", event},
                                         {"X-GitHub-Delivery", delivery}};
    if (!signature.empty())
      h["X-Hub-Signature-256"] = signature;
    return c.request("POST", "/hooks/github/" + id, b, {}, h);
  };
  // No bearer token: the signature is the proof.
  auto first = send(body, hub_signature(github_secret, body));
  INFO(first.body);
  REQUIRE(first.status == 202);
  CHECK(first.body.find(R"("status":"accepted")") != std::string::npos);
  REQUIRE(rx.wait_for(1, 20s) == 1);
  auto delivered = rx.requests().front().body;
  CHECK(delivered.find(R"("type":"git.push.received")") != std::string::npos);
  CHECK(delivered.find(R"("branch":"main")") != std::string::npos);
  CHECK(delivered.find(R"("after":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c")") !=
        std::string::npos);
  CHECK(delivered.find(R"("delivery_id":")" + delivery + R"(")") != std::string::npos);
  // The source's labels are on the event (the webhook's label filter matched them).
  auto stored = test::read_log(srv.core().db(), git_push_event_type);
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].labels == std::vector<label>{{"application_id", "app_42"}});
  CHECK(stored[0].tenant == "acme");

  // GitHub's redelivery of the same delivery id is stored once.
  auto again = send(body, hub_signature(github_secret, body));
  CHECK(again.status == 200);
  CHECK(again.body.find(R"("status":"duplicate")") != std::string::npos);
  CHECK(pushes_in_log(srv) == 1);

  // Pings and other events are ignored with 200, after the signature check.
  auto ping = send("{}", hub_signature(github_secret, "{}"), "ping");
  CHECK(ping.status == 200);
  CHECK(ping.body == R"({"status":"ignored","reason":"ping"})");
  auto unsigned_ping = send("{}", "", "ping");
  CHECK(unsigned_ping.status == 401);

  // A branch the source does not take is ignored.
  auto feature = body;
  feature.replace(feature.find("refs/heads/main"), 15, "refs/heads/feat");
  auto ignored = send(feature, hub_signature(github_secret, feature));
  CHECK(ignored.status == 200);
  CHECK(ignored.body.find("branch 'feat' matches no pattern") != std::string::npos);

  // GitHub's form encoding carries the same JSON in `payload`.
  auto form =
      "payload=" +
      std::string{
          "%7B%22ref%22%3A%22refs%2Fheads%2Fmain%22%2C%22before%22%3A%22a%22%2C%22after%22%3A%22b%"
          "22%2C%22repository%22%3A%7B%22full_name%22%3A%22baxterthehacker%2Fpublic-repo%22%7D%7D"};
  auto formed = c.request("POST", "/hooks/github/" + id, form, {},
                          {{"X-GitHub-Event", "push"},
                           {"X-GitHub-Delivery", "form-1"},
                           {"X-Hub-Signature-256", hub_signature(github_secret, form)}},
                          "application/x-www-form-urlencoded");
  CHECK(formed.status == 202);
  CHECK(pushes_in_log(srv) == 2);
}

TEST_CASE("sources: bad signatures, unknown sources and oversized bodies are refused",
          "[integration][sources]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  http_client c{srv.port()};
  auto created = c.request("POST", "/v1/sources",
                           R"({"provider":"github","secret":")" + github_secret + R"("})", key);
  REQUIRE(created.status == 201);
  auto id = test::json_string(created.body, "id");
  auto body = fixture("github_push.json");
  auto post = [&](const std::string& target, const std::string& b,
                  std::map<std::string, std::string> h) {
    h.emplace("X-GitHub-Event", "push");
    h.emplace("X-GitHub-Delivery", "d-1");
    return c.request("POST", target, b, {}, h);
  };
  auto good = hub_signature(github_secret, body);
  struct refusal {
    std::string what;
    std::string body;
    std::string signature;
  };
  for (const auto& r :
       std::vector<refusal>{{"wrong secret", body, hub_signature("not-the-secret-0123", body)},
                            {"missing header", body, ""},
                            {"truncated body", body.substr(0, body.size() / 2), good},
                            {"altered body", body.substr(0, body.size() - 3) + "} }", good}}) {
    CAPTURE(r.what);
    std::map<std::string, std::string> h;
    if (!r.signature.empty())
      h["X-Hub-Signature-256"] = r.signature;
    auto res = post("/hooks/github/" + id, r.body, h);
    CHECK(res.status == 401);
    CHECK(res.header("content-type") == "application/problem+json");
    CHECK(res.body.find(R"("type":")" + problem_type_uri("invalid-signature") + R"(")") !=
          std::string::npos);
  }
  // Unknown source, or a known one under another provider: 404, after the same work.
  auto unknown =
      post("/hooks/github/src_01JUNKNOWN0000000000000000", body, {{"X-Hub-Signature-256", good}});
  CHECK(unknown.status == 404);
  auto wrong_provider = post("/hooks/gitlab/" + id, body, {{"X-Gitlab-Token", github_secret}});
  CHECK(wrong_provider.status == 404);
  auto no_provider = post("/hooks/svn/" + id, body, {});
  CHECK(no_provider.status == 404);
  auto get = c.request("GET", "/hooks/github/" + id);
  CHECK(get.status == 405);
  // More than 5 MiB: 413 before anything is parsed (even when signed).
  std::string big(5 * 1024 * 1024 + 1, ' ');
  auto huge = post("/hooks/github/" + id, big,
                   {{"X-Hub-Signature-256", hub_signature(github_secret, big)}});
  CHECK(huge.status == 413);
  CHECK(huge.body.find("5242880") != std::string::npos);
  CHECK(pushes_in_log(srv) == 0);
  // A push just under the API's 1 MiB limit is still welcome here (the hook limit is 5 MiB).
  http_client c2{srv.port()};
  auto padded = body.substr(0, body.size() - 2) + R"(,"padding":")" +
                std::string(2 * 1024 * 1024, 'p') + "\"}\n";
  auto ok = c2.request("POST", "/hooks/github/" + id, padded, {},
                       {{"X-GitHub-Event", "push"},
                        {"X-GitHub-Delivery", "d-2"},
                        {"X-Hub-Signature-256", hub_signature(github_secret, padded)}});
  INFO(ok.body);
  CHECK(ok.status == 202);
  CHECK(pushes_in_log(srv) == 1);
}

TEST_CASE("sources: GitLab tokens and Bitbucket signatures, same matrix",
          "[integration][sources]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  http_client c{srv.port()};
  auto gl = c.request("POST", "/v1/sources",
                      R"({"provider":"gitlab","branches":["*"],"tags":["v*"]})", key);
  REQUIRE(gl.status == 201);
  auto gl_id = test::json_string(gl.body, "id");
  auto gl_secret = test::json_string(gl.body, "secret");
  auto push = fixture("gitlab_push.json");
  auto gitlab = [&](const std::string& b, const std::string& token, const std::string& uuid,
                    const std::string& event = "Push Hook") {
    std::map<std::string, std::string> h{{"X-Gitlab-Event", event}, {"X-Gitlab-Event-UUID", uuid}};
    if (!token.empty())
      h["X-Gitlab-Token"] = token;
    return c.request("POST", "/hooks/gitlab/" + gl_id, b, {}, h);
  };
  CHECK(gitlab(push, gl_secret, "u-1").status == 202);
  CHECK(gitlab(push, gl_secret, "u-1").status == 200); // the same delivery, stored once
  CHECK(gitlab(push, gl_secret + "x", "u-2").status == 401);
  CHECK(gitlab(push, "", "u-3").status == 401);
  CHECK(gitlab(fixture("gitlab_tag.json"), gl_secret, "u-4", "Tag Push Hook").status == 202);
  CHECK(gitlab(fixture("gitlab_delete.json"), gl_secret, "u-5").status == 202);

  auto bb =
      c.request("POST", "/v1/sources", R"({"provider":"bitbucket","branches":["main"]})", key);
  REQUIRE(bb.status == 201);
  auto bb_id = test::json_string(bb.body, "id");
  auto bb_secret = test::json_string(bb.body, "secret");
  auto bitbucket = [&](const std::string& b, const std::string& signature,
                       const std::string& uuid) {
    std::map<std::string, std::string> h{{"X-Event-Key", "repo:push"}, {"X-Request-UUID", uuid}};
    if (!signature.empty())
      h["X-Hub-Signature"] = signature;
    return c.request("POST", "/hooks/bitbucket/" + bb_id, b, {}, h);
  };
  auto bpush = fixture("bitbucket_push.json");
  CHECK(bitbucket(bpush, hub_signature(bb_secret, bpush), "b-1").status == 202);
  CHECK(bitbucket(bpush, hub_signature(bb_secret, bpush), "b-1").status == 200);
  CHECK(bitbucket(bpush, hub_signature("wrong-secret-0123456", bpush), "b-2").status == 401);
  CHECK(bitbucket(bpush, "", "b-3").status == 401);
  CHECK(bitbucket(bpush.substr(1), hub_signature(bb_secret, bpush), "b-4").status == 401);
  // The branch delete of feature/old does not match `main`: ignored.
  auto del = fixture("bitbucket_delete.json");
  CHECK(bitbucket(del, hub_signature(bb_secret, del), "b-5").status == 200);

  auto events = test::read_log(srv.core().db(), git_push_event_type);
  REQUIRE(events.size() == 4);
  CHECK(events[1].data.find(R"("ref_type":"tag")") != std::string::npos);
  CHECK(events[2].data.find(R"("deleted":true)") != std::string::npos);
  CHECK(events[3].data.find(R"("provider":"bitbucket")") != std::string::npos);

  // Rotation shows the new secret once; the old one stops working at once.
  auto rotated = c.request("POST", "/v1/sources/" + bb_id + "/rotate-secret", {}, key);
  REQUIRE(rotated.status == 200);
  auto fresh = test::json_string(rotated.body, "secret");
  CHECK(fresh != bb_secret);
  CHECK(bitbucket(bpush, hub_signature(bb_secret, bpush), "b-6").status == 401);
  CHECK(bitbucket(bpush, hub_signature(fresh, bpush), "b-6").status == 202);

  // Listing, patching, deleting; a deleted source's URL is a 404.
  auto list = c.request("GET", "/v1/sources", {}, key);
  CHECK(list.status == 200);
  CHECK(list.body.find(gl_id) != std::string::npos);
  CHECK(list.body.find(gl_secret) == std::string::npos);
  auto patched = c.request("PATCH", "/v1/sources/" + gl_id, R"({"branches":["release/*"]})", key);
  CHECK(patched.status == 200);
  CHECK(gitlab(push, gl_secret, "u-9").status == 200); // main no longer matches: ignored
  CHECK(c.request("DELETE", "/v1/sources/" + gl_id, {}, key).status == 204);
  CHECK(gitlab(push, gl_secret, "u-10").status == 404);
  CHECK(c.request("GET", "/v1/sources/" + gl_id, {}, key).status == 404);
  auto bad = c.request("POST", "/v1/sources", R"({"provider":"github","branches":"main"})", key);
  CHECK(bad.status == 422);
  CHECK(bad.body.find(R"("field":"/branches")") != std::string::npos);
  // Another tenant cannot see or change the source.
  auto other = srv.make_tenant_key("globex");
  CHECK(c.request("GET", "/v1/sources/" + bb_id, {}, other).status == 404);
}
