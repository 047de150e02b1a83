#include "bench/harness/sink.hpp"

#include "bench/harness/cpu_time.hpp"
#include "bench/harness/delivery_archive.hpp"
#include "bench/harness/event_body.hpp"
#include "domain/hmac.hpp"
#include "domain/webhook_secret.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <future>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

namespace hookd::bench {

namespace beast = boost::beast;
namespace bh = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// A delivery's state at the sink, per (webhook, event index).
enum seen_state : uint8_t { not_seen = 0, refused = 1, accepted = 2 };

} // namespace

struct sink::impl : std::enable_shared_from_this<sink::impl> {
  struct connection;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  hmac_sha256_key key;
  sink_behaviour behaviour;
  std::mt19937_64 rng{42};
  std::thread thread;
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> delivered{0};
  // Touched on the sink's thread only, read after it stopped.
  sink_report report;
  // Every connection accepted (closed ones are pruned now and then), to close them at the end.
  std::vector<std::weak_ptr<connection>> connections;
  uint64_t accept_errors = 0;

  /// Deliveries whose signature is still to be checked: the check runs after the sink stopped,
  /// so that its HMAC does not share the two cores with hookd while hookd is measured (the
  /// raw ceiling's sink checks no signature either; docs/benchmarks.md, session 16). Kept in
  /// memory touched before the run (`sink::reserve`; docs/benchmarks.md, session 17).
  delivery_archive archive;

  /// Checks every kept signature; counts the bad ones in the report.
  void verify_signatures() {
    archive.for_each([&](const archived_delivery& d) {
      auto at = std::strtoll(std::string{d.timestamp}.c_str(), nullptr, 10);
      auto expected = standard_webhooks_signature(key, d.id, static_cast<int64_t>(at), d.body);
      if (d.signature.find(expected) == std::string_view::npos)
        ++report.bad_signatures;
    });
    archive.clear();
  }

  // When the sink started (steady clock, ns): second 0 of the per-second latencies.
  int64_t started_ns = steady_ns();

  impl(const std::string& secret, sink_behaviour b)
      : key(parse_webhook_secret(secret).value_or(secret)), behaviour(b) {}

