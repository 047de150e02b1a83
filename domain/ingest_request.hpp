#pragma once

#include "domain/event.hpp"
#include "domain/id_generator.hpp"
#include "domain/problem.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace hookd {

/// A parsed `POST /v1/events` body: one event or a batch.
struct ingest_request {
  /// True for `{"events":[...]}`; the answer is then a list.
  bool batch = false;
  /// The events, in request order; never empty when parsing succeeded.
  std::vector<event_draft> events;
  /// SHA-256 over the events' fingerprints: equal for equal requests, whatever their
  /// whitespace or key order. Compared against a stored `Idempotency-Key`.
  sha256_digest fingerprint{};
};

/// Either a request or the problem that rejects it (400 for malformed JSON or UTF-8, 422 with
/// every field error for validation failures).
using ingest_parse_result = parse_result<ingest_request>;

/// Parses and validates an ingest body. Server-made ids come from `ids` at instant `now_ms`.
/// Rejects: invalid JSON or UTF-8, a non-object body, wrong types, unknown or duplicate
/// top-level fields, bad ids, types, timestamps and labels, `data` that is not an object or is
/// over `defaults::max_event_data_bytes`, batches that are empty, over
/// `defaults::max_batch_events`, or repeat a client id. Thread-safe (no shared state).
ingest_parse_result parse_ingest_request(std::string_view body, id_generator& ids, int64_t now_ms);

} // namespace hookd
