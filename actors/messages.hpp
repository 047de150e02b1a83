#pragma once

#include "domain/api_key.hpp"
#include "domain/audit.hpp"
#include "domain/delivery_transport.hpp"
#include "domain/error.hpp"
#include "domain/event.hpp"
#include "domain/ingest_request.hpp"
#include "domain/tenant.hpp"
#include "domain/webhook.hpp"

#include <caf/expected.hpp>

#include <functional>
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
  /// The events in log order, contiguous sequence numbers.
  std::vector<event> events;
};

/// A change of configuration, applied in one atomic batch with its audit entry.
struct config_change {
  /// Create a tenant. Fails with `conflict` when the id exists.
  struct create_tenant {
    tenant value;
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
  /// The operation.
  std::variant<create_tenant, create_api_key, revoke_api_key, create_webhook, update_webhook,
               delete_webhook>
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
  /// Deliveries that got a 2xx.
  uint64_t delivered = 0;
  /// Deliveries that failed for good (exhausted, or a permanent error).
  uint64_t failed = 0;
  /// Attempts made.
  uint64_t attempts = 0;
  /// Attempts that were retries.
  uint64_t retries = 0;
  /// Deliveries waiting (due now or later), in flight included.
  uint64_t pending = 0;
  /// Deliveries in flight.
  uint64_t in_flight = 0;
  /// Consecutive failed attempts.
  uint32_t consecutive_failures = 0;
  /// True while the circuit breaker is open.
  bool circuit_open = false;
  /// False once the endpoint answered 410 Gone (or a user disabled it).
  bool enabled = true;
  /// The last failure, for humans.
  std::string last_error;
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

/// Completion callbacks that carry an actor's answer back to non-actor code (the HTTP
/// server). They run on a CAF thread and must only hand the result over (post it to an
/// executor), never block.
using append_callback_ptr = std::shared_ptr<std::function<void(caf::expected<append_outcome_ptr>)>>;
using config_callback_ptr = std::shared_ptr<std::function<void(caf::expected<config_outcome_ptr>)>>;
using status_callback_ptr = std::shared_ptr<std::function<void(caf::expected<writer_status_ptr>)>>;

} // namespace hookd
