#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hookd {

/// A SHA-256 digest.
using sha256_digest = std::array<uint8_t, 32>;

/// Computes SHA-256 over `data`.
sha256_digest sha256(std::string_view data);

/// Incremental SHA-256, for hashing several pieces without concatenating them.
/// Not thread-safe; one instance per computation.
class sha256_hasher {
 public:
  sha256_hasher();
  ~sha256_hasher();
  sha256_hasher(const sha256_hasher&) = delete;
  sha256_hasher& operator=(const sha256_hasher&) = delete;
  /// Feeds `data` into the digest.
  void update(std::string_view data);
  /// Feeds raw bytes into the digest.
  void update(std::span<const uint8_t> data);
  /// Finishes and returns the digest. The hasher must not be used afterwards.
  sha256_digest finish();

 private:
  void* ctx_;
};

/// Compares two byte strings in time that depends only on their lengths.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

/// Lower-case hexadecimal encoding of `bytes`.
std::string to_hex(std::span<const uint8_t> bytes);

/// The value of hex digit `c` (either case), or -1.
int hex_digit_value(char c) noexcept;

/// Decodes lower- or upper-case hex; nullopt on odd length or a non-hex character.
std::optional<std::string> from_hex(std::string_view hex);

/// Standard base64 (RFC 4648 §4) with padding.
std::string base64_encode(std::span<const uint8_t> bytes);

/// URL-safe base64 (RFC 4648 §5) without padding.
std::string base64url_encode(std::span<const uint8_t> bytes);

/// Decodes standard base64 with or without padding; nullopt on any other character, on a
/// bad length, or on non-zero trailing bits.
std::optional<std::string> base64_decode(std::string_view text);

/// Fills `out` with cryptographically secure random bytes (OpenSSL's DRBG). Aborts if the
/// generator fails, which only happens when the process has no entropy source at all.
void secure_random(std::span<uint8_t> out);

/// Views a digest as a string of raw bytes.
inline std::string_view as_bytes(const sha256_digest& d) noexcept {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

} // namespace hookd
