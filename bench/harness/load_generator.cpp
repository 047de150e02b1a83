#include "bench/harness/load_generator.hpp"

#include "bench/harness/cpu_time.hpp"
#include "bench/harness/event_body.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <optional>
#include <thread>

namespace hookd::bench {

namespace beast = boost::beast;
namespace bh = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

struct run_state {
  const load_options& opts;
  net::io_context ioc;
  load_report report;
  uint64_t next_request = 0;
  clock_type::time_point start;
  clock_type::time_point last_answer;

  explicit run_state(const load_options& o) : opts(o) {}

  // The next request's number and intended start, or nullopt when the run is over.
  std::optional<std::pair<uint64_t, clock_type::time_point>> take() {
    auto now = clock_type::now();
    if (opts.requests > 0 && next_request >= opts.requests)
      return std::nullopt;
    if (opts.duration.count() > 0 && now >= start + opts.duration)
      return std::nullopt;
    auto n = next_request++;
    auto at = now;
    if (opts.rate > 0)
      at = start + std::chrono::duration_cast<clock_type::duration>(
                       std::chrono::duration<double>(static_cast<double>(n) / opts.rate));
    return std::pair{n, at};
  }
};

class connection : public std::enable_shared_from_this<connection> {
 public:
  explicit connection(run_state& run) : run_(run), stream_(run.ioc), timer_(run.ioc) {}

  void begin() {
    stream_.async_connect(tcp::endpoint{net::ip::make_address("127.0.0.1"), run_.opts.port},
                          [self = shared_from_this()](beast::error_code ec) {
                            if (ec) {
                              ++self->run_.report.errors;
                              return;
                            }
                            self->stream_.socket().set_option(tcp::no_delay{true});
                            self->next();
                          });
  }

 private:
  void next() {
    auto job = run_.take();
    if (!job) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      return;
    }
    number_ = job->first;
    intended_ = job->second;
    if (intended_ > clock_type::now()) {
      timer_.expires_at(intended_);
      return timer_.async_wait([self = shared_from_this()](beast::error_code) { self->send(); });
    }
    send();
  }

  void send() {
    const auto& o = run_.opts;
    first_index_ = o.first_index + number_ * o.events_per_request;
    req_ = {bh::verb::post, o.target, 11};
    req_.set(bh::field::host, "127.0.0.1");
    req_.set(bh::field::content_type, "application/json");
    if (!o.token.empty())
      req_.set(bh::field::authorization, "Bearer " + o.token);
    req_.body() = ingest_body(first_index_, o.events_per_request, o.event_size);
    req_.keep_alive(true);
    req_.prepare_payload();
    if (run_.opts.rate <= 0)
      intended_ = clock_type::now();
    bh::async_write(stream_, req_, [self = shared_from_this()](beast::error_code ec, auto) {
      if (ec)
        return self->fail();
      self->res_ = {};
      bh::async_read(self->stream_, self->buffer_, self->res_, [self](beast::error_code ec, auto) {
        if (ec)
          return self->fail();
        self->answered();
      });
    });
  }

  void answered() {
    auto now = clock_type::now();
    auto& r = run_.report;
    ++r.requests;
    auto status = res_.result_int();
    ++r.statuses[static_cast<int>(status)];
    if (status >= 200 && status < 300) {
      ++r.ok;
      r.acked_first.push_back(first_index_);
    } else {
      ++r.refused;
    }
    r.ack.record(std::chrono::duration_cast<std::chrono::microseconds>(now - intended_).count());
    run_.last_answer = now;
    if (!res_.keep_alive())
      return reconnect();
    next();
  }

  void fail() {
    ++run_.report.errors;
    reconnect();
  }

  void reconnect() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
    std::make_shared<connection>(run_)->begin();
  }

  run_state& run_;
  beast::tcp_stream stream_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  bh::request<bh::string_body> req_;
  bh::response<bh::string_body> res_;
  uint64_t number_ = 0;
  uint64_t first_index_ = 0;
  clock_type::time_point intended_;
};

} // namespace

load_report run_load(const load_options& opts) {
  run_state run{opts};
  run.start = clock_type::now();
  run.last_answer = run.start;
  for (std::size_t i = 0; i < std::max<std::size_t>(opts.connections, 1); ++i)
    std::make_shared<connection>(run)->begin();
  std::thread io{[&] {
    run.ioc.run();
    run.report.cpu_seconds = thread_cpu_seconds();
  }};
  io.join();
  run.report.seconds = std::chrono::duration<double>(run.last_answer - run.start).count();
  return std::move(run.report);
}

} // namespace hookd::bench
