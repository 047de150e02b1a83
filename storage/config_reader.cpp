#include "storage/config_reader.hpp"

#include "storage/byte_codec.hpp"
#include "storage/records.hpp"
#include "storage/slice.hpp"

#include <rocksdb/db.h>

#include <memory>

namespace hookd::storage {

namespace {

// Up to `limit` of `tenant`'s objects in column `c` (keyed tenant NUL id) with ids after
// `after`, in id order; `decode` gets the id and the value.
template <class T, class Decode>
expected<std::vector<T>> list_tenant_objects(const database& db, column c, std::string_view tenant,
                                             std::string_view after, std::size_t limit,
                                             std::string_view what, Decode decode) {
  std::vector<T> out;
  auto prefix = tenant_key(tenant, {});
  std::unique_ptr<rocksdb::Iterator> it{db.db()->NewIterator({}, db.handle(c))};
  auto start = tenant_key(tenant, after);
  for (it->Seek(start); it->Valid() && out.size() < limit; it->Next()) {
    auto key = view(it->key());
    if (!key.starts_with(prefix))
      break;
    if (!after.empty() && key == start)
      continue;
    auto x = decode(key.substr(prefix.size()), view(it->value()));
    if (!x)
      return x.error();
    out.push_back(std::move(*x));
  }
  if (!it->status().ok())
    return from_status(it->status(), "listing " + std::string{what});
  return out;
}

} // namespace

expected<std::optional<tenant>> config_reader::get_tenant(std::string_view id) const {
  return lookup(db_, column::tenants, id, "a tenant",
                [&](std::string_view v) { return decode_tenant(id, v); });
}

expected<std::vector<tenant>> config_reader::list_tenants(std::string_view after,
                                                          std::size_t limit) const {
  std::vector<tenant> out;
  std::unique_ptr<rocksdb::Iterator> it{db_.db()->NewIterator({}, db_.handle(column::tenants))};
  for (it->Seek(std::string{after}); it->Valid() && out.size() < limit; it->Next()) {
    if (!after.empty() && view(it->key()) == after)
      continue;
    auto t = decode_tenant(view(it->key()), view(it->value()));
    if (!t)
      return t.error();
    out.push_back(std::move(*t));
  }
  if (!it->status().ok())
    return from_status(it->status(), "listing tenants");
  return out;
}

expected<std::optional<api_key>> config_reader::get_api_key(std::string_view id) const {
  return lookup(db_, column::api_keys, id, "an API key",
                [&](std::string_view v) { return decode_api_key(id, v); });
}

expected<std::vector<api_key>>
config_reader::list_api_keys(std::optional<std::string_view> tenant) const {
  std::vector<api_key> out;
  std::unique_ptr<rocksdb::Iterator> it{db_.db()->NewIterator({}, db_.handle(column::api_keys))};
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto k = decode_api_key(view(it->key()), view(it->value()));
    if (!k)
      return k.error();
    if (!tenant || k->tenant == *tenant)
      out.push_back(std::move(*k));
  }
  if (!it->status().ok())
    return from_status(it->status(), "listing API keys");
  return out;
}

expected<std::optional<webhook>> config_reader::get_webhook(std::string_view tenant,
                                                            std::string_view id) const {
  return lookup(db_, column::webhooks, tenant_key(tenant, id), "a webhook",
                [this](std::string_view v) { return decode_webhook(v, db_.secrets()); });
}

expected<std::vector<webhook>> config_reader::list_webhooks(std::string_view tenant,
                                                            std::string_view after,
                                                            std::size_t limit) const {
  return list_tenant_objects<webhook>(
      db_, column::webhooks, tenant, after, limit, "webhooks",
      [this](std::string_view, std::string_view v) { return decode_webhook(v, db_.secrets()); });
}

expected<std::optional<source>> config_reader::get_source(std::string_view tenant,
                                                          std::string_view id) const {
  return lookup(db_, column::sources, tenant_key(tenant, id), "a source",
                [this, id](std::string_view v) { return decode_source(id, v, db_.secrets()); });
}

expected<std::optional<replay_job>> config_reader::get_job(std::string_view tenant,
                                                           std::string_view id) const {
  return lookup(db_, column::jobs, tenant_key(tenant, id), "a job",
                [&](std::string_view v) { return decode_replay_job(tenant, id, v); });
}

