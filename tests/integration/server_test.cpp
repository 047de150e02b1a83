// Integration tests: a real hookd (node, API, Beast server) on 127.0.0.1 and port 0, driven by
// real HTTP clients over TCP.

#include "storage/log_reader.hpp"
#include "tests/support/test_server.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <simdjson.h>

#include <array>
#include <atomic>
#include <chrono>
#include <poll.h>
#include <set>
#include <sys/socket.h>
#include <thread>

using namespace hookd;
using test::http_client;
using test::test_server;

namespace {

std::string problem_type(const test::http_result& r) {
  auto t = test::json_string(r.body, "type");
  auto slash = t.rfind('/');
  return slash == std::string::npos ? t : t.substr(slash + 1);
}

// Number of elements of array `key` in a JSON object.
std::size_t array_size(const std::string& json, const char* key) {
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  simdjson::dom::array arr;
  if (p.parse(json).get(doc) || doc[key].get_array().get(arr))
    return SIZE_MAX;
  return arr.size();
}

std::string event_json(const std::string& type, const std::string& data = "{}",
                       const std::string& extra = {}) {
  return R"({"type":")" + type + R"(","data":)" + data + extra + "}";
}

} // namespace

TEST_CASE("server: health, readiness and unknown routes", "[integration]") {
  test_server srv;
  http_client c{srv.port()};
  CHECK(c.request("GET", "/healthz").status == 200);
  auto ready = c.request("GET", "/readyz");
  CHECK(ready.status == 200);
  CHECK(ready.body.find(R"("head_seq":0)") != std::string::npos);
  auto nf = c.request("GET", "/v2/whatever");
  CHECK(nf.status == 404);
  CHECK(nf.header("content-type") == "application/problem+json");
  CHECK_FALSE(nf.header("x-request-id").empty());
  CHECK(c.request("POST", "/healthz", "{}").status == 405);
}

TEST_CASE("server: 401 for missing, malformed, unknown and revoked keys", "[integration][auth]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  http_client c{srv.port()};
  CHECK(c.request("GET", "/v1/events").status == 401);
  CHECK(c.request("GET", "/v1/events", {}, "not-a-key").status == 401);
  CHECK(c.request("GET", "/v1/events", {}, key + "x").status == 401);
  auto forged = key;
  forged[forged.size() - 3] = forged[forged.size() - 3] == 'A' ? 'B' : 'A';
  CHECK(c.request("GET", "/v1/events", {}, forged).status == 401);
  CHECK(c.request("GET", "/v1/events", {}, "hkd_key_01ARYZ6S41TSV4RRFFQ69G5FAV_nosuchsecret")
            .status == 401);
  auto wrong_scheme = c.request("GET", "/v1/events", {}, {}, {{"Authorization", "Basic " + key}});
  CHECK(wrong_scheme.status == 401);
  CHECK(c.request("GET", "/v1/events", {}, key).status == 200);
  // Revocation takes effect at once.
  auto listed = c.request("GET", "/v1/api-keys", {}, test_server::admin_token());
  REQUIRE(listed.status == 200);
  CHECK(listed.body.find("\"key\"") == std::string::npos); // Never the secret.
  auto key_id = key.substr(4, 30);
  auto revoked = c.request("DELETE", "/v1/api-keys/" + key_id, {}, test_server::admin_token());
  CHECK(revoked.status == 200);
  CHECK(revoked.body.find(R"("revoked_at":null)") == std::string::npos);
  CHECK(c.request("GET", "/v1/events", {}, key).status == 401);
  CHECK(c.request("DELETE", "/v1/api-keys/key_nope", {}, test_server::admin_token()).status == 404);
}

