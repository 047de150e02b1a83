#pragma once

#include "domain/problem.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookd {

/// How a webhook's deliveries are signed.
enum class signature_kind : uint8_t {
  /// Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`,
  /// keyed by the base64-decoded `whsec_` secret.
  standard,
  /// `X-Webhook-Signature: <hex HMAC-SHA256 of "timestamp.body">`, `X-Webhook-Timestamp`,
  /// `X-Webhook-Id`, keyed by the secret's text.
  timestamped_hex,
  /// `<header>: sha256=<hex HMAC-SHA256 of body>` (GitHub style), keyed by the secret's text.
  sha256_prefixed,
  /// No signature: for Slack, Discord and n8n URLs, which carry their secret themselves.
  none,
};

/// The header `sha256_prefixed` uses unless the webhook names another.
constexpr std::string_view default_prefixed_signature_header = "X-Hub-Signature-256";

/// A webhook's signature style.
struct signature_profile {
  /// The style.
  signature_kind kind = signature_kind::standard;
  /// The header of `sha256_prefixed` (empty for the other styles).
  std::string header;

  friend bool operator==(const signature_profile&, const signature_profile&) = default;
};

/// Stable name of `k` (`timestamped_hex`), as the API shows it.
std::string_view to_string(signature_kind k) noexcept;

/// The style named `name`, or nullopt.
std::optional<signature_kind> parse_signature_kind(std::string_view name) noexcept;

/// The headers a profile sets itself (lower-case), which custom headers may not repeat.
std::vector<std::string> signature_header_names(const signature_profile& p);

/// The HMAC key of `secret` under `kind`: the decoded bytes of a `whsec_` secret for
/// `standard`, the secret's own bytes for the hex styles, nullopt for `none` or a secret the
/// style cannot use.
std::optional<std::string> signing_key_material(signature_kind kind, std::string_view secret);

/// Shortest secret the hex styles accept, in bytes.
constexpr std::size_t min_plain_secret_bytes = 16;
/// Longest secret the hex styles accept, in bytes.
constexpr std::size_t max_plain_secret_bytes = 256;

/// Checks that `secret` suits `kind`: a `whsec_` secret for `standard`; 16 to 256 printable
/// ASCII characters (a `whsec_` secret among them) for the hex styles, so a receiver's
/// existing secret can be reused; anything for `none`. Appends an error at `field` otherwise.
void check_secret(signature_kind kind, std::string_view secret, std::string_view field,
                  std::vector<field_error>& errors);

} // namespace hookd
