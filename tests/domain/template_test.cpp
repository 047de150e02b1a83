// Payload templates: golden bodies for every template on a deployment, a domain, a certificate
// and a hostile event; Slack and Discord bodies against the services' documented limits;
// custom templates (placeholders, injection, missing values, oversized output); and the
// signature profiles checked by an independent HMAC (OpenSSL's one-shot HMAC()).

#include "domain/builtin_templates.hpp"
#include "domain/crypto.hpp"
#include "domain/delivery_message.hpp"
#include "domain/delivery_outcome.hpp"
#include "domain/payload_template.hpp"
#include "domain/webhook.hpp"
#include "domain/webhook_secret.hpp"
#include "tests/support/openssl_oracle.hpp"

#include <catch2/catch.hpp>
#include <openssl/evp.h>
#include <simdjson.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

using namespace hookd;
using simdjson::dom::element;

namespace {

constexpr int64_t received_ms = 1795503600500; // 2026-11-24T07:00:00.500Z

event make_event(std::string type, std::vector<label> labels, std::string data) {
  event e;
  e.seq = 7;
  e.received_at_ms = received_ms;
  e.tenant = "tenant_acme";
  e.id = "evt_01";
  e.type = std::move(type);
  e.labels = std::move(labels);
  e.data = std::move(data);
  return e;
}

event deployment_event() {
  return make_event(
      "deployment.failed", {{"application_id", "app_42"}, {"server_id", "srv_1"}},
      R"({"deployment":{"id":"dep_9","status":"failed","startedAt":"2026-11-24T06:58:00Z",)"
      R"("finishedAt":"2026-11-24T07:00:05Z"},"application":{"id":"app_42","name":"shop-api",)"
      R"("type":"docker","url":"https://shop.example.com","domains":["shop.example.com",)"
      R"("api.shop.example.com"]},"project":{"id":"prj_3","name":"Shop"},"source":{"type":)"
      R"("github","branch":"main","commit":"9fceb02d0ae598e95dc970b74767f19372d61af8",)"
      R"("repository":"acme/shop-api"},"trigger":{"type":"push","triggeredBy":"octocat"},)"
      R"("error":{"message":"npm run build exited with 1","stage":"build","logs":"ERR!"},)"
      R"("logsUrl":"https://deploy.example.com/d/dep_9/logs"})");
}

event domain_event() {
  return make_event(
      "domain.provisioning.completed", {{"server_id", "srv_1"}},
      R"({"domains":["example.com","*.example.com"],"certificate_type":"dns-01",)"
      R"("issuer":"CN=R11,O=Let's Encrypt,C=US","not_after":"2027-02-22T07:00:00Z"})");
}

event certificate_event() {
  return make_event("certificate.expiring", {{"profile", "web"}},
                    R"({"serial":"04a1b2c3","subject":"CN=vault.example.com",)"
                    R"("issuer":"CN=Acme Root CA","sans":["vault.example.com"],)"
                    R"("not_after":"2026-12-01T00:00:00Z","days_remaining":7})");
}

// Every field holds unicode, quotes, a newline, markup characters and a JSON breakout attempt.
constexpr const char* nasty = R"(é ✓ 日本 🚀 \"q\" line\nbreak <&> \",\"x\":\")";

event hostile_event() {
  auto v = std::string{nasty};
  std::string data = R"({"application":{"id":")" + v + R"(","name":")" + v + R"(","url":")" + v +
                     R"(","domains":[")" + v + R"("]},"project":{"name":")" + v +
                     R"("},"deployment":{"status":")" + v + R"(","duration":")" + v +
                     R"("},"source":{"branch":")" + v + R"(","commit":")" + v +
                     R"("},"error":{"message":")" + v + R"(","stage":")" + v +
                     R"("},"logsUrl":"https://x.example/<&>"})";
  return make_event("deployment.succeeded",
                    {{"application_id", "app\"<&>\n,\"x\":\""}, {"project_id", "é 🚀"}}, data);
}

// The whole file at `path`; requires that it opens.
std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string golden_path(const std::string& name) {
  return std::string{HOOKD_GOLDEN_DIR} + "/" + name + ".json";
}