TEST_CASE("server: 403 for missing scopes and for the admin key on tenant data",
          "[integration][auth]") {
  test_server srv;
  auto ingest_only = srv.make_tenant_key("acme", R"(["ingest"])");
  auto read_only = srv.make_tenant_key("acme", R"(["read"])");
  http_client c{srv.port()};
  CHECK(c.request("GET", "/v1/events", {}, ingest_only).status == 403);
  auto denied = c.request("POST", "/v1/events", event_json("a.b"), read_only);
  CHECK(denied.status == 403);
  CHECK(problem_type(denied) == "forbidden");
  CHECK(c.request("POST", "/v1/events", event_json("a.b"), test_server::admin_token()).status ==
        403);
  CHECK(c.request("POST", "/v1/tenants", R"({"name":"x"})", read_only).status == 403);
  CHECK(c.request("GET", "/v1/tenants", {}, read_only).status == 403);
  CHECK(c.request("POST", "/v1/api-keys", R"({"scopes":["read"]})", read_only).status == 403);
  // A manage key cannot grant scopes it does not have.
  auto manager = srv.make_tenant_key("acme", R"(["manage","read"])");
  CHECK(c.request("POST", "/v1/api-keys", R"({"scopes":["ingest"]})", manager).status == 403);
  auto own = c.request("POST", "/v1/api-keys", R"({"scopes":["read"]})", manager);
  CHECK(own.status == 201);
  CHECK(test::json_string(own.body, "tenant") == "acme");
}

TEST_CASE("server: tenants and keys are isolated: other tenants' objects are 404",
          "[integration][isolation]") {
  test_server srv;
  auto a = srv.make_tenant_key("tenant-a");
  auto b = srv.make_tenant_key("tenant-b");
  http_client c{srv.port()};
  auto posted = c.request("POST", "/v1/events", event_json("a.b", "{}", R"(,"id":"shared-id")"), a);
  REQUIRE(posted.status == 202);
  CHECK(c.request("GET", "/v1/events/shared-id", {}, a).status == 200);
  CHECK(c.request("GET", "/v1/events/shared-id", {}, b).status == 404);
  auto list_b = c.request("GET", "/v1/events", {}, b);
  CHECK(array_size(list_b.body, "data") == 0);
  // The same client id in tenant b is a different event.
  CHECK(
      c.request("POST", "/v1/events", event_json("a.b", "{}", R"(,"id":"shared-id")"), b).status ==
      202);
  CHECK(c.request("GET", "/v1/tenants/tenant-a", {}, b).status == 404);
  CHECK(c.request("GET", "/v1/tenants/tenant-b", {}, b).status == 200);
  // Keys: b cannot see or revoke a's keys, nor create keys in a.
  auto keys_b = c.request("GET", "/v1/api-keys", {}, b);
  CHECK(keys_b.body.find("tenant-a") == std::string::npos);
  auto a_key_id = a.substr(4, 30);
  CHECK(c.request("DELETE", "/v1/api-keys/" + a_key_id, {}, b).status == 404);
  CHECK(c.request("POST", "/v1/api-keys", R"({"tenant":"tenant-a","scopes":["read"]})", b).status ==
        404);
  CHECK(c.request("GET", "/v1/events", {}, a).status == 200); // a's key still works
}

TEST_CASE("server: tenant creation and listing", "[integration][tenants]") {
  test_server srv;
  http_client c{srv.port()};
  auto admin = test_server::admin_token();
  auto t = c.request("POST", "/v1/tenants", R"({"id":"t1","name":"One"})", admin);
  CHECK(t.status == 201);
  auto dup = c.request("POST", "/v1/tenants", R"({"id":"t1","name":"Again"})", admin);
  CHECK(dup.status == 409);
  CHECK(problem_type(dup) == "tenant-exists");
  auto bad = c.request("POST", "/v1/tenants", R"({"id":"bad id","name":""})", admin);
  CHECK(bad.status == 422);
  CHECK(array_size(bad.body, "errors") == 2);
  CHECK(c.request("POST", "/v1/tenants", R"({"name":"Two"})", admin).status == 201);
  CHECK(c.request("POST", "/v1/tenants", R"({"id":"t3","name":"Three"})", admin).status == 201);
  auto page1 = c.request("GET", "/v1/tenants?limit=2", {}, admin);
  CHECK(array_size(page1.body, "data") == 2);
  auto cursor = test::json_string(page1.body, "next_cursor");
  REQUIRE_FALSE(cursor.empty());
  auto page2 = c.request("GET", "/v1/tenants?limit=2&cursor=" + cursor, {}, admin);
  CHECK(array_size(page2.body, "data") == 1);
  CHECK(page2.body.find(R"("next_cursor":null)") != std::string::npos);
  auto key_for_missing =
      c.request("POST", "/v1/api-keys", R"({"tenant":"ghost","scopes":["read"]})", admin);
  CHECK(key_for_missing.status == 422);
  CHECK(c.request("POST", "/v1/api-keys", R"({"scopes":["read"]})", admin).status == 422);
}

