// Retention against a real hookd: the log's old part goes with range deletes once nothing needs
// it, what a webhook still retries and what a tenant keeps longer stay, the disk space returns
// after compaction, the chain still verifies from the anchor (with `hookd replay verify`, while
// the server runs), and a restart carries on from the pruned log.

#include "tests/support/api_steps.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/receiver.hpp"
#include "tests/support/test_server.hpp"

#include <catch2/catch.hpp>

#include <atomic>

using namespace hookd;
using namespace std::chrono_literals;
using test::http_client;
using test::receiver;
using test::reply;
using test::test_server;

namespace {

// A batch of `n` events of `type`, each with about 1 KiB of data.
std::string filler_batch(const std::string& type, int n) {
  std::string body = R"({"events":[)";
  for (int i = 0; i < n; ++i)
    body += (i ? "," : "") + std::string{R"({"type":")"} + type + R"(","data":{"pad":")" +
            std::string(1000, 'x') + R"("}})";
  return body + "]}";
}

uint64_t number_after(const std::string& body, const std::string& key) {
  auto at = body.find("\"" + key + "\":");
  REQUIRE(at != std::string::npos);
  return std::stoull(body.substr(at + key.size() + 3));
}

// Runs retention passes until one leaves `oldest` as the log's oldest seq (each webhook's
// cursor is read from its stored snapshot, written at the actor's next tick); returns the last
// answer.
std::string prune_until(http_client& c, uint64_t oldest) {
  std::string body;
  for (auto until = std::chrono::steady_clock::now() + 30s;
       std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(200ms)) {
    auto r = c.request("POST", "/v1/admin/retention", {}, test_server::admin_token());
    REQUIRE(r.status == 200);
    body = r.body;
    if (number_after(body, "oldest_seq") == oldest)
      break;
  }
  return body;
}

test::command_result verify(const std::filesystem::path& data) {
  return test::run_command(HOOKD_BINARY, {"replay", "--data", data.string(), "verify"});
}

} // namespace

