#include "domain/timestamp.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>

namespace hookd {

namespace {

// Howard Hinnant's days_from_civil: days since 1970-01-01 for a proleptic Gregorian date.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

// Reads exactly `n` digits at `pos`; returns -1 if any is not a digit.
int64_t digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size())
    return -1;
  int64_t v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

} // namespace

std::optional<int64_t> parse_rfc3339(std::string_view s) {
  // date-time = full-date "T" full-time; "YYYY-MM-DDTHH:MM:SS" is 19 characters.
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':')
    return std::nullopt;
  auto year = digits(s, 0, 4);
  auto month = digits(s, 5, 2);
  auto day = digits(s, 8, 2);
  auto hour = digits(s, 11, 2);
  auto minute = digits(s, 14, 2);
  auto second = digits(s, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 60)
    return std::nullopt;
  if (day > static_cast<int64_t>(days_in_month(year, static_cast<unsigned>(month))))
    return std::nullopt;
  std::size_t pos = 19;
  int64_t millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    int scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      millis += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start)
      return std::nullopt;
  }
  if (pos >= s.size())
    return std::nullopt;
  int64_t offset_minutes = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    auto oh = digits(s, pos + 1, 2);
    if (pos + 3 >= s.size() || s[pos + 3] != ':')
      return std::nullopt;
    auto om = digits(s, pos + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59)
      return std::nullopt;
    offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size())
    return std::nullopt;
  if (second == 60) // A leap second: POSIX time has none, so fold it into the next second.
    second = 59, millis += 1000;
  auto days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  auto secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return secs * 1000 + millis;
}

std::optional<int64_t> parse_http_date(std::string_view v) {
  static constexpr std::array<std::string_view, 12> months{
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (v.size() != 29 || v[3] != ',' || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' || v[16] != ' ' ||
      v[19] != ':' || v[22] != ':' || v.substr(25) != " GMT")
    return std::nullopt;
  auto day = digits(v, 5, 2);
  auto year = digits(v, 12, 4);
  auto hh = digits(v, 17, 2);
  auto mm = digits(v, 20, 2);
  auto ss = digits(v, 23, 2);
  auto m = std::find(months.begin(), months.end(), v.substr(8, 3));
  if (m == months.end() || year < 0 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60)
    return std::nullopt;
  auto month = static_cast<unsigned>(m - months.begin() + 1);
  if (day < 1 || day > static_cast<int64_t>(days_in_month(year, month)))
    return std::nullopt;
  auto days = days_from_civil(year, month, static_cast<unsigned>(day));
  return (days * 86400 + hh * 3600 + mm * 60 + ss) * 1000;
}

std::string format_rfc3339(int64_t ms) {
  int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  auto millis = static_cast<int>(ms - secs * 1000);
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  auto rem = secs - days * 86400;
  int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  civil_from_days(days, y, m, d);
  if (y < 0 || y > 9999) {
    char buf[40];
    std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
                  static_cast<long long>(y), m, d, static_cast<int>(rem / 3600),
                  static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60), millis);
    return buf;
  }
  // The common case without printf (it ran once per delivery, for the envelope's timestamp).
  std::string out = "0000-00-00T00:00:00.000Z";
  auto put = [&out](std::size_t at, int64_t value, int digits) {
    for (int i = digits - 1; i >= 0; --i, value /= 10)
      out[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
  };
  put(0, y, 4);
  put(5, m, 2);
  put(8, d, 2);
  put(11, rem / 3600, 2);
  put(14, rem / 60 % 60, 2);
  put(17, rem % 60, 2);
  put(20, millis, 3);
  return out;
}

std::optional<int64_t> parse_duration_ms(std::string_view text) {
  if (text.size() < 2)
    return std::nullopt;
  int64_t unit = 0;
  switch (text.back()) {
  case 's':
    unit = 1000;
    break;
  case 'm':
    unit = 60'000;
    break;
  case 'h':
    unit = 3'600'000;
    break;
  case 'd':
    unit = 86'400'000;
    break;
  default:
    return std::nullopt;
  }
  int64_t n = 0;
  auto digits = text.substr(0, text.size() - 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc{} || end != digits.data() + digits.size() || n < 0 || n > INT64_MAX / unit)
    return std::nullopt;
  return n * unit;
}

} // namespace hookd
