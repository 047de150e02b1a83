#pragma once

#include "domain/hmac.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hookd {

/// Shortest webhook secret, in bytes of key material (192 bits).
constexpr std::size_t min_webhook_secret_bytes = 24;
/// Longest webhook secret, in bytes of key material.
constexpr std::size_t max_webhook_secret_bytes = 64;

/// Decodes a Standard Webhooks secret, `whsec_` + base64 of 24 to 64 bytes, into its raw key
/// bytes; nullopt for anything else.
std::optional<std::string> parse_webhook_secret(std::string_view text);

/// Makes a new secret: `whsec_` + base64 of 32 random bytes.
std::string make_webhook_secret();

/// The Standard Webhooks `webhook-signature` value for one key:
/// `v1,` + base64(HMAC-SHA256(key, id "." timestamp "." body)).
std::string standard_webhooks_signature(const hmac_sha256_key& key, std::string_view msg_id,
                                        int64_t timestamp_seconds, std::string_view body);

} // namespace hookd
