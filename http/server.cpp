#include "http/server.hpp"

#include "actors/logging.hpp"
#include "domain/defaults.hpp"
#include "domain/source.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <deque>

namespace hookd::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

problem connection_problem(int status, std::string type, std::string title, std::string detail,
                           std::optional<uint64_t> limit = {}) {
  problem p;
  p.status = status;
  p.type = std::move(type);
  p.title = std::move(title);
  p.detail = std::move(detail);
  p.limit = limit;
  return p;
}

/// Inbound git webhooks' routes, which take larger bodies.
constexpr std::string_view hooks_prefix = "/hooks/";

/// Answers with bodies up to this size are written as one flat buffer (see `flatten`).
constexpr std::size_t flat_answer_limit = 64 * 1024;
/// A connection keeps its flat buffer between answers up to this size.
constexpr std::size_t kept_wire_bytes = 16 * 1024;

std::size_t owner_hook_limit(const server_config& cfg) {
  return cfg.max_hook_body_bytes != 0 ? cfg.max_hook_body_bytes : source_limits::max_body_bytes;
}

} // namespace

std::size_t default_http_threads() {
  return std::clamp<std::size_t>(std::thread::hardware_concurrency() / 2, 1, 8);
}

void flatten(const response& res, std::string& out) {
  out.clear();
  out.append(res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  out.append(std::to_string(res.result_int()));
  out.push_back(' ');
  auto reason = res.reason();
  out.append(reason.data(), reason.size());
  out.append("\r\n");
  for (const auto& f : res) {
    auto name = f.name_string();
    auto value = f.value();
    out.append(name.data(), name.size());
    out.append(": ");
    out.append(value.data(), value.size());
    out.append("\r\n");
  }
  out.append("\r\n");
  out.append(res.body());
}

void apply_limits(bh::request_parser<bh::string_body>& parser, const server_config& cfg) {
  parser.header_limit(static_cast<std::uint32_t>(cfg.max_header_bytes));
  parser.body_limit(cfg.max_body_bytes);
}

std::optional<problem> read_error_problem(beast::error_code ec, const server_config& cfg) {
  if (ec == bh::error::end_of_stream || ec == net::error::eof ||
      ec == net::error::connection_reset || ec == net::error::operation_aborted ||
      ec == beast::error::timeout)
    return std::nullopt;
  if (ec == bh::error::body_limit)
    return connection_problem(413, "payload-too-large", "The body is too large",
                              "the request body is larger than the limit", cfg.max_body_bytes);
  if (ec == bh::error::header_limit)
    return connection_problem(431, "headers-too-large", "The headers are too large",
                              "the request headers are larger than the limit",
                              cfg.max_header_bytes);
  return connection_problem(400, "bad-request", "Malformed HTTP request",
                            "the request is not valid HTTP/1.1: " + ec.message());
}

/// One connection. Reads requests (several may be in flight, up to `max_pipeline`), hands
/// them to the API, and writes the answers in request order. All members are touched only on
/// the thread of the connection's lane.
class server::session : public std::enable_shared_from_this<server::session> {
 public:
  session(tcp::socket&& socket, server& owner, io_lane& lane)
      : stream_(std::move(socket)), owner_(owner), lane_(lane),
        on_connection_thread_([this](std::function<void()> fn) {
          net::post(stream_.get_executor(), std::move(fn));
        }) {}

  ~session() { lane_.connections.fetch_sub(1); }

  void run() {
    net::dispatch(stream_.get_executor(),
                  [self = shared_from_this()] { self->wait_for_request(); });
  }

  /// Called by the server on shutdown: close now if idle, else after the answers in flight.
  void drain() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->draining_ = true;
      if (self->queue_.empty() && !self->in_read_body_)
        self->close();
    });
  }

 private:
  // The body limit of the request being read.
  std::size_t body_limit_ = 0;
  struct slot {
    uint64_t id = 0;
    std::optional<response> res;
  };

  // Phase one: wait for the first byte of the next request, under the idle timeout.
  void wait_for_request() {
    if (reading_ || closed_ || draining_ || queue_.size() >= owner_.cfg_.max_pipeline)
      return;
    reading_ = true;
    if (buffer_.size() > 0)
      return read_request(); // A pipelined request is already buffered.
    stream_.expires_after(owner_.cfg_.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->buffer_.commit(n);
                              if (ec) {
                                self->reading_ = false;
                                return self->on_read_error(ec);
                              }
                              self->read_request();
                            });
  }

  // Phase two: read the whole request under the request timeout (slow clients are cut off).
  // The header comes first, so that the body limit can depend on the route: inbound git
  // webhooks (`/hooks/...`) may be larger than API requests.
  void read_request() {
    parser_.emplace();
    apply_limits(*parser_, owner_.cfg_);
    // Beast checks a Content-Length against the limit while parsing the header: start with the
    // larger limit, and narrow it once the route is known.
    body_limit_ = std::max(owner_.cfg_.max_body_bytes, owner_hook_limit(owner_.cfg_));
    parser_->body_limit(body_limit_);
    in_read_body_ = true;
    stream_.expires_after(owner_.cfg_.request_timeout);
    bh::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                            if (ec)
                              return self->on_read_failed(ec);
                            bool hook = self->parser_->get().target().starts_with(hooks_prefix);
                            self->body_limit_ = hook ? owner_hook_limit(self->owner_.cfg_)
                                                     : self->owner_.cfg_.max_body_bytes;
                            auto length = self->parser_->content_length();
                            if (length && *length > self->body_limit_)
                              return self->on_read_failed(bh::error::body_limit);
                            self->parser_->body_limit(self->body_limit_);
                            self->read_body();
                          });
  }

  void read_body() {
    bh::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                     if (ec)
                       return self->on_read_failed(ec);
                     self->in_read_body_ = false;
                     self->reading_ = false;
                     self->on_request();
                   });
  }

  void on_read_failed(beast::error_code ec) {
    in_read_body_ = false;
    reading_ = false;
    on_read_error(ec);
  }

  void on_read_error(beast::error_code ec) {
    if (closed_)
      return;
    auto limits = owner_.cfg_;
    limits.max_body_bytes = body_limit_;
    auto p = read_error_problem(ec, limits);
    if (!p) {
      // End of stream, reset, idle keep-alive or a client too slow to send: just close, after
      // the answers still in flight.
      if (ec == beast::error::timeout)
        close();
      else
        close_after_answers();
      return;
    }
    // The stream cannot be resynchronised after these: answer, then close.
    fail_and_close(*p);
  }

  void fail_and_close(const problem& p) {
    auto id = next_id_++;
    queue_.push_back(slot{id, api::problem_response(p, "", 11, false)});
    closing_ = true;
    linger_ = true; // The client may still be sending the body we refused.
    write_next();
  }

  void on_request() {
    auto req = parser_->release();
    bool keep_alive = req.keep_alive();
    auto id = next_id_++;
    queue_.push_back(slot{id, std::nullopt});
    if (!keep_alive)
      closing_ = true;
    auto self = shared_from_this();
    owner_.api_.handle(
        std::move(req),
        [self, id](response res) {
          net::post(self->stream_.get_executor(), [self, id, res = std::move(res)]() mutable {
            self->on_answer(id, std::move(res));
          });
        },
        &on_connection_thread_);
    if (!closing_)
      wait_for_request();
  }

  void on_answer(uint64_t id, response res) {
    for (auto& s : queue_)
      if (s.id == id) {
        if (draining_ || owner_.stopping_)
          res.keep_alive(false);
        res.set(bh::field::server, "hookd/" HOOKD_VERSION);
        s.res = std::move(res);
        break;
      }
    write_next();
  }

  void write_next() {
    if (writing_ || closed_ || queue_.empty() || !queue_.front().res)
      return;
    writing_ = true;
    stream_.expires_after(owner_.cfg_.request_timeout);
    auto& res = *queue_.front().res;
    auto written = [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_written(ec);
    };
    if (res.body().size() > flat_answer_limit || res.chunked())
      return bh::async_write(stream_, res, std::move(written));
    // Small answers (nearly all) go out as one buffer: cheaper than Beast's serializer, which
    // walks a view over every header field on each step of the write.
    flatten(res, wire_);
    net::async_write(stream_, net::buffer(wire_), std::move(written));
  }

  void on_written(beast::error_code ec) {
    writing_ = false;
    if (wire_.capacity() > kept_wire_bytes)
      std::string{}.swap(wire_); // A large answer's buffer is not kept for the connection's life.
    bool close_now = !queue_.front().res->keep_alive();
    queue_.pop_front();
    if (ec)
      return close();
    if (close_now) {
      closing_ = true;
      close_after_answers();
      return;
    }
    write_next();
    wait_for_request();
  }

  void close_after_answers() {
    closing_ = true;
    if (!queue_.empty())
      return; // In-flight answers are still written; the last write closes.
    if (linger_)
      return lingering_close();
    close();
  }

  // After refusing a request mid-body: stop sending, then read and discard what the client
  // still sends (bounded in bytes and time) before closing. Closing with unread data would
  // make the kernel send a reset, which can destroy the answer before the client reads it.
  void lingering_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds{2});
    discard_input();
  }

  void discard_input() {
    if (drained_ > 16 * 1024 * 1024)
      return close();
    buffer_.consume(buffer_.size());
    stream_.async_read_some(buffer_.prepare(64 * 1024),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec)
                                return self->close();
                              self->discard_input();
                            });
  }

  void close() {
    if (closed_)
      return;
    closed_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  server& owner_;
  io_lane& lane_;
  // Runs answers that arrive on other threads on this connection's thread (the API's
  // `connection_runner`); the calls in flight keep the session alive while they use it.
  connection_runner on_connection_thread_;
  beast::flat_buffer buffer_;
  // The answer being written, flattened (its capacity is reused from answer to answer).
  std::string wire_;
  std::optional<bh::request_parser<bh::string_body>> parser_;
  std::deque<slot> queue_;
  uint64_t next_id_ = 0;
  bool reading_ = false;
  bool in_read_body_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool draining_ = false;
  bool closed_ = false;
  bool linger_ = false;
  std::size_t drained_ = 0;
};

