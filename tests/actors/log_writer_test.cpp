#include "actors/log_writer.hpp"
#include "actors/type_ids.hpp"
#include "storage/config_reader.hpp"
#include "storage/delivery_reader.hpp"
#include "storage/log_reader.hpp"
#include "tests/support/deterministic_system.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_db.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>
#include <catch2/catch.hpp>

using namespace hookd;

namespace {

// A writer on CAF's deterministic test coordinator: nothing runs until the test says so.
struct writer_fixture : test::deterministic_system {
  test::temp_dir dir;
  std::unique_ptr<storage::database> db;
  manual_clock time{1'000'000};
  log_writer_actor writer;

  writer_fixture() {
    db = std::move(*storage::database::open(dir.path(), test::test_db_options()));
    log_writer_config wcfg;
    wcfg.store = std::move(*storage::log_store::open(*db));
    wcfg.time = &time;
    wcfg.max_commit_events = 1000;
    writer = sys->spawn(log_writer, std::move(wcfg));
    sched->run();
  }

  ~writer_fixture() {
    caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
    sched->run();
  }

  static append_request_ptr request(std::vector<std::string> types, std::string tenant = "t1",
                                    std::optional<std::string> key = std::nullopt,
                                    std::string client_id = {}) {
    auto req = std::make_shared<append_request>();
    req->tenant = std::move(tenant);
    req->idempotency_key = std::move(key);
    req->body.batch = types.size() > 1;
    sha256_hasher whole;
    int i = 0;
    for (auto& t : types) {
      event_draft d;
      d.type = t;
      d.data = "{}";
      d.client_id = !client_id.empty();
      d.id = d.client_id ? client_id : "evt_" + t + std::to_string(i++);
      compute_fingerprint(d);
      whole.update(d.fingerprint);
      req->body.events.push_back(std::move(d));
    }
    req->body.fingerprint = whole.finish();
    return req;
  }

  /// What a client saw: each answer, and whether its events were already readable when it
  /// arrived (they must be: answers come after the fsync).
  struct observed {
    std::vector<append_outcome_ptr> outcomes;
    std::vector<caf::error> errors;
    bool all_durable_on_answer = true;
  };

  std::shared_ptr<observed> send_all(std::vector<append_request_ptr> reqs) {
    auto obs = std::make_shared<observed>();
    auto* database = db.get();
    // Function-based actors always get an argument: CAF 0.17.6 dereferences a null tuple
    // pointer for argument-less ones (UBSan reports it).
    sys->spawn(
        [=](caf::event_based_actor* self, log_writer_actor w) {
          for (auto& r : reqs)
            self->request(w, caf::infinite, atom::append_v, r)
                .then(
                    [=](append_outcome_ptr& o) {
                      storage::log_reader reader{*database};
                      for (const auto& e : o->events)
                        if (!*reader.get(e.seq))
                          obs->all_durable_on_answer = false;
                      obs->outcomes.push_back(o);
                    },
                    [=](caf::error& err) { obs->errors.push_back(err); });
        },
        writer);
    return obs;
  }

  writer_status status() {
    auto out = std::make_shared<writer_status>();
    sys->spawn(
        [=](caf::event_based_actor* self, log_writer_actor w) {
          self->request(w, caf::infinite, atom::status_v).then([=](writer_status_ptr& s) {
            *out = *s;
          });
        },
        writer);
    sched->run();
    return *out;
  }

  std::vector<event> log() { return test::read_log(*db); }
};

} // namespace

TEST_CASE_METHOD(writer_fixture, "log_writer: appends queued together share one commit",
                 "[actors][log_writer]") {
  std::vector<append_request_ptr> reqs;
  for (int i = 0; i < 10; ++i)
    reqs.push_back(request({"a.b", "a.c"}));
  auto obs = send_all(reqs);
  sched->run();
  REQUIRE(obs->outcomes.size() == 10);
  CHECK(obs->all_durable_on_answer);
  CHECK(status().commits == 1);
  std::vector<uint64_t> seqs;
  for (auto& o : obs->outcomes)
    for (auto& e : o->events)
      seqs.push_back(e.seq);
  std::sort(seqs.begin(), seqs.end());
  CHECK(seqs.front() == 1);
  CHECK(seqs.back() == 20);
  CHECK(std::adjacent_find(seqs.begin(), seqs.end()) == seqs.end());
  CHECK(log().size() == 20);
}

