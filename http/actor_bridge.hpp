#pragma once

#include "actors/actors.hpp"
#include "http/answer_deadlines.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <memory>

namespace hookd::http {

/// The bridge's state: where requests go, and how long an answer may take.
struct actor_bridge_state {
  /// Name in logs.
  static constexpr const char* name = "http_bridge";
  // Not an aggregate: CAF 0.17 would otherwise try to build the state from the actor pointer
  // (C++20 parenthesised aggregate initialisation).
  actor_bridge_state() = default;
  /// The log writer.
  log_writer_actor writer;
  /// The router (live webhook state, test deliveries).
  router_actor router;
  /// The retention actor (passes on request).
  retention_actor retention;
  /// How long to wait for the writer before answering the callback with a timeout error.
  std::chrono::milliseconds timeout{30000};

  /// Requests waiting for their answers (the bridge's own, and appends the API sends the
  /// writer directly), expired by a sweep every second.
  std::shared_ptr<answer_deadlines> deadlines;
};

/// The bridge's behaviour: see `http_bridge_actor`. Event-based, on CAF's scheduler; it
/// only forwards, so one instance serves every connection.
http_bridge_actor::behavior_type
actor_bridge(http_bridge_actor::stateful_pointer<actor_bridge_state> self, log_writer_actor writer,
             router_actor router, retention_actor retention, std::chrono::milliseconds timeout,
             std::shared_ptr<answer_deadlines> deadlines);

} // namespace hookd::http
