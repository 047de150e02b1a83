#include "http/server.hpp"

#include <boost/beast/http/write.hpp>
#include <catch2/catch.hpp>

#include <sstream>

namespace bh = boost::beast::http;

namespace {

// The bytes Beast's serializer writes for `res`.
std::string serialized(const hookd::http::response& res) {
  std::ostringstream out;
  out << res;
  return out.str();
}

} // namespace

TEST_CASE("server: a flattened answer has the bytes of Beast's serializer", "[http][server]") {
  hookd::http::response res;
  SECTION("202 with a JSON body, kept alive") {
    res = {bh::status::accepted, 11};
    res.set(bh::field::content_type, "application/json");
    res.set("x-request-id", "req_01");
    res.body() = R"({"id":"evt_1","seq":7})";
    res.keep_alive(true);
  }
  SECTION("401 that closes the connection, with a custom field order") {
    res = {bh::status::unauthorized, 11};
    res.set(bh::field::www_authenticate, R"(Bearer realm="hookd")");
    res.set(bh::field::content_type, "application/problem+json");
    res.body() = R"({"status":401})";
    res.keep_alive(false);
  }
  SECTION("HTTP/1.0, no body") {
    res = {bh::status::no_content, 10};
    res.set(bh::field::server, "hookd/test");
  }
  SECTION("a reason phrase set by hand, and an empty field value") {
    res = {bh::status::ok, 11};
    res.reason("Fine");
    res.set("x-empty", "");
    res.body() = "ok";
  }
  res.prepare_payload();
  std::string flat = "left over from the previous answer";
  hookd::http::flatten(res, flat);
  CHECK(flat == serialized(res));
}
