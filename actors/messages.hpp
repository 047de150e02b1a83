#pragma once

#include "domain/api_key.hpp"
#include "domain/audit.hpp"
#include "domain/delivery_record.hpp"
#include "domain/delivery_transport.hpp"
#include "domain/error.hpp"
#include "domain/event.hpp"
#include "domain/ingest_request.hpp"
#include "domain/replay_job.hpp"
#include "domain/source.hpp"
#include "domain/tenant.hpp"
#include "domain/webhook.hpp"
#include "storage/retention.hpp"

#include <caf/expected.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace hookd {

/// A request to append events, sent to the log writer. The sender hands over ownership:
/// the writer moves the drafts out.
struct append_request {
  /// Owner tenant of every event.
  std::string tenant;
  /// The `Idempotency-Key`, when the producer sent one.
  std::optional<std::string> idempotency_key;
  /// The parsed events and the request fingerprint.
  ingest_request body;
  /// Durable state of one of hookd's own event sources, written in the same commit as the
  /// events when at least one of them is new: key and value, or nullopt to delete the key
  /// (a provisioning watch closed by its outcome, an expiry warning marked as sent).
  std::vector<std::pair<std::string, std::optional<std::string>>> source_state;
};

/// What happened to one event of an append.
struct appended_event {
  /// The event id.
  std::string id;
  /// Its sequence number.
  uint64_t seq = 0;
  /// True when it was already in the log (a repeated client id or idempotency key).
  bool replayed = false;
};

/// The writer's answer to an append, sent only after the fsync of its batch.
struct append_outcome {
  /// How the request as a whole went.
  enum class status {
    /// New events were committed (some items may be replays of earlier ids).
    created,
    /// The whole request repeats an earlier one; nothing new was written.
    replayed,
    /// The idempotency key was used with a different body.
    idempotency_conflict,
    /// A client id exists with different content (`conflicts` lists the indices).
    id_conflict,
  };
  /// The status.
  status result = status::created;
  /// True when the request was a batch.
  bool batch = false;
  /// One entry per event, in request order (empty for conflicts).
  std::vector<appended_event> events;
  /// Indices of the items whose client id conflicts.
  std::vector<std::size_t> conflicts;
};

/// A webhook created, changed or deleted by a committed configuration change.
struct webhook_change {
  /// The webhook as stored (for a deletion, as it was).
  webhook value;
  /// True when it was deleted.
  bool removed = false;
};

/// A committed batch: shared, immutable, published to subscribers. Webhook changes committed
/// in the same batch come first, so subscribers see configuration and events in commit order.
struct committed_batch {
  /// Webhook changes in this commit, in the order they were applied.
  std::vector<webhook_change> webhook_changes;
  /// Tenants whose settings changed in this commit, as stored.
  std::vector<tenant> tenant_changes;
  /// Redelivery jobs created or cancelled in this commit, as stored.
  std::vector<replay_job> job_changes;
  /// The events in log order, contiguous sequence numbers.
  std::vector<event> events;
};

