#include "domain/crypto.hpp"
#include "domain/json_writer.hpp"
#include "domain/problem.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace hookd;

namespace {

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

} // namespace

TEST_CASE("sha256 and hex match the FIPS 180-2 vector", "[domain][crypto]") {
  auto d = sha256("abc");
  CHECK(to_hex(d) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  sha256_hasher h;
  h.update(std::string_view{"a"});
  h.update(std::string_view{"bc"});
  CHECK(h.finish() == d);
  CHECK(from_hex("BA78") == std::string{"\xba\x78"});
  CHECK_FALSE(from_hex("abc"));
  CHECK_FALSE(from_hex("zz"));
}

TEST_CASE("base64 follows RFC 4648 test vectors", "[domain][crypto]") {
  CHECK(base64_encode(bytes("")) == "");
  CHECK(base64_encode(bytes("f")) == "Zg==");
  CHECK(base64_encode(bytes("fo")) == "Zm8=");
  CHECK(base64_encode(bytes("foo")) == "Zm9v");
  CHECK(base64_encode(bytes("foobar")) == "Zm9vYmFy");
  CHECK(base64url_encode(bytes("\xfb\xff")) == "-_8");
}

TEST_CASE("constant_time_equal compares content and length", "[domain][crypto]") {
  CHECK(constant_time_equal("secret", "secret"));
  CHECK_FALSE(constant_time_equal("secret", "secreT"));
  CHECK_FALSE(constant_time_equal("secret", "secret2"));
}

TEST_CASE("json strings are escaped and invalid UTF-8 is replaced", "[domain][json]") {
  std::string out;
  append_json_string(out, "a\"b\\c\n\x01</\xC3\xA9");
  CHECK(out == "\"a\\\"b\\\\c\\n\\u0001</\xC3\xA9\"");
  out.clear();
  append_json_string(out, "x\xC3\x28y\xED\xA0\x80"); // Bad continuation; a UTF-16 surrogate.
  CHECK(out == "\"x\xEF\xBF\xBD(y\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST_CASE("json_writer places commas and nests", "[domain][json]") {
  json_writer w;
  w.begin_object().key("a").value(1).key("b").begin_array().value("x").null().value(true);
  w.end_array().key("c").raw(R"({"k": 2})").key("d").value(uint64_t{18446744073709551615ULL});
  w.end_object();
  CHECK(w.str() == R"({"a":1,"b":["x",null,true],"c":{"k": 2},"d":18446744073709551615})");
}

TEST_CASE("problems render as RFC 9457 documents", "[domain][problem]") {
  auto p = validation_problem({{"/events/1/type", "format", "bad type", {}},
                               {"/events/2/data", "too_large", "too big", 262144}});
  CHECK(p.status == 422);
  CHECK(p.field == "/events/1/type");
  auto json = render_problem(p, "req_1");
  CHECK(json.find(R"("type":"tag:hookd.dev,2026:problem/validation-failed")") != std::string::npos);
  CHECK(json.find(R"("status":422)") != std::string::npos);
  CHECK(json.find(
            R"("field":"/events/2/data","code":"too_large","detail":"too big","limit":262144)") !=
        std::string::npos);
  CHECK(json.find(R"("request_id":"req_1")") != std::string::npos);
}
