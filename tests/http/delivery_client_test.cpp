// The outbound client against real receivers on 127.0.0.1 (plain and TLS).

#include "http/client/delivery_client.hpp"
#include "tests/support/receiver.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_db.hpp"

#include <catch2/catch.hpp>

#include <condition_variable>
#include <future>
#include <map>
#include <mutex>

using namespace hookd;
using namespace std::chrono_literals;
using test::receiver;
using test::reply;

namespace {

delivery_request to(uint16_t port, std::string body = R"({"a":1})", std::string scheme = "http",
                    std::string host = "127.0.0.1") {
  delivery_request r;
  r.pool = "wh_test";
  r.target = *parse_url(scheme + "://" + host + ":" + std::to_string(port) + "/hook?x=1");
  r.headers = {{"Content-Type", "application/json"}, {"webhook-id", "msg_1"}};
  r.body = std::move(body);
  r.timeout = 3s;
  return r;
}

delivery_response send(http::delivery_client& c, delivery_request r) {
  std::promise<delivery_response> p;
  auto f = p.get_future();
  c.send(std::move(r), [&p](delivery_response res) { p.set_value(std::move(res)); });
  REQUIRE(f.wait_for(20s) == std::future_status::ready);
  return f.get();
}

// A client for the test receivers on loopback, trusting `ca_file` when given.
http::delivery_client_config loopback(std::string ca_file = {}) {
  http::delivery_client_config cfg;
  cfg.ca_file = std::move(ca_file);
  cfg.policy = test::loopback_policy();
  return cfg;
}

} // namespace

TEST_CASE("client: posts the exact body and headers, and reads the answer", "[http][client]") {
  receiver rx{[](const test::received_request&) {
    return reply{201, "created!", {{"Retry-After", "7"}}};
  }};
  http::delivery_client c{loopback()};
  auto res = send(c, to(rx.port(), "{\"exact\": \"bytes\" }"));
  CHECK(res.error == transport_error::none);
  CHECK(res.status == 201);
  CHECK(res.body == "created!");
  CHECK(res.retry_after == "7");
  CHECK_FALSE(res.truncated);
  CHECK(res.duration > 0us);
  auto reqs = rx.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].method == "POST");
  CHECK(reqs[0].target == "/hook?x=1");
  CHECK(reqs[0].body == "{\"exact\": \"bytes\" }");
  CHECK(reqs[0].headers["webhook-id"] == "msg_1");
  CHECK(reqs[0].headers["host"] == "127.0.0.1:" + std::to_string(rx.port()));
  CHECK(reqs[0].headers["content-length"] == "19");
}

TEST_CASE("client: a later header replaces an earlier one of the same name, once",
          "[http][client]") {
  receiver rx{[](const test::received_request&) { return reply{}; }};
  http::delivery_client c{loopback()};
  auto r = to(rx.port());
  // As a webhook's custom headers come after the defaults.
  r.headers = {{"Content-Type", "application/json"},
               {"User-Agent", "hookd"},
               {"webhook-id", "msg_1"},
               {"content-type", "application/cloudevents+json"},
               {"X-Env", "prod"}};
  REQUIRE(send(c, r).status == 200);
  auto reqs = rx.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].headers["content-type"] == "application/cloudevents+json"); // sent once
  CHECK(reqs[0].headers["user-agent"] == "hookd");
  CHECK(reqs[0].headers["x-env"] == "prod");
  CHECK(reqs[0].headers["content-length"] == "7");
  CHECK(reqs[0].headers.count("connection") == 0); // HTTP/1.1 keeps the connection anyway
  CHECK(reqs[0].body == R"({"a":1})");
}

TEST_CASE("client: keep-alive connections are reused per pool", "[http][client]") {
  receiver rx{[](const test::received_request&) { return reply{}; }};
  http::delivery_client c{loopback()};
  for (int i = 0; i < 10; ++i)
    CHECK(send(c, to(rx.port())).status == 200);
  CHECK(c.connections_opened() == 1);
  CHECK(rx.connections() == 1);
  // Another pool (another webhook) does not borrow it.
  auto other = to(rx.port());
  other.pool = "wh_other";
  CHECK(send(c, other).status == 200);
  CHECK(c.connections_opened() == 2);
  // Closing a pool drops its idle connections.
  c.close_pool("wh_test");
  CHECK(send(c, to(rx.port())).status == 200);
  CHECK(c.connections_opened() == 3);
}

TEST_CASE("client: an attempt's deadline ends with it, and its pooled connection stays open",
          "[http][client]") {
  receiver rx{[](const test::received_request&) { return reply{}; }};
  http::delivery_client c{loopback()};
  auto req = to(rx.port());
  req.timeout = 100ms;
  CHECK(send(c, req).status == 200);
  std::this_thread::sleep_for(250ms); // Past the first attempt's deadline.
  auto second = send(c, req);
  CHECK(second.error == transport_error::none);
  CHECK(second.status == 200);
  CHECK(c.connections_opened() == 1);
  CHECK(rx.connections() == 1);
}