TEST_CASE_METHOD(writer_fixture, "log_writer: nothing is answered before its commit",
                 "[actors][log_writer]") {
  auto obs = send_all({request({"a.b"}), request({"a.c"})});
  // Run the client and the writer's two appends, but not the queued flush.
  sched->run_once(); // client sends both requests
  sched->run_once(); // writer: first append (stages, queues a flush)
  if (sched->has_job())
    sched->run_once(); // writer: second append
  CHECK(obs->outcomes.empty());
  CHECK(log().empty());
  sched->run();
  CHECK(obs->outcomes.size() == 2);
  CHECK(log().size() == 2);
}

TEST_CASE_METHOD(
    writer_fixture,
    "log_writer: appends sent with a callback share the commit and are answered after it",
    "[actors][log_writer]") {
  // As the HTTP API sends them: no requester, the callback runs on the writer's thread.
  auto obs = std::make_shared<observed>();
  auto* database = db.get();
  auto callback = std::make_shared<std::function<void(caf::expected<append_outcome_ptr>)>>(
      [=](caf::expected<append_outcome_ptr> o) {
        if (!o) {
          obs->errors.push_back(o.error());
          return;
        }
        storage::log_reader reader{*database};
        for (const auto& e : (*o)->events)
          if (!*reader.get(e.seq))
            obs->all_durable_on_answer = false;
        obs->outcomes.push_back(*o);
      });
  for (int i = 0; i < 5; ++i)
    caf::anon_send(writer, atom::append_v, request({"a.b"}), callback);
  // The mismatched repeat of an idempotency key is answered through the callback too.
  caf::anon_send(writer, atom::append_v, request({"a.b"}, "t1", "key-1"), callback);
  sched->run();
  caf::anon_send(writer, atom::append_v, request({"a.c"}, "t1", "key-1"), callback);
  sched->run_once(); // the append: staged, nothing answered before the commit
  CHECK(obs->outcomes.size() == 6);
  sched->run();
  REQUIRE(obs->outcomes.size() == 7);
  CHECK(obs->errors.empty());
  CHECK(obs->all_durable_on_answer);
  CHECK(status().commits == 1); // The conflicting repeat stages nothing to commit.
  CHECK(obs->outcomes.back()->result == append_outcome::status::idempotency_conflict);
  CHECK(log().size() == 6);
}

TEST_CASE_METHOD(writer_fixture, "log_writer: one idempotency key in a burst stores one event",
                 "[actors][log_writer][idempotency]") {
  std::vector<append_request_ptr> reqs;
  for (int i = 0; i < 50; ++i)
    reqs.push_back(request({"a.b"}, "t1", "same-key"));
  auto obs = send_all(reqs);
  sched->run();
  REQUIRE(obs->outcomes.size() == 50);
  int created = 0;
  for (auto& o : obs->outcomes) {
    CHECK(o->events.front().seq == 1);
    created += o->result == append_outcome::status::created;
  }
  CHECK(created == 1);
  CHECK(log().size() == 1);
  // Within 24 h a repeat is a replay; a different body is a conflict.
  time.set(time.now_ms() + 23 * 3600 * 1000);
  auto again = send_all({request({"a.b"}, "t1", "same-key"), request({"x.y"}, "t1", "same-key")});
  sched->run();
  REQUIRE(again->outcomes.size() == 2);
  CHECK(again->outcomes[0]->result == append_outcome::status::replayed);
  CHECK(again->outcomes[1]->result == append_outcome::status::idempotency_conflict);
  // The same key in another tenant is another key.
  auto other = send_all({request({"a.b"}, "t2", "same-key")});
  sched->run();
  CHECK(other->outcomes[0]->result == append_outcome::status::created);
  // After 24 h the key is forgotten.
  time.set(time.now_ms() + 2 * 3600 * 1000);
  auto later = send_all({request({"a.b"}, "t1", "same-key")});
  sched->run();
  CHECK(later->outcomes[0]->result == append_outcome::status::created);
  CHECK(log().size() == 3);
}

