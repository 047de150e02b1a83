#include "http/authenticator.hpp"

#include <mutex>

namespace hookd::http {

namespace {

// A digest to compare against when the key id is unknown, so that both paths do the same work.
const sha256_digest dummy_hash = sha256("hookd: no such key");

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size())
    return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i])
      return false;
  return true;
}

} // namespace

authenticator::authenticator(std::string_view admin_token) : admin_hash_(sha256(admin_token)) {}

expected<void> authenticator::load(const storage::config_reader& reader) {
  auto keys = reader.list_api_keys(std::nullopt);
  if (!keys)
    return keys.error();
  for (const auto& k : *keys)
    upsert(k);
  return {};
}

void authenticator::upsert(const api_key& key) {
  std::unique_lock guard{mtx_};
  keys_[key.id] = entry{key.tenant, key.scopes, key.secret_hash, key.revoked_at_ms.has_value()};
}

std::optional<principal> authenticator::authenticate(std::string_view authorization) const {
  if (!iequals_prefix(authorization, "bearer "))
    return std::nullopt;
  auto token = authorization.substr(7);
  while (!token.empty() && token.front() == ' ')
    token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ')
    token.remove_suffix(1);
  if (token.empty() || token.size() > 512)
    return std::nullopt;
  auto presented = sha256(token);
  if (constant_time_equal(as_bytes(presented), as_bytes(admin_hash_)))
    return principal{true, {}, "admin", 0xFF};
  auto parsed = parse_api_token(token);
  if (!parsed) {
    // Same work as a real comparison: a malformed token is not cheaper to reject.
    constant_time_equal(as_bytes(sha256(token)), as_bytes(dummy_hash));
    return std::nullopt;
  }
  auto secret_hash = sha256(parsed->secret);
  std::shared_lock guard{mtx_};
  auto i = keys_.find(std::string{parsed->key_id});
  const auto& expected_hash = i != keys_.end() ? i->second.secret_hash : dummy_hash;
  bool match = constant_time_equal(as_bytes(secret_hash), as_bytes(expected_hash));
  if (i == keys_.end() || !match || i->second.revoked)
    return std::nullopt;
  return principal{false, i->second.tenant, std::string{parsed->key_id}, i->second.scopes};
}

} // namespace hookd::http
