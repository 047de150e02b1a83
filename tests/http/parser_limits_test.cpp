#include "http/server.hpp"

#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <catch2/catch.hpp>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
using hookd::http::server_config;

namespace {

// Reads one request from `bytes` through a test stream with the server's limits applied.
beast::error_code read_with_limits(const std::string& bytes, const server_config& cfg) {
  net::io_context ioc;
  beast::test::stream stream{ioc, bytes};
  stream.close_remote();
  beast::flat_buffer buffer;
  bh::request_parser<bh::string_body> parser;
  hookd::http::apply_limits(parser, cfg);
  beast::error_code ec;
  bh::read(stream, buffer, parser, ec);
  return ec;
}

std::string request_with_body(std::size_t n) {
  return "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(n) + "\r\n\r\n" + std::string(n, 'x');
}

std::string request_with_header(std::size_t value_bytes) {
  return "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(value_bytes, 'h') + "\r\n\r\n";
}

server_config limits(std::size_t header, std::size_t body) {
  server_config cfg;
  cfg.max_header_bytes = header;
  cfg.max_body_bytes = body;
  return cfg;
}

} // namespace

TEST_CASE("parser limits: the body limit is exact", "[http][limits]") {
  auto cfg = limits(16 * 1024, 1000);
  CHECK_FALSE(read_with_limits(request_with_body(1000), cfg));
  auto ec = read_with_limits(request_with_body(1001), cfg);
  CHECK(ec == bh::error::body_limit);
  auto p = hookd::http::read_error_problem(ec, cfg);
  REQUIRE(p);
  CHECK(p->status == 413);
  CHECK(p->type == "payload-too-large");
  CHECK(p->limit == 1000);
}

TEST_CASE("parser limits: the header limit answers 431", "[http][limits]") {
  auto cfg = limits(16 * 1024, 1000);
  CHECK_FALSE(read_with_limits(request_with_header(8 * 1024), cfg));
  auto ec = read_with_limits(request_with_header(17 * 1024), cfg);
  CHECK(ec == bh::error::header_limit);
  auto p = hookd::http::read_error_problem(ec, cfg);
  REQUIRE(p);
  CHECK(p->status == 431);
  CHECK(p->limit == 16 * 1024);
}

TEST_CASE("parser limits: malformed HTTP is 400 and a closed stream is not an error to answer",
          "[http][limits]") {
  auto cfg = limits(16 * 1024, 1000);
  auto ec = read_with_limits("NOT HTTP AT ALL\r\n\r\n", cfg);
  REQUIRE(ec);
  auto p = hookd::http::read_error_problem(ec, cfg);
  REQUIRE(p);
  CHECK(p->status == 400);
  CHECK_FALSE(hookd::http::read_error_problem(bh::error::end_of_stream, cfg));
  CHECK_FALSE(hookd::http::read_error_problem(beast::error::timeout, cfg));
  // A Content-Length that lies about a chunked body is refused too.
  auto smuggle = read_with_limits("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                                  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                                  cfg);
  CHECK(smuggle);
}
