// The HTTP bridge on CAF's deterministic test coordinator: answers are handed over, and an
// answer that does not come in time becomes a timeout error (found by the bridge's sweep of
// the shared deadlines, without a CAF timeout per request).

#include "actors/type_ids.hpp"
#include "http/actor_bridge.hpp"
#include "tests/support/deterministic_system.hpp"

#include <caf/send.hpp>
#include <catch2/catch.hpp>

using namespace hookd;
using namespace std::chrono_literals;

namespace {

/// What the slow writer owes: status answers, given when the test says so.
struct held_answers {
  std::vector<caf::typed_response_promise<writer_status_ptr>> statuses;
  /// The head every answer reports.
  uint64_t head = 0;
};

/// A log writer that answers status requests only when the test says so (with `flush`).
log_writer_actor::behavior_type slow_writer(log_writer_actor::pointer self,
                                            std::shared_ptr<held_answers> held) {
  return {
      [](atom::append, append_request_ptr&) -> append_outcome_ptr {
        return std::make_shared<append_outcome>();
      },
      [](atom::append, append_request_ptr&, append_callback_ptr&) {},
      [](atom::configure, config_change_ptr&) -> config_outcome_ptr {
        return std::make_shared<config_outcome>();
      },
      [](atom::subscribe, batch_subscriber_actor&) {},
      [held](atom::flush) {
        for (auto& rp : held->statuses) {
          auto s = std::make_shared<writer_status>();
          s->head_seq = held->head;
          rp.deliver(writer_status_ptr{std::move(s)});
        }
        held->statuses.clear();
      },
      [](atom::sweep) {},
      [](atom::sync) {},
      [](atom::record, delivery_log_ptr&) {},
      [self, held](atom::status) {
        auto rp = self->make_response_promise<writer_status_ptr>();
        held->statuses.push_back(rp);
        return rp;
      },
  };
}

struct bridge_fixture : test::deterministic_system {
  std::shared_ptr<held_answers> held = std::make_shared<held_answers>();
  std::shared_ptr<http::answer_deadlines> deadlines = std::make_shared<http::answer_deadlines>();
  log_writer_actor writer;
  http_bridge_actor bridge;

  bridge_fixture() {
    writer = sys->spawn(slow_writer, held);
    bridge = sys->spawn(http::actor_bridge, writer, router_actor{}, retention_actor{}, 30000ms,
                        deadlines);
    sched->run();
  }

  ~bridge_fixture() {
    caf::anon_send_exit(bridge, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
    sched->run();
  }

  /// Asks the writer's status through the bridge; the slot holds what the callback was given.
  std::shared_ptr<std::vector<caf::expected<writer_status_ptr>>> ask_status() {
    auto got = std::make_shared<std::vector<caf::expected<writer_status_ptr>>>();
    auto cb = std::make_shared<std::function<void(caf::expected<writer_status_ptr>)>>(
        [got](caf::expected<writer_status_ptr> r) { got->push_back(std::move(r)); });
    caf::anon_send(bridge, atom::status_v, cb);
    sched->run();
    return got;
  }

  /// Has the writer give every answer it owes.
  void answer_all() {
    caf::anon_send(writer, atom::flush_v);
    sched->run();
  }

  void advance(caf::timespan d) {
    sched->advance_time(d);
    sched->run();
  }
};

} // namespace

TEST_CASE_METHOD(bridge_fixture, "bridge: an answer in time is handed over once",
                 "[http][bridge]") {
  auto got = ask_status();
  CHECK(got->empty());
  REQUIRE(held->statuses.size() == 1);
  CHECK(deadlines->size() == 1);
  held->head = 42;
  answer_all();
  REQUIRE(got->size() == 1);
  REQUIRE(got->front());
  CHECK((*got->front())->head_seq == 42);
  CHECK(deadlines->size() == 0);
  advance(40s); // No timeout follows a delivered answer.
  CHECK(got->size() == 1);
}

TEST_CASE_METHOD(bridge_fixture,
                 "bridge: an overdue answer becomes a timeout, and a late one is dropped",
                 "[http][bridge]") {
  auto first = ask_status();
  advance(20s);
  auto second = ask_status();
  advance(10s); // The first is due now; the next sweep (within a second) answers it.
  advance(1s);
  REQUIRE(first->size() == 1);
  CHECK(!first->front());
  CHECK(first->front().error() == caf::sec::request_timeout);
  CHECK(second->empty());
  // The writer answers the first after all: the caller already had its error.
  answer_all();
  CHECK(first->size() == 1);
  CHECK(!first->front());
  REQUIRE(second->size() == 1); // Answered in time, with the first.
  CHECK(second->front());
  auto third = ask_status();
  advance(31s);
  REQUIRE(third->size() == 1);
  CHECK(third->front().error() == caf::sec::request_timeout);
  CHECK(deadlines->size() == 0);
}

TEST_CASE_METHOD(bridge_fixture, "bridge: the sweep expires deadlines registered elsewhere",
                 "[http][bridge]") {
  // As the API does for appends it sends the writer directly.
  int expired = 0;
  deadlines->add(sys->clock().now() + 30s, [&expired] { ++expired; });
  auto answered = deadlines->add(sys->clock().now() + 30s, [&expired] { ++expired; });
  CHECK(deadlines->claim(answered));
  CHECK(!deadlines->claim(answered)); // Only once.
  advance(29s);
  CHECK(expired == 0);
  advance(2s);
  CHECK(expired == 1);
  CHECK(deadlines->size() == 0);
}
