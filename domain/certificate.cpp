#include "domain/certificate.hpp"

#include "domain/ascii.hpp"
#include "domain/crypto.hpp"
#include "domain/timestamp.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <memory>

namespace hookd {

namespace {

template <class T, void (*Free)(T*)> struct deleter {
  void operator()(T* p) const noexcept { Free(p); }
};
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;

std::string name_text(const X509_NAME* name) {
  bio_ptr out{BIO_new(BIO_s_mem())};
  X509_NAME_print_ex(out.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  auto n = BIO_get_mem_data(out.get(), &data);
  return n > 0 ? std::string{data, static_cast<std::size_t>(n)} : std::string{};
}

int64_t time_ms(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1)
    return 0;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

std::string serial_hex(const X509* x) {
  std::unique_ptr<BIGNUM, deleter<BIGNUM, BN_free>> bn{
      ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr)};
  if (!bn)
    return {};
  char* hex = BN_bn2hex(bn.get());
  if (hex == nullptr)
    return {};
  std::string out{hex};
  OPENSSL_free(hex);
  return out;
}

std::vector<std::string> dns_names(X509* x) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr)
    return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    if (g->type != GEN_DNS)
      continue;
    const auto* s = g->d.dNSName;
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<std::size_t>(ASN1_STRING_length(s)));
  }
  GENERAL_NAMES_free(names);
  return out;
}

std::string fingerprint(X509* x) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(x, EVP_sha256(), md, &len);
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    if (i)
      out.push_back(':');
    out.push_back(digits[md[i] >> 4]);
    out.push_back(digits[md[i] & 15]);
  }
  return out;
}

} // namespace

std::vector<certificate_info> parse_pem_certificates(std::string_view pem) {
  std::vector<certificate_info> out;
  bio_ptr in{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
  while (true) {
    x509_ptr x{PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr)};
    if (!x)
      break;
    certificate_info info;
    info.issuer = name_text(X509_get_issuer_name(x.get()));
    info.subject = name_text(X509_get_subject_name(x.get()));
    info.sans = dns_names(x.get());
    info.serial = serial_hex(x.get());
    info.not_before_ms = time_ms(X509_get0_notBefore(x.get()));
    info.not_after_ms = time_ms(X509_get0_notAfter(x.get()));
    info.fingerprint_sha256 = fingerprint(x.get());
    out.push_back(std::move(info));
  }
  ERR_clear_error(); // The loop ends on "no start line": not an error worth keeping.
  return out;
}

std::optional<std::vector<acme_certificate>> parse_acme_store(std::string_view bytes) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::object resolvers;
  if (parser.parse(bytes.data(), bytes.size()).get(root) != simdjson::SUCCESS ||
      root.get_object().get(resolvers) != simdjson::SUCCESS)
    return std::nullopt;
  std::vector<acme_certificate> out;
  for (auto [resolver, value] : resolvers) {
    simdjson::dom::array certs;
    if (value.at_key("Certificates").get_array().get(certs) != simdjson::SUCCESS)
      continue; // No certificates yet (null), or not a resolver entry.
    for (auto c : certs) {
      acme_certificate a;
      a.resolver = std::string{resolver};
      std::string_view text;
      if (c.at_pointer("/domain/main").get_string().get(text) == simdjson::SUCCESS)
        a.main = std::string{text};
      simdjson::dom::array sans;
      if (c.at_pointer("/domain/sans").get_array().get(sans) == simdjson::SUCCESS)
        for (auto s : sans)
          if (s.get_string().get(text) == simdjson::SUCCESS)
            a.sans.emplace_back(text);
      if (c.at_key("certificate").get_string().get(text) != simdjson::SUCCESS)
        continue;
      auto pem = base64_decode(text);
      if (!pem)
        continue;
      a.pem = std::move(*pem);
      out.push_back(std::move(a));
    }
  }
  return out;
}

bool domain_covered_by(std::string_view name, std::string_view pattern) noexcept {
  if (iequals(name, pattern))
    return true;
  if (!pattern.starts_with("*."))
    return false;
  auto dot = name.find('.');
  return dot != std::string_view::npos && dot > 0 &&
         iequals(name.substr(dot + 1), pattern.substr(2));
}

bool acme_covers(const acme_certificate& cert, std::string_view name) noexcept {
  if (domain_covered_by(name, cert.main))
    return true;
  return std::any_of(cert.sans.begin(), cert.sans.end(),
                     [&](const std::string& s) { return domain_covered_by(name, s); });
}

int64_t days_left(int64_t not_after_ms, int64_t now_ms) noexcept {
  constexpr int64_t day = 86'400'000;
  auto diff = not_after_ms - now_ms;
  return diff >= 0 ? diff / day : -((-diff + day - 1) / day);
}

std::optional<uint32_t> crossed_threshold(int64_t days, const std::vector<uint32_t>& thresholds) {
  std::optional<uint32_t> best;
  for (auto t : thresholds)
    if (days <= static_cast<int64_t>(t) && (!best || t < *best))
      best = t;
  return best;
}

std::optional<std::vector<uint32_t>> parse_thresholds(std::string_view text) {
  std::vector<uint32_t> out;
  if (text.ends_with(','))
    return std::nullopt;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto part = text.substr(0, comma);
    uint32_t v = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (ec != std::errc{} || end != part.data() + part.size() || v < 1 || v > 3650 ||
        std::find(out.begin(), out.end(), v) != out.end())
      return std::nullopt;
    out.push_back(v);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  if (out.empty() || out.size() > 16)
    return std::nullopt;
  std::sort(out.rbegin(), out.rend());
  return out;
}

void write_certificate_fields(json_writer& w, const certificate_info& info) {
  w.key("issuer").value(info.issuer);
  w.key("subject").value(info.subject);
  w.key("sans").begin_array();
  for (const auto& s : info.sans)
    w.value(s);
  w.end_array();
  w.key("serial").value(info.serial);
  w.key("not_before").value(format_rfc3339(info.not_before_ms));
  w.key("not_after").value(format_rfc3339(info.not_after_ms));
  w.key("fingerprint_sha256").value(info.fingerprint_sha256);
}

} // namespace hookd
