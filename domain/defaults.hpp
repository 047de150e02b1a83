#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

/// Defaults and hard limits. Each has its unit and the reason for its value.
namespace hookd::defaults {

// -- events ------------------------------------------------------------------------------------

/// Longest event type, in bytes. Long enough for deep dotted names, short enough to index.
constexpr std::size_t max_event_type_length = 128;
/// Longest client-supplied event id, in bytes. Fits UUIDs, ULIDs and most vendor ids.
constexpr std::size_t max_event_id_length = 64;
/// Most labels per event. Labels scope events (application, project, server); 16 is plenty.
constexpr std::size_t max_labels = 16;
/// Longest label key, in bytes.
constexpr std::size_t max_label_key_length = 64;
/// Longest label value, in bytes.
constexpr std::size_t max_label_value_length = 256;
/// Largest `data` object, in bytes as received (256 KiB). Keeps one event well below the
/// body limit, and webhook receivers' own limits.
constexpr std::size_t max_event_data_bytes = 256 * 1024;
/// Most events in one batch request.
constexpr std::size_t max_batch_events = 1000;
/// Longest `Idempotency-Key` header value, in bytes.
constexpr std::size_t max_idempotency_key_length = 255;
/// How long an idempotency key is remembered, in milliseconds (24 h).
constexpr int64_t idempotency_window_ms = 24LL * 3600 * 1000;

// -- HTTP server ---------------------------------------------------------------------------------

/// Largest request header block, in bytes (16 KiB).
constexpr std::size_t max_header_bytes = 16 * 1024;
/// Largest request body, in bytes (1 MiB). Configurable with `--max-body`.
constexpr std::size_t max_body_bytes = 1024 * 1024;
/// Time a client has to send one whole request (headers and body), in seconds. Cuts off
/// slow-loris clients that trickle bytes.
constexpr int request_timeout_seconds = 10;
/// Time an idle keep-alive connection is kept open, in seconds.
constexpr int idle_timeout_seconds = 60;
/// Requests one connection may have in flight (HTTP/1.1 pipelining), answered in order.
constexpr std::size_t max_pipeline_depth = 8;
/// Most open client connections; more are closed at accept. Bounds memory.
constexpr std::size_t max_connections = 4096;
/// Default page size of listings.
constexpr std::size_t default_page_size = 100;
/// Largest page size of listings.
constexpr std::size_t max_page_size = 1000;
/// Most records one listing request may examine before it returns a partial page with a
/// cursor. Bounds the work of a filter that matches little.
constexpr std::size_t max_scan_per_page = 20000;

// -- log writer ----------------------------------------------------------------------------------

/// Events waiting for the writer above which ingestion answers 503 with `Retry-After`.
/// At ~1 KiB per event this bounds queued ingest memory near 64 MiB.
constexpr std::size_t max_queued_events = 65536;
/// Most events the writer puts in one synced WriteBatch. Bounds one fsync's latency.
constexpr std::size_t max_commit_events = 8192;
/// How long the writer waits to collect more appends before an fsync, in microseconds.
/// Zero: the writer commits as soon as its mailbox is drained, so batching comes from the
/// requests that arrive during the previous fsync.
constexpr int group_commit_delay_us = 0;
/// Seconds a client is told to wait (`Retry-After`) when the writer is saturated.
constexpr int overload_retry_after_seconds = 1;
/// Longest time a commit of delivery state only (attempt records, outcomes, snapshots) waits
/// for its fsync. It is written at once (a killed process loses nothing); a power cut may
/// lose this much of it, which repeats deliveries and never loses one (design note 38).
constexpr std::chrono::milliseconds delivery_sync_interval{50};

} // namespace hookd::defaults
