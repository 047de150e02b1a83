#pragma once

#include "domain/problem.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace hookd {

/// The scope of `POST /v1/queue/retry-failed`: which failed deliveries to put back.
struct retry_failed_request {
  /// Only this webhook's (empty: every enabled webhook of the tenant).
  std::string webhook_id;
  /// Deliveries that failed at or after this instant, ms since the epoch.
  int64_t since_ms = 0;
  /// ...and before this one.
  int64_t until_ms = INT64_MAX;
};

/// Parses the optional body `{"webhook_id"?, "since"?, "until"?}` (RFC 3339 instants, `since`
/// before `until`). An empty body means every failed delivery of the tenant. 400 for a body
/// that is not JSON; 422 naming each bad field.
parse_result<retry_failed_request> parse_retry_failed(std::string_view body);

/// A `POST /v1/admin/checkpoints` request.
struct checkpoint_request {
  /// The checkpoint's folder name, 1 to 64 characters of `[A-Za-z0-9_-]` (empty: hookd names
  /// it after the time).
  std::string name;
};

/// Parses the optional body `{"name"?}`. 400 for a body that is not JSON; 422 for a bad name
/// (which could otherwise climb out of the checkpoint folder).
parse_result<checkpoint_request> parse_checkpoint_request(std::string_view body);

} // namespace hookd
