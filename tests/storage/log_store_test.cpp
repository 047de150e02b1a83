#include "domain/ingest_request.hpp"
#include "storage/byte_codec.hpp"
#include "storage/config_reader.hpp"
#include "storage/delivery_reader.hpp"
#include "storage/event_record.hpp"
#include "storage/log_reader.hpp"
#include "storage/log_store.hpp"
#include "storage/records.hpp"
#include "storage/retention.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_db.hpp"

#include <catch2/catch.hpp>
#include <rocksdb/db.h>

using namespace hookd;
using namespace hookd::storage;

namespace {

event_draft draft(std::string type, std::string data, std::string id = {}) {
  event_draft d;
  d.client_id = !id.empty();
  d.id = id.empty() ? "evt_" + type + data : id;
  d.type = std::move(type);
  d.data = std::move(data);
  d.labels = {{"application_id", "app_1"}};
  compute_fingerprint(d);
  return d;
}

std::unique_ptr<database> open_db(const std::filesystem::path& p) {
  auto db = database::open(p, test::test_db_options());
  REQUIRE(db);
  return std::move(*db);
}

// Appends `n` events in one commit and returns their seqs.
std::vector<uint64_t> append(log_store& store, std::size_t n, int64_t now = 1000,
                             const std::string& tenant = "t1") {
  std::vector<uint64_t> seqs;
  for (std::size_t i = 0; i < n; ++i)
    seqs.push_back(
        store.stage_event(tenant, draft("a.b", R"({"i":)" + std::to_string(i) + "}"), now));
  auto committed = store.commit();
  REQUIRE(committed);
  REQUIRE(committed->size() == n);
  return seqs;
}

void overwrite_event(database& db, uint64_t seq, const std::string& bytes) {
  auto st = db.db()->Put(rocksdb::WriteOptions{}, db.handle(column::events), seq_key(seq), bytes);
  REQUIRE(st.ok());
}

std::string read_raw(database& db, uint64_t seq) {
  std::string value;
  REQUIRE(db.db()->Get({}, db.handle(column::events), seq_key(seq), &value).ok());
  return value;
}

} // namespace

TEST_CASE("log: sequence numbers start at 1, are contiguous, and survive a reopen",
          "[storage][log]") {
  test::temp_dir dir;
  {
    auto db = open_db(dir.path());
    auto store = log_store::open(*db);
    REQUIRE(store);
    CHECK((*store)->head().seq == 0);
    CHECK(append(**store, 3) == std::vector<uint64_t>{1, 2, 3});
    CHECK(append(**store, 2) == std::vector<uint64_t>{4, 5});
  }
  auto db = open_db(dir.path());
  auto store = log_store::open(*db);
  REQUIRE(store);
  CHECK((*store)->head().seq == 5);
  CHECK(append(**store, 1) == std::vector<uint64_t>{6});
  log_reader reader{*db};
  std::vector<uint64_t> seen;
  REQUIRE(reader.scan(1, UINT64_MAX, [&](const event& e) {
    seen.push_back(e.seq);
    return true;
  }));
  CHECK(seen == std::vector<uint64_t>{1, 2, 3, 4, 5, 6});
  auto e = reader.get(2);
  REQUIRE(e);
  REQUIRE(*e);
  CHECK((*e)->data == R"({"i":1})");
  CHECK((*e)->tenant == "t1");
  CHECK((*e)->labels == std::vector<label>{{"application_id", "app_1"}});
}

TEST_CASE("log: payload bytes and header fields round-trip exactly", "[storage][log]") {
  test::temp_dir dir;
  auto db = open_db(dir.path());
  auto store = std::move(*log_store::open(*db));
  auto d = draft("deployment.failed", "{ \"x\" :\t[1,2],\n\"\\u00e9\":\"\xC3\xA9\" }", "ext-1");
  d.occurred_at_ms = -5;
  store->stage_event("tenant-z", std::move(d), 77);
  REQUIRE(store->commit());
  log_reader reader{*db};
  auto e = reader.find("tenant-z", "ext-1");
  REQUIRE(e);
  REQUIRE(*e);
  CHECK((*e)->data == "{ \"x\" :\t[1,2],\n\"\\u00e9\":\"\xC3\xA9\" }");
  CHECK((*e)->occurred_at_ms == -5);
  CHECK((*e)->received_at_ms == 77);
  CHECK((*e)->type == "deployment.failed");
  auto other = reader.find("tenant-y", "ext-1");
  REQUIRE(other);
  CHECK_FALSE(*other); // Ids are per tenant.
}

