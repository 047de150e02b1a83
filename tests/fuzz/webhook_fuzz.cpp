// Fuzz target: webhook configuration (create, then patch and rotate on the result), with the
// strict address policy.

#include "domain/id_generator.hpp"
#include "domain/webhook.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view body{reinterpret_cast<const char*>(data), size};
  hookd::id_generator ids;
  auto created = hookd::parse_webhook_create(body, "acme", ids, 1'700'000'000'000);
  if (created.value) {
    auto patched = hookd::parse_webhook_patch(body, *created.value, 1'700'000'000'001);
    auto rotated = hookd::parse_secret_rotation(body, *created.value, 1'700'000'000'002);
    (void)patched;
    (void)rotated;
  }
  return 0;
}
