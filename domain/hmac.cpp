#include "domain/hmac.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdlib>

namespace hookd {

struct hmac_sha256_key::state {
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* keyed = nullptr;
  ~state() {
    EVP_MAC_CTX_free(keyed);
    EVP_MAC_free(mac);
  }
};

hmac_sha256_key::hmac_sha256_key(std::string_view key) : state_(std::make_unique<state>()) {
  state_->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  state_->keyed = state_->mac ? EVP_MAC_CTX_new(state_->mac) : nullptr;
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  // An empty key is valid HMAC; OpenSSL wants a non-null pointer for it.
  static const unsigned char empty = 0;
  auto* k = key.empty() ? &empty : reinterpret_cast<const unsigned char*>(key.data());
  if (state_->keyed == nullptr || EVP_MAC_init(state_->keyed, k, key.size(), params) != 1)
    std::abort(); // OpenSSL without HMAC-SHA256: the build is broken, not the input.
}

hmac_sha256_key::~hmac_sha256_key() = default;
hmac_sha256_key::hmac_sha256_key(hmac_sha256_key&&) noexcept = default;
hmac_sha256_key& hmac_sha256_key::operator=(hmac_sha256_key&&) noexcept = default;

sha256_digest hmac_sha256_key::sign(std::initializer_list<std::string_view> pieces) const {
  sha256_digest out{};
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(state_->keyed);
  if (ctx == nullptr)
    std::abort();
  for (auto p : pieces)
    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(p.data()), p.size());
  std::size_t len = 0;
  EVP_MAC_final(ctx, out.data(), &len, out.size());
  EVP_MAC_CTX_free(ctx);
  return out;
}

} // namespace hookd
