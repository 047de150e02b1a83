#include "storage/records.hpp"

#include "storage/byte_codec.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace hookd::storage {

namespace {

constexpr uint8_t v1 = 1;
constexpr uint8_t v2 = 2;
constexpr uint8_t v3 = 3;
constexpr uint8_t v4 = 4;

error_info corrupt(std::string_view what) {
  return make_error_info(ec::storage_corruption, std::string{what} + " record is unreadable");
}

void put_digest(byte_writer& w, const sha256_digest& d) {
  w.bytes(as_bytes(d));
}

sha256_digest get_digest(byte_reader& r) {
  sha256_digest d{};
  auto b = r.bytes(32);
  if (b.size() == 32)
    std::memcpy(d.data(), b.data(), 32);
  return d;
}

// True when the reader consumed a well-formed value of version 1.
void put_labels(byte_writer& w, const std::vector<label>& labels) {
  w.u8(static_cast<uint8_t>(labels.size()));
  for (const auto& l : labels) {
    w.str16(l.key);
    w.str16(l.value);
  }
}

std::vector<label> get_labels(byte_reader& r) {
  std::vector<label> out;
  auto n = r.u8();
  for (uint8_t i = 0; i < n && r.ok(); ++i) {
    label l;
    l.key = r.str16();
    l.value = r.str16();
    out.push_back(std::move(l));
  }
  return out;
}

// Opens a secret sealed with `id` as associated data: empty without a box (a read-only tool)
// or for an empty field; clears `ok` when it does not open with the master key.
std::string open_sealed(const secret_box* box, std::string_view stored, std::string_view id,
                        bool& ok) {
  if (box == nullptr || stored.empty())
    return {};
  auto plain = box->open(stored, id);
  ok = ok && plain.has_value();
  return plain.value_or(std::string{});
}

bool finished(const byte_reader& r) {
  return r.ok() && r.at_end();
}

} // namespace

std::string encode(const event_id_entry& x) {
  std::string out;
  byte_writer w{out};
  w.u8(v1);
  w.u64(x.seq);
  put_digest(w, x.fingerprint);
  return out;
}

expected<event_id_entry> decode_event_id_entry(std::string_view bytes) {
  byte_reader r{bytes};
  event_id_entry x;
  auto version = r.u8();
  x.seq = r.u64();
  x.fingerprint = get_digest(r);
  if (version != v1 || !finished(r))
    return corrupt("event id");
  return x;
}

std::string encode(const idempotency_record& x) {
  std::string out;
  byte_writer w{out};
  w.u8(v1);
  w.i64(x.created_at_ms);
  put_digest(w, x.fingerprint);
  w.u8(x.batch ? 1 : 0);
  w.u32(static_cast<uint32_t>(x.events.size()));
  for (const auto& [id, seq] : x.events) {
    w.str16(id);
    w.u64(seq);
  }
  return out;
}

expected<idempotency_record> decode_idempotency_record(std::string_view bytes) {
  byte_reader r{bytes};
  idempotency_record x;
  auto version = r.u8();
  x.created_at_ms = r.i64();
  x.fingerprint = get_digest(r);
  x.batch = r.u8() != 0;
  auto n = r.u32();
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    std::string id{r.str16()};
    auto seq = r.u64();
    x.events.emplace_back(std::move(id), seq);
  }
  if (version != v1 || !finished(r))
    return corrupt("idempotency");
  return x;
}

std::string anchor_text(const chain_head& h) {
  return to_hex(h.hash) + "@" + std::to_string(h.seq);
}

std::optional<chain_head> parse_anchor_text(std::string_view text) {
  auto at = text.find('@');
  if (at == std::string_view::npos)
    return std::nullopt;
  auto bytes = from_hex(text.substr(0, at));
  auto digits = text.substr(at + 1);
  chain_head h;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), h.seq);
  if (!bytes || bytes->size() != h.hash.size() || digits.empty() || ec != std::errc{} ||
      end != digits.data() + digits.size())
    return std::nullopt;
  std::copy(bytes->begin(), bytes->end(), h.hash.begin());
  return h;
}

