#include "domain/delivery_outcome.hpp"

#include "domain/timestamp.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace hookd {

std::string_view to_string(transport_error e) noexcept {
  switch (e) {
  case transport_error::none:
    return "none";
  case transport_error::dns_temporary:
    return "dns_temporary";
  case transport_error::dns_nxdomain:
    return "dns_nxdomain";
  case transport_error::connect_failed:
    return "connect_failed";
  case transport_error::connection_reset:
    return "connection_reset";
  case transport_error::tls_failed:
    return "tls_failed";
  case transport_error::timeout:
    return "timeout";
  case transport_error::blocked_address:
    return "blocked_address";
  case transport_error::render_failed:
    return "render_failed";
  }
  return "unknown";
}

attempt_class classify_attempt(transport_error error, std::optional<int> status) noexcept {
  switch (error) {
  case transport_error::none:
    break;
  case transport_error::dns_nxdomain:
  case transport_error::blocked_address:
  case transport_error::render_failed:
    return attempt_class::permanent;
  default:
    return attempt_class::retryable;
  }
  if (!status)
    return attempt_class::retryable;
  auto s = *status;
  if (s >= 200 && s < 300)
    return attempt_class::success;
  if (s == 410)
    return attempt_class::gone;
  if (s == 408 || s == 429 || s >= 500)
    return attempt_class::retryable;
  return attempt_class::permanent; // Other 4xx, 3xx and anything odd below 200.
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, int64_t now_ms) {
  while (!value.empty() && value.front() == ' ')
    value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ')
    value.remove_suffix(1);
  if (value.empty())
    return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int64_t seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc{} || seconds > 365LL * 86400)
      seconds = 365LL * 86400; // Absurdly large: the clamp will cap it anyway.
    return std::chrono::milliseconds{seconds * 1000};
  }
  auto at = parse_http_date(value);
  if (!at)
    return std::nullopt;
  return std::chrono::milliseconds{std::max<int64_t>(0, *at - now_ms)};
}

std::chrono::milliseconds clamp_retry_after(std::chrono::milliseconds requested,
                                            std::chrono::milliseconds scheduled) noexcept {
  constexpr std::chrono::milliseconds day{24LL * 3600 * 1000};
  return std::clamp(requested, std::min(scheduled, day), day);
}

} // namespace hookd
