#pragma once

#include "domain/api_key.hpp"
#include "domain/audit.hpp"
#include "domain/delivery_record.hpp"
#include "domain/error.hpp"
#include "domain/replay_job.hpp"
#include "domain/secret_box.hpp"
#include "domain/source.hpp"
#include "domain/tenant.hpp"
#include "domain/webhook.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookd::storage {

/// What the event-id index stores for one tenant's event id.
struct event_id_entry {
  /// The event's sequence number.
  uint64_t seq = 0;
  /// The fingerprint of the event's content, to tell a replay from a conflict.
  sha256_digest fingerprint{};
};

/// The remembered answer to a request with an `Idempotency-Key`.
struct idempotency_record {
  /// When the original request was committed, ms since the epoch.
  int64_t created_at_ms = 0;
  /// The original request's fingerprint.
  sha256_digest fingerprint{};
  /// True when the original was a batch.
  bool batch = false;
  /// The original answer: (event id, seq) per event, in request order.
  std::vector<std::pair<std::string, uint64_t>> events;
};

/// The log's tip: the last committed record.
struct chain_head {
  /// Its sequence number (0 for an empty log).
  uint64_t seq = 0;
  /// Its hash (zeros for an empty log).
  sha256_digest hash{};
  /// Its received_at (received_at never decreases along the log).
  int64_t received_at_ms = 0;
};

/// A record named as an anchor: `HASH@SEQ` (64 hex digits, `@`, the sequence number), as
/// `hookd replay verify` prints a head and takes `--from-anchor`.
std::string anchor_text(const chain_head& h);

/// Parses `HASH@SEQ` (received_at is left 0); nullopt when malformed.
std::optional<chain_head> parse_anchor_text(std::string_view text);

// -- encodings (each value starts with a format version byte) -----------------------------------

/// Encodes an event-id index entry.
std::string encode(const event_id_entry& x);
/// Decodes an event-id index entry.
expected<event_id_entry> decode_event_id_entry(std::string_view bytes);
/// Encodes an idempotency record.
std::string encode(const idempotency_record& x);
/// Decodes an idempotency record.
expected<idempotency_record> decode_idempotency_record(std::string_view bytes);
/// Encodes the chain head.
std::string encode(const chain_head& x);
/// Decodes the chain head.
expected<chain_head> decode_chain_head(std::string_view bytes);
/// Encodes a tenant.
std::string encode(const tenant& x);
/// Decodes a tenant stored under `id`.
expected<tenant> decode_tenant(std::string_view id, std::string_view bytes);
/// Encodes an API key record.
std::string encode(const api_key& x);
/// Decodes an API key stored under `id`.
expected<api_key> decode_api_key(std::string_view id, std::string_view bytes);
/// Encodes a webhook configuration; its secrets are sealed by `box` with the webhook id as
/// associated data.
std::string encode(const webhook& x, const secret_box& box);
/// Decodes a webhook configuration, opening its secrets with `box`. Without a box (a
/// read-only tool), secrets read as empty. A secret that does not open is corruption.
expected<webhook> decode_webhook(std::string_view bytes, const secret_box* box);
/// Encodes an inbound source; its secrets are sealed by `box` with the source id as
/// associated data (the key holds the id).
std::string encode(const source& x, const secret_box& box);
/// Decodes the source stored under `id`, opening its secrets with `box` (empty without one).
/// A secret that does not open is corruption.
expected<source> decode_source(std::string_view id, std::string_view bytes, const secret_box* box);
/// Encodes a redelivery job (the key holds the tenant and id).
std::string encode(const replay_job& x);
/// Decodes `tenant`'s job `id`.
expected<replay_job> decode_replay_job(std::string_view tenant, std::string_view id,
                                       std::string_view bytes);
/// Encodes an attempt record (the key holds the webhook id and number).
std::string encode(const attempt_record& x);
/// Decodes an attempt record of `webhook_id`, number `number`.
expected<attempt_record> decode_attempt_record(std::string_view webhook_id, uint64_t number,
                                               std::string_view bytes);
/// Encodes a delivery outcome (the key holds the webhook id and seq).
std::string encode(const delivery_outcome_record& x);
/// Decodes a delivery outcome of `webhook_id` for event `seq`.
expected<delivery_outcome_record> decode_delivery_outcome(std::string_view webhook_id, uint64_t seq,
                                                          std::string_view bytes);
/// Encodes a delivery snapshot.
std::string encode(const delivery_snapshot& x);
/// Decodes a delivery snapshot.
expected<delivery_snapshot> decode_delivery_snapshot(std::string_view bytes);

/// The key of `webhook_id`'s attempt record `number` (or its delivery of event `number`):
/// the id, NUL, then the number big-endian, so one webhook's records are one ordered range.
std::string webhook_seq_key(std::string_view webhook_id, uint64_t number);

/// Key of the `counters` entry holding how many events `tenant` has in the log.
std::string events_counter_key(std::string_view tenant);
/// Key of the `counters` entry holding how many of `tenant`'s deliveries failed for good in
/// hour `hour` (hours since the epoch). A tenant's hours are one ordered range.
std::string exhausted_counter_key(std::string_view tenant, uint64_t hour);
/// The prefix of `tenant`'s exhausted-per-hour counters (every tenant's when empty).
std::string exhausted_counter_prefix(std::string_view tenant = {});
/// The hour (since the epoch) that holds instant `ms`; 0 before the epoch.
uint64_t counter_hour(int64_t ms) noexcept;
/// What a `counters` key names: the tenant, and the hour for an exhausted-per-hour counter
/// (nullopt for the event count).
struct counter_key_parts {
  std::string_view tenant;
  std::optional<uint64_t> hour;
};
/// Splits a key made by `events_counter_key` or `exhausted_counter_key`; nullopt otherwise.
std::optional<counter_key_parts> parse_counter_key(std::string_view key);
/// Encodes a counter value.
std::string encode_counter(uint64_t n);
/// Decodes a counter value; a malformed one reads as 0.
uint64_t decode_counter(std::string_view bytes) noexcept;

/// Encodes an audit entry.
std::string encode(const audit_entry& x);
/// Decodes an audit entry.
expected<audit_entry> decode_audit_entry(std::string_view bytes);

/// The source-state key of the provisioning watch opened by the event at `seq`
/// (`watch/` + seq, u64 BE, so that keys sort in log order). Its value is tenant NUL event id.
std::string watch_key(uint64_t seq);
/// The prefix of every watch key.
constexpr std::string_view watch_key_prefix = "watch/";
/// The seq of a watch key, or nullopt for another key.
std::optional<uint64_t> parse_watch_key(std::string_view key);

} // namespace hookd::storage