TEST_CASE("log: received_at never decreases, and time maps to sequence numbers", "[storage][log]") {
  test::temp_dir dir;
  auto db = open_db(dir.path());
  auto store = std::move(*log_store::open(*db));
  append(*store, 2, 1000); // seq 1-2 at 1000
  append(*store, 2, 900);  // clock stepped back: seq 3-4 stay at 1000
  append(*store, 2, 2000); // seq 5-6 at 2000
  log_reader reader{*db};
  auto e3 = reader.get(3);
  CHECK((*e3)->received_at_ms == 1000);
  CHECK(*reader.first_seq_at_or_after(0) == 1);
  CHECK(*reader.first_seq_at_or_after(1000) == 1);
  CHECK(*reader.first_seq_at_or_after(1001) == 5);
  CHECK(*reader.first_seq_at_or_after(2000) == 5);
  CHECK(*reader.first_seq_at_or_after(2001) == 7); // Past the end: head + 1.
}

TEST_CASE("log: the hash chain links every record and verifies", "[storage][chain]") {
  test::temp_dir dir;
  auto db = open_db(dir.path());
  auto store = std::move(*log_store::open(*db));
  append(*store, 10);
  log_reader reader{*db};
  auto e1 = *reader.get(1);
  auto e2 = *reader.get(2);
  CHECK(e1->prev_hash == sha256_digest{});
  CHECK(e2->prev_hash == e1->hash);
  CHECK(store->head().hash == (*reader.get(10))->hash);
  auto v = reader.verify_chain();
  REQUIRE(v);
  CHECK(v->intact);
  CHECK(v->checked == 10);
  CHECK(v->last.seq == 10);
  // A range verified from an anchor.
  auto partial = reader.verify_chain(5, 8, e1->hash);
  REQUIRE(partial);
  CHECK_FALSE(partial->intact); // seq 5 does not link to seq 1's hash.
  CHECK(partial->first_bad_seq == 5);
  auto anchored = reader.verify_chain(5, 8, (*reader.get(4))->hash);
  CHECK(anchored->intact);
  CHECK(anchored->checked == 4);
}

TEST_CASE("log: a tampered payload byte is detected at its sequence number", "[storage][chain]") {
  test::temp_dir dir;
  auto db = open_db(dir.path());
  auto store = std::move(*log_store::open(*db));
  append(*store, 6);
  auto bytes = read_raw(*db, 4);
  auto pos = bytes.find(R"("i":3)");
  REQUIRE(pos != std::string::npos);
  bytes[pos + 4] = '9'; // {"i":3} -> {"i":9}, same length, hash left as it was.
  overwrite_event(*db, 4, bytes);
  auto v = log_reader{*db}.verify_chain();
  REQUIRE(v);
  CHECK_FALSE(v->intact);
  CHECK(v->first_bad_seq == 4);
  CHECK(v->reason.find("hash") != std::string::npos);
  CHECK(v->checked == 3);
}

TEST_CASE("log: a re-hashed forgery breaks the link to the next record", "[storage][chain]") {
  test::temp_dir dir;
  auto db = open_db(dir.path());
  auto store = std::move(*log_store::open(*db));
  append(*store, 5);
  // Forge record 3 consistently with its own hash: the chain breaks at 4.
  auto e3 = **log_reader{*db}.get(3);
  e3.data = R"({"forged":true})";
  overwrite_event(*db, 3, encode_event_record(e3));
  auto v = log_reader{*db}.verify_chain();
  REQUIRE(v);
  CHECK_FALSE(v->intact);
  CHECK(v->first_bad_seq == 4);
}

TEST_CASE("log: a deleted record and swapped records are detected", "[storage][chain]") {
  test::temp_dir dir;
  auto db = open_db(dir.path());
  auto store = std::move(*log_store::open(*db));
  append(*store, 6);
  SECTION("deleted") {
    REQUIRE(db->db()->Delete({}, db->handle(column::events), seq_key(3)).ok());
    auto v = log_reader{*db}.verify_chain();
    CHECK_FALSE(v->intact);
    CHECK(v->first_bad_seq == 3);
  }
  SECTION("swapped") {
    auto r2 = read_raw(*db, 2);
    auto r3 = read_raw(*db, 3);
    overwrite_event(*db, 2, r3);
    overwrite_event(*db, 3, r2);
    auto v = log_reader{*db}.verify_chain();
    CHECK_FALSE(v->intact);
    CHECK(v->first_bad_seq == 2);
  }
}

