#include "tests/support/test_server.hpp"

#include "actors/type_ids.hpp"
#include "tests/support/test_db.hpp"

#include <simdjson.h>

#include <stdexcept>

namespace hookd::test {

test_server::test_server(test_server_options opts) {
  add_message_types(cfg_);
  cfg_.set("scheduler.max-threads", std::size_t{2});
  sys_ = std::make_unique<caf::actor_system>(cfg_);
  node_config ncfg;
  data_ = opts.data_dir.empty() ? dir_.path() : opts.data_dir;
  ncfg.data_dir = data_;
  ncfg.acme = opts.acme;
  ncfg.retention = opts.retention;
  ncfg.retention_interval = opts.retention_interval;
  ncfg.secrets = test::test_secret_box();
  ncfg.policy = opts.policy;
  auto n = node::start(*sys_, ncfg, time_);
  if (!n)
    throw std::runtime_error("node start failed: " + n.error().detail);
  node_ = std::move(*n);
  auth_ = std::make_unique<http::authenticator>(admin_token());
  api_ = std::make_unique<http::api>(*sys_, *node_, time_, *auth_, opts.api);
  opts.server.host = "127.0.0.1";
  opts.server.port = 0;
  server_ = std::make_unique<http::server>(*api_, opts.server);
  auto port = server_->listen();
  if (!port)
    throw std::runtime_error("listen failed: " + port.error().detail);
  port_ = *port;
  server_->start();
}

test_server::~test_server() {
  api_->begin_shutdown();
  server_->stop(std::chrono::seconds{5});
  server_.reset();
  api_.reset();
  node_->stop();
}

std::string test_server::make_tenant_key(const std::string& id, const std::string& scopes) {
  http_client c{port_};
  auto t = c.request("POST", "/v1/tenants",
                     R"({"id":")" + id + R"(","name":"Tenant )" + id + R"("})", admin_token());
  if (t.status != 201 && t.status != 409)
    throw std::runtime_error("tenant creation failed: " + t.body);
  auto k = c.request("POST", "/v1/api-keys",
                     R"({"tenant":")" + id + R"(","scopes":)" + scopes + "}", admin_token());
  if (k.status != 201)
    throw std::runtime_error("key creation failed: " + k.body);
  return json_string(k.body, "key");
}

std::string json_string(const std::string& json, const std::string& key) {
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  if (p.parse(json).get(doc) != simdjson::SUCCESS)
    return {};
  std::string_view v;
  if (doc[key].get_string().get(v) != simdjson::SUCCESS)
    return {};
  return std::string{v};
}

} // namespace hookd::test
