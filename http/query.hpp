#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookd::http {

/// Decodes `%XX` escapes and `+` (as space). Nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);

/// A request target split into its path and decoded query parameters (in order; a name may
/// repeat).
struct target {
  /// The path, percent-decoded.
  std::string path;
  /// The query parameters, percent-decoded.
  std::vector<std::pair<std::string, std::string>> params;
  /// True when decoding succeeded.
  bool ok = true;

  /// The first value of `name`, or nullopt.
  std::optional<std::string_view> param(std::string_view name) const;
  /// Every value of `name`.
  std::vector<std::string_view> params_named(std::string_view name) const;
};

/// Splits and decodes a request target (`/v1/events?type=a.*&limit=10`).
target parse_target(std::string_view raw);

/// Splits `path` into its non-empty `/`-separated segments.
std::vector<std::string_view> path_segments(std::string_view path);

} // namespace hookd::http