std::string encode(const chain_head& x) {
  std::string out;
  byte_writer w{out};
  w.u8(v1);
  w.u64(x.seq);
  put_digest(w, x.hash);
  w.i64(x.received_at_ms);
  return out;
}

expected<chain_head> decode_chain_head(std::string_view bytes) {
  byte_reader r{bytes};
  chain_head x;
  auto version = r.u8();
  x.seq = r.u64();
  x.hash = get_digest(r);
  x.received_at_ms = r.i64();
  if (version != v1 || !finished(r))
    return corrupt("chain head");
  return x;
}

// v1: created_at, name. v2 adds the per-application delivery limit.
std::string encode(const tenant& x) {
  std::string out;
  byte_writer w{out};
  w.u8(v3);
  w.i64(x.created_at_ms);
  w.str16(x.name);
  w.u32(x.application_deliveries_per_minute);
  w.u32(x.retention_days);
  return out;
}

expected<tenant> decode_tenant(std::string_view id, std::string_view bytes) {
  byte_reader r{bytes};
  tenant x;
  x.id = id;
  auto version = r.u8();
  x.created_at_ms = r.i64();
  x.name = r.str16();
  if (version >= v2)
    x.application_deliveries_per_minute = r.u32();
  if (version >= v3)
    x.retention_days = r.u32();
  if ((version != v1 && version != v2 && version != v3) || !finished(r))
    return corrupt("tenant");
  return x;
}

std::string encode(const api_key& x) {
  std::string out;
  byte_writer w{out};
  w.u8(v1);
  w.str16(x.tenant);
  w.str16(x.name);
  w.u8(x.scopes);
  put_digest(w, x.secret_hash);
  w.i64(x.created_at_ms);
  w.u8(x.revoked_at_ms ? 1 : 0);
  w.i64(x.revoked_at_ms.value_or(0));
  w.str16(x.created_by);
  return out;
}

expected<api_key> decode_api_key(std::string_view id, std::string_view bytes) {
  byte_reader r{bytes};
  api_key x;
  x.id = id;
  auto version = r.u8();
  x.tenant = r.str16();
  x.name = r.str16();
  x.scopes = r.u8();
  x.secret_hash = get_digest(r);
  x.created_at_ms = r.i64();
  auto revoked = r.u8();
  auto revoked_at = r.i64();
  if (revoked != 0)
    x.revoked_at_ms = revoked_at;
  x.created_by = r.str16();
  if (version != v1 || !finished(r))
    return corrupt("api key");
  return x;
}

std::string encode(const webhook& x, const secret_box& box) {
  std::string out;
  byte_writer w{out};
  w.u8(v4);
  w.str16(x.id);
  w.str16(x.tenant);
  w.str16(x.name);
  w.str16(x.description);
  w.str16(x.url);
  w.u8(x.enabled ? 1 : 0);
  w.str16(x.disabled_reason);
  w.u16(static_cast<uint16_t>(x.events.size()));
  for (const auto& e : x.events)
    w.str16(e);
  put_labels(w, x.label_filter);
  w.u8(static_cast<uint8_t>(x.headers.size()));
  for (const auto& h : x.headers) {
    w.str16(h.name);
    w.str16(h.value);
  }
  w.str16(box.seal(x.secret, x.id));
  w.u8(static_cast<uint8_t>(x.previous_secrets.size()));
  for (const auto& p : x.previous_secrets) {
    w.str16(box.seal(p.secret, x.id));
    w.i64(p.expires_at_ms);
  }
  w.u32(x.timeout_seconds);
  w.u8(static_cast<uint8_t>(x.retry.form()));
  w.u8(static_cast<uint8_t>(x.retry.delays().size()));
  w.u32(static_cast<uint32_t>(x.retry.base().count()));
  w.u32(static_cast<uint32_t>(x.retry.cap().count()));
  w.u32(x.max_in_flight);
  w.u32(x.rate_limit_per_second);
  w.u8(static_cast<uint8_t>(x.ordering));
  w.i64(x.created_at_ms);
  w.i64(x.updated_at_ms);
  w.u8(static_cast<uint8_t>(x.body_template));
  w.str16(x.custom_template);
  w.u8(static_cast<uint8_t>(x.signature.kind));
  w.str16(x.signature.header);
  return out;
}

