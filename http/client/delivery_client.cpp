#include "http/client/delivery_client.hpp"

#include "domain/batch_handoff.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <atomic>
#include <deque>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

namespace hookd::http {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

/// One TCP (and maybe TLS) connection to one origin. Used by one exchange at a time. Plain
/// sockets: the exchange's one deadline timer bounds every step (design note 39), so
/// `beast::tcp_stream`'s per-operation timers would only add work.
struct connection {
  std::unique_ptr<tcp::socket> plain;
  std::unique_ptr<beast::ssl_stream<tcp::socket>> tls;
  beast::flat_buffer buffer;
  steady::time_point idle_since;

  tcp::socket& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  template <class F> void with_stream(F&& f) {
    if (tls)
      f(*tls);
    else
      f(*plain);
  }

  void close() {
    beast::error_code ec;
    lowest().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close(ec);
  }
};

// The address policy's view of a resolved address.
ip_address to_ip_address(const net::ip::address& a) {
  if (a.is_v4())
    return ip_address::from_v4(a.to_v4().to_uint());
  ip_address out;
  auto bytes = a.to_v6().to_bytes();
  std::copy(bytes.begin(), bytes.end(), out.bytes.begin());
  out.v4 = a.to_v6().is_v4_mapped();
  return out;
}

bool is_ip_literal(const std::string& host) {
  beast::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

} // namespace

struct delivery_client::impl : std::enable_shared_from_this<delivery_client::impl> {
  delivery_client_config cfg;
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
  ssl::context tls{ssl::context::tls_client};
  std::thread thread;
  std::atomic<std::size_t> opened{0};
  /// Requests sent from other threads, waiting for the client thread: a burst of sends posts
  /// one handler (design note 37).
  batch_handoff<std::function<void()>> incoming;
  /// The requests being started (kept to reuse its capacity); client thread only.
  std::vector<std::function<void()>> starting;

  /// Queues `start` for the client thread.
  void submit(std::function<void()> start) {
    if (incoming.put(std::move(start)))
      net::post(ioc, [self = shared_from_this()] { self->start_incoming(); });
  }

  /// Starts every queued request, in the order they were sent.
  void start_incoming() {
    incoming.take_all(starting);
    for (auto& start : starting)
      start();
    starting.clear();
  }

  /// Exchanges that ended in this round of the event loop, with their answers; client thread
  /// only. They are handed to their callbacks together, after the round's other completions
  /// (design note 44): a callback wakes a webhook actor, and one wake-up per round carries
  /// every answer that came in it, where one per answer cost a futex call each.
  std::vector<std::pair<delivery_callback, delivery_response>> answered;
  /// The answers being handed over (kept to reuse its capacity); client thread only.
  std::vector<std::pair<delivery_callback, delivery_response>> answering;

  /// Queues `res` for `done`; the first answer of a round schedules the hand-over.
  void answer(delivery_callback done, delivery_response res) {
    answered.emplace_back(std::move(done), std::move(res));
    if (answered.size() == 1)
      net::post(ioc, [self = shared_from_this()] { self->hand_over_answers(); });
  }

  /// Calls every queued answer's callback, in the order the exchanges ended.
  void hand_over_answers() {
    answering.swap(answered);
    for (auto& [done, res] : answering)
      done(std::move(res));
    answering.clear();
  }
  // Touched only on the client thread.
  std::unordered_map<std::string, std::vector<std::shared_ptr<connection>>> idle;
  /// Per origin: requests in progress, and those waiting for one of them to end.
  struct origin_slots {
    std::size_t active = 0;
    std::deque<std::function<void()>> waiting;
  };
  std::unordered_map<std::string, origin_slots> origins;

  /// Runs `begin` now when `origin` has a free slot (taking it), else when one frees up.
  void acquire(const std::string& origin, std::function<void()> begin) {
    auto& slots = origins[origin];
    if (slots.active < std::max<std::size_t>(cfg.max_per_origin, 1)) {
      ++slots.active;
      return begin();
    }
    slots.waiting.push_back(std::move(begin));
  }

  /// Gives `origin`'s slot to the next waiting request, or frees it.
  void release(const std::string& origin) {
    auto it = origins.find(origin);
    if (it == origins.end())
      return;
    auto& slots = it->second;
    if (!slots.waiting.empty()) {
      auto next = std::move(slots.waiting.front());
      slots.waiting.pop_front();
      net::post(ioc, std::move(next)); // The slot passes on; `active` stays.
      return;
    }
    if (--slots.active == 0)
      origins.erase(it);
  }