TEST_CASE("server: ingest status codes: 202, 400, 413, 415, 422", "[integration][ingest]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  http_client c{srv.port()};
  auto ok =
      c.request("POST", "/v1/events", event_json("deployment.started", R"({"app":"web"})"), key);
  CHECK(ok.status == 202);
  CHECK(test::json_string(ok.body, "id").starts_with("evt_"));

  auto bad_json = c.request("POST", "/v1/events", R"({"type":"a.b","data":{)", key);
  CHECK(bad_json.status == 400);
  CHECK(problem_type(bad_json) == "invalid-json");
  auto bad_utf8 =
      c.request("POST", "/v1/events", "{\"type\":\"a.b\",\"data\":{\"k\":\"\xff\"}}", key);
  CHECK(bad_utf8.status == 400);
  CHECK(problem_type(bad_utf8) == "invalid-utf8");

  auto too_big =
      c.request("POST", "/v1/events",
                event_json("a.b", R"({"p":")" + std::string(1024 * 1024, 'x') + R"("})"), key);
  CHECK(too_big.status == 413);
  CHECK(problem_type(too_big) == "payload-too-large");
  CHECK(too_big.body.find(R"("limit":1048576)") != std::string::npos);

  auto no_ct =
      c.request("POST", "/v1/events", event_json("a.b"), key, {}, std::string{"text/plain"});
  CHECK(no_ct.status == 415);
  CHECK(c.request("POST", "/v1/events", event_json("a.b"), key, {},
                  std::string{"application/json; charset=utf-8"})
            .status == 202);
  CHECK(c.request("POST", "/v1/events", event_json("a.b"), key, {},
                  std::string{"application/cloudevents+json"})
            .status == 202);

  auto invalid = c.request("POST", "/v1/events", R"({"type":"Bad","data":{},"x":1})", key);
  CHECK(invalid.status == 422);
  CHECK(problem_type(invalid) == "validation-failed");
  CHECK(array_size(invalid.body, "errors") == 2);
  CHECK(invalid.body.find(R"("field":"/type","code":"format")") != std::string::npos);
  CHECK(invalid.body.find(R"("field":"/x","code":"unknown_field")") != std::string::npos);

  auto bad_key = c.request("POST", "/v1/events", event_json("a.b"), key,
                           {{"Idempotency-Key", std::string(256, 'k')}});
  CHECK(bad_key.status == 400);
  CHECK(test::json_string(bad_key.body, "field") == "Idempotency-Key");

  // Nothing that was rejected was stored: 4 accepted events only.
  auto listed = c.request("GET", "/v1/events", {}, key);
  CHECK(array_size(listed.body, "data") == 3);
}

