#include "domain/delivery_outcome.hpp"
#include "domain/retry_policy.hpp"

#include <catch2/catch.hpp>

using namespace hookd;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

TEST_CASE("retry: the standard schedule at exact instants", "[domain][retry]") {
  auto p = retry_policy::standard();
  CHECK(p.max_attempts() == 8);
  fixed_jitter none{0.0};
  std::vector<milliseconds> expected{0s, 5s, 5min, 30min, 2h, 5h, 10h, 10h};
  for (uint32_t attempt = 1; attempt <= 8; ++attempt)
    CHECK(p.delay_before(attempt, none) == expected[attempt - 1]);
  CHECK_FALSE(p.delay_before(9, none));
  // Jitter at its extremes: exactly ±20 %.
  fixed_jitter high{1.0};
  fixed_jitter low{-1.0};
  CHECK(p.delay_before(2, high) == 6s);
  CHECK(p.delay_before(2, low) == 4s);
  CHECK(p.delay_before(5, high) == milliseconds{2 * 3600 * 1000 * 12 / 10});
  CHECK(p.delay_before(1, high) == 0s); // The first attempt is never delayed.
}

TEST_CASE("retry: the short schedule", "[domain][retry]") {
  auto p = retry_policy::short_schedule();
  fixed_jitter none{0.0};
  CHECK(p.max_attempts() == 4);
  CHECK(p.delay_before(2, none) == 30s);
  CHECK(p.delay_before(3, none) == 2min);
  CHECK(p.delay_before(4, none) == 5min);
  CHECK_FALSE(p.delay_before(5, none));
}

TEST_CASE("retry: exponential doubles up to the cap", "[domain][retry]") {
  fixed_jitter none{0.0};
  auto p = retry_policy::exponential(6, 10s, 60s);
  CHECK(p.max_attempts() == 7);
  std::vector<milliseconds> expected{10s, 20s, 40s, 60s, 60s, 60s};
  for (uint32_t i = 0; i < expected.size(); ++i)
    CHECK(p.delay_before(i + 2, none) == expected[i]);
  CHECK_FALSE(p.delay_before(8, none));
  auto none_at_all = retry_policy::exponential(0, 1s, 1s);
  CHECK(none_at_all.max_attempts() == 1);
  CHECK_FALSE(none_at_all.delay_before(2, none));
}

TEST_CASE("retry: random jitter stays within [-1, 1] and spreads", "[domain][retry]") {
  random_jitter j{42};
  double lo = 1, hi = -1;
  for (int i = 0; i < 10000; ++i) {
    auto v = j.next();
    REQUIRE(v >= -1.0);
    REQUIRE(v <= 1.0);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  CHECK(lo < -0.99);
  CHECK(hi > 0.99);
}

TEST_CASE("outcomes: classification table", "[domain][outcome]") {
  using te = transport_error;
  CHECK(classify_attempt(te::none, 200) == attempt_class::success);
  CHECK(classify_attempt(te::none, 204) == attempt_class::success);
  CHECK(classify_attempt(te::none, 299) == attempt_class::success);
  for (int s : {408, 429, 500, 502, 503, 504, 599})
    CHECK(classify_attempt(te::none, s) == attempt_class::retryable);
  for (int s : {300, 301, 302, 307, 308, 400, 401, 403, 404, 405, 409, 413, 422, 451, 100})
    CHECK(classify_attempt(te::none, s) == attempt_class::permanent);
  CHECK(classify_attempt(te::none, 410) == attempt_class::gone);
  for (auto e :
       {te::dns_temporary, te::connect_failed, te::connection_reset, te::tls_failed, te::timeout})
    CHECK(classify_attempt(e, std::nullopt) == attempt_class::retryable);
  CHECK(classify_attempt(te::dns_nxdomain, std::nullopt) == attempt_class::permanent);
  CHECK(classify_attempt(te::blocked_address, std::nullopt) == attempt_class::permanent);
  CHECK(to_string(te::blocked_address) == "blocked_address");
}

TEST_CASE("outcomes: Retry-After in seconds or as an HTTP date, clamped", "[domain][outcome]") {
  int64_t now = 784111777000; // Sun, 06 Nov 1994 08:49:37 GMT
  CHECK(parse_retry_after("120", now) == 120s);
  CHECK(parse_retry_after(" 0 ", now) == 0s);
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:51:37 GMT", now) == 120s);
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now) == 0s); // In the past.
  CHECK_FALSE(parse_retry_after("soon", now));
  CHECK_FALSE(parse_retry_after("-5", now));
  CHECK_FALSE(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now)); // Obsolete format.
  CHECK_FALSE(parse_retry_after("", now));
  // At least the scheduled pause, at most a day.
  CHECK(clamp_retry_after(1s, 5s) == 5s);
  CHECK(clamp_retry_after(60s, 5s) == 60s);
  CHECK(clamp_retry_after(48h, 5s) == 24h);
  CHECK(clamp_retry_after(parse_retry_after("99999999999999999999", now).value(), 5s) == 24h);
}
