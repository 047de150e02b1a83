#pragma once

#include "domain/address_policy.hpp"
#include "domain/delivery_transport.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace hookd::http {

/// Settings of the outbound client.
struct delivery_client_config {
  /// CA bundle (PEM) to trust instead of the system store; empty: the system store.
  std::string ca_file;
  /// Bytes of a response body kept; the rest is not read and the connection not reused.
  std::size_t max_body_excerpt = 64 * 1024;
  /// Idle keep-alive connections older than this are closed rather than reused.
  std::chrono::seconds idle_timeout{30};
  /// Every resolved address is checked against it; one refused address refuses the request
  /// (`blocked_address`), and only checked addresses are connected to (no second lookup).
  address_policy policy;
  /// Requests in progress to one origin (scheme, host and port) at most, over every webhook;
  /// more wait their turn, within their own deadline. Many webhooks pointing at one host then
  /// cannot open a storm of connections (each with its buffers) that its accept queue drops.
  std::size_t max_per_origin = 8192;
};

/// The Beast delivery transport: asynchronous, on its own io_context and thread, with a
/// keep-alive connection pool per webhook (`delivery_request::pool`). HTTPS sets SNI and
/// verifies the peer's chain and host name. Every resolved address must pass the address
/// policy before any connection is made. One deadline covers resolve, connect, TLS, write
/// and the whole response. A request that fails on a reused idle connection before any byte
/// of the answer is retried once on a fresh connection (the server closed it meanwhile).
/// Thread-safe: `send` and `close_pool` may be called from any thread. Callbacks run on the
/// client's thread. On destruction, requests still in flight get no callback.
class delivery_client final : public delivery_transport {
 public:
  /// Starts the client thread. Fails (throws std::runtime_error) only when the CA file cannot
  /// be loaded: bad configuration, found at start.
  explicit delivery_client(delivery_client_config cfg = {});
  ~delivery_client() override;
  delivery_client(const delivery_client&) = delete;
  delivery_client& operator=(const delivery_client&) = delete;

  void send(delivery_request req, delivery_callback done) override;
  void close_pool(const std::string& pool) override;
  void stop() override;

  /// Connections opened since start (tests check keep-alive reuse with it).
  std::size_t connections_opened() const noexcept;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

} // namespace hookd::http
