#pragma once

#include <cstdint>
#include <string>

namespace hookd {

/// One configuration change, stored in the same atomic batch as the change itself.
struct audit_entry {
  /// Position in the audit log, from 1.
  uint64_t seq = 0;
  /// When, in ms since the epoch.
  int64_t at_ms = 0;
  /// Who: the acting API key's id, or `admin`.
  std::string actor;
  /// The tenant the change concerns (empty for node-wide changes).
  std::string tenant;
  /// What: `tenant.created`, `api_key.created`, `api_key.revoked`, ...
  std::string action;
  /// The changed object's id.
  std::string object_id;
  /// A JSON object with the change's details. Never holds secrets.
  std::string details;
};

} // namespace hookd
