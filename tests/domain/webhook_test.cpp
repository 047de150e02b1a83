#include "domain/delivery_record.hpp"
#include "domain/replay_job.hpp"
#include "domain/timestamp.hpp"
#include "domain/url.hpp"
#include "domain/webhook.hpp"

#include <catch2/catch.hpp>

using namespace hookd;

namespace {

id_generator& ids() {
  static id_generator gen;
  return gen;
}

// Creates from the defaults name/url/events, each replaced when `members` (raw JSON members)
// names it, plus whatever else `members` holds.
parse_result<webhook> create(const std::string& members) {
  std::string body = "{" + members;
  for (auto [key, value] :
       {std::pair{"name", R"("ci")"}, std::pair{"url", R"("https://example.com/hook")"},
        std::pair{"events", R"(["*"])"}})
    if (members.find("\"" + std::string{key} + "\":") == std::string::npos)
      body += (body.size() > 1 ? "," : "") + std::string{"\""} + key + "\":" + value;
  return parse_webhook_create(body + "}", "acme", ids(), 1000);
}

bool has_error(const parse_result<webhook>& r, const std::string& field, const std::string& code) {
  if (!r.failure)
    return false;
  for (const auto& e : r.failure->errors)
    if (e.field == field && e.code == code)
      return true;
  return false;
}

} // namespace

TEST_CASE("urls: what is accepted and how it splits", "[domain][url]") {
  auto u = parse_url("HTTPS://Example.COM:8443/a/b?x=1");
  REQUIRE(u);
  CHECK(u->scheme == "https");
  CHECK(u->host == "example.com");
  CHECK(u->port == 8443);
  CHECK(u->target == "/a/b?x=1");
  CHECK(parse_url("http://h")->port == 80);
  CHECK(parse_url("https://h")->target == "/");
  CHECK(parse_url("https://h?q=1")->target == "/?q=1");
  auto v6 = parse_url("https://[2001:db8::1]:9000/x");
  REQUIRE(v6);
  CHECK(v6->host == "2001:db8::1");
  CHECK(v6->ipv6_literal);
  CHECK(v6->port == 9000);
  auto code = [](std::string_view text) {
    url_error why;
    return parse_url(text, &why) ? std::string{"ok"} : why.code;
  };
  CHECK(code("ftp://h/") == "scheme");
  CHECK(code("//h/") == "format");
  CHECK(code("https://user:pw@h/") == "userinfo");
  CHECK(code("https://h/#frag") == "fragment");
  CHECK(code("https://h:0/") == "port");
  CHECK(code("https://h:65536/") == "port");
  CHECK(code("https://h:/") == "port");
  CHECK(code("https:///x") == "host");
  CHECK(code("https://h/a b") == "format");
  CHECK(code("https://h/\r\nX: y") == "format");
  CHECK(code("https://[::1/") == "host");
  CHECK(code("https://" + std::string(2050, 'a')) == "too_long");
}

TEST_CASE("webhooks: a minimal create gets defaults and a secret", "[domain][webhook]") {
  auto r = create("");
  REQUIRE(r.value);
  const auto& w = *r.value;
  CHECK(w.id.starts_with("wh_"));
  CHECK(w.tenant == "acme");
  CHECK(w.secret.starts_with("whsec_"));
  CHECK(w.timeout_seconds == 15);
  CHECK(w.max_in_flight == 16);
  CHECK(w.ordering == delivery_ordering::none);
  CHECK(w.retry == retry_policy::standard());
  CHECK(w.enabled);
}

TEST_CASE("webhooks: every field is validated", "[domain][webhook]") {
  CHECK(has_error(parse_webhook_create(R"({})", "t", ids(), 1), "/name", "required"));
  CHECK(has_error(parse_webhook_create(R"({})", "t", ids(), 1), "/url", "required"));
  CHECK(has_error(parse_webhook_create(R"({})", "t", ids(), 1), "/events", "required"));
  CHECK(has_error(create(R"("colour":"red")"), "/colour", "unknown_field"));
  CHECK(has_error(create(R"("timeout_seconds":0)"), "/timeout_seconds", "range"));
  CHECK(create(R"("timeout_seconds":300)").value);
  CHECK(has_error(create(R"("timeout_seconds":301)"), "/timeout_seconds", "range"));
  CHECK(has_error(create(R"("timeout_seconds":"5")"), "/timeout_seconds", "type"));
  CHECK(create(R"("max_in_flight":256)").value);
  CHECK(has_error(create(R"("max_in_flight":257)"), "/max_in_flight", "range"));
  CHECK(has_error(create(R"("max_in_flight":0)"), "/max_in_flight", "range"));
  CHECK(create(R"("ordering":"fifo")").value->ordering == delivery_ordering::fifo);
  CHECK(has_error(create(R"("ordering":"lifo")"), "/ordering", "format"));
  CHECK(has_error(create(R"("secret":"whsec_short")"), "/secret", "format"));
  CHECK(create(R"("secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")").value->secret ==
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  auto bad_url =
      parse_webhook_create(R"({"name":"x","url":"https://u:p@h/","events":["*"]})", "t", ids(), 1);
  CHECK(has_error(bad_url, "/url", "userinfo"));
  CHECK(has_error(create(R"("name":"")"), "/name", "too_short"));
  CHECK(has_error(create(R"("name":")" + std::string(101, 'n') + "\""), "/name", "too_long"));
  CHECK(has_error(create(R"("description":")" + std::string(1001, 'd') + "\""), "/description",
                  "too_long"));
}

TEST_CASE("webhooks: event patterns and label filters", "[domain][webhook]") {
  auto r = create(
      R"("events":["deployment.*","build.failed"],"label_filter":{"application_id":"app_42"})");
  REQUIRE(r.value);
  const auto& w = *r.value;
  CHECK(w.matches("deployment.started", {{"application_id", "app_42"}, {"x", "y"}}));
  CHECK(w.matches("build.failed", {{"application_id", "app_42"}}));
  CHECK_FALSE(w.matches("build.started", {{"application_id", "app_42"}}));
  CHECK_FALSE(w.matches("deployment.started", {{"application_id", "app_7"}}));
  CHECK_FALSE(w.matches("deployment.started", {}));
  CHECK(has_error(create(R"("events":[])"), "/events", "too_few"));
  CHECK(has_error(create(R"("events":["Bad.*"])"), "/events/0", "format"));
  CHECK(has_error(create(R"("events":"*")"), "/events", "type"));
  CHECK(has_error(create(R"("label_filter":{"Bad":"x"})"), "/label_filter/Bad", "format"));
  CHECK(has_error(create(R"("label_filter":{"k":1})"), "/label_filter/k", "type"));
}

TEST_CASE("webhooks: custom headers refuse reserved names and CR/LF", "[domain][webhook]") {
  auto ok = create(R"("headers":{"X-Env":"prod","Authorization":"Bearer abc"})");
  REQUIRE(ok.value);
  CHECK(ok.value->headers.size() == 2);
  for (auto name : {"Host", "content-length", "Transfer-Encoding", "CONNECTION", "webhook-id",
                    "Webhook-Signature", "webhook-anything"}) {
    INFO(name);
    CHECK(has_error(create(R"("headers":{")" + std::string{name} + R"(":"x"})"),
                    "/headers/" + std::string{name}, "reserved"));
  }
  CHECK(has_error(create(R"("headers":{"X-A":"a\r\nX-Injected: 1"})"), "/headers/X-A", "format"));
  CHECK(has_error(create(R"("headers":{"X-A":"a\nb"})"), "/headers/X-A", "format"));
  CHECK(has_error(create(R"("headers":{"Bad Name":"x"})"), "/headers/Bad Name", "format"));
  std::string many = R"("headers":{)";
  for (int i = 0; i < 21; ++i)
    many += (i ? "," : "") + std::string{"\"X-"} + std::to_string(i) + "\":\"v\"";
  CHECK(has_error(create(many + "}"), "/headers", "too_many"));
}

TEST_CASE("webhooks: retry schedules", "[domain][webhook]") {
  CHECK(create(R"("retry":{"schedule":"short"})").value->retry == retry_policy::short_schedule());
  auto e = create(R"("retry":{"attempts":3,"base_seconds":10,"max_seconds":60})");
  REQUIRE(e.value);
  CHECK(e.value->retry ==
        retry_policy::exponential(3, std::chrono::seconds{10}, std::chrono::seconds{60}));
  CHECK(create(R"("retry":{"attempts":0,"base_seconds":1,"max_seconds":1})").value);
  CHECK(has_error(create(R"("retry":{"schedule":"weekly"})"), "/retry/schedule", "format"));
  CHECK(has_error(create(R"("retry":{"attempts":11,"base_seconds":1,"max_seconds":2})"),
                  "/retry/attempts", "range"));
  CHECK(has_error(create(R"("retry":{"attempts":2,"base_seconds":10,"max_seconds":5})"),
                  "/retry/max_seconds", "range"));
  CHECK(has_error(create(R"("retry":{"attempts":2})"), "/retry", "required"));
  CHECK(has_error(create(R"("retry":{"schedule":"short","attempts":2})"), "/retry/attempts",
                  "unknown_field"));
}

TEST_CASE("webhooks: patch replaces present fields only", "[domain][webhook]") {
  auto base = *create(R"("description":"keep me","timeout_seconds":20)").value;
  auto p = parse_webhook_patch(R"({"url":"https://other.example/x","enabled":false})", base, 5000);
  REQUIRE(p.value);
  CHECK(p.value->url == "https://other.example/x");
  CHECK_FALSE(p.value->enabled);
  CHECK(p.value->disabled_reason == "disabled by a user");
  CHECK(p.value->description == "keep me");
  CHECK(p.value->timeout_seconds == 20);
  CHECK(p.value->secret == base.secret);
  CHECK(p.value->id == base.id);
  CHECK(p.value->updated_at_ms == 5000);
  CHECK(has_error(parse_webhook_patch(R"({"secret":"whsec_x"})", base, 1), "/secret",
                  "unknown_field"));
  CHECK(has_error(parse_webhook_patch(R"({"timeout_seconds":0})", base, 1), "/timeout_seconds",
                  "range"));
  CHECK(parse_webhook_patch("[]", base, 1).failure->status == 422);
  CHECK(parse_webhook_patch("{", base, 1).failure->status == 400);
}

TEST_CASE("webhook: never matches operational events about itself", "[domain][webhook]") {
  webhook w;
  w.id = "wh_a";
  w.events = {"*"};
  std::vector<label> about_a{{"webhook_id", "wh_a"}};
  std::vector<label> about_b{{"webhook_id", "wh_b"}};
  CHECK_FALSE(w.matches("webhook.disabled", about_a));
  CHECK_FALSE(w.matches("webhook.recovered", about_a));
  CHECK_FALSE(w.matches("delivery.exhausted", about_a));
  CHECK(w.matches("webhook.disabled", about_b));  // about another webhook: delivered
  CHECK(w.matches("deployment.failed", about_a)); // not operational: the label is just a label
  CHECK(is_operational_event_about("wh_a", "webhook.disabled", about_a));
  CHECK_FALSE(is_operational_event_about("wh_a", "webhooks.x", about_a));
  auto e = make_webhook_event("webhook.recovered", "wh_a", "{}", "evt_1");
  CHECK(e.labels == about_a);
}

TEST_CASE("webhook: a secret rotation keeps the old secret for the overlap",
          "[domain][webhook][secrets]") {
  webhook w;
  w.id = "wh_a";
  w.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  int64_t now = 1'000'000;
  auto r = parse_secret_rotation("", w, now);
  REQUIRE_FALSE(r.failure);
  CHECK(r.value->secret != w.secret);
  CHECK(r.value->secret.starts_with("whsec_"));
  REQUIRE(r.value->previous_secrets.size() == 1);
  CHECK(r.value->previous_secrets[0].secret == w.secret);
  CHECK(r.value->previous_secrets[0].expires_at_ms == now + 86'400'000); // 24 h by default
  auto given = "whsec_" + std::string(40, 'B');
  r = parse_secret_rotation(R"({"secret":")" + given + R"(","overlap_seconds":0})", w, now);
  REQUIRE_FALSE(r.failure);
  CHECK(r.value->secret == given);
  CHECK(r.value->previous_secrets.empty()); // no overlap: the old one stops at once
  // Expired previous secrets are dropped; live ones stay behind the newest.
  w.previous_secrets = {{"whsec_" + std::string(40, 'C'), now - 1},
                        {"whsec_" + std::string(40, 'D'), now + 5000}};
  r = parse_secret_rotation(R"({"overlap_seconds":60})", w, now);
  REQUIRE_FALSE(r.failure);
  REQUIRE(r.value->previous_secrets.size() == 2);
  CHECK(r.value->previous_secrets[0].secret == w.secret);
  CHECK(r.value->previous_secrets[0].expires_at_ms == now + 60'000);
  CHECK(r.value->previous_secrets[1].secret == "whsec_" + std::string(40, 'D'));
  // At most five may sign at once.
  w.previous_secrets.clear();
  for (char c : std::string{"EFGHI"})
    w.previous_secrets.push_back({"whsec_" + std::string(40, c), now + 5000});
  r = parse_secret_rotation("{}", w, now);
  REQUIRE(r.failure);
  CHECK(r.failure->status == 422);
  CHECK(r.failure->errors.at(0).code == "too_many");
  CHECK(r.failure->errors.at(0).limit == 5u);
  CHECK_FALSE(parse_secret_rotation(R"({"overlap_seconds":0})", w, now).failure);
  // Bad input, each a precise field error.
  auto field_of = [&](std::string body) {
    auto bad = parse_secret_rotation(body, webhook{}, now);
    REQUIRE(bad.failure);
    return bad.failure->errors.empty() ? std::string{} : bad.failure->errors.at(0).field;
  };
  CHECK(field_of(R"({"overlap_seconds":2592001})") == "/overlap_seconds");
  CHECK(field_of(R"({"overlap_seconds":-1})") == "/overlap_seconds");
  CHECK(field_of(R"({"secret":"nope"})") == "/secret");
  CHECK(field_of(R"({"other":1})") == "/other");
  CHECK(parse_secret_rotation("[1]", w, now).failure->status == 422);
  CHECK(parse_secret_rotation("{", w, now).failure->status == 400);
  webhook same = w;
  same.previous_secrets.clear();
  CHECK(parse_secret_rotation(R"({"secret":")" + same.secret + R"("})", same, now)
            .failure->errors.at(0)
            .code == "conflict");
}

TEST_CASE("replay requests: the window, types and only_failed, and every error named",
          "[domain][jobs]") {
  const int64_t now = 1'800'000'000'000;
  auto ok = parse_replay_request(
      R"({"since":"2026-11-01T00:00:00Z","until":"2026-11-02T00:00:00Z","types":["deployment.*"],"only_failed":true})",
      now);
  REQUIRE(ok.value);
  CHECK(ok.value->since_ms == *parse_rfc3339("2026-11-01T00:00:00Z"));
  CHECK(ok.value->until_ms == parse_rfc3339("2026-11-02T00:00:00Z"));
  CHECK(ok.value->types == std::vector<std::string>{"deployment.*"});
  CHECK(ok.value->only_failed);
  auto open_ended = parse_replay_request(R"({"since":"2026-11-01T00:00:00Z"})", now);
  REQUIRE(open_ended.value);
  CHECK_FALSE(open_ended.value->until_ms);
  CHECK_FALSE(open_ended.value->only_failed);
  auto field_of = [&](std::string_view body) {
    auto r = parse_replay_request(body, now);
    REQUIRE(r.failure);
    return r.failure->status == 422 && !r.failure->errors.empty() ? r.failure->errors[0].field
                                                                  : std::string{};
  };
  CHECK(field_of("{}") == "/since");
  CHECK(field_of(R"({"since":"tomorrow"})") == "/since");
  CHECK(field_of(R"({"since":"2030-01-01T00:00:00Z"})") == "/since"); // in the future
  CHECK(field_of(R"({"since":"2026-11-02T00:00:00Z","until":"2026-11-01T00:00:00Z"})") == "/until");
  CHECK(field_of(R"({"since":"2026-11-01T00:00:00Z","types":[]})") == "/types");
  CHECK(field_of(R"({"since":"2026-11-01T00:00:00Z","types":["a..b"]})") == "/types/0");
  CHECK(field_of(R"({"since":"2026-11-01T00:00:00Z","only_failed":1})") == "/only_failed");
  CHECK(field_of(R"({"since":"2026-11-01T00:00:00Z","limit":1})") == "/limit");
  CHECK(parse_replay_request("{", now).failure->status == 400);
  CHECK(parse_resend_request("").value == std::string{});
  CHECK(parse_resend_request(R"({"webhook_id":"wh_1"})").value == std::string{"wh_1"});
  CHECK(parse_resend_request(R"({"webhook_id":1})").failure);
}

TEST_CASE("jobs: progress is the share of the window read", "[domain][jobs]") {
  replay_job j;
  j.from_seq = 101;
  j.to_seq = 200;
  j.next_seq = 101;
  CHECK(j.progress() == 0.0);
  j.next_seq = 151;
  CHECK(j.progress() == 0.5);
  j.next_seq = 201;
  CHECK(j.progress() == 1.0);
  j.to_seq = 100; // an empty window
  CHECK(j.progress() == 1.0);
  j.to_seq = 200;
  j.next_seq = 101;
  j.state = job_state::cancelled;
  CHECK(j.progress() == 1.0);
  CHECK(to_string(job_state::completed) == "completed");
  CHECK(to_string(job_kind::resend) == "resend");
}
