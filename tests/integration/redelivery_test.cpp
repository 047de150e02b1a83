// Redelivery through the API against a real hookd and real receivers: a replay of a window
// re-sends exactly the matching events with their original `webhook-id`s, `only_failed`
// recovers what failed for good, a resend goes to every webhook that matched (or one), jobs are
// tracked and cancelled, every bad request is refused as problem+json, and live deliveries keep
// flowing while a replay of 100,000 events runs.

#include "domain/problem.hpp"
#include "tests/support/api_steps.hpp"
#include "tests/support/receiver.hpp"
#include "tests/support/test_server.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>

using namespace hookd;
using namespace std::chrono_literals;
using test::http_client;
using test::receiver;
using test::reply;
using test::test_server;

namespace {

// The `"n":"eN"` marker of event N's data, as it appears in a delivered body.
std::string marker(int n) {
  return R"("n":"e)" + std::to_string(n) + R"(")";
}

std::string event_body(const std::string& type, int n) {
  return R"({"type":")" + type + R"(","data":{)" + marker(n) + "}}";
}

// The webhook-ids a receiver saw, by event marker number (every arrival counted).
std::map<int, std::vector<std::string>> ids_by_event(const std::vector<test::received_request>& rs,
                                                     int max_n) {
  std::map<int, std::vector<std::string>> out;
  for (const auto& r : rs)
    for (int n = 1; n <= max_n; ++n)
      if (r.body.find(marker(n)) != std::string::npos)
        out[n].push_back(r.headers.at("webhook-id"));
  return out;
}

// Polls job `id` until it is no longer running; returns its JSON.
std::string await_job(http_client& c, const std::string& key, const std::string& id,
                      std::chrono::milliseconds timeout = 30s) {
  return test::poll_get(
      c, key, "/v1/jobs/" + id,
      [](const std::string& b) { return b.find(R"("state":"running")") == std::string::npos; },
      timeout);
}

// Waits until webhook `hook` has delivered `n` events (a delivery whose answer is not yet
// processed is still live, and a replay leaves it to the live queue).
void await_delivered(http_client& c, const std::string& key, const std::string& hook, int n) {
  auto want = R"("delivered":)" + std::to_string(n) + ",";
  auto stats = test::poll_get(c, key, "/v1/webhooks/" + hook + "/stats", [&](const std::string& b) {
    return b.find(want) != std::string::npos;
  });
  INFO(stats);
  REQUIRE(stats.find(want) != std::string::npos);
}

// The `received_at` of event `id`.
std::string received_at(http_client& c, const std::string& key, const std::string& id) {
  auto r = c.request("GET", "/v1/events/" + id, {}, key);
  REQUIRE(r.status == 200);
  return test::json_string(r.body, "received_at");
}

void check_problem(const test::http_result& r, int status, const std::string& type) {
  INFO("answer " << r.status << ": " << r.body);
  CHECK(r.status == status);
  CHECK(r.headers.count("content-type") == 1);
  if (r.headers.count("content-type"))
    CHECK(r.headers.at("content-type") == "application/problem+json");
  CHECK(r.body.find(R"("type":")" + problem_type_uri(type) + "\"") != std::string::npos);
}

} // namespace

