#include "domain/secret_box.hpp"

#include "domain/crypto.hpp"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace hookd {

namespace {

constexpr uint8_t format_v1 = 1;
constexpr std::size_t nonce_size = 12;
constexpr std::size_t tag_size = 16;

struct ctx_free {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, ctx_free>;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

} // namespace

std::string secret_box::seal(std::string_view plaintext, std::string_view aad) const {
  std::string out(1 + nonce_size + plaintext.size() + tag_size, '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  p[0] = format_v1;
  secure_random(std::span<uint8_t>{p + 1, nonce_size});
  cipher_ctx ctx{EVP_CIPHER_CTX_new()};
  int len = 0;
  bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, nonce_size, nullptr) &&
            EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), p + 1) &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) &&
            EVP_EncryptUpdate(ctx.get(), p + 1 + nonce_size, &len, bytes(plaintext),
                              static_cast<int>(plaintext.size())) &&
            EVP_EncryptFinal_ex(ctx.get(), p + 1 + nonce_size + len, &len) &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, tag_size,
                                p + 1 + nonce_size + plaintext.size());
  if (!ok)
    throw std::runtime_error("AES-256-GCM sealing failed"); // OpenSSL out of memory
  return out;
}

std::optional<std::string> secret_box::open(std::string_view sealed, std::string_view aad) const {
  if (sealed.size() < 1 + nonce_size + tag_size || static_cast<uint8_t>(sealed[0]) != format_v1)
    return std::nullopt;
  auto cipher = sealed.substr(1 + nonce_size, sealed.size() - 1 - nonce_size - tag_size);
  std::string tag{sealed.substr(sealed.size() - tag_size)};
  std::string out(cipher.size(), '\0');
  cipher_ctx ctx{EVP_CIPHER_CTX_new()};
  int len = 0;
  bool ok =
      ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, nonce_size, nullptr) &&
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), bytes(sealed) + 1) &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) &&
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                        bytes(cipher), static_cast<int>(cipher.size())) &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, tag_size, tag.data()) &&
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &len) > 0;
  if (!ok)
    return std::nullopt;
  return out;
}

secret_box::key_type secret_box::generate() {
  key_type key{};
  secure_random(key);
  return key;
}

std::optional<secret_box::key_type> secret_box::parse_key(std::string_view base64) {
  auto raw = base64_decode(base64);
  if (!raw || raw->size() != key_size)
    return std::nullopt;
  key_type key{};
  std::copy(raw->begin(), raw->end(), key.begin());
  return key;
}

std::string secret_box::format_key(const key_type& key) {
  return base64_encode(key);
}

} // namespace hookd
