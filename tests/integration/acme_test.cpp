// The ACME watcher and the expiry scan end to end: a real hookd, a Traefik acme.json written by
// the test with certificates from a throwaway CA (OpenSSL, in the test), and the events hookd
// appends read back from its log and from a real receiver.

#include "domain/provisioning.hpp"
#include "domain/timestamp.hpp"
#include "tests/support/api_steps.hpp"
#include "tests/support/receiver.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_db.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/test_server.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <fstream>
#include <thread>

using namespace hookd;
using namespace std::chrono_literals;
using test::http_client;
using test::test_server;
using test::test_server_options;

namespace {

void write_file(const std::filesystem::path& p, const std::string& text) {
  // Written in place, like Traefik (inotify sees IN_MODIFY and IN_CLOSE_WRITE).
  std::ofstream out{p, std::ios::binary | std::ios::trunc};
  out << text;
}

// Waits until the log holds `n` events of `type` (at most `timeout`), and returns them.
std::vector<event> wait_for_events(test_server& srv, std::string_view type, std::size_t n,
                                   std::chrono::milliseconds timeout = 15s) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto found = test::read_log(srv.core().db(), type);
    if (found.size() >= n || std::chrono::steady_clock::now() > until)
      return found;
    std::this_thread::sleep_for(20ms);
  }
}

simdjson::dom::element data_of(simdjson::dom::parser& p, const event& e) {
  simdjson::dom::element doc;
  REQUIRE(p.parse(e.data).get(doc) == simdjson::SUCCESS);
  return doc;
}

std::string text(simdjson::dom::element el) {
  std::string_view s;
  REQUIRE(el.get_string().get(s) == simdjson::SUCCESS);
  return std::string{s};
}

acme_watch_config fast_watch(const std::filesystem::path& store) {
  acme_watch_config cfg;
  if (!store.empty())
    cfg.stores.push_back({"", "", store});
  cfg.poll_interval = 100ms;
  return cfg;
}

std::string started(const std::string& domains, const std::string& extra = {}) {
  return R"({"type":"domain.provisioning.started","labels":{"server_id":"srv1"},"data":{"domains":)" +
         domains + R"(,"certificate_type":"http-01")" + extra + "}}";
}

} // namespace

