#pragma once

#include "bench/harness/latency_histogram.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hookd::bench {

/// How a sink answers.
struct sink_behaviour {
  /// Each answer waits a uniform random time in [delay_min, delay_max].
  std::chrono::milliseconds delay_min{0};
  std::chrono::milliseconds delay_max{0};
  /// Share of requests answered 500 (0 to 1).
  double failure_rate = 0;
  /// Share of requests answered 429 with `Retry-After: 1`.
  double throttle_rate = 0;
  /// Never answer (the connection stays open until the sender gives up).
  bool hang = false;
  /// Also keep the ingest-to-receipt latency per second of send time
  /// (`sink_report::ingest_to_receipt_by_second`).
  bool latency_by_second = false;
};

/// What a sink saw, read after `stop`.
struct sink_report {
  /// Requests received.
  uint64_t requests = 0;
  /// Deliveries whose Standard Webhooks signature did not verify.
  uint64_t bad_signatures = 0;
  /// Deliveries of an event this webhook had already received (answered 2xx or not).
  uint64_t duplicates = 0;
  /// Per webhook (`/w<k>`), how many times each event index arrived.
  std::vector<std::vector<uint8_t>> seen;
  /// Ingest-to-receipt latency: the send time embedded in the event to its arrival.
  latency_histogram ingest_to_receipt;
  /// The same, one histogram per second of send time since the sink started (only with
  /// `sink_behaviour::latency_by_second`).
  std::vector<latency_histogram> ingest_to_receipt_by_second;
  /// CPU time of the sink's thread over its life, seconds.
  double cpu_seconds = 0;
};

/// A Beast HTTP/1.1 receiver on 127.0.0.1 and a free port, on a thread of its own. Requests to
/// `/w<k>` are deliveries to webhook k: the event index (`"i":`) and send time (`"t":`,
/// steady-clock ns) are read from the body at once, and the signature is verified with
/// `secret` when the sink stops (`sink_report::bad_signatures`), outside the measured window.
/// Any other path is answered without checks (the raw ceiling runs).
class sink {
 public:
  /// Listens now; serves until `stop`.
  sink(std::string secret, sink_behaviour behaviour);
  ~sink();
  sink(const sink&) = delete;
  sink& operator=(const sink&) = delete;

  /// Prepares memory for keeping `deliveries` deliveries of `body_bytes` each until the
  /// signature check, touching it now, on the caller's thread: call it before a measured
  /// window, so that the sink's thread takes no page fault for it while hookd is measured.
  /// Past the reserve the sink allocates as it goes. Thread-safe; waits for the sink's thread, so
  /// call it before `stop`.
  void reserve(std::size_t deliveries, std::size_t body_bytes);
  /// The bound port.
  uint16_t port() const noexcept;
  /// Distinct (webhook, event) deliveries answered 2xx so far. Thread-safe.
  uint64_t delivered() const noexcept;
  /// Requests so far. Thread-safe.
  uint64_t requests() const noexcept;
  /// Stops serving and returns what was seen.
  sink_report stop();

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

} // namespace hookd::bench
