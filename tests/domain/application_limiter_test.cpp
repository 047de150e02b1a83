#include "domain/application_limiter.hpp"

#include <catch2/catch.hpp>

using namespace hookd;
using namespace std::chrono_literals;

namespace {

using time_point = application_limiter::time_point;

const time_point t0 = time_point{} + 1000h;

} // namespace

TEST_CASE("application limiter: at most N starts in any minute, per application",
          "[domain][limits]") {
  application_limiter lim;
  CHECK_FALSE(lim.acquire("acme", "app_1", t0)); // no limit: always allowed, nothing kept
  CHECK(lim.tracked() == 0);
  lim.set_limit("acme", 3);
  CHECK(lim.limit("acme") == 3);
  CHECK_FALSE(lim.acquire("acme", "app_1", t0));
  CHECK_FALSE(lim.acquire("acme", "app_1", t0 + 10s));
  CHECK_FALSE(lim.acquire("acme", "app_1", t0 + 20s));
  // The fourth within the minute waits until the first leaves the window, and is not counted.
  auto wait = lim.acquire("acme", "app_1", t0 + 30s);
  REQUIRE(wait);
  CHECK(*wait == t0 + 60s);
  CHECK(lim.acquire("acme", "app_1", t0 + 59'999ms) == t0 + 60s);
  // Other applications and other tenants have their own windows.
  CHECK_FALSE(lim.acquire("acme", "app_2", t0 + 30s));
  CHECK_FALSE(lim.acquire("globex", "app_1", t0 + 30s));
  CHECK_FALSE(lim.acquire("acme", "app_1", t0 + 60s));
  // Sliding, not fixed: the next slot frees when the start at +10 s leaves.
  CHECK(lim.acquire("acme", "app_1", t0 + 60s) == t0 + 70s);
}

TEST_CASE("application limiter: changing and removing a limit", "[domain][limits]") {
  application_limiter lim;
  lim.set_limit("acme", 5);
  for (int i = 0; i < 5; ++i)
    CHECK_FALSE(lim.acquire("acme", "app", t0 + std::chrono::seconds{i}));
  // Lowered to 2: the two newest starts (at +3 s and +4 s) decide.
  lim.set_limit("acme", 2);
  CHECK(lim.acquire("acme", "app", t0 + 5s) == t0 + 63s);
  CHECK_FALSE(lim.acquire("acme", "app", t0 + 63s));
  // Removed: allowed at once, and its windows are forgotten.
  lim.set_limit("acme", 0);
  CHECK(lim.limit("acme") == 0);
  CHECK(lim.tracked() == 0);
  for (int i = 0; i < 10; ++i)
    CHECK_FALSE(lim.acquire("acme", "app", t0 + 64s));
}

TEST_CASE("application limiter: idle applications are swept", "[domain][limits]") {
  application_limiter lim;
  lim.set_limit("acme", 1);
  for (int i = 0; i < 100; ++i)
    CHECK_FALSE(lim.acquire("acme", "app_" + std::to_string(i), t0));
  CHECK(lim.tracked() == 100);
  // Enough acquisitions a minute later to trigger a sweep: only the busy one stays.
  for (int i = 0; i < 5000; ++i)
    lim.acquire("acme", "busy", t0 + 2min);
  CHECK(lim.tracked() == 1);
}
