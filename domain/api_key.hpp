#pragma once

#include "domain/crypto.hpp"
#include "domain/id_generator.hpp"
#include "domain/problem.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookd {

/// What an API key may do, as a bit set.
enum class scope : uint8_t {
  /// POST /v1/events.
  ingest = 1,
  /// Manage the tenant's configuration: keys now, webhooks and sources later.
  manage = 2,
  /// Read events, event types, deliveries and stats.
  read = 4,
};

/// A set of scopes.
using scope_set = uint8_t;

/// True when `set` contains `s`.
constexpr bool has_scope(scope_set set, scope s) noexcept {
  return (set & static_cast<uint8_t>(s)) != 0;
}

/// The names of the scopes in `set`, in a fixed order.
std::vector<std::string_view> scope_names(scope_set set);

/// A tenant API key as stored. The secret itself is never stored, only its SHA-256.
struct api_key {
  /// `key_<ulid>`; public, part of the token.
  std::string id;
  /// Owner tenant.
  std::string tenant;
  /// Optional display name.
  std::string name;
  /// Granted scopes.
  scope_set scopes = 0;
  /// SHA-256 of the secret part of the token.
  sha256_digest secret_hash{};
  /// Creation time, ms since the epoch.
  int64_t created_at_ms = 0;
  /// Revocation time, or nullopt while the key is live.
  std::optional<int64_t> revoked_at_ms;
  /// Who created it: the id of the creating key, or `admin`.
  std::string created_by;
};

/// A newly minted key: the stored record and the token, which is shown once.
struct minted_key {
  /// The record to store.
  api_key record;
  /// The bearer token: `hkd_<key id>_<secret>`.
  std::string token;
};

/// Makes a key for `tenant` with `scopes`, with a random 256-bit secret.
minted_key mint_api_key(std::string tenant, scope_set scopes, std::string name,
                        std::string created_by, id_generator& ids, int64_t now_ms);

/// The two parts of a presented tenant token.
struct parsed_token {
  /// The key id (`key_...`).
  std::string_view key_id;
  /// The secret part.
  std::string_view secret;
};

/// Splits `hkd_<key id>_<secret>`; nullopt when the token does not have that shape.
std::optional<parsed_token> parse_api_token(std::string_view token) noexcept;

/// Makes a new admin token: `hkd_admin_<secret>`.
std::string make_admin_token();

/// A parsed `POST /v1/api-keys` body.
struct api_key_request {
  /// Target tenant; empty when omitted (a tenant key then means its own tenant).
  std::string tenant;
  /// Requested scopes; never empty.
  scope_set scopes = 0;
  /// Optional display name.
  std::string name;
};

/// The result of parsing a `POST /v1/api-keys` body.
using api_key_parse_result = parse_result<api_key_request>;

/// Parses `{"tenant"?: string, "scopes": ["ingest"|"manage"|"read", ...], "name"?: string}`.
api_key_parse_result parse_api_key_create(std::string_view body);

} // namespace hookd