expected<std::vector<replay_job>>
config_reader::list_jobs(std::string_view tenant, std::string_view after, std::size_t limit) const {
  return list_tenant_objects<replay_job>(
      db_, column::jobs, tenant, after, limit, "jobs",
      [&](std::string_view id, std::string_view v) { return decode_replay_job(tenant, id, v); });
}

expected<std::vector<replay_job>> config_reader::running_jobs(const webhook& hook) const {
  std::vector<replay_job> out;
  auto prefix = composite_key(hook.id, {});
  std::unique_ptr<rocksdb::Iterator> it{db_.db()->NewIterator({}, db_.handle(column::job_queue))};
  for (it->Seek(prefix); it->Valid() && view(it->key()).starts_with(prefix); it->Next()) {
    auto job = get_job(hook.tenant, view(it->key()).substr(prefix.size()));
    if (!job)
      return job.error();
    if (*job && (*job)->state == job_state::running)
      out.push_back(std::move(**job));
  }
  if (!it->status().ok())
    return from_status(it->status(), "listing running jobs");
  return out;
}

expected<std::optional<source>> config_reader::find_source(std::string_view id) const {
  auto tenant = db_.get(column::source_ids, id, "a source id");
  if (!tenant)
    return tenant.error();
  if (!*tenant)
    return std::optional<source>{};
  return get_source(**tenant, id);
}

expected<std::vector<source>> config_reader::list_sources(std::string_view tenant,
                                                          std::string_view after,
                                                          std::size_t limit) const {
  return list_tenant_objects<source>(db_, column::sources, tenant, after, limit, "sources",
                                     [this](std::string_view id, std::string_view v) {
                                       return decode_source(id, v, db_.secrets());
                                     });
}

expected<std::vector<webhook>> config_reader::list_all_webhooks() const {
  std::vector<webhook> out;
  std::unique_ptr<rocksdb::Iterator> it{db_.db()->NewIterator({}, db_.handle(column::webhooks))};
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto w = decode_webhook(view(it->value()), db_.secrets());
    if (!w)
      return w.error();
    out.push_back(std::move(*w));
  }
  if (!it->status().ok())
    return from_status(it->status(), "loading webhooks");
  return out;
}

expected<std::vector<used_event_type>>
config_reader::used_event_types(std::string_view tenant) const {
  std::vector<used_event_type> out;
  auto prefix = tenant_key(tenant, {});
  std::unique_ptr<rocksdb::Iterator> it{db_.db()->NewIterator({}, db_.handle(column::event_types))};
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    auto key = view(it->key());
    if (!key.starts_with(prefix))
      break;
    byte_reader r{view(it->value())};
    used_event_type t{std::string{key.substr(prefix.size())}, r.i64()};
    out.push_back(std::move(t));
  }
  if (!it->status().ok())
    return from_status(it->status(), "listing event types");
  return out;
}

expected<std::vector<audit_entry>>
config_reader::list_audit(int64_t since, int64_t until, uint64_t after, std::size_t limit,
                          std::optional<std::string_view> tenant) const {
  std::vector<audit_entry> out;
  std::unique_ptr<rocksdb::Iterator> it{db_.db()->NewIterator({}, db_.handle(column::audit))};
  for (it->Seek(seq_key(after + 1)); it->Valid() && out.size() < limit; it->Next()) {
    auto e = decode_audit_entry(view(it->value()));
    if (!e)
      return e.error();
    if (e->at_ms > until)
      break;
    if (e->at_ms >= since && (!tenant || e->tenant == *tenant))
      out.push_back(std::move(*e));
  }
  if (!it->status().ok())
    return from_status(it->status(), "listing the audit log");
  return out;
}

expected<std::vector<std::pair<std::string, std::string>>>
config_reader::list_source_state(std::string_view prefix) const {
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<rocksdb::Iterator> it{
      db_.db()->NewIterator({}, db_.handle(column::source_state))};
  for (it->Seek(rocksdb::Slice{prefix.data(), prefix.size()});
       it->Valid() && view(it->key()).starts_with(prefix); it->Next())
    out.emplace_back(std::string{view(it->key())}, std::string{view(it->value())});
  if (!it->status().ok())
    return from_status(it->status(), "listing source state");
  return out;
}

expected<std::optional<std::string>> config_reader::source_state(std::string_view key) const {
  return db_.get(column::source_state, key, "source state");
}

} // namespace hookd::storage
