#include "domain/event_type.hpp"

#include <catch2/catch.hpp>

#include <string>

using hookd::event_type_pattern;
using hookd::is_valid_event_type;

TEST_CASE("event types: valid and invalid forms", "[domain][event_type]") {
  for (auto ok : {"a", "deployment.started", "domain.provisioning.completed", "a_b.c_9", "x1.y2.z3",
                  "payment.failed"})
    CHECK(is_valid_event_type(ok));
  for (auto bad : {"", ".", "a.", ".a", "a..b", "A.b", "a.B", "a-b", "a b", "a.*", "*",
                   "dÉploy.started", "a/b"})
    CHECK_FALSE(is_valid_event_type(bad));
}

TEST_CASE("event types: length limit is 128 bytes", "[domain][event_type]") {
  std::string at_limit(128, 'a');
  CHECK(is_valid_event_type(at_limit));
  CHECK_FALSE(is_valid_event_type(at_limit + "a"));
}

TEST_CASE("event type patterns: exact, prefix and any", "[domain][event_type]") {
  auto exact = event_type_pattern::parse("deployment.started");
  REQUIRE(exact);
  CHECK(exact->matches("deployment.started"));
  CHECK_FALSE(exact->matches("deployment.started.x"));
  CHECK_FALSE(exact->matches("deployment"));

  auto prefix = event_type_pattern::parse("deployment.*");
  REQUIRE(prefix);
  CHECK(prefix->form() == event_type_pattern::kind::prefix);
  CHECK(prefix->matches("deployment.started"));
  CHECK(prefix->matches("deployment.rollback_failed"));
  CHECK_FALSE(prefix->matches("deployment"));
  CHECK_FALSE(prefix->matches("deployments.started"));
  CHECK(event_type_pattern::parse("domain.*")->matches("domain.provisioning.failed"));

  auto any = event_type_pattern::parse("*");
  REQUIRE(any);
  CHECK(any->matches("anything.at_all"));
  CHECK(any->to_string() == "*");
  CHECK(prefix->to_string() == "deployment.*");

  for (auto bad : {"", "deployment.", "deployment.**", "*.started", "Deployment.*", ".*", "a*"})
    CHECK_FALSE(event_type_pattern::parse(bad));
}

TEST_CASE("event catalog: every built-in type is valid and listed once", "[domain][event_type]") {
  auto all = hookd::builtin_event_types();
  CHECK(all.size() == 30);
  for (std::size_t i = 0; i < all.size(); ++i) {
    CHECK(is_valid_event_type(all[i].type));
    CHECK_FALSE(all[i].description.empty());
    for (std::size_t j = i + 1; j < all.size(); ++j)
      CHECK(all[i].type != all[j].type);
  }
  for (auto t : {"deployment.started", "build.failed", "domain.provisioning.completed",
                 "certificate.expiring", "ca.rotated", "profile.deleted", "system.audit_threshold",
                 "git.push.received", "webhook.recovered", "deployment.rollback_failed"})
    CHECK(hookd::is_builtin_event_type(t));
  CHECK_FALSE(hookd::is_builtin_event_type("payment.failed"));
}
