#pragma once

#include "actors/actors.hpp"
#include "storage/database.hpp"

#include <caf/typed_event_based_actor.hpp>

namespace hookd {

/// The state reader's state: the database it reads.
struct state_reader_state {
  /// Name in logs.
  static constexpr const char* name = "state_reader";
  // Not an aggregate: CAF 0.17 would otherwise try to build the state from the actor pointer.
  state_reader_state() = default;

  /// The database; must outlive the actor.
  const storage::database* db = nullptr;
  /// Most index entries one backlog page scans, so that one page stays short.
  std::size_t max_scanned = 65536;
};

/// The state reader's behaviour: see `delivery_reader_actor`. Spawn it detached in production
/// (RocksDB reads may block); on the test coordinator in tests.
delivery_reader_actor::behavior_type
state_reader(delivery_reader_actor::stateful_pointer<state_reader_state> self,
             const storage::database* db);

/// Reads what a webhook actor needs to resume: the snapshot (or an empty one at `position`)
/// with the attempts recorded after it applied (counters, failure clock, open retries), and
/// the events of its pending deliveries that have not ended. Thread-safe; used by the state
/// reader.
expected<recovery_state> read_recovery_state(const storage::database& db, const webhook& hook,
                                             uint64_t position);

} // namespace hookd
