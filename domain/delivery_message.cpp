#include "domain/delivery_message.hpp"

#include "domain/ascii.hpp"
#include "domain/crypto.hpp"
#include "domain/json_writer.hpp"
#include "domain/timestamp.hpp"
#include "domain/webhook_secret.hpp"

namespace hookd {

std::string delivery_message_id(std::string_view webhook_id, std::string_view event_id) {
  static constexpr char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
  sha256_hasher h;
  h.update(webhook_id);
  h.update(std::string_view{"\0", 1});
  h.update(event_id);
  auto d = h.finish();
  // 26 base32 digits = 130 bits, from the first 17 bytes of the digest.
  std::string out = "msg_";
  uint32_t acc = 0;
  int bits = 0;
  std::size_t byte = 0;
  while (out.size() < 4 + 26) {
    if (bits < 5) {
      acc = (acc << 8) | d[byte++];
      bits += 8;
    }
    bits -= 5;
    out.push_back(alphabet[(acc >> bits) & 31]);
  }
  return out;
}

std::string render_standard_envelope(const event& e) {
  std::string out;
  out.reserve(e.type.size() + e.data.size() + 64);
  out.append(R"({"type":)");
  append_json_string(out, e.type);
  out.append(R"(,"timestamp":")");
  out.append(format_rfc3339(e.received_at_ms));
  out.append(R"(","data":)");
  out.append(e.data);
  out.push_back('}');
  return out;
}

signed_delivery sign_delivery(const signature_profile& profile, std::string msg_id,
                              int64_t attempt_unix_seconds, std::string body,
                              const std::vector<const hmac_sha256_key*>& keys,
                              const std::vector<webhook_header>& custom_headers) {
  signed_delivery out;
  out.headers.reserve(6 + custom_headers.size());
  auto timestamp = std::to_string(attempt_unix_seconds);
  switch (profile.kind) {
  case signature_kind::standard: {
    std::string signatures;
    for (const auto* key : keys) {
      if (!signatures.empty())
        signatures.push_back(' ');
      signatures += standard_webhooks_signature(*key, msg_id, attempt_unix_seconds, body);
    }
    out.headers.emplace_back("webhook-id", msg_id);
    out.headers.emplace_back("webhook-timestamp", std::move(timestamp));
    out.headers.emplace_back("webhook-signature", std::move(signatures));
    break;
  }
  case signature_kind::timestamped_hex:
    out.headers.emplace_back("webhook-id", msg_id);
    out.headers.emplace_back("X-Webhook-Id", msg_id);
    if (!keys.empty())
      out.headers.emplace_back("X-Webhook-Signature",
                               to_hex(keys.front()->sign({timestamp, ".", body})));
    out.headers.emplace_back("X-Webhook-Timestamp", std::move(timestamp));
    break;
  case signature_kind::sha256_prefixed:
    out.headers.emplace_back("webhook-id", msg_id);
    if (!keys.empty())
      out.headers.emplace_back(profile.header, "sha256=" + to_hex(keys.front()->sign({body})));
    break;
  case signature_kind::none:
    out.headers.emplace_back("webhook-id", msg_id);
    break;
  }
  out.headers.emplace_back("Content-Type", "application/json");
  out.headers.emplace_back("User-Agent", "hookd/" HOOKD_VERSION);
  for (const auto& h : custom_headers)
    out.headers.emplace_back(h.name, h.value);
  out.body = std::move(body);
  return out;
}

prepared_delivery prepare_delivery(const webhook& hook, const payload_renderer& renderer,
                                   const std::vector<const hmac_sha256_key*>& keys, const event& e,
                                   std::string msg_id, int64_t now_ms) {
  prepared_delivery out;
  auto rendered = renderer.render(e, hook.id);
  if (!rendered.ok()) {
    out.error = out.note = std::move(rendered.error);
    return out;
  }
  if (!rendered.missing.empty()) {
    out.note = "missing:";
    for (const auto& m : rendered.missing)
      out.note += (out.note.size() > 8 ? ", " : " ") + m;
  }
  out.message = sign_delivery(hook.signature, std::move(msg_id), now_ms / 1000,
                              std::move(rendered.body), keys, hook.headers);
  return out;
}

bool is_signature_header(const signature_profile& profile, std::string_view name) noexcept {
  auto same = [&](std::string_view want) { return iequals(name, want); };
  switch (profile.kind) {
  case signature_kind::standard:
    return same("webhook-signature");
  case signature_kind::timestamped_hex:
    return same("x-webhook-signature");
  case signature_kind::sha256_prefixed:
    return same(profile.header);
  case signature_kind::none:
    break;
  }
  return false;
}

} // namespace hookd
