#pragma once

#include "actors/messages.hpp"
#include "domain/metrics.hpp"

#include <cstdint>
#include <string>

namespace hookd::http {

/// Figures that `/metrics` shows besides the registry's.
struct node_figures {
  /// The queue per tenant, from the webhook actors.
  const queue_report* queue = nullptr;
  /// Bytes of the database folder on disk.
  uint64_t storage_bytes = 0;
  /// The log's last sequence number, its oldest, and the bytes its records take.
  uint64_t log_head = 0;
  uint64_t log_oldest = 0;
  uint64_t log_bytes = 0;
  /// Events handed to the writer and not yet acknowledged.
  uint64_t ingest_queue = 0;
};

/// The Prometheus text exposition (format 0.0.4) of `m` and `n`. Labels are bounded: tenant,
/// result or outcome, state; never an event id or a URL.
std::string render_metrics(const metrics& m, const node_figures& n);

} // namespace hookd::http
