#include "domain/event.hpp"

#include "domain/defaults.hpp"

#include <algorithm>

namespace hookd {

bool is_valid_event_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > defaults::max_event_id_length)
    return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == ':' || c == '-';
  });
}

bool is_valid_label_key(std::string_view key) noexcept {
  if (key.empty() || key.size() > defaults::max_label_key_length)
    return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

void compute_fingerprint(event_draft& draft) {
  // Length-prefix every piece so that no two different events hash the same input.
  sha256_hasher h;
  auto piece = [&](std::string_view s) {
    auto n = static_cast<uint64_t>(s.size());
    uint8_t len[8];
    for (int i = 7; i >= 0; --i, n >>= 8)
      len[i] = static_cast<uint8_t>(n);
    h.update(std::span<const uint8_t>{len, 8});
    h.update(s);
  };
  piece(draft.client_id ? draft.id : std::string_view{});
  piece(draft.type);
  piece(draft.occurred_at_ms ? std::to_string(*draft.occurred_at_ms) : std::string{});
  piece(std::to_string(draft.labels.size()));
  for (const auto& l : draft.labels) {
    piece(l.key);
    piece(l.value);
  }
  piece(draft.data);
  draft.fingerprint = h.finish();
}

std::optional<std::string_view> find_label(const std::vector<label>& labels,
                                           std::string_view key) noexcept {
  for (const auto& l : labels)
    if (l.key == key)
      return std::string_view{l.value};
  return std::nullopt;
}

} // namespace hookd
