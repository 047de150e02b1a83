#include "domain/signature_profile.hpp"

#include "domain/ascii.hpp"
#include "domain/webhook_secret.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace hookd {

namespace {

constexpr std::array<std::string_view, 4> names{"standard", "timestamped_hex", "sha256_prefixed",
                                                "none"};

} // namespace

std::string_view to_string(signature_kind k) noexcept {
  return names[static_cast<std::size_t>(k)];
}

std::optional<signature_kind> parse_signature_kind(std::string_view name) noexcept {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name)
      return static_cast<signature_kind>(i);
  return std::nullopt;
}

std::vector<std::string> signature_header_names(const signature_profile& p) {
  switch (p.kind) {
  case signature_kind::timestamped_hex:
    return {"x-webhook-signature", "x-webhook-timestamp", "x-webhook-id"};
  case signature_kind::sha256_prefixed:
    return {ascii_lower(p.header)};
  default:
    return {};
  }
}

std::optional<std::string> signing_key_material(signature_kind kind, std::string_view secret) {
  switch (kind) {
  case signature_kind::standard:
    return parse_webhook_secret(secret);
  case signature_kind::timestamped_hex:
  case signature_kind::sha256_prefixed:
    if (secret.empty())
      return std::nullopt;
    return std::string{secret};
  case signature_kind::none:
    break;
  }
  return std::nullopt;
}

void check_secret(signature_kind kind, std::string_view secret, std::string_view field,
                  std::vector<field_error>& errors) {
  switch (kind) {
  case signature_kind::standard:
    if (!parse_webhook_secret(secret))
      errors.push_back({std::string{field},
                        "format",
                        "the standard signature needs a secret of whsec_ + base64 of 24 to 64 "
                        "bytes",
                        {}});
    return;
  case signature_kind::timestamped_hex:
  case signature_kind::sha256_prefixed: {
    bool printable =
        std::all_of(secret.begin(), secret.end(), [](char c) { return c >= ' ' && c < 127; });
    if (secret.size() < min_plain_secret_bytes || secret.size() > max_plain_secret_bytes ||
        !printable)
      errors.push_back({std::string{field}, "format",
                        "this signature style needs a secret of 16 to 256 printable ASCII "
                        "characters",
                        max_plain_secret_bytes});
    return;
  }
  case signature_kind::none:
    return;
  }
}

} // namespace hookd
