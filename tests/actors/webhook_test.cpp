// The webhook actor on CAF's deterministic test coordinator, with a fake transport that
// records each attempt and lets the test answer it. Time moves only with advance_time.

#include "actors/log_writer.hpp"
#include "actors/router.hpp"
#include "actors/state_reader.hpp"
#include "actors/type_ids.hpp"
#include "actors/webhook.hpp"
#include "domain/delivery_message.hpp"
#include "domain/webhook_secret.hpp"
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
using namespace std::chrono_literals;

namespace {

/// Records every attempt; a test answers them in any order.
class fake_transport final : public delivery_transport {
 public:
  struct attempt {
    delivery_request req;
    delivery_callback done;
  };
  void send(delivery_request req, delivery_callback done) override {
    sent.push_back({std::move(req), std::move(done)});
  }
  void close_pool(const std::string& pool) override { closed.push_back(pool); }
  void stop() override {}

  std::vector<attempt> sent;
  std::vector<std::string> closed;
};

delivery_response answer(int status, std::optional<std::string> retry_after = {}) {
  delivery_response r;
  r.status = status;
  r.retry_after = std::move(retry_after);
  return r;
}

delivery_response failure(transport_error e) {
  delivery_response r;
  r.error = e;
  return r;
}

/// The webhook actor between a real log writer and state reader on a temporary database, all
/// on the deterministic coordinator. Events go through the writer; a forwarder stands in for
/// the router (it matches with the webhook's own filter). Nothing runs until the test says so.
struct webhook_fixture : test::deterministic_system {
  test::temp_dir dir;
  std::unique_ptr<storage::database> db;
  std::shared_ptr<fake_transport> transport_ptr = std::make_shared<fake_transport>();
  fake_transport& transport = *transport_ptr;
  manual_clock wall{1'700'000'000'000};
  log_writer_actor writer;
  delivery_reader_actor reader;
  batch_subscriber_actor forwarder;
  webhook_actor actor;
  webhook hook;
  int next_event = 1;
  delivery_tuning tuning;
  /// The tenants' per-application limits the actor is started with.
  std::shared_ptr<application_limiter> limits = std::make_shared<application_limiter>();
  /// The last committed batch, without keeping it alive.
  std::weak_ptr<const committed_batch> last_batch;

  explicit webhook_fixture(uint64_t keep_attempts = 100) {
    db = std::move(*storage::database::open(dir.path(), test::test_db_options()));
    log_writer_config wcfg;
    wcfg.store = std::move(*storage::log_store::open(*db));
    wcfg.time = &wall;
    wcfg.max_commit_events = 1000;
    wcfg.keep_attempts = keep_attempts;
    writer = sys->spawn(log_writer, std::move(wcfg));
    reader = sys->spawn(state_reader, db.get());
    forwarder = sys->spawn(forward_batches, this);
    caf::anon_send(writer, atom::subscribe_v, forwarder);
    sched->run();
  }

  ~webhook_fixture() {
    for (caf::actor a :
         {caf::actor_cast<caf::actor>(actor), caf::actor_cast<caf::actor>(writer),
          caf::actor_cast<caf::actor>(reader), caf::actor_cast<caf::actor>(forwarder)})
      if (a)
        caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched->run();
  }

  /// The router's part: every committed event the webhook matches goes to its actor.
  static batch_subscriber_actor::behavior_type forward_batches(batch_subscriber_actor::pointer,
                                                               webhook_fixture* f) {
    return {[f](atom::committed, committed_batch_ptr& batch) {
      f->last_batch = batch;
      std::vector<uint32_t> indices;
      for (uint32_t i = 0; i < batch->events.size(); ++i)
        if (f->hook.matches(batch->events[i].type, batch->events[i].labels))
          indices.push_back(i);
      if (f->actor && !indices.empty())
        caf::anon_send(f->actor, atom::deliver_v, batch, std::move(indices));
    }};
  }

  /// Sends `xs...` to `dest` and returns the answer.
  template <class Result, class Dest, class... Ts> Result ask(const Dest& dest, Ts... xs) {
    auto out = std::make_shared<std::optional<Result>>();
    auto err = std::make_shared<caf::error>();
    sys->spawn(
        [out, err, xs...](caf::event_based_actor* self, Dest d) {
          self->request(d, caf::infinite, xs...)
              .then([out](Result& r) { *out = std::move(r); },
                    [err](caf::error& e) { *err = std::move(e); });
        },
        dest);
    sched->run();
    INFO(caf::to_string(*err));
    REQUIRE(out->has_value());
    return std::move(**out);
  }

  webhook make_hook(std::function<void(webhook&)> tweak = {}) {
    auto w = test::sample_webhook();
    w.events = {"deployment.*"};
    w.headers = {{"X-Env", "prod"}};
    w.created_at_ms = w.updated_at_ms = wall.now_ms();
    if (tweak)
      tweak(w);
    return w;
  }

  /// Stores `w` through the writer (which writes its first snapshot) and starts its actor.
  void spawn(webhook w, uint32_t circuit_threshold = 10, double jitter = 0.0) {
    hook = w;
    auto change = std::make_shared<config_change>();
    change->op = config_change::create_webhook{w};
    change->audit.action = "webhook.created";
    auto out = ask<config_outcome_ptr>(writer, atom::configure_v, config_change_ptr{change});
    REQUIRE(out->error.code == ec::no_error);
    start(circuit_threshold, jitter);
  }

  /// Starts (or restarts) the actor of the stored webhook, as the router does.
  void start(uint32_t circuit_threshold = 10, double jitter = 0.0) {
    webhook_config c;
    c.hook = hook;
    c.transport = transport_ptr;
    c.time = &wall;
    c.jitter = std::make_shared<fixed_jitter>(jitter);
    c.circuit_threshold = circuit_threshold;
    c.writer = writer;
    c.reader = reader;
    c.position = storage::log_reader{*db}.head()->seq;
    c.tuning = tuning;
    c.application_limits = limits;
    actor = sys->spawn(hookd::webhook_endpoint, std::move(c));
    sched->run();
  }

  /// Asks the actor for a clean stop; the answer appears in the result once it is given.
  std::shared_ptr<std::optional<bool>> request_stop() {
    auto out = std::make_shared<std::optional<bool>>();
    sys->spawn(
        [out](caf::event_based_actor* self, webhook_actor a) {
          self->request(a, caf::infinite, atom::stop_v, false).then([out](bool b) { *out = b; });
        },
        actor);
    sched->run();
    return out;
  }

  /// A clean stop, as the router asks for one; waits out the grace period when attempts are
  /// still in flight. True when the actor answered.
  bool stop_clean() {
    auto out = request_stop();
    if (!out->has_value())
      advance(tuning.stop_grace);
    actor = nullptr;
    return out->value_or(false);
  }

  /// Kills the actor without a snapshot, as a crash would.
  void crash() {
    caf::anon_send_exit(actor, caf::exit_reason::kill);
    actor = nullptr;
    sched->run();
  }

