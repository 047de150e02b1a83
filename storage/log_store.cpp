#include "storage/log_store.hpp"

#include "domain/defaults.hpp"
#include "storage/byte_codec.hpp"
#include "storage/config_reader.hpp"
#include "storage/event_record.hpp"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <map>

namespace hookd::storage {

struct log_store::batch {
  rocksdb::WriteBatch wb;
};

log_store::log_store(database& db) : db_(db), batch_(std::make_unique<batch>()) {}

log_store::~log_store() = default;

expected<std::unique_ptr<log_store>> log_store::open(database& db) {
  if (db.read_only() || db.secrets() == nullptr)
    return make_error_info(ec::bad_configuration,
                           "the write path needs a writable database with a master key");
  std::unique_ptr<log_store> self{new log_store(db)};
  auto* raw = db.db();
  auto head = lookup(db, column::meta, meta_key::chain_head, "the chain head", decode_chain_head);
  if (!head)
    return head.error();
  self->head_ = head->value_or(chain_head{});
  // The head and the last record are written in one batch, so they must agree.
  std::unique_ptr<rocksdb::Iterator> it{raw->NewIterator({}, db.handle(column::events))};
  it->SeekToLast();
  if (!it->status().ok())
    return from_status(it->status(), "reading the last event");
  if (it->Valid()) {
    auto seq = parse_seq_key(std::string_view{it->key().data(), it->key().size()});
    auto rec = decode_event_record(std::string_view{it->value().data(), it->value().size()});
    if (!seq || !rec)
      return make_error_info(ec::storage_corruption, "the last event record is unreadable");
    if (*seq != self->head_.seq || rec->hash != self->head_.hash)
      return make_error_info(ec::storage_corruption, "the chain head (seq " +
                                                         std::to_string(self->head_.seq) +
                                                         ") does not match the last event (seq " +
                                                         std::to_string(*seq) + ")");
  } else if (self->head_.seq != 0) {
    return make_error_info(ec::storage_corruption, "the chain head names events that are missing");
  }
  auto audit =
      lookup(db, column::meta, meta_key::audit_head, "the audit head",
             [](std::string_view v) -> expected<uint64_t> {
               if (auto seq = parse_seq_key(v))
                 return *seq;
               return make_error_info(ec::storage_corruption, "the audit head is unreadable");
             });
  if (!audit)
    return audit.error();
  self->audit_head_ = audit->value_or(0);
  // Known custom types, so that their first use is written once.
  std::unique_ptr<rocksdb::Iterator> types{raw->NewIterator({}, db.handle(column::event_types))};
  for (types->SeekToFirst(); types->Valid(); types->Next())
    self->known_types_.insert(types->key().ToString());
  if (!types->status().ok())
    return from_status(types->status(), "reading event types");
  self->staged_head_ = self->head_;
  self->staged_audit_head_ = self->audit_head_;
  if (auto counted = self->count_existing_events(); !counted)
    return counted.error();
  return self;
}

bool log_store::has_staged() const noexcept {
  return batch_->wb.Count() > 0;
}

uint64_t log_store::stage_event(std::string_view tenant, event_draft&& draft, int64_t now_ms) {
  event e;
  e.seq = staged_head_.seq + 1;
  e.received_at_ms = std::max(now_ms, staged_head_.received_at_ms);
  e.tenant = tenant;
  e.id = std::move(draft.id);
  e.type = std::move(draft.type);
  e.occurred_at_ms = draft.occurred_at_ms;
  e.labels = std::move(draft.labels);
  e.data = std::move(draft.data);
  e.prev_hash = staged_head_.hash;
  auto record = encode_event_record(e);
  auto& wb = batch_->wb;
  wb.Put(db_.handle(column::events), seq_key(e.seq), record);
  auto id_key = tenant_key(tenant, e.id);
  event_id_entry id_entry{e.seq, draft.fingerprint};
  wb.Put(db_.handle(column::event_ids), id_key, encode(id_entry));
  staged_ids_[id_key] = id_entry;
  std::string index_value;
  byte_writer iw{index_value};
  iw.i64(e.received_at_ms);
  iw.bytes(e.type);
  wb.Put(db_.handle(column::tenant_events), tenant_key(tenant, seq_key(e.seq)), index_value);
  auto type_key = tenant_key(tenant, e.type);
  if (known_types_.insert(type_key).second) {
    staged_types_.push_back(type_key);
    std::string first_use;
    byte_writer{first_use}.i64(e.received_at_ms);
    wb.Put(db_.handle(column::event_types), type_key, first_use);
  }
  count(events_counter_key(tenant), 1);
  staged_head_ = chain_head{e.seq, e.hash, e.received_at_ms};
  staged_.push_back(std::move(e));
  return staged_head_.seq;
}

void log_store::stage_idempotency(std::string_view tenant, std::string_view key,
                                  idempotency_record rec) {
  auto k = tenant_key(tenant, key);
  batch_->wb.Put(db_.handle(column::idempotency), k, encode(rec));
  staged_idempotency_[k] = std::move(rec);
}

void log_store::stage_tenant(const tenant& t) {
  batch_->wb.Put(db_.handle(column::tenants), t.id, encode(t));
  staged_tenants_[t.id] = t;
}

void log_store::stage_api_key(const api_key& k) {
  batch_->wb.Put(db_.handle(column::api_keys), k.id, encode(k));
  staged_keys_[k.id] = k;
}

expected<std::optional<api_key>> log_store::find_api_key(std::string_view id) const {
  if (auto i = staged_keys_.find(std::string{id}); i != staged_keys_.end())
    return std::optional{i->second};
  return lookup(db_, column::api_keys, id, "an API key",
                [&](std::string_view v) { return decode_api_key(id, v); });
}

void log_store::stage_webhook(const webhook& w, std::string_view previous_name) {
  auto key = tenant_key(w.tenant, w.id);
  batch_->wb.Put(db_.handle(column::webhooks), key, encode(w, *db_.secrets()));
  staged_webhooks_[key] = w;
  if (!previous_name.empty() && previous_name != w.name) {
    auto old = tenant_key(w.tenant, previous_name);
    batch_->wb.Delete(db_.handle(column::webhook_names), old);
    staged_webhook_names_[old] = std::nullopt;
  }
  auto name_key = tenant_key(w.tenant, w.name);
  batch_->wb.Put(db_.handle(column::webhook_names), name_key, w.id);
  staged_webhook_names_[name_key] = w.id;
}

void log_store::stage_attempt(const attempt_record& r) {
  ++staged_delivery_ops_;
  batch_->wb.Put(db_.handle(column::attempts), webhook_seq_key(r.webhook_id, r.number), encode(r));
}

void log_store::stage_outcome(std::string_view tenant, const delivery_outcome_record& o) {
  ++staged_delivery_ops_;
  batch_->wb.Put(db_.handle(column::deliveries), webhook_seq_key(o.webhook_id, o.event_seq),
                 encode(o));
  if (o.state == delivery_state::failed)
    count(exhausted_counter_key(tenant, counter_hour(o.at_ms)), 1);
}

void log_store::stage_reopen(std::string_view webhook_id, uint64_t seq) {
  ++staged_delivery_ops_;
  batch_->wb.Delete(db_.handle(column::deliveries), webhook_seq_key(webhook_id, seq));
}

void log_store::stage_snapshot(std::string_view webhook_id, const delivery_snapshot& s) {
  ++staged_delivery_ops_;
  batch_->wb.Put(db_.handle(column::snapshots), webhook_id, encode(s));
}

void log_store::stage_delete_snapshot(std::string_view webhook_id) {
  ++staged_delivery_ops_;
  batch_->wb.Delete(db_.handle(column::snapshots), webhook_id);
}

void log_store::stage_prune_attempts(std::string_view webhook_id, uint64_t below) {
  ++staged_delivery_ops_;
  batch_->wb.DeleteRange(db_.handle(column::attempts), webhook_seq_key(webhook_id, 0),
                         webhook_seq_key(webhook_id, below));
}

void log_store::stage_delete_webhook(const webhook& w) {
  auto key = tenant_key(w.tenant, w.id);
  batch_->wb.Delete(db_.handle(column::webhooks), key);
  staged_webhooks_[key] = std::nullopt;
  auto name_key = tenant_key(w.tenant, w.name);
  batch_->wb.Delete(db_.handle(column::webhook_names), name_key);
  staged_webhook_names_[name_key] = std::nullopt;
}

void log_store::stage_source(const source& src) {
  auto key = tenant_key(src.tenant, src.id);
  batch_->wb.Put(db_.handle(column::sources), key, encode(src, *db_.secrets()));
  batch_->wb.Put(db_.handle(column::source_ids), src.id, src.tenant);
  staged_sources_[key] = src;
}

void log_store::stage_delete_source(const source& src) {
  auto key = tenant_key(src.tenant, src.id);
  batch_->wb.Delete(db_.handle(column::sources), key);
  batch_->wb.Delete(db_.handle(column::source_ids), src.id);
  staged_sources_[key] = std::nullopt;
}

void log_store::stage_source_state(std::string_view key, std::optional<std::string_view> value) {
  if (value)
    batch_->wb.Put(db_.handle(column::source_state), key, *value);
  else
    batch_->wb.Delete(db_.handle(column::source_state), key);
  staged_source_state_[std::string{key}] =
      value ? std::optional<std::string>{std::string{*value}} : std::nullopt;
}

void log_store::stage_job(const replay_job& job) {
  auto key = tenant_key(job.tenant, job.id);
  batch_->wb.Put(db_.handle(column::jobs), key, encode(job));
  auto queued = composite_key(job.webhook_id, job.id);
  if (job.state == job_state::running)
    batch_->wb.Put(db_.handle(column::job_queue), queued, job.tenant);
  else
    batch_->wb.Delete(db_.handle(column::job_queue), queued);
  staged_jobs_[key] = job;
}

void log_store::stage_retention(const retention_plan& plan) {
  if (plan.events() == 0)
    return;
  auto& wb = batch_->wb;
  wb.DeleteRange(db_.handle(column::events), seq_key(plan.oldest), seq_key(plan.cut));
  for (const auto& [tenant, n] : plan.per_tenant) {
    wb.DeleteRange(db_.handle(column::tenant_events), tenant_key(tenant, seq_key(0)),
                   tenant_key(tenant, seq_key(plan.cut)));
    count(events_counter_key(tenant), uint64_t{0} - n); // modular: a decrement
  }
  for (const auto& key : plan.event_id_keys)
    wb.Delete(db_.handle(column::event_ids), key);
  for (const auto& key : plan.attempt_keys)
    wb.Delete(db_.handle(column::attempts), key);
  for (const auto& webhook_id : plan.outcome_webhooks)
    wb.DeleteRange(db_.handle(column::deliveries), webhook_seq_key(webhook_id, 0),
                   webhook_seq_key(webhook_id, plan.cut));
  wb.Put(db_.handle(column::meta), meta_key::retention_anchor, encode(plan.anchor));
}

expected<std::optional<replay_job>> log_store::find_job(std::string_view tenant,
                                                        std::string_view id) const {
  auto key = tenant_key(tenant, id);
  if (auto i = staged_jobs_.find(key); i != staged_jobs_.end())
    return std::optional{i->second};
  return config_reader{db_}.get_job(tenant, id);
}

expected<std::vector<replay_job>> log_store::running_jobs(const webhook& hook) const {
  auto stored = config_reader{db_}.running_jobs(hook);
  if (!stored)
    return stored.error();
  std::map<std::string, replay_job> jobs;
  for (auto& j : *stored)
    jobs.emplace(j.id, std::move(j));
  for (const auto& [key, j] : staged_jobs_)
    if (j.webhook_id == hook.id && j.tenant == hook.tenant)
      jobs[j.id] = j;
  std::vector<replay_job> out;
  for (auto& [id, j] : jobs)
    if (j.state == job_state::running)
      out.push_back(std::move(j));
  return out;
}

expected<std::optional<source>> log_store::find_source(std::string_view tenant,
                                                       std::string_view id) const {
  auto key = tenant_key(tenant, id);
  if (auto i = staged_sources_.find(key); i != staged_sources_.end())
    return i->second;
  return lookup(db_, column::sources, key, "a source",
                [this, id](std::string_view v) { return decode_source(id, v, db_.secrets()); });
}

expected<std::optional<std::string>> log_store::find_source_state(std::string_view key) const {
  if (auto i = staged_source_state_.find(std::string{key}); i != staged_source_state_.end())
    return i->second;
  return db_.get(column::source_state, key, "source state");
}

expected<std::optional<webhook>> log_store::find_webhook(std::string_view tenant,
                                                         std::string_view id) const {
  auto key = tenant_key(tenant, id);
  if (auto i = staged_webhooks_.find(key); i != staged_webhooks_.end())
    return i->second;
  return lookup(db_, column::webhooks, key, "a webhook",
                [this](std::string_view v) { return decode_webhook(v, db_.secrets()); });
}

expected<std::optional<std::string>> log_store::find_webhook_name(std::string_view tenant,
                                                                  std::string_view name) const {
  auto key = tenant_key(tenant, name);
  if (auto i = staged_webhook_names_.find(key); i != staged_webhook_names_.end())
    return i->second;
  return db_.get(column::webhook_names, key, "a webhook name");
}

uint64_t log_store::stage_audit(audit_entry entry) {
  entry.seq = ++staged_audit_head_;
  batch_->wb.Put(db_.handle(column::audit), seq_key(entry.seq), encode(entry));
  return entry.seq;
}

expected<std::optional<event_id_entry>> log_store::find_event_id(std::string_view tenant,
                                                                 std::string_view id) const {
  auto key = tenant_key(tenant, id);
  if (auto i = staged_ids_.find(key); i != staged_ids_.end())
    return std::optional{i->second};
  return lookup(db_, column::event_ids, key, "the event id index", decode_event_id_entry);
}

expected<std::optional<idempotency_record>>
log_store::find_idempotency(std::string_view tenant, std::string_view key, int64_t now_ms) const {
  auto k = tenant_key(tenant, key);
  if (auto i = staged_idempotency_.find(k); i != staged_idempotency_.end())
    return std::optional{i->second};
  auto rec = lookup(db_, column::idempotency, k, "an idempotency key", decode_idempotency_record);
  if (rec && *rec && now_ms - (*rec)->created_at_ms >= defaults::idempotency_window_ms)
    return std::optional<idempotency_record>{}; // Expired: the key may be used again.
  return rec;
}

expected<bool> log_store::tenant_exists(std::string_view tenant) const {
  auto t = find_tenant(tenant);
  if (!t)
    return t.error();
  return t->has_value();
}

expected<std::optional<tenant>> log_store::find_tenant(std::string_view id) const {
  if (auto i = staged_tenants_.find(std::string{id}); i != staged_tenants_.end())
    return std::optional{i->second};
  return lookup(db_, column::tenants, id, "a tenant",
                [&](std::string_view v) { return decode_tenant(id, v); });
}

expected<void> log_store::stage_counters() {
  for (const auto& [key, delta] : staged_counts_) {
    auto it = counts_.find(key);
    if (it == counts_.end()) {
      auto stored = db_.get(column::counters, key, "a counter");
      if (!stored)
        return stored.error();
      it = counts_.emplace(key, *stored ? decode_counter(**stored) : 0).first;
    }
    batch_->wb.Put(db_.handle(column::counters), key, encode_counter(it->second + delta));
  }
  return {};
}

expected<void> log_store::count_existing_events() {
  std::unique_ptr<rocksdb::Iterator> any{db_.db()->NewIterator({}, db_.handle(column::counters))};
  any->SeekToFirst();
  if (any->Valid() || head_.seq == 0)
    return {};
  std::unordered_map<std::string, uint64_t> per_tenant;
  std::unique_ptr<rocksdb::Iterator> it{
      db_.db()->NewIterator({}, db_.handle(column::tenant_events))};
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view key{it->key().data(), it->key().size()};
    ++per_tenant[std::string{key.substr(0, key.find('\0'))}];
  }
  if (!it->status().ok())
    return from_status(it->status(), "counting events");
  rocksdb::WriteBatch wb;
  for (const auto& [tenant, n] : per_tenant)
    wb.Put(db_.handle(column::counters), events_counter_key(tenant), encode_counter(n));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  if (auto st = db_.db()->Write(wo, &wb); !st.ok())
    return from_status(st, "storing event counts");
  return {};
}

