#pragma once

#include "domain/json_writer.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookd {

/// What hookd reports about an X.509 certificate, decoded with OpenSSL from the certificate
/// itself (never assumed from where it was found).
struct certificate_info {
  /// The issuer and subject as one-line distinguished names (RFC 2253 order).
  std::string issuer;
  std::string subject;
  /// DNS names of the subjectAltName extension, in order.
  std::vector<std::string> sans;
  /// Serial number, upper-case hex.
  std::string serial;
  /// Validity, ms since the epoch.
  int64_t not_before_ms = 0;
  int64_t not_after_ms = 0;
  /// SHA-256 of the DER encoding, upper-case hex pairs separated by colons.
  std::string fingerprint_sha256;
};

/// Decodes every certificate in PEM text (a chain: the leaf first). Empty when there is none
/// or the text is not PEM.
std::vector<certificate_info> parse_pem_certificates(std::string_view pem);

/// One certificate of a Traefik ACME store (`acme.json`).
struct acme_certificate {
  /// The resolver (top-level key) that holds it.
  std::string resolver;
  /// `domain.main` and `domain.sans`, as Traefik requested them.
  std::string main;
  std::vector<std::string> sans;
  /// The certificate chain, PEM (decoded from the store's base64).
  std::string pem;
};

/// Parses a Traefik v2/v3 ACME store: `{"<resolver>":{"Account":…,"Certificates":[{"domain":
/// {"main","sans"},"certificate":<base64 PEM>,"key":…,"Store":…}]}}`. Nullopt when the bytes
/// are not (yet) a complete JSON object, as while Traefik rewrites the file; entries without a
/// decodable certificate are skipped. Private keys are never read.
std::optional<std::vector<acme_certificate>> parse_acme_store(std::string_view bytes);

/// True when `name` (a requested domain) is covered by `pattern` (a certificate's domain):
/// equal ignoring case, or `pattern` is `*.parent` and `name` is exactly one label under
/// `parent` (`*.example.com` covers `a.example.com`, not `a.b.example.com` or `example.com`).
bool domain_covered_by(std::string_view name, std::string_view pattern) noexcept;

/// True when `cert` covers `name` through its main domain or one of its sans.
bool acme_covers(const acme_certificate& cert, std::string_view name) noexcept;

/// Whole days from `now_ms` to `not_after_ms`, rounded down (negative once expired).
int64_t days_left(int64_t not_after_ms, int64_t now_ms) noexcept;

/// The most urgent of `thresholds` (days) that `days` has crossed (`days <= t`), or nullopt.
std::optional<uint32_t> crossed_threshold(int64_t days, const std::vector<uint32_t>& thresholds);

/// Parses a threshold list such as `30,14,7,1`: 1 to 16 distinct whole days from 1 to 3650.
std::optional<std::vector<uint32_t>> parse_thresholds(std::string_view text);

/// Writes `info`'s fields (issuer, subject, sans, serial, not_before, not_after,
/// fingerprint_sha256) into an open JSON object.
void write_certificate_fields(json_writer& w, const certificate_info& info);

} // namespace hookd