expected<webhook> decode_webhook(std::string_view bytes, const secret_box* box) {
  byte_reader r{bytes};
  webhook x;
  auto version = r.u8();
  x.id = r.str16();
  x.tenant = r.str16();
  x.name = r.str16();
  x.description = r.str16();
  x.url = r.str16();
  x.enabled = r.u8() != 0;
  x.disabled_reason = r.str16();
  auto n = r.u16();
  for (uint16_t i = 0; i < n && r.ok(); ++i)
    x.events.emplace_back(r.str16());
  x.label_filter = get_labels(r);

  auto headers = r.u8();
  for (uint8_t i = 0; i < headers && r.ok(); ++i) {
    webhook_header h;
    h.name = r.str16();
    h.value = r.str16();
    x.headers.push_back(std::move(h));
  }
  // Format 1 stored the secret in clear (before secrets were sealed; read once, to seal it).
  // Format 2 seals each secret with the webhook id as associated data; format 3 adds the
  // delivery rate limit; format 4 the template and the signature style.
  bool sealed_ok = true;
  auto open_secret = [&](std::string_view stored) -> std::string {
    if (version == v1)
      return std::string{stored};
    return open_sealed(box, stored, x.id, sealed_ok);
  };
  x.secret = open_secret(r.str16());
  if (version >= v2) {
    auto previous = r.u8();
    for (uint8_t i = 0; i < previous && r.ok(); ++i) {
      previous_secret p;
      p.secret = open_secret(r.str16());
      p.expires_at_ms = r.i64();
      x.previous_secrets.push_back(std::move(p));
    }
  }
  x.timeout_seconds = r.u32();
  auto kind = r.u8();
  auto retries = r.u8();
  auto base = std::chrono::seconds{r.u32()};
  auto cap = std::chrono::seconds{r.u32()};
  switch (static_cast<retry_policy::kind>(kind)) {
  case retry_policy::kind::standard:
    x.retry = retry_policy::standard();
    break;
  case retry_policy::kind::short_schedule:
    x.retry = retry_policy::short_schedule();
    break;
  case retry_policy::kind::exponential:
    x.retry = retry_policy::exponential(retries, base, cap);
    break;
  default:
    return corrupt("webhook");
  }
  x.max_in_flight = r.u32();
  if (version >= v3)
    x.rate_limit_per_second = r.u32();
  auto ordering = r.u8();
  x.ordering = ordering == 1 ? delivery_ordering::fifo : delivery_ordering::none;
  x.created_at_ms = r.i64();
  x.updated_at_ms = r.i64();
  uint8_t body_template = 0;
  uint8_t signature = 0;
  if (version >= v4) {
    body_template = r.u8();
    x.custom_template = r.str16();
    signature = r.u8();
    x.signature.header = r.str16();
  }
  if (version < v1 || version > v4 || !finished(r) || ordering > 1 ||
      body_template > static_cast<uint8_t>(template_kind::custom) ||
      signature > static_cast<uint8_t>(signature_kind::none))
    return corrupt("webhook");
  x.body_template = static_cast<template_kind>(body_template);
  x.signature.kind = static_cast<signature_kind>(signature);
  if (!sealed_ok)
    return make_error_info(ec::storage_corruption,
                           "the secret of webhook " + x.id + " does not open with the master key");
  return x;
}

std::string encode(const audit_entry& x) {
  std::string out;
  byte_writer w{out};
  w.u8(v1);
  w.u64(x.seq);
  w.i64(x.at_ms);
  w.str16(x.actor);
  w.str16(x.tenant);
  w.str16(x.action);
  w.str16(x.object_id);
  w.str32(x.details);
  return out;
}

