#pragma once

#include "domain/address_policy.hpp"
#include "domain/event.hpp"
#include "domain/event_type.hpp"
#include "domain/id_generator.hpp"
#include "domain/payload_template.hpp"
#include "domain/problem.hpp"
#include "domain/retry_policy.hpp"
#include "domain/signature_profile.hpp"

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookd {

/// One custom header sent with every delivery.
struct webhook_header {
  /// A valid header name (RFC 9110 token), not a reserved one.
  std::string name;
  /// A value without CR, LF or NUL.
  std::string value;

  friend bool operator==(const webhook_header&, const webhook_header&) = default;
};

/// Delivery order of one webhook.
enum class delivery_ordering : uint8_t {
  /// Up to `max_in_flight` deliveries at once, in any order.
  none,
  /// One delivery at a time; the head blocks until delivered or exhausted.
  fifo,
};

/// A secret replaced by a rotation, still used to sign until `expires_at_ms`.
struct previous_secret {
  /// The `whsec_` text.
  std::string secret;
  /// When it stops signing, ms since the epoch.
  int64_t expires_at_ms = 0;
  friend bool operator==(const previous_secret&, const previous_secret&) = default;
};

/// A webhook endpoint's configuration. Value type; the secret is the raw `whsec_` text.
struct webhook {
  /// `wh_<ulid>`.
  std::string id;
  /// Owner tenant.
  std::string tenant;
  /// Unique within the tenant, 1 to 100 bytes.
  std::string name;
  /// Free text, up to 1000 bytes.
  std::string description;
  /// Where deliveries go (http or https).
  std::string url;
  /// False when disabled by a user, a 410, or the auto-disable window.
  bool enabled = true;
  /// Why it was disabled, when it was not a user's choice.
  std::string disabled_reason;
  /// Event type patterns (exact, `prefix.*` or `*`), at least one.
  std::vector<std::string> events;
  /// Labels an event must all carry to be delivered here.
  std::vector<label> label_filter;
  /// Custom headers, at most 20.
  std::vector<webhook_header> headers;
  /// `whsec_` + base64 of 24 to 64 bytes; with the hex signature styles, any 16 to 256
  /// printable ASCII characters (`check_secret`).
  std::string secret;
  /// Secrets replaced by a rotation that still sign until their overlap ends (newest first,
  /// at most `webhook_limits::max_previous_secrets`).
  std::vector<previous_secret> previous_secrets;
  /// Per-attempt timeout, 1 to 300 seconds.
  uint32_t timeout_seconds = 15;
  /// The retry schedule.
  retry_policy retry = retry_policy::standard();
  /// Deliveries in flight at once, 1 to 256.
  uint32_t max_in_flight = 16;
  /// Attempts started per second at most (0: no limit). Deliveries over the rate wait their
  /// turn; they are not failed.
  uint32_t rate_limit_per_second = 0;
  /// Ordering of deliveries.
  delivery_ordering ordering = delivery_ordering::none;
  /// The body each delivery carries.
  template_kind body_template = template_kind::standard;
  /// The text of a `custom` template (empty for the others).
  std::string custom_template;
  /// How deliveries are signed.
  signature_profile signature;
  /// Creation time, ms since the epoch.
  int64_t created_at_ms = 0;
  /// Last change, ms since the epoch.
  int64_t updated_at_ms = 0;

  /// True when an event of `type` with `labels` is for this webhook (ignores `enabled`). For a
  /// one-off check; to match many events, build a `webhook_filter` once.
  bool matches(std::string_view type, const std::vector<label>& labels) const;
};

/// A webhook's subscription with its patterns parsed once, for matching many events: its types,
/// its label filter, and never an operational event about itself.
class webhook_filter {
 public:
  /// The filter of `w` (invalid patterns match nothing).
  explicit webhook_filter(const webhook& w);
  /// True when one of the patterns matches `type` (labels not considered).
  bool matches_type(std::string_view type) const noexcept;
  /// True when an event of `type` with `labels` is for the webhook.
  bool matches(std::string_view type, const std::vector<label>& labels) const;

 private:
  std::string id_;
  std::vector<event_type_pattern> patterns_;
  std::vector<label> labels_;
};

/// True when the event is an operational event (`webhook.*`, `delivery.*`) about webhook
/// `webhook_id` (its `webhook_id` label): a webhook never receives those about itself, so an
/// endpoint that fails cannot feed itself notices of its own failures.
bool is_operational_event_about(std::string_view webhook_id, std::string_view type,
                                const std::vector<label>& labels) noexcept;

/// Limits of webhook configuration.
namespace webhook_limits {
constexpr std::size_t max_name = 100;
constexpr std::size_t max_description = 1000;
constexpr std::size_t max_patterns = 100;
/// Previous secrets that may overlap with the current one.
constexpr std::size_t max_previous_secrets = 5;
constexpr std::size_t max_headers = 20;
constexpr std::size_t max_header_value = 1024;
constexpr uint32_t min_timeout_seconds = 1;
constexpr uint32_t max_timeout_seconds = 300;
constexpr uint32_t min_in_flight = 1;
constexpr uint32_t max_in_flight = 256;
constexpr uint32_t max_retry_attempts = 10;
constexpr uint32_t max_rate_limit_per_second = 10000;
constexpr uint32_t max_retry_seconds = 86400;
/// Longest `signature_header`, in bytes.
constexpr std::size_t max_signature_header = 64;
} // namespace webhook_limits

/// How long a rotated-out secret keeps signing unless the rotation says otherwise (24 h).
constexpr uint64_t default_rotation_overlap_seconds = 86400;
/// The longest overlap a rotation may ask for (30 days).
constexpr uint64_t max_rotation_overlap_seconds = 30 * 86400;

/// True when `name` may not be set as a custom header: Host, Content-Length,
/// Transfer-Encoding, Connection, and every `webhook-*` header (any case).
bool is_reserved_header(std::string_view name) noexcept;

/// Reads the members that choose a webhook's body and signature (`template`,
/// `custom_template`, `signature`, `signature_header`) from `obj` onto `w`, when present.
/// A `custom_template` left from an earlier `custom` template is dropped when the template
/// changes; `sha256_prefixed` gets its default header.
void read_delivery_format(simdjson::dom::object obj, webhook& w, std::vector<field_error>& errors);

/// The rules between a webhook's fields, checked once all are read: the template renders
/// valid JSON for every subscribed type, `none` goes only with the slack, discord and n8n
/// templates, the signature header is a valid name, the secret suits the signature style, and
/// no custom header repeats a signature header.
void check_delivery_format(const webhook& w, std::vector<field_error>& errors);

/// Parses a `POST /v1/webhooks` body for `tenant`. Generates the id and, when absent, the
/// secret. The URL must pass `policy` (https only, no blocked address written as the host;
/// the default policy is the strict one). Every rule broken is one field error.
parse_result<webhook> parse_webhook_create(std::string_view body, std::string tenant,
                                           id_generator& ids, int64_t now_ms,
                                           const address_policy& policy = {});

/// Applies a `PATCH /v1/webhooks/{id}` body to `current`: present fields replace, absent ones
/// stay. `id`, `tenant` and `secret` cannot be patched. A new URL must pass `policy`.
parse_result<webhook> parse_webhook_patch(std::string_view body, const webhook& current,
                                          int64_t now_ms, const address_policy& policy = {});

/// Applies a `POST /v1/webhooks/{id}/rotate-secret` body (empty, or `{"secret"?,
/// "overlap_seconds"?}`) to `current` at `now_ms`: the new secret (given, or generated)
/// becomes current; the old one keeps signing for the overlap (24 h by default, 0 to 30 days);
/// previous secrets whose overlap ended are dropped. At most 5 previous secrets may sign at
/// once.
parse_result<webhook> parse_secret_rotation(std::string_view body, const webhook& current,
                                            int64_t now_ms);

} // namespace hookd
