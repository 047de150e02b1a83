#pragma once

#include "actors/actors.hpp"
#include "domain/clock.hpp"
#include "domain/delivery_transport.hpp"
#include "domain/hmac.hpp"
#include "domain/retry_policy.hpp"
#include "domain/url.hpp"
#include "domain/webhook.hpp"

#include <caf/actor_clock.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <map>
#include <memory>
#include <set>

namespace hookd {

/// How a webhook actor runs.
struct webhook_config {
  /// The webhook.
  webhook hook;
  /// Where attempts go. Shared by all webhook actors, and kept alive by them.
  std::shared_ptr<delivery_transport> transport;
  /// Wall clock for `webhook-timestamp`. Must outlive the actor.
  const clock* time = nullptr;
  /// Jitter for retry pauses; owned by the actor.
  std::shared_ptr<jitter_source> jitter;
  /// Consecutive failed attempts that open the circuit.
  uint32_t circuit_threshold = 10;
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

  /// The event.
  const event& ev() const { return batch->events[index]; }
};

/// A webhook actor's state: its configuration, signing keys, queue, schedule and counters.
struct webhook_state {
  /// Name in logs.
  static constexpr const char* name = "webhook";
  // Not an aggregate: CAF 0.17 would otherwise try to build the state from the actor pointer.
  webhook_state() = default;

  /// The configuration.
  webhook_config config;
  /// The parsed URL, once per configuration (nullopt when the stored URL is unusable).
  std::optional<url> target;
  /// The signing keys, current first; precomputed once per secret.
  std::vector<std::unique_ptr<hmac_sha256_key>> keys;
  /// Every delivery not yet finished, by event sequence number (FIFO order).
  std::map<uint64_t, pending_delivery> pending;
  /// Deliveries not in flight, by due time: the retry schedule.
  std::set<std::pair<caf::actor_clock::time_point, uint64_t>> schedule;
  /// Attempts in flight.
  uint32_t in_flight = 0;
  /// Identifies the armed retry timer; older timer messages are ignored.
  uint64_t timer_generation = 0;
  /// When the armed timer fires (time_point::max() when none is armed).
  caf::actor_clock::time_point timer_at = caf::actor_clock::time_point::max();
  /// While the circuit is open: when the next probe may go, and how many probes failed.
  caf::actor_clock::time_point probe_at{};
  uint32_t probes = 0;
  /// Counters.
  webhook_stats stats;
};

/// The webhook actor's behaviour: see `webhook_actor`.
webhook_actor::behavior_type webhook_endpoint(webhook_actor::stateful_pointer<webhook_state> self,
                                              webhook_config config);

} // namespace hookd