TEST_CASE("redelivery: a replay re-sends exactly the matching events with their webhook-ids",
          "[integration][redelivery]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  http_client c{srv.port()};
  receiver rx{[](const test::received_request&) { return reply{200, "ok", {}}; }};
  auto hook = test::create_webhook_id(c, key, "deploys", rx.port(), R"("events":["deployment.*"])");
  auto before = c.request("GET", "/v1/webhooks/" + hook, {}, key);
  std::vector<std::string> ids;
  // Apart by a few milliseconds, so that a window of received_at times names exact events.
  for (int n = 1; n <= 10; ++n, std::this_thread::sleep_for(3ms))
    ids.push_back(test::post_event_id(c, key,
                                      event_body(n % 3 == 0 ? "build.started"
                                                 : n % 2    ? "deployment.started"
                                                            : "deployment.failed",
                                                 n)));
  // 1..10 without 3, 6, 9: seven deployments.
  REQUIRE(rx.wait_for(7, 10s) == 7);
  await_delivered(c, key, hook, 7);
  auto live = ids_by_event(rx.requests(), 10);
  REQUIRE(live.size() == 7);

  // Every deployment event since the first: the seven again, with the same webhook-ids.
  auto since = received_at(c, key, ids[0]);
  auto started =
      c.request("POST", "/v1/webhooks/" + hook + "/replay", R"({"since":")" + since + R"("})", key);
  REQUIRE(started.status == 202);
  auto job = test::json_string(started.body, "id");
  CHECK(job.starts_with("job_"));
  CHECK(started.headers.at("location") == "/v1/jobs/" + job);
  CHECK(test::json_string(started.body, "state") == "running");
  auto done = await_job(c, key, job);
  CHECK(test::json_string(done, "state") == "completed");
  CHECK(done.find(R"("counts":{"queued":7,"delivered":7,"failed":0,"skipped":0})") !=
        std::string::npos);
  CHECK(done.find(R"("progress":1)") != std::string::npos);
  REQUIRE(rx.wait_for(14, 5s) == 14);
  auto twice = ids_by_event(rx.requests(), 10);
  for (const auto& [n, seen] : twice) {
    INFO("event " << n);
    REQUIRE(seen.size() == 2);
    CHECK(seen[0] == seen[1]);
    CHECK(seen[0] == live[n][0]);
  }
  // The replayed attempts are recorded, naming the job.
  auto deliveries = c.request("GET", "/v1/events/" + ids[0] + "/deliveries", {}, key);
  CHECK(deliveries.body.find("job " + job) != std::string::npos);

  // A window [event 4, event 8) of one type: events 5 and 7 (4 is a failed deployment, 6 a
  // build, 8 past the window).
  auto window = c.request("POST", "/v1/webhooks/" + hook + "/replay",
                          R"({"since":")" + received_at(c, key, ids[3]) + R"(","until":")" +
                              received_at(c, key, ids[7]) + R"(","types":["deployment.started"]})",
                          key);
  REQUIRE(window.status == 202);
  auto windowed = await_job(c, key, test::json_string(window.body, "id"));
  CHECK(windowed.find(R"("queued":2,"delivered":2)") != std::string::npos);
  REQUIRE(rx.wait_for(16, 5s) == 16);
  auto thrice = ids_by_event(rx.requests(), 10);
  CHECK(thrice[5].size() == 3);
  CHECK(thrice[7].size() == 3);
  CHECK(thrice[4].size() == 2);
  CHECK(thrice[8].size() == 2);

  // Jobs are listed, newest last, and can be read one by one.
  auto listed = c.request("GET", "/v1/jobs", {}, key);
  CHECK(listed.status == 200);
  CHECK(listed.body.find(job) != std::string::npos);
  CHECK(listed.body.find(test::json_string(window.body, "id")) != std::string::npos);
  // A finished job cannot be cancelled.
  check_problem(c.request("DELETE", "/v1/jobs/" + job, {}, key), 409, "job-ended");
  // The webhook itself was not changed.
  CHECK(c.request("GET", "/v1/webhooks/" + hook, {}, key).body == before.body);
}

