#pragma once

/// The event types hookd's own event sources append (ACME provisioning and certificate
/// expiry), shared by the log writer (which opens a watch for each request) and the watchers.

#include "domain/certificate.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hookd {

/// A request to watch for a certificate: data `{domains, certificate_type, resolver?,
/// acme_path?, timeout_seconds?, error_log?}`.
constexpr std::string_view provisioning_started_type = "domain.provisioning.started";
/// Every requested domain is covered by a certificate in the ACME store.
constexpr std::string_view provisioning_completed_type = "domain.provisioning.completed";
/// The watch timed out, or the ACME error log named a requested domain.
constexpr std::string_view provisioning_failed_type = "domain.provisioning.failed";
/// A certificate crossed one of the warning thresholds.
constexpr std::string_view certificate_expiring_type = "certificate.expiring";
/// A summary of an expiry scan that found certificates close to expiry.
constexpr std::string_view system_alert_type = "system.alert";

/// A `domain.provisioning.started` request, read from the event's data.
struct provisioning_request {
  /// The domains that must all be covered (1 to 100; `*.example.com` wildcards allowed).
  std::vector<std::string> domains;
  /// `http-01`, `dns-01` or `tls-alpn-01` (reported back; the store does not say).
  std::string certificate_type;
  /// When set, only this resolver's certificates count.
  std::string resolver;
  /// The ACME store to watch, when the configuration names none for the tenant or server.
  std::string acme_path;
  /// How long to wait (`timeout_seconds`), when the request sets it.
  std::optional<int64_t> timeout_ms;
  /// An error log to scan for ACME failures naming a requested domain (`error_log`).
  std::string error_log;
};

/// Reads a provisioning request from event data, or says what is wrong with it.
std::variant<provisioning_request, std::string> parse_provisioning_request(std::string_view data);

/// A requested domain and the certificate that covers it.
struct covered_domain {
  std::string domain;
  certificate_info certificate;
};

/// The data of `domain.provisioning.completed`: the request, the store, and the certificate
/// fields (issuer, subject, sans, serial, not_before, not_after, fingerprint_sha256) of the
/// certificate covering the first domain, plus every distinct certificate used.
std::string provisioning_completed_data(const provisioning_request& req,
                                        std::string_view started_event_id,
                                        std::string_view acme_path,
                                        const std::vector<covered_domain>& covered);

/// The data of `domain.provisioning.failed`: `reason` is `timeout`, `acme_error`,
/// `invalid_request` or `store_not_allowed`; `missing` lists the domains still uncovered.
std::string provisioning_failed_data(const provisioning_request& req,
                                     std::string_view started_event_id, std::string_view acme_path,
                                     std::string_view reason, std::string_view error,
                                     const std::vector<std::string>& missing, int64_t deadline_ms);

/// The data of `certificate.expiring` for `info` found at `where`.
std::string certificate_expiring_data(const certificate_info& info, std::string_view where,
                                      int64_t days, uint32_t threshold);

/// One certificate in an expiry summary.
struct expiring_certificate {
  certificate_info info;
  std::string where;
  int64_t days = 0;
};

/// The data of the `system.alert` summarising a scan: "N certificates expiring within D days".
std::string expiry_alert_data(const std::vector<expiring_certificate>& certs, uint32_t within_days);

} // namespace hookd