  /// Appends `n` new `deployment.success` events (`evt_1`, `evt_2`, ...) through the writer.
  void deliver(int n, std::string type = "deployment.success", std::vector<label> labels = {}) {
    auto req = std::make_shared<append_request>();
    req->tenant = "acme";
    req->body.batch = n > 1;
    for (int i = 0; i < n; ++i) {
      event_draft d;
      d.id = "evt_" + std::to_string(next_event);
      d.type = type;
      d.data = R"({"n":)" + std::to_string(next_event++) + "}";
      d.labels = labels;
      compute_fingerprint(d);
      req->body.events.push_back(std::move(d));
    }
    ask<append_outcome_ptr>(writer, atom::append_v, append_request_ptr{req});
  }

  /// Answers attempt `i` (in send order) and lets the actor react.
  void reply(std::size_t i, delivery_response r) {
    transport.sent.at(i).done(std::move(r));
    sched->run();
  }

  /// Moves both clocks.
  void advance(caf::timespan d) {
    wall.set(wall.now_ms() + std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
    sched->advance_time(d);
    sched->run();
  }

  /// The router's periodic tick.
  void tick() {
    caf::anon_send(actor, atom::tick_v, storage::log_reader{*db}.head()->seq);
    sched->run();
  }

  std::string event_of(std::size_t i) const {
    for (auto& [k, v] : transport.sent.at(i).req.headers)
      if (k == "webhook-id")
        return v;
    return {};
  }

  webhook_stats stats() { return *ask<webhook_stats_ptr>(actor, atom::status_v); }

  storage::delivery_reader deliveries() const { return storage::delivery_reader{*db}; }

  /// The webhook's stored snapshot (none when it has none).
  std::optional<delivery_snapshot> snapshot() const {
    auto s = deliveries().snapshot(hook.id);
    REQUIRE(s);
    return *s;
  }

  std::vector<event> log_of_type(const std::string& type) const {
    return test::read_log(*db, type);
  }
};

} // namespace

TEST_CASE_METHOD(webhook_fixture, "webhook: signs and sends each event, and counts deliveries",
                 "[actors][webhook]") {
  spawn(make_hook());
  deliver(3);
  REQUIRE(transport.sent.size() == 3);
  const auto& req = transport.sent[0].req;
  CHECK(req.pool == "wh_test");
  CHECK(req.target.host == "receiver.example");
  CHECK(req.timeout == 15s);
  CHECK(req.body ==
        R"({"type":"deployment.success","timestamp":"2023-11-14T22:13:20.000Z","data":{"n":1}})");
  std::map<std::string, std::string> h(req.headers.begin(), req.headers.end());
  CHECK(h["webhook-id"] == delivery_message_id("wh_test", "evt_1"));
  CHECK(h["webhook-timestamp"] == "1700000000");
  // An independent check of the signature with the raw key.
  hmac_sha256_key key{*parse_webhook_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")};
  CHECK(h["webhook-signature"] ==
        standard_webhooks_signature(key, h["webhook-id"], 1700000000, req.body));
  CHECK(h["X-Env"] == "prod");
  for (std::size_t i = 0; i < 3; ++i)
    reply(i, answer(204));
  auto s = stats();
  CHECK(s.counters.delivered == 3);
  CHECK(s.pending == 0);
  CHECK(s.counters.attempts == 3);
}

TEST_CASE_METHOD(webhook_fixture, "webhook: the standard schedule at its exact instants",
                 "[actors][webhook][retry]") {
  spawn(make_hook());
  deliver(1);
  REQUIRE(transport.sent.size() == 1);
  std::vector<caf::timespan> pauses{5s, 5min, 30min, 2h, 5h, 10h, 10h};
  for (std::size_t i = 0; i < pauses.size(); ++i) {
    reply(i, answer(503));
    advance(pauses[i] - 1ms);
    INFO("retry " << i + 1 << " must not go early");
    CHECK(transport.sent.size() == i + 1);
    advance(1ms);
    INFO("retry " << i + 1 << " goes exactly on time");
    REQUIRE(transport.sent.size() == i + 2);
    CHECK(event_of(i + 1) == event_of(0)); // Same webhook-id on every retry.
  }
  reply(7, answer(503)); // The 8th attempt fails: the schedule is exhausted.
  advance(24h);
  CHECK(transport.sent.size() == 8);
  // An operational event says so, about this webhook (which never receives it itself).
  auto exhausted = log_of_type("delivery.exhausted");
  REQUIRE(exhausted.size() == 1);
  CHECK(exhausted[0].data.find(R"("event_id":"evt_1")") != std::string::npos);
  CHECK(exhausted[0].data.find(R"("attempts":8)") != std::string::npos);
  CHECK(exhausted[0].data.find(R"("reason":"schedule_exhausted")") != std::string::npos);
  CHECK(exhausted[0].labels == std::vector<label>{{"webhook_id", "wh_test"}});
  auto s = stats();
  CHECK(s.counters.failed == 1);
  CHECK(s.pending == 0);
  CHECK(s.counters.retries == 7);
}

TEST_CASE_METHOD(webhook_fixture, "webhook: the short and exponential schedules at their instants",
                 "[actors][webhook][retry]") {
  std::vector<caf::timespan> pauses;
  SECTION("short: 30 s, 2 min, 5 min") {
    spawn(make_hook([](webhook& w) { w.retry = retry_policy::short_schedule(); }));
    pauses = {30s, 2min, 5min};
  }
  SECTION("exponential: 10 s doubling, capped at 60 s, 5 retries") {
    spawn(make_hook([](webhook& w) {
      w.retry = retry_policy::exponential(5, std::chrono::seconds{10}, std::chrono::seconds{60});
    }));
    pauses = {10s, 20s, 40s, 60s, 60s};
  }
  deliver(1);
  REQUIRE(transport.sent.size() == 1);
  for (std::size_t i = 0; i < pauses.size(); ++i) {
    reply(i, answer(500));
    advance(pauses[i] - 1ms);
    INFO("retry " << i + 1);
    CHECK(transport.sent.size() == i + 1);
    advance(1ms);
    REQUIRE(transport.sent.size() == i + 2);
  }
  reply(pauses.size(), answer(500));
  advance(24h);
  CHECK(transport.sent.size() == pauses.size() + 1);
  CHECK(stats().counters.failed == 1);
}

TEST_CASE_METHOD(webhook_fixture, "webhook: jitter moves retries within ±20 %",
                 "[actors][webhook][retry]") {
  spawn(make_hook(), 10, 1.0); // Jitter at +20 %.
  deliver(1);
  reply(0, answer(500));
  advance(6s - 1ms);
  CHECK(transport.sent.size() == 1);
  advance(1ms);
  CHECK(transport.sent.size() == 2);
}

TEST_CASE_METHOD(webhook_fixture, "webhook: Retry-After is honoured and clamped",
                 "[actors][webhook][retry]") {
  spawn(make_hook());
  deliver(1);
  reply(0, answer(429, "60"));
  advance(59s);
  CHECK(transport.sent.size() == 1);
  advance(1s);
  REQUIRE(transport.sent.size() == 2);
  // Shorter than the schedule's next pause (5 min): the schedule wins.
  reply(1, answer(503, "1"));
  advance(4min);
  CHECK(transport.sent.size() == 2);
  advance(1min);
  REQUIRE(transport.sent.size() == 3);
  // Absurdly long: capped at 24 h.
  reply(2, answer(429, "999999"));
  advance(24h);
  CHECK(transport.sent.size() == 4);
}

TEST_CASE_METHOD(webhook_fixture, "webhook: max_in_flight bounds concurrent attempts",
                 "[actors][webhook]") {
  spawn(make_hook([](webhook& w) { w.max_in_flight = 4; }));
  deliver(20);
  CHECK(transport.sent.size() == 4);
  reply(0, answer(200));
  CHECK(transport.sent.size() == 5);
  reply(1, answer(200));
  reply(2, answer(200));
  CHECK(transport.sent.size() == 7);
  CHECK(stats().in_flight == 4);
}

TEST_CASE_METHOD(webhook_fixture, "webhook: a burst of answers is taken in one message",
                 "[actors][webhook]") {
  spawn(make_hook([](webhook& w) { w.max_in_flight = 4; }));
  deliver(8);
  REQUIRE(transport.sent.size() == 4);
  // Four answers arrive before the actor runs (as from one wake-up of the transport's thread).
  for (std::size_t i = 0; i < 4; ++i)
    transport.sent.at(i).done(answer(200));
  // One message takes them all and fills the four freed slots at once.
  REQUIRE(sched->try_run_once());
  CHECK(transport.sent.size() == 8);
  sched->run();
  CHECK(stats().counters.delivered == 4);
  CHECK(stats().in_flight == 4);
  // The inbox asks for a wake-up again for the next answer.
  reply(4, answer(200));
  CHECK(transport.sent.size() == 8);
  CHECK(stats().counters.delivered == 5);
}

TEST_CASE_METHOD(webhook_fixture, "webhook: FIFO blocks on the head until it is delivered",
                 "[actors][webhook]") {
  spawn(make_hook([](webhook& w) {
    w.ordering = delivery_ordering::fifo;
    w.retry = retry_policy::short_schedule();
  }));
  deliver(3);
  REQUIRE(transport.sent.size() == 1);
  CHECK(event_of(0) == delivery_message_id("wh_test", "evt_1"));
  reply(0, answer(500));
  advance(29s);
  CHECK(transport.sent.size() == 1); // evt_2 waits behind the failing head.
  advance(1s);
  REQUIRE(transport.sent.size() == 2);
  CHECK(event_of(1) == delivery_message_id("wh_test", "evt_1"));
  reply(1, answer(200));
  REQUIRE(transport.sent.size() == 3);
  CHECK(event_of(2) == delivery_message_id("wh_test", "evt_2"));
  reply(2, answer(200));
  REQUIRE(transport.sent.size() == 4);
  CHECK(event_of(3) == delivery_message_id("wh_test", "evt_3"));
}

TEST_CASE_METHOD(webhook_fixture, "webhook: FIFO moves on when the head is exhausted",
                 "[actors][webhook]") {
  spawn(make_hook([](webhook& w) {
    w.ordering = delivery_ordering::fifo;
    w.retry = retry_policy::exponential(1, std::chrono::seconds{10}, std::chrono::seconds{10});
  }));
  deliver(2);
  reply(0, answer(500));
  advance(10s);
  REQUIRE(transport.sent.size() == 2);
  reply(1, answer(500)); // Head exhausted.
  REQUIRE(transport.sent.size() == 3);
  CHECK(event_of(2) == delivery_message_id("wh_test", "evt_2"));
  CHECK(stats().counters.failed == 1);
}

TEST_CASE_METHOD(webhook_fixture, "webhook: permanent failures and redirects are not retried",
                 "[actors][webhook]") {
  spawn(make_hook());
  deliver(3);
  reply(0, answer(404));
  reply(1, answer(302));
  reply(2, failure(transport_error::dns_nxdomain));
  advance(48h);
  CHECK(transport.sent.size() == 3);
  auto exhausted = log_of_type("delivery.exhausted");
  REQUIRE(exhausted.size() == 3);
  CHECK(exhausted[0].data.find(R"("last_error":"HTTP 404","reason":"permanent_error")") !=
        std::string::npos);
  CHECK(exhausted[2].data.find(R"("last_error":"dns_nxdomain")") != std::string::npos);
  auto s = stats();
  CHECK(s.counters.failed == 3);
  CHECK(s.pending == 0);
}

TEST_CASE_METHOD(
    webhook_fixture,
    "webhook: 410 Gone disables the webhook, persists it, and appends webhook.disabled",
    "[actors][webhook]") {
  spawn(make_hook([](webhook& w) { w.max_in_flight = 1; }));
  deliver(3);
  REQUIRE(transport.sent.size() == 1);
  reply(0, answer(410));
  advance(48h);
  CHECK(transport.sent.size() == 1); // Nothing more is sent.
  auto s = stats();
  CHECK_FALSE(s.enabled);
  CHECK(s.counters.failed == 1);
  CHECK(s.last_error == "HTTP 410");
  // Persisted: the webhook is disabled with the reason, in the same batch as the notice.
  auto stored = storage::config_reader{*db}.get_webhook("acme", "wh_test");
  REQUIRE(stored);
  REQUIRE(*stored);
  CHECK_FALSE((*stored)->enabled);
  CHECK((*stored)->disabled_reason == "the endpoint answered 410 Gone");
  auto notices = log_of_type("webhook.disabled");
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].tenant == "acme");
  CHECK(notices[0].data.find(R"("webhook_id":"wh_test")") != std::string::npos);
  CHECK(notices[0].data.find(R"("reason":"the endpoint answered 410 Gone")") != std::string::npos);
  // The other two stay pending in the snapshot, to resume if a user enables it again.
  auto snap = deliveries().snapshot("wh_test");
  REQUIRE(snap);
  REQUIRE(*snap);
  CHECK((*snap)->awaiting_recovery);
  REQUIRE((*snap)->pending.size() == 2);
  CHECK((*snap)->pending[0].seq == 2);
  CHECK((*snap)->pending[1].seq == 3);
  auto outcome = deliveries().outcome("wh_test", 1);
  REQUIRE(outcome);
  REQUIRE(*outcome);
  CHECK((*outcome)->state == delivery_state::failed);
}

