#pragma once

/// A throwaway certificate authority for tests, written against OpenSSL directly: it issues
/// leaf certificates with chosen names, validity and serial, as PEM.

#include <cstdint>
#include <string>
#include <vector>

typedef struct evp_pkey_st EVP_PKEY;
typedef struct x509_st X509;

namespace hookd::test {

/// A self-signed CA (P-256) named `CN=<name>, O=hookd tests`.
class test_ca {
 public:
  explicit test_ca(const std::string& name);
  ~test_ca();
  test_ca(const test_ca&) = delete;
  test_ca& operator=(const test_ca&) = delete;

  /// A leaf for `common_name` with DNS `sans`, valid from `not_before_s` to `not_after_s`
  /// seconds from now, with serial `serial`: its PEM followed by the CA's (a chain).
  std::string issue(const std::string& common_name, const std::vector<std::string>& sans,
                    int64_t not_before_s, int64_t not_after_s, uint64_t serial) const;
  /// The CA certificate, PEM.
  std::string pem() const;

 private:
  EVP_PKEY* key_ = nullptr;
  X509* cert_ = nullptr;
};

/// A Traefik acme.json with one resolver holding `certs`: each a main domain, its sans and its
/// PEM chain (stored base64, as Traefik does).
struct acme_entry {
  std::string main;
  std::vector<std::string> sans;
  std::string pem;
};
std::string traefik_acme_json(const std::string& resolver, const std::vector<acme_entry>& certs);

} // namespace hookd::test
