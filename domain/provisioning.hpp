#pragma once

/// The event types hookd's own event sources append (ACME provisioning and certificate
/// expiry), shared by the log writer (which opens a watch for each request) and the watchers.

#include <string_view>

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

} // namespace hookd