TEST_CASE("server: a batch of 1000 is atomic: all stored, or none with every bad index",
          "[integration][ingest]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  http_client c{srv.port()};
  auto make_batch = [](int n, int bad_every) {
    std::string body = R"({"events":[)";
    for (int i = 0; i < n; ++i) {
      bool bad = bad_every > 0 && i % bad_every == 0;
      body += (i ? "," : "") +
              event_json(bad ? "Bad" : "build.completed", R"({"i":)" + std::to_string(i) + "}");
    }
    return body + "]}";
  };
  auto rejected = c.request("POST", "/v1/events", make_batch(1000, 250), key);
  CHECK(rejected.status == 422);
  CHECK(array_size(rejected.body, "errors") == 4);
  CHECK(rejected.body.find("/events/750/type") != std::string::npos);
  CHECK(array_size(c.request("GET", "/v1/events", {}, key).body, "data") == 0);

  auto accepted = c.request("POST", "/v1/events", make_batch(1000, 0), key);
  REQUIRE(accepted.status == 202);
  CHECK(array_size(accepted.body, "events") == 1000);
  CHECK(c.request("POST", "/v1/events", make_batch(1001, 0), key).status == 422);
  auto head = storage::log_reader{srv.core().db()}.head();
  CHECK(head->seq == 1000);
}

TEST_CASE("server: idempotency: replay, conflict, and 50 racing requests store one event",
          "[integration][idempotency]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  http_client c{srv.port()};
  auto body = event_json("payment.failed", R"({"amount":5})");
  auto first = c.request("POST", "/v1/events", body, key, {{"Idempotency-Key", "pay-1"}});
  REQUIRE(first.status == 202);
  auto again = c.request("POST", "/v1/events", body, key, {{"Idempotency-Key", "pay-1"}});
  CHECK(again.status == 200);
  CHECK(again.header("idempotent-replayed") == "true");
  CHECK(again.body == first.body);
  auto conflict = c.request("POST", "/v1/events", event_json("payment.failed", R"({"amount":6})"),
                            key, {{"Idempotency-Key", "pay-1"}});
  CHECK(conflict.status == 409);
  CHECK(problem_type(conflict) == "idempotency-conflict");

  // Repeated client ids: same content replays, other content conflicts.
  auto with_id = event_json("a.b", "{}", R"(,"id":"ext-9")");
  CHECK(c.request("POST", "/v1/events", with_id, key).status == 202);
  auto replay = c.request("POST", "/v1/events", with_id, key);
  CHECK(replay.status == 200);
  CHECK(replay.header("idempotent-replayed") == "true");
  auto id_conflict =
      c.request("POST", "/v1/events", event_json("a.c", "{}", R"(,"id":"ext-9")"), key);
  CHECK(id_conflict.status == 409);
  CHECK(problem_type(id_conflict) == "event-id-conflict");

  // The race: 50 concurrent connections, one key.
  std::atomic<int> created{0};
  std::atomic<int> replayed{0};
  std::mutex mtx;
  std::set<std::string> answers;
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i)
    threads.emplace_back([&] {
      http_client mine{srv.port()};
      auto r = mine.request("POST", "/v1/events", event_json("race.test", R"({"n":1})"), key,
                            {{"Idempotency-Key", "race-key"}});
      if (r.status == 202)
        ++created;
      else if (r.status == 200)
        ++replayed;
      std::lock_guard guard{mtx};
      answers.insert(r.body);
    });
  for (auto& t : threads)
    t.join();
  CHECK(created == 1);
  CHECK(replayed == 49);
  CHECK(answers.size() == 1);
  auto listed = c.request("GET", "/v1/events?type=race.test", {}, key);
  CHECK(array_size(listed.body, "data") == 1);
}

TEST_CASE("server: 503 with Retry-After when the writer queue is full, and nothing is stored",
          "[integration][overload]") {
  test::test_server_options opts;
  opts.api.max_queued_events = 2;
  test_server srv{opts};
  auto key = srv.make_tenant_key("acme");
  http_client c{srv.port()};
  auto batch = R"({"events":[)" + event_json("a.b") + "," + event_json("a.c") + "," +
               event_json("a.d") + "]}";
  auto r = c.request("POST", "/v1/events", batch, key);
  CHECK(r.status == 503);
  CHECK(r.header("retry-after") == "1");
  CHECK(problem_type(r) == "overloaded");
  CHECK(array_size(c.request("GET", "/v1/events", {}, key).body, "data") == 0);
  CHECK(c.request("POST", "/v1/events", event_json("a.b"), key).status == 202);
}