TEST_CASE_METHOD(writer_fixture, "log_writer: a repeated client id replays or conflicts",
                 "[actors][log_writer][idempotency]") {
  auto first = send_all({request({"a.b"}, "t1", std::nullopt, "ext-1")});
  sched->run();
  REQUIRE(first->outcomes[0]->result == append_outcome::status::created);
  auto again = send_all({request({"a.b"}, "t1", std::nullopt, "ext-1"),
                         request({"a.c"}, "t1", std::nullopt, "ext-1")});
  sched->run();
  CHECK(again->outcomes[0]->result == append_outcome::status::replayed);
  CHECK(again->outcomes[0]->events[0].seq == 1);
  CHECK(again->outcomes[1]->result == append_outcome::status::id_conflict);
  CHECK(again->outcomes[1]->conflicts == std::vector<std::size_t>{0});
  CHECK(log().size() == 1);
}

TEST_CASE_METHOD(writer_fixture, "log_writer: subscribers receive each committed batch",
                 "[actors][log_writer]") {
  auto batches = std::make_shared<std::vector<committed_batch_ptr>>();
  auto sub = sys->spawn(
      [](batch_subscriber_actor::pointer, std::shared_ptr<std::vector<committed_batch_ptr>> out)
          -> batch_subscriber_actor::behavior_type {
        return {[out](atom::committed, committed_batch_ptr& b) { out->push_back(b); }};
      },
      batches);
  caf::anon_send(writer, atom::subscribe_v, sub);
  sched->run();
  send_all({request({"a.b", "a.c"}), request({"d.e"})});
  sched->run();
  REQUIRE(batches->size() == 1);
  REQUIRE((*batches)[0]->events.size() == 3);
  CHECK((*batches)[0]->events[0].seq == 1);
  CHECK((*batches)[0]->events[2].type == "d.e");
  CHECK((*batches)[0]->events[1].prev_hash == (*batches)[0]->events[0].hash);
}

TEST_CASE_METHOD(writer_fixture, "log_writer: shutdown commits and answers what is staged",
                 "[actors][log_writer]") {
  auto obs = send_all({request({"a.b"}), request({"a.c"})});
  sched->run_once(); // the client sends
  caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
  sched->run();
  CHECK(obs->outcomes.size() == 2);
  CHECK(obs->all_durable_on_answer);
  CHECK(log().size() == 2);
}

TEST_CASE_METHOD(writer_fixture, "log_writer: configuration changes are atomic with their audit",
                 "[actors][log_writer][config]") {
  auto outcomes = std::make_shared<std::vector<config_outcome_ptr>>();
  auto change = [&](config_change c) {
    auto ptr = std::make_shared<config_change>(std::move(c));
    sys->spawn(
        [=](caf::event_based_actor* self, log_writer_actor w) {
          self->request(w, caf::infinite, atom::configure_v, config_change_ptr{ptr})
              .then([=](config_outcome_ptr& o) { outcomes->push_back(o); });
        },
        writer);
    sched->run();
    return outcomes->back();
  };
  audit_entry audit{0, 5, "admin", "acme", "tenant.created", "acme", "{}"};
  auto t1 = change({config_change::create_tenant{tenant{"acme", "Acme", 5}}, audit});
  CHECK_FALSE(t1->error);
  CHECK(t1->audit_seq == 1);
  auto t2 = change({config_change::create_tenant{tenant{"acme", "Again", 6}}, audit});
  CHECK(t2->error.code == ec::conflict);
  api_key k;
  k.id = "key_1";
  k.tenant = "nobody";
  auto k1 = change({config_change::create_api_key{k}, audit});
  CHECK(k1->error.code == ec::not_found);
  k.tenant = "acme";
  auto k2 = change({config_change::create_api_key{k}, audit});
  CHECK_FALSE(k2->error);
  auto r1 = change({config_change::revoke_api_key{"key_1", std::string{"other"}, 9}, audit});
  CHECK(r1->error.code == ec::not_found); // Another tenant's key is invisible.
  auto r2 = change({config_change::revoke_api_key{"key_1", std::string{"acme"}, 9}, audit});
  REQUIRE(r2->key);
  CHECK(r2->key->revoked_at_ms == 9);
  CHECK(r2->audit_seq == 3);
  storage::config_reader reader{*db};
  auto entries = reader.list_audit(INT64_MIN, INT64_MAX, 0, 100);
  REQUIRE(entries);
  CHECK(entries->size() == 3); // Failed changes leave no audit entry.
  CHECK((*reader.get_api_key("key_1"))->revoked_at_ms == 9);
}