TEST_CASE_METHOD(webhook_fixture, "webhook: the circuit opens, probes one at a time, and closes",
                 "[actors][webhook][circuit]") {
  spawn(make_hook([](webhook& w) {
          w.max_in_flight = 8;
          w.retry = retry_policy::short_schedule(); // probes at 30 s, 2 min, 5 min, 5 min...
        }),
        3);
  deliver(3);
  REQUIRE(transport.sent.size() == 3);
  for (std::size_t i = 0; i < 3; ++i)
    reply(i, failure(transport_error::connect_failed));
  CHECK(stats().circuit_open);
  deliver(5); // New events are held while the circuit is open.
  CHECK(transport.sent.size() == 3);
  advance(30s); // The first probe: one delivery, the oldest.
  REQUIRE(transport.sent.size() == 4);
  CHECK(event_of(3) == delivery_message_id("wh_test", "evt_1"));
  reply(3, failure(transport_error::timeout));
  advance(2min - 1ms);
  CHECK(transport.sent.size() == 4);
  advance(1ms); // The second probe, after the next pause.
  REQUIRE(transport.sent.size() == 5);
  reply(4, answer(200)); // Success closes the circuit; the rest flows.
  CHECK_FALSE(stats().circuit_open);
  // At once: evt_2 and evt_3, whose retries came due while the circuit was open, and the 5
  // events held meanwhile.
  CHECK(transport.sent.size() == 5 + 7);
  for (std::size_t i = 5; i < 12; ++i)
    reply(i, answer(200));
  auto s = stats();
  CHECK(s.counters.delivered == 8);
  CHECK(s.pending == 0);
}