TEST_CASE("server: listing filters by type pattern, time, labels, with cursors",
          "[integration][listing]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  http_client c{srv.port()};
  for (int i = 0; i < 5; ++i)
    REQUIRE(c.request(
                 "POST", "/v1/events",
                 event_json("deployment.started", "{}",
                            R"(,"labels":{"application_id":"app_)" + std::to_string(i % 2) + "\"}"),
                 key)
                .status == 202);
  REQUIRE(c.request("POST", "/v1/events", event_json("build.failed"), key).status == 202);
  REQUIRE(c.request("POST", "/v1/events", event_json("payment.failed"), key).status == 202);
  CHECK(array_size(c.request("GET", "/v1/events?type=deployment.*", {}, key).body, "data") == 5);
  CHECK(array_size(c.request("GET", "/v1/events?type=build.failed", {}, key).body, "data") == 1);
  CHECK(array_size(c.request("GET", "/v1/events?type=*", {}, key).body, "data") == 7);
  CHECK(array_size(c.request("GET", "/v1/events?label=application_id:app_1", {}, key).body,
                   "data") == 2);
  CHECK(array_size(c.request("GET", "/v1/events?since=2999-01-01T00:00:00Z", {}, key).body,
                   "data") == 0);
  CHECK(array_size(c.request("GET", "/v1/events?until=2000-01-01T00:00:00Z", {}, key).body,
                   "data") == 0);
  CHECK(array_size(c.request("GET", "/v1/events?since=2000-01-01T00:00:00Z", {}, key).body,
                   "data") == 7);
  // Paging: 3 + 3 + 1, no duplicates.
  std::set<std::string> ids;
  std::string cursor;
  int pages = 0;
  do {
    auto r = c.request("GET", "/v1/events?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor),
                       {}, key);
    REQUIRE(r.status == 200);
    simdjson::dom::parser p;
    for (auto e : p.parse(r.body)["data"].get_array())
      ids.insert(std::string{e["id"].get_string().value()});
    cursor = test::json_string(r.body, "next_cursor");
    ++pages;
  } while (!cursor.empty() && pages < 10);
  CHECK(pages == 3);
  CHECK(ids.size() == 7);
  for (auto bad : {"limit=0", "limit=1001", "limit=x", "type=Bad", "since=yesterday",
                   "label=nocolon", "cursor=zzz"}) {
    auto r = c.request("GET", std::string{"/v1/events?"} + bad, {}, key);
    INFO(bad);
    CHECK(r.status == 400);
    CHECK(problem_type(r) == "invalid-parameter");
  }
  // Custom types appear in the catalog once used.
  auto types = c.request("GET", "/v1/event-types", {}, key);
  CHECK(types.body.find(R"("type":"payment.failed","group":"custom")") != std::string::npos);
  CHECK(types.body.find(R"("type":"deployment.started","group":"deployments")") !=
        std::string::npos);
  auto other = srv.make_tenant_key("other");
  CHECK(c.request("GET", "/v1/event-types", {}, other).body.find("payment.failed") ==
        std::string::npos);
}

TEST_CASE("server: pipelined requests are answered in order", "[integration][http]") {
  test_server srv;
  namespace net = boost::asio;
  namespace bh = boost::beast::http;
  net::io_context ioc;
  net::ip::tcp::socket s{ioc};
  s.connect({net::ip::make_address("127.0.0.1"), srv.port()});
  std::string reqs;
  for (auto path : {"/healthz", "/nope", "/readyz", "/healthz"})
    reqs += std::string{"GET "} + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
  net::write(s, net::buffer(reqs));
  boost::beast::flat_buffer buf;
  std::vector<int> statuses;
  for (int i = 0; i < 4; ++i) {
    bh::response<bh::string_body> res;
    bh::read(s, buf, res);
    statuses.push_back(res.result_int());
  }
  CHECK(statuses == std::vector<int>{200, 404, 200, 200});
}

