// Crash test: hookd is killed with SIGKILL while it takes concurrent ingestion. Every event it
// acknowledged must be in the log after a restart, sequence numbers must be gap-free, and the
// hash chain must verify. Repeated over several cycles.

#include "storage/log_reader.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_server.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <signal.h>
#include <thread>

using namespace hookd;

namespace {

const std::map<std::string, std::string> env{{"HOOKD_ADMIN_TOKEN", "crash-test-admin-token-42"}};

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
    if (key.empty()) {
      REQUIRE(admin
                  .request("POST", "/v1/tenants", R"({"id":"crash","name":"Crash"})",
                           env.at("HOOKD_ADMIN_TOKEN"))
                  .status == 201);
      auto k =
          admin.request("POST", "/v1/api-keys", R"({"tenant":"crash","scopes":["ingest","read"]})",
                        env.at("HOOKD_ADMIN_TOKEN"));
      REQUIRE(k.status == 201);
      key = test::json_string(k.body, "key");
    }
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
  auto db = storage::database::open(std::filesystem::path{data} / "db", {true});
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
