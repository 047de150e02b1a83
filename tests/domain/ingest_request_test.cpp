#include "domain/defaults.hpp"
#include "domain/ingest_request.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace hookd;

namespace {

id_generator& ids() {
  static id_generator gen{[](std::span<uint8_t> out) {
    for (auto& b : out)
      b = 0x42;
  }};
  return gen;
}

ingest_parse_result parse(const std::string& body) {
  return parse_ingest_request(body, ids(), 1'700'000'000'000);
}

// Expects a 422 whose errors include `field` with `code`.
void expect_error(const std::string& body, const std::string& field, const std::string& code) {
  INFO(body);
  auto r = parse(body);
  REQUIRE(r.failure);
  CHECK(r.failure->status == 422);
  CHECK(r.failure->type == "validation-failed");
  bool found = false;
  for (const auto& e : r.failure->errors)
    found = found || (e.field == field && e.code == code);
  INFO("expected " << field << " / " << code);
  CHECK(found);
}

std::string event_with(const std::string& members) {
  return R"({"type":"deployment.started","data":{})" + (members.empty() ? "" : "," + members) + "}";
}

} // namespace

TEST_CASE("ingest: a valid single event keeps its data bytes verbatim", "[domain][ingest]") {
  auto body = R"({"type":"deployment.started","occurred_at":"2026-11-24T08:00:00.5+01:00",)"
              R"("labels":{"application_id":"app_42","environment":"prod"},)"
              R"("data":{ "b" : 1,"a":[1, 2 ,3],"s":"\u00e9\n" }})";
  auto r = parse(body);
  REQUIRE(r.value);
  REQUIRE(r.value->events.size() == 1);
  const auto& e = r.value->events[0];
  CHECK_FALSE(r.value->batch);
  CHECK(e.type == "deployment.started");
  CHECK(e.data == R"({ "b" : 1,"a":[1, 2 ,3],"s":"\u00e9\n" })");
  CHECK(e.occurred_at_ms == 1795503600500); // 2026-11-24T07:00:00.500Z
  REQUIRE(e.labels.size() == 2);
  CHECK(e.labels[0] == label{"application_id", "app_42"});
  CHECK(e.id.starts_with("evt_"));
  CHECK(e.id.size() == 30);
  CHECK_FALSE(e.client_id);
}

TEST_CASE("ingest: client ids", "[domain][ingest]") {
  auto r = parse(event_with(R"("id":"order-17:v2.final_X")"));
  REQUIRE(r.value);
  CHECK(r.value->events[0].id == "order-17:v2.final_X");
  CHECK(r.value->events[0].client_id);
  expect_error(event_with(R"("id":"")"), "/id", "format");
  expect_error(event_with(R"("id":"has space")"), "/id", "format");
  expect_error(event_with(R"("id":"slash/no")"), "/id", "format");
  expect_error(event_with(R"("id":7)"), "/id", "type");
  CHECK(parse(event_with(R"("id":")" + std::string(64, 'x') + "\"")).value);
  expect_error(event_with(R"("id":")" + std::string(65, 'x') + "\""), "/id", "too_long");
}

TEST_CASE("ingest: the type is required and validated", "[domain][ingest]") {
  expect_error(R"({"data":{}})", "/type", "required");
  expect_error(R"({"type":3,"data":{}})", "/type", "type");
  expect_error(R"({"type":"Deployment.Started","data":{}})", "/type", "format");
  expect_error(R"({"type":"a..b","data":{}})", "/type", "format");
  CHECK(parse(R"({"type":")" + std::string(128, 'a') + R"(","data":{}})").value);
  expect_error(R"({"type":")" + std::string(129, 'a') + R"(","data":{}})", "/type", "too_long");
}

TEST_CASE("ingest: data must be an object of at most 256 KiB", "[domain][ingest]") {
  expect_error(R"({"type":"a.b"})", "/data", "required");
  expect_error(R"({"type":"a.b","data":[]})", "/data", "type");
  expect_error(R"({"type":"a.b","data":"x"})", "/data", "type");
  expect_error(R"({"type":"a.b","data":null})", "/data", "type");
  // {"p":"xxx..."} sized exactly at and one byte past the limit.
  auto sized = [](std::size_t total) {
    return R"({"type":"a.b","data":{"p":")" + std::string(total - 8, 'x') + R"("}})";
  };
  auto at = parse(sized(defaults::max_event_data_bytes));
  REQUIRE(at.value);
  CHECK(at.value->events[0].data.size() == defaults::max_event_data_bytes);
  expect_error(sized(defaults::max_event_data_bytes + 1), "/data", "too_large");
}

TEST_CASE("ingest: occurred_at must be RFC 3339", "[domain][ingest]") {
  CHECK(parse(event_with(R"("occurred_at":"2026-02-28T23:59:59Z")")).value);
  expect_error(event_with(R"("occurred_at":"2026-02-30T00:00:00Z")"), "/occurred_at", "format");
  expect_error(event_with(R"("occurred_at":"yesterday")"), "/occurred_at", "format");
  expect_error(event_with(R"("occurred_at":"2026-11-24 08:00:00Z")"), "/occurred_at", "format");
  expect_error(event_with(R"("occurred_at":"2026-11-24T08:00:00")"), "/occurred_at", "format");
  expect_error(event_with(R"("occurred_at":1700000000)"), "/occurred_at", "type");
}

