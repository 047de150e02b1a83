#include "domain/hmac.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace hookd {

namespace {

/// Frees OpenSSL's MAC objects.
struct mac_free {
  void operator()(EVP_MAC* m) const noexcept { EVP_MAC_free(m); }
  void operator()(EVP_MAC_CTX* c) const noexcept { EVP_MAC_CTX_free(c); }
};
using mac_ptr = std::unique_ptr<EVP_MAC, mac_free>;
using mac_ctx_ptr = std::unique_ptr<EVP_MAC_CTX, mac_free>;

/// Spare contexts the whole process may keep (about 1 KiB each, in seven small allocations).
/// Kept contexts outlive the short-lived allocations around them, so without a bound 10,000
/// webhooks that each signed once held 144 MiB more resident memory in B7 (pages pinned by
/// them, not the contexts' own 9 MiB). Keys past the budget copy the keyed context per
/// signature, as before (design note 45).
constexpr std::size_t spare_budget = 1024;
std::atomic<std::size_t> spares_held{0};

} // namespace

struct hmac_sha256_key::state {
  mac_ptr mac;
  /// The context keyed at construction: never used to sign, only copied.
  mac_ctx_ptr keyed;
  /// Keyed contexts that finished a signature, ready for the next: `EVP_MAC_init` without a
  /// key restarts one from its pads. One per thread that signs with this key at the same time
  /// (usually one), within the process's `spare_budget`; copying `keyed` instead allocates
  /// about ten OpenSSL objects per signature.
  std::mutex spare_lock;
  std::vector<mac_ctx_ptr> spare;

  state() = default;
  state(const state&) = delete;
  state& operator=(const state&) = delete;
  ~state() { spares_held.fetch_sub(spare.size(), std::memory_order_relaxed); }

  /// A keyed context ready for input: a spare one restarted, or a new copy of `keyed`.
  mac_ctx_ptr take() {
    mac_ctx_ptr ctx;
    {
      std::lock_guard lock{spare_lock};
      if (!spare.empty()) {
        ctx = std::move(spare.back());
        spare.pop_back();
        spares_held.fetch_sub(1, std::memory_order_relaxed);
      }
    }
    if (ctx && EVP_MAC_init(ctx.get(), nullptr, 0, nullptr) == 1)
      return ctx;
    ctx.reset(EVP_MAC_CTX_dup(keyed.get()));
    if (!ctx)
      std::abort(); // out of memory inside OpenSSL
    return ctx;
  }

  /// Keeps `ctx` for the next signature, when the budget allows; else frees it.
  void give_back(mac_ctx_ptr ctx) {
    constexpr std::size_t most_spare = 8;
    if (spares_held.fetch_add(1, std::memory_order_relaxed) < spare_budget) {
      std::lock_guard lock{spare_lock};
      if (spare.size() < most_spare) {
        spare.push_back(std::move(ctx));
        return;
      }
    }
    spares_held.fetch_sub(1, std::memory_order_relaxed);
  }
};

hmac_sha256_key::hmac_sha256_key(std::string_view key) : state_(std::make_unique<state>()) {
  state_->mac.reset(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  state_->keyed.reset(state_->mac ? EVP_MAC_CTX_new(state_->mac.get()) : nullptr);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  // An empty key is valid HMAC; OpenSSL wants a non-null pointer for it.
  static const unsigned char empty = 0;
  auto* k = key.empty() ? &empty : reinterpret_cast<const unsigned char*>(key.data());
  if (!state_->keyed || EVP_MAC_init(state_->keyed.get(), k, key.size(), params) != 1)
    std::abort(); // OpenSSL without HMAC-SHA256: the build is broken, not the input.
}

hmac_sha256_key::~hmac_sha256_key() = default;
hmac_sha256_key::hmac_sha256_key(hmac_sha256_key&&) noexcept = default;
hmac_sha256_key& hmac_sha256_key::operator=(hmac_sha256_key&&) noexcept = default;

std::size_t hmac_sha256_key::spare_contexts() noexcept {
  return spares_held.load(std::memory_order_relaxed);
}

sha256_digest hmac_sha256_key::sign(std::initializer_list<std::string_view> pieces) const {
  sha256_digest out{};
  auto ctx = state_->take();
  for (auto p : pieces)
    EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(p.data()), p.size());
  std::size_t len = 0;
  EVP_MAC_final(ctx.get(), out.data(), &len, out.size());
  state_->give_back(std::move(ctx));
  return out;
}

} // namespace hookd
