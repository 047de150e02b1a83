#pragma once

/// Redelivery jobs: `POST /v1/webhooks/{id}/replay` (every matching event in a window) and
/// `POST /v1/events/{id}/resend` (one event). A job is stored, runs in its webhook's actor at a
/// lower priority than live deliveries, and records its progress so that it resumes after a
/// restart.

#include "domain/event_type.hpp"
#include "domain/problem.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookd {

/// What started a job.
enum class job_kind : uint8_t {
  /// `POST /v1/webhooks/{id}/replay`: a window of the log.
  replay,
  /// `POST /v1/events/{id}/resend`: one event.
  resend,
};

/// Where a job stands.
enum class job_state : uint8_t {
  /// Reading the window and sending (also while its webhook is disabled: it resumes when the
  /// webhook is enabled again).
  running,
  /// Every matching event in the window was sent until it was delivered or failed for good.
  completed,
  /// Cancelled through the API, or its webhook was deleted.
  cancelled,
};

/// `replay` or `resend`.
std::string_view to_string(job_kind k) noexcept;
/// `running`, `completed` or `cancelled`.
std::string_view to_string(job_state s) noexcept;

/// A redelivery job. Value type; stored as one record and updated with its progress.
struct replay_job {
  /// `job_<ulid>`: ids sort by creation.
  std::string id;
  /// Owner tenant.
  std::string tenant;
  /// The webhook the events are sent to.
  std::string webhook_id;
  /// What started it.
  job_kind kind = job_kind::replay;
  /// The window asked for, ms since the epoch: [since, until) (`until` is the creation time
  /// when none was given).
  int64_t since_ms = 0;
  int64_t until_ms = 0;
  /// Type patterns the events must match as well as the webhook's own filter (any when empty).
  std::vector<std::string> types;
  /// Only events whose delivery to this webhook failed for good.
  bool only_failed = false;
  /// The window as sequence numbers, fixed at creation: [from_seq, to_seq]. Events appended
  /// later are live deliveries, not part of the job.
  uint64_t from_seq = 1;
  uint64_t to_seq = 0;
  /// Where it stands.
  job_state state = job_state::running;
  /// Where it resumes: every matching event before this seq was sent until it ended.
  uint64_t next_seq = 1;
  /// Events queued for sending (a restart may queue some again: delivery is at least once,
  /// with the same `webhook-id`).
  uint64_t queued = 0;
  /// Of those, delivered and failed for good.
  uint64_t delivered = 0;
  uint64_t failed = 0;
  /// Matching events left to the live queue: their delivery had not ended yet, so they are
  /// sent anyway.
  uint64_t skipped = 0;
  /// Who asked (the API key id), and why it was cancelled.
  std::string created_by;
  std::string cancel_reason;
  /// Creation, last progress and end, ms since the epoch (0 while not ended).
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  int64_t finished_at_ms = 0;

  /// The share of the window read, from 0 to 1 (1 once ended).
  double progress() const noexcept;

  friend bool operator==(const replay_job&, const replay_job&) = default;
};

/// Limits of a job request.
namespace job_limits {
/// Most type patterns.
constexpr std::size_t max_types = 100;
} // namespace job_limits

/// The body of `POST /v1/webhooks/{id}/replay`.
struct replay_request {
  /// The window, ms since the epoch: [since, until); without `until`, every event up to the
  /// log's head when the job is created.
  int64_t since_ms = 0;
  std::optional<int64_t> until_ms;
  /// Type patterns (any when empty).
  std::vector<std::string> types;
  /// Only deliveries that failed for good.
  bool only_failed = false;
};

/// Parses a replay body at `now_ms`: `since` (required, RFC 3339, not in the future), `until`
/// (RFC 3339, after `since`; optional), `types` (1 to 100 patterns), `only_failed` (boolean).
/// Every rule broken is one field error.
parse_result<replay_request> parse_replay_request(std::string_view body, int64_t now_ms);

/// Parses a resend body: `{}` or `{"webhook_id": "wh_…"}` (an empty body counts as `{}`).
/// The value is the webhook id, empty for every webhook that matched the event.
parse_result<std::string> parse_resend_request(std::string_view body);

} // namespace hookd