/// A change of configuration, applied in one atomic batch with its audit entry.
struct config_change {
  /// Create a tenant. Fails with `conflict` when the id exists.
  struct create_tenant {
    tenant value;
  };
  /// Change a tenant's settings. Fails with `not_found` when it does not exist.
  struct update_tenant {
    std::string id;
    tenant_patch patch;
  };
  /// Store a new API key (minted by the caller; only the hash is stored).
  struct create_api_key {
    api_key value;
  };
  /// Revoke an API key at `at_ms`. Fails with `not_found` for an unknown or foreign key.
  struct revoke_api_key {
    std::string key_id;
    /// When set, the key must belong to this tenant.
    std::optional<std::string> tenant;
    int64_t at_ms = 0;
  };
  /// Create a webhook. Fails with `conflict` when its name is taken in the tenant.
  struct create_webhook {
    webhook value;
  };
  /// Replace a webhook. Fails with `not_found` when it is gone, and with `conflict` when it
  /// changed since `based_on_updated_at_ms` (a concurrent update) or its new name is taken.
  struct update_webhook {
    webhook value;
    int64_t based_on_updated_at_ms = 0;
  };
  /// Delete a webhook. Fails with `not_found` when it does not exist in `tenant`.
  struct delete_webhook {
    std::string tenant;
    std::string id;
  };
  /// hookd disables a webhook (410 Gone, or failures past the window) and appends `notice`
  /// (a `webhook.disabled` event) in the same batch. Nothing happens when the webhook is gone
  /// or already disabled. Fails with `not_found` when it does not exist.
  struct disable_webhook {
    std::string tenant;
    std::string id;
    std::string reason;
    int64_t at_ms = 0;
    event_draft notice;
  };
  /// Create an inbound source.
  struct create_source {
    source value;
  };
  /// Replace a source. Fails with `not_found` when it is gone, and with `conflict` when it
  /// changed since `based_on_updated_at_ms`.
  struct update_source {
    source value;
    int64_t based_on_updated_at_ms = 0;
  };
  /// Delete a source. Fails with `not_found` when it does not exist in `tenant`.
  struct delete_source {
    std::string tenant;
    std::string id;
  };
  /// Create redelivery jobs (one per webhook). Fails with `not_found` when a webhook is gone,
  /// and with `conflict` when one is disabled.
  struct create_jobs {
    std::vector<replay_job> jobs;
  };
  /// Cancel a running job. Fails with `not_found` when it does not exist in `tenant`, and with
  /// `conflict` when it already ended.
  struct cancel_job {
    std::string tenant;
    std::string id;
    std::string reason;
    int64_t at_ms = 0;
  };
  /// Delete the log's oldest records as a retention pass planned them.
  struct prune_log {
    std::shared_ptr<const storage::retention_plan> plan;
  };
  /// The operation.
  std::variant<create_tenant, update_tenant, create_api_key, revoke_api_key, create_webhook,
               update_webhook, delete_webhook, disable_webhook, create_source, update_source,
               delete_source, create_jobs, cancel_job, prune_log>
      op;
  /// The audit entry (its seq is assigned by the writer).
  audit_entry audit;
};

/// The writer's answer to a configuration change.
struct config_outcome {
  /// The error, or `ec::no_error`.
  error_info error;
  /// The audit sequence number of the change.
  uint64_t audit_seq = 0;
  /// The stored API key after a revoke.
  std::optional<api_key> key;
  /// The stored webhook after a create or update, or the deleted one.
  std::optional<webhook> hook;
  /// The stored tenant after an update.
  std::optional<tenant> changed_tenant;
  /// The stored source after a create or update, or the deleted one.
  std::optional<source> changed_source;
  /// The jobs created, or the one cancelled, as stored.
  std::vector<replay_job> jobs;
};

/// A snapshot of the writer's state, for readiness and metrics.
struct writer_status {
  /// The last committed sequence number.
  uint64_t head_seq = 0;
  /// Batches committed since start.
  uint64_t commits = 0;
  /// Events committed since start.
  uint64_t events = 0;
  /// True after a failed commit: the database refused writes.
  bool failed = false;
};

/// A webhook actor's counters and health, for the stats API and tests.
struct webhook_stats {
  /// Delivered, failed, dropped, attempts and retries since the webhook was created.
  delivery_counters counters;
  /// Deliveries held in memory (due now or later), in flight included.
  uint64_t pending = 0;
  /// Held deliveries that failed at least once and wait for their next attempt.
  uint64_t retrying = 0;
  /// Deliveries in flight.
  uint64_t in_flight = 0;
  /// When set, matching events from this seq on wait in the log (the in-memory window is full).
  uint64_t backlog_from = 0;
  /// Every matching event up to this seq is held, finished or in the backlog.
  uint64_t cursor = 0;
  /// Consecutive failed attempts.
  uint32_t consecutive_failures = 0;
  /// True while the circuit breaker is open.
  bool circuit_open = false;
  /// False once hookd disabled the webhook (410 Gone, or failures past the window).
  bool enabled = true;
  /// True until the snapshot and the log are read back after a start.
  bool recovering = false;
  /// Since when every attempt has failed (0 when the last one succeeded).
  int64_t failing_since_ms = 0;
  /// Latency of the recent attempts (up to the last 1000), in microseconds.
  std::vector<int64_t> recent_latencies_us;
  /// The last failure, for humans.
  std::string last_error;
  /// Times an attempt was postponed because its application used its minute (the tenant's
  /// per-application limit), since the actor started.
  uint64_t application_limited = 0;
  /// When the oldest held delivery's event arrived, ms since the epoch (0: none held).
  int64_t oldest_pending_ms = 0;
  /// Redeliveries of a job held in memory, in flight included, and the jobs waiting to run
  /// (the running one included).
  uint64_t replaying = 0;
  uint64_t jobs = 0;
};