TEST_CASE("log: a failed or discarded batch leaves no gap", "[storage][log]") {
  test::temp_dir dir;
  auto db = open_db(dir.path());
  auto store = std::move(*log_store::open(*db));
  append(*store, 2);
  store->stage_event("t1", draft("x.y", "{}"), 1);
  store->stage_event("t1", draft("x.z", "{}"), 1);
  store->discard();
  CHECK(append(*store, 1) == std::vector<uint64_t>{3});
  CHECK(log_reader{*db}.verify_chain()->intact);
}

TEST_CASE("log: staged ids and idempotency keys are visible before the commit", "[storage][log]") {
  test::temp_dir dir;
  auto db = open_db(dir.path());
  auto store = std::move(*log_store::open(*db));
  auto d = draft("a.b", "{}", "client-1");
  auto fp = d.fingerprint;
  auto seq = store->stage_event("t1", std::move(d), 10);
  idempotency_record rec{10, fp, false, {{"client-1", seq}}};
  store->stage_idempotency("t1", "key-1", rec);
  CHECK((*store->find_event_id("t1", "client-1"))->seq == seq);
  CHECK((*store->find_idempotency("t1", "key-1", 11))->events.front().second == seq);
  REQUIRE(store->commit());
  CHECK((*store->find_event_id("t1", "client-1"))->fingerprint == fp);
  CHECK(*store->find_idempotency("t1", "key-1", 11));
  // Expired after 24 h, and swept.
  auto day = int64_t{24} * 3600 * 1000;
  CHECK_FALSE(*store->find_idempotency("t1", "key-1", 10 + day));
  CHECK(*store->sweep_idempotency(10 + day) == 1);
  CHECK_FALSE(*store->find_idempotency("t1", "key-1", 11));
}

TEST_CASE("webhooks: records round-trip, names follow renames and deletes", "[storage][webhooks]") {
  test::temp_dir dir;
  auto db = open_db(dir.path());
  auto store = std::move(*log_store::open(*db));
  webhook w;
  w.id = "wh_1";
  w.tenant = "t1";
  w.name = "first";
  w.url = "https://example.com/h";
  w.events = {"deployment.*", "build.failed"};
  w.label_filter = {{"application_id", "app_1"}};
  w.headers = {{"X-Env", "prod"}};
  w.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  w.retry = retry_policy::exponential(4, std::chrono::seconds{3}, std::chrono::seconds{40});
  w.ordering = delivery_ordering::fifo;
  w.max_in_flight = 1;
  w.rate_limit_per_second = 7;
  w.timeout_seconds = 42;
  w.created_at_ms = 5;
  w.updated_at_ms = 6;
  store->stage_webhook(w);
  REQUIRE(store->commit());
  auto back = decode_webhook(encode(w, *test::test_secret_box()), test::test_secret_box().get());
  REQUIRE(back);
  CHECK(back->retry == w.retry);
  CHECK(back->headers == w.headers);
  CHECK(back->label_filter == w.label_filter);
  CHECK(back->ordering == delivery_ordering::fifo);
  CHECK(back->timeout_seconds == 42);
  CHECK(back->rate_limit_per_second == 7);
  CHECK(*store->find_webhook_name("t1", "first") == std::optional<std::string>{"wh_1"});
  auto renamed = w;
  renamed.name = "second";
  store->stage_webhook(renamed, w.name);
  REQUIRE(store->commit());
  CHECK_FALSE(*store->find_webhook_name("t1", "first"));
  CHECK(*store->find_webhook_name("t1", "second") == std::optional<std::string>{"wh_1"});
  store->stage_delete_webhook(renamed);
  CHECK_FALSE(*store->find_webhook("t1", "wh_1")); // Staged deletion is visible.
  REQUIRE(store->commit());
  CHECK_FALSE(*store->find_webhook("t1", "wh_1"));
  CHECK_FALSE(*store->find_webhook_name("t1", "second"));
  CHECK_FALSE(decode_webhook("\x01garbage", test::test_secret_box().get()));
}