TEST_CASE("server: slow-loris clients and oversized headers are cut off", "[integration][http]") {
  test::test_server_options opts;
  opts.server.request_timeout = std::chrono::seconds{1};
  test_server srv{opts};
  namespace net = boost::asio;
  SECTION("a request trickled in slower than the request timeout is closed") {
    net::io_context ioc;
    net::ip::tcp::socket s{ioc};
    s.connect({net::ip::make_address("127.0.0.1"), srv.port()});
    auto start = std::chrono::steady_clock::now();
    net::write(s, net::buffer(std::string{"GET /healthz HTTP/1.1\r\nHost: x\r\n"}));
    boost::system::error_code ec;
    bool closed = false;
    for (int i = 0; i < 40 && !closed; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds{100});
      net::write(s, net::buffer(std::string{"X-a: b\r\n"}), ec); // Keeps trickling.
      closed = static_cast<bool>(ec);
    }
    auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(closed);
    CHECK(elapsed < std::chrono::seconds{4});
  }
  SECTION("a header block over 16 KiB answers 431") {
    auto r = http_client::raw(srv.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                              std::string(17 * 1024, 'h') + "\r\n\r\n");
    CHECK(r.status == 431);
    CHECK(r.header("content-type") == "application/problem+json");
  }
  SECTION("garbage answers 400") {
    auto r = http_client::raw(srv.port(), "HELLO\r\n\r\n");
    CHECK(r.status == 400);
  }
  // The server still serves others.
  http_client c{srv.port()};
  CHECK(c.request("GET", "/healthz").status == 200);
}

namespace {

// A plain keep-alive connection to a test server, for sending raw bytes at a chosen pace.
struct raw_connection {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket{ioc};
  boost::beast::flat_buffer buffer;

  explicit raw_connection(uint16_t port) {
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  }
  /// Sends `bytes`; false once the server has closed the connection.
  bool send(const std::string& bytes) {
    boost::system::error_code ec;
    boost::asio::write(socket, boost::asio::buffer(bytes), ec);
    return !ec;
  }
  /// The next answer's status, or -1 when the connection closed first.
  int read_status() {
    boost::beast::http::response<boost::beast::http::string_body> res;
    boost::system::error_code ec;
    boost::beast::http::read(socket, buffer, res, ec);
    return ec ? -1 : static_cast<int>(res.result_int());
  }
};

} // namespace

TEST_CASE("server: a body that arrives after its header is read whole, under the request timeout",
          "[integration][http]") {
  test::test_server_options opts;
  opts.server.request_timeout = std::chrono::seconds{1};
  test_server srv{opts};
  raw_connection c{srv.port()};
  SECTION("in pieces, within the timeout: answered, and the connection stays in step") {
    REQUIRE(c.send("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 30\r\n\r\n"));
    for (int i = 0; i < 3; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds{100});
      REQUIRE(c.send(std::string(10, static_cast<char>('a' + i))));
    }
    auto first = c.read_status();
    CHECK(first != -1);
    CHECK(first != 400);
    // Had the body not been consumed whole, this request would be parsed from its middle.
    REQUIRE(c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK(c.read_status() == 200);
  }
  SECTION("slower than the timeout: the connection is closed") {
    auto start = std::chrono::steady_clock::now();
    REQUIRE(c.send("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"));
    bool closed = false;
    for (int i = 0; i < 10 && !closed; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds{300});
      closed = !c.send(std::string(10, 'b'));
    }
    if (!closed)
      closed = c.read_status() == -1; // The last piece was sent; the answer must not come.
    CHECK(closed);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds{2900});
  }
}

