#pragma once

#include "domain/delivery_record.hpp"
#include "domain/error.hpp"
#include "domain/event.hpp"
#include "domain/replay_job.hpp"
#include "domain/webhook.hpp"
#include "storage/database.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::storage {

/// One webhook's part in an event's history (see `delivery_reader::timeline`).
struct event_delivery_timeline {
  /// The webhook as configured now.
  webhook hook;
  /// `filtered_out`, `not_subscribed`, `pending`, `retrying`, `delivered`, `failed`, `dropped`.
  std::string state;
  /// When the next attempt is due (`retrying` only), ms since the epoch.
  std::optional<int64_t> next_attempt_ms;
  /// The attempts on the event, oldest first.
  std::vector<attempt_record> attempts;
};

/// A page of a webhook's backlog: the events it still has to deliver, read back from the log.
struct backlog_page {
  /// Matching, unfinished events in seq order.
  std::vector<event> events;
  /// The first seq not yet scanned: where the next page starts.
  uint64_t next = 0;
};

/// One tenant's stored counters.
struct tenant_totals {
  /// Events in the log.
  uint64_t events = 0;
  /// Deliveries that failed for good in the window asked for.
  uint64_t exhausted = 0;
};

/// What `delivery_reader::check_references` found.
struct reference_check {
  /// True when every record references an event in the log.
  bool intact = true;
  /// Records checked.
  uint64_t attempts = 0;
  uint64_t outcomes = 0;
  uint64_t snapshots = 0;
  /// When not intact: the sequence number referenced, and which record and why.
  uint64_t seq = 0;
  std::string problem;
};

/// Read-only access to delivery state: attempt records, outcomes, snapshots, and a webhook's
/// backlog in the log. Thread-safe.
class delivery_reader {
 public:
  /// Reads from `db`, which must outlive the reader.
  explicit delivery_reader(const database& db) : db_(db) {}
  /// Every webhook of `e`'s tenant with what happened to `e` there: `filtered_out` (it does
  /// not match), `not_subscribed` (created after the event), `pending`, `retrying` (with the
  /// next attempt's time), or how it ended (`delivered`, `failed`, `dropped`); and the
  /// attempts, oldest first (test deliveries excluded). The attempt log is pruned to the
  /// newest records per webhook, so an old event's attempts may be gone while its outcome stays.
  expected<std::vector<event_delivery_timeline>> timeline(const event& e) const;

  /// Checks that every attempt record, delivery outcome and snapshot references an event in
  /// the log: a sequence number within [oldest, head] (the log holds each of them, as a
  /// verified chain shows), and for attempt records the event id stored at that number.
  expected<reference_check> check_references(uint64_t oldest, uint64_t head) const;

  /// `webhook_id`'s snapshot, or nullopt.
  expected<std::optional<delivery_snapshot>> snapshot(std::string_view webhook_id) const;
  /// How `webhook_id`'s delivery of event `seq` ended, or nullopt while it has not.
  expected<std::optional<delivery_outcome_record>> outcome(std::string_view webhook_id,
                                                           uint64_t seq) const;
  /// Calls `visit` for each of `webhook_id`'s attempt records numbered `from` or more, oldest
  /// first, until it returns false.
  expected<void> scan_attempts(std::string_view webhook_id, uint64_t from,
                               const std::function<bool(const attempt_record&)>& visit) const;
  /// Up to `limit` of `webhook_id`'s attempt records numbered below `before` (0: from the
  /// newest), newest first; only those with result `only` when given.
  expected<std::vector<attempt_record>> list_attempts(std::string_view webhook_id, uint64_t before,
                                                      std::size_t limit,
                                                      std::optional<attempt_result> only) const;
  /// The highest attempt record number of `webhook_id` (0 when it has none).
  expected<uint64_t> last_attempt_number(std::string_view webhook_id) const;
  /// Calls `visit` for each of `webhook_id`'s deliveries that failed for good at a time in
  /// [since_ms, until_ms), in event order, until it returns false.
  expected<void> scan_failed(std::string_view webhook_id, int64_t since_ms, int64_t until_ms,
                             const std::function<bool(uint64_t seq)>& visit) const;
  /// The events among `seqs` whose delivery to `webhook_id` stands as failed, in seq order.
  expected<std::vector<event>> read_failed(std::string_view webhook_id,
                                           const std::vector<uint64_t>& seqs) const;
  /// The counters of `tenant` (of every tenant when empty), by tenant: events in the log, and
  /// deliveries that failed for good since `since_ms`, counted by the hour (the hour holding
  /// `since_ms` counts whole).
  expected<std::map<std::string, tenant_totals, std::less<>>> totals(std::string_view tenant,
                                                                     int64_t since_ms) const;
  /// How many events `tenant` has in the log (every tenant's when empty).
  expected<uint64_t> event_count(std::string_view tenant) const;
  /// How many of `tenant`'s deliveries (every tenant's when empty) failed for good since
  /// `since_ms` (see `totals`).
  expected<uint64_t> exhausted_since(std::string_view tenant, int64_t since_ms) const;
  /// Reads the next page of `w`'s backlog: events of its tenant with `from <= seq <= to` that
  /// it matches and whose delivery has not ended, at most `max_events` of them, scanning at
  /// most `max_scanned` index entries (so that one page stays short).
  expected<backlog_page> read_backlog(const webhook& w, uint64_t from, uint64_t to,
                                      std::size_t max_events, std::size_t max_scanned) const;
  /// Reads the next page of `job` for `w` from `from`: events of its tenant up to the job's
  /// last seq that `w` matches, of the types the job asks for, and (`only_failed`) whose
  /// delivery failed for good; at most `max_events`, scanning at most `max_scanned` entries.
  expected<backlog_page> read_replay(const webhook& w, const replay_job& job, uint64_t from,
                                     std::size_t max_events, std::size_t max_scanned) const;

 private:
  // A page of `w`'s tenant's events in [from, to]: those whose type passes `type_ok` are read
  // in full and kept when `w` matches them and `keep` says so, given the outcome recorded for
  // `w` (read only when `with_outcomes`).
  expected<backlog_page>
  read_page(const webhook& w, const webhook_filter& filter, uint64_t from, uint64_t to,
            std::size_t max_events, std::size_t max_scanned,
            const std::function<bool(std::string_view type)>& type_ok,
            const std::function<bool(const std::optional<delivery_outcome_record>&)>& keep,
            bool with_outcomes = true) const;

  const database& db_;
};

} // namespace hookd::storage