expected<audit_entry> decode_audit_entry(std::string_view bytes) {
  byte_reader r{bytes};
  audit_entry x;
  auto version = r.u8();
  x.seq = r.u64();
  x.at_ms = r.i64();
  x.actor = r.str16();
  x.tenant = r.str16();
  x.action = r.str16();
  x.object_id = r.str16();
  x.details = r.str32();
  if (version != v1 || !finished(r))
    return corrupt("audit");
  return x;
}

std::string webhook_seq_key(std::string_view webhook_id, uint64_t number) {
  return composite_key(webhook_id, seq_key(number));
}

std::string encode(const replay_job& x) {
  std::string out;
  byte_writer w{out};
  w.u8(v1);
  w.str16(x.webhook_id);
  w.u8(static_cast<uint8_t>(x.kind));
  w.i64(x.since_ms);
  w.i64(x.until_ms);
  w.u16(static_cast<uint16_t>(x.types.size()));
  for (const auto& t : x.types)
    w.str16(t);
  w.u8(x.only_failed ? 1 : 0);
  w.u64(x.from_seq);
  w.u64(x.to_seq);
  w.u8(static_cast<uint8_t>(x.state));
  w.u64(x.next_seq);
  w.u64(x.queued);
  w.u64(x.delivered);
  w.u64(x.failed);
  w.u64(x.skipped);
  w.str16(x.created_by);
  w.str16(x.cancel_reason);
  w.i64(x.created_at_ms);
  w.i64(x.updated_at_ms);
  w.i64(x.finished_at_ms);
  return out;
}

expected<replay_job> decode_replay_job(std::string_view tenant, std::string_view id,
                                       std::string_view bytes) {
  byte_reader r{bytes};
  replay_job x;
  x.tenant = tenant;
  x.id = id;
  auto version = r.u8();
  x.webhook_id = r.str16();
  auto kind = r.u8();
  x.kind = static_cast<job_kind>(kind);
  x.since_ms = r.i64();
  x.until_ms = r.i64();
  auto n = r.u16();
  for (uint16_t i = 0; i < n && r.ok(); ++i)
    x.types.emplace_back(r.str16());
  x.only_failed = r.u8() != 0;
  x.from_seq = r.u64();
  x.to_seq = r.u64();
  auto state = r.u8();
  x.state = static_cast<job_state>(state);
  x.next_seq = r.u64();
  x.queued = r.u64();
  x.delivered = r.u64();
  x.failed = r.u64();
  x.skipped = r.u64();
  x.created_by = r.str16();
  x.cancel_reason = r.str16();
  x.created_at_ms = r.i64();
  x.updated_at_ms = r.i64();
  x.finished_at_ms = r.i64();
  if (version != v1 || kind > static_cast<uint8_t>(job_kind::resend) ||
      state > static_cast<uint8_t>(job_state::cancelled) || !finished(r))
    return corrupt("job");
  return x;
}

std::string encode(const source& x, const secret_box& box) {
  std::string out;
  byte_writer w{out};
  w.u8(v1);
  w.str16(x.tenant);
  w.str16(x.name);
  w.u8(static_cast<uint8_t>(x.provider));
  w.str16(box.seal(x.secret, x.id));
  w.str16(x.signing_secret.empty() ? std::string{} : box.seal(x.signing_secret, x.id));
  w.str16(x.repository);
  for (const auto* patterns : {&x.branches, &x.tags}) {
    w.u16(static_cast<uint16_t>(patterns->size()));
    for (const auto& p : *patterns)
      w.str16(p);
  }
  put_labels(w, x.labels);
  w.i64(x.created_at_ms);
  w.i64(x.updated_at_ms);
  return out;
}