std::vector<std::unique_ptr<server::io_lane>> server::make_lanes(std::size_t threads) {
  std::vector<std::unique_ptr<io_lane>> lanes;
  for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i)
    lanes.push_back(std::make_unique<io_lane>());
  return lanes;
}

server::server(api& a, server_config cfg)
    : api_(a), cfg_(cfg), lanes_(make_lanes(cfg.threads)), acceptor_(lanes_.front()->ioc) {
  if (cfg_.max_header_bytes == 0)
    cfg_.max_header_bytes = defaults::max_header_bytes;
  if (cfg_.max_body_bytes == 0)
    cfg_.max_body_bytes = defaults::max_body_bytes;
  if (cfg_.request_timeout.count() == 0)
    cfg_.request_timeout = std::chrono::seconds{defaults::request_timeout_seconds};
  if (cfg_.idle_timeout.count() == 0)
    cfg_.idle_timeout = std::chrono::seconds{defaults::idle_timeout_seconds};
  if (cfg_.max_pipeline == 0)
    cfg_.max_pipeline = defaults::max_pipeline_depth;
  if (cfg_.max_connections == 0)
    cfg_.max_connections = defaults::max_connections;
  cfg_.threads = lanes_.size();
}

std::size_t server::connections() const noexcept {
  std::size_t n = 0;
  for (const auto& lane : lanes_)
    n += lane->connections.load();
  return n;
}

