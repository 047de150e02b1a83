#pragma once

#include "domain/audit.hpp"
#include "domain/error.hpp"
#include "domain/event.hpp"
#include "storage/database.hpp"
#include "storage/records.hpp"
#include "storage/retention.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace hookd::storage {

/// The write path of the log: stages events and configuration changes into one batch, then
/// commits the batch as one RocksDB WriteBatch written with `sync=true` (the group commit).
/// A batch of delivery state only (attempt records, outcomes, reopened deliveries, snapshots,
/// prunes) may instead be written without the fsync when `defer_delivery_sync` is on: it
/// reaches the operating system (a killed process loses nothing) and is fsynced by the next
/// synced commit or by `sync_wal` (design note 38). Exactly one owner (the log_writer actor) uses
/// it; it is not thread-safe. Lookups see staged, uncommitted changes too, so the owner can
/// deduplicate within a batch.
class log_store {
 public:
  /// Loads the chain head and audit head from `db`, and checks that the last record in the
  /// log is the recorded head. `db` must outlive the store.
  static expected<std::unique_ptr<log_store>> open(database& db);
  ~log_store();

  /// The last committed record of the log.
  const chain_head& head() const noexcept { return head_; }
  /// The last committed audit sequence number.
  uint64_t audit_head() const noexcept { return audit_head_; }

  // -- staging -----------------------------------------------------------------------------------

  /// Stages `draft` as the next event of `tenant`: assigns the next sequence number, a
  /// received_at that never decreases along the log (`max(now_ms, previous)`), links the hash
  /// chain, and indexes the id, the tenant's log and the first use of its type. Returns the
  /// assigned sequence number.
  uint64_t stage_event(std::string_view tenant, event_draft&& draft, int64_t now_ms);
  /// Stages the answer to an `Idempotency-Key`.
  void stage_idempotency(std::string_view tenant, std::string_view key, idempotency_record rec);
  /// Stages a new or changed tenant.
  void stage_tenant(const tenant& t);
  /// Stages a new or changed API key.
  void stage_api_key(const api_key& k);
  /// Stages a new or changed webhook and its name index entry; `previous_name` is the name
  /// to release when a rename happened.
  void stage_webhook(const webhook& w, std::string_view previous_name = {});
  /// Stages the deletion of a webhook and its name.
  void stage_delete_webhook(const webhook& w);
  /// Stages a new or changed source and its id index entry.
  void stage_source(const source& src);
  /// Stages the deletion of a source and its id index entry.
  void stage_delete_source(const source& src);
  /// Stages `value` under `key` in the event sources' state (nullopt deletes the key).
  void stage_source_state(std::string_view key, std::optional<std::string_view> value);
  /// Stages a redelivery job as it now stands, and keeps its webhook's queue of running jobs.
  void stage_job(const replay_job& job);
  /// Stages a retention pass: range deletes of the records [plan.oldest, plan.cut) and of their
  /// per-tenant index and outcomes, deletes of their ids and attempt records, the tenants'
  /// event counters, and the new anchor.
  void stage_retention(const retention_plan& plan);
  /// Stages an attempt record.
  void stage_attempt(const attempt_record& r);
  /// Stages how a delivery of `tenant`'s webhook ended; a failure counts towards the tenant's
  /// exhausted deliveries of that hour.
  void stage_outcome(std::string_view tenant, const delivery_outcome_record& o);
  /// Stages the removal of how `webhook_id`'s delivery of event `seq` ended: it is pending
  /// again (a retry of a failed delivery).
  void stage_reopen(std::string_view webhook_id, uint64_t seq);
  /// Stages `webhook_id`'s delivery snapshot (replacing the previous one).
  void stage_snapshot(std::string_view webhook_id, const delivery_snapshot& s);
  /// Stages the deletion of `webhook_id`'s snapshot.
  void stage_delete_snapshot(std::string_view webhook_id);
  /// Stages the deletion of `webhook_id`'s attempt records numbered below `below`.
  void stage_prune_attempts(std::string_view webhook_id, uint64_t below);
  /// Stages an audit entry; assigns and returns its sequence number.
  uint64_t stage_audit(audit_entry entry);
  /// Number of events staged and not yet committed.
  std::size_t staged_events() const noexcept { return staged_.size(); }
  /// True when anything is staged.
  bool has_staged() const noexcept;

  // -- lookups (committed and staged) --------------------------------------------------------

