#include "domain/webhook_secret.hpp"

#include "domain/crypto.hpp"

#include <array>
#include <string>

namespace hookd {

std::optional<std::string> parse_webhook_secret(std::string_view text) {
  constexpr std::string_view prefix = "whsec_";
  if (!text.starts_with(prefix))
    return std::nullopt;
  auto raw = base64_decode(text.substr(prefix.size()));
  if (!raw || raw->size() < min_webhook_secret_bytes || raw->size() > max_webhook_secret_bytes)
    return std::nullopt;
  return raw;
}

std::string make_webhook_secret() {
  std::array<uint8_t, 32> bytes{};
  secure_random(bytes);
  return "whsec_" + base64_encode(bytes);
}

std::string standard_webhooks_signature(const hmac_sha256_key& key, std::string_view msg_id,
                                        int64_t timestamp_seconds, std::string_view body) {
  auto ts = std::to_string(timestamp_seconds);
  auto mac = key.sign({msg_id, ".", ts, ".", body});
  return "v1," + base64_encode(mac);
}

} // namespace hookd