  /// Buffers that response bodies are read into, in pieces; reused so that an exchange does
  /// not allocate one each (an idle connection holds none).
  static constexpr std::size_t chunk_size = 8192;
  std::vector<std::unique_ptr<char[]>> free_chunks;

  std::unique_ptr<char[]> take_chunk() {
    if (free_chunks.empty())
      return std::make_unique<char[]>(chunk_size);
    auto c = std::move(free_chunks.back());
    free_chunks.pop_back();
    return c;
  }

  void give_chunk(std::unique_ptr<char[]> c) {
    if (c && free_chunks.size() < 64)
      free_chunks.push_back(std::move(c));
  }

  std::shared_ptr<connection> take_idle(const std::string& key) {
    auto i = idle.find(key);
    while (i != idle.end() && !i->second.empty()) {
      auto c = std::move(i->second.back());
      i->second.pop_back();
      if (steady::now() - c->idle_since < cfg.idle_timeout)
        return c;
      c->close();
    }
    return nullptr;
  }

  void put_idle(const std::string& key, std::shared_ptr<connection> c) {
    auto& list = idle[key];
    if (list.size() >= 256) {
      c->close();
      return;
    }
    c->idle_since = steady::now();
    list.push_back(std::move(c));
  }
};

namespace {

/// One request from start to callback. Runs entirely on the client thread.
class exchange : public std::enable_shared_from_this<exchange> {
 public:
  exchange(std::shared_ptr<delivery_client::impl> owner, delivery_request req,
           delivery_callback done)
      : owner_(std::move(owner)), req_(std::move(req)), done_(std::move(done)) {
    auto port = std::to_string(req_.target.port);
    origin_.reserve(req_.target.scheme.size() + 4 + req_.target.host.size() + port.size());
    origin_.append(req_.target.scheme)
        .append("://")
        .append(req_.target.host)
        .append(":")
        .append(port);
    key_.reserve(req_.pool.size() + 1 + origin_.size());
    key_.append(req_.pool).append("|").append(origin_);
    start_ = steady::now();
    deadline_ = start_ + req_.timeout;
  }

  void start() {
    owner_->acquire(origin_, [self = shared_from_this()] { self->begin(); });
  }

 private:
  // Runs once the origin has a slot for this request.
  void begin() {
    holding_ = true;
    if (steady::now() >= deadline_)
      return fail(transport_error::timeout, "timed out waiting for a connection to " + origin_);
    arm_deadline();
    build_request(); // Only now: a request waiting for a slot holds just what it was given.
    conn_ = owner_->take_idle(key_);
    if (conn_) {
      reused_ = true;
      return write();
    }
    resolve();
  }

  bool https() const { return req_.target.scheme == "https"; }

