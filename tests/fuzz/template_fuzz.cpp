// Fuzz target: payload templates. The input is a custom template, a NUL byte, then an event's
// data. Every built-in template must render valid JSON for any data object (with the data also
// as a label value, to reach the escaping), and a custom template either fails to compile,
// fails to render cleanly, or renders valid JSON.

#include "domain/payload_template.hpp"

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace {

bool is_json(const std::string& body) {
  static simdjson::dom::parser parser;
  simdjson::dom::element ignored;
  return parser.parse(body).get(ignored) == simdjson::SUCCESS;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, std::size_t size) {
  std::string_view input{reinterpret_cast<const char*>(bytes), size};
  auto nul = input.find('\0');
  auto text = input.substr(0, nul);
  auto data = nul == std::string_view::npos ? std::string_view{"{}"} : input.substr(nul + 1);

  hookd::event e;
  e.seq = 1;
  e.received_at_ms = 1'700'000'000'000;
  e.tenant = "acme";
  e.id = "evt_1";
  e.type = "deployment.failed";
  e.data = std::string{data};
  e.labels = {{"application_id", std::string{data.substr(0, 256)}}};
  {
    simdjson::dom::parser p;
    simdjson::dom::element root;
    if (p.parse(e.data).get(root) != simdjson::SUCCESS || !root.is_object())
      e.data = "{}"; // Stored data is always a JSON object.
  }
  for (auto kind : {hookd::template_kind::standard, hookd::template_kind::event,
                    hookd::template_kind::tenant_envelope, hookd::template_kind::slack,
                    hookd::template_kind::discord, hookd::template_kind::n8n}) {
    auto out = hookd::payload_renderer{kind}.render(e, "wh_1");
    if (!out.ok() || !is_json(out.body))
      __builtin_trap();
  }
  std::vector<hookd::field_error> errors;
  if (hookd::custom_template::compile(text, "/custom_template", errors)) {
    auto out = hookd::payload_renderer{hookd::template_kind::custom, text}.render(e, "wh_1");
    if (out.ok() && !is_json(out.body))
      __builtin_trap();
  }
  return 0;
}
