#pragma once

#include "domain/api_key.hpp"
#include "domain/crypto.hpp"
#include "domain/error.hpp"
#include "storage/config_reader.hpp"

#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hookd::http {

/// Who is calling.
struct principal {
  /// True for the admin token: node-wide, not scoped to a tenant.
  bool admin = false;
  /// The tenant of a tenant key.
  std::string tenant;
  /// The key id of a tenant key, or `admin`.
  std::string key_id;
  /// The scopes of a tenant key (the admin has every scope).
  scope_set scopes = 0;

  /// True when this caller may use `s`.
  bool can(scope s) const noexcept { return admin || has_scope(scopes, s); }
};

/// Checks bearer tokens against the admin token and an in-memory projection of the stored
/// API keys. Secrets are compared as SHA-256 digests in constant time; an unknown key id
/// costs the same comparison, so timing does not tell whether a key id exists.
/// Thread-safe: lookups take a shared lock, updates an exclusive one.
class authenticator {
 public:
  /// Uses `admin_token` (kept only as its hash).
  explicit authenticator(std::string_view admin_token);

  /// Loads every stored key.
  expected<void> load(const storage::config_reader& reader);
  /// Adds or replaces a key (after a create or a revoke has been committed).
  void upsert(const api_key& key);
  /// The caller behind an `Authorization` header value, or nullopt when it is missing,
  /// malformed, unknown, revoked or wrong.
  std::optional<principal> authenticate(std::string_view authorization) const;

 private:
  struct entry {
    std::string tenant;
    scope_set scopes = 0;
    sha256_digest secret_hash{};
    bool revoked = false;
  };
  sha256_digest admin_hash_;
  mutable std::shared_mutex mtx_;
  std::unordered_map<std::string, entry> keys_;
};

} // namespace hookd::http
