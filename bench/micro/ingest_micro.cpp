// Micro-benchmarks of the ingest hot path: parsing an event, encoding a log record (with its
// chain hash), and a synced group commit of N events.

#include "domain/ingest_request.hpp"
#include "storage/event_record.hpp"
#include "storage/log_store.hpp"

#include <benchmark/benchmark.h>

#include <filesystem>

namespace {

std::string one_kib_event() {
  std::string data = R"({"deployment":{"id":"dep_1","status":"success"},"pad":")";
  data += std::string(1024 - data.size() - 2, 'x') + "\"}";
  return R"({"type":"deployment.success","labels":{"application_id":"app_42"},"data":)" + data +
         "}";
}

void parse_event(benchmark::State& state) {
  auto body = one_kib_event();
  hookd::id_generator ids;
  for (auto _ : state) {
    auto r = hookd::parse_ingest_request(body, ids, 1'700'000'000'000);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(parse_event);

void encode_record(benchmark::State& state) {
  hookd::event e;
  e.seq = 1;
  e.tenant = "acme";
  e.id = "evt_01JD3ZZZZZZZZZZZZZZZZZZZZZ";
  e.type = "deployment.success";
  e.labels = {{"application_id", "app_42"}};
  e.data = std::string(1024, 'x');
  for (auto _ : state) {
    auto bytes = hookd::storage::encode_event_record(e);
    benchmark::DoNotOptimize(bytes);
  }
}
BENCHMARK(encode_record);

// One synced WriteBatch of `range(0)` 1 KiB events: the cost the group commit amortises.
void group_commit(benchmark::State& state) {
  auto dir = std::filesystem::temp_directory_path() / "hookd-micro-commit";
  std::filesystem::remove_all(dir);
  hookd::storage::database_options opts;
  opts.secrets = std::make_shared<const hookd::secret_box>(hookd::secret_box::generate());
  auto db = std::move(*hookd::storage::database::open(dir, std::move(opts)));
  auto store = std::move(*hookd::storage::log_store::open(*db));
  hookd::event_draft proto;
  proto.type = "deployment.success";
  proto.data = std::string(1024, 'x');
  int64_t n = 0;
  for (auto _ : state) {
    for (int64_t i = 0; i < state.range(0); ++i) {
      auto d = proto;
      d.id = "evt_" + std::to_string(n++);
      store->stage_event("acme", std::move(d), n);
    }
    auto r = store->commit();
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  store.reset();
  db.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(group_commit)->Arg(1)->Arg(64)->Arg(1024)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
