#pragma once

#include "domain/event.hpp"
#include "domain/hmac.hpp"
#include "domain/webhook.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookd {

/// The `webhook-id` of `event_id` delivered to `webhook_id`: `msg_` + 26 base32 characters of
/// SHA-256(webhook id NUL event id). The same for every retry and replay of that event to that
/// webhook, across restarts, without storing it; different for every other pair.
std::string delivery_message_id(std::string_view webhook_id, std::string_view event_id);

/// The Standard Webhooks body: `{"type":…,"timestamp":…,"data":<stored bytes>}`, built by
/// splicing the stored `data` bytes (no parse, no re-serialisation). `timestamp` is the
/// event's received time in RFC 3339.
std::string render_standard_envelope(const event& e);

/// A signed delivery, ready for the transport.
struct signed_delivery {
  /// Every header to send besides Host, Content-Length and Connection.
  std::vector<std::pair<std::string, std::string>> headers;
  /// The body, exactly the bytes that were signed.
  std::string body;
};

/// Signs `body` for one attempt: `webhook-id`, `webhook-timestamp` (the attempt's Unix
/// seconds), `webhook-signature` (`v1,<base64>` for each key, space-separated: several during
/// a rotation), `Content-Type: application/json`, `User-Agent: hookd/<version>`, then the
/// webhook's custom headers.
signed_delivery sign_delivery(std::string msg_id, int64_t attempt_unix_seconds, std::string body,
                              const std::vector<const hmac_sha256_key*>& keys,
                              const std::vector<webhook_header>& custom_headers);

} // namespace hookd