expected<void> log_store::sync_wal() {
  if (auto st = db_.db()->SyncWAL(); !st.ok())
    return from_status(st, "syncing the write-ahead log");
  wal_unsynced_ = false;
  return {};
}

expected<std::vector<event>> log_store::commit() {
  auto& wb = batch_->wb;
  // Decided before the counters are staged: an outcome's failure counter is delivery state.
  bool delivery_only = wb.Count() == staged_delivery_ops_;
  if (auto staged = stage_counters(); !staged) {
    discard();
    return staged.error();
  }
  if (staged_head_.seq != head_.seq)
    wb.Put(db_.handle(column::meta), std::string{meta_key::chain_head}, encode(staged_head_));
  if (staged_audit_head_ != audit_head_)
    wb.Put(db_.handle(column::meta), std::string{meta_key::audit_head},
           seq_key(staged_audit_head_));
  rocksdb::WriteOptions wo;
  wo.sync = !(delivery_only && defer_delivery_sync_);
  auto st = db_.db()->Write(wo, &wb);
  if (!st.ok()) {
    auto err = from_status(st, "committing a batch");
    discard();
    return err;
  }
  // A synced write syncs the whole log, the unsynced writes before it included.
  wal_unsynced_ = !wo.sync;
  staged_delivery_ops_ = 0;
  head_ = staged_head_;
  audit_head_ = staged_audit_head_;
  for (auto& [key, delta] : staged_counts_)
    counts_[key] += delta;
  staged_counts_.clear();
  auto committed = std::move(staged_);
  staged_.clear();
  wb.Clear();
  staged_ids_.clear();
  staged_idempotency_.clear();
  staged_tenants_.clear();
  staged_keys_.clear();
  staged_webhooks_.clear();
  staged_webhook_names_.clear();
  staged_sources_.clear();
  staged_source_state_.clear();
  staged_jobs_.clear();
  staged_types_.clear();
  return committed;
}

