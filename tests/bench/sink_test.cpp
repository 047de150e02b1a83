#include "bench/harness/event_body.hpp"
#include "bench/harness/sink.hpp"
#include "bench/harness/world.hpp"
#include "domain/hmac.hpp"
#include "domain/webhook_secret.hpp"
#include "tests/support/http_client.hpp"

#include <catch2/catch.hpp>

namespace {

using namespace hookd;

// The Standard Webhooks headers of a delivery of `body` signed with `key`.
std::map<std::string, std::string> signed_headers(const hmac_sha256_key& key, const std::string& id,
                                                  int64_t at, const std::string& body) {
  return {{"webhook-id", id},
          {"webhook-timestamp", std::to_string(at)},
          {"webhook-signature", "v1," + standard_webhooks_signature(key, id, at, body)}};
}

std::string event(uint64_t index) {
  std::string out;
  bench::append_event(out, index, 256);
  return out;
}

} // namespace

TEST_CASE("bench sink: bad signatures and duplicates are counted, good deliveries are not",
          "[bench]") {
  const auto& secret = bench::world::secret();
  hmac_sha256_key key{*parse_webhook_secret(secret)};
  hmac_sha256_key other{"not the webhook's secret"};
  bench::sink receiver{secret, {}};
  receiver.reserve(2, 1024); // as the scenarios do before their measured window
  test::http_client client{receiver.port()};
  auto post = [&](const std::string& path, const std::string& body,
                  std::map<std::string, std::string> headers) {
    return client.request("POST", path, body, {}, std::move(headers)).status;
  };
  auto first = event(0);
  auto second = event(1);
  auto third = event(2);
  CHECK(post("/w0", first, signed_headers(key, "msg_0", 1700000000, first)) == 200);
  CHECK(post("/w0", second, signed_headers(other, "msg_1", 1700000000, second)) == 200);
  // Signed for another body: the signature covers the body.
  CHECK(post("/w1", third, signed_headers(key, "msg_2", 1700000000, first)) == 200);
  // Signed for another message id.
  auto headers = signed_headers(key, "msg_0", 1700000000, first);
  headers["webhook-id"] = "msg_9";
  CHECK(post("/w1", first, headers) == 200);
  // The first delivery again: a duplicate, with a good signature.
  CHECK(post("/w0", first, signed_headers(key, "msg_0", 1700000001, first)) == 200);
  CHECK(receiver.requests() == 5);
  CHECK(receiver.delivered() == 4); // (w0, 0), (w0, 1), (w1, 2), (w1, 0)
  auto seen = receiver.stop();
  CHECK(seen.requests == 5);
  CHECK(seen.bad_signatures == 3);
  CHECK(seen.duplicates == 1);
  REQUIRE(seen.seen.size() == 2);
  CHECK(seen.ingest_to_receipt.count() == 4);
}