/// One tenant's share of the delivery queue, summed over its webhooks at one instant.
struct queue_figures {
  /// Enabled webhooks (each has an actor).
  uint64_t webhooks = 0;
  /// Disabled webhooks (no actor; their deliveries wait in the log).
  uint64_t disabled_webhooks = 0;
  /// Deliveries held in memory, in flight included.
  uint64_t pending = 0;
  /// Deliveries in flight.
  uint64_t in_flight = 0;
  /// Held deliveries that failed at least once and wait for their next attempt.
  uint64_t retrying = 0;
  /// Webhooks with more deliveries waiting in the log than their window holds.
  uint64_t backlogged_webhooks = 0;
  /// Webhooks whose circuit breaker is open.
  uint64_t open_circuits = 0;
  /// When the oldest held delivery's event arrived, ms since the epoch (0: none).
  int64_t oldest_pending_ms = 0;

  /// Adds one webhook actor's figures.
  void add(const webhook_stats& s) {
    queue_figures one;
    one.webhooks = 1;
    one.pending = s.pending;
    one.in_flight = s.in_flight;
    one.retrying = s.retrying;
    one.backlogged_webhooks = s.backlog_from != 0 ? 1 : 0;
    one.open_circuits = s.circuit_open ? 1 : 0;
    one.oldest_pending_ms = s.oldest_pending_ms;
    merge(one);
  }

  /// Adds another set of figures (another tenant's, for a total).
  void merge(const queue_figures& o) {
    webhooks += o.webhooks;
    disabled_webhooks += o.disabled_webhooks;
    pending += o.pending;
    in_flight += o.in_flight;
    retrying += o.retrying;
    backlogged_webhooks += o.backlogged_webhooks;
    open_circuits += o.open_circuits;
    if (o.oldest_pending_ms != 0 &&
        (oldest_pending_ms == 0 || o.oldest_pending_ms < oldest_pending_ms))
      oldest_pending_ms = o.oldest_pending_ms;
  }
};

/// A bulk retry of failed deliveries (`POST /v1/queue/retry-failed`). The router creates it;
/// webhook actors count their progress in it; the API shows it.
struct retry_job {
  /// `rty_…`.
  std::string id;
  /// The tenant whose deliveries it retries.
  std::string tenant;
  /// The one webhook it is limited to (empty: every enabled webhook of the tenant).
  std::string webhook_id;
  /// The window of failure times, ms since the epoch: [since, until).
  int64_t since_ms = 0;
  int64_t until_ms = INT64_MAX;
  /// When it started, ms since the epoch.
  int64_t created_at_ms = 0;
  /// Failed deliveries found in scope.
  std::atomic<uint64_t> total{0};
  /// Deliveries put back in their webhook's queue.
  std::atomic<uint64_t> requeued{0};
  /// Deliveries left as they were: no longer failed, already pending, or their webhook was
  /// disabled or deleted before it got to them.
  std::atomic<uint64_t> skipped{0};

  /// True when every delivery found was requeued or skipped.
  bool done() const noexcept { return requeued.load() + skipped.load() >= total.load(); }
};

/// The queue at one instant: figures per tenant, and the recent bulk retries.
struct queue_report {
  /// Figures by tenant.
  std::map<std::string, queue_figures> tenants;
  /// Bulk retries, newest first.
  std::vector<std::shared_ptr<const retry_job>> jobs;
};

/// What a webhook actor hands the log writer: attempt records, outcomes and, at times, its
/// snapshot. Written in the writer's next group commit.
struct delivery_log {
  /// The webhook's tenant.
  std::string tenant;
  /// The webhook.
  std::string webhook_id;
  /// New attempt records, in number order.
  std::vector<attempt_record> attempts;
  /// Deliveries that ended.
  std::vector<delivery_outcome_record> outcomes;
  /// Operational events about this webhook (`webhook.recovered`, `delivery.exhausted`),
  /// appended to the tenant's log in the same commit.
  std::vector<event_draft> notices;
  /// Deliveries whose recorded end is removed before anything above is written: they are
  /// pending again (a bulk retry). The snapshot that holds them comes in the same message.
  std::vector<uint64_t> reopened;
  /// The snapshot, taken after everything above.
  std::optional<delivery_snapshot> snapshot;
  /// Progress of this webhook's redelivery jobs, as they now stand (an ended job last time).
  std::vector<replay_job> jobs;
};

