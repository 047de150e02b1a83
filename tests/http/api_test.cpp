// The API as a plain function from a request to a response: no sockets.

#include "http/api.hpp"
#include "tests/support/test_server.hpp"

#include <catch2/catch.hpp>

#include <condition_variable>
#include <future>
#include <mutex>

using namespace hookd;
namespace bh = boost::beast::http;

namespace {

http::response call(http::api& a, bh::verb method, std::string target, std::string body = {},
                    std::string token = {}, std::string content_type = "application/json") {
  http::request req{method, target, 11};
  if (!token.empty())
    req.set(bh::field::authorization, "Bearer " + token);
  if (!body.empty())
    req.set(bh::field::content_type, content_type);
  req.body() = std::move(body);
  req.prepare_payload();
  std::promise<http::response> p;
  auto f = p.get_future();
  a.handle(std::move(req), [&p](http::response res) { p.set_value(std::move(res)); });
  return f.get();
}

} // namespace

TEST_CASE("api: routing, request ids and problem documents without sockets", "[http][api]") {
  test::test_server srv;
  auto& a = srv.api();
  auto health = call(a, bh::verb::get, "/healthz");
  CHECK(health.result_int() == 200);
  CHECK(health["X-Request-Id"].starts_with("req_"));

  auto missing = call(a, bh::verb::get, "/nope");
  CHECK(missing.result_int() == 404);
  CHECK(missing[bh::field::content_type] == "application/problem+json");

  auto wrong_method = call(a, bh::verb::put, "/v1/events", "{}", srv.admin_token());
  CHECK(wrong_method.result_int() == 405);
  CHECK(wrong_method[bh::field::allow] == "GET, POST");

  http::request req{bh::verb::get, "/healthz", 11};
  req.set("X-Request-Id", "client-chosen.1");
  std::promise<http::response> p;
  a.handle(std::move(req), [&](http::response r) { p.set_value(std::move(r)); });
  CHECK(p.get_future().get()["X-Request-Id"] == "client-chosen.1");

  auto unauth = call(a, bh::verb::get, "/v1/events");
  CHECK(unauth.result_int() == 401);
  CHECK(unauth[bh::field::www_authenticate] == R"(Bearer realm="hookd")");
  CHECK(unauth.body().find(R"("field":"Authorization")") != std::string::npos);
}

TEST_CASE("api: ingest answers only once durable, and reads it back", "[http][api]") {
  test::test_server srv;
  auto key = srv.make_tenant_key("acme");
  auto res = call(srv.api(), bh::verb::post, "/v1/events",
                  R"({"id":"d-1","type":"deployment.success","data":{"v": 1}})", key);
  REQUIRE(res.result_int() == 202);
  CHECK(res.body() == R"({"id":"d-1","seq":1})");
  auto got = call(srv.api(), bh::verb::get, "/v1/events/d-1", {}, key);
  CHECK(got.result_int() == 200);
  CHECK(got.body().find(R"("data":{"v": 1})") != std::string::npos);
  auto bad_type = call(srv.api(), bh::verb::post, "/v1/events", "{}", key, "text/plain");
  CHECK(bad_type.result_int() == 415);
}

TEST_CASE("api: an ingest answer is finished, and its call freed, on the connection's runner",
          "[http][api]") {
  test::test_server srv;
  auto key = srv.make_tenant_key("acme");
  // Owned by the call (through its responder): gone when the call is freed.
  struct probe {
    explicit probe(std::atomic<bool>& gone) : gone_(gone) {}
    ~probe() { gone_ = true; }
    std::atomic<bool>& gone_;
  };
  std::atomic<bool> call_freed{false};
  // The writer calls the runner inside its answer loop. This one hands the work to the test
  // thread, as a strand would to its thread, and holds the writer there until the test is
  // done: whatever the writer still owns of the call cannot be released meanwhile.
  std::mutex m;
  std::condition_variable cv;
  std::function<void()> handed;
  bool release_writer = false;
  http::connection_runner runner = [&](std::function<void()> fn) {
    std::unique_lock lock{m};
    handed = std::move(fn);
    cv.notify_all();
    cv.wait(lock, [&] { return release_writer; });
  };
  std::atomic<int> answers{0};
  std::optional<http::response> answer;
  http::request req{bh::verb::post, "/v1/events", 11};
  req.set(bh::field::authorization, "Bearer " + key);
  req.set(bh::field::content_type, "application/json");
  req.body() = R"({"id":"d-2","type":"deployment.started","data":{}})";
  req.prepare_payload();
  auto owned = std::make_shared<probe>(call_freed);
  srv.api().handle(
      std::move(req),
      [&, owned](http::response r) {
        answer = std::move(r);
        ++answers;
      },
      &runner);
  owned.reset();
  std::unique_lock lock{m};
  REQUIRE(cv.wait_for(lock, std::chrono::seconds{10}, [&] { return bool(handed); }));
  auto work = std::move(handed);
  lock.unlock();
  // The writer committed and handed the answer over; nobody answered on its thread.
  CHECK(answers == 0);
  work();
  work = nullptr;
  // The connection's thread dropped the work while the writer still waits in its answer loop:
  // the call is freed now, here, only if the writer kept no reference to it.
  CHECK(call_freed);
  lock.lock();
  release_writer = true;
  lock.unlock();
  cv.notify_all();
  REQUIRE(answers == 1);
  CHECK(answer->result_int() == 202);
  CHECK(answer->body() == R"({"id":"d-2","seq":1})");
}
