#include "domain/metrics.hpp"
#include "domain/queue_request.hpp"

#include <catch2/catch.hpp>

#include <thread>

using namespace hookd;

TEST_CASE("metrics: a histogram counts each value in the first bucket that holds it",
          "[domain][metrics]") {
  histogram h{{1, 5, 10}};
  for (double v : {0.5, 1.0, 3.0, 5.0, 7.0, 100.0})
    h.observe(v);
  auto r = h.read();
  REQUIRE(r.cumulative.size() == 4);
  CHECK(r.cumulative[0] == 2); // <= 1: 0.5 and 1 (bounds are inclusive)
  CHECK(r.cumulative[1] == 4); // <= 5
  CHECK(r.cumulative[2] == 5); // <= 10
  CHECK(r.cumulative[3] == 6); // +Inf
  CHECK(r.count == 6);
  CHECK(r.sum == Approx(116.5));
}

TEST_CASE("metrics: concurrent observations are all counted", "[domain][metrics]") {
  histogram h{{1}};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i)
        h.observe(0.5);
    });
  for (auto& t : threads)
    t.join();
  CHECK(h.read().count == 40000);
  CHECK(h.read().sum == Approx(20000));
}

TEST_CASE("metrics: tenants beyond the cap share one series", "[domain][metrics]") {
  metrics m;
  for (std::size_t i = 0; i < metrics::max_tenants; ++i)
    m.tenant("t" + std::to_string(i)).events += 1;
  auto& late = m.tenant("latecomer");
  auto& later = m.tenant("later-still");
  CHECK(&late == &later);
  CHECK(&m.tenant("t0") != &late); // known tenants keep their own
  std::size_t series = 0;
  bool other = false;
  m.for_each_tenant([&](const std::string& name, const tenant_counters&) {
    ++series;
    other = other || name == "_other";
  });
  CHECK(series == metrics::max_tenants + 1);
  CHECK(other);
}

TEST_CASE("queue request: the retry scope is optional and checked", "[domain][queue]") {
  auto all = parse_retry_failed("");
  REQUIRE(all.value);
  CHECK(all.value->webhook_id.empty());
  CHECK(all.value->since_ms == 0);
  CHECK(all.value->until_ms == INT64_MAX);
  auto scoped = parse_retry_failed(
      R"({"webhook_id":"wh_1","since":"2026-01-01T00:00:00Z","until":"2026-01-02T00:00:00Z"})");
  REQUIRE(scoped.value);
  CHECK(scoped.value->webhook_id == "wh_1");
  CHECK(scoped.value->until_ms - scoped.value->since_ms == 86'400'000);
  for (const char* bad :
       {R"({"since":"soon"})", R"({"until":5})", R"({"webhook_id":""})", R"({"other":1})",
        R"({"since":"2026-01-02T00:00:00Z","until":"2026-01-01T00:00:00Z"})"}) {
    INFO(bad);
    auto r = parse_retry_failed(bad);
    REQUIRE(r.failure);
    CHECK(r.failure->status == 422);
  }
  auto broken = parse_retry_failed("{");
  REQUIRE(broken.failure);
  CHECK(broken.failure->status == 400);
}
