#include "domain/rate_limiter.hpp"

#include <catch2/catch.hpp>

using namespace hookd;

TEST_CASE("rate limiter: a token bucket per key", "[domain][limits]") {
  rate_limiter limit{10, 20}; // 10 per second, bursts of 20
  int64_t t = 1'000'000;
  CHECK(limit.take("k1", 20, t).allowed); // a full bucket to start
  auto refused = limit.take("k1", 1, t);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.retry_after_ms == 100);  // one token takes 100 ms
  CHECK(limit.take("k2", 5, t).allowed); // other keys have their own bucket
  CHECK(limit.take("k1", 1, t + 100).allowed);
  CHECK_FALSE(limit.take("k1", 1, t + 100).allowed);
  CHECK(limit.take("k1", 20, t + 100 + 2000).allowed); // refilled, capped at the burst
  CHECK_FALSE(limit.take("k1", 1, t + 2100).allowed);
  auto batch = limit.take("k1", 5, t + 2100 + 300); // 3 tokens saved, 5 wanted
  CHECK_FALSE(batch.allowed);
  CHECK(batch.retry_after_ms == 200);
  // More than a burst never passes: the answer is the time to a full bucket.
  auto huge = limit.take("k3", 21, t);
  CHECK_FALSE(huge.allowed);
  CHECK(huge.retry_after_ms == 2000);
  rate_limiter off{0, 0};
  CHECK_FALSE(off.enabled());
  CHECK(off.take("k", 1e9, t).allowed);
}
