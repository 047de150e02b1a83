#pragma once

#include "actors/actors.hpp"
#include "domain/clock.hpp"
#include "storage/database.hpp"

#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <optional>
#include <vector>

namespace hookd {

/// How retention runs.
struct retention_config {
  /// The node's retention (0: keep forever, unless a tenant sets its own `retention_days`).
  std::chrono::milliseconds keep{0};
  /// How often a pass runs (the first one right after start).
  std::chrono::milliseconds interval{std::chrono::minutes{10}};
  /// Most records one pass deletes; a pass that stops there is followed by another at once.
  uint64_t max_events = 100'000;
  /// Where passes are planned and compacted (reads only; deletions go through the writer).
  const storage::database* db = nullptr;
  /// Deletes (an audited configuration change).
  log_writer_actor writer;
  /// Wall clock. Must outlive the actor.
  const clock* time = nullptr;
};

/// The retention actor's state.
struct retention_state {
  /// Name in logs.
  static constexpr const char* name = "retention";
  // Not an aggregate: CAF 0.17 would otherwise try to build the state from the actor pointer.
  retention_state() = default;

  /// The configuration.
  retention_config config;
  /// True while a pass runs.
  bool running = false;
  /// Callers waiting for the pass that runs (or the next one).
  std::vector<caf::typed_response_promise<retention_report_ptr>> waiting;
};

/// Runs retention passes: every `interval` and when asked. A pass plans what may go, has the
/// writer delete it with the new anchor in one commit, then compacts the log so that the disk
/// space returns. Planning and compaction block, so the actor runs detached (off CAF's workers
/// and off the state reader, which webhook actors wait on).
retention_actor::behavior_type retention(retention_actor::stateful_pointer<retention_state> self,
                                         retention_config config);

} // namespace hookd
