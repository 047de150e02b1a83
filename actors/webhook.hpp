#pragma once

#include "actors/actors.hpp"
#include "actors/answer_inbox.hpp"
#include "domain/application_limiter.hpp"
#include "domain/clock.hpp"
#include "domain/delivery_transport.hpp"
#include "domain/hmac.hpp"
#include "domain/id_generator.hpp"
#include "domain/metrics.hpp"
#include "domain/payload_template.hpp"
#include "domain/replay_job.hpp"
#include "domain/retry_policy.hpp"
#include "domain/url.hpp"
#include "domain/webhook.hpp"

#include <caf/actor_clock.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <deque>
#include <map>
#include <memory>
#include <set>

namespace hookd {

/// Limits and intervals of a webhook actor's delivery state.
struct delivery_tuning {
  /// Deliveries held in memory; more wait in the log and are read back in pages.
  uint32_t window = 1024;
  /// A snapshot after this many deliveries ended (besides the router's tick).
  uint32_t snapshot_every = 1000;
  /// A change is snapshotted at most this long after it happened: the actor ticks itself
  /// then, so that an idle router need not tick every actor. Zero: on the router's ticks
  /// only (tests send ticks themselves).
  std::chrono::milliseconds snapshot_delay{0};
  /// A webhook whose attempts have all failed for this long is disabled.
  std::chrono::milliseconds disable_after = std::chrono::hours{24 * 5};
  /// A snapshot that only moves the cursor is written at most this often.
  std::chrono::milliseconds quiet_snapshot = std::chrono::seconds{60};
  /// Attempts whose latency the stats keep.
  std::size_t latency_window = 1000;
  /// How long a clean stop waits for attempts in flight.
  std::chrono::milliseconds stop_grace = std::chrono::seconds{5};
};

/// How a webhook actor runs.
struct webhook_config {
  /// The webhook.
  webhook hook;
  /// Where attempts go. Shared by all webhook actors, and kept alive by them.
  std::shared_ptr<delivery_transport> transport;
  /// Wall clock for `webhook-timestamp` and stored times. Must outlive the actor.
  const clock* time = nullptr;
  /// Jitter for retry pauses; owned by the actor.
  std::shared_ptr<jitter_source> jitter;
  /// Consecutive failed attempts that open the circuit.
  uint32_t circuit_threshold = 10;
  /// Where attempt records, snapshots and the webhook's own events go.
  log_writer_actor writer;
  /// Where the recovery state and backlog pages come from.
  delivery_reader_actor reader;
  /// The router's position when it spawned the actor: every later event arrives as a message.
  uint64_t position = 0;
  /// Window and intervals.
  delivery_tuning tuning;
  /// Where attempts, deliveries and latencies are counted (a private registry when null).
  std::shared_ptr<metrics> counters;
  /// The tenants' per-application delivery limits, shared by every webhook actor (none when
  /// null).
  std::shared_ptr<application_limiter> application_limits;
};

/// One delivery: an event for this webhook, until it is delivered or given up.
struct pending_delivery {
  /// The batch holding the event (shared with the router and every other actor).
  committed_batch_ptr batch;
  /// The event's index in `batch`.
  uint32_t index = 0;
  /// Attempts made so far.
  uint32_t attempts = 0;
  /// When the next attempt is due (actor clock).
  caf::actor_clock::time_point due;
  /// True while an attempt is in flight.
  bool in_flight = false;
  /// When the attempt in flight started, ms since the epoch.
  int64_t started_ms = 0;
  /// The `webhook-id`, while an attempt is in flight (derived again for each attempt).
  std::string message_id;

  /// The event.
  const event& ev() const { return batch->events[index]; }
};

/// Deliveries held in memory and their schedule: the live queue, or a redelivery job's.
struct delivery_lane {
  /// Deliveries by event sequence number (FIFO order).
  std::map<uint64_t, pending_delivery> pending;
  /// Deliveries not in flight, by due time: the retry schedule.
  std::set<std::pair<caf::actor_clock::time_point, uint64_t>> schedule;
};

/// A redelivery job in its webhook's actor: the job with its live counts, and where reading
/// its window stands.
struct replay_run {
  /// The job as it now stands.
  replay_job job;
  /// The job as it was handed over: the window and filters for the reader.
  replay_job_ptr spec;
  /// The next sequence number to read.
  uint64_t scan = 0;
  /// True while a page is being read.
  bool reading = false;
  /// True once cancelled: attempts in flight finish (and are recorded), nothing more starts.
  bool cancelled = false;
  /// True when its progress changed since it was last handed to the writer.
  bool dirty = false;
};

/// A test delivery waiting for its answer.
struct pending_test {
  /// Who asked.
  caf::typed_response_promise<test_result_ptr> promise;
  /// The attempt, filled in when the answer comes.
  attempt_record record;
};

/// A webhook actor's state: its configuration, signing keys, queue, schedule and counters.
struct webhook_state {
  /// Name in logs.
  static constexpr const char* name = "webhook";
  // Not an aggregate: CAF 0.17 would otherwise try to build the state from the actor pointer.
  webhook_state() = default;

