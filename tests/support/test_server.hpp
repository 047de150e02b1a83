#pragma once

#include "actors/node.hpp"
#include "domain/clock.hpp"
#include "http/api.hpp"
#include "http/authenticator.hpp"
#include "http/server.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_db.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <memory>
#include <string>

namespace hookd::test {

/// Knobs for an in-process server.
struct test_server_options {
  /// Passed to the API.
  http::api_config api;
  /// Passed to the server (host and port are forced to 127.0.0.1:0).
  http::server_config server;
  /// Where webhooks may point; loopback and plain http by default (the test receivers).
  address_policy policy = loopback_policy();
  /// The ACME watcher and expiry scan (no stores by default).
  acme_watch_config acme;
  /// Reuse this data folder (a restart) instead of a fresh one; it must outlive the server.
  std::filesystem::path data_dir;
  /// The node's retention, and how often it runs (0: only through POST /v1/admin/retention).
  std::chrono::milliseconds retention{0};
  std::chrono::milliseconds retention_interval{0};
};

/// A real hookd (node, API, Beast server) in this process, on 127.0.0.1 and a free port, with
/// a fresh data folder. The admin token is `admin_token()`.
class test_server {
 public:
  explicit test_server(test_server_options opts = {});
  ~test_server();

  /// The bound port.
  uint16_t port() const noexcept { return port_; }
  /// The admin bearer token.
  static std::string admin_token() { return "test-admin-token-0123456789"; }
  /// The data folder.
  const std::filesystem::path& data_dir() const noexcept { return data_; }
  /// The node (for reading the log directly).
  hookd::node& core() { return *node_; }
  /// The API.
  http::api& api() { return *api_; }
  /// The HTTP server.
  http::server& http_server() { return *server_; }

  /// Creates tenant `id` and returns a key with `scopes` (JSON array text) for it.
  std::string make_tenant_key(const std::string& id,
                              const std::string& scopes = R"(["ingest","read","manage"])");

 private:
  temp_dir dir_;
  std::filesystem::path data_;
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  system_clock time_;
  std::unique_ptr<hookd::node> node_;
  std::unique_ptr<http::authenticator> auth_;
  std::unique_ptr<http::api> api_;
  std::unique_ptr<http::server> server_;
  uint16_t port_ = 0;
};

/// Extracts string member `key` from a flat JSON object (test helper, not a JSON parser).
std::string json_string(const std::string& json, const std::string& key);

} // namespace hookd::test