  // One timer bounds the whole exchange (resolve, connect, handshake, write, read): when it
  // fires first, it cancels the lookup or closes the connection, and the step that was
  // waiting ends with an error that `timed_out_` turns into a timeout.
  void arm_deadline() {
    deadline_timer_.emplace(owner_->ioc);
    deadline_timer_->expires_at(deadline_);
    deadline_timer_->async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->finished_)
        return;
      self->timed_out_ = true;
      if (self->resolver_)
        self->resolver_->cancel();
      if (self->conn_)
        self->conn_->close();
    });
  }

  // The request head as one string (the body is written from `req_.body` beside it): one
  // allocation, where Beast's fields take one per header and its serializer walks them
  // again on every write. Header names and values were checked when the webhook was saved
  // (tokens; no CR, LF or NUL), and reserved ones (Host, Content-Length, ...) are refused.
  // As with Beast's `set`, a later header replaces an earlier one of the same name (a custom
  // Content-Type wins over the default).
  void build_request() {
    const auto& headers = req_.headers;
    auto replaced = [&](std::size_t i) {
      for (auto j = i + 1; j < headers.size(); ++j)
        if (beast::iequals(headers[i].first, headers[j].first))
          return true;
      return false;
    };
    std::size_t size = 64 + req_.target.target.size() + req_.target.host.size();
    for (const auto& [k, v] : headers)
      size += k.size() + v.size() + 4;
    head_.reserve(size);
    head_.append("POST ").append(req_.target.target).append(" HTTP/1.1\r\nHost: ");
    if (req_.target.ipv6_literal)
      head_.append("[").append(req_.target.host).append("]");
    else
      head_.append(req_.target.host);
    if (req_.target.port != (https() ? 443 : 80))
      head_.append(":").append(std::to_string(req_.target.port));
    head_.append("\r\n");
    for (std::size_t i = 0; i < headers.size(); ++i)
      if (!replaced(i))
        head_.append(headers[i].first).append(": ").append(headers[i].second).append("\r\n");
    head_.append("Content-Length: ").append(std::to_string(req_.body.size())).append("\r\n\r\n");
    req_.headers = {};
  }

  void resolve() {
    // Made only now: a request on a pooled connection never resolves.
    if (!resolver_)
      resolver_.emplace(owner_->ioc);
    resolver_->async_resolve(
        req_.target.host, std::to_string(req_.target.port),
        [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
          self->on_resolve(ec, std::move(results));
        });
  }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (timed_out_)
      return fail(transport_error::timeout, "timed out resolving " + req_.target.host);
    if (ec == net::error::host_not_found)
      return fail(transport_error::dns_nxdomain, "no such host: " + req_.target.host);
    if (ec)
      return fail(transport_error::dns_temporary,
                  "resolving " + req_.target.host + ": " + ec.message());
    // SSRF guard: every address the name resolves to must be allowed, and the connection goes
    // to these checked addresses only (no second lookup that a rebinding DNS could answer).
    for (const auto& entry : results)
      if (auto why = owner_->cfg.policy.refuse(to_ip_address(entry.endpoint().address())))
        return fail(transport_error::blocked_address,
                    "refused: " + req_.target.host + " resolves to " + *why);
    conn_ = std::make_shared<connection>();
    if (https()) {
      conn_->tls = std::make_unique<beast::ssl_stream<tcp::socket>>(owner_->ioc, owner_->tls);
      if (!is_ip_literal(req_.target.host) &&
          !SSL_set_tlsext_host_name(conn_->tls->native_handle(), req_.target.host.c_str()))
        return fail(transport_error::tls_failed, "cannot set SNI");
      conn_->tls->set_verify_callback(ssl::host_name_verification(req_.target.host));
    } else {
      conn_->plain = std::make_unique<tcp::socket>(owner_->ioc);
    }
    ++owner_->opened;
    net::async_connect(conn_->lowest(), results,
                       [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
                         if (self->timed_out_)
                           return self->fail(transport_error::timeout, "timed out connecting");
                         if (ec)
                           return self->fail(transport_error::connect_failed,
                                             "connecting: " + ec.message());
                         self->conn_->lowest().set_option(tcp::no_delay(true), ec);
                         if (self->conn_->tls)
                           return self->handshake();
                         self->write();
                       });
  }

  void handshake() {
    conn_->tls->async_handshake(
        ssl::stream_base::client, [self = shared_from_this()](beast::error_code ec) {
          if (self->timed_out_)
            return self->fail(transport_error::timeout, "timed out in the TLS handshake");
          if (ec)
            return self->fail(transport_error::tls_failed, "TLS handshake: " + ec.message());
          self->write();
        });
  }

  void write() {
    conn_->with_stream([&](auto& s) {
      std::array<net::const_buffer, 2> bytes{net::buffer(head_), net::buffer(req_.body)};
      net::async_write(s, bytes, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec)
          return self->fail_io(ec, "writing the request");
        self->read_header();
      });
    });
  }

  void read_header() {
    parser_.emplace();
    // The excerpt cap below bounds what is kept. Not boost::none: Boost 1.74 compares the
    // content length against the optional, and any length is "greater" than none.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    conn_->with_stream([&](auto& s) {
      bh::async_read_header(s, conn_->buffer, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec)
                                return self->fail_io(ec, "reading the response");
                              self->got_header_ = true;
                              auto& res = self->parser_->get();
                              self->response_.status = static_cast<int>(res.result_int());
                              if (auto ra = res.find(bh::field::retry_after); ra != res.end())
                                self->response_.retry_after = std::string{ra->value()};
                              self->read_body();
                            });
    });
  }

  void read_body() {
    if (parser_->is_done())
      return complete(parser_->get().keep_alive());
    if (response_.body.size() >= owner_->cfg.max_body_excerpt) {
      response_.truncated = true;
      return complete(false); // The rest is not read; the connection cannot be reused.
    }
    auto& body = parser_->get().body();
    // Taken only once a body is read: requests waiting for a slot stay small.
    if (!chunk_)
      chunk_ = owner_->take_chunk();
    body.data = chunk_.get();
    body.size = chunk_size;
    conn_->with_stream([&](auto& s) {
      bh::async_read(s, conn_->buffer, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec == bh::error::need_buffer)
                         ec = {};
                       auto used = chunk_size - self->parser_->get().body().size;
                       auto room = self->owner_->cfg.max_body_excerpt - self->response_.body.size();
                       self->response_.body.append(self->chunk_.get(), std::min(used, room));
                       if (used > room)
                         self->response_.truncated = true;
                       if (ec || self->timed_out_) {
                         // The status arrived; a body cut short still answers the attempt.
                         self->response_.truncated = true;
                         return self->complete(false);
                       }
                       self->read_body();
                     });
    });
  }

  void complete(bool reusable) {
    response_.duration =
        std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - start_);
    if (reusable)
      owner_->put_idle(key_, std::move(conn_));
    else if (conn_)
      conn_->close();
    finish();
  }

  // Frees the origin's slot and the body buffer, stops the deadline, then answers.
  void finish() {
    finished_ = true;
    if (deadline_timer_)
      deadline_timer_->cancel();
    owner_->give_chunk(std::move(chunk_));
    if (holding_) {
      holding_ = false;
      owner_->release(origin_);
    }
    owner_->answer(std::move(done_), std::move(response_));
  }

  void fail_io(beast::error_code ec, const std::string& what) {
    // A reused idle connection the server closed meanwhile: try once more on a fresh one.
    if (reused_ && !got_header_ && !timed_out_) {
      reused_ = false;
      conn_->close();
      conn_.reset();
      return resolve();
    }
    if (timed_out_)
      return fail(transport_error::timeout, what + ": timed out");
    fail(transport_error::connection_reset, what + ": " + ec.message());
  }

  void fail(transport_error err, std::string detail) {
    if (conn_)
      conn_->close();
    response_.error = err;
    response_.status.reset();
    response_.detail = std::move(detail);
    response_.duration =
        std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - start_);
    finish();
  }

  std::shared_ptr<delivery_client::impl> owner_;
  delivery_request req_;
  delivery_callback done_;
  std::string origin_;
  std::string key_;
  bool holding_ = false;
  steady::time_point start_;
  steady::time_point deadline_;
  std::optional<tcp::resolver> resolver_;
  std::optional<net::steady_timer> deadline_timer_;
  bool timed_out_ = false;
  bool finished_ = false;
  std::string head_;
  std::optional<bh::response_parser<bh::buffer_body>> parser_;
  std::shared_ptr<connection> conn_;
  bool reused_ = false;
  bool got_header_ = false;
  delivery_response response_;
  static constexpr std::size_t chunk_size = delivery_client::impl::chunk_size;
  std::unique_ptr<char[]> chunk_;
};

} // namespace

