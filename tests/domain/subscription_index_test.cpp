#include "domain/subscription_index.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

using namespace hookd;

namespace {

webhook hook(std::string tenant, std::string id, std::vector<std::string> events,
             std::vector<label> filter = {}) {
  webhook w;
  w.tenant = std::move(tenant);
  w.id = std::move(id);
  w.events = std::move(events);
  w.label_filter = std::move(filter);
  return w;
}

std::vector<std::string> ids(const subscription_index& idx, std::string_view tenant,
                             std::string_view type, const std::vector<label>& labels = {}) {
  std::vector<const subscription_index::entry*> out;
  idx.match(tenant, type, labels, out);
  std::vector<std::string> r;
  for (auto* e : out)
    r.push_back(e->id);
  std::sort(r.begin(), r.end());
  return r;
}

using v = std::vector<std::string>;

} // namespace

TEST_CASE("subscriptions: exact, prefix and any, each webhook once", "[domain][router]") {
  subscription_index idx;
  idx.upsert(hook("t", "exact", {"deployment.started"}));
  idx.upsert(hook("t", "prefix", {"deployment.*"}));
  idx.upsert(hook("t", "deep", {"domain.provisioning.*"}));
  idx.upsert(hook("t", "all", {"*"}));
  idx.upsert(hook("t", "both", {"deployment.*", "deployment.started", "*"}));
  CHECK(ids(idx, "t", "deployment.started") == v{"all", "both", "exact", "prefix"});
  CHECK(ids(idx, "t", "deployment.failed") == v{"all", "both", "prefix"});
  CHECK(ids(idx, "t", "deployment") == v{"all", "both"});
  CHECK(ids(idx, "t", "domain.provisioning.completed") == v{"all", "both", "deep"});
  CHECK(ids(idx, "t", "domain.provisioning") == v{"all", "both"});
  CHECK(ids(idx, "t", "payment.failed") == v{"all", "both"});
  CHECK(ids(idx, "other", "deployment.started").empty()); // Tenants never mix.
}

TEST_CASE("subscriptions: label filters must all match", "[domain][router]") {
  subscription_index idx;
  idx.upsert(hook("t", "app42", {"*"}, {{"application_id", "app_42"}}));
  idx.upsert(
      hook("t", "app42prod", {"*"}, {{"application_id", "app_42"}, {"environment", "prod"}}));
  CHECK(ids(idx, "t", "a.b", {{"application_id", "app_42"}}) == v{"app42"});
  CHECK(ids(idx, "t", "a.b", {{"environment", "prod"}, {"application_id", "app_42"}}) ==
        v{"app42", "app42prod"});
  CHECK(ids(idx, "t", "a.b", {{"application_id", "app_7"}}).empty());
  CHECK(ids(idx, "t", "a.b").empty());
}

TEST_CASE("subscriptions: updates replace patterns, removes forget", "[domain][router]") {
  subscription_index idx;
  idx.upsert(hook("t", "w", {"build.*"}));
  CHECK(ids(idx, "t", "build.failed") == v{"w"});
  idx.upsert(hook("t", "w", {"deployment.failed"}));
  CHECK(ids(idx, "t", "build.failed").empty());
  CHECK(ids(idx, "t", "deployment.failed") == v{"w"});
  CHECK(idx.size() == 1);
  idx.remove("t", "w");
  CHECK(ids(idx, "t", "deployment.failed").empty());
  CHECK(idx.size() == 0);
  idx.remove("t", "w");              // Harmless.
  idx.upsert(hook("t", "x", {"*"})); // Reuses the freed slot.
  CHECK(ids(idx, "t", "anything") == v{"x"});
}

TEST_CASE("subscriptions: agree with a linear scan over many random webhooks", "[domain][router]") {
  std::mt19937 rng{7};
  std::vector<std::string> types{"a.b", "a.c", "a.b.c", "x.y", "x.y.z.w", "deployment.started"};
  std::vector<std::string> patterns{
      "a.*", "a.b", "a.b.*", "x.*", "*", "x.y.z.*", "deployment.started", "q.r"};
  subscription_index idx;
  std::vector<webhook> all;
  for (int i = 0; i < 500; ++i) {
    std::vector<std::string> evs;
    for (int k = 0; k <= static_cast<int>(rng() % 3); ++k)
      evs.push_back(patterns[rng() % patterns.size()]);
    std::vector<label> filter;
    if (rng() % 3 == 0)
      filter.push_back({"app", "a" + std::to_string(rng() % 3)});
    all.push_back(hook("t", "w" + std::to_string(i), evs, filter));
    idx.upsert(all.back());
  }
  for (const auto& type : types)
    for (int app = 0; app < 4; ++app) {
      std::vector<label> labels{{"app", "a" + std::to_string(app)}};
      v expected;
      for (const auto& w : all)
        if (w.matches(type, labels))
          expected.push_back(w.id);
      std::sort(expected.begin(), expected.end());
      CHECK(ids(idx, "t", type, labels) == expected);
    }
}
