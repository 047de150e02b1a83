#pragma once

#include "domain/error.hpp"
#include "domain/url.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace hookd::cli {

/// An answer of a running hookd's API.
struct admin_answer {
  /// The HTTP status.
  int status = 0;
  /// The body (JSON, or problem+json).
  std::string body;
};

/// POSTs `body` (JSON) to `target` on the hookd at `base` with `token` as the bearer token,
/// and reads the answer. Plain http only: the admin API is reached on loopback, or through the
/// TLS proxy's private side. Fails with `internal` (naming the cause) when nothing answers within
/// `timeout`.
expected<admin_answer> post_admin(const url& base, std::string_view target,
                                  const std::string& token, std::string body,
                                  std::chrono::seconds timeout);

} // namespace hookd::cli