TEST_CASE("client: a stale keep-alive connection is retried once on a fresh one",
          "[http][client]") {
  receiver rx{[](const test::received_request&) {
    reply r;
    r.close_after = true; // Answers keep-alive, then closes anyway.
    return r;
  }};
  http::delivery_client c{loopback()};
  CHECK(send(c, to(rx.port())).status == 200);
  std::this_thread::sleep_for(50ms); // Let the close reach us.
  auto second = send(c, to(rx.port()));
  CHECK(second.error == transport_error::none);
  CHECK(second.status == 200);
  CHECK(rx.requests().size() == 2);
}

TEST_CASE("client: statuses are reported, redirects are not followed", "[http][client]") {
  receiver rx{[](const test::received_request& r) {
    if (r.target.find("x=1") != std::string::npos && r.body == "redirect")
      return reply{302, "", {{"Location", "http://127.0.0.1:1/elsewhere"}}};
    return reply{503, "busy", {{"Retry-After", "120"}}};
  }};
  http::delivery_client c{loopback()};
  auto redirected = send(c, to(rx.port(), "redirect"));
  CHECK(redirected.status == 302);
  CHECK(rx.requests().size() == 1);
  auto busy = send(c, to(rx.port()));
  CHECK(busy.status == 503);
  CHECK(busy.retry_after == "120");
}

TEST_CASE("client: response bodies are cut at the excerpt limit", "[http][client]") {
  receiver rx{[](const test::received_request&) {
    return reply{200, std::string(100 * 1024, 'b'), {}};
  }};
  http::delivery_client c{loopback()};
  auto res = send(c, to(rx.port()));
  CHECK(res.status == 200);
  CHECK(res.body.size() == 64 * 1024);
  CHECK(res.truncated);
  // The half-read connection was not put back.
  CHECK(send(c, to(rx.port())).status == 200);
  CHECK(c.connections_opened() == 2);
}

TEST_CASE("client: timeouts, refusals and hang-ups are classified", "[http][client]") {
  http::delivery_client c{loopback()};
  SECTION("a receiver slower than the timeout") {
    receiver rx{[](const test::received_request&) {
      reply r;
      r.delay = 3s;
      return r;
    }};
    auto req = to(rx.port());
    req.timeout = 300ms;
    auto start = std::chrono::steady_clock::now();
    auto res = send(c, req);
    CHECK(res.error == transport_error::timeout);
    CHECK_FALSE(res.status);
    CHECK(std::chrono::steady_clock::now() - start < 2s);
  }
  SECTION("nobody listening") {
    uint16_t port;
    {
      receiver gone{[](const test::received_request&) { return reply{}; }};
      port = gone.port();
    }
    auto res = send(c, to(port));
    CHECK(res.error == transport_error::connect_failed);
  }
  SECTION("the receiver closes without answering") {
    receiver rx{[](const test::received_request&) {
      reply r;
      r.hang_up = true;
      return r;
    }};
    auto res = send(c, to(rx.port()));
    CHECK(res.error == transport_error::connection_reset);
  }
}

TEST_CASE("client: HTTPS verifies the chain and the host name", "[http][client][tls]") {
  test::temp_dir dir;
  auto cert = test::make_test_certificate(dir.path().string(), "DNS:localhost,IP:127.0.0.1");
  receiver rx{[](const test::received_request& r) {
                return reply{200, "tls:" + r.body, {}};
              },
              cert};
  SECTION("trusted CA: delivered") {
    http::delivery_client c{loopback(cert.cert_file)};
    auto res = send(c, to(rx.port(), "secure", "https", "localhost"));
    CHECK(res.error == transport_error::none);
    CHECK(res.body == "tls:secure");
    auto by_ip = send(c, to(rx.port(), "ip", "https", "127.0.0.1"));
    CHECK(by_ip.status == 200);
  }
  SECTION("untrusted certificate: tls_failed, nothing delivered") {
    http::delivery_client c{loopback()}; // The system store does not know this certificate.
    auto res = send(c, to(rx.port(), "secure", "https", "localhost"));
    CHECK(res.error == transport_error::tls_failed);
    CHECK(rx.requests().empty());
  }
  SECTION("wrong host name: tls_failed") {
    test::temp_dir other_dir;
    auto other = test::make_test_certificate(other_dir.path().string(), "DNS:example.internal");
    receiver wrong{[](const test::received_request&) { return reply{}; }, other};
    http::delivery_client c{loopback(other.cert_file)};
    auto res = send(c, to(wrong.port(), "x", "https", "localhost"));
    CHECK(res.error == transport_error::tls_failed);
    CHECK(wrong.requests().empty());
  }
}

