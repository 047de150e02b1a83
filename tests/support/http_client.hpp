#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace hookd::test {

/// A response as a test sees it.
struct http_result {
  /// Status code; 0 when the connection failed or closed without an answer.
  int status = 0;
  /// Headers, names lower-cased.
  std::map<std::string, std::string> headers;
  /// Body.
  std::string body;
  /// The header `name` (lower-case), or "".
  std::string header(const std::string& name) const;
};

/// A blocking HTTP/1.1 keep-alive client for tests, written with Beast. Not thread-safe: one
/// per thread.
class http_client {
 public:
  /// Connects lazily to 127.0.0.1:`port`.
  explicit http_client(uint16_t port) : port_(port) {}
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Sends one request and reads the answer. `token` becomes a bearer token when set;
  /// `content_type` defaults to JSON when a body is sent. Extra headers as name/value pairs.
  http_result request(const std::string& method, const std::string& target,
                      const std::string& body = {}, const std::string& token = {},
                      std::map<std::string, std::string> headers = {},
                      std::optional<std::string> content_type = std::nullopt);

  /// Sends raw bytes on a fresh connection and reads one answer (or the close).
  static http_result raw(uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds timeout = std::chrono::seconds{15});

 private:
  struct impl;
  uint16_t port_;
  impl* impl_ = nullptr;
};

} // namespace hookd::test
