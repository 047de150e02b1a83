#include "domain/event_type.hpp"

#include "domain/defaults.hpp"

#include <algorithm>
#include <array>

namespace hookd {

namespace {

bool is_segment_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

constexpr std::array<event_type_info, 30> catalog{{
    {"deployment.started", "deployments", "A deployment began."},
    {"deployment.success", "deployments", "A deployment finished and the new version is live."},
    {"deployment.failed", "deployments", "A deployment failed; the previous version stays live."},
    {"deployment.cancelled", "deployments", "A deployment was cancelled before it finished."},
    {"build.started", "builds", "A build began."},
    {"build.completed", "builds", "A build finished and produced an artifact."},
    {"build.failed", "builds", "A build failed."},
    {"deployment.rollback", "rollbacks", "A deployment was rolled back to an earlier version."},
    {"deployment.rollback_failed", "rollbacks", "A rollback was attempted and failed."},
    {"domain.provisioning.started", "domains", "Certificate provisioning began for domains."},
    {"domain.provisioning.completed", "domains",
     "Every requested domain is covered by an issued certificate."},
    {"domain.provisioning.failed", "domains",
     "Provisioning failed or timed out; names the missing domains."},
    {"certificate.created", "certificates", "A certificate was issued."},
    {"certificate.renewed", "certificates", "A certificate was renewed."},
    {"certificate.revoked", "certificates", "A certificate was revoked."},
    {"certificate.expiring", "certificates", "A certificate is within an expiry threshold."},
    {"certificate.deleted", "certificates", "A certificate was deleted."},
    {"ca.created", "certificate authorities", "A certificate authority was created."},
    {"ca.rotated", "certificate authorities", "A certificate authority's key was rotated."},
    {"ca.revoked", "certificate authorities", "A certificate authority was revoked."},
    {"profile.created", "profiles", "A certificate profile was created."},
    {"profile.updated", "profiles", "A certificate profile was changed."},
    {"profile.deleted", "profiles", "A certificate profile was deleted."},
    {"system.alert", "system", "An operational alert (for example, a summary of expiring certs)."},
    {"system.audit_threshold", "system", "An audit metric crossed its configured threshold."},
    {"git.push.received", "git", "A normalised push from GitHub, GitLab or Bitbucket."},
    {"webhook.test", "webhooks", "A test delivery requested through the API."},
    {"webhook.disabled", "webhooks", "A webhook was disabled, with the reason."},
    {"webhook.recovered", "webhooks",
     "A disabled or failing webhook delivered successfully again."},
    {"delivery.exhausted", "webhooks", "A delivery failed every attempt of its retry schedule."},
}};

} // namespace

bool is_valid_event_type(std::string_view type) noexcept {
  if (type.empty() || type.size() > defaults::max_event_type_length)
    return false;
  bool segment_start = true;
  for (char c : type) {
    if (c == '.') {
      if (segment_start)
        return false; // Empty segment: leading dot or "..".
      segment_start = true;
    } else if (is_segment_char(c)) {
      segment_start = false;
    } else {
      return false;
    }
  }
  return !segment_start; // No trailing dot.
}

std::optional<event_type_pattern> event_type_pattern::parse(std::string_view text) {
  event_type_pattern result;
  if (text == "*") {
    result.kind_ = kind::any;
    return result;
  }
  if (text.size() > 2 && text.ends_with(".*")) {
    auto stem = text.substr(0, text.size() - 2);
    if (!is_valid_event_type(stem))
      return std::nullopt;
    result.kind_ = kind::prefix;
    result.stem_ = std::string{stem};
    return result;
  }
  if (!is_valid_event_type(text))
    return std::nullopt;
  result.kind_ = kind::exact;
  result.stem_ = std::string{text};
  return result;
}

bool event_type_pattern::matches(std::string_view type) const noexcept {
  switch (kind_) {
  case kind::any:
    return true;
  case kind::exact:
    return type == stem_;
  case kind::prefix:
    return type.size() > stem_.size() + 1 && type.starts_with(stem_) && type[stem_.size()] == '.';
  }
  return false;
}

std::string event_type_pattern::to_string() const {
  switch (kind_) {
  case kind::any:
    return "*";
  case kind::exact:
    return stem_;
  case kind::prefix:
    return stem_ + ".*";
  }
  return {};
}

std::span<const event_type_info> builtin_event_types() noexcept {
  return catalog;
}

bool is_builtin_event_type(std::string_view type) noexcept {
  auto all = builtin_event_types();
  return std::any_of(all.begin(), all.end(), [&](const auto& t) { return t.type == type; });
}

} // namespace hookd