TEST_CASE("redelivery: only_failed recovers deliveries that failed for good",
          "[integration][redelivery]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  http_client c{srv.port()};
  std::atomic<bool> broken{true};
  receiver rx{[&](const test::received_request&) {
    return broken ? reply{400, "bad", {}} : reply{200, "ok", {}};
  }};
  auto hook = test::create_webhook_id(c, key, "flaky", rx.port());
  std::vector<std::string> ids;
  for (int n = 1; n <= 4; ++n)
    ids.push_back(test::post_event_id(c, key, event_body("deployment.started", n)));
  // A 400 is permanent: each fails for good at once.
  test::poll_get(c, key, "/v1/webhooks/" + hook + "/stats",
                 [](const std::string& b) { return b.find(R"("failed":4)") != std::string::npos; });
  broken = false;
  ids.push_back(test::post_event_id(c, key, event_body("deployment.started", 5)));
  REQUIRE(rx.wait_for(5, 10s) == 5);
  auto r =
      c.request("POST", "/v1/webhooks/" + hook + "/replay",
                R"({"since":")" + received_at(c, key, ids[0]) + R"(","only_failed":true})", key);
  REQUIRE(r.status == 202);
  auto done = await_job(c, key, test::json_string(r.body, "id"));
  CHECK(done.find(R"("queued":4,"delivered":4,"failed":0)") != std::string::npos);
  REQUIRE(rx.wait_for(9, 5s) == 9);
  auto seen = ids_by_event(rx.requests(), 5);
  CHECK(seen[5].size() == 1); // delivered the first time: not sent again
  for (int n = 1; n <= 4; ++n)
    CHECK(seen[n].size() == 2);
  // Each event's history now ends delivered.
  auto history = c.request("GET", "/v1/events/" + ids[0] + "/deliveries", {}, key);
  CHECK(history.body.find(R"("state":"delivered")") != std::string::npos);
  // Nothing failed is left: a second only_failed replay queues nothing.
  auto again =
      c.request("POST", "/v1/webhooks/" + hook + "/replay",
                R"({"since":")" + received_at(c, key, ids[0]) + R"(","only_failed":true})", key);
  REQUIRE(again.status == 202);
  CHECK(await_job(c, key, test::json_string(again.body, "id")).find(R"("queued":0)") !=
        std::string::npos);
}

TEST_CASE("redelivery: resend one event to every webhook that matched it, or to one",
          "[integration][redelivery]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  http_client c{srv.port()};
  receiver rx{[](const test::received_request&) { return reply{200, "ok", {}}; }};
  auto a = test::create_webhook_id(c, key, "a", rx.port(), R"("events":["deployment.*"])");
  auto b = test::create_webhook_id(c, key, "b", rx.port(), R"("events":["deployment.started"])");
  auto other = test::create_webhook_id(c, key, "builds", rx.port(), R"("events":["build.*"])");
  auto id = test::post_event_id(c, key, event_body("deployment.started", 1));
  REQUIRE(rx.wait_for(2, 10s) == 2);
  // Both deliveries ended (a delivery still in flight is left to the live queue, not resent).
  auto ended = test::poll_get(c, key, "/v1/events/" + id + "/deliveries", [](const std::string& b) {
    auto first = b.find(R"("state":"delivered")");
    return first != std::string::npos &&
           b.find(R"("state":"delivered")", first + 1) != std::string::npos;
  });
  REQUIRE(ended.find(R"("state":"delivered")") != std::string::npos);
  auto r = c.request("POST", "/v1/events/" + id + "/resend", "{}", key);
  REQUIRE(r.status == 202);
  CHECK(r.body.find(a) != std::string::npos);
  CHECK(r.body.find(b) != std::string::npos);
  CHECK(r.body.find(other) == std::string::npos);
  REQUIRE(rx.wait_for(4, 10s) == 4);
  std::map<std::string, int> per_target;
  std::map<std::string, std::set<std::string>> ids_per_target;
  for (const auto& req : rx.requests()) {
    ++per_target[req.target];
    ids_per_target[req.target].insert(req.headers.at("webhook-id"));
  }
  CHECK(per_target["/a"] == 2);
  CHECK(per_target["/b"] == 2);
  CHECK(ids_per_target["/a"].size() == 1); // the same webhook-id both times
  CHECK(ids_per_target["/b"].size() == 1);
  // To one webhook (an empty body counts as {} too).
  auto one =
      c.request("POST", "/v1/events/" + id + "/resend", R"({"webhook_id":")" + a + "\"}", key);
  REQUIRE(one.status == 202);
  CHECK(one.body.find(b) == std::string::npos);
  REQUIRE(rx.wait_for(5, 10s) == 5);
  // Refusals.
  check_problem(
      c.request("POST", "/v1/events/" + id + "/resend", R"({"webhook_id":")" + other + "\"}", key),
      422, "not-subscribed");
  check_problem(c.request("POST", "/v1/events/evt_nope/resend", "{}", key), 404, "not-found");
  check_problem(
      c.request("POST", "/v1/events/" + id + "/resend", R"({"webhook_id":"wh_nope"})", key), 404,
      "not-found");
  check_problem(c.request("POST", "/v1/events/" + id + "/resend", R"({"hook":1})", key), 422,
                "validation-failed");
  auto build = test::post_event_id(c, key, event_body("build.started", 2));
  REQUIRE(c.request("DELETE", "/v1/webhooks/" + other, {}, key).status == 204);
  check_problem(c.request("POST", "/v1/events/" + build + "/resend", "{}", key), 422,
                "no-subscribers");
  auto reader = srv.make_tenant_key("acme2", R"(["read"])");
  check_problem(c.request("POST", "/v1/events/" + id + "/resend", "{}", reader), 403, "forbidden");
  auto globex = srv.make_tenant_key("globex");
  // Another tenant's event does not exist for it.
  check_problem(c.request("POST", "/v1/events/" + id + "/resend", "{}", globex), 404, "not-found");
}