// Compares `body` with the stored golden file; HOOKD_UPDATE_GOLDEN=1 rewrites it instead (then
// review the diff before committing).
void check_golden(const std::string& name, const std::string& body) {
  INFO("golden " << name);
  if (std::getenv("HOOKD_UPDATE_GOLDEN") != nullptr) {
    std::ofstream{golden_path(name), std::ios::binary} << body << '\n';
    return;
  }
  auto want = read_file(golden_path(name));
  REQUIRE(!want.empty());
  want.pop_back(); // The file's final newline.
  CHECK(body == want);
}

element parse(simdjson::dom::parser& p, const std::string& body) {
  element doc;
  INFO(body);
  REQUIRE(p.parse(body).get(doc) == simdjson::SUCCESS);
  return doc;
}

// Characters as Slack and Discord count them: UTF-16 code units. Written here again on purpose
// (not the renderer's own count).
std::size_t utf16_units(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xC0) != 0x80 ? ((c & 0xF8) == 0xF0 ? 2 : 1) : 0;
  return n;
}

std::string_view str(element e, const char* key) {
  std::string_view s;
  REQUIRE(e[key].get(s) == simdjson::SUCCESS);
  return s;
}

// Slack escapes: no raw < or >, and every & starts an entity.
void check_slack_escaped(std::string_view text) {
  INFO(text);
  CHECK(text.find('<') == std::string_view::npos);
  CHECK(text.find('>') == std::string_view::npos);
  for (auto at = text.find('&'); at != std::string_view::npos; at = text.find('&', at + 1)) {
    auto rest = text.substr(at);
    CHECK((rest.starts_with("&amp;") || rest.starts_with("&lt;") || rest.starts_with("&gt;")));
  }
}

void check_slack_text_object(element t, std::size_t limit) {
  auto type = str(t, "type");
  CHECK((type == "plain_text" || type == "mrkdwn"));
  auto text = str(t, "text");
  CHECK(!text.empty());
  CHECK(utf16_units(text) <= limit);
  if (type == "mrkdwn")
    check_slack_escaped(text);
}

// A block list against Block Kit's documented limits.
void check_slack_blocks(simdjson::dom::array blocks) {
  CHECK(blocks.size() <= 50);
  for (element b : blocks) {
    auto type = str(b, "type");
    if (type == "header") {
      CHECK(str(b["text"], "type") == "plain_text");
      CHECK(utf16_units(str(b["text"], "text")) <= 150);
    } else if (type == "section") {
      simdjson::dom::array fields;
      if (b["fields"].get(fields) == simdjson::SUCCESS) {
        CHECK(fields.size() >= 1);
        CHECK(fields.size() <= 10);
        for (element f : fields)
          check_slack_text_object(f, 2000);
      } else {
        check_slack_text_object(b["text"], 3000);
      }
    } else if (type == "actions") {
      simdjson::dom::array elements = b["elements"];
      CHECK(elements.size() <= 25);
      for (element x : elements) {
        CHECK(str(x, "type") == "button");
        CHECK(utf16_units(str(x["text"], "text")) <= 75);
        auto url = str(x, "url");
        CHECK(url.size() <= 3000);
        CHECK((url.starts_with("https://") || url.starts_with("http://")));
      }
    } else if (type == "context") {
      simdjson::dom::array elements = b["elements"];
      CHECK(elements.size() <= 10);
      for (element x : elements)
        check_slack_text_object(x, 3000);
    } else {
      FAIL("unexpected block type " << type);
    }
  }
}

void check_slack(const std::string& body) {
  simdjson::dom::parser p;
  auto doc = parse(p, body);
  auto text = str(doc, "text");
  CHECK(!text.empty());
  check_slack_escaped(text);
  check_slack_blocks(doc["blocks"].get_array());
  simdjson::dom::array attachments = doc["attachments"];
  REQUIRE(attachments.size() == 1);
  for (element a : attachments) {
    auto colour = str(a, "color");
    CHECK(colour.size() == 7);
    CHECK(colour[0] == '#');
    check_slack_blocks(a["blocks"].get_array());
  }
}

