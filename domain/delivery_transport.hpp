#pragma once

#include "domain/delivery_outcome.hpp"
#include "domain/url.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hookd {

/// One outbound delivery attempt, ready to send.
struct delivery_request {
  /// Connections are pooled per key (a webhook id): one webhook never borrows another's.
  std::string pool;
  /// Where to send it.
  url target;
  /// Headers besides Host, Content-Length and Connection, which the transport sets.
  std::vector<std::pair<std::string, std::string>> headers;
  /// The body, exactly as signed.
  std::string body;
  /// The whole attempt's budget: resolve, connect, TLS, write and the whole response.
  std::chrono::milliseconds timeout{15000};
};

/// What came back.
struct delivery_response {
  /// A transport failure, or `none` when a response arrived.
  transport_error error = transport_error::none;
  /// The status code, when a response arrived.
  std::optional<int> status;
  /// The start of the response body (at most the transport's excerpt limit).
  std::string body;
  /// True when the body was longer than what was kept.
  bool truncated = false;
  /// The `Retry-After` header, when present.
  std::optional<std::string> retry_after;
  /// Wall time of the attempt.
  std::chrono::microseconds duration{0};
  /// A human-readable reason for `error` (no secrets).
  std::string detail;
};

/// Called exactly once with the outcome, on a transport thread: hand it over, don't block.
using delivery_callback = std::function<void(delivery_response)>;

/// Sends delivery requests. The real one is `http::delivery_client` (Beast, pooled, TLS);
/// actor tests use a fake. Implementations are thread-safe.
class delivery_transport {
 public:
  virtual ~delivery_transport() = default;
  /// Sends `req` asynchronously; `done` runs once with the outcome.
  virtual void send(delivery_request req, delivery_callback done) = 0;
  /// Closes the idle connections of `pool` (a webhook was deleted or changed its URL).
  virtual void close_pool(const std::string& pool) = 0;
  /// Stops for good: no callback runs after this returns, and later sends are dropped without
  /// a callback. Called by the node once the actors that use the transport have stopped.
  virtual void stop() = 0;
};

} // namespace hookd