expected<source> decode_source(std::string_view id, std::string_view bytes, const secret_box* box) {
  byte_reader r{bytes};
  source x;
  x.id = id;
  auto version = r.u8();
  x.tenant = r.str16();
  x.name = r.str16();
  auto provider = r.u8();
  x.provider = static_cast<git_provider>(provider);
  bool sealed_ok = true;
  x.secret = open_sealed(box, r.str16(), x.id, sealed_ok);
  x.signing_secret = open_sealed(box, r.str16(), x.id, sealed_ok);
  x.repository = r.str16();
  for (auto* patterns : {&x.branches, &x.tags}) {
    patterns->clear();
    auto n = r.u16();
    for (uint16_t i = 0; i < n && r.ok(); ++i)
      patterns->emplace_back(r.str16());
  }
  x.labels = get_labels(r);
  x.created_at_ms = r.i64();
  x.updated_at_ms = r.i64();
  if (version != v1 || provider > static_cast<uint8_t>(git_provider::bitbucket) || !finished(r))
    return corrupt("source");
  if (!sealed_ok)
    return make_error_info(ec::storage_corruption,
                           "the secret of source " + x.id + " does not open with the master key");
  return x;
}

std::string encode(const attempt_record& x) {
  std::string out;
  byte_writer w{out};
  w.u8(v2);
  w.u64(x.event_seq);
  w.str16(x.event_id);
  w.str16(x.message_id);
  w.u32(x.attempt);
  w.i64(x.at_ms);
  w.i64(x.duration_us);
  w.u16(static_cast<uint16_t>(x.status.value_or(0)));
  w.u8(static_cast<uint8_t>(x.error));
  w.u8(static_cast<uint8_t>(x.result));
  w.i64(x.next_at_ms);
  w.str16(std::string_view{x.response}.substr(0, attempt_excerpt_bytes));
  w.u8(x.test ? 1 : 0);
  w.str16(std::string_view{x.note}.substr(0, attempt_note_bytes));
  return out;
}

expected<attempt_record> decode_attempt_record(std::string_view webhook_id, uint64_t number,
                                               std::string_view bytes) {
  byte_reader r{bytes};
  attempt_record x;
  x.webhook_id = webhook_id;
  x.number = number;
  auto version = r.u8();
  x.event_seq = r.u64();
  x.event_id = r.str16();
  x.message_id = r.str16();
  x.attempt = r.u32();
  x.at_ms = r.i64();
  x.duration_us = r.i64();
  if (auto status = r.u16(); status != 0)
    x.status = status;
  auto error = r.u8();
  auto result = r.u8();
  x.next_at_ms = r.i64();
  x.response = r.str16();
  x.test = r.u8() != 0;
  if (version >= v2)
    x.note = r.str16(); // v2 adds the template's note.
  if (version < v1 || version > v2 || !finished(r) ||
      error > static_cast<uint8_t>(transport_error::render_failed) ||
      result > static_cast<uint8_t>(attempt_result::failed))
    return corrupt("attempt");
  x.error = static_cast<transport_error>(error);
  x.result = static_cast<attempt_result>(result);
  return x;
}

std::string encode(const delivery_outcome_record& x) {
  std::string out;
  byte_writer w{out};
  w.u8(v1);
  w.u8(static_cast<uint8_t>(x.state));
  w.u32(x.attempts);
  w.i64(x.at_ms);
  return out;
}

expected<delivery_outcome_record> decode_delivery_outcome(std::string_view webhook_id, uint64_t seq,
                                                          std::string_view bytes) {
  byte_reader r{bytes};
  delivery_outcome_record x;
  x.webhook_id = webhook_id;
  x.event_seq = seq;
  auto version = r.u8();
  auto state = r.u8();
  x.attempts = r.u32();
  x.at_ms = r.i64();
  if (version != v1 || !finished(r) || state > static_cast<uint8_t>(delivery_state::dropped))
    return corrupt("delivery outcome");
  x.state = static_cast<delivery_state>(state);
  return x;
}