TEST_CASE("retention: old events go, what is still needed stays, the chain still verifies",
          "[cli][retention]") {
  test::temp_dir dir;
  test::test_server_options opts;
  opts.data_dir = dir.path();
  opts.retention = 1s;
  std::atomic<bool> failing{true};
  receiver rx{[&](const test::received_request& r) {
    bool fail = failing && r.body.find("deployment.failed") != std::string::npos;
    return fail ? reply{503, "busy", {}} : reply{200, "ok", {}};
  }};
  const auto admin = test_server::admin_token();
  std::string kept_id, first_id;
  {
    test_server srv{opts};
    auto key = srv.make_tenant_key("acme");
    auto other = srv.make_tenant_key("archive");
    http_client c{srv.port()};
    // Out of range, or not a number: refused, and nothing changes.
    for (std::string bad : {"0", "36501", "\"10d\"", "-1"}) {
      auto r =
          c.request("PATCH", "/v1/tenants/archive", R"({"retention_days":)" + bad + "}", admin);
      INFO(bad << ": " << r.body);
      CHECK(r.status == 422);
      CHECK(r.body.find(R"("field":"/retention_days")") != std::string::npos);
    }
    CHECK(
        c.request("GET", "/v1/tenants/archive", {}, admin).body.find(R"("retention_days":null)") !=
        std::string::npos);
    // The archive tenant keeps its events ten years.
    REQUIRE(c.request("PATCH", "/v1/tenants/archive", R"({"retention_days":3650})", admin).status ==
            200);
    CHECK(
        c.request("GET", "/v1/tenants/archive", {}, admin).body.find(R"("retention_days":3650)") !=
        std::string::npos);
    auto hook = test::create_webhook_id(
        c, key, "deploys", rx.port(),
        R"("events":["deployment.*"],"retry":{"attempts":10,"base_seconds":3,"max_seconds":3})");
    // seq 1..20000: 20 MB nobody subscribes to.
    {
      auto first_batch = test::post_events(c, key, filler_batch("build.started", 100));
      simdjson::dom::parser p;
      auto events = test::parse_json(p, first_batch)["events"];
      std::string_view id;
      REQUIRE(events.at(0)["id"].get(id) == simdjson::SUCCESS);
      first_id = std::string{id};
    }
    for (int b = 1; b < 200; ++b)
      test::post_events(c, key, filler_batch("build.started", 100));
    // seq 20001: a delivery that keeps failing (retrying); 20002..20101 after it.
    auto pending = test::post_event_id(c, key, R"({"type":"deployment.failed","data":{}})");
    test::post_events(c, key, filler_batch("build.started", 100));
    // seq 20102: the archive's; 20103..20202 after it.
    kept_id = test::post_event_id(c, other, R"({"type":"report.filed","data":{}})");
    test::post_events(c, key, filler_batch("build.started", 100));
    REQUIRE(rx.wait_for(1, 10s) >= 1);
    auto before = c.request("GET", "/v1/queue/stats", {}, admin).body;
    INFO(before);
    CHECK(number_after(before, "oldest_seq") == 1);
    CHECK(number_after(before, "head_seq") == 20202);
    auto bytes_before = number_after(before, "bytes");
    CHECK(bytes_before > 20'000'000);
    std::this_thread::sleep_for(1100ms); // every event is older than the retention now

    // Only the tenant's admin may run it.
    CHECK(c.request("POST", "/v1/admin/retention", {}, key).status == 403);
    auto pass = prune_until(c, 20001);
    INFO(pass);
    CHECK(number_after(pass, "pruned") == 20000); // in one pass: nothing moved it before
    CHECK(number_after(pass, "oldest_seq") == 20001);
    CHECK(pass.find("a pending delivery of webhook " + hook) != std::string::npos);
    auto after = c.request("GET", "/v1/queue/stats", {}, admin).body;
    CHECK(number_after(after, "oldest_seq") == 20001);
    CHECK(number_after(after, "events") == 202);
    auto bytes_after = number_after(after, "bytes");
    std::printf("retention: log bytes %llu before, %llu after deleting 20000 of 20202 events\n",
                static_cast<unsigned long long>(bytes_before),
                static_cast<unsigned long long>(bytes_after));
    CHECK(bytes_after * 10 < bytes_before); // the space came back
    CHECK(c.request("GET", "/v1/events/" + first_id, {}, key).status == 404);
    CHECK(c.request("GET", "/v1/events/" + pending, {}, key).status == 200);
    auto metrics = c.request("GET", "/metrics", {}, admin).body;
    CHECK(metrics.find("hookd_log_oldest_seq 20001") != std::string::npos);
    // The chain verifies from the anchor, beside the running server.
    auto v = verify(dir.path());
    INFO(v.out);
    CHECK(v.status == 0);
    CHECK(v.out.find("from the retention anchor") != std::string::npos);
    CHECK(v.out.find("intact: 202 records, seq 20001 to 20202") != std::string::npos);

    // Once the delivery succeeds, the next pass goes on to the archive's event.
    failing = false;
    test::poll_get(c, key, "/v1/webhooks/" + hook + "/stats", [](const std::string& b) {
      return b.find(R"("pending":0,)") != std::string::npos;
    });
    auto second = prune_until(c, 20102);
    INFO(second);
    CHECK(number_after(second, "oldest_seq") == 20102);
    CHECK(second.find("event 20102 of archive") != std::string::npos);
    CHECK(c.request("GET", "/v1/events/" + kept_id, {}, other).status == 200);
    auto audit = c.request("GET", "/v1/audit", {}, admin).body;
    CHECK(audit.find(R"("action":"log.pruned")") != std::string::npos);
  }
  // A restart carries on: the same head, the next event follows it, and the chain verifies.
  {
    test_server srv{opts};
    http_client c{srv.port()};
    auto key = srv.make_tenant_key("acme");
    auto stats = c.request("GET", "/v1/queue/stats", {}, admin).body;
    CHECK(number_after(stats, "oldest_seq") == 20102);
    auto next = test::post_events(c, key, R"({"type":"x.y","data":{}})");
    CHECK(next.find(R"("seq":20203)") != std::string::npos);
  }
  auto v = verify(dir.path());
  INFO(v.out);
  CHECK(v.status == 0);
  CHECK(v.out.find("intact: 102 records, seq 20102 to 20203") != std::string::npos);
}
