#include "storage/delivery_reader.hpp"

#include "storage/byte_codec.hpp"
#include "storage/config_reader.hpp"
#include "storage/event_record.hpp"
#include "storage/log_reader.hpp"
#include "storage/records.hpp"
#include "storage/slice.hpp"

#include <rocksdb/db.h>

#include <algorithm>
#include <memory>

namespace hookd::storage {

namespace {

// The record number in a `webhook_seq_key`, given the prefix length.
std::optional<uint64_t> number_of(std::string_view key, std::size_t prefix) {
  return parse_seq_key(key.substr(prefix));
}

// The attempt record under a valid iterator over `webhook_id`'s keys (`prefix`): nullopt when
// the iterator has left them, else the record or why it is unreadable.
expected<std::optional<attempt_record>>
attempt_at(const rocksdb::Iterator& it, std::string_view webhook_id, std::string_view prefix) {
  auto key = view(it.key());
  if (!key.starts_with(prefix))
    return std::optional<attempt_record>{};
  auto n = number_of(key, prefix.size());
  if (!n)
    return make_error_info(ec::storage_corruption, "an attempt key is unreadable");
  auto rec = decode_attempt_record(webhook_id, *n, view(it.value()));
  if (!rec)
    return rec.error();
  return std::optional{std::move(*rec)};
}

} // namespace

expected<reference_check> delivery_reader::check_references(uint64_t oldest, uint64_t head) const {
  reference_check result;
  auto in_log = [&](uint64_t seq) { return seq >= oldest && seq <= head; };
  auto broken = [&](uint64_t seq, std::string what) {
    result.intact = false;
    result.seq = seq;
    result.problem = std::move(what);
  };
  // webhook id NUL u64: the id and the number.
  auto split = [](std::string_view key) -> std::optional<std::pair<std::string_view, uint64_t>> {
    auto nul = key.find('\0');
    if (nul == std::string_view::npos)
      return std::nullopt;
    auto n = parse_seq_key(key.substr(nul + 1));
    if (!n)
      return std::nullopt;
    return std::pair{key.substr(0, nul), *n};
  };
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  log_reader log{db_};
  std::unique_ptr<rocksdb::Iterator> it{db_.db()->NewIterator(ro, db_.handle(column::attempts))};
  for (it->SeekToFirst(); it->Valid() && result.intact; it->Next()) {
    auto key = split(view(it->key()));
    if (!key)
      return make_error_info(ec::storage_corruption, "an attempt key is unreadable");
    auto rec = decode_attempt_record(key->first, key->second, view(it->value()));
    if (!rec)
      return rec.error();
    ++result.attempts;
    if (rec->test)
      continue; // A test delivery's event is never in the log.
    auto what =
        "attempt record " + std::to_string(key->second) + " of webhook " + std::string{key->first};
    if (!in_log(rec->event_seq)) {
      broken(rec->event_seq, what + " references an event that is not in the log");
      break;
    }
    auto e = log.get(rec->event_seq);
    if (!e)
      return e.error();
    if (!*e || (*e)->id != rec->event_id)
      broken(rec->event_seq, what + " names event '" + rec->event_id +
                                 "', which is not the event at that sequence number");
  }
  if (!it->status().ok())
    return from_status(it->status(), "checking attempt records");
  it.reset(db_.db()->NewIterator(ro, db_.handle(column::deliveries)));
  for (it->SeekToFirst(); it->Valid() && result.intact; it->Next()) {
    auto key = split(view(it->key()));
    if (!key)
      return make_error_info(ec::storage_corruption, "a delivery outcome key is unreadable");
    ++result.outcomes;
    if (!in_log(key->second))
      broken(key->second, "the delivery outcome of webhook " + std::string{key->first} +
                              " references an event that is not in the log");
  }
  if (!it->status().ok())
    return from_status(it->status(), "checking delivery outcomes");
  it.reset(db_.db()->NewIterator(ro, db_.handle(column::snapshots)));
  for (it->SeekToFirst(); it->Valid() && result.intact; it->Next()) {
    auto snap = decode_delivery_snapshot(view(it->value()));
    if (!snap)
      return snap.error();
    ++result.snapshots;
    auto what = "the snapshot of webhook " + std::string{view(it->key())};
    if (snap->cursor > head) {
      broken(snap->cursor, what + " has its cursor past the log's head");
      break;
    }
    for (const auto& p : snap->pending)
      if (!in_log(p.seq)) {
        broken(p.seq, what + " holds a pending delivery of an event that is not in the log");
        break;
      }
  }
  if (!it->status().ok())
    return from_status(it->status(), "checking snapshots");
  return result;
}

expected<std::optional<delivery_snapshot>>
delivery_reader::snapshot(std::string_view webhook_id) const {
  return lookup(db_, column::snapshots, webhook_id, "a delivery snapshot",
                decode_delivery_snapshot);
}

expected<std::optional<delivery_outcome_record>>
delivery_reader::outcome(std::string_view webhook_id, uint64_t seq) const {
  return lookup(db_, column::deliveries, webhook_seq_key(webhook_id, seq), "a delivery outcome",
                [&](std::string_view v) { return decode_delivery_outcome(webhook_id, seq, v); });
}

expected<void>
delivery_reader::scan_attempts(std::string_view webhook_id, uint64_t from,
                               const std::function<bool(const attempt_record&)>& visit) const {
  auto prefix = composite_key(webhook_id, {});
  std::unique_ptr<rocksdb::Iterator> it{db_.db()->NewIterator({}, db_.handle(column::attempts))};
  for (it->Seek(webhook_seq_key(webhook_id, from)); it->Valid(); it->Next()) {
    auto rec = attempt_at(*it, webhook_id, prefix);
    if (!rec)
      return rec.error();
    if (!*rec || !visit(**rec))
      break;
  }
  if (!it->status().ok())
    return from_status(it->status(), "scanning attempt records");
  return {};
}

expected<std::vector<attempt_record>>
delivery_reader::list_attempts(std::string_view webhook_id, uint64_t before, std::size_t limit,
                               std::optional<attempt_result> only) const {
  std::vector<attempt_record> out;
  auto prefix = composite_key(webhook_id, {});
  std::unique_ptr<rocksdb::Iterator> it{db_.db()->NewIterator({}, db_.handle(column::attempts))};
  if (before == 0)
    it->SeekForPrev(webhook_seq_key(webhook_id, UINT64_MAX));
  else
    it->SeekForPrev(webhook_seq_key(webhook_id, before - 1));
  for (; it->Valid() && out.size() < limit; it->Prev()) {
    auto rec = attempt_at(*it, webhook_id, prefix);
    if (!rec)
      return rec.error();
    if (!*rec)
      break;
    if (!only || (*rec)->result == *only)
      out.push_back(std::move(**rec));
  }
  if (!it->status().ok())
    return from_status(it->status(), "listing attempt records");
  return out;
}

expected<uint64_t> delivery_reader::last_attempt_number(std::string_view webhook_id) const {
  auto prefix = composite_key(webhook_id, {});
  std::unique_ptr<rocksdb::Iterator> it{db_.db()->NewIterator({}, db_.handle(column::attempts))};
  it->SeekForPrev(webhook_seq_key(webhook_id, UINT64_MAX));
  if (!it->status().ok())
    return from_status(it->status(), "reading the last attempt record");
  if (!it->Valid() || !view(it->key()).starts_with(prefix))
    return uint64_t{0};
  auto n = number_of(view(it->key()), prefix.size());
  if (!n)
    return make_error_info(ec::storage_corruption, "an attempt key is unreadable");
  return *n;
}

expected<backlog_page> delivery_reader::read_backlog(const webhook& w, uint64_t from, uint64_t to,
                                                     std::size_t max_events,
                                                     std::size_t max_scanned) const {
  webhook_filter filter{w}; // patterns parsed once per page, not per event
  return read_page(
      w, filter, from, to, max_events, max_scanned,
      [&](std::string_view type) { return filter.matches_type(type); },
      [](const std::optional<delivery_outcome_record>& done) {
        return !done; // Delivered (or failed for good) before a crash; never sent again.
      });
}

expected<backlog_page> delivery_reader::read_replay(const webhook& w, const replay_job& job,
                                                    uint64_t from, std::size_t max_events,
                                                    std::size_t max_scanned) const {
  webhook_filter filter{w};
  std::vector<event_type_pattern> types;
  for (const auto& t : job.types)
    if (auto p = event_type_pattern::parse(t))
      types.push_back(*p);
  return read_page(
      w, filter, from, job.to_seq, max_events, max_scanned,
      [&](std::string_view type) {
        return filter.matches_type(type) &&
               (types.empty() || std::any_of(types.begin(), types.end(),
                                             [&](const auto& p) { return p.matches(type); }));
      },
      [&](const std::optional<delivery_outcome_record>& done) {
        return !job.only_failed || (done && done->state == delivery_state::failed);
      },
      job.only_failed);
}

expected<backlog_page> delivery_reader::read_page(
    const webhook& w, const webhook_filter& filter, uint64_t from, uint64_t to,
    std::size_t max_events, std::size_t max_scanned,
    const std::function<bool(std::string_view type)>& type_ok,
    const std::function<bool(const std::optional<delivery_outcome_record>&)>& keep,
    bool with_outcomes) const {
  backlog_page page;
  page.next = from;
  if (from > to)
    return page;
  log_reader log{db_};
  std::vector<uint64_t> candidates;
  std::size_t scanned = 0;
  // The tenant's index gives each seq and type without decoding a record: only events whose
  // type matches are read in full.
  auto scan = log.scan_tenant(w.tenant, from, [&](const tenant_event_ref& ref) {
    if (ref.seq > to || candidates.size() >= max_events || scanned >= max_scanned)
      return false;
    ++scanned;
    page.next = ref.seq + 1;
    if (type_ok(ref.type))
      candidates.push_back(ref.seq);
    return true;
  });
  if (!scan)
    return scan.error();
  if (scanned < max_scanned && candidates.size() < max_events)
    page.next = to + 1; // The tenant has nothing more in range.
  // The candidates are ascending: their events, and the outcomes recorded for them, are read
  // with one forward iterator each rather than a lookup per event.
  forward_reader events{db_, column::events, "an event"};
  std::optional<forward_reader> outcomes;
  if (with_outcomes)
    outcomes.emplace(db_, column::deliveries, "a delivery outcome");
  for (auto seq : candidates) {
    auto raw = events.at(seq_key(seq));
    if (!raw)
      return raw.error();
    if (!*raw)
      return make_error_info(ec::storage_corruption,
                             "the tenant index names a missing event " + std::to_string(seq));
    auto e = decode_event_record(**raw);
    if (!e)
      return e.error();
    if (!filter.matches(e->type, e->labels))
      continue;
    std::optional<delivery_outcome_record> done;
    if (outcomes) {
      auto v = outcomes->at(webhook_seq_key(w.id, seq));
      if (!v)
        return v.error();
      if (*v) {
        auto rec = decode_delivery_outcome(w.id, seq, **v);
        if (!rec)
          return rec.error();
        done = std::move(*rec);
      }
    }
    if (keep(done))
      page.events.push_back(std::move(*e));
  }
  return page;
}

expected<void> delivery_reader::scan_failed(std::string_view webhook_id, int64_t since_ms,
                                            int64_t until_ms,
                                            const std::function<bool(uint64_t)>& visit) const {
  auto prefix = composite_key(webhook_id, {});
  std::unique_ptr<rocksdb::Iterator> it{db_.db()->NewIterator({}, db_.handle(column::deliveries))};
  for (it->Seek(prefix); it->Valid() && view(it->key()).starts_with(prefix); it->Next()) {
    auto seq = number_of(view(it->key()), prefix.size());
    if (!seq)
      return make_error_info(ec::storage_corruption, "a delivery key is unreadable");
    auto rec = decode_delivery_outcome(webhook_id, *seq, view(it->value()));
    if (!rec)
      return rec.error();
    if (rec->state == delivery_state::failed && rec->at_ms >= since_ms && rec->at_ms < until_ms &&
        !visit(*seq))
      break;
  }
  if (!it->status().ok())
    return from_status(it->status(), "scanning delivery outcomes");
  return {};
}

expected<std::vector<event>> delivery_reader::read_failed(std::string_view webhook_id,
                                                          const std::vector<uint64_t>& seqs) const {
  std::vector<event> out;
  log_reader log{db_};
  for (auto seq : seqs) {
    auto done = outcome(webhook_id, seq);
    if (!done)
      return done.error();
    if (!*done || (*done)->state != delivery_state::failed)
      continue;
    auto e = log.get(seq);
    if (!e)
      return e.error();
    if (*e)
      out.push_back(std::move(**e));
  }
  std::sort(out.begin(), out.end(), [](const event& a, const event& b) { return a.seq < b.seq; });
  return out;
}

expected<std::map<std::string, tenant_totals, std::less<>>>
delivery_reader::totals(std::string_view tenant, int64_t since_ms) const {
  std::map<std::string, tenant_totals, std::less<>> out;
  auto first_hour = counter_hour(since_ms);
  std::unique_ptr<rocksdb::Iterator> it{db_.db()->NewIterator({}, db_.handle(column::counters))};
  // The event counts, then the hours; with a tenant, the first prefix also covers tenants whose
  // id extends it, which the parsed key tells apart.
  for (const auto& prefix : {events_counter_key(tenant), exhausted_counter_prefix(tenant)}) {
    for (it->Seek(prefix); it->Valid() && view(it->key()).starts_with(prefix); it->Next()) {
      auto key = parse_counter_key(view(it->key()));
      if (!key || (!tenant.empty() && key->tenant != tenant))
        continue;
      auto n = decode_counter(view(it->value()));
      auto& t = out[std::string{key->tenant}];
      if (!key->hour)
        t.events += n;
      else if (*key->hour >= first_hour)
        t.exhausted += n;
    }
    if (!it->status().ok())
      return from_status(it->status(), "reading counters");
  }
  return out;
}

namespace {

// The sum over every tenant of one of the totals' fields.
expected<uint64_t> sum_of(expected<std::map<std::string, tenant_totals, std::less<>>> totals,
                          uint64_t tenant_totals::*field) {
  if (!totals)
    return totals.error();
  uint64_t n = 0;
  for (const auto& [t, figures] : *totals)
    n += figures.*field;
  return n;
}

} // namespace

expected<uint64_t> delivery_reader::event_count(std::string_view tenant) const {
  return sum_of(totals(tenant, INT64_MAX), &tenant_totals::events);
}

expected<uint64_t> delivery_reader::exhausted_since(std::string_view tenant,
                                                    int64_t since_ms) const {
  return sum_of(totals(tenant, since_ms), &tenant_totals::exhausted);
}

expected<std::vector<event_delivery_timeline>> delivery_reader::timeline(const event& e) const {
  std::vector<event_delivery_timeline> out;
  config_reader config{db_};
  std::string after;
  for (;;) {
    constexpr std::size_t page = 1000;
    auto hooks = config.list_webhooks(e.tenant, after, page);
    if (!hooks)
      return hooks.error();
    for (auto& h : *hooks) {
      event_delivery_timeline t;
      t.state = "pending";
      if (!h.matches(e.type, e.labels)) {
        t.state = "filtered_out";
      } else if (h.created_at_ms > e.received_at_ms) {
        t.state = "not_subscribed"; // The webhook did not exist yet.
      } else {
        auto scan = scan_attempts(h.id, 0, [&](const attempt_record& a) {
          if (a.event_seq == e.seq && !a.test)
            t.attempts.push_back(a);
          return true;
        });
        if (!scan)
          return scan.error();
        auto done = outcome(h.id, e.seq);
        if (!done)
          return done.error();
        if (*done) {
          t.state = std::string{to_string((*done)->state)};
        } else if (!t.attempts.empty() && t.attempts.back().result == attempt_result::retrying) {
          t.state = "retrying";
          t.next_attempt_ms = t.attempts.back().next_at_ms;
        }
      }
      t.hook = std::move(h);
      out.push_back(std::move(t));
    }
    if (hooks->size() < page)
      break;
    after = out.back().hook.id;
  }
  return out;
}

} // namespace hookd::storage
