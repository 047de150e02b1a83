#include "domain/delivery_outcome.hpp"

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
  }
  return "unknown";
}

attempt_class classify_attempt(transport_error error, std::optional<int> status) noexcept {
  switch (error) {
  case transport_error::none:
    break;
  case transport_error::dns_nxdomain:
  case transport_error::blocked_address:
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

namespace {

// Days since the epoch for a Gregorian date (same algorithm as domain/timestamp.cpp).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool read_int(std::string_view s, int& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size();
}

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::optional<int64_t> parse_imf_fixdate(std::string_view v) {
  static constexpr std::array<std::string_view, 12> months{
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (v.size() != 29 || v[3] != ',' || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' || v[16] != ' ' ||
      v[19] != ':' || v[22] != ':' || v.substr(25) != " GMT")
    return std::nullopt;
  int day = 0, year = 0, hh = 0, mm = 0, ss = 0;
  if (!read_int(v.substr(5, 2), day) || !read_int(v.substr(12, 4), year) ||
      !read_int(v.substr(17, 2), hh) || !read_int(v.substr(20, 2), mm) ||
      !read_int(v.substr(23, 2), ss))
    return std::nullopt;
  auto m = std::find(months.begin(), months.end(), v.substr(8, 3));
  if (m == months.end() || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
    return std::nullopt;
  auto month = static_cast<unsigned>(m - months.begin() + 1);
  auto days = days_from_civil(year, month, static_cast<unsigned>(day));
  return (days * 86400 + hh * 3600 + mm * 60 + ss) * 1000;
}

} // namespace

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
  auto at = parse_imf_fixdate(value);
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
