#pragma once

#include "domain/event.hpp"
#include "domain/hmac.hpp"
#include "domain/payload_template.hpp"
#include "domain/signature_profile.hpp"
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

/// Signs `body` for one attempt in the style of `profile`, then adds `Content-Type:
/// application/json`, `User-Agent: hookd/<version>` and the webhook's custom headers.
/// `webhook-id` is sent in every style, for deduplication.
/// - `standard`: `webhook-timestamp` (the attempt's Unix seconds) and `webhook-signature`
///   (`v1,<base64>` for each key, space-separated: several during a rotation).
/// - `timestamped_hex`: `X-Webhook-Id`, `X-Webhook-Timestamp` and `X-Webhook-Signature`, the
///   hex HMAC of `timestamp.body` with the first (current) key.
/// - `sha256_prefixed`: `<profile.header>: sha256=<hex HMAC of body>` with the first key.
/// - `none`: no signature.
signed_delivery sign_delivery(const signature_profile& profile, std::string msg_id,
                              int64_t attempt_unix_seconds, std::string body,
                              const std::vector<const hmac_sha256_key*>& keys,
                              const std::vector<webhook_header>& custom_headers);

/// A delivery of one event to one webhook, rendered with its template and signed in its style.
struct prepared_delivery {
  /// The headers and body; empty when rendering failed.
  signed_delivery message;
  /// Why the body could not be rendered (empty when it was).
  std::string error;
  /// For the attempt record: the values a custom template used that the event lacked
  /// (`missing: commitHash, data.build.url`), or `error`.
  std::string note;

  /// True when `message` may be sent.
  bool ok() const noexcept { return error.empty(); }
};

/// Renders `e` with `renderer` (the template of `hook`) and signs it with `keys` (current
/// first) in `hook`'s style, at `now_ms`. The one path from event to request, shared by
/// deliveries, tests and previews.
prepared_delivery prepare_delivery(const webhook& hook, const payload_renderer& renderer,
                                   const std::vector<const hmac_sha256_key*>& keys, const event& e,
                                   std::string msg_id, int64_t now_ms);

/// True when header `name` carries a signature under `profile` (any case): what a preview
/// redacts.
bool is_signature_header(const signature_profile& profile, std::string_view name) noexcept;

} // namespace hookd
