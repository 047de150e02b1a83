#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

namespace hookd {

/// True when `s` is 1 to `max_length` characters of `[A-Za-z0-9_-]`: safe in a URL path, a
/// RocksDB key and a file name (tenant ids, checkpoint names).
bool is_plain_identifier(std::string_view s, std::size_t max_length) noexcept;

/// Encodes a ULID (26 Crockford base32 characters): 48 bits of milliseconds, then 80 bits
/// of entropy. Lexicographic order equals time order.
std::string encode_ulid(int64_t ms, std::span<const uint8_t, 10> entropy);

/// Makes time-ordered, prefixed ids such as `evt_01JD3...`. Ids made by one generator are
/// strictly increasing even within one millisecond (the entropy is incremented, as the ULID
/// spec's monotonic mode does). Thread-safe.
class id_generator {
 public:
  /// Fills its argument with random bytes.
  using entropy_source = std::function<void(std::span<uint8_t>)>;

  /// Uses OpenSSL's generator for entropy.
  id_generator();
  /// Uses `source` for entropy (tests pin it).
  explicit id_generator(entropy_source source);

  /// Returns `prefix` followed by a new ULID for the instant `ms`.
  std::string next(std::string_view prefix, int64_t ms);

 private:
  std::mutex mtx_;
  entropy_source source_;
  int64_t last_ms_ = -1;
  std::array<uint8_t, 10> last_entropy_{};
};

} // namespace hookd
