#pragma once

#include "domain/crypto.hpp"

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string_view>

namespace hookd {

/// An HMAC-SHA256 key with its inner and outer pads computed once. Signing restarts a keyed
/// context from them instead of re-deriving the key, and the contexts are kept for the next
/// signature (design note 45), so a webhook's deliveries neither re-hash the key nor allocate
/// OpenSSL state. The key never changes after construction; `sign` is thread-safe.
class hmac_sha256_key {
 public:
  /// Keys with `key` (raw bytes, any length).
  explicit hmac_sha256_key(std::string_view key);
  ~hmac_sha256_key();
  hmac_sha256_key(hmac_sha256_key&&) noexcept;
  hmac_sha256_key& operator=(hmac_sha256_key&&) noexcept;
  hmac_sha256_key(const hmac_sha256_key&) = delete;
  hmac_sha256_key& operator=(const hmac_sha256_key&) = delete;

  /// HMAC-SHA256 over the concatenation of `pieces` (nothing is concatenated in memory).
  sha256_digest sign(std::initializer_list<std::string_view> pieces) const;

  /// Finished contexts that every key of the process keeps now, for the next signature
  /// (at most 1,024 in all).
  static std::size_t spare_contexts() noexcept;

 private:
  struct state;
  std::unique_ptr<state> state_;
};

} // namespace hookd
