#include "tests/support/api_steps.hpp"

#include "tests/support/test_server.hpp"

#include <catch2/catch.hpp>

namespace hookd::test {

std::string create_webhook(http_client& c, const std::string& key, const std::string& name,
                           uint16_t port, const std::string& extra) {
  auto r = c.request("POST", "/v1/webhooks",
                     R"({"name":")" + name + R"(","url":"http://127.0.0.1:)" +
                         std::to_string(port) + "/" + name + R"(",)" + extra + "}",
                     key);
  REQUIRE(r.status == 201);
  return r.body;
}

std::string create_webhook_id(http_client& c, const std::string& key, const std::string& name,
                              uint16_t port, const std::string& extra) {
  return json_string(create_webhook(c, key, name, port, extra), "id");
}

std::string post_events(http_client& c, const std::string& key, const std::string& body) {
  auto r = c.request("POST", "/v1/events", body, key);
  INFO(r.body);
  REQUIRE(r.status == 202);
  return r.body;
}

std::string post_event_id(http_client& c, const std::string& key, const std::string& body) {
  return json_string(post_events(c, key, body), "id");
}

std::string application_event(const std::string& app) {
  return R"({"type":"deployment.succeeded","labels":{"application_id":")" + app +
         R"("},"data":{"app":")" + app + R"("}})";
}

simdjson::dom::element parse_json(simdjson::dom::parser& p, const std::string& body) {
  simdjson::dom::element doc;
  REQUIRE_FALSE(p.parse(body).get(doc));
  return doc;
}

} // namespace hookd::test