TEST_CASE_METHOD(webhook_fixture, "webhook: a new URL closes the old pool, a new secret re-keys",
                 "[actors][webhook]") {
  spawn(make_hook());
  auto changed = std::make_shared<webhook>(make_hook([](webhook& w) {
    w.url = "https://new.example/hook";
    w.secret = "whsec_" + std::string(32, 'A');
  }));
  caf::anon_send(actor, atom::configure_v, webhook_ptr{changed});
  sched->run();
  CHECK(transport.closed == std::vector<std::string>{"wh_test"});
  deliver(1);
  REQUIRE(transport.sent.size() == 1);
  CHECK(transport.sent[0].req.target.host == "new.example");
  std::map<std::string, std::string> h(transport.sent[0].req.headers.begin(),
                                       transport.sent[0].req.headers.end());
  hmac_sha256_key key{*parse_webhook_secret(changed->secret)};
  CHECK(h["webhook-signature"] ==
        standard_webhooks_signature(key, h["webhook-id"], 1700000000, transport.sent[0].req.body));
}

TEST_CASE_METHOD(webhook_fixture, "webhook: every attempt is recorded, with outcomes",
                 "[actors][webhook][state]") {
  spawn(make_hook());
  deliver(2);
  REQUIRE(transport.sent.size() == 2);
  auto slow = answer(503);
  slow.body = std::string(3000, 'x');
  slow.duration = std::chrono::microseconds{1500};
  reply(0, slow);
  reply(1, answer(200));
  auto recs = *deliveries().list_attempts("wh_test", 0, 10, std::nullopt);
  REQUIRE(recs.size() == 2);
  // Newest first.
  CHECK(recs[0].event_seq == 2);
  CHECK(recs[0].result == attempt_result::succeeded);
  CHECK(recs[1].event_seq == 1);
  CHECK(recs[1].event_id == "evt_1");
  CHECK(recs[1].message_id == delivery_message_id("wh_test", "evt_1"));
  CHECK(recs[1].attempt == 1);
  CHECK(recs[1].status == 503);
  CHECK(recs[1].result == attempt_result::retrying);
  CHECK(recs[1].next_at_ms == 1'700'000'000'000 + 5000);
  CHECK(recs[1].duration_us == 1500);
  CHECK(recs[1].response.size() == attempt_excerpt_bytes); // The first 1 KiB.
  auto retrying = *deliveries().list_attempts("wh_test", 0, 10, attempt_result::retrying);
  REQUIRE(retrying.size() == 1);
  CHECK(retrying[0].event_seq == 1);
  auto done = deliveries().outcome("wh_test", 2);
  REQUIRE(*done);
  CHECK((*done)->state == delivery_state::delivered);
  CHECK_FALSE(*deliveries().outcome("wh_test", 1));
}

TEST_CASE_METHOD(webhook_fixture,
                 "webhook: after a crash, recorded successes are not resent and the rest resume",
                 "[actors][webhook][state]") {
  spawn(make_hook());
  deliver(4);
  REQUIRE(transport.sent.size() == 4);
  reply(0, answer(200));                      // evt_1: delivered
  reply(1, answer(503));                      // evt_2: retrying at +5 s
  reply(2, answer(404));                      // evt_3: failed for good
  REQUIRE(*deliveries().snapshot("wh_test")); // The one written at creation.
  crash(); // evt_4's attempt is in flight: its outcome is never recorded.
  transport.sent.clear();
  start();
  // The counters come from the snapshot plus the records written after it.
  auto counted = stats().counters;
  CHECK(counted.delivered == 1);
  CHECK(counted.failed == 1);
  CHECK(counted.attempts == 3 + 1); // Three recorded, and evt_4's new attempt.
  CHECK(stats().consecutive_failures == 2);
  // evt_4 goes again at once, with the same webhook-id; evt_1 and evt_3 never again.
  REQUIRE(transport.sent.size() == 1);
  CHECK(event_of(0) == delivery_message_id("wh_test", "evt_4"));
  // evt_2 keeps its schedule: attempt 2 at +5 s.
  advance(5s - 1ms);
  CHECK(transport.sent.size() == 1);
  advance(1ms);
  REQUIRE(transport.sent.size() == 2);
  CHECK(event_of(1) == delivery_message_id("wh_test", "evt_2"));
  reply(0, answer(200));
  reply(1, answer(200));
  auto recs = *deliveries().list_attempts("wh_test", 0, 1, std::nullopt);
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].event_id == "evt_2");
  CHECK(recs[0].attempt == 2); // The attempt count survived the crash.
  auto s = stats();
  CHECK(s.pending == 0);
  deliver(1);
  CHECK(transport.sent.size() == 3); // New events flow.
}

TEST_CASE_METHOD(webhook_fixture, "webhook: a snapshot and a clean stop resume exactly",
                 "[actors][webhook][state]") {
  spawn(make_hook());
  deliver(3);
  reply(0, answer(200));
  reply(1, answer(500));
  reply(2, answer(200));
  tick(); // A snapshot: something changed.
  auto snap = *deliveries().snapshot("wh_test");
  REQUIRE(snap);
  CHECK(snap->cursor == 3);
  REQUIRE(snap->pending.size() == 1);
  CHECK(snap->pending[0].seq == 2);
  CHECK(snap->pending[0].attempts == 1);
  CHECK(snap->counters.delivered == 2);
  CHECK(snap->next_record == 4);
  deliver(1); // evt_4 in flight at the stop.
  REQUIRE(transport.sent.size() == 4);
  CHECK(stop_clean()); // evt_4 never answers: the stop takes the whole grace period (5 s)
  snap = *deliveries().snapshot("wh_test");
  CHECK(snap->cursor == 4);
  CHECK(snap->pending.size() == 2);
  transport.sent.clear();
  start();
  // evt_4 again, and evt_2, whose 5 s pause ended during the grace period.
  REQUIRE(transport.sent.size() == 2);
  std::set<std::string> ids{event_of(0), event_of(1)};
  CHECK(ids == std::set<std::string>{delivery_message_id("wh_test", "evt_2"),
                                     delivery_message_id("wh_test", "evt_4")});
  CHECK(stats().counters.delivered == 2); // Counters survive.
}

