#pragma once

/// An independent oracle for tests: HMAC-SHA256, hex and base64 written directly against
/// OpenSSL's one-shot functions, never through hookd's own crypto code, so that a test can
/// check hookd's signatures against a second implementation.

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <string>
#include <string_view>

namespace hookd::test {

/// Raw HMAC-SHA256 of `data` keyed by `key`.
inline std::string oracle_hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return {reinterpret_cast<char*>(out), len};
}

/// Lower-case hex of `bytes`.
inline std::string oracle_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

/// Standard base64 (with padding) of `bytes`.
inline std::string oracle_base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                           reinterpret_cast<const unsigned char*>(bytes.data()),
                           static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

/// Decodes standard base64 (with padding); empty on malformed input.
inline std::string oracle_unbase64(std::string_view text) {
  std::string out(3 * text.size() / 4 + 1, '\0');
  auto n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                           reinterpret_cast<const unsigned char*>(text.data()),
                           static_cast<int>(text.size()));
  if (n < 0 || text.size() < 2)
    return {};
  out.resize(static_cast<std::size_t>(n) - std::count(text.end() - 2, text.end(), '='));
  return out;
}

} // namespace hookd::test