TEST_CASE("tenants: settings round-trip, staged ones are visible, v1 records still read",
          "[storage][tenants]") {
  test::temp_dir dir;
  auto db = open_db(dir.path());
  auto store = std::move(*log_store::open(*db));
  tenant t{"acme", "Acme", 5, 120};
  store->stage_tenant(t);
  auto staged = store->find_tenant("acme");
  REQUIRE(staged);
  REQUIRE(*staged);
  CHECK((*staged)->application_deliveries_per_minute == 120);
  REQUIRE(store->commit());
  auto back = store->find_tenant("acme");
  REQUIRE(back);
  REQUIRE(*back);
  CHECK((*back)->name == "Acme");
  CHECK((*back)->created_at_ms == 5);
  CHECK((*back)->application_deliveries_per_minute == 120);
  CHECK_FALSE(store->find_tenant("globex")->has_value());
  // A version 1 record (before the limit existed): created_at, name; the limit reads as off.
  std::string v1;
  byte_writer w{v1};
  w.u8(1);
  w.i64(7);
  w.str16("Old");
  auto old = decode_tenant("old", v1);
  REQUIRE(old);
  CHECK(old->name == "Old");
  CHECK(old->created_at_ms == 7);
  CHECK(old->application_deliveries_per_minute == 0);
  CHECK_FALSE(decode_tenant("bad", v1 + "x"));
  CHECK_FALSE(decode_tenant("bad", "\x03garbage"));
}

TEST_CASE("delivery state: records round-trip, and corrupt ones are refused",
          "[storage][delivery]") {
  attempt_record a;
  a.webhook_id = "wh_1";
  a.number = 7;
  a.event_seq = 42;
  a.event_id = "evt_42";
  a.message_id = "msg_x";
  a.attempt = 3;
  a.at_ms = 1'700'000'000'123;
  a.duration_us = 1500;
  a.status = 503;
  a.result = attempt_result::retrying;
  a.next_at_ms = 1'700'000'005'123;
  a.response = std::string(5000, 'r'); // Stored as its first 1 KiB.
  auto back = decode_attempt_record("wh_1", 7, encode(a));
  REQUIRE(back);
  CHECK(back->event_seq == 42);
  CHECK(back->status == 503);
  CHECK(back->result == attempt_result::retrying);
  CHECK(back->next_at_ms == a.next_at_ms);
  CHECK(back->response.size() == attempt_excerpt_bytes);
  a.status.reset();
  a.error = transport_error::timeout;
  back = decode_attempt_record("wh_1", 7, encode(a));
  REQUIRE(back);
  CHECK_FALSE(back->status);
  CHECK(back->error == transport_error::timeout);
  auto bad = encode(a);
  // Before the empty note (2), the test flag (1), the excerpt and its length, next_at: the result.
  bad[bad.size() - 2 - 1 - attempt_excerpt_bytes - 2 - 8 - 1] = 9; // an unknown result
  CHECK_FALSE(decode_attempt_record("wh_1", 7, bad));
  CHECK_FALSE(decode_attempt_record("wh_1", 7, encode(a).substr(0, 10)));

  delivery_snapshot s;
  s.cursor = 99;
  s.next_record = 12;
  s.pending = {{5, 2, 1000}, {9, 0, 2000}};
  s.circuit_open = true;
  s.consecutive_failures = 11;
  s.failing_since_ms = 77;
  s.awaiting_recovery = true;
  s.counters = {1, 2, 3, 4, 5};
  auto snap = decode_delivery_snapshot(encode(s));
  REQUIRE(snap);
  CHECK(snap->cursor == 99);
  CHECK(snap->pending.size() == 2);
  CHECK(snap->pending[1].seq == 9);
  CHECK(snap->pending[0].due_ms == 1000);
  CHECK(snap->circuit_open);
  CHECK(snap->awaiting_recovery);
  CHECK(snap->counters.retries == 5);
  // A pending count the bytes cannot hold is corruption, not a huge allocation.
  auto huge = encode(s);
  huge[huge.size() - 2 * 20 - 1] = '\x7f';
  CHECK_FALSE(decode_delivery_snapshot(huge));

  delivery_outcome_record o{"wh_1", 42, delivery_state::dropped, 2, 5};
  auto out = decode_delivery_outcome("wh_1", 42, encode(o));
  REQUIRE(out);
  CHECK(out->state == delivery_state::dropped);
  CHECK_FALSE(decode_delivery_outcome("wh_1", 42, "\x01\x09"));
}

