#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hookd::bench {

/// Nanoseconds on the steady clock: CLOCK_MONOTONIC, comparable between the load generator
/// and the sink (both in this process).
inline int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// Appends one event of exactly `size` bytes (at least 96) to `out`:
/// `{"type":"bench.event","data":{"t":<steady ns now>,"i":<index>,"pad":"xxx…"}}`.
void append_event(std::string& out, uint64_t index, std::size_t size);

/// The body of `POST /v1/events` with events `first` to `first + n - 1`: one event when
/// `n` is 1, else `{"events":[…]}`.
std::string ingest_body(uint64_t first, std::size_t n, std::size_t event_size);

/// What the sink reads back from a delivered body, without parsing all of it.
struct event_fields {
  /// The event's index.
  uint64_t index = 0;
  /// When the load generator made it (steady ns).
  int64_t sent_ns = 0;
};

/// Finds `"t":` and `"i":` in a delivered body (any envelope); nullopt when absent.
std::optional<event_fields> read_event_fields(std::string_view body);

} // namespace hookd::bench
