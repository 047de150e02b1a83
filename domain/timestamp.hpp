#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hookd {

/// Parses an RFC 3339 date-time (`2026-11-24T08:00:00Z`, `...T08:00:00.123+01:00`) into
/// milliseconds since the Unix epoch. Fractions beyond milliseconds are truncated. Returns
/// nullopt for anything that is not a valid RFC 3339 date-time (including impossible dates).
std::optional<int64_t> parse_rfc3339(std::string_view text);

/// Parses an HTTP-date in IMF-fixdate form (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 §5.6.7)
/// into milliseconds since the epoch; nullopt for anything else (obsolete forms included).
std::optional<int64_t> parse_http_date(std::string_view text);

/// Formats milliseconds since the epoch as RFC 3339 in UTC with milliseconds
/// (`2026-11-24T08:00:00.000Z`).
std::string format_rfc3339(int64_t ms);

/// Parses a duration: a whole number and a unit, `s`, `m`, `h` or `d` (`90s`, `15m`, `24h`,
/// `30d`), in ms; nullopt otherwise (or when it overflows).
std::optional<int64_t> parse_duration_ms(std::string_view text);

} // namespace hookd