TEST_CASE_METHOD(webhook_fixture, "webhook: a change is snapshotted by the actor's own tick",
                 "[actors][webhook][state]") {
  tuning.snapshot_delay = 5s;
  spawn(make_hook([](webhook& w) {
    w.retry = retry_policy::exponential(3, std::chrono::hours{1}, std::chrono::hours{1});
  }));
  auto created = snapshot();
  REQUIRE(created);
  deliver(2);
  reply(0, answer(200));
  reply(1, answer(500));
  // No router tick: the actor ticks itself once, `snapshot_delay` after the change.
  advance(4s);
  CHECK(snapshot()->at_ms == created->at_ms);
  advance(1s);
  auto snap = snapshot();
  REQUIRE(snap);
  CHECK(snap->cursor == 2);
  REQUIRE(snap->pending.size() == 1);
  CHECK(snap->pending[0].seq == 2);
  CHECK(snap->counters.delivered == 1);
  // Nothing changed since: no further snapshot, however long it stays idle.
  advance(50min);
  CHECK(snapshot()->at_ms == snap->at_ms);
}

TEST_CASE_METHOD(webhook_fixture, "webhook: without a snapshot delay only ticks snapshot",
                 "[actors][webhook][state]") {
  spawn(make_hook()); // tuning.snapshot_delay is 0, as in the other tests
  auto created = snapshot();
  REQUIRE(created);
  deliver(1);
  reply(0, answer(200));
  advance(1h);
  CHECK(snapshot()->at_ms == created->at_ms);
  tick();
  CHECK(snapshot()->counters.delivered == 1);
}

TEST_CASE_METHOD(webhook_fixture, "webhook: a backlog beyond the window waits in the log",
                 "[actors][webhook][state]") {
  tuning.window = 4;
  spawn(make_hook([](webhook& w) { w.max_in_flight = 256; }));
  deliver(50);
  // Only the window is held; the rest is read back from the log as room appears.
  CHECK(transport.sent.size() == 4);
  auto s = stats();
  CHECK(s.pending == 4);
  CHECK(s.backlog_from == 5);
  CHECK(s.cursor == 4);
  std::set<std::string> seen;
  for (std::size_t i = 0; i < transport.sent.size(); ++i) {
    CHECK(seen.insert(event_of(i)).second); // Never twice.
    reply(i, answer(200));
    CHECK(stats().pending <= 4);
  }
  CHECK(seen.size() == 50);
  s = stats();
  CHECK(s.counters.delivered == 50);
  CHECK(s.backlog_from == 0);
  deliver(1);
  CHECK(transport.sent.size() == 51);
}

TEST_CASE_METHOD(webhook_fixture, "webhook: a crash with a backlog loses nothing",
                 "[actors][webhook][state]") {
  tuning.window = 2;
  spawn(make_hook());
  deliver(6);
  REQUIRE(transport.sent.size() == 2);
  reply(0, answer(200));
  REQUIRE(transport.sent.size() == 3);
  tick();
  crash();
  std::set<std::string> before;
  for (std::size_t i = 1; i < transport.sent.size(); ++i)
    before.insert(event_of(i));
  transport.sent.clear();
  start();
  std::set<std::string> all;
  for (std::size_t i = 0; i < transport.sent.size(); ++i) {
    all.insert(event_of(i));
    reply(i, answer(200));
  }
  CHECK(all.size() == 5); // evt_2 .. evt_6, evt_1 was recorded as delivered.
  CHECK(all.count(delivery_message_id("wh_test", "evt_1")) == 0);
  for (const auto& id : before)
    CHECK(all.count(id) == 1);
}

TEST_CASE_METHOD(webhook_fixture,
                 "webhook: failures past the window disable it, and re-enabling resumes",
                 "[actors][webhook][state]") {
  CHECK(delivery_tuning{}.disable_after == std::chrono::hours{120}); // The default: 5 days.
  tuning.disable_after = std::chrono::hours{1};
  spawn(make_hook([](webhook& w) {
    w.retry = retry_policy::exponential(10, std::chrono::seconds{600}, std::chrono::seconds{600});
  }));
  deliver(1);
  for (std::size_t i = 0; i < 6; ++i) { // Attempts at 0, 10, 20, 30, 40, 50 min.
    REQUIRE(transport.sent.size() == i + 1);
    reply(i, answer(500));
    advance(10min);
  }
  // 60 minutes of nothing but failures.
  tick();
  auto stored = *storage::config_reader{*db}.get_webhook("acme", "wh_test");
  REQUIRE(stored);
  CHECK_FALSE(stored->enabled);
  CHECK(stored->disabled_reason.find("every delivery failed for 1 hours") == 0);
  REQUIRE(log_of_type("webhook.disabled").size() == 1);
  CHECK(log_of_type("webhook.disabled")[0].data.find(R"("failing_since":)") != std::string::npos);
  // The router would stop the actor now.
  CHECK(stop_clean());
  // Events arrive while it is disabled...
  deliver(2);
  // ...and a user enables it again: it resumes from its cursor.
  hook.enabled = true;
  transport.sent.clear();
  start();
  REQUIRE(transport.sent.size() == 3);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < 3; ++i)
    ids.insert(event_of(i));
  CHECK(ids == std::set<std::string>{delivery_message_id("wh_test", "evt_1"),
                                     delivery_message_id("wh_test", "evt_2"),
                                     delivery_message_id("wh_test", "evt_3")});
  CHECK(log_of_type("webhook.recovered").empty());
  reply(0, answer(200));
  auto recovered = log_of_type("webhook.recovered");
  REQUIRE(recovered.size() == 1); // The first success after recovery, and only that one.
  reply(1, answer(200));
  CHECK(log_of_type("webhook.recovered").size() == 1);
}

TEST_CASE_METHOD(webhook_fixture, "webhook: deleting drops pending deliveries and records them",
                 "[actors][webhook][state]") {
  spawn(make_hook());
  deliver(2);
  reply(0, answer(503));
  reply(1, answer(200));
  CHECK(ask<bool>(actor, atom::stop_v, true));
  actor = nullptr;
  auto dropped = *deliveries().outcome("wh_test", 1);
  REQUIRE(dropped);
  CHECK(dropped->state == delivery_state::dropped);
  CHECK(dropped->attempts == 1);
  CHECK((*deliveries().outcome("wh_test", 2))->state == delivery_state::delivered);
  advance(1h);
  CHECK(transport.sent.size() == 2); // The retry never goes.
}

TEST_CASE_METHOD(webhook_fixture, "webhook: a test delivery is signed, answered and recorded",
                 "[actors][webhook]") {
  spawn(make_hook());
  auto out = std::make_shared<test_result_ptr>();
  sys->spawn(
      [out](caf::event_based_actor* self, webhook_actor a) {
        self->request(a, caf::infinite, atom::test_v).then([out](test_result_ptr& r) { *out = r; });
      },
      actor);
  sched->run();
  REQUIRE(transport.sent.size() == 1);
  CHECK(transport.sent[0].req.body.find(R"("type":"webhook.test")") != std::string::npos);
  std::map<std::string, std::string> h(transport.sent[0].req.headers.begin(),
                                       transport.sent[0].req.headers.end());
  hmac_sha256_key key{*parse_webhook_secret(hook.secret)};
  CHECK(h["webhook-signature"] ==
        standard_webhooks_signature(key, h["webhook-id"], 1700000000, transport.sent[0].req.body));
  CHECK_FALSE(*out);
  auto r = answer(200);
  r.body = "thanks";
  reply(0, r);
  REQUIRE(*out);
  CHECK((*out)->attempt.status == 200);
  CHECK((*out)->attempt.response == "thanks");
  CHECK((*out)->attempt.test);
  auto recs = *deliveries().list_attempts("wh_test", 0, 10, std::nullopt);
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].test);
  CHECK(recs[0].event_seq == 0);
  CHECK(stats().counters.attempts == 0); // Tests are not deliveries.
}

