#pragma once

#include "bench/harness/latency_histogram.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace hookd::bench {

/// What to send, how fast, and for how long.
struct load_options {
  /// 127.0.0.1:`port`, `POST target` with a bearer `token` (none when empty).
  uint16_t port = 0;
  std::string target = "/v1/events";
  std::string token;
  /// Keep-alive connections.
  std::size_t connections = 64;
  /// Requests per second over all connections (open loop, latency measured from each
  /// request's intended start, so a stall is not hidden); 0 for closed loop (each connection
  /// sends its next request as soon as the previous one is answered).
  double rate = 0;
  /// Stop after this long (0: no time limit)...
  std::chrono::milliseconds duration{0};
  /// ...or after this many requests (0: no count limit).
  uint64_t requests = 0;
  /// Events per request (1: a single event; more: a batch) and bytes per event.
  std::size_t events_per_request = 1;
  std::size_t event_size = 1024;
  /// Index of the first event (each event's index is unique in a run).
  uint64_t first_index = 0;
};

/// What the load generator measured.
struct load_report {
  /// Requests answered, answered 2xx, answered otherwise; connections that failed.
  uint64_t requests = 0;
  uint64_t ok = 0;
  uint64_t refused = 0;
  uint64_t errors = 0;
  /// Answers by status.
  std::map<int, uint64_t> statuses;
  /// Request start (intended start, in open loop) to its answer.
  latency_histogram ack;
  /// From the first request to the last answer.
  double seconds = 0;
  /// CPU time of the load generator's I/O thread, seconds.
  double cpu_seconds = 0;
  /// The first event index of every request answered 2xx.
  std::vector<uint64_t> acked_first;
};

/// Runs one load on a thread of its own (asynchronous Beast, one I/O thread) and returns when
/// it is over.
load_report run_load(const load_options& opts);

} // namespace hookd::bench
