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
};

/// True when `id` is a valid tenant id.
bool is_valid_tenant_id(std::string_view id) noexcept;

/// The result of parsing a `POST /v1/tenants` body (created_at not yet set).
using tenant_parse_result = parse_result<tenant>;

/// Parses `{"id"?: string, "name": string}`; a missing id is generated from `ids`.
tenant_parse_result parse_tenant_create(std::string_view body, id_generator& ids, int64_t now_ms);

} // namespace hookd