delivery_client::delivery_client(delivery_client_config cfg) : impl_(std::make_shared<impl>()) {
  impl_->cfg = std::move(cfg);
  beast::error_code ec;
  if (impl_->cfg.ca_file.empty())
    impl_->tls.set_default_verify_paths(ec);
  else
    impl_->tls.load_verify_file(impl_->cfg.ca_file, ec);
  if (ec)
    throw std::runtime_error("cannot load the CA store: " + ec.message());
  impl_->tls.set_verify_mode(ssl::verify_peer);
  impl_->tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1);
  impl_->thread = std::thread{[i = impl_] { i->ioc.run(); }};
}

delivery_client::~delivery_client() {
  stop();
}

void delivery_client::stop() {
  impl_->work.reset();
  impl_->ioc.stop();
  if (!impl_->thread.joinable())
    return;
  // The last owner may let go on the client's own thread (from inside a callback): joining
  // would deadlock, so let the thread finish by itself; it holds the state it needs.
  if (impl_->thread.get_id() == std::this_thread::get_id())
    impl_->thread.detach();
  else
    impl_->thread.join();
}

void delivery_client::send(delivery_request req, delivery_callback done) {
  auto ex = std::make_shared<exchange>(impl_, std::move(req), std::move(done));
  impl_->submit([ex] { ex->start(); });
}

void delivery_client::close_pool(const std::string& pool) {
  net::post(impl_->ioc, [i = impl_, prefix = pool + "|"] {
    for (auto it = i->idle.begin(); it != i->idle.end();) {
      if (it->first.starts_with(prefix)) {
        for (auto& c : it->second)
          c->close();
        it = i->idle.erase(it);
      } else {
        ++it;
      }
    }
  });
}

std::size_t delivery_client::connections_opened() const noexcept {
  return impl_->opened.load();
}

} // namespace hookd::http
