#include "domain/id_generator.hpp"

#include "domain/crypto.hpp"

#include <algorithm>

namespace hookd {

bool is_plain_identifier(std::string_view s, std::size_t max_length) noexcept {
  if (s.empty() || s.size() > max_length)
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::string encode_ulid(int64_t ms, std::span<const uint8_t, 10> entropy) {
  static constexpr char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::string out(26, '0');
  auto t = static_cast<uint64_t>(ms) & 0xFFFFFFFFFFFFULL;
  for (int i = 9; i >= 0; --i) {
    out[i] = alphabet[t & 31];
    t >>= 5;
  }
  // 80 bits of entropy as 16 base32 digits, most significant first.
  uint64_t hi = 0; // top 40 bits
  uint64_t lo = 0; // low 40 bits
  for (int i = 0; i < 5; ++i)
    hi = (hi << 8) | entropy[i];
  for (int i = 5; i < 10; ++i)
    lo = (lo << 8) | entropy[i];
  for (int i = 7; i >= 0; --i) {
    out[10 + i] = alphabet[hi & 31];
    hi >>= 5;
    out[18 + i] = alphabet[lo & 31];
    lo >>= 5;
  }
  return out;
}

id_generator::id_generator() : id_generator([](std::span<uint8_t> out) { secure_random(out); }) {}

id_generator::id_generator(entropy_source source) : source_(std::move(source)) {}

std::string id_generator::next(std::string_view prefix, int64_t ms) {
  std::array<uint8_t, 10> entropy{};
  {
    std::lock_guard guard{mtx_};
    if (ms <= last_ms_) {
      // Same (or an earlier, after a clock step back) millisecond: keep the order by
      // incrementing the previous entropy, as ULID's monotonic mode does.
      ms = last_ms_;
      bool carried_out = true;
      for (int i = 9; i >= 0 && carried_out; --i)
        carried_out = ++last_entropy_[i] == 0;
      if (carried_out) {
        // 2^80 ids in one millisecond: move to the next millisecond rather than wrap.
        ms = ++last_ms_;
        source_(last_entropy_);
      }
    } else {
      last_ms_ = ms;
      source_(last_entropy_);
    }
    entropy = last_entropy_;
  }
  std::string out;
  out.reserve(prefix.size() + 26);
  out.append(prefix);
  out.append(encode_ulid(ms, entropy));
  return out;
}

} // namespace hookd