  // Records the latency of an event sent at `sent_ns` that arrived now.
  void record_latency(int64_t sent_ns) {
    auto us = (steady_ns() - sent_ns) / 1000;
    report.ingest_to_receipt.record(us);
    if (!behaviour.latency_by_second)
      return;
    auto second =
        static_cast<std::size_t>(std::max<int64_t>(0, sent_ns - started_ns) / 1'000'000'000);
    auto& by_second = report.ingest_to_receipt_by_second;
    if (by_second.size() <= second)
      by_second.resize(second + 1);
    by_second[second].record(us);
  }

  // Handles one request: the status to answer with. A delivery's body moves into the list of
  // signatures to check.
  bh::status handle(bh::request<bh::string_body>& req) {
    requests.fetch_add(1, std::memory_order_relaxed);
    ++report.requests;
    std::uniform_real_distribution<double> roll{0, 1};
    auto status = bh::status::ok;
    if (behaviour.failure_rate > 0 && roll(rng) < behaviour.failure_rate)
      status = bh::status::internal_server_error;
    else if (behaviour.throttle_rate > 0 && roll(rng) < behaviour.throttle_rate)
      status = bh::status::too_many_requests;
    auto target = req.target();
    if (target.size() < 3 || target.substr(0, 2) != "/w") {
      // A raw-ceiling request: no signature, no bookkeeping, only its latency.
      if (auto fields = read_event_fields(req.body()))
        record_latency(fields->sent_ns);
      return status;
    }
    auto webhook =
        static_cast<std::size_t>(std::strtoul(std::string{target.substr(2)}.c_str(), nullptr, 10));
    auto fields = read_event_fields(req.body());
    archive.add(req["webhook-id"], req["webhook-timestamp"], req["webhook-signature"], req.body());
    if (!fields)
      return status;
    if (report.seen.size() <= webhook)
      report.seen.resize(webhook + 1);
    auto& states = report.seen[webhook];
    if (states.size() <= fields->index)
      states.resize(std::max<std::size_t>(fields->index + 1, states.size() * 2));
    auto& st = states[fields->index];
    if (st == accepted)
      ++report.duplicates;
    if (status == bh::status::ok && st != accepted) {
      st = accepted;
      delivered.fetch_add(1, std::memory_order_relaxed);
      record_latency(fields->sent_ns);
    } else if (st == not_seen) {
      st = refused;
    }
    return status;
  }

  std::chrono::milliseconds pick_delay() {
    if (behaviour.delay_max <= behaviour.delay_min)
      return behaviour.delay_min;
    std::uniform_int_distribution<int64_t> d{behaviour.delay_min.count(),
                                             behaviour.delay_max.count()};
    return std::chrono::milliseconds{d(rng)};
  }

  void accept() {
    acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket s) {
      if (ec == net::error::operation_aborted || !self->acceptor.is_open())
        return; // stopping
      if (!ec) {
        s.set_option(tcp::no_delay{true});
        auto c = std::make_shared<connection>(self, std::move(s));
        if (self->connections.size() >= 4096 && self->connections.size() % 4096 == 0)
          std::erase_if(self->connections, [](auto& w) { return w.expired(); });
        self->connections.push_back(c);
        c->read();
      } else {
        ++self->accept_errors; // out of descriptors, say: keep accepting
      }
      self->accept();
    });
  }

  // Closes the listener and every connection; the I/O thread ends once their handlers ran.
  void close_all() {
    beast::error_code ignored;
    acceptor.close(ignored);
    for (auto& weak : connections)
      if (auto c = weak.lock()) {
        c->timer.cancel();
        c->socket.close(ignored);
      }
    connections.clear();
  }

  // The bytes of each answer, written as they are: the sink says the same few things every
  // time, so it renders them once instead of running Beast's serializer per request.
  static const std::string& answer_bytes(bh::status status, bool keep_alive) {
    static const auto render = [](bh::status st, bool keep) {
      std::string out = "HTTP/1.1 " + std::to_string(static_cast<unsigned>(st)) + " " +
                        std::string{bh::obsolete_reason(st)} + "\r\n";
      if (st == bh::status::too_many_requests)
        out += "Retry-After: 1\r\n";
      if (!keep)
        out += "Connection: close\r\n";
      return out + "Content-Length: 2\r\n\r\nok";
    };
    static const std::array<std::string, 6> bytes{render(bh::status::ok, true),
                                                  render(bh::status::ok, false),
                                                  render(bh::status::internal_server_error, true),
                                                  render(bh::status::internal_server_error, false),
                                                  render(bh::status::too_many_requests, true),
                                                  render(bh::status::too_many_requests, false)};
    auto row = status == bh::status::ok ? 0 : status == bh::status::internal_server_error ? 2 : 4;
    return bytes[row + (keep_alive ? 0 : 1)];
  }

  // One accepted connection. A plain socket, as in Beast's `http_server_fast` example: the
  // sink sets no timeouts, so `beast::tcp_stream`'s timer and executor wrapping would only
  // cost time on the thread that every scenario shares with hookd.
  struct connection : std::enable_shared_from_this<connection> {
    std::shared_ptr<impl> owner;
    tcp::socket socket;
    beast::flat_buffer buffer;
    std::optional<bh::request_parser<bh::string_body>> parser;
    const std::string* answer = nullptr;
    bool keep_open = true;
    net::steady_timer timer;

    connection(std::shared_ptr<impl> o, tcp::socket s)
        : owner(std::move(o)), socket(std::move(s)), timer(socket.get_executor()) {
      // Beast reads at most the buffer's free room (512 bytes when empty): without room for a
      // whole request, a 1 KiB event took three recv calls.
      buffer.reserve(16 * 1024);
    }

    void read() {
      parser.emplace(); // A parser reads one message; Beast's limits (1 MiB of body) stand.
      bh::async_read(socket, buffer, *parser,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec)
                         return;
                       auto& req = self->parser->get();
                       auto keep_alive = req.keep_alive();
                       self->reply(self->owner->handle(req), keep_alive);
                     });
    }

    void reply(bh::status status, bool keep_alive) {
      if (owner->behaviour.hang)
        return read_until_closed();
      answer = &answer_bytes(status, keep_alive);
      keep_open = keep_alive;
      auto delay = owner->pick_delay();
      if (delay.count() == 0)
        return write();
      timer.expires_after(delay);
      timer.async_wait([self = shared_from_this()](beast::error_code) { self->write(); });
    }

    void write() {
      net::async_write(socket, net::buffer(*answer),
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         if (ec || !self->keep_open)
                           return;
                         self->read();
                       });
    }

    // A hung endpoint: say nothing, notice when the sender gives up.
    void read_until_closed() {
      auto buf = std::make_shared<std::array<char, 4096>>();
      socket.async_read_some(net::buffer(*buf),
                             [self = shared_from_this(), buf](beast::error_code ec, std::size_t) {
                               if (!ec)
                                 self->read_until_closed();
                             });
    }
  };
};

sink::sink(std::string secret, sink_behaviour behaviour)
    : impl_(std::make_shared<impl>(secret, behaviour)) {
  tcp::endpoint ep{net::ip::make_address("127.0.0.1"), 0};
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(net::socket_base::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen(net::socket_base::max_listen_connections);
  impl_->accept();
  impl_->thread = std::thread{[i = impl_] {
    i->ioc.run();
    i->report.cpu_seconds = thread_cpu_seconds();
  }};
}

sink::~sink() {
  if (impl_->thread.joinable())
    stop();
}

void sink::reserve(std::size_t deliveries, std::size_t body_bytes) {
  // Room for the Standard Webhooks headers too: a message id, a timestamp, one signature.
  constexpr std::size_t header_bytes = 160;
  auto blocks = delivery_archive::prepare(
      deliveries * delivery_archive::footprint(header_bytes, 0, 0, body_bytes));
  std::promise<void> adopted;
  net::post(impl_->ioc, [i = impl_, &blocks, &adopted] {
    i->archive.adopt(std::move(blocks));
    adopted.set_value();
  });
  adopted.get_future().wait();
}

uint16_t sink::port() const noexcept {
  return impl_->acceptor.local_endpoint().port();
}

uint64_t sink::delivered() const noexcept {
  return impl_->delivered.load(std::memory_order_relaxed);
}

uint64_t sink::requests() const noexcept {
  return impl_->requests.load(std::memory_order_relaxed);
}

sink_report sink::stop() {
  net::post(impl_->ioc, [i = impl_] { i->close_all(); });
  if (impl_->thread.joinable())
    impl_->thread.join();
  impl_->verify_signatures();
  return std::move(impl_->report);
}

} // namespace hookd::bench