std::vector<std::size_t> server::connections_per_thread() const {
  std::vector<std::size_t> out;
  for (const auto& lane : lanes_)
    out.push_back(lane->connections.load());
  return out;
}

server::io_lane& server::quietest_lane() {
  auto* best = lanes_.front().get();
  for (const auto& lane : lanes_)
    if (lane->connections.load() < best->connections.load())
      best = lane.get();
  return *best;
}

server::~server() {
  stop(std::chrono::milliseconds{0});
}

expected<uint16_t> server::listen() {
  beast::error_code ec;
  auto address = net::ip::make_address(cfg_.host, ec);
  if (ec)
    return make_error_info(ec::bad_configuration,
                           "cannot listen on '" + cfg_.host + "': not an IP address");
  tcp::endpoint endpoint{address, cfg_.port};
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec)
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec)
    acceptor_.bind(endpoint, ec);
  if (!ec)
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return make_error_info(ec::bad_configuration, "cannot listen on " + cfg_.host + ":" +
                                                      std::to_string(cfg_.port) + ": " +
                                                      ec.message());
  return acceptor_.local_endpoint().port();
}

void server::start() {
  do_accept();
  for (auto& lane : lanes_)
    threads_.emplace_back([&ioc = lane->ioc] { ioc.run(); });
}

void server::do_accept() {
  auto& lane = quietest_lane();
  acceptor_.async_accept(lane.ioc, [this, &lane](beast::error_code ec, tcp::socket s) {
    if (ec) {
      if (ec == net::error::operation_aborted || stopping_)
        return;
      HOOKD_WARN("http: accept failed: {}", ec.message());
      return do_accept();
    }
    if (stopping_)
      return;
    if (connections() >= cfg_.max_connections) {
      beast::error_code ignored;
      s.close(ignored); // Over the connection limit: refuse rather than exhaust memory.
    } else {
      s.set_option(tcp::no_delay(true), ec);
      lane.connections.fetch_add(1);
      auto sess = std::make_shared<session>(std::move(s), *this, lane);
      {
        std::lock_guard guard{sessions_mtx_};
        // Forget sessions that ended, so the list does not grow without bound.
        std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
        sessions_.push_back(sess);
      }
      sess->run();
    }
    do_accept();
  });
}

void server::stop(std::chrono::milliseconds grace) {
  if (stopped_)
    return;
  stopped_ = true;
  stopping_ = true;
  net::post(lanes_.front()->ioc, [this] {
    beast::error_code ec;
    acceptor_.close(ec);
  });
  {
    std::lock_guard guard{sessions_mtx_};
    for (auto& w : sessions_)
      if (auto s = w.lock())
        s->drain();
  }
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (connections() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  for (auto& lane : lanes_)
    lane->ioc.stop();
  for (auto& t : threads_)
    if (t.joinable())
      t.join();
  threads_.clear();
}

} // namespace hookd::http
