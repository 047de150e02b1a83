#include "domain/api_key.hpp"
#include "domain/tenant.hpp"

#include <catch2/catch.hpp>

using namespace hookd;

namespace {

bool has_error(const std::optional<problem>& p, const std::string& field, const std::string& code) {
  if (!p)
    return false;
  for (const auto& e : p->errors)
    if (e.field == field && e.code == code)
      return true;
  return false;
}

} // namespace

TEST_CASE("tenants: ids, names and unknown fields", "[domain][tenant]") {
  id_generator ids;
  auto ok = parse_tenant_create(R"({"id":"acme_1-x","name":"Acme"})", ids, 1);
  REQUIRE(ok.value);
  CHECK(ok.value->id == "acme_1-x");
  auto generated = parse_tenant_create(R"({"name":"Acme"})", ids, 1);
  REQUIRE(generated.value);
  CHECK(generated.value->id.starts_with("ten_"));
  CHECK(has_error(parse_tenant_create(R"({"id":"a b","name":"x"})", ids, 1).failure, "/id",
                  "format"));
  CHECK(has_error(
      parse_tenant_create(R"({"id":")" + std::string(65, 'a') + R"(","name":"x"})", ids, 1).failure,
      "/id", "too_long"));
  CHECK(
      parse_tenant_create(R"({"id":")" + std::string(64, 'a') + R"(","name":"x"})", ids, 1).value);
  CHECK(has_error(parse_tenant_create(R"({"id":"a"})", ids, 1).failure, "/name", "required"));
  CHECK(has_error(parse_tenant_create(R"({"name":""})", ids, 1).failure, "/name", "too_short"));
  CHECK(has_error(parse_tenant_create(R"({"name":"x","plan":"gold"})", ids, 1).failure, "/plan",
                  "unknown_field"));
  CHECK(parse_tenant_create("nope", ids, 1).failure->status == 400);
}

TEST_CASE("tenants: the per-application delivery limit", "[domain][tenant][limits]") {
  id_generator ids;
  auto off = parse_tenant_create(R"({"name":"Acme"})", ids, 1);
  REQUIRE(off.value);
  CHECK(off.value->application_deliveries_per_minute == 0); // off by default
  auto on =
      parse_tenant_create(R"({"name":"Acme","application_deliveries_per_minute":60})", ids, 1);
  REQUIRE(on.value);
  CHECK(on.value->application_deliveries_per_minute == 60);
  for (auto bad : {"0", "100001", "-1", "1.5", "\"60\"", "true"}) {
    INFO(bad);
    auto body = std::string{R"({"application_deliveries_per_minute":)"} + bad + "}";
    CHECK(
        has_error(parse_tenant_patch(body).failure, "/application_deliveries_per_minute", "range"));
  }
  auto max = parse_tenant_patch(R"({"application_deliveries_per_minute":100000})");
  REQUIRE(max.value);
  CHECK(max.value->application_deliveries_per_minute == 100000u);
  CHECK_FALSE(max.value->name);
  // null turns it off; a patch without it leaves it alone.
  tenant t{"acme", "Acme", 1, 60};
  auto clear = parse_tenant_patch(R"({"application_deliveries_per_minute":null})");
  REQUIRE(clear.value);
  apply(*clear.value, t);
  CHECK(t.application_deliveries_per_minute == 0);
  t.application_deliveries_per_minute = 60;
  auto rename = parse_tenant_patch(R"({"name":"Acme Inc"})");
  REQUIRE(rename.value);
  apply(*rename.value, t);
  CHECK(t.name == "Acme Inc");
  CHECK(t.application_deliveries_per_minute == 60);
  CHECK(has_error(parse_tenant_patch(R"({"id":"other"})").failure, "/id", "unknown_field"));
  CHECK(has_error(parse_tenant_patch(R"({"name":""})").failure, "/name", "too_short"));
  CHECK(parse_tenant_patch("[1]").failure->status == 422);
}

TEST_CASE("api keys: scopes and token shape", "[domain][api_key]") {
  auto ok = parse_api_key_create(R"({"tenant":"acme","scopes":["ingest","read"]})");
  REQUIRE(ok.value);
  CHECK(ok.value->scopes ==
        (static_cast<uint8_t>(scope::ingest) | static_cast<uint8_t>(scope::read)));
  CHECK(has_error(parse_api_key_create(R"({"tenant":"acme","scopes":["admin"]})").failure,
                  "/scopes/0", "format"));
  CHECK(has_error(parse_api_key_create(R"({"tenant":"acme","scopes":[]})").failure, "/scopes",
                  "too_few"));
  CHECK(has_error(parse_api_key_create(R"({"tenant":"acme"})").failure, "/scopes", "required"));
  CHECK(has_error(parse_api_key_create(R"({"scopes":[1]})").failure, "/scopes/0", "type"));

  id_generator ids;
  auto minted = mint_api_key("acme", 7, "ci", "admin", ids, 5);
  auto parsed = parse_api_token(minted.token);
  REQUIRE(parsed);
  CHECK(parsed->key_id == minted.record.id);
  CHECK(sha256(parsed->secret) == minted.record.secret_hash);
  CHECK(minted.token.find(to_hex(minted.record.secret_hash)) == std::string::npos);
  CHECK_FALSE(parse_api_token("hkd_admin_xyz"));
  CHECK_FALSE(parse_api_token("Bearer x"));
  CHECK_FALSE(parse_api_token(minted.token.substr(0, 34)));
  CHECK(scope_names(7) == std::vector<std::string_view>{"ingest", "manage", "read"});
}
