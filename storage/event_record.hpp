#pragma once

#include "domain/error.hpp"
#include "domain/event.hpp"

#include <string>
#include <string_view>

namespace hookd::storage {

/// Format version of event records written by this build.
constexpr uint8_t event_record_version = 1;

/// Encodes `e` as a log record: the versioned body (header fields and the payload verbatim)
/// followed by the previous hash and SHA-256(prev_hash ‖ body). Sets `e.hash`.
/// Preconditions: `e.prev_hash` and every field are set; strings fit their length prefixes
/// (guaranteed by domain validation).
std::string encode_event_record(event& e);

/// Decodes a record. Fails with `storage_corruption` when it is truncated, has trailing
/// bytes, or has an unknown version. Does not check the hash: see `check_record_hash`.
expected<event> decode_event_record(std::string_view bytes);

/// Decodes only seq and received_at, for binary search by time.
expected<std::pair<uint64_t, int64_t>> decode_event_time(std::string_view bytes);

/// True when the record's stored hash equals SHA-256(stored prev_hash ‖ body).
bool check_record_hash(std::string_view bytes);

} // namespace hookd::storage