namespace {
struct pruning_fixture : webhook_fixture {
  pruning_fixture() : webhook_fixture(5) {}
};
} // namespace

TEST_CASE_METHOD(pruning_fixture,
                 "webhook: the attempt log keeps the newest N, never past the snapshot",
                 "[actors][webhook][state]") {
  spawn(make_hook());
  auto count = [&] {
    std::size_t n = 0;
    deliveries().scan_attempts("wh_test", 0, [&](const attempt_record&) {
      ++n;
      return true;
    });
    return n;
  };
  deliver(20);
  for (std::size_t i = 0; i < 16; ++i)
    reply(i, answer(200));
  // The only snapshot is the one from creation (next_record 1): nothing may be pruned yet,
  // because recovery would need every record.
  CHECK(count() == 16);
  tick(); // Snapshot at record 17.
  deliver(12);
  for (std::size_t i = 16; i < transport.sent.size(); ++i)
    reply(i, answer(200));
  tick();
  auto n = count();
  CHECK(n >= 5);
  CHECK(n < 16);
  auto newest = *deliveries().list_attempts("wh_test", 0, 1, std::nullopt);
  REQUIRE(newest.size() == 1);
  CHECK(newest[0].number == 32);
}

TEST_CASE_METHOD(webhook_fixture,
                 "webhook: a webhook that wants few events of a large batch does not pin it",
                 "[actors][webhook][state]") {
  spawn(make_hook());
  SECTION("sparse: the two matching events are copied, the batch is freed") {
    auto req = std::make_shared<append_request>();
    req->tenant = "acme";
    req->body.batch = true;
    for (int i = 0; i < 100; ++i) {
      event_draft d;
      d.id = "evt_" + std::to_string(i);
      d.type = i % 50 == 0 ? "deployment.success" : "build.done";
      d.data = "{}";
      compute_fingerprint(d);
      req->body.events.push_back(std::move(d));
    }
    ask<append_outcome_ptr>(writer, atom::append_v, append_request_ptr{req});
    REQUIRE(transport.sent.size() == 2); // held and in flight
    CHECK(last_batch.expired());
    reply(0, answer(200));
    reply(1, answer(200));
    CHECK(stats().counters.delivered == 2);
  }
  SECTION("dense: the batch is shared, not copied") {
    deliver(100);
    REQUIRE(transport.sent.size() == 16);
    CHECK_FALSE(last_batch.expired());
  }
}

