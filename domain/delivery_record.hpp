#pragma once

#include "domain/delivery_outcome.hpp"
#include "domain/event.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookd {

/// How one attempt ended, as recorded (and filtered on by the deliveries API).
enum class attempt_result : uint8_t {
  /// 2xx: delivered.
  succeeded,
  /// Failed; another attempt is scheduled at `next_at_ms`.
  retrying,
  /// Failed for good: a permanent error, 410 Gone, or the schedule ran out.
  failed,
};

/// Stable lower-case name of `r`: `succeeded`, `retrying`, `failed`.
std::string_view to_string(attempt_result r) noexcept;
/// Parses a name made by `to_string`.
std::optional<attempt_result> parse_attempt_result(std::string_view s) noexcept;

/// The most of a response body an attempt record keeps.
inline constexpr std::size_t attempt_excerpt_bytes = 1024;
/// Longest note an attempt record keeps, in bytes.
inline constexpr std::size_t attempt_note_bytes = 1024;

/// One delivery attempt, as stored. Never holds a secret: the signature is not recorded.
struct attempt_record {
  /// The webhook.
  std::string webhook_id;
  /// Per-webhook record number, from 1, increasing: the attempt log's order.
  uint64_t number = 0;
  /// The event's sequence number (0 for a `webhook.test` attempt, which is not in the log).
  uint64_t event_seq = 0;
  /// The event's id.
  std::string event_id;
  /// The `webhook-id` sent.
  std::string message_id;
  /// 1 for the first attempt of this event to this webhook.
  uint32_t attempt = 0;
  /// When the attempt started, ms since the epoch.
  int64_t at_ms = 0;
  /// How long it took, in microseconds.
  int64_t duration_us = 0;
  /// The HTTP status, when a response arrived.
  std::optional<int> status;
  /// The transport failure, or `none`.
  transport_error error = transport_error::none;
  /// What it means for the delivery.
  attempt_result result = attempt_result::succeeded;
  /// When the next attempt is due (retrying only), ms since the epoch.
  int64_t next_at_ms = 0;
  /// The first `attempt_excerpt_bytes` of the response body.
  std::string response;
  /// True for an attempt made by `POST /v1/webhooks/{id}/test`.
  bool test = false;
  /// What the template noted: the values a custom template used that the event lacked
  /// (`missing: commitHash, data.build.url`), or why the body could not be rendered.
  std::string note;
};

/// How a delivery (one event to one webhook) ended for good.
enum class delivery_state : uint8_t {
  /// A 2xx was recorded.
  delivered,
  /// It failed for good (permanent error or schedule exhausted).
  failed,
  /// The webhook was deleted while it was pending.
  dropped,
};

/// Stable lower-case name of `s`: `delivered`, `failed`, `dropped`.
std::string_view to_string(delivery_state s) noexcept;

/// The final state of one delivery. Recovery consults it so that a recorded success is never
/// sent again; the per-event API shows it.
struct delivery_outcome_record {
  /// The webhook.
  std::string webhook_id;
  /// The event's sequence number.
  uint64_t event_seq = 0;
  /// How it ended.
  delivery_state state = delivery_state::delivered;
  /// Attempts made.
  uint32_t attempts = 0;
  /// When it ended, ms since the epoch.
  int64_t at_ms = 0;
};

/// A delivery that was pending when a snapshot was taken.
struct pending_entry {
  /// The event's sequence number.
  uint64_t seq = 0;
  /// Attempts made so far.
  uint32_t attempts = 0;
  /// When the next attempt is due, ms since the epoch.
  int64_t due_ms = 0;
};

/// A webhook actor's counters, kept across restarts.
struct delivery_counters {
  /// Deliveries that got a 2xx.
  uint64_t delivered = 0;
  /// Deliveries that failed for good.
  uint64_t failed = 0;
  /// Deliveries dropped (the webhook was deleted while they were pending).
  uint64_t dropped = 0;
  /// Attempts made.
  uint64_t attempts = 0;
  /// Attempts that were retries.
  uint64_t retries = 0;
};

/// A webhook actor's delivery state. With the attempt records written after it and the log
/// past `cursor`, it rebuilds the actor after a crash.
struct delivery_snapshot {
  /// Every event this webhook matches with seq <= cursor is either in `pending` or finished
  /// (its outcome is recorded). Events past the cursor are re-read from the log.
  uint64_t cursor = 0;
  /// The next attempt record number at the time of the snapshot: records from it on are
  /// newer than the snapshot.
  uint64_t next_record = 1;
  /// Deliveries not finished, in seq order.
  std::vector<pending_entry> pending;
  /// True while the circuit breaker is open.
  bool circuit_open = false;
  /// Consecutive failed attempts.
  uint32_t consecutive_failures = 0;
  /// Failed probes while the circuit is open.
  uint32_t probes = 0;
  /// Since when every attempt has failed (0 after a success): the auto-disable clock.
  int64_t failing_since_ms = 0;
  /// True after hookd disabled the webhook (410 or the failure window): the first success
  /// after it is re-enabled appends `webhook.recovered`.
  bool awaiting_recovery = false;
  /// Counters.
  delivery_counters counters;
  /// When the snapshot was taken, ms since the epoch.
  int64_t at_ms = 0;
};

/// The `data` of a `webhook.disabled` or `webhook.recovered` event: the webhook's id, name
/// and URL, `reason` (omitted when empty), `at` and, when set, `failing_since`.
std::string webhook_notice_data(const struct webhook& w, std::string_view reason, int64_t at_ms,
                                int64_t failing_since_ms);

/// The `data` of a `delivery.exhausted` event: the webhook, the event (id, type, seq), the
/// attempts made, the last error, and `reason` (`schedule_exhausted` or `permanent_error`).
std::string delivery_exhausted_data(const struct webhook& w, const event& e, uint32_t attempts,
                                    std::string_view last_error, std::string_view reason);

/// Builds an operational event about webhook `webhook_id` (`webhook.disabled`,
/// `webhook.recovered`): server-made `id`, `data` as given (a JSON object), the label
/// `webhook_id`, fingerprint computed.
event_draft make_webhook_event(std::string type, std::string_view webhook_id, std::string data,
                               std::string id);

} // namespace hookd
