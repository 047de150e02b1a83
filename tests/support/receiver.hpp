#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hookd::test {

/// What a test receiver saw in one request.
struct received_request {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers; // lower-case names; repeats joined by ", "
  std::string body;
};

/// How a test receiver answers one request.
struct reply {
  int status = 200;
  std::string body = "ok";
  std::vector<std::pair<std::string, std::string>> headers;
  /// Wait this long before answering.
  std::chrono::milliseconds delay{0};
  /// Close the connection without answering.
  bool hang_up = false;
  /// Answer, then close the connection without saying so (a stale keep-alive).
  bool close_after = false;
};

/// A self-signed certificate for `localhost` and 127.0.0.1, written to PEM files.
struct test_certificate {
  std::string cert_file;
  std::string key_file;
};

/// Makes a fresh EC P-256 self-signed certificate in `dir` with the given DNS and IP SANs.
test_certificate make_test_certificate(const std::string& dir, const std::string& san);

/// A real HTTP/1.1 receiver on 127.0.0.1 and a free port, one thread per connection,
/// keep-alive, optionally TLS. Answers with `behaviour`. Records every request.
class receiver {
 public:
  using behaviour = std::function<reply(const received_request&)>;
  /// Starts listening; TLS when `cert` is given.
  explicit receiver(behaviour b, std::optional<test_certificate> cert = std::nullopt);
  ~receiver();
  receiver(const receiver&) = delete;
  receiver& operator=(const receiver&) = delete;

  /// The bound port.
  uint16_t port() const noexcept { return port_; }
  /// Connections accepted so far.
  std::size_t connections() const noexcept { return connections_.load(); }
  /// A copy of every request so far.
  std::vector<received_request> requests() const;
  /// Waits until at least `n` requests arrived or `timeout` passed; returns the count.
  std::size_t wait_for(std::size_t n, std::chrono::milliseconds timeout) const;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
  uint16_t port_ = 0;
  std::atomic<std::size_t> connections_{0};
};

} // namespace hookd::test
