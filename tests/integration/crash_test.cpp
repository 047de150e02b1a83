// Crash test: hookd is killed with SIGKILL while it takes concurrent ingestion. Every event it
// acknowledged must be in the log after a restart, sequence numbers must be gap-free, and the
// hash chain must verify. Repeated over several cycles.

#include "domain/delivery_message.hpp"
#include "storage/delivery_reader.hpp"
#include "storage/log_reader.hpp"
#include "tests/support/api_steps.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/receiver.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_db.hpp"
#include "tests/support/test_server.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <signal.h>
#include <thread>

using namespace hookd;

namespace {

// The receivers listen on loopback: allow it, as an operator would for local development.
const std::map<std::string, std::string> env{{"HOOKD_ADMIN_TOKEN", "crash-test-admin-token-42"},
                                             {"HOOKD_ALLOW_HTTP", "1"},
                                             {"HOOKD_ALLOW_NET", "127.0.0.1"}};

// Waits until /readyz answers 200.
bool wait_ready(uint16_t port) {
  for (int i = 0; i < 200; ++i) {
    test::http_client c{port};
    if (c.request("GET", "/readyz").status == 200)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{25});
  }
  return false;
}

// Creates tenant `id` through the admin API of the hookd on `port`, and returns a new key of
// it with `scopes` (JSON array text).
std::string make_tenant_key(uint16_t port, const std::string& id, const std::string& scopes) {
  test::http_client admin{port};
  const auto& token = env.at("HOOKD_ADMIN_TOKEN");
  REQUIRE(admin.request("POST", "/v1/tenants", R"({"id":")" + id + R"(","name":"Test"})", token)
              .status == 201);
  auto k = admin.request("POST", "/v1/api-keys",
                         R"({"tenant":")" + id + R"(","scopes":)" + scopes + "}", token);
  REQUIRE(k.status == 201);
  return test::json_string(k.body, "key");
}

} // namespace

TEST_CASE("crash: kill -9 under load loses no acknowledged event", "[crash]") {
  test::temp_dir dir;
  auto data = (dir.path() / "data").string();
  std::string key;
  std::map<std::string, uint64_t> acked; // event id -> seq
  std::mutex mtx;
  std::mt19937 rng{12345};
  constexpr int cycles = 4;
  int total_requests = 0;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    test::hookd_process proc{HOOKD_BINARY, data, env};
    REQUIRE(proc.port() != 0);
    REQUIRE(wait_ready(proc.port()));
    test::http_client admin{proc.port()};
    if (key.empty())
      key = make_tenant_key(proc.port(), "crash", R"(["ingest","read"])");
    // Everything acknowledged before this restart is still there.
    for (auto& [id, seq] : acked) {
      auto r = admin.request("GET", "/v1/events/" + id, {}, key);
      REQUIRE(r.status == 200);
    }
    std::atomic<bool> stop{false};
    std::atomic<int> requests{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < 6; ++t)
      writers.emplace_back([&, t] {
        test::http_client c{proc.port()};
        for (int i = 0; !stop; ++i) {
          auto base =
              "c" + std::to_string(cycle) + "-t" + std::to_string(t) + "-" + std::to_string(i);
          std::string body;
          int n = t % 2 == 0 ? 1 : 5;
          if (n == 1) {
            body = R"({"id":")" + base + R"(","type":"crash.single","data":{"i":)" +
                   std::to_string(i) + "}}";
          } else {
            body = R"({"events":[)";
            for (int k = 0; k < n; ++k)
              body += (k ? "," : "") + std::string{R"({"id":")"} + base + "-" + std::to_string(k) +
                      R"(","type":"crash.batch","data":{}})";
            body += "]}";
          }
          auto r = c.request("POST", "/v1/events", body, key);
          if (r.status != 202 && r.status != 200)
            continue; // Connection killed or refused: not acknowledged, nothing to check.
          ++requests;
          simdjson::dom::parser p;
          simdjson::dom::element doc;
          if (p.parse(r.body).get(doc))
            continue;
          std::lock_guard guard{mtx};
          if (n == 1) {
            acked[std::string{doc["id"].get_string().value()}] = doc["seq"].get_uint64().value();
          } else {
            for (auto e : doc["events"].get_array())
              acked[std::string{e["id"].get_string().value()}] = e["seq"].get_uint64().value();
          }
        }
      });
    std::this_thread::sleep_for(std::chrono::milliseconds{400 + rng() % 800});
    proc.stop(SIGKILL); // Mid-load, no warning.
    stop = true;
    for (auto& w : writers)
      w.join();
    total_requests += requests;
    INFO("cycle " << cycle << ": " << requests << " acknowledged requests");
    CHECK(requests > 0);
  }
  // Final restart: check through the API, then stop cleanly and check the files.
  {
    test::hookd_process proc{HOOKD_BINARY, data, env};
    REQUIRE(wait_ready(proc.port()));
    test::http_client c{proc.port()};
    std::size_t checked = 0;
    for (auto& [id, seq] : acked) {
      auto r = c.request("GET", "/v1/events/" + id, {}, key);
      REQUIRE(r.status == 200);
      simdjson::dom::parser p;
      REQUIRE(p.parse(r.body)["seq"].get_uint64().value() == seq);
      ++checked;
    }
    CHECK(checked == acked.size());
    CHECK(proc.stop(SIGTERM) == 0); // A clean stop exits 0.
  }
  auto db = storage::database::open(std::filesystem::path{data} / "db",
                                    storage::database_options{true, nullptr});
  REQUIRE(db);
  storage::log_reader reader{**db};
  auto v = reader.verify_chain();
  REQUIRE(v);
  CHECK(v->intact);
  auto head = reader.head();
  REQUIRE(head);
  CHECK(v->checked == head->seq); // Every seq from 1 to the head is present: no gaps.
  uint64_t max_acked = 0;
  for (auto& [id, seq] : acked)
    max_acked = std::max(max_acked, seq);
  CHECK(head->seq >= max_acked);
  WARN("crash test: " << cycles << " kill -9 cycles, " << total_requests
                      << " acknowledged requests, " << acked.size() << " events checked, log head "
                      << head->seq);
}

