#include "storage/retention.hpp"

#include "storage/byte_codec.hpp"
#include "storage/config_reader.hpp"
#include "storage/event_record.hpp"
#include "storage/log_reader.hpp"
#include "storage/slice.hpp"

#include <rocksdb/db.h>

#include <algorithm>
#include <memory>

namespace hookd::storage {

namespace {

constexpr int64_t day_ms = 86'400'000;

// The lowest seq something still needs, and what: each webhook's cursor and pending
// deliveries (disabled webhooks included: their deliveries wait in the log), each running
// job's resume point, each open provisioning watch.
expected<std::pair<uint64_t, std::string>> protected_from(const database& db) {
  uint64_t limit = UINT64_MAX;
  std::string why;
  auto lower = [&](uint64_t seq, std::string what) {
    if (seq < limit) {
      limit = seq;
      why = std::move(what);
    }
  };
  std::unique_ptr<rocksdb::Iterator> it{db.db()->NewIterator({}, db.handle(column::snapshots))};
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto snap = decode_delivery_snapshot(view(it->value()));
    if (!snap)
      return snap.error();
    auto id = std::string{view(it->key())};
    lower(snap->cursor + 1, "the cursor of webhook " + id);
    for (const auto& p : snap->pending)
      lower(p.seq, "a pending delivery of webhook " + id);
  }
  if (!it->status().ok())
    return from_status(it->status(), "reading snapshots");
  config_reader config{db};
  it.reset(db.db()->NewIterator({}, db.handle(column::job_queue)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto key = view(it->key());
    auto nul = key.find('\0');
    if (nul == std::string_view::npos)
      return make_error_info(ec::storage_corruption, "a job queue key is unreadable");
    auto job_id = key.substr(nul + 1);
    auto job = config.get_job(view(it->value()), job_id);
    if (!job)
      return job.error();
    if (*job && (*job)->state == job_state::running)
      lower((*job)->next_seq, "job " + std::string{job_id});
  }
  if (!it->status().ok())
    return from_status(it->status(), "reading running jobs");
  auto watches = config.list_source_state(watch_key_prefix);
  if (!watches)
    return watches.error();
  for (const auto& [key, value] : *watches)
    if (auto seq = parse_watch_key(key))
      lower(*seq, "an open provisioning watch");
  return std::pair{limit, why};
}

} // namespace

expected<retention_plan> plan_retention(const database& db, int64_t node_ms, int64_t now_ms,
                                        uint64_t max_events) {
  retention_plan plan;
  log_reader log{db};
  auto oldest = log.oldest_seq();
  if (!oldest)
    return oldest.error();
  plan.oldest = plan.cut = *oldest;
  if (*oldest == 0)
    return plan;
  auto tenants = config_reader{db}.list_tenants({}, SIZE_MAX);
  if (!tenants)
    return tenants.error();
  std::map<std::string, int64_t, std::less<>> retention_ms;
  for (const auto& t : *tenants)
    retention_ms[t.id] = t.retention_days > 0 ? int64_t{t.retention_days} * day_ms : node_ms;
  auto guard = protected_from(db);
  if (!guard)
    return guard.error();
  auto [limit, why] = *guard;
  // The prefix of events that may go: each older than its tenant's retention.
  auto scanned = log.scan_records(*oldest, UINT64_MAX, [&](const event& e, std::string_view) {
    if (e.seq >= limit) {
      plan.held_by = why;
      return false;
    }
    if (plan.events() >= max_events) {
      plan.more = true;
      return false;
    }
    auto r = retention_ms.find(e.tenant);
    auto keep = r != retention_ms.end() ? r->second : node_ms;
    if (keep <= 0 || e.received_at_ms >= now_ms - keep) {
      plan.held_by = "event " + std::to_string(e.seq) + " of " + e.tenant +
                     (keep <= 0 ? " (kept forever)" : " (younger than its retention)");
      return false;
    }
    plan.cut = e.seq + 1;
    plan.anchor = chain_head{e.seq, e.hash, e.received_at_ms};
    ++plan.per_tenant[e.tenant];
    plan.event_id_keys.push_back(tenant_key(e.tenant, e.id));
    return true;
  });
  if (!scanned)
    return scanned.error();
  if (plan.events() == 0)
    return plan;
  // Attempt records on the deleted events (test deliveries have no event and stay).
  std::unique_ptr<rocksdb::Iterator> it{db.db()->NewIterator({}, db.handle(column::attempts))};
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto key = view(it->key());
    auto nul = key.find('\0');
    auto number = nul == std::string_view::npos ? std::nullopt : parse_seq_key(key.substr(nul + 1));
    if (!number)
      return make_error_info(ec::storage_corruption, "an attempt key is unreadable");
    auto rec = decode_attempt_record(key.substr(0, nul), *number, view(it->value()));
    if (!rec)
      return rec.error();
    if (!rec->test && rec->event_seq < plan.cut)
      plan.attempt_keys.emplace_back(key);
  }
  if (!it->status().ok())
    return from_status(it->status(), "reading attempt records");
  // Each webhook with outcomes: its first key, then skip past its prefix.
  it.reset(db.db()->NewIterator({}, db.handle(column::deliveries)));
  for (it->SeekToFirst(); it->Valid();) {
    auto key = view(it->key());
    auto webhook_id = std::string{key.substr(0, key.find('\0'))};
    plan.outcome_webhooks.push_back(webhook_id);
    it->Seek(webhook_id + '\x01'); // past "id NUL …"
  }
  if (!it->status().ok())
    return from_status(it->status(), "reading delivery outcomes");
  return plan;
}

expected<std::optional<chain_head>> retention_anchor(const database& db) {
  return lookup(db, column::meta, meta_key::retention_anchor, "the retention anchor",
                decode_chain_head);
}

expected<void> compact_log(const database& db, uint64_t cut) {
  rocksdb::CompactRangeOptions opts;
  opts.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  auto end = seq_key(cut);
  rocksdb::Slice end_slice{end};
  auto st = db.db()->CompactRange(opts, db.handle(column::events), nullptr, &end_slice);
  if (!st.ok())
    return from_status(st, "compacting the log");
  // The per-tenant index and id index are keyed by tenant: compact them whole.
  for (auto c : {column::tenant_events, column::event_ids, column::attempts, column::deliveries}) {
    st = db.db()->CompactRange(opts, db.handle(c), nullptr, nullptr);
    if (!st.ok())
      return from_status(st, "compacting the log's indexes");
  }
  return {};
}

expected<log_figures> read_log_figures(const database& db) {
  log_figures f;
  log_reader log{db};
  auto head = log.head();
  if (!head)
    return head.error();
  f.head_seq = head->seq;
  auto oldest = log.oldest_seq();
  if (!oldest)
    return oldest.error();
  f.oldest_seq = *oldest;
  auto anchor = retention_anchor(db);
  if (!anchor)
    return anchor.error();
  f.anchor = anchor->value_or(chain_head{});
  for (auto c : {column::events, column::tenant_events, column::event_ids}) {
    uint64_t v = 0;
    if (db.db()->GetIntProperty(db.handle(c), "rocksdb.live-sst-files-size", &v))
      f.bytes += v;
    if (db.db()->GetIntProperty(db.handle(c), "rocksdb.cur-size-all-mem-tables", &v))
      f.bytes += v;
  }
  return f;
}

} // namespace hookd::storage
