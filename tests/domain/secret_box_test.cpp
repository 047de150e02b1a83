#include "domain/secret_box.hpp"

#include <catch2/catch.hpp>

using namespace hookd;

TEST_CASE("secret box: seals with a fresh nonce and opens only with its key and aad",
          "[domain][secrets]") {
  secret_box box{secret_box::generate()};
  auto a = box.seal("whsec_abc", "wh_1");
  auto b = box.seal("whsec_abc", "wh_1");
  CHECK(a != b); // a random nonce per value
  CHECK(a.size() == 1 + 12 + 9 + 16);
  CHECK(a.find("whsec_abc") == std::string::npos);
  CHECK(box.open(a, "wh_1") == std::optional<std::string>{"whsec_abc"});
  CHECK(box.open(b, "wh_1") == std::optional<std::string>{"whsec_abc"});
  CHECK_FALSE(box.open(a, "wh_2")); // another record's value does not open
  secret_box other{secret_box::generate()};
  CHECK_FALSE(other.open(a, "wh_1")); // nor with another key
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto tampered = a;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    INFO("byte " << i);
    CHECK_FALSE(box.open(tampered, "wh_1"));
  }
  CHECK_FALSE(box.open(a.substr(0, 20), "wh_1"));
  CHECK_FALSE(box.open("", "wh_1"));
  CHECK(box.open(box.seal("", "x"), "x") == std::optional<std::string>{""});
}

TEST_CASE("secret box: master keys are base64 of exactly 32 bytes", "[domain][secrets]") {
  auto key = secret_box::generate();
  auto text = secret_box::format_key(key);
  CHECK(secret_box::parse_key(text) == key);
  CHECK_FALSE(secret_box::parse_key("c2hvcnQ="));           // 5 bytes
  CHECK_FALSE(secret_box::parse_key(text + text));          // 64 bytes
  CHECK_FALSE(secret_box::parse_key("not base64 at all!")); // not base64
  CHECK_FALSE(secret_box::parse_key(""));
  CHECK(secret_box::generate() != secret_box::generate());
}