TEST_CASE("acme: a half-written store is retried, then every domain is covered: completed",
          "[integration][acme]") {
  test::temp_dir dir;
  auto store = dir.path() / "acme.json";
  write_file(store,
             R"({"letsencrypt":{"Account":{"Email":"ops@example.com"},"Certificates":null}})");
  test_server_options opts;
  opts.acme = fast_watch(store);
  test_server srv{opts};
  auto key = srv.make_tenant_key("acme");
  http_client c{srv.port()};
  test::receiver rx{[](const test::received_request&) { return test::reply{200, "ok", {}}; }};
  test::create_webhook_id(c, key, "proxy", rx.port(), R"("events":["domain.provisioning.*"])");

  auto id = test::post_event_id(
      c, key, started(R"(["app.example.com","www.example.com","a.wild.example.com"])"));
  test::test_ca ca{"hookd test CA"};
  auto app =
      ca.issue("app.example.com", {"app.example.com", "www.example.com"}, -60, 90 * 86400, 12345);
  auto wild = ca.issue("*.wild.example.com", {"*.wild.example.com"}, -60, 30 * 86400, 777);
  auto full = test::traefik_acme_json("letsencrypt", {{"app.example.com", {"www.example.com"}, app},
                                                      {"*.wild.example.com", {}, wild}});

  // A partial write (Traefik rewriting the file), then a store missing one domain: nothing yet.
  write_file(store, full.substr(0, full.size() / 2));
  write_file(store, test::traefik_acme_json("letsencrypt",
                                            {{"app.example.com", {"www.example.com"}, app}}));
  std::this_thread::sleep_for(500ms); // five polls, and inotify
  CHECK(test::read_log(srv.core().db(), provisioning_completed_type).empty());
  CHECK(test::read_log(srv.core().db(), provisioning_failed_type).empty());

  write_file(store, full);
  auto done = wait_for_events(srv, provisioning_completed_type, 1);
  REQUIRE(done.size() == 1);
  CHECK(done[0].labels == std::vector<label>{{"server_id", "srv1"}});
  simdjson::dom::parser p;
  auto d = data_of(p, done[0]);
  CHECK(text(d["started_event_id"]) == id);
  CHECK(text(d["issuer"]) == "CN=hookd test CA,O=hookd tests");
  CHECK(text(d["subject"]) == "CN=app.example.com,O=hookd tests");
  CHECK(text(d["serial"]) == "3039"); // 12345
  CHECK(text(d["sans"].at(1)) == "www.example.com");
  CHECK(text(d["acme_path"]) == store.string());
  // The dates come from the certificate: not_after is 90 days from its issue.
  auto not_after = parse_rfc3339(text(d["not_after"]));
  REQUIRE(not_after);
  auto expected = done[0].received_at_ms + 90LL * 86400 * 1000;
  CHECK(std::abs(*not_after - expected) < 60'000);
  CHECK(text(d["fingerprint_sha256"]).size() == 95);
  // The wildcard certificate covers a.wild.example.com.
  REQUIRE(d["certificates"].get_array().size() == 2);
  CHECK(text(d["certificates"].at(1)["domains"].at(0)) == "a.wild.example.com");
  CHECK(text(d["certificates"].at(1)["serial"]) == "0309");
  // Delivered like any other event; and only once.
  REQUIRE(rx.wait_for(2, 20s) >= 2);
  std::this_thread::sleep_for(300ms);
  CHECK(test::read_log(srv.core().db(), provisioning_completed_type).size() == 1);
  auto bodies = rx.requests();
  CHECK(bodies.back().body.find(R"("type":"domain.provisioning.completed")") != std::string::npos);
}

TEST_CASE("acme: timeouts, ACME errors in the log and refused paths fail the request",
          "[integration][acme]") {
  test::temp_dir dir;
  auto store = dir.path() / "acme.json";
  auto errors = dir.path() / "traefik.log";
  write_file(store, R"({"le":{"Certificates":[]}})");
  write_file(errors, "level=info msg=\"Configuration loaded\"\n");
  test_server_options opts;
  opts.acme = fast_watch(store);
  opts.acme.allowed_dirs = {dir.path()};
  test_server srv{opts};
  auto key = srv.make_tenant_key("acme");
  http_client c{srv.port()};

  auto slow =
      test::post_event_id(c, key, started(R"(["never.example.com"])", R"(,"timeout_seconds":1)"));
  auto failed = wait_for_events(srv, provisioning_failed_type, 1);
  REQUIRE(failed.size() == 1);
  simdjson::dom::parser p;
  auto d = data_of(p, failed[0]);
  CHECK(text(d["started_event_id"]) == slow);
  CHECK(text(d["reason"]) == "timeout");
  CHECK(text(d["missing"].at(0)) == "never.example.com");
  auto started_events = test::read_log(srv.core().db(), provisioning_started_type);
  REQUIRE(started_events.size() == 1);
  CHECK(failed[0].received_at_ms >= started_events[0].received_at_ms + 1000);

  // An ACME error naming the domain fails the request early, with the log line.
  auto bad = test::post_event_id(
      c, key, started(R"(["bad.example.com"])", R"(,"error_log":")" + errors.string() + R"(")"));
  std::this_thread::sleep_for(300ms);
  {
    std::ofstream log{errors, std::ios::app};
    log << "level=error msg=\"Unable to obtain ACME certificate for domains "
           "\\\"bad.example.com\\\": "
           "acme: error: 403 :: urn:ietf:params:acme:error:unauthorized\"\n";
  }
  failed = wait_for_events(srv, provisioning_failed_type, 2);
  REQUIRE(failed.size() == 2);
  auto e = data_of(p, failed[1]);
  CHECK(text(e["started_event_id"]) == bad);
  CHECK(text(e["reason"]) == "acme_error");
  CHECK(text(e["error"]).find("urn:ietf:params:acme:error:unauthorized") != std::string::npos);

  // A request's own acme_path must be absolute and inside an allowed folder.
  test::post_event_id(c, key, started(R"(["x.example.com"])", R"(,"acme_path":"/etc/passwd")"));
  failed = wait_for_events(srv, provisioning_failed_type, 3);
  REQUIRE(failed.size() == 3);
  CHECK(text(data_of(p, failed[2])["reason"]) == "store_not_allowed");
  // And a request without domains is refused as invalid.
  test::post_event_id(c, key, R"({"type":"domain.provisioning.started","data":{"domains":[]}})");
  failed = wait_for_events(srv, provisioning_failed_type, 4);
  REQUIRE(failed.size() == 4);
  CHECK(text(data_of(p, failed[3])["reason"]) == "invalid_request");
}

TEST_CASE("acme: watches survive a restart and keep their original deadline",
          "[integration][acme]") {
  test::temp_dir data;
  test::temp_dir dir;
  auto store = dir.path() / "acme.json";
  write_file(store, R"({"le":{"Certificates":[]}})");
  test_server_options opts;
  opts.acme = fast_watch(store);
  opts.data_dir = data.path();
  std::string short_id, long_id;
  int64_t short_received = 0;
  {
    test_server first{opts};
    auto key = first.make_tenant_key("acme");
    http_client c{first.port()};
    short_id =
        test::post_event_id(c, key, started(R"(["late.example.com"])", R"(,"timeout_seconds":2)"));
    long_id = test::post_event_id(c, key,
                                  started(R"(["soon.example.com"])", R"(,"timeout_seconds":600)"));
    short_received =
        test::read_log(first.core().db(), provisioning_started_type).at(0).received_at_ms;
  } // stopped mid-watch
  // Down past the short deadline: after the restart it fails at once, with its original
  // deadline (not restart time plus the timeout).
  std::this_thread::sleep_for(2500ms);
  test::test_ca ca{"restart CA"};
  test_server second{opts};
  auto failed = wait_for_events(second, provisioning_failed_type, 1, 5s);
  REQUIRE(failed.size() == 1);
  simdjson::dom::parser p;
  auto d = data_of(p, failed[0]);
  CHECK(text(d["started_event_id"]) == short_id);
  CHECK(parse_rfc3339(text(d["deadline"])) == short_received + 2000);
  // The other watch is still open and completes when its certificate appears.
  write_file(store,
             test::traefik_acme_json(
                 "le", {{"soon.example.com",
                         {},
                         ca.issue("soon.example.com", {"soon.example.com"}, -60, 86400 * 60, 9)}}));
  auto done = wait_for_events(second, provisioning_completed_type, 1);
  REQUIRE(done.size() == 1);
  CHECK(text(data_of(p, done[0])["started_event_id"]) == long_id);
  CHECK(test::read_log(second.core().db(), provisioning_failed_type).size() == 1);
}

TEST_CASE("expiry: each threshold is sent once per certificate, across a restart",
          "[integration][acme][expiry]") {
  test::temp_dir data;
  test::temp_dir certs;
  test::test_ca ca{"expiry CA"};
  constexpr int64_t day = 86400;
  struct cert {
    uint64_t serial;
    int64_t not_after_s;
    int threshold; // expected; 0: none
  };
  const std::vector<cert> all{{0x20, 20 * day, 30},
                              {0x10, 10 * day, 14},
                              {0x3, 3 * day, 7},
                              {0x1, day / 2, 1},
                              {0x100, 100 * day, 0}};
  for (const auto& c : all)
    write_file(certs.path() / ("cert-" + std::to_string(c.serial) + ".pem"),
               ca.issue("svc" + std::to_string(c.serial) + ".example.com",
                        {"svc" + std::to_string(c.serial) + ".example.com"}, -60, c.not_after_s,
                        c.serial));
  write_file(certs.path() / "notes.txt", "not a certificate");
  test_server_options opts;
  opts.acme = fast_watch({});
  opts.acme.expiry_targets = {{"acme", certs.path()}};
  opts.acme.expiry_interval = 100ms;
  opts.data_dir = data.path();
  auto check_once = [&](test_server& srv) {
    auto warnings = wait_for_events(srv, certificate_expiring_type, 4);
    std::this_thread::sleep_for(600ms); // several more scans
    warnings = test::read_log(srv.core().db(), certificate_expiring_type);
    REQUIRE(warnings.size() == 4);
    simdjson::dom::parser p;
    std::map<std::string, int64_t> by_serial;
    for (const auto& w : warnings) {
      auto d = data_of(p, w);
      int64_t t = 0;
      REQUIRE(d["threshold_days"].get_int64().get(t) == simdjson::SUCCESS);
      by_serial[text(d["serial"])] = t;
      CHECK(w.tenant == "acme");
    }
    CHECK(by_serial ==
          std::map<std::string, int64_t>{{"20", 30}, {"10", 14}, {"03", 7}, {"01", 1}});
    auto alerts = test::read_log(srv.core().db(), system_alert_type);
    REQUIRE(alerts.size() == 1);
    auto a = data_of(p, alerts[0]);
    CHECK(text(a["message"]) == "4 certificates expiring within 30 days");
  };
  {
    test_server first{opts};
    first.make_tenant_key("acme");
    check_once(first);
  }
  test_server second{opts};
  check_once(second); // no duplicates after the restart
}
