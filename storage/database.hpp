#pragma once

#include "domain/error.hpp"
#include "domain/secret_box.hpp"

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rocksdb {
class Iterator;
class DB;
class ColumnFamilyHandle;
class Status;
} // namespace rocksdb

namespace hookd::storage {

/// hookd's column families. New ones are appended; the order is the handle index.
enum class column : uint8_t {
  /// seq (u64 BE) -> event record (header, payload, chain hashes).
  events,
  /// tenant NUL event id -> seq + content fingerprint.
  event_ids,
  /// tenant NUL seq -> received_at + type: each tenant's events, in log order.
  tenant_events,
  /// tenant NUL Idempotency-Key -> the original answer and its request fingerprint.
  idempotency,
  /// tenant id -> tenant record.
  tenants,
  /// key id -> API key record (the secret's hash, never the secret).
  api_keys,
  /// audit seq (u64 BE) -> audit record of one configuration change.
  audit,
  /// tenant NUL event type -> first use: the tenant's custom event types.
  event_types,
  /// named singletons: schema version, chain head, audit head.
  meta,
  /// tenant NUL webhook id -> webhook configuration.
  webhooks,
  /// tenant NUL webhook name -> webhook id: names are unique per tenant.
  webhook_names,
  /// webhook id NUL record number (u64 BE) -> attempt record: each webhook's attempt log,
  /// pruned to the newest N (and never past its snapshot).
  attempts,
  /// webhook id NUL event seq (u64 BE) -> how that delivery ended (delivered, failed, dropped).
  deliveries,
  /// webhook id -> the webhook actor's delivery snapshot.
  snapshots,
  /// counter key (see `counter_key`) -> u64 BE: per-tenant figures kept in the commits that
  /// change them (events in the log, exhausted deliveries per hour).
  counters,
  /// tenant NUL source id -> inbound webhook source (secrets sealed).
  sources,
  /// source id -> tenant: resolves the public `/hooks/{provider}/{id}` URL.
  source_ids,
  /// key -> value: durable state of hookd's own event sources, written in the commit of the
  /// events it concerns (`watch/<seq>`: a provisioning watch in progress; `expiry/...`: an
  /// expiry warning sent).
  source_state,
  /// tenant NUL job id -> redelivery job (window, state, progress).
  jobs,
  /// webhook id NUL job id -> tenant: the running jobs of each webhook, read when its actor
  /// starts.
  job_queue,
};

/// Names of the singletons in the `meta` column family.
namespace meta_key {
/// The schema version (u32 BE), written at creation.
constexpr std::string_view schema_version = "schema_version";
/// The last committed record (seq, hash, received_at).
constexpr std::string_view chain_head = "chain_head";
/// The last audit sequence number (u64 BE).
constexpr std::string_view audit_head = "audit_head";
/// A known value sealed with the master key: a wrong key fails to open it at start.
constexpr std::string_view master_key_check = "master_key_check";
/// The last record deleted by retention (seq, hash, received_at): where verification starts.
constexpr std::string_view retention_anchor = "retention_anchor";
} // namespace meta_key

/// Number of hookd column families.
constexpr std::size_t column_count = 20;

/// The column family names, indexed by `column`.
std::string_view column_name(column c) noexcept;

/// How to open the database.
struct database_options {
  /// Opens read-only (the replay tool); never writes, never creates.
  bool read_only = false;
  /// Seals and opens secrets at rest. Required to open for writing; without it, a read-only
  /// database reads every secret as empty.
  std::shared_ptr<const secret_box> secrets;
};

/// An open RocksDB database with hookd's column families and a checked schema version.
/// Thread-safe for reads; writes go through `write_set` and one writer. Owns the handles.
class database {
 public:
  /// The schema version this build reads and writes. Bumped on incompatible changes.
  static constexpr uint32_t schema_version = 1;

  /// Opens (creating when missing, unless read-only) the database in `dir`. Fails with
  /// `schema_mismatch` for another schema version, `storage_corruption` for a damaged or
  /// foreign database, `storage_io` when the folder cannot be used (or is locked), and
  /// `bad_configuration` without a master key for writing, or with one that does not open the
  /// database's secrets. The first writable open with a key seals any secret stored in clear
  /// by an earlier version.
  static expected<std::unique_ptr<database>> open(const std::filesystem::path& dir,
                                                  database_options opts = {});

  ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  /// The RocksDB handle. For use inside storage/ only.
  rocksdb::DB* db() const noexcept { return db_.get(); }
  /// The handle of column family `c`. For use inside storage/ only.
  rocksdb::ColumnFamilyHandle* handle(column c) const noexcept {
    return handles_[static_cast<std::size_t>(c)];
  }
  /// The folder the database lives in.
  const std::filesystem::path& path() const noexcept { return path_; }
  /// True when opened read-only.
  bool read_only() const noexcept { return read_only_; }
  /// The box that seals secrets at rest (null for a read-only open without a master key).
  const secret_box* secrets() const noexcept { return secrets_.get(); }
  /// Approximate bytes on disk (SST files plus WAL).
  uint64_t disk_size() const;
  /// Writes a consistent, openable copy of the database to `dir`, which must not exist (its
  /// parent is created): a RocksDB checkpoint, with SST files hard-linked when `dir` is on the
  /// same file system, copied otherwise. Safe while the database is written; sealed secrets
  /// stay sealed (the copy opens with the same master key). Thread-safe.
  expected<void> checkpoint(const std::filesystem::path& dir) const;
  /// Reads `key` from column `c`: its value, nullopt when absent, or a storage error naming
  /// `what` was being read. Thread-safe.
  expected<std::optional<std::string>> get(column c, std::string_view key,
                                           std::string_view what) const;

 private:
  database() = default;
  // Checks the master key against the stored check, or seals clear secrets and stores it.
  expected<void> check_master_key();
  std::filesystem::path path_;
  bool read_only_ = false;
  std::shared_ptr<const secret_box> secrets_;
  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, column_count> handles_{};
  std::vector<rocksdb::ColumnFamilyHandle*> extra_handles_;
};

/// Reads keys of one column in ascending order through one iterator: a key just after the
/// previous one costs a step, not a lookup (a backlog page reads hundreds of consecutive
/// events). Keys must be asked for in ascending order. Not thread-safe.
class forward_reader {
 public:
  forward_reader(const database& db, column c, std::string_view what);
  ~forward_reader();
  forward_reader(const forward_reader&) = delete;
  forward_reader& operator=(const forward_reader&) = delete;

  /// The value at `key` (valid until the next call), nullopt when absent, or a storage error.
  expected<std::optional<std::string_view>> at(std::string_view key);

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
  std::string what_;
  bool positioned_ = false;
};

/// Converts a RocksDB status to hookd's error type; `what` says which operation failed.
error_info from_status(const rocksdb::Status& status, std::string_view what);

/// Reads `key` from column `c` and decodes it with `decode` (a function from the value to
/// `expected<T>`): the decoded value, nullopt when absent, or the read or decode error.
template <class Decode>
auto lookup(const database& db, column c, std::string_view key, std::string_view what,
            Decode decode)
    -> expected<std::optional<typename decltype(decode(std::string_view{}))::value_type>> {
  using value_type = typename decltype(decode(std::string_view{}))::value_type;
  auto raw = db.get(c, key, what);
  if (!raw)
    return raw.error();
  if (!*raw)
    return std::optional<value_type>{};
  auto decoded = decode(std::string_view{**raw});
  if (!decoded)
    return decoded.error();
  return std::optional<value_type>{std::move(*decoded)};
}

} // namespace hookd::storage