/// What a starting webhook actor needs from storage to resume.
struct recovery_state {
  /// The stored snapshot (or, when none is, an empty one at the router's position).
  delivery_snapshot snapshot;
  /// True when a snapshot was stored.
  bool found = false;
  /// The events of the snapshot's pending deliveries that have not ended, in seq order.
  std::vector<event> pending_events;
  /// Attempts recorded after the snapshot for deliveries that are still open, by seq: their
  /// attempt count and next due time. They override the snapshot's and apply to events past
  /// the cursor.
  std::vector<pending_entry> retries;
  /// The next attempt record number.
  uint64_t next_record = 1;
  /// The webhook's running redelivery jobs, oldest first.
  std::vector<replay_job> jobs;
};

/// A page of a webhook's backlog, read back from the log.
struct backlog_chunk {
  /// The events (their `webhook_changes` is empty).
  std::shared_ptr<const committed_batch> batch;
  /// Where the next page starts.
  uint64_t next = 0;
};

/// The answer to `POST /v1/webhooks/{id}/test`.
struct test_delivery_result {
  /// The attempt, as recorded.
  attempt_record attempt;
  /// A readable error (empty on a response).
  std::string detail;
};

/// What a retention pass did.
struct retention_report {
  /// Records deleted.
  uint64_t pruned = 0;
  /// The oldest sequence number left in the log (0 when it is empty).
  uint64_t oldest_seq = 0;
  /// The anchor: the last record deleted, by this pass or an earlier one (seq 0: none).
  storage::chain_head anchor;
  /// What keeps the next record (see `storage::retention_plan::held_by`).
  std::string held_by;
  /// When it ran, ms since the epoch.
  int64_t at_ms = 0;
};

/// Shared pointers that travel in messages.
using append_request_ptr = std::shared_ptr<append_request>;
using append_outcome_ptr = std::shared_ptr<const append_outcome>;
using committed_batch_ptr = std::shared_ptr<const committed_batch>;
using config_change_ptr = std::shared_ptr<const config_change>;
using config_outcome_ptr = std::shared_ptr<const config_outcome>;
using writer_status_ptr = std::shared_ptr<const writer_status>;
using delivery_result_ptr = std::shared_ptr<const delivery_response>;
using webhook_ptr = std::shared_ptr<const webhook>;
using webhook_stats_ptr = std::shared_ptr<const webhook_stats>;
using delivery_log_ptr = std::shared_ptr<const delivery_log>;
using recovery_state_ptr = std::shared_ptr<const recovery_state>;
using backlog_chunk_ptr = std::shared_ptr<const backlog_chunk>;
using test_result_ptr = std::shared_ptr<const test_delivery_result>;
using queue_report_ptr = std::shared_ptr<const queue_report>;
using retry_job_ptr = std::shared_ptr<retry_job>;
using replay_job_ptr = std::shared_ptr<const replay_job>;
using retention_report_ptr = std::shared_ptr<const retention_report>;
/// Event sequence numbers (of failed deliveries, or to read back).
using seq_list_ptr = std::shared_ptr<const std::vector<uint64_t>>;

/// Completion callbacks that carry an actor's answer back to non-actor code (the HTTP
/// server). They run on a CAF thread and must only hand the result over (post it to an
/// executor), never block.
using append_callback_ptr = std::shared_ptr<std::function<void(caf::expected<append_outcome_ptr>)>>;
using config_callback_ptr = std::shared_ptr<std::function<void(caf::expected<config_outcome_ptr>)>>;
using status_callback_ptr = std::shared_ptr<std::function<void(caf::expected<writer_status_ptr>)>>;
using stats_callback_ptr = std::shared_ptr<std::function<void(caf::expected<webhook_stats_ptr>)>>;
using test_callback_ptr = std::shared_ptr<std::function<void(caf::expected<test_result_ptr>)>>;
using queue_callback_ptr = std::shared_ptr<std::function<void(caf::expected<queue_report_ptr>)>>;
using retry_job_callback_ptr = std::shared_ptr<std::function<void(caf::expected<retry_job_ptr>)>>;
using retention_callback_ptr =
    std::shared_ptr<std::function<void(caf::expected<retention_report_ptr>)>>;

} // namespace hookd