void log_store::discard() {
  staged_delivery_ops_ = 0;
  // Types first staged in this batch were never written: forget them so they are staged again.
  for (const auto& t : staged_types_)
    known_types_.erase(t);
  staged_types_.clear();
  staged_.clear();
  batch_->wb.Clear();
  staged_counts_.clear();
  staged_ids_.clear();
  staged_idempotency_.clear();
  staged_tenants_.clear();
  staged_keys_.clear();
  staged_webhooks_.clear();
  staged_webhook_names_.clear();
  staged_sources_.clear();
  staged_source_state_.clear();
  staged_jobs_.clear();
  staged_head_ = head_;
  staged_audit_head_ = audit_head_;
}

expected<std::size_t>
log_store::sweep(column c, std::string_view prefix, std::string_view what,
                 const std::function<bool(std::string_view key, std::string_view value)>& expired) {
  rocksdb::WriteBatch wb;
  std::size_t n = 0;
  std::unique_ptr<rocksdb::Iterator> it{db_.db()->NewIterator({}, db_.handle(c))};
  for (it->Seek(rocksdb::Slice{prefix.data(), prefix.size()});
       it->Valid() && it->key().starts_with(rocksdb::Slice{prefix.data(), prefix.size()});
       it->Next()) {
    if (expired({it->key().data(), it->key().size()}, {it->value().data(), it->value().size()})) {
      wb.Delete(db_.handle(c), it->key());
      ++n;
    }
  }
  if (!it->status().ok())
    return from_status(it->status(), "sweeping " + std::string{what});
  if (n == 0)
    return n;
  if (auto st = db_.db()->Write(rocksdb::WriteOptions{}, &wb); !st.ok())
    return from_status(st, "sweeping " + std::string{what});
  return n;
}

expected<std::size_t> log_store::sweep_idempotency(int64_t now_ms) {
  return sweep(column::idempotency, {}, "idempotency keys", [now_ms](auto, std::string_view value) {
    auto rec = decode_idempotency_record(value);
    return !rec || now_ms - rec->created_at_ms >= defaults::idempotency_window_ms;
  });
}

expected<std::size_t> log_store::sweep_counters(int64_t now_ms) {
  auto hour = counter_hour(now_ms);
  auto oldest_kept = hour > 48 ? hour - 48 : 0;
  auto swept = sweep(column::counters, exhausted_counter_prefix(), "counters",
                     [oldest_kept](std::string_view key, auto) {
                       auto parts = parse_counter_key(key);
                       return !parts || !parts->hour || *parts->hour < oldest_kept;
                     });
  if (swept && *swept > 0)
    counts_.clear(); // Cached values of swept keys must not come back; the rest reload lazily.
  return swept;
}

} // namespace hookd::storage
