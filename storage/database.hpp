#pragma once

#include "domain/error.hpp"

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

namespace rocksdb {
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
};

/// Number of hookd column families.
constexpr std::size_t column_count = 9;

/// The column family names, indexed by `column`.
std::string_view column_name(column c) noexcept;

/// How to open the database.
struct database_options {
  /// Opens read-only (the replay tool); never writes, never creates.
  bool read_only = false;
};

/// An open RocksDB database with hookd's column families and a checked schema version.
/// Thread-safe for reads; writes go through `write_set` and one writer. Owns the handles.
class database {
 public:
  /// The schema version this build reads and writes. Bumped on incompatible changes.
  static constexpr uint32_t schema_version = 1;

  /// Opens (creating when missing, unless read-only) the database in `dir`. Fails with
  /// `schema_mismatch` for another schema version, `storage_corruption` for a damaged or
  /// foreign database, and `storage_io` when the folder cannot be used (or is locked).
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
  /// Approximate bytes on disk (SST files plus WAL).
  uint64_t disk_size() const;

 private:
  database() = default;
  std::filesystem::path path_;
  bool read_only_ = false;
  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, column_count> handles_{};
  std::vector<rocksdb::ColumnFamilyHandle*> extra_handles_;
};

/// Converts a RocksDB status to hookd's error type; `what` says which operation failed.
error_info from_status(const rocksdb::Status& status, std::string_view what);

} // namespace hookd::storage
