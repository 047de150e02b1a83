#pragma once

#include "actors/actors.hpp"
#include "domain/clock.hpp"
#include "domain/metrics.hpp"
#include "storage/log_store.hpp"

#include <caf/response_promise.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace hookd {

/// How the log writer runs.
struct log_writer_config {
  /// The write path; the writer owns it from now on.
  std::unique_ptr<storage::log_store> store;
  /// Time source for received_at and idempotency expiry. Must outlive the actor.
  const clock* time = nullptr;
  /// Most events in one commit; more are committed in the next one.
  std::size_t max_commit_events = 0;
  /// How often expired idempotency keys are swept.
  std::chrono::seconds sweep_interval{3600};
  /// Attempt records kept per webhook (older ones are pruned, never past its snapshot).
  uint64_t keep_attempts = 100;
  /// Longest time delivery state (attempt records, outcomes, snapshots) may stay written but
  /// not fsynced: such batches skip the fsync and are synced within this interval, or with
  /// the next synced commit. Zero fsyncs every commit (design note 38).
  std::chrono::milliseconds delivery_sync_interval{0};
  /// Where commit sizes, commit times and events per tenant are counted (a private registry
  /// when null).
  std::shared_ptr<metrics> counters;
};

/// The log writer's state: the store, what is staged, and who waits for the next fsync.
struct log_writer_state {
  /// Name in logs and CAF's actor registry.
  static constexpr const char* name = "log_writer";
  // Not an aggregate: CAF 0.17 would otherwise try to build the state from the actor pointer.
  log_writer_state() = default;

  /// An answer that may only be given once the batch it belongs to is durable.
  struct waiting_append {
    /// Who asked: a requester's promise, or a callback (appends sent straight from HTTP).
    caf::typed_response_promise<append_outcome_ptr> promise;
    append_callback_ptr callback;
    std::shared_ptr<append_outcome> outcome;

    /// Gives the answer (or the error) to whoever asked.
    void answer(caf::expected<append_outcome_ptr> result) {
      if (callback)
        (*callback)(std::move(result));
      else if (result)
        promise.deliver(std::move(*result));
      else
        promise.deliver(std::move(result.error()));
    }
  };
  /// A configuration change waiting for the fsync.
  struct waiting_config {
    caf::typed_response_promise<config_outcome_ptr> promise;
    std::shared_ptr<config_outcome> outcome;
  };

  /// The configuration, including the owned store.
  log_writer_config config;
  /// Answers to give after the next commit.
  std::vector<waiting_append> appends;
  /// Configuration answers to give after the next commit.
  std::vector<waiting_config> configs;
  /// True while a flush message is queued, so that only one is.
  bool flush_queued = false;
  /// True while a sync message is on its way (delivery state waits for an fsync).
  bool sync_queued = false;
  /// Webhook changes staged for the next commit, published with its batch.
  std::vector<webhook_change> webhook_changes;
  /// Tenants whose settings change in the next commit, published with its batch.
  std::vector<tenant> tenant_changes;
  /// Jobs created or cancelled in the next commit, published with its batch.
  std::vector<replay_job> job_changes;
  /// Jobs that ended since start (cancelled or completed): later progress from a webhook actor
  /// that had not heard yet must not bring them back to `running`.
  std::unordered_set<std::string> ended_jobs;
  /// Subscribers to committed batches.
  std::vector<batch_subscriber_actor> subscribers;
  /// Per webhook: where its attempt log stands, to prune it.
  struct attempt_marks {
    /// Records from this number on are newer than the last snapshot (0: no snapshot seen
    /// since start, so nothing is pruned yet).
    uint64_t snapshot_from = 0;
    /// The newest record number staged.
    uint64_t last = 0;
    /// Records below this number are pruned.
    uint64_t pruned_below = 0;
  };
  /// Attempt log positions, by webhook id.
  std::unordered_map<std::string, attempt_marks> attempt_logs;
  /// Counters for status and metrics.
  writer_status stats;
  /// Each tenant's counters, looked up once.
  std::unordered_map<std::string, tenant_counters*> tenant_counters_cache;
};

/// The log writer's behaviour: see `log_writer_actor`. Spawn it detached in production (its
/// fsyncs block), and on the test coordinator in tests.
log_writer_actor::behavior_type
log_writer(log_writer_actor::stateful_pointer<log_writer_state> self, log_writer_config config);

} // namespace hookd
