#pragma once

#include "domain/error.hpp"
#include "domain/event.hpp"
#include "storage/database.hpp"
#include "storage/records.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hookd::storage {

/// The outcome of a hash-chain verification.
struct chain_verification {
  /// True when every record checked decodes, links to its predecessor and hashes correctly.
  bool intact = true;
  /// Records checked.
  uint64_t checked = 0;
  /// The first broken sequence number, when not intact.
  uint64_t first_bad_seq = 0;
  /// Why it is broken, when not intact.
  std::string reason;
  /// The last record checked (the head when the whole log was checked).
  chain_head last;
};

/// What `scan_tenant` passes for each of a tenant's events, before the record is decoded.
struct tenant_event_ref {
  /// The event's sequence number.
  uint64_t seq = 0;
  /// Its received_at.
  int64_t received_at_ms = 0;
  /// Its type.
  std::string_view type;
};

/// Read-only access to the event log. Thread-safe; cheap to construct; every call sees a
/// consistent RocksDB view of its own.
class log_reader {
 public:
  /// Reads from `db`, which must outlive the reader.
  explicit log_reader(const database& db) : db_(db) {}

  /// The committed head as stored in the database.
  expected<chain_head> head() const;
  /// The lowest sequence number still in the log (retention deletes the oldest), or 0 when
  /// the log is empty.
  expected<uint64_t> oldest_seq() const;
  /// The event at `seq`, or nullopt.
  expected<std::optional<event>> get(uint64_t seq) const;
  /// `tenant`'s event `id`, or nullopt.
  expected<std::optional<event>> find(std::string_view tenant, std::string_view id) const;
  /// The lowest sequence number whose received_at is at least `ms`; head + 1 when none is.
  /// A binary search: received_at never decreases along the log.
  expected<uint64_t> first_seq_at_or_after(int64_t ms) const;
  /// Calls `visit` for every event with `from <= seq <= to`, in order, until it returns
  /// false. Streams: constant memory for any range.
  expected<void> scan(uint64_t from, uint64_t to,
                      const std::function<bool(const event&)>& visit) const;
  /// Like `scan`, and also passes each event's stored record bytes (valid during the call).
  expected<void>
  scan_records(uint64_t from, uint64_t to,
               const std::function<bool(const event&, std::string_view record)>& visit) const;
  /// Calls `visit` for each of `tenant`'s events with seq >= `from`, in order, until it
  /// returns false; the visitor decides cheaply before anything is decoded.
  expected<void> scan_tenant(std::string_view tenant, uint64_t from,
                             const std::function<bool(const tenant_event_ref&)>& visit) const;
  /// Recomputes the hash chain for `from <= seq <= to`. `from` > 1 trusts the stored
  /// prev_hash of the first record unless `anchor` gives the expected hash of `from - 1`.
  expected<chain_verification> verify_chain(uint64_t from = 1, uint64_t to = UINT64_MAX,
                                            std::optional<sha256_digest> anchor = {}) const;

 private:
  const database& db_;
};

} // namespace hookd::storage