TEST_CASE_METHOD(writer_fixture,
                 "log_writer: delivery state waits at most its interval for the fsync, events none",
                 "[actors][writer]") {
  test::temp_dir dir2;
  auto db2 = std::move(*storage::database::open(dir2.path(), test::test_db_options()));
  log_writer_config wcfg;
  wcfg.store = std::move(*storage::log_store::open(*db2));
  auto* store = wcfg.store.get();
  wcfg.time = &time;
  wcfg.max_commit_events = 1000;
  wcfg.delivery_sync_interval = std::chrono::milliseconds{50};
  auto deferring = sys->spawn(log_writer, std::move(wcfg));
  sched->run();
  // A webhook actor's report of attempt `number`, with these events beside it.
  auto record = [](uint64_t number, std::vector<event_draft> notices = {}) {
    auto log = std::make_shared<delivery_log>();
    log->notices = std::move(notices);
    log->tenant = "t1";
    log->webhook_id = "wh_1";
    attempt_record a;
    a.webhook_id = "wh_1";
    a.number = number;
    a.event_seq = number;
    a.result = attempt_result::succeeded;
    log->attempts.push_back(a);
    return delivery_log_ptr{std::move(log)};
  };
  auto attempts_stored = [&] {
    std::size_t n = 0;
    storage::delivery_reader{*db2}.scan_attempts("wh_1", 0, [&](const attempt_record&) {
      ++n;
      return true;
    });
    return n;
  };

  // Attempt records alone: committed (readable) at once, fsynced once the interval ends.
  caf::anon_send(deferring, atom::record_v, record(1));
  sched->run();
  CHECK(attempts_stored() == 1);
  CHECK(store->wal_unsynced());
  sched->advance_time(std::chrono::milliseconds{49});
  sched->run();
  CHECK(store->wal_unsynced());
  sched->advance_time(std::chrono::milliseconds{1});
  sched->run();
  CHECK_FALSE(store->wal_unsynced());

  // A commit that holds an event (here a notice beside the records) is synced, and with it
  // every write before it: nothing waits for the interval.
  caf::anon_send(deferring, atom::record_v, record(2));
  sched->run();
  CHECK(store->wal_unsynced());
  event_draft notice;
  notice.type = "webhook.recovered";
  notice.data = "{}";
  notice.id = "evt_notice";
  compute_fingerprint(notice);
  caf::anon_send(deferring, atom::record_v, record(3, {std::move(notice)}));
  sched->run();
  CHECK_FALSE(store->wal_unsynced());
  CHECK(attempts_stored() == 3);

  // Shutting down syncs what waits.
  caf::anon_send(deferring, atom::record_v, record(4));
  sched->run();
  CHECK(store->wal_unsynced());
  caf::anon_send_exit(deferring, caf::exit_reason::user_shutdown);
  sched->run();
  CHECK(attempts_stored() == 4);
}