std::string encode(const delivery_snapshot& x) {
  std::string out;
  byte_writer w{out};
  w.u8(v1);
  w.u64(x.cursor);
  w.u64(x.next_record);
  w.u8(x.circuit_open ? 1 : 0);
  w.u32(x.consecutive_failures);
  w.u32(x.probes);
  w.i64(x.failing_since_ms);
  w.u8(x.awaiting_recovery ? 1 : 0);
  w.u64(x.counters.delivered);
  w.u64(x.counters.failed);
  w.u64(x.counters.dropped);
  w.u64(x.counters.attempts);
  w.u64(x.counters.retries);
  w.i64(x.at_ms);
  w.u32(static_cast<uint32_t>(x.pending.size()));
  for (const auto& p : x.pending) {
    w.u64(p.seq);
    w.u32(p.attempts);
    w.i64(p.due_ms);
  }
  return out;
}

expected<delivery_snapshot> decode_delivery_snapshot(std::string_view bytes) {
  byte_reader r{bytes};
  delivery_snapshot x;
  auto version = r.u8();
  x.cursor = r.u64();
  x.next_record = r.u64();
  x.circuit_open = r.u8() != 0;
  x.consecutive_failures = r.u32();
  x.probes = r.u32();
  x.failing_since_ms = r.i64();
  x.awaiting_recovery = r.u8() != 0;
  x.counters.delivered = r.u64();
  x.counters.failed = r.u64();
  x.counters.dropped = r.u64();
  x.counters.attempts = r.u64();
  x.counters.retries = r.u64();
  x.at_ms = r.i64();
  auto n = r.u32();
  // Each entry takes 20 bytes: a count the bytes cannot hold is corruption, not an allocation.
  if (n > bytes.size() / 20)
    return corrupt("snapshot");
  x.pending.reserve(n);
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    pending_entry p;
    p.seq = r.u64();
    p.attempts = r.u32();
    p.due_ms = r.i64();
    x.pending.push_back(p);
  }
  if (version != v1 || !finished(r))
    return corrupt("snapshot");
  return x;
}

std::string events_counter_key(std::string_view tenant) {
  std::string k{"events"};
  k.push_back('\0');
  k.append(tenant);
  return k;
}

std::string exhausted_counter_prefix(std::string_view tenant) {
  std::string k{"exhausted"};
  k.push_back('\0');
  if (!tenant.empty()) {
    k.append(tenant);
    k.push_back('\0');
  }
  return k;
}

uint64_t counter_hour(int64_t ms) noexcept {
  return static_cast<uint64_t>(std::max<int64_t>(0, ms)) / 3'600'000;
}

std::optional<counter_key_parts> parse_counter_key(std::string_view key) {
  auto nul = key.find('\0');
  if (nul == std::string_view::npos)
    return std::nullopt;
  auto kind = key.substr(0, nul);
  auto rest = key.substr(nul + 1);
  if (kind == "events")
    return counter_key_parts{rest, std::nullopt};
  // exhausted NUL tenant NUL hour (8 bytes)
  if (kind != "exhausted" || rest.size() < 9 || rest[rest.size() - 9] != '\0')
    return std::nullopt;
  return counter_key_parts{rest.substr(0, rest.size() - 9),
                           parse_seq_key(rest.substr(rest.size() - 8))};
}

std::string exhausted_counter_key(std::string_view tenant, uint64_t hour) {
  return exhausted_counter_prefix(tenant) + seq_key(hour);
}

std::string encode_counter(uint64_t n) {
  return seq_key(n);
}

uint64_t decode_counter(std::string_view bytes) noexcept {
  return parse_seq_key(bytes).value_or(0);
}

std::string watch_key(uint64_t seq) {
  std::string out{watch_key_prefix};
  byte_writer w{out};
  w.u64(seq);
  return out;
}

std::optional<uint64_t> parse_watch_key(std::string_view key) {
  if (!key.starts_with(watch_key_prefix) || key.size() != watch_key_prefix.size() + 8)
    return std::nullopt;
  byte_reader r{key.substr(watch_key_prefix.size())};
  return r.u64();
}

} // namespace hookd::storage
