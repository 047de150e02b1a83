#include "domain/delivery_message.hpp"
#include "domain/webhook_secret.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <map>
#include <set>

using namespace hookd;

TEST_CASE("delivery ids are stable per (webhook, event) and distinct otherwise",
          "[domain][delivery]") {
  auto a = delivery_message_id("wh_1", "evt_1");
  CHECK(a.starts_with("msg_"));
  CHECK(a.size() == 30);
  CHECK(a == delivery_message_id("wh_1", "evt_1"));
  CHECK(a != delivery_message_id("wh_2", "evt_1"));
  CHECK(a != delivery_message_id("wh_1", "evt_2"));
  // No ambiguity from concatenation: ("wh_1", "0evt") vs ("wh_10", "evt").
  CHECK(delivery_message_id("wh_1", "0evt") != delivery_message_id("wh_10", "evt"));
  std::set<std::string> many;
  for (int i = 0; i < 10000; ++i)
    many.insert(delivery_message_id("wh_x", "evt_" + std::to_string(i)));
  CHECK(many.size() == 10000);
}

TEST_CASE("the standard envelope splices the stored bytes", "[domain][delivery]") {
  event e;
  e.type = "deployment.success";
  e.received_at_ms = 1795503600500;
  e.data = "{ \"weird\" :\t[1,2], \"s\":\"\\u00e9\" }";
  auto body = render_standard_envelope(e);
  CHECK(body == "{\"type\":\"deployment.success\",\"timestamp\":\"2026-11-24T07:00:00.500Z\","
                "\"data\":{ \"weird\" :\t[1,2], \"s\":\"\\u00e9\" }}");
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  CHECK(p.parse(body).get(doc) == simdjson::SUCCESS);
}

TEST_CASE("signing: headers, one signature per key, verifiable independently",
          "[domain][delivery]") {
  hmac_sha256_key current{*parse_webhook_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")};
  hmac_sha256_key previous{std::string(32, 'p')};
  auto d = sign_delivery({}, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})",
                         {&current, &previous}, {{"X-Env", "prod"}});
  std::map<std::string, std::string> h(d.headers.begin(), d.headers.end());
  CHECK(h["webhook-id"] == "msg_p5jXN8AQM9LWM0D4loKWxJek");
  CHECK(h["webhook-timestamp"] == "1614265330");
  // The spec's vector for the current key, then the previous key's signature.
  CHECK(h["webhook-signature"].starts_with("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v1,"));
  auto first = std::string{"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= "};
  CHECK(h["webhook-signature"].substr(first.size()) ==
        standard_webhooks_signature(previous, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                    R"({"test": 2432232314})"));
  CHECK(h["Content-Type"] == "application/json");
  CHECK(h["User-Agent"].starts_with("hookd/"));
  CHECK(h["X-Env"] == "prod");
  CHECK(d.body == R"({"test": 2432232314})");
}
