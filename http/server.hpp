#pragma once

#include "http/api.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hookd::http {

/// Limits of the HTTP server.
struct server_config {
  /// Address to listen on.
  std::string host = "127.0.0.1";
  /// Port to listen on; 0 picks a free one.
  uint16_t port = 8080;
  /// Largest header block, in bytes.
  std::size_t max_header_bytes = 0;
  /// Largest body, in bytes.
  std::size_t max_body_bytes = 0;
  /// Largest body of an inbound git webhook (`/hooks/...`), in bytes (0: 5 MiB).
  std::size_t max_hook_body_bytes = 0;
  /// Time to receive one whole request once its first byte arrived.
  std::chrono::seconds request_timeout{0};
  /// Time an idle keep-alive connection stays open.
  std::chrono::seconds idle_timeout{0};
  /// Requests in flight per connection (pipelining), answered in order.
  std::size_t max_pipeline = 0;
  /// Open connections; more are closed at once.
  std::size_t max_connections = 0;
  /// I/O threads. Each runs its own io_context and serves the connections given to it.
  std::size_t threads = 1;
};

/// The I/O threads `hookd serve` runs unless told otherwise: one per two cores, at least one and
/// at most 8. The other half of the cores is left to the log writer, the CAF workers and the
/// delivery client; on two cores a second I/O thread raised ingestion by 6 % but the end-to-end
/// p99 at 2,000 events/s by 1.5 ms (design note 46).
std::size_t default_http_threads();

/// Writes `res` as HTTP/1.x wire bytes into `out`, replacing its content: the status line, the
/// fields in their order, an empty line and the body; the same bytes as Beast's serializer
/// for an answer that is not chunked.
void flatten(const response& res, std::string& out);

/// Sets the header and body limits of `cfg` on a request parser.
void apply_limits(boost::beast::http::request_parser<boost::beast::http::string_body>& parser,
                  const server_config& cfg);

/// The problem to answer when reading a request failed with `ec` (413 for the body limit, 431
/// for the header limit, 400 for malformed HTTP), or nullopt when the connection should just
/// close (end of stream, reset, timeout).
std::optional<problem> read_error_problem(boost::beast::error_code ec, const server_config& cfg);

/// The asynchronous Beast server: accepts connections and runs one session per connection.
/// Sessions read with per-request limits and deadlines, pass requests to the `api`, and write
/// answers in request order. Owns one io_context per I/O thread: each connection lives on one
/// of them, given to the one serving the fewest, so a session's handlers never run on two
/// threads (no strand, no lock shared between the threads on the hot path).
class server {
 public:
  /// Serves `a`, which must outlive the server.
  server(api& a, server_config cfg);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds and listens; returns the bound port, or an error (address in use, bad host).
  expected<uint16_t> listen();
  /// Starts the I/O threads.
  void start();
  /// Stops accepting, lets in-flight requests finish and be answered (up to `grace`), closes
  /// idle connections, and joins the threads. Idempotent.
  void stop(std::chrono::milliseconds grace);
  /// Open connections.
  std::size_t connections() const noexcept;
  /// Open connections of each I/O thread, in thread order.
  std::vector<std::size_t> connections_per_thread() const;

  class session;

 private:
  /// One I/O thread's context and the number of connections it serves.
  struct io_lane {
    // Declared first: sessions left in the context when it is destroyed decrement it.
    std::atomic<std::size_t> connections{0};
    boost::asio::io_context ioc{1};
    // Keeps `ioc.run()` going while the lane has no connection yet.
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{
        ioc.get_executor()};
  };

  /// `threads` lanes (at least one).
  static std::vector<std::unique_ptr<io_lane>> make_lanes(std::size_t threads);
  void do_accept();
  /// The lane serving the fewest connections.
  io_lane& quietest_lane();

  api& api_;
  server_config cfg_;
  std::vector<std::unique_ptr<io_lane>> lanes_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  std::mutex sessions_mtx_;
  std::vector<std::weak_ptr<session>> sessions_;
  bool stopped_ = false;
};

} // namespace hookd::http
