#include "domain/tenant.hpp"

#include "domain/json_input.hpp"

#include <algorithm>

namespace hookd {

namespace {

constexpr std::size_t max_tenant_id_length = 64;
constexpr std::size_t max_tenant_name_length = 200;

} // namespace

bool is_valid_tenant_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > max_tenant_id_length)
    return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

tenant_parse_result parse_tenant_create(std::string_view body, id_generator& ids, int64_t now_ms) {
  tenant_parse_result result;
  json_input input{body};
  simdjson::dom::object obj;
  if ((result.failure = root_object(input, obj)))
    return result;
  std::vector<field_error> errors;
  check_object_keys(obj, {"id", "name"}, "", errors);
  tenant t;
  if (auto id = read_string(obj, "id", false, "", errors)) {
    if (!is_valid_tenant_id(*id))
      errors.push_back({"/id", id->size() > max_tenant_id_length ? "too_long" : "format",
                        "'id' must be 1 to 64 characters of [A-Za-z0-9_-]", max_tenant_id_length});
    t.id = std::string{*id};
  } else {
    t.id = ids.next("ten_", now_ms);
  }
  if (auto name = read_string(obj, "name", true, "", errors)) {
    if (name->empty() || name->size() > max_tenant_name_length)
      errors.push_back({"/name", name->empty() ? "too_short" : "too_long",
                        "'name' must be 1 to 200 bytes", max_tenant_name_length});
    t.name = std::string{*name};
  }
  return result.from(std::move(errors), std::move(t));
}

} // namespace hookd