TEST_CASE("delivery state: the backlog reader skips other types, labels and ended deliveries",
          "[storage][delivery]") {
  test::temp_dir dir;
  auto db = open_db(dir.path());
  auto store = std::move(*log_store::open(*db));
  for (int i = 0; i < 10; ++i) {
    auto d =
        draft(i % 2 == 0 ? "deployment.done" : "build.done", R"({"i":)" + std::to_string(i) + "}");
    if (i == 4)
      d.labels = {{"application_id", "app_2"}};
    store->stage_event("t1", std::move(d), 1000);
  }
  store->stage_event("t2", draft("deployment.done", "{}"), 1000);              // another tenant
  store->stage_outcome("t1", {"wh_1", 3, delivery_state::delivered, 1, 1000}); // seq 3 = i 2
  REQUIRE(store->commit());
  webhook w;
  w.id = "wh_1";
  w.tenant = "t1";
  w.events = {"deployment.*"};
  w.label_filter = {{"application_id", "app_1"}};
  delivery_reader reader{*db};
  auto page = reader.read_backlog(w, 1, 11, 100, 1000);
  REQUIRE(page);
  std::vector<uint64_t> seqs;
  for (const auto& e : page->events)
    seqs.push_back(e.seq);
  // Deployments are seqs 1, 3, 5, 7, 9; 3 ended, 5 has another application's label.
  CHECK(seqs == std::vector<uint64_t>{1, 7, 9});
  CHECK(page->next == 12);
  // Pages: at most two events, then on from where the scan stopped.
  page = reader.read_backlog(w, 1, 11, 2, 1000);
  REQUIRE(page);
  CHECK(page->events.size() <= 2);
  CHECK(page->next <= 8);
  auto rest = reader.read_backlog(w, page->next, 11, 100, 1000);
  REQUIRE(rest);
  CHECK(page->events.size() + rest->events.size() == 3);
  // A scan limit bounds one page, whatever matches.
  page = reader.read_backlog(w, 1, 11, 100, 3);
  REQUIRE(page);
  CHECK(page->next == 4);
}

TEST_CASE("counters: events per tenant and failures per hour are kept in the commits",
          "[storage][counters]") {
  test::temp_dir dir;
  constexpr int64_t hour = 3'600'000;
  constexpr int64_t now = 1000 * hour;
  {
    auto db = open_db(dir.path());
    auto store = std::move(*log_store::open(*db));
    for (int i = 0; i < 5; ++i)
      store->stage_event(i < 3 ? "t1" : "t2", draft("a.b", "{}"), now);
    store->stage_outcome("t1", {"wh_1", 1, delivery_state::failed, 1, now - 30 * hour});
    store->stage_outcome("t1", {"wh_1", 2, delivery_state::failed, 1, now - hour / 2});
    store->stage_outcome("t1", {"wh_1", 3, delivery_state::delivered, 1, now});
    store->stage_outcome("t2", {"wh_2", 4, delivery_state::failed, 2, now});
    REQUIRE(store->commit());
    // A failed commit adds nothing.
    store->stage_event("t1", draft("a.b", "{}"), now);
    store->discard();
    store->stage_event("t1", draft("a.b", "{}"), now);
    REQUIRE(store->commit());
  }
  // Reopened: the counts are what was committed.
  auto db = open_db(dir.path());
  auto store = std::move(*log_store::open(*db));
  delivery_reader reader{*db};
  CHECK(*reader.event_count("t1") == 4);
  CHECK(*reader.event_count("t2") == 2);
  CHECK(*reader.event_count("") == 6);
  CHECK(*reader.event_count("nobody") == 0);
  CHECK(*reader.exhausted_since("t1", now - 24 * hour) == 1);
  CHECK(*reader.exhausted_since("t1", now - 48 * hour) == 2);
  CHECK(*reader.exhausted_since("", now - 24 * hour) == 2);
  // The failed deliveries of a window, and reopening one.
  std::vector<uint64_t> failed;
  REQUIRE(reader.scan_failed("wh_1", 0, INT64_MAX, [&](uint64_t s) {
    failed.push_back(s);
    return true;
  }));
  CHECK(failed == std::vector<uint64_t>{1, 2});
  failed.clear();
  REQUIRE(reader.scan_failed("wh_1", now - hour, INT64_MAX, [&](uint64_t s) {
    failed.push_back(s);
    return true;
  }));
  CHECK(failed == std::vector<uint64_t>{2});
  auto events = reader.read_failed("wh_1", {3, 2, 1});
  REQUIRE(events);
  REQUIRE(events->size() == 2); // 3 was delivered
  CHECK((*events)[0].seq == 1);
  store->stage_reopen("wh_1", 2);
  REQUIRE(store->commit());
  CHECK_FALSE(*reader.outcome("wh_1", 2));
  CHECK(reader.read_failed("wh_1", {2})->empty());
  // The hourly sweep drops hours older than two days.
  CHECK(*store->sweep_counters(now + 20 * hour) == 1);
  CHECK(*reader.exhausted_since("t1", 0) == 1);
}

