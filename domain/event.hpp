#pragma once

#include "domain/crypto.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookd {

/// One label: a scoping key/value pair (`application_id` = `app_42`).
struct label {
  /// `[a-z0-9_]`, 1 to 64 bytes.
  std::string key;
  /// Any UTF-8 string up to 256 bytes.
  std::string value;

  friend bool operator==(const label&, const label&) = default;
};

/// An event accepted from a producer, validated, not yet in the log.
struct event_draft {
  /// Server-made `evt_<ulid>`, or the producer's own id.
  std::string id;
  /// True when the producer chose `id` (it then takes part in deduplication).
  bool client_id = false;
  /// The event type.
  std::string type;
  /// When it happened, per the producer, in ms since the epoch.
  std::optional<int64_t> occurred_at_ms;
  /// Labels in the order received; keys are unique.
  std::vector<label> labels;
  /// The `data` object, exactly as received.
  std::string data;
  /// SHA-256 over the event's content (type, occurrence, labels, data and a client id), used
  /// to tell a replayed request from a conflicting one.
  sha256_digest fingerprint{};
};

/// An event as stored in the log. Immutable once committed.
struct event {
  /// Position in the log, from 1, gap-free.
  uint64_t seq = 0;
  /// Server time of the commit, in ms since the epoch; never decreases along the log.
  int64_t received_at_ms = 0;
  /// Owner tenant.
  std::string tenant;
  /// Event id, unique within the tenant.
  std::string id;
  /// Event type.
  std::string type;
  /// Producer's time, in ms since the epoch.
  std::optional<int64_t> occurred_at_ms;
  /// Labels, as received.
  std::vector<label> labels;
  /// The `data` bytes, verbatim.
  std::string data;
  /// Hash of the previous record (zeros for the first).
  sha256_digest prev_hash{};
  /// SHA-256(prev_hash ‖ record).
  sha256_digest hash{};
};

/// True when `id` is a valid client-supplied event id: 1 to 64 bytes of `[A-Za-z0-9_.:-]`.
bool is_valid_event_id(std::string_view id) noexcept;

/// True when `key` is a valid label key: 1 to 64 bytes of `[a-z0-9_]`.
bool is_valid_label_key(std::string_view key) noexcept;

/// Computes `draft.fingerprint` from its content. A server-made id is not part of it.
void compute_fingerprint(event_draft& draft);

/// Returns the value of label `key`, or nullopt.
std::optional<std::string_view> find_label(const std::vector<label>& labels,
                                           std::string_view key) noexcept;

} // namespace hookd
