#include "tests/support/test_pki.hpp"

#include "tests/support/openssl_oracle.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace hookd::test {

namespace {

std::string to_pem(X509* x) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, x);
  char* data = nullptr;
  auto n = BIO_get_mem_data(b, &data);
  std::string out{data, static_cast<std::size_t>(n)};
  BIO_free(b);
  return out;
}

void add_ext(X509* x, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr)
    throw std::runtime_error("bad extension " + value);
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
}

void set_name(X509_NAME* name, const std::string& cn) {
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("hookd tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
}

} // namespace

test_ca::test_ca(const std::string& name) {
  key_ = EVP_EC_gen("P-256");
  cert_ = X509_new();
  X509_set_version(cert_, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert_), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert_), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert_), 365L * 86400);
  X509_set_pubkey(cert_, key_);
  set_name(X509_get_subject_name(cert_), name);
  X509_set_issuer_name(cert_, X509_get_subject_name(cert_));
  add_ext(cert_, cert_, NID_basic_constraints, "critical,CA:TRUE");
  X509_sign(cert_, key_, EVP_sha256());
}

test_ca::~test_ca() {
  X509_free(cert_);
  EVP_PKEY_free(key_);
}

std::string test_ca::issue(const std::string& common_name, const std::vector<std::string>& sans,
                           int64_t not_before_s, int64_t not_after_s, uint64_t serial) const {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial);
  X509_gmtime_adj(X509_getm_notBefore(x), static_cast<long>(not_before_s));
  X509_gmtime_adj(X509_getm_notAfter(x), static_cast<long>(not_after_s));
  X509_set_pubkey(x, key);
  set_name(X509_get_subject_name(x), common_name);
  X509_set_issuer_name(x, X509_get_subject_name(cert_));
  std::string alt;
  for (const auto& s : sans)
    alt += (alt.empty() ? "DNS:" : ",DNS:") + s;
  if (!alt.empty())
    add_ext(x, cert_, NID_subject_alt_name, alt);
  X509_sign(x, key_, EVP_sha256());
  auto out = to_pem(x) + to_pem(cert_);
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

std::string test_ca::pem() const {
  return to_pem(cert_);
}

std::string traefik_acme_json(const std::string& resolver, const std::vector<acme_entry>& certs) {
  std::string out =
      R"({")" + resolver +
      R"(":{"Account":{"Email":"ops@example.com","Registration":{"uri":"https://acme.example/acct/1"},"PrivateKey":"MIIE","KeyType":"4096"},"Certificates":[)";
  for (std::size_t i = 0; i < certs.size(); ++i) {
    const auto& c = certs[i];
    out += std::string{i ? "," : ""} + R"({"domain":{"main":")" + c.main + R"(")";
    if (!c.sans.empty()) {
      out += R"(,"sans":[)";
      for (std::size_t j = 0; j < c.sans.size(); ++j)
        out += std::string{j ? "," : ""} + "\"" + c.sans[j] + "\"";
      out += "]";
    }
    out += R"(},"certificate":")" + oracle_base64(c.pem) +
           R"(","key":"LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t","Store":"default"})";
  }
  out += "]}}";
  return out;
}

} // namespace hookd::test