TEST_CASE("client: a name that resolves to a blocked address is refused before connecting",
          "[http][client][ssrf]") {
  receiver rx{[](const test::received_request&) { return reply{}; }};
  http::delivery_client strict; // the default policy: public addresses only
  for (auto host : {"localhost", "127.0.0.1"}) {
    INFO(host);
    auto res = send(strict, to(rx.port(), "{}", "http", host));
    CHECK(res.error == transport_error::blocked_address);
    CHECK(res.detail.find("loopback") != std::string::npos);
    CHECK(classify_attempt(res.error, res.status) == attempt_class::permanent);
  }
  CHECK(rx.requests().empty());
  CHECK(strict.connections_opened() == 0); // refused before any connection
  // With the operator's allow-list, the same name goes through.
  http::delivery_client allowed{loopback()};
  auto res = send(allowed, to(rx.port(), "{}", "http", "localhost"));
  CHECK(res.status == 200);
}

TEST_CASE("client: requests to one origin are capped over every pool, the rest wait their turn",
          "[http][client]") {
  std::atomic<int> now_serving{0};
  std::atomic<int> most{0};
  receiver slow{[&](const test::received_request&) {
    auto n = ++now_serving;
    for (int seen = most.load(); n > seen && !most.compare_exchange_weak(seen, n);)
      ;
    std::this_thread::sleep_for(100ms);
    --now_serving;
    return reply{};
  }};
  receiver other{[](const test::received_request&) { return reply{}; }};
  auto cfg = loopback();
  cfg.max_per_origin = 2;
  http::delivery_client c{cfg};
  // Six requests from six webhooks (pools) to one origin, sent at once.
  std::vector<std::future<delivery_response>> answers;
  std::vector<std::shared_ptr<std::promise<delivery_response>>> promises;
  for (int i = 0; i < 6; ++i) {
    auto p = std::make_shared<std::promise<delivery_response>>();
    answers.push_back(p->get_future());
    auto r = to(slow.port());
    r.pool = "wh_" + std::to_string(i);
    c.send(std::move(r), [p](delivery_response res) { p->set_value(std::move(res)); });
  }
  // Another origin is not held up behind them.
  auto started = std::chrono::steady_clock::now();
  CHECK(send(c, to(other.port())).status == 200);
  CHECK(std::chrono::steady_clock::now() - started < 250ms);
  for (auto& f : answers) {
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    CHECK(f.get().status == 200);
  }
  CHECK(most.load() == 2); // never more than the cap at once, and the cap was used
  CHECK(slow.requests().size() == 6);
  // A request whose deadline passes while it waits fails as a timeout, without being sent.
  auto p = std::make_shared<std::promise<delivery_response>>();
  auto late = p->get_future();
  for (int i = 0; i < 2; ++i)
    c.send(to(slow.port()), [](delivery_response) {});
  auto r = to(slow.port());
  r.timeout = 50ms;
  c.send(std::move(r), [p](delivery_response res) { p->set_value(std::move(res)); });
  REQUIRE(late.wait_for(10s) == std::future_status::ready);
  auto res = late.get();
  CHECK(res.error == transport_error::timeout);
  CHECK(res.detail.find("waiting for a connection") != std::string::npos);
}

TEST_CASE("client: answers that arrive together each reach their own callback once, and a "
          "callback may send again",
          "[http][client]") {
  // The receiver echoes the body, so each callback can tell its own answer.
  receiver rx{[](const test::received_request& req) {
    reply r;
    r.body = req.body;
    return r;
  }};
  http::delivery_client c{loopback()};
  constexpr int firsts = 32;
  std::mutex m;
  std::condition_variable cv;
  std::map<std::string, int> answered; // body -> callbacks run for it
  int mismatched = 0;
  auto note = [&](const std::string& sent, const delivery_response& res) {
    std::lock_guard lock{m};
    ++answered[sent];
    if (res.status != 200 || res.body != sent)
      ++mismatched;
    cv.notify_all();
  };
  // Sent at once, so answers end in the same rounds of the client's loop; each first answer
  // sends a second request from inside its callback, on the client's thread.
  for (int i = 0; i < firsts; ++i) {
    auto first = "first-" + std::to_string(i);
    c.send(to(rx.port(), first), [&, first, i](delivery_response res) {
      note(first, res);
      auto second = "second-" + std::to_string(i);
      c.send(to(rx.port(), second), [&, second](delivery_response again) { note(second, again); });
    });
  }
  std::unique_lock lock{m};
  REQUIRE(cv.wait_for(lock, 20s, [&] { return answered.size() == 2 * firsts; }));
  CHECK(mismatched == 0);
  for (const auto& [body, times] : answered)
    CHECK(times == 1);
  CHECK(rx.requests().size() == 2 * firsts);
}
