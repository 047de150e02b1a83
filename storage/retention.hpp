#pragma once

/// Retention: the log's oldest part goes once every event in it is older than its tenant's
/// retention and nothing still needs it (a webhook's cursor or pending delivery, a running
/// redelivery job, an open provisioning watch). The log is one hash chain, so only a prefix is
/// ever deleted; the last deleted record is kept as an anchor that `verify` starts from.

#include "domain/error.hpp"
#include "storage/database.hpp"
#include "storage/records.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace hookd::storage {

/// What a retention pass may delete now: the records [oldest, cut) and what references them.
struct retention_plan {
  /// The oldest sequence number in the log (0 when it is empty).
  uint64_t oldest = 0;
  /// The first sequence number kept; equal to `oldest` when nothing may go.
  uint64_t cut = 0;
  /// The last record deleted (seq, hash, received_at): the new anchor.
  chain_head anchor;
  /// Events deleted, by tenant.
  std::map<std::string, uint64_t> per_tenant;
  /// Keys of the id index entries of the deleted events (`event_ids`).
  std::vector<std::string> event_id_keys;
  /// Keys of the attempt records on the deleted events (`attempts`).
  std::vector<std::string> attempt_keys;
  /// Webhooks (deleted ones included) with delivery outcomes below `cut`.
  std::vector<std::string> outcome_webhooks;
  /// Why the cut stops where it does, for humans: the event that is too young, or what
  /// still needs an older one (empty when the whole log may go, or it is empty).
  std::string held_by;
  /// True when the pass stopped at its size limit with more to delete.
  bool more = false;

  /// Records deleted.
  uint64_t events() const noexcept { return cut - oldest; }
};

/// Plans a pass at `now_ms` with the node's retention `node_ms` (0: keep forever unless a
/// tenant sets its own) and each tenant's `retention_days`, deleting at most `max_events`.
/// Reads only; safe beside the writer (what it protects only moves forward).
expected<retention_plan> plan_retention(const database& db, int64_t node_ms, int64_t now_ms,
                                        uint64_t max_events);

/// The anchor left by the last retention pass (the last deleted record), or nullopt.
expected<std::optional<chain_head>> retention_anchor(const database& db);

/// Compacts the log's column families below `cut`, so that deleted records leave the disk.
/// Blocking; thread-safe.
expected<void> compact_log(const database& db, uint64_t cut);

/// The log at one instant, for `GET /v1/queue/stats` and `/metrics`.
struct log_figures {
  /// The last sequence number.
  uint64_t head_seq = 0;
  /// The oldest sequence number still in the log (0 when it is empty).
  uint64_t oldest_seq = 0;
  /// Bytes its records take: live SST files and memtables of the event column families.
  uint64_t bytes = 0;
  /// The last record retention deleted (seq 0: none yet).
  chain_head anchor;
};

/// Reads the log's figures. Thread-safe.
expected<log_figures> read_log_figures(const database& db);

} // namespace hookd::storage
