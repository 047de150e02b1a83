#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hookd {

/// Seals secrets at rest with AES-256-GCM under the master key: a random 96-bit nonce per
/// value and caller-chosen associated data (a webhook's id), so a sealed value copied onto
/// another record does not open. Thread-safe (no mutable state).
class secret_box {
 public:
  /// Bytes of a master key.
  static constexpr std::size_t key_size = 32;
  /// A master key.
  using key_type = std::array<uint8_t, key_size>;

  /// Seals with `key`.
  explicit secret_box(const key_type& key) : key_(key) {}

  /// `version(1) ‖ nonce(12) ‖ ciphertext ‖ tag(16)`, authenticated together with `aad`.
  std::string seal(std::string_view plaintext, std::string_view aad) const;
  /// The plaintext, or nullopt when `sealed` was not sealed by this key with this `aad` (a
  /// wrong key, another record's value, or any changed byte).
  std::optional<std::string> open(std::string_view sealed, std::string_view aad) const;

  /// A fresh random master key.
  static key_type generate();
  /// Decodes a master key given as standard base64 of exactly 32 bytes.
  static std::optional<key_type> parse_key(std::string_view base64);
  /// The base64 text of `key` (what `parse_key` reads).
  static std::string format_key(const key_type& key);

 private:
  key_type key_;
};

} // namespace hookd