TEST_CASE("redelivery: bad requests, other tenants and cancellation", "[integration][redelivery]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  auto reader = srv.make_tenant_key("acme2", R"(["read"])");
  auto globex = srv.make_tenant_key("globex");
  http_client c{srv.port()};
  // A slow endpoint, one attempt at a time: a large replay takes long enough to cancel.
  std::atomic<int> calls{0};
  receiver rx{[&](const test::received_request&) {
    ++calls;
    return reply{200, "ok", {}, 20ms};
  }};
  auto hook =
      test::create_webhook_id(c, key, "slow", rx.port(), R"("events":["*"],"max_in_flight":1)");
  std::string batch = R"({"events":[)";
  for (int n = 1; n <= 100; ++n)
    batch += (n > 1 ? "," : "") + event_body("deployment.started", n);
  test::post_events(c, key, batch + "]}");
  REQUIRE(rx.wait_for(100, 30s) == 100);
  auto path = "/v1/webhooks/" + hook + "/replay";
  auto since = R"({"since":"2020-01-01T00:00:00Z"})";

  check_problem(c.request("POST", path, "{", key), 400, "invalid-json");
  check_problem(c.request("POST", path, "{}", key), 422, "validation-failed");
  check_problem(c.request("POST", path, R"({"since":"yesterday"})", key), 422, "validation-failed");
  check_problem(c.request("POST", path, R"({"since":"2999-01-01T00:00:00Z"})", key), 422,
                "validation-failed");
  check_problem(c.request("POST", path,
                          R"({"since":"2026-01-02T00:00:00Z","until":"2026-01-01T00:00:00Z"})",
                          key),
                422, "validation-failed");
  check_problem(
      c.request("POST", path, R"({"since":"2020-01-01T00:00:00Z","types":["a..b"]})", key), 422,
      "validation-failed");
  check_problem(
      c.request("POST", path, R"({"since":"2020-01-01T00:00:00Z","only_failed":"yes"})", key), 422,
      "validation-failed");
  check_problem(c.request("POST", path, R"({"since":"2020-01-01T00:00:00Z","extra":1})", key), 422,
                "validation-failed");
  check_problem(c.request("POST", "/v1/webhooks/wh_nope/replay", since, key), 404, "not-found");
  check_problem(c.request("POST", path, since, globex), 404, "not-found");
  check_problem(c.request("POST", path, since, reader), 403, "forbidden");
  check_problem(c.request("POST", path, since), 401, "unauthorized");
  check_problem(c.request("GET", "/v1/jobs/job_nope", {}, key), 404, "not-found");
  check_problem(c.request("DELETE", "/v1/jobs/job_nope", {}, key), 404, "not-found");
  check_problem(c.request("PUT", "/v1/jobs/job_nope", "{}", key), 405, "method-not-allowed");

  // A running job: another tenant cannot see or cancel it; its owner cancels it and the
  // endpoint stops hearing from it.
  auto started = c.request("POST", path, since, key);
  REQUIRE(started.status == 202);
  auto job = test::json_string(started.body, "id");
  REQUIRE(rx.wait_for(110, 10s) >= 110);
  check_problem(c.request("GET", "/v1/jobs/" + job, {}, globex), 404, "not-found");
  check_problem(c.request("DELETE", "/v1/jobs/" + job, {}, globex), 404, "not-found");
  check_problem(c.request("DELETE", "/v1/jobs/" + job, {}, reader), 403, "forbidden");
  auto cancelled = c.request("DELETE", "/v1/jobs/" + job, {}, key);
  REQUIRE(cancelled.status == 200);
  CHECK(test::json_string(cancelled.body, "state") == "cancelled");
  CHECK(test::json_string(cancelled.body, "cancel_reason") == "cancelled through the API");
  auto at_cancel = calls.load();
  std::this_thread::sleep_for(300ms);   // well over 10 attempts' time at 20 ms each
  CHECK(calls.load() <= at_cancel + 1); // at most the attempt that was in flight
  CHECK(calls.load() < 200);
  auto stored = c.request("GET", "/v1/jobs/" + job, {}, key);
  CHECK(test::json_string(stored.body, "state") == "cancelled");
  check_problem(c.request("DELETE", "/v1/jobs/" + job, {}, key), 409, "job-ended");
  // The cancellation is audited with the creation.
  auto audit = c.request("GET", "/v1/audit", {}, srv.admin_token());
  CHECK(audit.body.find(R"("action":"webhook.replayed")") != std::string::npos);
  CHECK(audit.body.find(R"("action":"job.cancelled")") != std::string::npos);

  // A disabled webhook cannot be replayed to; deleting a webhook cancels its running jobs.
  REQUIRE(c.request("PATCH", "/v1/webhooks/" + hook, R"({"enabled":false})", key).status == 200);
  check_problem(c.request("POST", path, since, key), 409, "webhook-disabled");
  REQUIRE(c.request("PATCH", "/v1/webhooks/" + hook, R"({"enabled":true})", key).status == 200);
  auto second = c.request("POST", path, since, key);
  REQUIRE(second.status == 202);
  REQUIRE(c.request("DELETE", "/v1/webhooks/" + hook, {}, key).status == 204);
  auto orphan = c.request("GET", "/v1/jobs/" + test::json_string(second.body, "id"), {}, key);
  CHECK(test::json_string(orphan.body, "state") == "cancelled");
  CHECK(test::json_string(orphan.body, "cancel_reason") == "the webhook was deleted");
}