TEST_CASE("jobs: records round-trip, the queue holds only running jobs, corrupt ones are refused",
          "[storage][jobs]") {
  test::temp_dir dir;
  auto db = open_db(dir.path());
  auto store = std::move(*log_store::open(*db));
  replay_job j;
  j.id = "job_1";
  j.tenant = "t1";
  j.webhook_id = "wh_1";
  j.kind = job_kind::resend;
  j.since_ms = 1'700'000'000'000;
  j.until_ms = 1'700'000'100'000;
  j.types = {"deployment.*", "build.failed"};
  j.only_failed = true;
  j.from_seq = 10;
  j.to_seq = 90;
  j.next_seq = 42;
  j.queued = 30;
  j.delivered = 28;
  j.failed = 1;
  j.skipped = 2;
  j.created_by = "key_1";
  j.created_at_ms = 5;
  j.updated_at_ms = 6;
  auto back = decode_replay_job("t1", "job_1", encode(j));
  REQUIRE(back);
  CHECK(*back == j);
  auto bytes = encode(j);
  CHECK_FALSE(decode_replay_job("t1", "job_1", bytes.substr(0, bytes.size() - 1)));
  CHECK_FALSE(decode_replay_job("t1", "job_1", bytes + "x"));
  bytes[0] = 9; // an unknown version
  CHECK_FALSE(decode_replay_job("t1", "job_1", bytes));

  webhook w;
  w.id = "wh_1";
  w.tenant = "t1";
  auto second = j;
  second.id = "job_2";
  store->stage_job(j);
  store->stage_job(second);
  // Staged jobs are visible to the writer before the commit.
  REQUIRE(store->running_jobs(w)->size() == 2);
  REQUIRE(store->commit());
  config_reader reader{*db};
  CHECK(reader.running_jobs(w)->size() == 2);
  second.state = job_state::cancelled;
  second.cancel_reason = "cancelled through the API";
  store->stage_job(second);
  CHECK((*store->find_job("t1", "job_2"))->state == job_state::cancelled);
  REQUIRE(store->commit());
  auto running = reader.running_jobs(w);
  REQUIRE(running->size() == 1);
  CHECK(running->front().id == "job_1");
  CHECK((*reader.get_job("t1", "job_2"))->cancel_reason == "cancelled through the API");
  CHECK_FALSE(*reader.get_job("t2", "job_2")); // another tenant's
  CHECK(reader.list_jobs("t1", "", 10)->size() == 2);
  CHECK(reader.list_jobs("t1", "job_1", 10)->size() == 1);
}