void check_discord(const std::string& body) {
  simdjson::dom::parser p;
  auto doc = parse(p, body);
  CHECK(utf16_units(str(doc, "content")) <= 2000);
  CHECK(doc["allowed_mentions"]["parse"].get_array().size() == 0);
  simdjson::dom::array embeds = doc["embeds"];
  REQUIRE(embeds.size() == 1);
  for (element e : embeds) {
    std::size_t total = 0;
    auto title = str(e, "title");
    CHECK(utf16_units(title) <= 256);
    total += utf16_units(title);
    std::string_view description;
    if (e["description"].get(description) == simdjson::SUCCESS) {
      CHECK(utf16_units(description) <= 4096);
      total += utf16_units(description);
    }
    int64_t colour = e["color"];
    CHECK(colour >= 0);
    CHECK(colour <= 0xFFFFFF);
    simdjson::dom::array fields = e["fields"];
    CHECK(fields.size() <= 25);
    for (element f : fields) {
      auto name = str(f, "name");
      auto value = str(f, "value");
      CHECK(!name.empty());
      CHECK(!value.empty());
      CHECK(utf16_units(name) <= 256);
      CHECK(utf16_units(value) <= 1024);
      total += utf16_units(name) + utf16_units(value);
    }
    auto footer = str(e["footer"], "text");
    CHECK(utf16_units(footer) <= 2048);
    total += utf16_units(footer);
    CHECK(total <= 6000);
    std::string_view url;
    if (e["url"].get(url) == simdjson::SUCCESS)
      CHECK((url.starts_with("https://") || url.starts_with("http://")));
  }
}

std::string render(template_kind kind, const event& e, std::string_view custom = {}) {
  payload_renderer r{kind, custom};
  auto out = r.render(e, "wh_7");
  INFO(out.error);
  REQUIRE(out.ok());
  return out.body;
}

// An event with every text far over the services' limits.
event oversized_event() {
  std::string long_name(5000, 'n');
  std::string domains = "[";
  for (int i = 0; i < 300; ++i)
    domains += (i ? ",\"" : "\"") + std::string(60, 'd') + std::to_string(i) + ".example.com\"";
  domains += "]";
  std::string emoji;
  for (int i = 0; i < 3000; ++i)
    emoji += "\U0001F680"; // Two units each.
  return make_event("deployment.failed", {},
                    R"({"application":{"name":")" + long_name + R"(","domains":)" + domains +
                        R"(},"project":{"name":")" + emoji + R"("},"source":{"branch":")" +
                        long_name + R"(","repository":")" + emoji + R"("},"error":{"message":")" +
                        std::string(20000, '<') + R"(","stage":")" + long_name +
                        R"("},"trigger":{"triggeredBy":")" + long_name + R"("},"logsUrl":")" +
                        "https://x.example/" + std::string(4000, 'a') + R"("})");
}

std::string hmac_hex(std::string_view key, std::string_view data) {
  return test::oracle_hex(test::oracle_hmac(key, data));
}

std::map<std::string, std::string> header_map(const signed_delivery& d) {
  return {d.headers.begin(), d.headers.end()};
}

} // namespace

TEST_CASE("templates: golden bodies for every template and event", "[domain][templates]") {
  std::vector<std::pair<std::string, event>> events{{"deployment", deployment_event()},
                                                    {"domain", domain_event()},
                                                    {"certificate", certificate_event()},
                                                    {"hostile", hostile_event()}};
  const std::string custom =
      R"T({"text":"${eventType} for ${applicationName} on ${branch} (${status})",)T"
      R"T("app":${applicationId},"domains":${domains},"serial":${data.serial},)T"
      R"T("when":"${timestamp}","took":${duration}})T";
  simdjson::dom::parser p;
  for (const auto& [name, e] : events) {
    for (auto kind : {template_kind::standard, template_kind::event, template_kind::tenant_envelope,
                      template_kind::slack, template_kind::discord, template_kind::n8n,
                      template_kind::custom}) {
      auto body = render(kind, e, custom);
      parse(p, body); // Valid JSON, whatever the event holds.
      check_golden(std::string{to_string(kind)} + "_" + name, body);
    }
  }
}