TEST_CASE("server: an idle keep-alive connection is closed after the idle timeout, a busy one "
          "is not",
          "[integration][http]") {
  test::test_server_options opts;
  opts.server.idle_timeout = std::chrono::seconds{1};
  test_server srv{opts};
  raw_connection c{srv.port()};
  auto get = [&] {
    REQUIRE(c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    return c.read_status();
  };
  SECTION("requests 400 ms apart keep it open past the timeout") {
    std::vector<int> statuses;
    for (int i = 0; i < 6; ++i) {
      statuses.push_back(get());
      std::this_thread::sleep_for(std::chrono::milliseconds{400});
    }
    CHECK(statuses == std::vector<int>(6, 200));
  }
  SECTION("silence after an answer is closed by the server") {
    REQUIRE(get() == 200);
    auto start = std::chrono::steady_clock::now();
    // poll, not a blocking asio read: a server that never closes fails the test in 5 s.
    pollfd readable{c.socket.native_handle(), POLLIN, 0};
    REQUIRE(::poll(&readable, 1, 5000) == 1);
    auto elapsed = std::chrono::steady_clock::now() - start;
    std::array<char, 16> byte{};
    CHECK(::recv(c.socket.native_handle(), byte.data(), byte.size(), MSG_DONTWAIT) == 0); // EOF
    CHECK(elapsed >= std::chrono::milliseconds{800});
    CHECK(elapsed < std::chrono::seconds{4});
  }
}

TEST_CASE("limits: each API key has an ingest rate, and over it 429 with Retry-After",
          "[integration][limits]") {
  test::test_server_options opts;
  opts.api.ingest_rate = 1; // one event per second
  opts.api.ingest_burst = 5;
  test::test_server srv{opts};
  auto key = srv.make_tenant_key("acme");
  auto other = srv.make_tenant_key("acme");
  test::http_client c{srv.port()};
  std::string five = R"({"events":[)";
  for (int i = 0; i < 5; ++i)
    five += (i ? "," : "") + std::string{R"({"type":"a.b","data":{}})"};
  five += "]}";
  REQUIRE(c.request("POST", "/v1/events", five, key).status == 202); // the burst
  auto r = c.request("POST", "/v1/events", R"({"type":"a.b","data":{"late":true}})", key);
  CHECK(r.status == 429);
  CHECK(r.headers["content-type"] == "application/problem+json");
  CHECK(r.headers["retry-after"] == "1");
  CHECK(r.body.find("rate-limited") != std::string::npos);
  CHECK(r.body.find(R"("limit":5)") != std::string::npos);
  // Another key of the same tenant has its own bucket.
  CHECK(c.request("POST", "/v1/events", R"({"type":"a.b","data":{}})", other).status == 202);
  // Refused events were not stored.
  auto list = c.request("GET", "/v1/events?limit=100", {}, key);
  CHECK(list.body.find("late") == std::string::npos);
  // More than the burst in one request can never pass.
  std::string six = R"({"events":[)";
  for (int i = 0; i < 6; ++i)
    six += (i ? "," : "") + std::string{R"({"type":"a.b","data":{}})"};
  CHECK(c.request("POST", "/v1/events", six + "]}", other).status == 429);
}

TEST_CASE("server: with two I/O threads, connections are shared between them and each is served",
          "[integration][http]") {
  test::test_server_options opts;
  opts.server.threads = 2;
  test_server srv{opts};
  auto key = srv.make_tenant_key("acme");
  // The set-up's connection is closed; wait until the server has noticed.
  for (int i = 0; i < 500 && srv.http_server().connections() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  REQUIRE(srv.http_server().connections() == 0);
  // Four connections held open at once: the quietest thread takes each new one.
  std::vector<std::unique_ptr<raw_connection>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<raw_connection>(srv.port()));
    REQUIRE(held.back()->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    // poll, not a blocking read: a connection on a thread that serves nothing fails in 5 s.
    pollfd readable{held.back()->socket.native_handle(), POLLIN, 0};
    REQUIRE(::poll(&readable, 1, 5000) == 1);
    CHECK(held.back()->read_status() == 200);
  }
  CHECK(srv.http_server().connections_per_thread() == std::vector<std::size_t>{2, 2});

  // Both threads ingest at once: every event is stored once, in one sequence.
  constexpr int clients = 8;
  constexpr int per_client = 50;
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t)
    threads.emplace_back([&, t] {
      http_client mine{srv.port()};
      for (int i = 0; i < per_client; ++i) {
        auto r = mine.request(
            "POST", "/v1/events",
            event_json("lane.test", "{}",
                       R"(,"id":"e-)" + std::to_string(t) + "-" + std::to_string(i) + "\""),
            key);
        if (r.status == 202)
          ++accepted;
      }
    });
  for (auto& t : threads)
    t.join();
  CHECK(accepted == clients * per_client);
  auto head = storage::log_reader{srv.core().db()}.head();
  REQUIRE(head);
  CHECK(head->seq == clients * per_client);
}

