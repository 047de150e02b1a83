#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hookd {

/// An absolute http(s) URL, split for connecting: scheme, host, port and request target.
struct url {
  /// `http` or `https`, lower-case.
  std::string scheme;
  /// The host as written (lower-cased); IPv6 literals without brackets.
  std::string host;
  /// The port (the scheme's default when absent).
  uint16_t port = 0;
  /// Path and query (`/` when empty); never a fragment.
  std::string target;
  /// True when `host` is an IPv6 literal.
  bool ipv6_literal = false;
};

/// Why a URL was refused.
struct url_error {
  /// Stable code: `format`, `scheme`, `userinfo`, `host`, `port`, `fragment`, `too_long`.
  std::string code;
  /// Human-readable reason.
  std::string detail;
};

/// Longest accepted URL, in bytes.
constexpr std::size_t max_url_length = 2048;

/// Parses an absolute `http://` or `https://` URL. Refuses userinfo (`user:pass@`), fragments,
/// empty hosts, ports outside 1–65535, whitespace and control characters. Address policy
/// (private ranges, the allow-list) is a separate check at connect time.
std::optional<url> parse_url(std::string_view text, url_error* why = nullptr);

} // namespace hookd