TEST_CASE("redelivery: live deliveries keep flowing during a replay of 100,000 events",
          "[integration][redelivery][large]") {
  test_server srv;
  auto key = srv.make_tenant_key("acme");
  http_client c{srv.port()};
  using clock = std::chrono::steady_clock;
  auto micros = [] {
    return std::chrono::duration_cast<std::chrono::microseconds>(clock::now().time_since_epoch())
        .count();
  };
  std::mutex mu;
  std::vector<int64_t> live_latency_us;
  std::atomic<std::size_t> replayed{0};
  std::set<std::string> replayed_ids;
  receiver rx{[&](const test::received_request& r) {
    auto at = r.body.find(R"("sent_us":)");
    std::lock_guard lock{mu};
    if (at != std::string::npos) {
      live_latency_us.push_back(micros() - std::stoll(r.body.substr(at + 10)));
    } else {
      ++replayed;
      replayed_ids.insert(r.headers.at("webhook-id"));
    }
    return reply{200, "ok", {}};
  }};
  // 100,000 events in the log before the webhook exists: the replay is a backfill.
  constexpr int total = 100'000;
  auto ingest_started = clock::now();
  for (int b = 0; b < total / 100; ++b) {
    std::string batch = R"({"events":[)";
    for (int i = 0; i < 100; ++i)
      batch += (i ? "," : "") + event_body("deployment.started", b * 100 + i + 1);
    test::post_events(c, key, batch + "]}");
  }
  auto ingest_s = std::chrono::duration<double>(clock::now() - ingest_started).count();
  auto hook =
      test::create_webhook_id(c, key, "backfill", rx.port(), R"("events":["deployment.*"])");
  auto send_live = [&] {
    test::post_events(c, key,
                      R"({"type":"deployment.live","data":{"sent_us":)" + std::to_string(micros()) +
                          "}}");
  };
  // The same live traffic without a replay, for comparison: 50 events, 20 ms apart.
  for (int i = 0; i < 50; ++i, std::this_thread::sleep_for(20ms))
    send_live();
  REQUIRE(rx.wait_for(50, 10s) == 50);
  std::vector<int64_t> baseline;
  {
    std::lock_guard lock{mu};
    baseline.swap(live_latency_us);
  }
  auto started =
      c.request("POST", "/v1/webhooks/" + hook + "/replay",
                R"({"since":"2020-01-01T00:00:00Z","types":["deployment.started"]})", key);
  REQUIRE(started.status == 202);
  auto job = test::json_string(started.body, "id");
  auto replay_started = clock::now();
  // Live traffic every 20 ms while the job runs.
  int live_sent = 0;
  int live_sent_while_running = 0;
  std::string state = "running";
  http_client poller{srv.port()};
  for (auto next_poll = clock::now(); state == "running";) {
    send_live();
    ++live_sent;
    if (clock::now() >= next_poll) {
      auto r = poller.request("GET", "/v1/jobs/" + job, {}, key);
      state = test::json_string(r.body, "state");
      next_poll = clock::now() + 200ms;
      REQUIRE(clock::now() - replay_started < 300s);
    }
    if (state == "running")
      live_sent_while_running = live_sent;
    std::this_thread::sleep_for(20ms);
  }
  auto replay_s = std::chrono::duration<double>(clock::now() - replay_started).count();
  REQUIRE(state == "completed");
  auto done = c.request("GET", "/v1/jobs/" + job, {}, key).body;
  CHECK(done.find(R"("queued":100000,"delivered":100000,"failed":0,"skipped":0)") !=
        std::string::npos);
  REQUIRE(rx.wait_for(static_cast<std::size_t>(total + live_sent + 50), 30s) >=
          static_cast<std::size_t>(total + live_sent + 50));
  std::vector<int64_t> lat;
  {
    std::lock_guard lock{mu};
    lat = live_latency_us;
    CHECK(replayed.load() == static_cast<std::size_t>(total)); // each exactly once
    CHECK(replayed_ids.size() == static_cast<std::size_t>(total));
  }
  REQUIRE(lat.size() == static_cast<std::size_t>(live_sent));
  auto percentile = [](std::vector<int64_t> v, double p) {
    std::sort(v.begin(), v.end());
    auto at = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
    return static_cast<double>(v[at]) / 1000.0;
  };
  auto pct = [&](double p) { return percentile(lat, p); };
  std::printf("replay of %d events: %.1f s (%.0f deliveries/s; ingest took %.1f s); live "
              "ingest-to-receipt during the replay (%d events): p50 %.2f ms, p99 %.2f ms, max "
              "%.2f ms; without a replay (50 events): p50 %.2f ms, p99 %.2f ms\n",
              total, replay_s, total / replay_s, ingest_s, live_sent_while_running, pct(0.5),
              pct(0.99), pct(1.0), percentile(baseline, 0.5), percentile(baseline, 0.99));
  // Not starved: live events arrive in a small fraction of the replay's time, not after it.
  CHECK(live_sent_while_running >= 10);
  CHECK(pct(0.5) < 250.0);
  CHECK(pct(0.99) < replay_s * 1000.0 / 4);
}
