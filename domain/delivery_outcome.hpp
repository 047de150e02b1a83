#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hookd {

/// How one delivery attempt ended, as far as the retry logic cares.
enum class attempt_class : uint8_t {
  /// 2xx: delivered.
  success,
  /// Worth trying again: connect, TLS and timeout errors, 5xx, 408, 429, temporary DNS failures.
  retryable,
  /// Not worth trying again: other 4xx, 3xx (redirects are never followed), NXDOMAIN, a blocked
  /// address.
  permanent,
  /// 410 Gone: the endpoint asks to be disabled.
  gone,
};

/// Transport-level failures, before or instead of an HTTP status.
enum class transport_error : uint8_t {
  none,
  dns_temporary,
  dns_nxdomain,
  connect_failed,
  connection_reset,
  tls_failed,
  timeout,
  blocked_address,
  /// The webhook's template could not render the event (a body over 1 MiB, or a custom
  /// template whose output is not JSON for it). Nothing was sent; permanent.
  render_failed,
};

/// Stable lower-case name of `e` (recorded in attempt records and shown in the API).
std::string_view to_string(transport_error e) noexcept;

/// Classifies an attempt from its transport error and, when a response arrived, its status.
attempt_class classify_attempt(transport_error error, std::optional<int> status) noexcept;

/// Parses a `Retry-After` value, in delta-seconds or as an HTTP-date (IMF-fixdate, RFC 9110),
/// relative to `now_ms`. Nullopt when it is neither. Dates in the past give zero.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, int64_t now_ms);

/// The pause to honour for a `Retry-After` of `requested`: at least the schedule's `scheduled`
/// pause, at most 24 hours.
std::chrono::milliseconds clamp_retry_after(std::chrono::milliseconds requested,
                                            std::chrono::milliseconds scheduled) noexcept;

} // namespace hookd
