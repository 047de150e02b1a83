// Micro-benchmarks of the delivery hot path: rendering the Standard Webhooks envelope of a
// 1 KiB event (splicing its stored bytes) and signing it (HMAC-SHA256, base64, headers); then
// render plus sign for every template, and sign for every signature profile, on a 1 KiB
// deployment event with the well-known fields (what the templates read).

#include "domain/delivery_message.hpp"
#include "domain/hmac.hpp"
#include "domain/payload_template.hpp"
#include "domain/webhook.hpp"
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

// A 1 KiB deployment event with every section the templates look for.
hookd::event one_kib_deployment() {
  auto e = one_kib_event();
  e.type = "deployment.failed";
  e.data = R"({"deployment":{"id":"dep_9","status":"failed","startedAt":"2026-11-24T06:58:00Z",)"
           R"("finishedAt":"2026-11-24T07:00:05Z"},"application":{"id":"app_42","name":"shop-api",)"
           R"("type":"docker","url":"https://shop.example.com","domains":["shop.example.com"]},)"
           R"("project":{"id":"prj_3","name":"Shop"},"source":{"type":"github","branch":"main",)"
           R"("commit":"9fceb02d0ae598e95dc970b74767f19372d61af8","repository":"acme/shop-api"},)"
           R"("trigger":{"type":"push","triggeredBy":"octocat"},"error":{"message":"exit 1",)"
           R"("stage":"build"},"logsUrl":"https://deploy.example.com/d/dep_9/logs","pad":")";
  e.data += std::string(1024 - e.data.size() - 2, 'x') + "\"}";
  return e;
}

// Render plus sign (standard signature, one key) with template number `state.range(0)`.
void template_render_and_sign(benchmark::State& state) {
  auto e = one_kib_deployment();
  hookd::webhook hook;
  hook.id = "wh_1";
  hook.body_template = static_cast<hookd::template_kind>(state.range(0));
  hook.custom_template =
      R"({"text":"${eventType} for ${applicationName} on ${branch}","status":${status},)"
      R"("commit":"${commitHash}","domains":${domains},"data":${data}})";
  state.SetLabel(std::string{hookd::to_string(hook.body_template)});
  hookd::payload_renderer renderer{hook.body_template, hook.custom_template};
  hookd::hmac_sha256_key key{
      *hookd::parse_webhook_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")};
  std::vector<const hookd::hmac_sha256_key*> keys{&key};
  auto id = hookd::delivery_message_id(hook.id, e.id);
  for (auto _ : state) {
    auto d = hookd::prepare_delivery(hook, renderer, keys, e, id, 1'700'000'000'000);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(template_render_and_sign)->DenseRange(0, 6);

// Sign the standard envelope with signature profile number `state.range(0)`.
void profile_sign(benchmark::State& state) {
  auto e = one_kib_deployment();
  hookd::signature_profile profile{static_cast<hookd::signature_kind>(state.range(0)),
                                   "X-Hub-Signature-256"};
  state.SetLabel(std::string{hookd::to_string(profile.kind)});
  hookd::hmac_sha256_key key{"a-receiver-secret-123"};
  std::vector<const hookd::hmac_sha256_key*> keys{&key};
  auto body = hookd::render_standard_envelope(e);
  auto id = hookd::delivery_message_id("wh_1", e.id);
  for (auto _ : state) {
    auto d = hookd::sign_delivery(profile, id, 1'700'000'000, body, keys, {});
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(profile_sign)->DenseRange(0, 3);

} // namespace
