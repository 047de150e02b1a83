// Micro-benchmarks of the delivery hot path: rendering the Standard Webhooks envelope of a
// 1 KiB event (splicing its stored bytes) and signing it (HMAC-SHA256, base64, headers).

#include "domain/delivery_message.hpp"
#include "domain/hmac.hpp"
#include "domain/webhook_secret.hpp"

#include <benchmark/benchmark.h>

namespace {

hookd::event one_kib_event() {
  hookd::event e;
  e.seq = 42;
  e.id = "evt_01JD3Q8Z6V5W4X3Y2Z1A0B9C8D";
  e.tenant = "acme";
  e.type = "deployment.succeeded";
  e.received_at_ms = 1'700'000'000'000;
  e.labels = {{"application_id", "app_42"}};
  e.data = R"({"deployment":{"id":"dep_1","status":"success"},"pad":")";
  e.data += std::string(1024 - e.data.size() - 2, 'x') + "\"}";
  return e;
}

void render_standard(benchmark::State& state) {
  auto e = one_kib_event();
  for (auto _ : state) {
    auto body = hookd::render_standard_envelope(e);
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(render_standard);

// Render, then sign with `state.range(0)` keys (two during a secret rotation).
void render_and_sign(benchmark::State& state) {
  auto e = one_kib_event();
  hookd::hmac_sha256_key key{
      *hookd::parse_webhook_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")};
  std::vector<const hookd::hmac_sha256_key*> keys(static_cast<std::size_t>(state.range(0)), &key);
  auto id = hookd::delivery_message_id("wh_1", e.id);
  for (auto _ : state) {
    auto signed_body =
        hookd::sign_delivery({}, id, 1'700'000'000, hookd::render_standard_envelope(e), keys, {});
    benchmark::DoNotOptimize(signed_body);
  }
}
BENCHMARK(render_and_sign)->Arg(1)->Arg(2);

} // namespace