namespace {

// Waits up to `limit` for the server to close `c`; returns the time it took, or nullopt.
std::optional<std::chrono::steady_clock::duration> time_to_close(raw_connection& c,
                                                                 std::chrono::milliseconds limit) {
  auto start = std::chrono::steady_clock::now();
  for (;;) {
    auto left = limit - std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - start);
    pollfd readable{c.socket.native_handle(), POLLIN, 0};
    if (left.count() <= 0 || ::poll(&readable, 1, static_cast<int>(left.count())) != 1)
      return std::nullopt;
    std::array<char, 4096> bytes{};
    auto n = ::recv(c.socket.native_handle(), bytes.data(), bytes.size(), MSG_DONTWAIT);
    if (n == 0)
      return std::chrono::steady_clock::now() - start; // EOF
    if (n < 0 && errno != EAGAIN)
      return std::chrono::steady_clock::now() - start; // Reset.
  }
}

} // namespace

TEST_CASE("server: the idle and the request timeout each bound their own wait",
          "[integration][http]") {
  SECTION("an idle timeout longer than the request timeout is kept; a stalled request is cut "
          "off at the request timeout") {
    test::test_server_options opts;
    opts.server.request_timeout = std::chrono::seconds{1};
    opts.server.idle_timeout = std::chrono::seconds{3};
    test_server srv{opts};
    raw_connection c{srv.port()};
    REQUIRE(c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(c.read_status() == 200);
    // Idle for twice the request timeout, within the idle timeout: still open.
    std::this_thread::sleep_for(std::chrono::seconds{2});
    REQUIRE(c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK(c.read_status() == 200);
    // Half a request, then nothing: closed after the request timeout, not the idle one.
    REQUIRE(c.send("GET /healthz HTTP/1.1\r\n"));
    auto closed = time_to_close(c, std::chrono::milliseconds{5000});
    REQUIRE(closed);
    CHECK(*closed >= std::chrono::milliseconds{800});
    CHECK(*closed < std::chrono::milliseconds{2500});
  }
  SECTION("a refused body's lingering close ends after 2 s, under much longer timeouts") {
    test::test_server_options opts;
    opts.server.max_body_bytes = 1024;
    test_server srv{opts}; // The defaults: 10 s per request, 60 s idle.
    raw_connection c{srv.port()};
    // Announces 1 MiB: answered 413, then the server reads and discards what still comes.
    REQUIRE(c.send("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: "
                   "application/json\r\nContent-Length: 1048576\r\n\r\n"));
    CHECK(c.read_status() == 413);
    // Keep sending: the writes fail once the server has closed the socket.
    auto start = std::chrono::steady_clock::now();
    bool refused = false;
    for (int i = 0; i < 80 && !refused; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds{100});
      refused = !c.send(std::string(100, 'x'));
    }
    auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(refused);
    CHECK(elapsed >= std::chrono::milliseconds{1500});
    CHECK(elapsed < std::chrono::milliseconds{4000});
  }
}
