// The router's type index: matching one event against N webhooks of one tenant. The cost
// should not grow with N (the index looks up the type and its ancestors, not every webhook).

#include "domain/subscription_index.hpp"

#include <benchmark/benchmark.h>

namespace {

void match_event(benchmark::State& state) {
  hookd::subscription_index idx;
  auto n = state.range(0);
  for (int64_t i = 0; i < n; ++i) {
    hookd::webhook w;
    w.tenant = "acme";
    w.id = "wh_" + std::to_string(i);
    // Per-application webhooks: each wants its app's deployments, as Dokploy-style users do.
    w.events = {"deployment.*", "build.failed"};
    w.label_filter = {{"application_id", "app_" + std::to_string(i)}};
    if (i % 100 == 0)
      w.events = {"app" + std::to_string(i) + ".custom"};
    idx.upsert(w);
  }
  std::vector<hookd::label> labels{{"application_id", "app_42"}, {"environment", "prod"}};
  std::vector<const hookd::subscription_index::entry*> out;
  for (auto _ : state) {
    out.clear();
    idx.match("acme", "payment.failed", labels, out);     // Matches nobody.
    idx.match("acme", "app100.custom", labels, out);      // One exact candidate.
    idx.match("acme", "deployment.started", labels, out); // app_42's webhook among N.
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 3);
}
BENCHMARK(match_event)->Arg(10)->Arg(1000)->Arg(10000);

} // namespace