  /// The configuration.
  webhook_config config;
  /// The webhook, shared with messages to the state reader.
  webhook_ptr hook;
  /// The parsed URL, once per configuration (nullopt when the stored URL is unusable).
  std::optional<url> target;
  /// A precomputed signing key, and when it stops signing (ms since the epoch).
  struct signing_key {
    std::unique_ptr<hmac_sha256_key> key;
    int64_t expires_at_ms = INT64_MAX;
  };
  /// The signing keys, current first, then the rotated-out ones still in their overlap;
  /// precomputed once per secret.
  std::vector<signing_key> keys;
  /// The template, compiled once per configuration.
  payload_renderer renderer;
  /// The template's notes for attempts in flight, by attempt token (only those with a note).
  std::map<uint64_t, std::string> notes;
  /// Live deliveries: the events routed to this webhook, and its backlog read back.
  delivery_lane live;
  /// Redeliveries of the running job (`jobs.front()`): a lower priority than live ones.
  delivery_lane replay;
  /// Redelivery jobs, oldest first; the first one runs.
  std::deque<replay_run> jobs;
  /// Where the transport leaves the answers to attempts (shared with its callbacks).
  std::shared_ptr<answer_inbox> answers = std::make_shared<answer_inbox>();
  /// The answers being handled (kept to reuse its capacity).
  std::vector<std::pair<uint64_t, delivery_response>> answer_batch;
  /// Attempts in flight, both lanes, and those of the replay lane.
  uint32_t in_flight = 0;
  uint32_t replay_in_flight = 0;
  /// Identifies the armed retry timer; older timer messages are ignored.
  uint64_t timer_generation = 0;
  /// When the armed timer fires (time_point::max() when none is armed).
  caf::actor_clock::time_point timer_at = caf::actor_clock::time_point::max();
  /// While the circuit is open: when the next probe may go, and how many probes failed.
  caf::actor_clock::time_point probe_at{};
  uint32_t probes = 0;

  /// True until the recovery state is read and applied.
  bool recovering = true;
  /// The highest seq the router has handed this actor (or told it about).
  uint64_t position = 0;
  /// When not 0, matching events from this seq to `position` wait in the log.
  uint64_t backlog_from = 0;
  /// True while a backlog page is being read.
  bool reading = false;
  /// Attempt state recovered for deliveries past the cursor, applied when they are read.
  std::map<uint64_t, pending_entry> recovered;

  /// The next attempt record number.
  uint64_t next_record = 1;
  /// Records not yet handed to the writer.
  std::shared_ptr<delivery_log> outbox;
  /// True while a message to flush the outbox is queued.
  bool outbox_queued = false;
  /// Records in the last outbox handed to the writer: the next one reserves as much, so that a
  /// burst does not grow its vectors from empty (capped).
  std::size_t outbox_records = 0;
  /// Deliveries ended since the last snapshot.
  uint32_t ended_since_snapshot = 0;
  /// True when something changed since the last snapshot.
  bool dirty = false;
  /// True while a tick this actor sent itself is on its way.
  bool tick_armed = false;
  /// When the last snapshot was taken (ms since the epoch), and its cursor.
  int64_t snapshot_ms = 0;
  uint64_t snapshot_cursor = 0;
  /// Since when every attempt has failed (0 after a success).
  int64_t failing_since_ms = 0;
  /// True after hookd disabled the webhook: the first success appends `webhook.recovered`.
  bool awaiting_recovery = false;
  /// True once this actor asked the writer to disable its webhook: nothing more is sent.
  bool disabling = false;
  /// Latency of recent attempts (a ring), in microseconds.
  std::vector<int64_t> latencies;
  std::size_t latency_next = 0;
  /// Ids of the events this actor appends and of test events.
  id_generator ids;
  /// Test deliveries waiting for their answer, by token.
  std::map<uint64_t, pending_test> tests;
  uint64_t next_test = 1;
  /// The delivery rate limit's bucket: tokens, and when they were counted (actor clock).
  double rate_tokens = 0;
  std::optional<caf::actor_clock::time_point> rate_at;
  /// Set while a clean stop waits for the attempts in flight.
  std::optional<caf::typed_response_promise<bool>> stop_promise;
  /// Counters and health.
  webhook_stats stats;
  /// This webhook's tenant's counters in the metrics.
  tenant_counters* tenant_metrics = nullptr;
  /// Failed deliveries a bulk retry put back, waiting for room in the window, with their job.
  std::deque<std::pair<uint64_t, retry_job_ptr>> requeue;
  /// True while the events of requeued deliveries are being read.
  bool requeue_reading = false;
};

/// The webhook actor's behaviour: see `webhook_actor`.
webhook_actor::behavior_type webhook_endpoint(webhook_actor::stateful_pointer<webhook_state> self,
                                              webhook_config config);

} // namespace hookd