TEST_CASE("retention: a pass deletes the oldest part up to what still needs a record",
          "[storage][retention]") {
  test::temp_dir dir;
  auto db = open_db(dir.path());
  auto store = std::move(*log_store::open(*db));
  tenant t1;
  t1.id = "t1";
  t1.name = "one";
  tenant keeper = t1;
  keeper.id = "keeper";
  keeper.retention_days = 30;
  store->stage_tenant(t1);
  store->stage_tenant(keeper);
  REQUIRE(store->commit());
  const int64_t day = 86'400'000;
  append(*store, 10, 1000);          // seq 1..10, day 0
  append(*store, 1, 1000, "keeper"); // seq 11: kept 30 days
  for (int i = 0; i < 5; ++i)        // seq 12..16, day 2 (ids of their own)
    store->stage_event("t1", draft("a.b", R"({"late":)" + std::to_string(i) + "}"), 2 * day);
  REQUIRE(store->commit());
  // A webhook whose cursor is at 8, with a delivery of 6 pending; an attempt on 3 and one on
  // 9; outcomes of 2 and 9.
  delivery_snapshot snap;
  snap.cursor = 8;
  snap.pending = {{6, 1, 0}};
  store->stage_snapshot("wh_1", snap);
  for (uint64_t seq : {3, 9}) {
    attempt_record a;
    a.webhook_id = "wh_1";
    a.number = seq;
    a.event_seq = seq;
    a.event_id = "x";
    store->stage_attempt(a);
    store->stage_outcome("t1", {"wh_1", seq - 1, delivery_state::delivered, 1, 0});
  }
  REQUIRE(store->commit());
  const int64_t node = day; // one day
  auto plan = [&](int64_t now) {
    auto p = plan_retention(*db, node, now, 1000);
    REQUIRE(p);
    return *p;
  };
  auto p = plan(3 * day);
  CHECK(p.oldest == 1);
  CHECK(p.cut == 6); // the pending delivery of 6
  CHECK(p.held_by == "a pending delivery of webhook wh_1");
  CHECK(p.anchor.seq == 5);
  CHECK(p.attempt_keys.size() == 1); // the attempt on 3
  CHECK(p.event_id_keys.size() == 5);
  CHECK(p.per_tenant.at("t1") == 5);
  // The delivery ended: now the cursor (8) holds it.
  snap.pending.clear();
  store->stage_snapshot("wh_1", snap);
  REQUIRE(store->commit());
  CHECK(plan(3 * day).cut == 9);
  CHECK(plan(3 * day).held_by == "the cursor of webhook wh_1");
  // The cursor past everything: the keeper's event (seq 11, 30 days) holds it.
  snap.cursor = 16;
  store->stage_snapshot("wh_1", snap);
  // A running job that still has to read seq 10.
  replay_job job;
  job.id = "job_1";
  job.tenant = "t1";
  job.webhook_id = "wh_1";
  job.next_seq = 10;
  store->stage_job(job);
  REQUIRE(store->commit());
  CHECK(plan(3 * day).cut == 10);
  CHECK(plan(3 * day).held_by == "job job_1");
  job.state = job_state::completed;
  store->stage_job(job);
  REQUIRE(store->commit());
  auto young = plan(3 * day);
  CHECK(young.cut == 11);
  CHECK(young.held_by == "event 11 of keeper (younger than its retention)");
  // The size limit: a pass stops there and says so.
  auto limited = plan_retention(*db, node, 3 * day, 4);
  REQUIRE(limited);
  CHECK(limited->cut == 5);
  CHECK(limited->more);

  // Applied: the chain verifies from the anchor; ids, attempts and outcomes below it are gone.
  auto head_before = store->head();
  auto gone_id = (**log_reader{*db}.get(1)).id;
  auto kept_id = (**log_reader{*db}.get(12)).id;
  store->stage_retention(young);
  REQUIRE(store->commit());
  log_reader log{*db};
  CHECK(*log.oldest_seq() == 11);
  auto anchor = retention_anchor(*db);
  REQUIRE(anchor);
  REQUIRE(*anchor);
  CHECK((*anchor)->seq == 10);
  auto v = log.verify_chain(11, UINT64_MAX, (*anchor)->hash);
  REQUIRE(v);
  CHECK(v->intact);
  CHECK(v->checked == 6);
  CHECK(store->head().seq == head_before.seq);
  auto refs = delivery_reader{*db}.check_references(11, head_before.seq);
  REQUIRE(refs);
  CHECK(refs->intact);
  CHECK(refs->attempts == 0); // the attempt on 9 went too
  CHECK(refs->outcomes == 0);
  CHECK(*log.find("t1", kept_id) != std::nullopt);
  CHECK(*log.find("t1", gone_id) == std::nullopt); // its id entry went too
  auto figures = read_log_figures(*db);
  REQUIRE(figures);
  CHECK(figures->oldest_seq == 11);
  CHECK(figures->anchor.seq == 10);
  // A second plan at the same time deletes nothing more.
  CHECK(plan(3 * day).events() == 0);
  // Much later, every record may go up to the webhook's cursor.
  CHECK(plan(40 * day).cut == 17);
}

