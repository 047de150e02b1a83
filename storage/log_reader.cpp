#include "storage/log_reader.hpp"

#include "storage/byte_codec.hpp"
#include "storage/event_record.hpp"
#include "storage/slice.hpp"

#include <rocksdb/db.h>

#include <memory>

namespace hookd::storage {

expected<chain_head> log_reader::head() const {
  auto head = lookup(db_, column::meta, meta_key::chain_head, "the chain head", decode_chain_head);
  if (!head)
    return head.error();
  return head->value_or(chain_head{});
}

expected<uint64_t> log_reader::oldest_seq() const {
  std::unique_ptr<rocksdb::Iterator> it{db_.db()->NewIterator({}, db_.handle(column::events))};
  it->SeekToFirst();
  if (!it->status().ok())
    return from_status(it->status(), "finding the oldest event");
  if (!it->Valid())
    return uint64_t{0};
  auto seq = parse_seq_key(view(it->key()));
  if (!seq)
    return make_error_info(ec::storage_corruption, "an event key is not 8 bytes");
  return *seq;
}

expected<std::optional<event>> log_reader::get(uint64_t seq) const {
  return lookup(db_, column::events, seq_key(seq), "an event", decode_event_record);
}

expected<std::optional<event>> log_reader::find(std::string_view tenant,
                                                std::string_view id) const {
  auto entry = lookup(db_, column::event_ids, tenant_key(tenant, id), "the event id index",
                      decode_event_id_entry);
  if (!entry)
    return entry.error();
  if (!*entry)
    return std::optional<event>{};
  return get((*entry)->seq);
}

expected<uint64_t> log_reader::first_seq_at_or_after(int64_t ms) const {
  std::unique_ptr<rocksdb::Iterator> it{db_.db()->NewIterator({}, db_.handle(column::events))};
  it->SeekToFirst();
  if (!it->Valid())
    return it->status().ok() ? expected<uint64_t>{1}
                             : expected<uint64_t>{from_status(it->status(), "seeking")};
  auto lo = parse_seq_key(view(it->key())).value_or(1);
  it->SeekToLast();
  auto hi = parse_seq_key(view(it->key())).value_or(lo) + 1; // answer lies in [lo, hi]
  while (lo < hi) {
    auto mid = lo + (hi - lo) / 2;
    it->Seek(seq_key(mid));
    if (!it->Valid())
      break;
    auto t = decode_event_time(view(it->value()));
    if (!t)
      return t.error();
    if (t->second >= ms)
      hi = t->first;
    else
      lo = t->first + 1;
  }
  if (!it->status().ok())
    return from_status(it->status(), "seeking by time");
  return lo;
}

expected<void> log_reader::scan(uint64_t from, uint64_t to,
                                const std::function<bool(const event&)>& visit) const {
  return scan_records(from, to, [&](const event& e, std::string_view) { return visit(e); });
}

expected<void> log_reader::scan_records(
    uint64_t from, uint64_t to,
    const std::function<bool(const event&, std::string_view record)>& visit) const {
  rocksdb::ReadOptions ro;
  ro.fill_cache = false; // Long scans should not evict the hot working set.
  std::unique_ptr<rocksdb::Iterator> it{db_.db()->NewIterator(ro, db_.handle(column::events))};
  for (it->Seek(seq_key(from)); it->Valid(); it->Next()) {
    auto seq = parse_seq_key(view(it->key()));
    if (!seq)
      return make_error_info(ec::storage_corruption, "an event key is not 8 bytes");
    if (*seq > to)
      break;
    auto e = decode_event_record(view(it->value()));
    if (!e)
      return e.error();
    if (!visit(*e, view(it->value())))
      break;
  }
  if (!it->status().ok())
    return from_status(it->status(), "scanning events");
  return {};
}

expected<void>
log_reader::scan_tenant(std::string_view tenant, uint64_t from,
                        const std::function<bool(const tenant_event_ref&)>& visit) const {
  auto prefix = tenant_key(tenant, {});
  std::unique_ptr<rocksdb::Iterator> it{
      db_.db()->NewIterator({}, db_.handle(column::tenant_events))};
  for (it->Seek(tenant_key(tenant, seq_key(from))); it->Valid(); it->Next()) {
    auto key = view(it->key());
    if (!key.starts_with(prefix))
      break;
    auto seq = parse_seq_key(key.substr(prefix.size()));
    byte_reader r{view(it->value())};
    tenant_event_ref ref;
    ref.received_at_ms = r.i64();
    if (!seq || !r.ok())
      return make_error_info(ec::storage_corruption, "a tenant index entry is unreadable");
    ref.seq = *seq;
    ref.type = view(it->value()).substr(8);
    if (!visit(ref))
      break;
  }
  if (!it->status().ok())
    return from_status(it->status(), "scanning a tenant's events");
  return {};
}

expected<chain_verification> log_reader::verify_chain(uint64_t from, uint64_t to,
                                                      std::optional<sha256_digest> anchor) const {
  chain_verification result;
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it{db_.db()->NewIterator(ro, db_.handle(column::events))};
  std::optional<sha256_digest> expected_prev = anchor;
  if (from <= 1)
    expected_prev = sha256_digest{}; // The first record links to zeros.
  uint64_t expected_seq = from == 0 ? 1 : from;
  auto fail = [&](uint64_t seq, std::string why) {
    result.intact = false;
    result.first_bad_seq = seq;
    result.reason = std::move(why);
  };
  for (it->Seek(seq_key(expected_seq)); it->Valid(); it->Next()) {
    auto seq = parse_seq_key(view(it->key()));
    if (!seq) {
      fail(expected_seq, "a key is not an 8-byte sequence number");
      break;
    }
    if (*seq > to)
      break;
    if (*seq != expected_seq) {
      fail(expected_seq, "record " + std::to_string(expected_seq) + " is missing (next is " +
                             std::to_string(*seq) + ")");
      break;
    }
    auto bytes = view(it->value());
    auto e = decode_event_record(bytes);
    if (!e) {
      fail(*seq, e.error().detail);
      break;
    }
    if (e->seq != *seq) {
      fail(*seq, "the record says seq " + std::to_string(e->seq) + " but is stored at " +
                     std::to_string(*seq));
      break;
    }
    if (!check_record_hash(bytes)) {
      fail(*seq, "the record's hash does not match its content");
      break;
    }
    if (expected_prev && e->prev_hash != *expected_prev) {
      fail(*seq, "the record does not link to the previous record's hash");
      break;
    }
    expected_prev = e->hash;
    result.last = chain_head{e->seq, e->hash, e->received_at_ms};
    ++result.checked;
    ++expected_seq;
  }
  if (!it->status().ok())
    return from_status(it->status(), "verifying the chain");
  if (result.intact && to == UINT64_MAX) {
    // The whole tail was checked: the stored head must be its last record.
    auto stored = head();
    if (!stored)
      return stored.error();
    if (stored->seq != result.last.seq || stored->hash != result.last.hash)
      fail(stored->seq, "the stored chain head does not match the last record");
  }
  return result;
}

} // namespace hookd::storage