TEST_CASE("ingest: labels", "[domain][ingest]") {
  expect_error(event_with(R"("labels":[])"), "/labels", "type");
  expect_error(event_with(R"("labels":{"Bad-Key":"x"})"), "/labels/Bad-Key", "format");
  expect_error(event_with(R"("labels":{"":"x"})"), "/labels/", "format");
  expect_error(event_with(R"("labels":{"k":1})"), "/labels/k", "type");
  expect_error(event_with(R"("labels":{"k":"a","k":"b"})"), "/labels/k", "duplicate_key");
  CHECK(parse(event_with(R"("labels":{")" + std::string(64, 'k') + R"(":"v"})")).value);
  expect_error(event_with(R"("labels":{")" + std::string(65, 'k') + R"(":"v"})"),
               "/labels/" + std::string(65, 'k'), "too_long");
  CHECK(parse(event_with(R"("labels":{"k":")" + std::string(256, 'v') + R"("})")).value);
  expect_error(event_with(R"("labels":{"k":")" + std::string(257, 'v') + R"("})"), "/labels/k",
               "too_long");
  auto many = [](int n) {
    std::string s = R"("labels":{)";
    for (int i = 0; i < n; ++i)
      s += (i ? "," : "") + std::string{"\"k"} + std::to_string(i) + "\":\"v\"";
    return s + "}";
  };
  CHECK(parse(event_with(many(16))).value);
  expect_error(event_with(many(17)), "/labels", "too_many");
}

TEST_CASE("ingest: unknown and duplicate top-level fields", "[domain][ingest]") {
  expect_error(event_with(R"("tenant":"x")"), "/tenant", "unknown_field");
  expect_error(R"({"type":"a.b","type":"a.c","data":{}})", "/type", "duplicate_key");
  expect_error(R"({"events":[{"type":"a.b","data":{}}],"extra":1})", "/extra", "unknown_field");
}

TEST_CASE("ingest: malformed JSON and UTF-8 are 400", "[domain][ingest]") {
  for (auto body : {"", "{",
                    R"({"type":"a.b","data":{}})"
                    "x",
                    R"({"type":"a.b",})", "{'type':'a'}", R"({"type":"a.b","data":{"x":tru}})"}) {
    INFO(body);
    auto r = parse(body);
    REQUIRE(r.failure);
    CHECK(r.failure->status == 400);
    CHECK(r.failure->type == "invalid-json");
  }
  auto r = parse("{\"type\":\"a.b\",\"data\":{\"x\":\"\xC3\x28\"}}");
  REQUIRE(r.failure);
  CHECK(r.failure->status == 400);
  CHECK(r.failure->type == "invalid-utf8");
  auto arr = parse("[1,2]");
  REQUIRE(arr.failure);
  CHECK(arr.failure->status == 422);
}

TEST_CASE("ingest: batches", "[domain][ingest]") {
  auto item = std::string{R"({"type":"a.b","data":{"n":1}})"};
  auto batch = [&](std::size_t n) {
    std::string s = R"({"events":[)";
    for (std::size_t i = 0; i < n; ++i)
      s += (i ? "," : "") + item;
    return s + "]}";
  };
  auto r = parse(batch(1000));
  REQUIRE(r.value);
  CHECK(r.value->batch);
  CHECK(r.value->events.size() == 1000);
  CHECK(r.value->events[999].data == R"({"n":1})");
  expect_error(batch(1001), "/events", "too_many");
  expect_error(R"({"events":[]})", "/events", "too_few");
  expect_error(R"({"events":{}})", "/events", "type");
  // Every bad item is listed, by index.
  auto bad = parse(R"({"events":[{"type":"a.b","data":{}},{"type":"X"},{"data":{}}]})");
  REQUIRE(bad.failure);
  std::vector<std::string> fields;
  for (const auto& e : bad.failure->errors)
    fields.push_back(e.field);
  CHECK(fields == std::vector<std::string>{"/events/1/type", "/events/1/data", "/events/2/type"});
  expect_error(
      R"({"events":[{"id":"a","type":"a.b","data":{}},{"id":"a","type":"a.c","data":{}}]})",
      "/events/1/id", "duplicate_id");
  expect_error(R"({"events":[5]})", "/events/0", "type");
}

TEST_CASE("ingest: fingerprints identify content, not formatting", "[domain][ingest]") {
  auto a = parse(R"({"id":"x1","type":"a.b","data":{"k":1}})");
  auto b = parse(R"({ "data":{"k":1}, "type":"a.b", "id":"x1" })");
  auto c = parse(R"({"id":"x1","type":"a.b","data":{"k":2}})");
  auto d = parse(R"({"id":"x1","type":"a.b","data":{"k":1},"labels":{"e":"p"}})");
  REQUIRE((a.value && b.value && c.value && d.value));
  CHECK(a.value->fingerprint == b.value->fingerprint);
  CHECK(a.value->fingerprint != c.value->fingerprint);
  CHECK(a.value->fingerprint != d.value->fingerprint);
  // Server-made ids differ between requests but do not change the fingerprint.
  auto e = parse(R"({"type":"a.b","data":{}})");
  auto f = parse(R"({"type":"a.b","data":{}})");
  CHECK(e.value->events[0].id != f.value->events[0].id);
  CHECK(e.value->fingerprint == f.value->fingerprint);
}