  /// The id index entry for `tenant`'s event `id`.
  expected<std::optional<event_id_entry>> find_event_id(std::string_view tenant,
                                                        std::string_view id) const;
  /// The remembered answer for `key`, when younger than the idempotency window at `now_ms`.
  expected<std::optional<idempotency_record>>
  find_idempotency(std::string_view tenant, std::string_view key, int64_t now_ms) const;
  /// True when `tenant` exists.
  expected<bool> tenant_exists(std::string_view tenant) const;
  /// The tenant `id`, staged or committed, or nullopt.
  expected<std::optional<tenant>> find_tenant(std::string_view id) const;
  /// `tenant`'s webhook `id`, staged or committed (nullopt when absent or deleted).
  expected<std::optional<webhook>> find_webhook(std::string_view tenant, std::string_view id) const;
  /// The id of `tenant`'s webhook named `name`, staged or committed, or nullopt.
  expected<std::optional<std::string>> find_webhook_name(std::string_view tenant,
                                                         std::string_view name) const;
  /// `tenant`'s source `id`, staged or committed (nullopt when absent or deleted).
  expected<std::optional<source>> find_source(std::string_view tenant, std::string_view id) const;
  /// The event sources' state under `key`, staged or committed (nullopt when absent).
  expected<std::optional<std::string>> find_source_state(std::string_view key) const;
  /// `tenant`'s job `id` as staged or stored, or nullopt.
  expected<std::optional<replay_job>> find_job(std::string_view tenant, std::string_view id) const;
  /// The running jobs of `webhook_id`, as staged or stored, oldest first.
  expected<std::vector<replay_job>> running_jobs(const webhook& hook) const;
  /// The API key `id`, staged or committed, or nullopt.
  expected<std::optional<api_key>> find_api_key(std::string_view id) const;

  // -- commit ------------------------------------------------------------------------------------

  /// Writes everything staged in one synced WriteBatch. On success the heads advance and the
  /// committed events are returned in log order. On failure nothing is visible, the staged
  /// state is dropped and the heads stay where they were, so sequence numbers stay gap-free.
  expected<std::vector<event>> commit();
  /// Drops everything staged.
  void discard();
  /// Commits batches of delivery state only without the fsync (see the class comment). Off
  /// by default: every commit is synced.
  void defer_delivery_sync(bool on) noexcept { defer_delivery_sync_ = on; }
  /// True when a commit since the last fsync of the write-ahead log was written without one.
  bool wal_unsynced() const noexcept { return wal_unsynced_; }
  /// Fsyncs the write-ahead log: every commit so far is then durable.
  expected<void> sync_wal();

  /// Deletes idempotency records older than the window at `now_ms`. Returns how many.
  expected<std::size_t> sweep_idempotency(int64_t now_ms);
  /// Deletes exhausted-per-hour counters older than two days at `now_ms`. Returns how many.
  expected<std::size_t> sweep_counters(int64_t now_ms);

 private:
  explicit log_store(database& db);
  struct batch;
  database& db_;
  chain_head head_;
  chain_head staged_head_;
  uint64_t audit_head_ = 0;
  uint64_t staged_audit_head_ = 0;
  std::unique_ptr<batch> batch_;
  // Operations in the batch that are delivery state (see `defer_delivery_sync`).
  std::size_t staged_delivery_ops_ = 0;
  bool defer_delivery_sync_ = false;
  bool wal_unsynced_ = false;
  std::vector<event> staged_;
  std::unordered_map<std::string, event_id_entry> staged_ids_;
  std::unordered_map<std::string, idempotency_record> staged_idempotency_;
  std::unordered_map<std::string, tenant> staged_tenants_;
  std::unordered_map<std::string, api_key> staged_keys_;
  // Staged webhooks and names; nullopt marks a staged deletion.
  std::unordered_map<std::string, std::optional<webhook>> staged_webhooks_;
  std::unordered_map<std::string, std::optional<std::string>> staged_webhook_names_;
  // Staged sources (tenant NUL id) and source state; nullopt marks a staged deletion.
  std::unordered_map<std::string, std::optional<source>> staged_sources_;
  std::unordered_map<std::string, std::optional<std::string>> staged_source_state_;
  std::unordered_map<std::string, replay_job> staged_jobs_;
  std::unordered_set<std::string> known_types_; // tenant NUL type, committed or staged
  std::vector<std::string> staged_types_;       // the staged subset of known_types_
  // Counter increments of the staged batch, written (added to the committed value) at commit.
  std::unordered_map<std::string, uint64_t> staged_counts_;
  // Committed counter values read so far.
  std::unordered_map<std::string, uint64_t> counts_;
  // Adds `delta` to counter `key` in the staged batch.
  void count(std::string key, uint64_t delta) { staged_counts_[std::move(key)] += delta; }
  // Puts the staged counters into the batch; false (and the error) when one cannot be read.
  expected<void> stage_counters();
  // Deletes the entries of column `c` under `prefix` that `expired` picks, in one batch;
  // `what` names them in errors. Returns how many.
  expected<std::size_t>
  sweep(column c, std::string_view prefix, std::string_view what,
        const std::function<bool(std::string_view key, std::string_view value)>& expired);
  // Counts each tenant's events once, for a log written before counters existed.
  expected<void> count_existing_events();
};

} // namespace hookd::storage
