#pragma once

#include "actors/actors.hpp"
#include "actors/webhook.hpp"
#include "domain/id_generator.hpp"
#include "domain/metrics.hpp"
#include "domain/subscription_index.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace hookd {

/// How the router runs.
struct router_config {
  /// The webhooks that exist at start.
  std::vector<webhook> webhooks;
  /// The transport every webhook actor uses.
  std::shared_ptr<delivery_transport> transport;
  /// Wall clock for signatures. Must outlive every webhook actor.
  const clock* time = nullptr;
  /// Consecutive failures that open a webhook's circuit.
  uint32_t circuit_threshold = 10;
  /// Where webhook actors send records, snapshots and their own events.
  log_writer_actor writer;
  /// Where webhook actors read their recovery state and backlogs.
  delivery_reader_actor reader;
  /// The committed head at start: the position of every webhook actor spawned then.
  uint64_t position = 0;
  /// How often webhook actors are ticked with the router's position (cursors of webhooks
  /// that no new event matched, quiet snapshots, the failure window) while the position
  /// moves. Zero: never (tests send ticks themselves).
  std::chrono::milliseconds tick_interval{5000};
  /// While the position stands still, ticks go out this often only: an idle node with many
  /// webhooks should not wake every actor every few seconds. (Actors with a change to save
  /// tick themselves.)
  std::chrono::milliseconds idle_tick_interval{60000};
  /// Window and intervals of every webhook actor.
  delivery_tuning tuning;
  /// Where webhook actors count attempts and deliveries (a private registry when null).
  std::shared_ptr<metrics> counters;
  /// The tenants' per-application delivery limits: loaded by the caller, kept current by the
  /// router from committed tenant changes (none when null).
  std::shared_ptr<application_limiter> application_limits;
};

/// The router's state: the type index and one actor per enabled webhook.
struct router_state {
  /// Name in logs.
  static constexpr const char* name = "router";
  // Not an aggregate: CAF 0.17 would otherwise try to build the state from the actor pointer.
  router_state() = default;

  /// The configuration.
  router_config config;
  /// Which webhooks want which events.
  subscription_index index;
  /// The webhook actors, by tenant NUL id.
  std::unordered_map<std::string, webhook_actor> actors;
  /// Scratch space for matching.
  std::vector<const subscription_index::entry*> matches;
  /// The last seq routed: every event up to it was handed to its webhook actors.
  uint64_t position = 0;
  /// The position and time of the last tick sent to the webhook actors.
  uint64_t ticked_position = 0;
  caf::actor_clock::time_point ticked_at{};
  /// Disabled webhooks (tenant NUL id -> tenant): they have no actor, but count in the queue
  /// figures.
  std::unordered_map<std::string, std::string> disabled;
  /// Recent bulk retries, newest first (at most 50).
  std::deque<retry_job_ptr> jobs;
  /// Ids of bulk retries.
  id_generator ids;
};

/// The router's behaviour: see `router_actor`. On exit it stops every webhook actor.
router_actor::behavior_type router(router_actor::stateful_pointer<router_state> self,
                                   router_config config);

} // namespace hookd