TEST_CASE("delivery state: batches of it alone may skip the fsync, and are still stored",
          "[storage][delivery]") {
  test::temp_dir dir;
  attempt_record a;
  a.webhook_id = "wh_1";
  a.event_seq = 1;
  a.result = attempt_result::succeeded;
  delivery_snapshot snap;
  snap.cursor = 1;
  auto new_tenant = [](std::string id) {
    tenant t;
    t.id = std::move(id);
    return t;
  };
  {
    auto db = open_db(dir.path());
    auto store = std::move(*log_store::open(*db));

    // By default every commit is synced.
    a.number = 1;
    store->stage_attempt(a);
    REQUIRE(store->commit());
    CHECK_FALSE(store->wal_unsynced());

    store->defer_delivery_sync(true);
    // Attempts, a failed outcome (its counter too), a snapshot and a prune: no fsync.
    a.number = 2;
    store->stage_attempt(a);
    store->stage_outcome("t1", {"wh_1", 1, delivery_state::failed, 1, 5});
    store->stage_snapshot("wh_1", snap);
    store->stage_prune_attempts("wh_1", 2); // numbers below 2
    REQUIRE(store->commit());
    CHECK(store->wal_unsynced());
    REQUIRE(store->sync_wal());
    CHECK_FALSE(store->wal_unsynced());

    // Anything else in the batch makes it a synced commit.
    a.number = 3;
    store->stage_attempt(a);
    REQUIRE(store->commit());
    CHECK(store->wal_unsynced());
    a.number = 4;
    store->stage_attempt(a);
    store->stage_event("t1", draft("a.b", "{}"), 1000);
    REQUIRE(store->commit());
    CHECK_FALSE(store->wal_unsynced());
    store->stage_tenant(new_tenant("t2"));
    REQUIRE(store->commit());
    CHECK_FALSE(store->wal_unsynced());

    // A discarded batch of delivery state does not count towards the next one.
    store->stage_attempt(a);
    store->discard();
    store->stage_tenant(new_tenant("t3"));
    REQUIRE(store->commit());
    CHECK_FALSE(store->wal_unsynced());

    // The last write is left unsynced when the store and database close.
    a.number = 5;
    store->stage_attempt(a);
    REQUIRE(store->commit());
    CHECK(store->wal_unsynced());
  }
  auto db = open_db(dir.path());
  std::vector<uint64_t> numbers;
  REQUIRE(delivery_reader{*db}.scan_attempts("wh_1", 0, [&](const attempt_record& r) {
    numbers.push_back(r.number);
    return true;
  }));
  CHECK(numbers == std::vector<uint64_t>{2, 3, 4, 5}); // 1 was pruned
  auto stored = delivery_reader{*db}.snapshot("wh_1");
  REQUIRE(stored);
  REQUIRE(*stored);
  CHECK((*stored)->cursor == 1);
}

TEST_CASE("attempt logs written interleaved keep every record across prunes in the same memtable",
          "[storage][delivery]") {
  // A prune is a range deletion inside the same column as the records still being written,
  // often in the same memtable. Keep this test if memtable insert hints are tried again: in
  // RocksDB 7.8 a range deletion and the point keys of its series share one hint, and records
  // written after a prune went missing (facebook/rocksdb#5118; design note 47).
  test::temp_dir dir;
  const std::vector<std::string> hooks{"wh_a", "wh_b", "wh_c"};
  constexpr uint64_t rounds = 60;
  auto expected_numbers = [&](const std::string& id) {
    std::vector<uint64_t> out;
    for (uint64_t n = id == "wh_b" ? 40 : 1; n <= rounds; ++n)
      out.push_back(n);
    return out;
  };
  auto stored_numbers = [](database& db, const std::string& id) {
    std::vector<uint64_t> numbers;
    REQUIRE(delivery_reader{db}.scan_attempts(id, 0, [&](const attempt_record& r) {
      numbers.push_back(r.number);
      return true;
    }));
    return numbers;
  };
  {
    auto db = open_db(dir.path());
    auto store = std::move(*log_store::open(*db));
    for (uint64_t n = 1; n <= rounds; ++n) {
      for (const auto& id : hooks) {
        attempt_record a;
        a.webhook_id = id;
        a.number = n;
        a.event_seq = n;
        a.result = attempt_result::succeeded;
        store->stage_attempt(a);
      }
      // wh_b's log is pruned now and then, between its writes, as the log writer does.
      if (n % 20 == 0 && n < rounds)
        store->stage_prune_attempts("wh_b", n);
      REQUIRE(store->commit());
    }
    for (const auto& id : hooks)
      CHECK(stored_numbers(*db, id) == expected_numbers(id));
  }
  // The same after the WAL is replayed into a new memtable.
  auto db = open_db(dir.path());
  for (const auto& id : hooks)
    CHECK(stored_numbers(*db, id) == expected_numbers(id));
}
