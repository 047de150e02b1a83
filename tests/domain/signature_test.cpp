#include "domain/crypto.hpp"
#include "domain/hmac.hpp"
#include "domain/webhook_secret.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace hookd;

TEST_CASE("hmac: RFC 4231 test case 2", "[domain][signature]") {
  hmac_sha256_key key{"Jefe"};
  CHECK(to_hex(key.sign({"what do ya want ", "for nothing?"})) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // The precomputed key gives the same answer every time.
  CHECK(key.sign({"what do ya want for nothing?"}) ==
        key.sign({"what do ya ", "want for nothing?"}));
}

TEST_CASE("hmac: a key's reused contexts keep no state between signatures, on any thread",
          "[domain][signature]") {
  // RFC 4231 messages under one key, interleaved: a context that
  // carried anything over from the signature before would give a different MAC.
  hmac_sha256_key key{"Jefe"};
  const std::string rfc = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  const auto other = key.sign({"Hi There"});
  CHECK(other != key.sign({"what do ya want for nothing?"}));
  std::atomic<int> wrong{0};
  std::vector<std::thread> signers;
  for (int t = 0; t < 4; ++t)
    signers.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (to_hex(key.sign({"what do ya want ", "for nothing?"})) != rfc)
          ++wrong;
        if (key.sign({"Hi There"}) != other)
          ++wrong;
      }
    });
  for (auto& t : signers)
    t.join();
  CHECK(wrong.load() == 0);
  // A moved key signs as before.
  hmac_sha256_key moved{std::move(key)};
  CHECK(to_hex(moved.sign({"what do ya want for nothing?"})) == rfc);
}

TEST_CASE("hmac: the spare contexts that keys keep are bounded, and freed with their keys",
          "[domain][signature]") {
  const auto before = hmac_sha256_key::spare_contexts();
  {
    std::vector<hmac_sha256_key> keys;
    for (int i = 0; i < 1500; ++i)
      keys.emplace_back("key-" + std::to_string(i));
    for (const auto& k : keys)
      k.sign({"body"});
    CHECK(hmac_sha256_key::spare_contexts() > before);
    CHECK(hmac_sha256_key::spare_contexts() <= 1024);
    // Past the budget, a key still signs correctly (copying its keyed context).
    CHECK(keys.back().sign({"body"}) == hmac_sha256_key{"key-1499"}.sign({"body"}));
  }
  CHECK(hmac_sha256_key::spare_contexts() == before);
}

TEST_CASE("standard webhooks: the specification's signing vector", "[domain][signature]") {
  // From the Standard Webhooks reference libraries' tests ("sign function works").
  auto raw = parse_webhook_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  REQUIRE(raw);
  hmac_sha256_key key{*raw};
  CHECK(standard_webhooks_signature(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                    R"({"test": 2432232314})") ==
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  // One changed byte of the body, the id or the timestamp changes the signature.
  CHECK(standard_webhooks_signature(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                    R"({"test": 2432232315})") !=
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  CHECK(standard_webhooks_signature(key, "msg_p5jXN8AQM9LWM0D4loKWxJeK", 1614265330,
                                    R"({"test": 2432232314})") !=
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST_CASE("webhook secrets: whsec_ plus base64 of 24 to 64 bytes", "[domain][signature]") {
  auto of = [](std::size_t n) {
    std::string raw(n, '\x5a');
    return "whsec_" + base64_encode({reinterpret_cast<const uint8_t*>(raw.data()), raw.size()});
  };
  CHECK(parse_webhook_secret(of(24)));
  CHECK(parse_webhook_secret(of(64)));
  CHECK_FALSE(parse_webhook_secret(of(23)));
  CHECK_FALSE(parse_webhook_secret(of(65)));
  CHECK_FALSE(parse_webhook_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")); // No prefix.
  CHECK_FALSE(parse_webhook_secret("whsec_not*base64*at*all*but*long*enough"));
  auto made = make_webhook_secret();
  CHECK(made.starts_with("whsec_"));
  CHECK(parse_webhook_secret(made)->size() == 32);
  CHECK(made != make_webhook_secret());
}

TEST_CASE("base64 decoding is strict", "[domain][crypto]") {
  CHECK(base64_decode("Zm9vYmFy") == "foobar");
  CHECK(base64_decode("Zm9vYg==") == "foob");
  CHECK(base64_decode("Zm9vYg") == "foob");
  CHECK_FALSE(base64_decode("Zm9vY"));    // Impossible length.
  CHECK_FALSE(base64_decode("Zm9vYh==")); // Non-zero trailing bits.
  CHECK_FALSE(base64_decode("Zm9v-_"));   // URL alphabet is not accepted here.
}