TEST_CASE_METHOD(webhook_fixture, "webhook: during a rotation's overlap both secrets sign",
                 "[actors][webhook][secrets]") {
  auto old_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  auto new_secret = "whsec_" + std::string(40, 'N');
  spawn(make_hook([&](webhook& w) {
    w.secret = new_secret;
    w.previous_secrets = {{old_secret, wall.now_ms() + 60'000}};
  }));
  auto signatures = [&](std::size_t i) {
    for (auto& [k, v] : transport.sent.at(i).req.headers)
      if (k == "webhook-signature")
        return v;
    return std::string{};
  };
  deliver(1);
  REQUIRE(transport.sent.size() == 1);
  const auto& req = transport.sent[0].req;
  auto id = event_of(0);
  hmac_sha256_key fresh{*parse_webhook_secret(new_secret)};
  hmac_sha256_key old{*parse_webhook_secret(old_secret)};
  // New first, then old, separated by a space; each verifies with its own secret.
  CHECK(signatures(0) == standard_webhooks_signature(fresh, id, 1700000000, req.body) + " " +
                             standard_webhooks_signature(old, id, 1700000000, req.body));
  reply(0, answer(200));
  advance(60s); // The overlap ends: only the new secret signs.
  deliver(1);
  REQUIRE(transport.sent.size() == 2);
  CHECK(signatures(1) ==
        standard_webhooks_signature(fresh, event_of(1), 1700000060, transport.sent[1].req.body));
}

TEST_CASE_METHOD(webhook_fixture, "webhook: a clean stop lets attempts in flight finish",
                 "[actors][webhook][state]") {
  spawn(make_hook());
  deliver(3);
  REQUIRE(transport.sent.size() == 3);
  reply(0, answer(200));
  auto answered = request_stop();
  CHECK_FALSE(answered->has_value()); // two attempts in flight
  deliver(1);
  CHECK(transport.sent.size() == 3); // nothing new starts while stopping
  reply(1, answer(200));
  CHECK_FALSE(answered->has_value());
  reply(2, answer(200));
  REQUIRE(answered->has_value()); // the last one finished: snapshot, answer, quit
  actor = nullptr;
  auto snap = *deliveries().snapshot("wh_test");
  REQUIRE(snap);
  CHECK(snap->counters.delivered == 3);
  // A restart sends only the event that arrived during the stop: nothing is sent twice.
  transport.sent.clear();
  start();
  REQUIRE(transport.sent.size() == 1);
  CHECK(event_of(0) == delivery_message_id("wh_test", "evt_4"));
}

TEST_CASE_METHOD(webhook_fixture, "webhook: a clean stop waits no longer than the grace period",
                 "[actors][webhook][state]") {
  spawn(make_hook());
  deliver(1);
  auto answered = request_stop();
  advance(tuning.stop_grace - 1ms);
  CHECK_FALSE(answered->has_value());
  advance(1ms);
  REQUIRE(answered->has_value());
  actor = nullptr;
  // The attempt never finished: it stays pending, and goes again after the restart.
  auto snap = *deliveries().snapshot("wh_test");
  REQUIRE(snap);
  REQUIRE(snap->pending.size() == 1);
  CHECK(snap->pending[0].attempts == 1);
}

TEST_CASE_METHOD(webhook_fixture, "webhook: over its rate limit, deliveries wait their turn",
                 "[actors][webhook][limits]") {
  spawn(make_hook([](webhook& w) {
    w.rate_limit_per_second = 2;
    w.max_in_flight = 100;
  }));
  deliver(7);
  // A bucket of one second's worth: two at once, then one every 500 ms.
  CHECK(transport.sent.size() == 2);
  for (std::size_t i = 0; i < transport.sent.size(); ++i)
    reply(i, answer(200));
  advance(499ms);
  CHECK(transport.sent.size() == 2);
  advance(1ms);
  CHECK(transport.sent.size() == 3);
  advance(500ms);
  CHECK(transport.sent.size() == 4);
  advance(500ms);
  CHECK(transport.sent.size() == 5);
  advance(1000ms); // two tokens at once
  CHECK(transport.sent.size() == 7);
  for (std::size_t i = 2; i < 7; ++i)
    reply(i, answer(200));
  auto s = stats();
  CHECK(s.counters.delivered == 7); // waited, never failed
  CHECK(s.counters.failed == 0);
}

TEST_CASE_METHOD(webhook_fixture,
                 "webhook: an application over the tenant's limit waits, the others go on",
                 "[actors][webhook][limits]") {
  limits->set_limit("acme", 2);
  spawn(make_hook([](webhook& w) { w.max_in_flight = 100; }));
  deliver(3, "deployment.success", {{"application_id", "app_1"}});
  deliver(1, "deployment.success", {{"application_id", "app_2"}});
  deliver(1);                          // no application: never limited
  REQUIRE(transport.sent.size() == 4); // app_1 twice, app_2, the unlabelled one
  CHECK(event_of(3) == delivery_message_id("wh_test", "evt_5"));
  CHECK(event_of(2) == delivery_message_id("wh_test", "evt_4"));
  for (std::size_t i = 0; i < 4; ++i)
    reply(i, answer(200));
  CHECK(stats().application_limited == 1);
  advance(59'999ms);
  CHECK(transport.sent.size() == 4);
  advance(1ms); // the first start left the window
  REQUIRE(transport.sent.size() == 5);
  CHECK(event_of(4) == delivery_message_id("wh_test", "evt_3"));
  reply(4, answer(200));
  auto s = stats();
  CHECK(s.counters.delivered == 5); // waited, never failed
  CHECK(s.counters.failed == 0);
  CHECK(s.counters.attempts == 5);
}

TEST_CASE_METHOD(webhook_fixture,
                 "webhook: a delivery held by its application gives back its rate token",
                 "[actors][webhook][limits]") {
  limits->set_limit("acme", 1);
  spawn(make_hook([](webhook& w) {
    w.max_in_flight = 100;
    w.rate_limit_per_second = 1;
  }));
  deliver(2, "deployment.success", {{"application_id", "app_1"}});
  deliver(1, "deployment.success", {{"application_id", "app_2"}});
  REQUIRE(transport.sent.size() == 1); // one token
  reply(0, answer(200));
  advance(1s); // the next token: app_1 is held, so app_2 gets it
  REQUIRE(transport.sent.size() == 2);
  CHECK(event_of(1) == delivery_message_id("wh_test", "evt_3"));
  reply(1, answer(200));
  advance(58s);
  CHECK(transport.sent.size() == 2);
  advance(1s);
  REQUIRE(transport.sent.size() == 3);
  CHECK(event_of(2) == delivery_message_id("wh_test", "evt_2"));
}

TEST_CASE_METHOD(webhook_fixture, "webhook: in FIFO order a held application holds the rest",
                 "[actors][webhook][limits]") {
  limits->set_limit("acme", 1);
  spawn(make_hook([](webhook& w) { w.ordering = delivery_ordering::fifo; }));
  deliver(2, "deployment.success", {{"application_id", "app_1"}});
  deliver(1, "deployment.success", {{"application_id", "app_2"}});
  REQUIRE(transport.sent.size() == 1);
  reply(0, answer(200));
  advance(59s);
  CHECK(transport.sent.size() == 1); // evt_2 waits for its application; evt_3 waits for evt_2
  advance(1s);
  REQUIRE(transport.sent.size() == 2);
  CHECK(event_of(1) == delivery_message_id("wh_test", "evt_2"));
  reply(1, answer(200));
  REQUIRE(transport.sent.size() == 3);
  CHECK(event_of(2) == delivery_message_id("wh_test", "evt_3"));
}

TEST_CASE_METHOD(webhook_fixture, "webhook: the limit is per tenant, and off by default",
                 "[actors][webhook][limits]") {
  limits->set_limit("globex", 1); // another tenant's limit does not apply to acme
  spawn(make_hook([](webhook& w) { w.max_in_flight = 100; }));
  deliver(5, "deployment.success", {{"application_id", "app_1"}});
  CHECK(transport.sent.size() == 5);
  CHECK(stats().application_limited == 0);
}

namespace {

/// Stores a replay job of events [from, to] for the fixture's webhook through the writer, and
/// hands it to the actor as the router would.
replay_job start_job(webhook_fixture& f, uint64_t from, uint64_t to, bool only_failed = false) {
  replay_job job;
  job.id = "job_" + std::to_string(from) + "_" + std::to_string(to);
  job.tenant = f.hook.tenant;
  job.webhook_id = f.hook.id;
  job.from_seq = job.next_seq = from;
  job.to_seq = to;
  job.only_failed = only_failed;
  job.created_at_ms = f.wall.now_ms();
  auto change = std::make_shared<config_change>();
  change->op = config_change::create_jobs{{job}};
  change->audit.action = "webhook.replayed";
  auto out = f.ask<config_outcome_ptr>(f.writer, atom::configure_v, config_change_ptr{change});
  REQUIRE(out->error.code == ec::no_error);
  caf::anon_send(f.actor, atom::replay_v, replay_job_ptr{std::make_shared<replay_job>(job)});
  f.sched->run();
  return job;
}

/// The job as stored.
replay_job stored_job(webhook_fixture& f, const std::string& id) {
  auto job = storage::config_reader{*f.db}.get_job(f.hook.tenant, id);
  REQUIRE(job);
  REQUIRE(*job);
  return **job;
}

/// How many recorded attempts name job `id`.
std::size_t attempts_of_job(webhook_fixture& f, const std::string& id) {
  auto attempts = f.deliveries().list_attempts("wh_test", 0, 100, std::nullopt);
  REQUIRE(attempts);
  return static_cast<std::size_t>(
      std::count_if(attempts->begin(), attempts->end(),
                    [&](const attempt_record& a) { return a.note == "job " + id; }));
}

/// The event number (`"n":N`) of attempt `i`.
int event_number(webhook_fixture& f, std::size_t i) {
  const auto& body = f.transport.sent.at(i).req.body;
  auto at = body.find(R"("n":)");
  REQUIRE(at != std::string::npos);
  return std::stoi(body.substr(at + 4));
}

} // namespace

TEST_CASE_METHOD(webhook_fixture, "webhook: a job's redeliveries take only what live ones leave",
                 "[actors][webhook][jobs]") {
  spawn(make_hook([](webhook& w) { w.max_in_flight = 4; }));
  deliver(20);
  for (std::size_t i = 0; i < 20; ++i)
    reply(i, answer(200));
  REQUIRE(transport.sent.size() == 20);
  auto original = event_of(0);
  auto job = start_job(*this, 1, 20);
  // Three of the four slots: the last quarter stays free for live deliveries.
  REQUIRE(transport.sent.size() == 23);
  CHECK(event_of(20) == original); // the same webhook-id as the first delivery
  CHECK(stats().replaying > 0);
  CHECK(stats().jobs == 1);
  // Live events take the free slot at once, and the next freed slot before any redelivery.
  deliver(2);
  REQUIRE(transport.sent.size() == 24);
  CHECK(event_number(*this, 23) == 21);
  reply(20, answer(200));
  REQUIRE(transport.sent.size() == 25);
  CHECK(event_number(*this, 24) == 22);
  // Then the job goes on, and ends once every redelivery ended.
  for (std::size_t i = 21; i < transport.sent.size(); ++i)
    reply(i, answer(i == 22 ? 400 : 200));
  CHECK(transport.sent.size() == 42); // 20 live, 2 new live, 20 redeliveries
  auto done = stored_job(*this, job.id);
  CHECK(done.state == job_state::completed);
  CHECK(done.queued == 20);
  CHECK(done.delivered == 19);
  CHECK(done.failed == 1); // the 400
  CHECK(done.next_seq == 21);
  CHECK(stats().jobs == 0);
  // The redeliveries are in the attempt log, naming the job.
  CHECK(attempts_of_job(*this, job.id) == 20);
}

TEST_CASE_METHOD(webhook_fixture, "webhook: FIFO redelivers only when nothing live is held",
                 "[actors][webhook][jobs]") {
  spawn(make_hook([](webhook& w) { w.ordering = delivery_ordering::fifo; }));
  deliver(3);
  for (std::size_t i = 0; i < 3; ++i)
    reply(i, answer(200));
  deliver(1); // evt_4: in flight
  REQUIRE(transport.sent.size() == 4);
  start_job(*this, 1, 3);
  CHECK(transport.sent.size() == 4); // waits for the live one
  reply(3, answer(200));
  REQUIRE(transport.sent.size() == 5);
  CHECK(event_number(*this, 4) == 1);
  reply(4, answer(200));
  reply(5, answer(200));
  reply(6, answer(200));
  CHECK(transport.sent.size() == 7);
}

TEST_CASE_METHOD(webhook_fixture, "webhook: a job resumes after a crash from its saved progress",
                 "[actors][webhook][jobs][state]") {
  tuning.window = 8; // a replay lane of two
  spawn(make_hook([](webhook& w) { w.max_in_flight = 2; }));
  deliver(10);
  for (std::size_t i = 0; i < 10; ++i)
    reply(i, answer(200));
  auto job = start_job(*this, 1, 10);
  REQUIRE(transport.sent.size() == 11); // one slot: the other stays free for live
  for (std::size_t i = 10; i < 14; ++i)
    reply(i, answer(200));
  tick(); // the snapshot carries the job's progress
  auto saved = stored_job(*this, job.id);
  CHECK(saved.state == job_state::running);
  CHECK(saved.delivered == 4);
  CHECK(saved.next_seq == 5);
  crash();
  transport.sent.clear();
  start();
  REQUIRE(transport.sent.size() == 1);
  CHECK(event_number(*this, 0) == 5); // resumed, not restarted
  for (std::size_t i = 0; i < transport.sent.size(); ++i)
    reply(i, answer(200));
  CHECK(transport.sent.size() == 6); // events 5..10
  auto done = stored_job(*this, job.id);
  CHECK(done.state == job_state::completed);
  CHECK(done.delivered == 10);
}

TEST_CASE_METHOD(webhook_fixture, "webhook: a cancelled job sends nothing more",
                 "[actors][webhook][jobs]") {
  spawn(make_hook([](webhook& w) { w.max_in_flight = 4; }));
  deliver(10);
  for (std::size_t i = 0; i < 10; ++i)
    reply(i, answer(200));
  auto job = start_job(*this, 1, 10);
  REQUIRE(transport.sent.size() == 13);
  auto change = std::make_shared<config_change>();
  change->op = config_change::cancel_job{hook.tenant, job.id, "cancelled through the API", 1};
  change->audit.action = "job.cancelled";
  auto out = ask<config_outcome_ptr>(writer, atom::configure_v, config_change_ptr{change});
  REQUIRE(out->error.code == ec::no_error);
  caf::anon_send(actor, atom::replay_v, replay_job_ptr{std::make_shared<replay_job>(out->jobs[0])});
  sched->run();
  // The three in flight finish and are recorded; nothing else starts.
  for (std::size_t i = 10; i < 13; ++i)
    reply(i, answer(200));
  CHECK(transport.sent.size() == 13);
  CHECK(stats().jobs == 0);
  tick();
  auto stored = stored_job(*this, job.id);
  CHECK(stored.state == job_state::cancelled); // later progress did not revive it
  CHECK(attempts_of_job(*this, job.id) == 3);
}

TEST_CASE_METHOD(webhook_fixture, "webhook: an only_failed job skips what was delivered",
                 "[actors][webhook][jobs]") {
  spawn(make_hook());
  deliver(4);
  for (std::size_t i = 0; i < 4; ++i)
    reply(i, answer(i % 2 ? 400 : 200)); // evt_2 and evt_4 fail for good
  auto job = start_job(*this, 1, 4, true);
  REQUIRE(transport.sent.size() == 6);
  CHECK(event_number(*this, 4) == 2);
  CHECK(event_number(*this, 5) == 4);
  reply(4, answer(200));
  reply(5, answer(200));
  CHECK(stored_job(*this, job.id).delivered == 2);
  auto outcome = deliveries().outcome("wh_test", 2);
  REQUIRE(outcome);
  REQUIRE(*outcome);
  CHECK((*outcome)->state == delivery_state::delivered); // recovered
}

TEST_CASE_METHOD(webhook_fixture,
                 "router: ticks every actor while the position moves, rarely when idle",
                 "[actors][router]") {
  // Three stored webhooks whose actors the router starts; none matches the events below.
  std::vector<webhook> hooks;
  for (int i = 0; i < 3; ++i) {
    auto w = make_hook([i](webhook& h) {
      h.id = "wh_" + std::to_string(i);
      h.name = "hook " + std::to_string(i);
      h.events = {"build.*"};
    });
    auto change = std::make_shared<config_change>();
    change->op = config_change::create_webhook{w};
    change->audit.action = "webhook.created";
    auto out = ask<config_outcome_ptr>(writer, atom::configure_v, config_change_ptr{change});
    INFO(out->error.detail);
    REQUIRE(out->error.code == ec::no_error);
    hooks.push_back(w);
  }
  router_config rc;
  rc.webhooks = hooks;
  rc.transport = transport_ptr;
  rc.time = &wall;
  rc.writer = writer;
  rc.reader = reader;
  rc.position = storage::log_reader{*db}.head()->seq;
  rc.tick_interval = 5s;
  rc.idle_tick_interval = 60s;
  auto r = sys->spawn(router, std::move(rc));
  caf::anon_send(writer, atom::subscribe_v, caf::actor_cast<batch_subscriber_actor>(r));
  sched->run();
  // Messages handled after `d`: the router's tick alone, or the tick and one per actor.
  auto handled_after = [&](caf::timespan d) {
    sched->advance_time(d);
    return sched->run();
  };
  for (int i = 0; i < 5; ++i)
    CHECK(handled_after(5s) == 1); // Idle: the router ticks itself only (the actors started
                                   // at its position).
  deliver(2);                      // The position moves (no webhook matches the events)...
  CHECK(handled_after(5s) == 4);   // ...so the next tick reaches every actor,
  CHECK(handled_after(5s) == 1);   // and the one after is idle again.
  int idle = 0;
  for (int i = 0; i < 12; ++i)
    idle += handled_after(5s) == 1 ? 1 : 0;
  CHECK(idle == 11); // Once a minute, the idle tick: the failure window, quiet snapshots.
  caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
  sched->run();
}
