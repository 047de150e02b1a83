#pragma once

#include "domain/id_generator.hpp"
#include "domain/problem.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hookd {

/// A tenant: the unit of isolation. Every event, key and webhook belongs to exactly one.
struct tenant {
  /// `[A-Za-z0-9_-]`, 1 to 64 bytes; `ten_<ulid>` when the admin does not choose one.
  std::string id;
  /// Display name, 1 to 200 bytes.
  std::string name;
  /// Creation time, ms since the epoch.
  int64_t created_at_ms = 0;
  /// At most this many delivery attempts per minute for each value of the `application_id`
  /// label, over all of the tenant's webhooks (0: no limit, the default).
  uint32_t application_deliveries_per_minute = 0;
  /// Days its events stay in the log (0: the node's `--retention`). The log is one hash chain
  /// that loses only its oldest part: see `docs/replay.md`.
  uint32_t retention_days = 0;
};

/// The longest retention a tenant may set, in days (100 years).
constexpr uint32_t max_retention_days = 36500;

/// The highest per-application limit a tenant may set.
constexpr uint32_t max_application_deliveries_per_minute = 100000;

/// The label whose value names the application a delivery counts against.
constexpr std::string_view application_label = "application_id";

/// A `PATCH /v1/tenants/{id}` body: the settings it changes.
struct tenant_patch {
  /// The new name, when given.
  std::optional<std::string> name;
  /// The new per-application limit, when given (0 turns it off).
  std::optional<uint32_t> application_deliveries_per_minute;
  /// The new retention in days, when given (0: back to the node's).
  std::optional<uint32_t> retention_days;
};

/// True when `id` is a valid tenant id.
bool is_valid_tenant_id(std::string_view id) noexcept;

/// The result of parsing a `POST /v1/tenants` body (created_at not yet set).
using tenant_parse_result = parse_result<tenant>;

/// Parses `{"id"?: string, "name": string, "application_deliveries_per_minute"?: int|null,
/// "retention_days"?: int|null}`; a missing id is generated from `ids`.
tenant_parse_result parse_tenant_create(std::string_view body, id_generator& ids, int64_t now_ms);

/// Parses `{"name"?: string, "application_deliveries_per_minute"?: int|null,
/// "retention_days"?: int|null}`.
parse_result<tenant_patch> parse_tenant_patch(std::string_view body);

/// Applies `patch` to `t`.
void apply(const tenant_patch& patch, tenant& t);

} // namespace hookd
