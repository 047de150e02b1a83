#pragma once

#include "domain/api_key.hpp"
#include "domain/audit.hpp"
#include "domain/error.hpp"
#include "domain/replay_job.hpp"
#include "domain/source.hpp"
#include "domain/tenant.hpp"
#include "domain/webhook.hpp"
#include "storage/database.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::storage {

/// One custom event type a tenant has used.
struct used_event_type {
  /// The type.
  std::string type;
  /// When the tenant first used it, ms since the epoch.
  int64_t first_seen_ms = 0;
};

/// Read-only access to configuration: tenants, API keys, used event types and the audit log.
/// Thread-safe.
class config_reader {
 public:
  /// Reads from `db`, which must outlive the reader.
  explicit config_reader(const database& db) : db_(db) {}

  /// The tenant `id`, or nullopt.
  expected<std::optional<tenant>> get_tenant(std::string_view id) const;
  /// Up to `limit` tenants with ids greater than `after`, in id order.
  expected<std::vector<tenant>> list_tenants(std::string_view after, std::size_t limit) const;
  /// The API key `id`, or nullopt.
  expected<std::optional<api_key>> get_api_key(std::string_view id) const;
  /// Every API key (optionally only `tenant`'s), in id order, revoked ones included.
  expected<std::vector<api_key>> list_api_keys(std::optional<std::string_view> tenant) const;
  /// `tenant`'s webhook `id`, or nullopt.
  expected<std::optional<webhook>> get_webhook(std::string_view tenant, std::string_view id) const;
  /// Up to `limit` of `tenant`'s webhooks with ids after `after`, in id order.
  expected<std::vector<webhook>> list_webhooks(std::string_view tenant, std::string_view after,
                                               std::size_t limit) const;
  /// `tenant`'s source `id`, or nullopt.
  expected<std::optional<source>> get_source(std::string_view tenant, std::string_view id) const;
  /// The source `id` of whichever tenant owns it, or nullopt (the public receiving route).
  expected<std::optional<source>> find_source(std::string_view id) const;
  /// Up to `limit` of `tenant`'s sources with ids after `after`, in id order.
  expected<std::vector<source>> list_sources(std::string_view tenant, std::string_view after,
                                             std::size_t limit) const;
  /// The event sources' state entries whose keys start with `prefix`, in key order.
  expected<std::vector<std::pair<std::string, std::string>>>
  list_source_state(std::string_view prefix) const;
  /// The event sources' state under `key`, or nullopt.
  expected<std::optional<std::string>> source_state(std::string_view key) const;
  /// `tenant`'s job `id`, or nullopt.
  expected<std::optional<replay_job>> get_job(std::string_view tenant, std::string_view id) const;
  /// Up to `limit` of `tenant`'s jobs with ids after `after`, oldest first.
  expected<std::vector<replay_job>> list_jobs(std::string_view tenant, std::string_view after,
                                              std::size_t limit) const;
  /// The running jobs of `hook`, oldest first.
  expected<std::vector<replay_job>> running_jobs(const webhook& hook) const;
  /// Every webhook of every tenant (the router's start-up load).
  expected<std::vector<webhook>> list_all_webhooks() const;
  /// The event types `tenant` has used, in type order.
  expected<std::vector<used_event_type>> used_event_types(std::string_view tenant) const;
  /// Up to `limit` audit entries with at_ms in [since, until], after audit seq `after`, in
  /// seq order; only `tenant`'s when given.
  expected<std::vector<audit_entry>> list_audit(int64_t since, int64_t until, uint64_t after,
                                                std::size_t limit,
                                                std::optional<std::string_view> tenant = {}) const;

 private:
  const database& db_;
};

} // namespace hookd::storage
