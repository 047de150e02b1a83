#include "domain/tenant.hpp"

#include "domain/json_input.hpp"

#include <algorithm>

namespace hookd {

namespace {

constexpr std::size_t max_tenant_id_length = 64;
constexpr std::size_t max_tenant_name_length = 200;

constexpr std::string_view settings_key = "application_deliveries_per_minute";
constexpr std::string_view retention_key = "retention_days";

// The settings a create and a patch share: the name (required on create) and the limit.
void read_settings(simdjson::dom::object obj, bool name_required, tenant_patch& out,
                   std::vector<field_error>& errors) {
  if (auto name = read_string(obj, "name", name_required, "", errors)) {
    if (name->empty() || name->size() > max_tenant_name_length)
      errors.push_back({"/name", name->empty() ? "too_short" : "too_long",
                        "'name' must be 1 to 200 bytes", max_tenant_name_length});
    out.name = std::string{*name};
  }
  out.application_deliveries_per_minute =
      read_nullable_limit(obj, settings_key, max_application_deliveries_per_minute, errors);
  out.retention_days = read_nullable_limit(obj, retention_key, max_retention_days, errors);
}

} // namespace

bool is_valid_tenant_id(std::string_view id) noexcept {
  return is_plain_identifier(id, max_tenant_id_length);
}

tenant_parse_result parse_tenant_create(std::string_view body, id_generator& ids, int64_t now_ms) {
  tenant_parse_result result;
  json_input input{body};
  simdjson::dom::object obj;
  if ((result.failure = root_object(input, obj)))
    return result;
  std::vector<field_error> errors;
  check_object_keys(obj, {"id", "name", settings_key, retention_key}, "", errors);
  tenant t;
  if (auto id = read_string(obj, "id", false, "", errors)) {
    if (!is_valid_tenant_id(*id))
      errors.push_back({"/id", id->size() > max_tenant_id_length ? "too_long" : "format",
                        "'id' must be 1 to 64 characters of [A-Za-z0-9_-]", max_tenant_id_length});
    t.id = std::string{*id};
  } else {
    t.id = ids.next("ten_", now_ms);
  }
  tenant_patch settings;
  read_settings(obj, true, settings, errors);
  apply(settings, t);
  return result.from(std::move(errors), std::move(t));
}

parse_result<tenant_patch> parse_tenant_patch(std::string_view body) {
  parse_result<tenant_patch> result;
  json_input input{body};
  simdjson::dom::object obj;
  if ((result.failure = root_object(input, obj)))
    return result;
  std::vector<field_error> errors;
  check_object_keys(obj, {"name", settings_key, retention_key}, "", errors);
  tenant_patch patch;
  read_settings(obj, false, patch, errors);
  return result.from(std::move(errors), std::move(patch));
}

void apply(const tenant_patch& patch, tenant& t) {
  if (patch.name)
    t.name = *patch.name;
  if (patch.application_deliveries_per_minute)
    t.application_deliveries_per_minute = *patch.application_deliveries_per_minute;
  if (patch.retention_days)
    t.retention_days = *patch.retention_days;
}

} // namespace hookd
