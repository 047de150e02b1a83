#include "domain/api_key.hpp"

#include "domain/json_input.hpp"
#include "domain/tenant.hpp"

#include <array>

namespace hookd {

namespace {

constexpr std::array<std::pair<std::string_view, scope>, 3> scope_table{{
    {"ingest", scope::ingest},
    {"manage", scope::manage},
    {"read", scope::read},
}};

constexpr std::string_view token_prefix = "hkd_";
constexpr std::size_t key_id_length = 4 + 26; // "key_" + ULID
constexpr std::size_t max_key_name_length = 200;

} // namespace

std::vector<std::string_view> scope_names(scope_set set) {
  std::vector<std::string_view> out;
  for (auto [name, s] : scope_table)
    if (has_scope(set, s))
      out.push_back(name);
  return out;
}

minted_key mint_api_key(std::string tenant, scope_set scopes, std::string name,
                        std::string created_by, id_generator& ids, int64_t now_ms) {
  std::array<uint8_t, 32> secret_bytes{};
  secure_random(secret_bytes);
  auto secret = base64url_encode(secret_bytes);
  minted_key out;
  out.record.id = ids.next("key_", now_ms);
  out.record.tenant = std::move(tenant);
  out.record.name = std::move(name);
  out.record.scopes = scopes;
  out.record.secret_hash = sha256(secret);
  out.record.created_at_ms = now_ms;
  out.record.created_by = std::move(created_by);
  out.token = std::string{token_prefix} + out.record.id + "_" + secret;
  return out;
}

std::optional<parsed_token> parse_api_token(std::string_view token) noexcept {
  if (!token.starts_with(token_prefix))
    return std::nullopt;
  token.remove_prefix(token_prefix.size());
  if (token.size() <= key_id_length + 1 || !token.starts_with("key_") ||
      token[key_id_length] != '_')
    return std::nullopt;
  return parsed_token{token.substr(0, key_id_length), token.substr(key_id_length + 1)};
}

std::string make_admin_token() {
  std::array<uint8_t, 32> secret_bytes{};
  secure_random(secret_bytes);
  return "hkd_admin_" + base64url_encode(secret_bytes);
}

api_key_parse_result parse_api_key_create(std::string_view body) {
  api_key_parse_result result;
  json_input input{body};
  simdjson::dom::object obj;
  if ((result.failure = root_object(input, obj)))
    return result;
  std::vector<field_error> errors;
  check_object_keys(obj, {"tenant", "scopes", "name"}, "", errors);
  api_key_request req;
  if (auto t = read_string(obj, "tenant", false, "", errors)) {
    if (!is_valid_tenant_id(*t))
      errors.push_back({"/tenant", "format", "'tenant' is not a valid tenant id", {}});
    req.tenant = std::string{*t};
  }
  if (auto n = read_string(obj, "name", false, "", errors)) {
    if (n->size() > max_key_name_length)
      errors.push_back({"/name", "too_long", "'name' is at most 200 bytes", max_key_name_length});
    req.name = std::string{*n};
  }
  simdjson::dom::element scopes_el;
  simdjson::dom::array scopes;
  if (obj.at_key("scopes").get(scopes_el) != simdjson::SUCCESS) {
    errors.push_back({"/scopes", "required", "'scopes' is required", {}});
  } else if (scopes_el.get_array().get(scopes) != simdjson::SUCCESS) {
    errors.push_back({"/scopes", "type", "'scopes' must be an array of strings", {}});
  } else {
    std::size_t i = 0;
    for (auto item : scopes) {
      std::string_view name;
      auto ptr = "/scopes/" + std::to_string(i++);
      if (item.get_string().get(name) != simdjson::SUCCESS) {
        errors.push_back({ptr, "type", "a scope must be a string", {}});
        continue;
      }
      bool known = false;
      for (auto [sname, s] : scope_table)
        if (sname == name) {
          known = true;
          req.scopes |= static_cast<uint8_t>(s);
        }
      if (!known)
        errors.push_back(
            {ptr,
             "format",
             "unknown scope '" + std::string{name} + "'; the scopes are ingest, manage and read",
             {}});
    }
    if (i == 0)
      errors.push_back({"/scopes", "too_few", "'scopes' must name at least one scope", 1});
  }
  return result.from(std::move(errors), std::move(req));
}

} // namespace hookd