TEST_CASE("templates: the event and envelope templates carry the documented fields",
          "[domain][templates]") {
  simdjson::dom::parser p;
  auto doc = parse(p, render(template_kind::event, deployment_event()));
  CHECK(str(doc, "event") == "deployment.failed");
  CHECK(str(doc, "timestamp") == "2026-11-24T07:00:00.500Z");
  CHECK(str(doc["deployment"], "status") == "failed");
  // No duration in the data: derived from startedAt and finishedAt (2 min 5 s).
  CHECK(int64_t(doc["deployment"]["duration"]) == 125);
  CHECK(str(doc["application"], "name") == "shop-api");
  CHECK(doc["application"]["domains"].get_array().size() == 2);
  CHECK(str(doc["source"], "commit") == "9fceb02d0ae598e95dc970b74767f19372d61af8");
  CHECK(str(doc["trigger"], "triggeredBy") == "octocat");
  CHECK(str(doc["error"], "stage") == "build");
  CHECK(str(doc["labels"], "server_id") == "srv_1");
  CHECK(str(doc["data"]["deployment"], "id") == "dep_9");
  // Sections the event has no fields for are left out.
  auto cert = parse(p, render(template_kind::event, certificate_event()));
  CHECK(cert["deployment"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(cert["source"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(cert["application"]["domains"].get_array().size() == 1); // from `sans`

  auto env = parse(p, render(template_kind::tenant_envelope, certificate_event()));
  CHECK(str(env, "event") == "CertificateExpiring");
  CHECK(int64_t(env["timestamp"]) == received_ms / 1000);
  CHECK(str(env, "tenant_id") == "tenant_acme");
  CHECK(str(env, "webhook_id") == "wh_7");
  CHECK(int64_t(env["data"]["days_remaining"]) == 7);
  CHECK(camel_case_type("ca.cert_revoked") == "CaCertRevoked");

  auto flat = parse(p, render(template_kind::n8n, deployment_event()));
  for (const auto& v : variables())
    CHECK(flat[v.name].error() == simdjson::SUCCESS);
  CHECK(str(flat, "applicationName") == "shop-api");
  CHECK(str(flat, "commitHash") == "9fceb02d0ae598e95dc970b74767f19372d61af8");
  CHECK(flat["repository"].is_string());
  CHECK(flat["errorLogs"].is_string());
  auto bare = parse(p, render(template_kind::n8n, certificate_event()));
  CHECK(bare["branch"].is_null()); // missing values are null, never absent
}

TEST_CASE("templates: slack and discord bodies stay within the services' limits",
          "[domain][templates]") {
  for (const auto& e : {deployment_event(), domain_event(), certificate_event(), hostile_event(),
                        oversized_event()}) {
    INFO(e.type << " " << e.data.substr(0, 80));
    check_slack(render(template_kind::slack, e));
    check_discord(render(template_kind::discord, e));
  }
  simdjson::dom::parser p;
  // Outcome colours and emoji: failed in red, success in green.
  auto failed = parse(p, render(template_kind::slack, deployment_event()));
  CHECK(str(failed["attachments"].at(0), "color") == "#E01E5A");
  CHECK(str(failed["blocks"].at(0)["text"], "text").starts_with("\u274C Deployment failed"));
  CHECK(classify_outcome(*std::make_unique<event_variables>(certificate_event(), "wh")) ==
        outcome::expiring);
  auto ok = make_event("build.succeeded", {}, "{}");
  event_variables v{ok, "wh"};
  CHECK(classify_outcome(v) == outcome::success);
  // The button links the logs; Discord's title links them too.
  element button = failed["attachments"].at(0)["blocks"].at(2)["elements"].at(0);
  CHECK(str(button, "url") == "https://deploy.example.com/d/dep_9/logs");
  auto discord = parse(p, render(template_kind::discord, deployment_event()));
  CHECK(str(discord["embeds"].at(0), "url") == "https://deploy.example.com/d/dep_9/logs");
  CHECK(int64_t(discord["embeds"].at(0)["color"]) == 0xE01E5A);
  // The hostile event's markup is escaped in Slack's text; an unusable URL links nothing.
  auto hostile = render(template_kind::slack, hostile_event());
  CHECK(hostile.find("&lt;&amp;&gt;") != std::string::npos);
  CHECK(hostile.find("\"url\"") == std::string::npos);
  // Truncation keeps whole code points and ends with an ellipsis.
  auto cut = truncate_chat_text("ab\U0001F680cd", 4);
  CHECK(cut == "ab\u2026");
  CHECK(truncate_chat_text("abc", 3) == "abc");
}

TEST_CASE("templates: custom placeholders, strings and whole values", "[domain][templates]") {
  simdjson::dom::parser p;
  auto body = render(template_kind::custom, deployment_event(),
                     R"({"msg":"${applicationName} \"${branch}\" ${duration}s",)"
                     R"("d":${domains},"raw":${data.deployment},"n":${data.project.name},)"
                     R"("literal":"$5 and $ {x}"})");
  auto doc = parse(p, body);
  CHECK(str(doc, "msg") == "shop-api \"main\" 125s");
  CHECK(doc["d"].get_array().size() == 2);
  CHECK(str(doc["raw"], "id") == "dep_9");
  CHECK(str(doc, "n") == "Shop");
  CHECK(str(doc, "literal") == "$5 and $ {x}");
  // A placeholder inside a string gets a string even for arrays: items joined.
  auto joined =
      parse(p, render(template_kind::custom, deployment_event(), R"({"d":"${domains}"})"));
  CHECK(str(joined, "d") == "shop.example.com, api.shop.example.com");
}

TEST_CASE("templates: a label or field cannot break out of its string", "[domain][templates]") {
  simdjson::dom::parser p;
  auto e = make_event("deployment.succeeded", {{"application_id", "a\",\"x\":\""}},
                      R"({"branch":"b\",\"y\":\"","n":"1,\"z\":2"})");
  auto doc = parse(p, render(template_kind::custom, e,
                             R"({"app":"${applicationId}","raw":${applicationId},)"
                             R"("branch":"${branch}","n":${data.n}})"));
  CHECK(str(doc, "app") == "a\",\"x\":\"");
  CHECK(str(doc, "raw") == "a\",\"x\":\"");
  CHECK(str(doc, "branch") == "b\",\"y\":\"");
  CHECK(str(doc, "n") == "1,\"z\":2");
  CHECK(doc.get_object().size() == 4); // no injected keys
  CHECK(doc["x"].error() == simdjson::NO_SUCH_FIELD);
}

TEST_CASE("templates: missing values render null or empty, and are noted", "[domain][templates]") {
  simdjson::dom::parser p;
  payload_renderer r{template_kind::custom,
                     R"({"c":${commitHash},"s":"at ${commitHash}!","u":${data.build.url},)"
                     R"("again":${commitHash},"id":"${eventId}"})"};
  auto out = r.render(certificate_event(), "wh_7");
  REQUIRE(out.ok());
  auto doc = parse(p, out.body);
  CHECK(doc["c"].is_null());
  CHECK(str(doc, "s") == "at !");
  CHECK(doc["u"].is_null());
  CHECK(str(doc, "id") == "evt_01");
  CHECK(out.missing == std::vector<std::string>{"commitHash", "data.build.url"});
  // prepare_delivery turns them into the attempt record's note.
  webhook h;
  h.id = "wh_7";
  h.body_template = template_kind::custom;
  h.signature.kind = signature_kind::none;
  auto prepared = prepare_delivery(h, r, {}, certificate_event(), "msg_1", received_ms);
  CHECK(prepared.ok());
  CHECK(prepared.note == "missing: commitHash, data.build.url");
}

TEST_CASE("templates: invalid custom templates are refused naming the problem",
          "[domain][templates]") {
  auto errors_of = [](std::string_view text, std::vector<std::string> patterns = {"*"}) {
    std::vector<field_error> errors;
    check_template(template_kind::custom, text, patterns, errors);
    return errors;
  };
  CHECK(errors_of(R"({"a":${applicationId}})").empty());
  auto unknown = errors_of(R"({"a":${applicationID},"b":"${nope}"})");
  REQUIRE(unknown.size() == 2);
  CHECK(unknown[0].code == "unknown_variable");
  CHECK(unknown[0].field == "/custom_template");
  CHECK(unknown[0].detail.find("'applicationID'") != std::string::npos);
  CHECK(unknown[1].detail.find("'nope'") != std::string::npos);
  auto unclosed = errors_of(R"({"a":${status)");
  REQUIRE(unclosed.size() == 1);
  CHECK(unclosed[0].detail.find("no closing") != std::string::npos);
  CHECK(errors_of(R"({"a":${data.}})").at(0).code == "format");
  CHECK(errors_of(R"({"a":${data.x/y}})").at(0).code == "format");
  // Not JSON once rendered for a sample: two values in a row, a trailing comma, bare text.
  for (auto bad : {R"({"a":${status} ${status}})", R"({"a":1,})", "hello ${status}"}) {
    INFO(bad);
    auto e = errors_of(bad, {"deployment.*", "certificate.issued"});
    REQUIRE(e.size() == 1);
    CHECK(e[0].code == "invalid_output");
  }
  // A placeholder as a key works while the value is a string, and not for a number.
  CHECK(errors_of(R"({${applicationId}:1})").empty());
  CHECK(errors_of(R"({${duration}:1})").at(0).code == "invalid_output");
  auto big = std::string(max_custom_template_bytes + 1, ' ');
  CHECK(errors_of(big).at(0).code == "too_long");
  CHECK(errors_of("").at(0).code == "required");
  // Other templates take no custom text.
  std::vector<field_error> none;
  check_template(template_kind::slack, "", {"*"}, none);
  CHECK(none.empty());
}

TEST_CASE("templates: a rendering over 1 MiB fails instead of being sent", "[domain][templates]") {
  std::string data = R"({"blob":")" + std::string(200 * 1024, 'x') + "\"}";
  auto e = make_event("deployment.succeeded", {}, data);
  std::string t = "[";
  for (int i = 0; i < 8; ++i)
    t += (i ? "," : "") + std::string{"${data}"};
  t += "]";
  payload_renderer r{template_kind::custom, t};
  auto out = r.render(e, "wh");
  CHECK_FALSE(out.ok());
  CHECK(out.body.empty());
  CHECK(out.error.find("exceeds 1048576 bytes") != std::string::npos);
  // Four copies fit.
  payload_renderer fits{template_kind::custom, "[${data},${data},${data},${data}]"};
  CHECK(fits.render(e, "wh").ok());
  // The failure is a permanent attempt error, so it is never retried.
  CHECK(classify_attempt(transport_error::render_failed, std::nullopt) == attempt_class::permanent);
}

TEST_CASE("signature profiles: each verifies with an independent HMAC", "[domain][templates]") {
  const std::string body = R"({"type":"deployment.succeeded","data":{"x":"é"}})";
  const std::string plain = "It's a Secret to Everybody";
  hmac_sha256_key plain_key{plain};
  std::vector<const hmac_sha256_key*> keys{&plain_key};

  auto hex =
      sign_delivery({signature_kind::timestamped_hex, ""}, "msg_1", 1700000000, body, keys, {});
  auto h = header_map(hex);
  CHECK(h["X-Webhook-Timestamp"] == "1700000000");
  CHECK(h["X-Webhook-Id"] == "msg_1");
  CHECK(h["webhook-id"] == "msg_1");
  CHECK(h["X-Webhook-Signature"] == hmac_hex(plain, "1700000000." + body));
  CHECK(h.count("webhook-signature") == 0);

  auto gh = sign_delivery({signature_kind::sha256_prefixed, "X-Dokploy-Signature"}, "msg_1",
                          1700000000, body, keys, {});
  h = header_map(gh);
  CHECK(h["X-Dokploy-Signature"] == "sha256=" + hmac_hex(plain, body));
  CHECK(h["webhook-id"] == "msg_1");
  // GitHub's documented vector: secret "It's a Secret to Everybody", payload "Hello, World!".
  auto vector = sign_delivery({signature_kind::sha256_prefixed, "X-Hub-Signature-256"}, "m", 0,
                              "Hello, World!", keys, {});
  CHECK(header_map(vector)["X-Hub-Signature-256"] ==
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");

  auto unsigned_ = sign_delivery({signature_kind::none, ""}, "msg_1", 1700000000, body, keys, {});
  h = header_map(unsigned_);
  CHECK(h["webhook-id"] == "msg_1");
  CHECK(h.size() == 3); // webhook-id, Content-Type, User-Agent

  // Key material: decoded bytes for standard, the text itself for the hex styles.
  auto whsec = std::string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"};
  CHECK(signing_key_material(signature_kind::standard, whsec) == parse_webhook_secret(whsec));
  CHECK(signing_key_material(signature_kind::sha256_prefixed, whsec) == whsec);
  CHECK_FALSE(signing_key_material(signature_kind::none, whsec));
  CHECK_FALSE(signing_key_material(signature_kind::standard, plain));
}

TEST_CASE("webhooks: template and signature fields, and the rules between them",
          "[domain][templates]") {
  id_generator ids;
  auto create = [&](const std::string& extra) {
    return parse_webhook_create(
        R"({"name":"n","url":"https://example.com/h","events":["deployment.*"])" + extra + "}",
        "t1", ids, 1000);
  };
  auto first_error = [](const parse_result<webhook>& r) {
    REQUIRE(r.failure);
    REQUIRE(!r.failure->errors.empty());
    return r.failure->errors.front();
  };
  auto plain = create("");
  REQUIRE(plain.value);
  CHECK(plain.value->body_template == template_kind::standard);
  CHECK(plain.value->signature.kind == signature_kind::standard);

  auto slack = create(R"(,"template":"slack","signature":"none")");
  REQUIRE(slack.value);
  CHECK(slack.value->body_template == template_kind::slack);
  CHECK(first_error(create(R"(,"signature":"none")")).field == "/signature");
  CHECK(first_error(create(R"(,"template":"mjml")")).field == "/template");

  auto gh = create(R"(,"signature":"sha256_prefixed","secret":"a-receiver-secret-1234")");
  REQUIRE(gh.value);
  CHECK(gh.value->signature.header == "X-Hub-Signature-256");
  CHECK(gh.value->secret == "a-receiver-secret-1234");
  // The standard style needs a whsec_ secret; the hex styles need 16+ printable characters.
  CHECK(first_error(create(R"(,"secret":"a-receiver-secret-1234")")).field == "/secret");
  CHECK(first_error(create(R"(,"signature":"timestamped_hex","secret":"short")")).field ==
        "/secret");
  CHECK(first_error(create(R"(,"signature":"sha256_prefixed","signature_header":"Bad Header")"))
            .field == "/signature_header");
  CHECK(first_error(create(R"(,"signature":"sha256_prefixed","signature_header":"webhook-x")"))
            .field == "/signature_header");
  CHECK(first_error(create(R"(,"signature_header":"X-Sig")")).field == "/signature_header");
  CHECK(first_error(create(R"(,"signature":"timestamped_hex","headers":{"X-Webhook-Id":"1"})"))
            .field == "/headers/X-Webhook-Id");
  auto unknown = first_error(create(R"(,"template":"custom","custom_template":"{\"a\":${nope}}")"));
  CHECK(unknown.code == "unknown_variable");
  CHECK(unknown.detail.find("'nope'") != std::string::npos);
  CHECK(first_error(create(R"(,"custom_template":"{}")")).field == "/custom_template");

  // A patch away from custom drops the text; a patch of the events re-checks the template.
  auto custom = create(R"(,"template":"custom","custom_template":"{\"s\":\"${status}\"}")");
  REQUIRE(custom.value);
  auto back = parse_webhook_patch(R"({"template":"event"})", *custom.value, 2000);
  REQUIRE(back.value);
  CHECK(back.value->custom_template.empty());
  // `status` as a key: a string for deployments, null for pushes (which have none).
  auto keyed = create(R"(,"template":"custom","custom_template":"{${status}:1}")");
  REQUIRE(keyed.value);
  CHECK(first_error(parse_webhook_patch(R"({"events":["git.push.received"]})", *keyed.value, 2000))
            .code == "invalid_output");
}

TEST_CASE("templates: every variable is in the documented table", "[domain][templates]") {
  auto doc = read_file(std::string{HOOKD_DOCS_DIR} + "/templates.md");
  for (const auto& v : variables()) {
    INFO(v.name);
    auto row = doc.find("| `" + std::string{v.name} + "` |");
    REQUIRE(row != std::string::npos);
    // The row names each data field the code looks at, and the label.
    auto line = doc.substr(row, doc.find('\n', row) - row);
    for (auto field : v.fields)
      if (!field.empty())
        CHECK(line.find("`" + std::string{field} + "`") != std::string::npos);
    if (!v.label.empty())
      CHECK(line.find("`" + std::string{v.label} + "`") != std::string::npos);
  }
}