TEST_CASE("crash: kill -9 during delivery repeats some deliveries but loses none", "[crash]") {
  test::temp_dir dir;
  auto data = (dir.path() / "data").string();
  // The receiver outlives every hookd: it records each webhook-id it answered 2xx to, and how
  // often each arrived. One in ten first attempts fails, so retries are pending at the kills.
  std::mutex mtx;
  std::map<std::string, int> arrivals;
  std::set<std::string> delivered;
  std::map<std::string, int> successes;
  std::mt19937 fail_rng{7};
  test::receiver rx{[&](const test::received_request& r) {
    std::lock_guard guard{mtx};
    const auto& id = r.headers.at("webhook-id");
    int n = ++arrivals[id];
    if (n == 1 && fail_rng() % 10 == 0)
      return test::reply{503, "later", {}};
    delivered.insert(id);
    ++successes[id];
    return test::reply{200, "ok", {}};
  }};
  std::string key;
  std::string hook;
  std::vector<std::string> acked;
  std::mt19937 rng{4242};
  constexpr int cycles = 4;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    test::hookd_process proc{HOOKD_BINARY, data, env};
    REQUIRE(proc.port() != 0);
    REQUIRE(wait_ready(proc.port()));
    test::http_client admin{proc.port()};
    if (key.empty()) {
      key = make_tenant_key(proc.port(), "dc", R"(["ingest","read","manage"])");
      auto w = admin.request(
          "POST", "/v1/webhooks",
          R"({"name":"sink","url":"http://127.0.0.1:)" + std::to_string(rx.port()) +
              R"(/sink","events":["*"],"retry":{"attempts":10,"base_seconds":1,"max_seconds":2}})",
          key);
      REQUIRE(w.status == 201);
      hook = test::json_string(w.body, "id");
    }
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int t = 0; t < 3; ++t)
      writers.emplace_back([&, t] {
        test::http_client c{proc.port()};
        for (int i = 0; !stop; ++i) {
          auto id = "d" + std::to_string(cycle) + "-" + std::to_string(t) + "-" + std::to_string(i);
          auto r = c.request("POST", "/v1/events",
                             R"({"id":")" + id + R"(","type":"crash.delivery","data":{}})", key);
          if (r.status == 202 || r.status == 200) {
            std::lock_guard guard{mtx};
            acked.push_back(id);
          }
          std::this_thread::sleep_for(std::chrono::milliseconds{1});
        }
      });
    std::this_thread::sleep_for(std::chrono::milliseconds{500 + rng() % 1000});
    proc.stop(SIGKILL);
    stop = true;
    for (auto& w : writers)
      w.join();
  }
  // The final restart: every acknowledged event reaches the webhook.
  test::hookd_process proc{HOOKD_BINARY, data, env};
  REQUIRE(wait_ready(proc.port()));
  std::size_t missing = 0;
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds{60};
       std::chrono::steady_clock::now() < until;) {
    {
      std::lock_guard guard{mtx};
      missing = 0;
      for (const auto& id : acked)
        missing += delivered.count(delivery_message_id(hook, id)) == 0;
    }
    if (missing == 0)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  CHECK(missing == 0);
  // Events committed just before a kill but never acknowledged are delivered too: wait until
  // the webhook has nothing pending (a retry may still be due).
  test::http_client c{proc.port()};
  std::string stats;
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds{30};
       std::chrono::steady_clock::now() < until;) {
    stats = c.request("GET", "/v1/webhooks/" + hook + "/stats", {}, key).body;
    if (stats.find(R"("pending":0,)") != std::string::npos &&
        stats.find(R"("backlog_from_seq":null)") != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  INFO(stats);
  CHECK(stats.find(R"("pending":0,)") != std::string::npos);
  CHECK(proc.stop(SIGTERM) == 0);
  // Every id that arrived belongs to an event in the log (events committed just before a kill
  // may arrive without having been acknowledged), so a repeat carried the same id.
  std::set<std::string> logged;
  {
    auto db = storage::database::open(std::filesystem::path{data} / "db",
                                      storage::database_options{true, nullptr});
    REQUIRE(db);
    storage::log_reader{**db}.scan(1, UINT64_MAX, [&](const event& e) {
      if (e.type == "crash.delivery")
        logged.insert(delivery_message_id(hook, e.id));
      return true;
    });
    // The clean stop wrote a final snapshot: at the head, nothing pending.
    auto snap = storage::delivery_reader{**db}.snapshot(hook);
    REQUIRE(snap);
    REQUIRE(*snap);
    CHECK((*snap)->cursor == storage::log_reader{**db}.head()->seq);
    CHECK((*snap)->pending.empty());
    CHECK((*snap)->counters.delivered == logged.size());
  }
  std::lock_guard guard{mtx};
  std::size_t requests = 0;
  std::size_t duplicates = 0; // 2xx answers beyond the first, per id
  for (const auto& [id, n] : arrivals) {
    CHECK(logged.count(id) == 1);
    requests += n;
  }
  for (const auto& [id, n] : successes)
    duplicates += n - 1;
  CHECK(acked.size() > 100);
  CHECK(delivered.size() == logged.size()); // Unacknowledged but committed events arrive too.
  WARN("delivery crash test: " << cycles << " kill -9 cycles, " << acked.size()
                               << " acknowledged events, " << logged.size() << " in the log, "
                               << requests << " requests, " << duplicates
                               << " duplicate deliveries: duplicate rate "
                               << (100.0 * static_cast<double>(duplicates) /
                                   static_cast<double>(logged.size()))
                               << " %");
}

TEST_CASE("crash: a clean stop and restart redeliver nothing", "[crash]") {
  test::temp_dir dir;
  auto data = (dir.path() / "data").string();
  std::mutex mtx;
  std::map<std::string, int> arrivals;
  test::receiver rx{[&](const test::received_request& r) {
    std::lock_guard guard{mtx};
    ++arrivals[r.headers.at("webhook-id")];
    test::reply out;
    out.delay = std::chrono::milliseconds{20}; // attempts are in flight when SIGTERM comes
    return out;
  }};
  std::string key;
  {
    test::hookd_process proc{HOOKD_BINARY, data, env};
    REQUIRE(wait_ready(proc.port()));
    test::http_client c{proc.port()};
    key = make_tenant_key(proc.port(), "cs", R"(["ingest","manage"])");
    REQUIRE(c.request("POST", "/v1/webhooks",
                      R"({"name":"sink","url":"http://127.0.0.1:)" + std::to_string(rx.port()) +
                          R"(/s","events":["*"]})",
                      key)
                .status == 201);
    std::string batch = R"({"events":[)";
    for (int i = 0; i < 200; ++i)
      batch += (i ? "," : "") + std::string{R"({"type":"clean.stop","data":{}})"};
    REQUIRE(c.request("POST", "/v1/events", batch + "]}", key).status == 202);
    REQUIRE(rx.wait_for(20, std::chrono::seconds{10}) >= 20);
    CHECK(proc.stop(SIGTERM) == 0); // mid-delivery: the attempts in flight finish first
  }
  std::size_t before = 0;
  {
    std::lock_guard guard{mtx};
    before = arrivals.size();
  }
  {
    test::hookd_process proc{HOOKD_BINARY, data, env};
    REQUIRE(wait_ready(proc.port()));
    REQUIRE(rx.wait_for(200, std::chrono::seconds{20}) >= 200);
    std::this_thread::sleep_for(std::chrono::milliseconds{500});
    CHECK(proc.stop(SIGTERM) == 0);
  }
  std::lock_guard guard{mtx};
  CHECK(arrivals.size() == 200);
  std::size_t repeated = 0;
  for (const auto& [id, n] : arrivals)
    repeated += n - 1;
  INFO(before << " delivered before the stop");
  CHECK(repeated == 0); // nothing delivered before the stop was sent again
}

