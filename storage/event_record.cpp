#include "storage/event_record.hpp"

#include "storage/byte_codec.hpp"

#include <cstring>

namespace hookd::storage {

namespace {

constexpr std::size_t trailer_size = 64; // prev_hash + hash

error_info corrupt(std::string what) {
  return make_error_info(ec::storage_corruption, "event record: " + std::move(what));
}

sha256_digest chain_hash(std::string_view prev, std::string_view body) {
  sha256_hasher h;
  h.update(prev);
  h.update(body);
  return h.finish();
}

} // namespace

std::string encode_event_record(event& e) {
  std::string out;
  out.reserve(64 + e.tenant.size() + e.id.size() + e.type.size() + e.data.size() +
              e.labels.size() * 32 + trailer_size);
  byte_writer w{out};
  w.u8(event_record_version);
  w.u64(e.seq);
  w.i64(e.received_at_ms);
  w.u8(e.occurred_at_ms ? 1 : 0);
  w.i64(e.occurred_at_ms.value_or(0));
  w.str16(e.tenant);
  w.str16(e.id);
  w.str16(e.type);
  w.u8(static_cast<uint8_t>(e.labels.size()));
  for (const auto& l : e.labels) {
    w.u8(static_cast<uint8_t>(l.key.size()));
    w.bytes(l.key);
    w.str16(l.value);
  }
  w.str32(e.data);
  auto body_size = out.size();
  e.hash = chain_hash(as_bytes(e.prev_hash), std::string_view{out.data(), body_size});
  w.bytes(as_bytes(e.prev_hash));
  w.bytes(as_bytes(e.hash));
  return out;
}

expected<event> decode_event_record(std::string_view bytes) {
  if (bytes.size() < trailer_size + 1)
    return corrupt("too short");
  byte_reader r{bytes.substr(0, bytes.size() - trailer_size)};
  if (r.u8() != event_record_version)
    return corrupt("unknown format version");
  event e;
  e.seq = r.u64();
  e.received_at_ms = r.i64();
  auto has_occurred = r.u8();
  auto occurred = r.i64();
  if (has_occurred != 0)
    e.occurred_at_ms = occurred;
  e.tenant = r.str16();
  e.id = r.str16();
  e.type = r.str16();
  auto n = r.u8();
  e.labels.reserve(n);
  for (uint8_t i = 0; i < n && r.ok(); ++i) {
    label l;
    l.key = r.bytes(r.u8());
    l.value = r.str16();
    e.labels.push_back(std::move(l));
  }
  e.data = r.str32();
  if (!r.ok() || !r.at_end())
    return corrupt("truncated or trailing bytes");
  auto trailer = bytes.substr(bytes.size() - trailer_size);
  std::memcpy(e.prev_hash.data(), trailer.data(), 32);
  std::memcpy(e.hash.data(), trailer.data() + 32, 32);
  return e;
}

expected<std::pair<uint64_t, int64_t>> decode_event_time(std::string_view bytes) {
  byte_reader r{bytes};
  if (r.u8() != event_record_version)
    return corrupt("unknown format version");
  auto seq = r.u64();
  auto at = r.i64();
  if (!r.ok())
    return corrupt("too short");
  return std::pair{seq, at};
}

bool check_record_hash(std::string_view bytes) {
  if (bytes.size() < trailer_size + 1)
    return false;
  auto body = bytes.substr(0, bytes.size() - trailer_size);
  auto prev = bytes.substr(bytes.size() - trailer_size, 32);
  auto stored = bytes.substr(bytes.size() - 32);
  auto computed = chain_hash(prev, body);
  return as_bytes(computed) == stored;
}

} // namespace hookd::storage