TEST_CASE("restart: a tenant's per-application limit is in force after a restart", "[crash]") {
  test::temp_dir dir;
  auto data = (dir.path() / "data").string();
  std::mutex mtx;
  std::map<std::string, int> per_app;
  test::receiver rx{[&](const test::received_request& r) {
    std::lock_guard guard{mtx};
    ++per_app[r.body.substr(r.body.find("app_"), 5)];
    return test::reply{};
  }};
  std::string key;
  std::string hook;
  {
    test::hookd_process proc{HOOKD_BINARY, data, env};
    REQUIRE(wait_ready(proc.port()));
    test::http_client c{proc.port()};
    key = make_tenant_key(proc.port(), "lim", R"(["ingest","read","manage"])");
    REQUIRE(c.request("PATCH", "/v1/tenants/lim", R"({"application_deliveries_per_minute":1})",
                      env.at("HOOKD_ADMIN_TOKEN"))
                .status == 200);
    auto made = c.request("POST", "/v1/webhooks",
                          R"({"name":"sink","url":"http://127.0.0.1:)" + std::to_string(rx.port()) +
                              R"(/s","events":["*"]})",
                          key);
    REQUIRE(made.status == 201);
    hook = test::json_string(made.body, "id");
    CHECK(proc.stop(SIGTERM) == 0);
  }
  test::hookd_process proc{HOOKD_BINARY, data, env};
  REQUIRE(wait_ready(proc.port()));
  test::http_client c{proc.port()};
  for (const std::string app : {"app_1", "app_1", "app_2"})
    test::post_events(c, key, test::application_event(app));
  REQUIRE(rx.wait_for(2, std::chrono::seconds{15}) >= 2);
  std::string stats;
  for (int i = 0; i < 200; ++i) {
    stats = c.request("GET", "/v1/webhooks/" + hook + "/stats", {}, key).body;
    // The receiver may have the second delivery before hookd has its answer: wait for both.
    if (stats.find(R"("application_limited":1)") != std::string::npos &&
        stats.find(R"("in_flight":0)") != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  INFO(stats);
  CHECK(stats.find(R"("application_limited":1)") != std::string::npos);
  CHECK(stats.find(R"("pending":1)") != std::string::npos);
  CHECK(proc.stop(SIGTERM) == 0);
  std::lock_guard guard{mtx};
  CHECK(per_app["app_1"] == 1);
  CHECK(per_app["app_2"] == 1);
}
