#include "actors/node.hpp"
#include "actors/type_ids.hpp"
#include "storage/log_reader.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_db.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <catch2/catch.hpp>

#include <mutex>
#include <set>
#include <thread>

using namespace hookd;

TEST_CASE("log_writer: concurrent appenders get distinct, contiguous sequence numbers that "
          "survive a reopen",
          "[actors][log_writer][concurrency]") {
  test::temp_dir dir;
  constexpr int threads = 8;
  constexpr int requests_per_thread = 150;
  std::vector<uint64_t> seqs;
  std::mutex mtx;
  {
    caf::actor_system_config cfg;
    add_message_types(cfg);
    caf::actor_system sys{cfg};
    system_clock time;
    node_config ncfg;
    ncfg.data_dir = dir.path();
    ncfg.secrets = test::test_secret_box();
    auto n = node::start(sys, ncfg, time);
    REQUIRE(n);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        caf::scoped_actor self{sys};
        for (int i = 0; i < requests_per_thread; ++i) {
          auto req = std::make_shared<append_request>();
          req->tenant = "t" + std::to_string(t % 3);
          for (int k = 0; k <= i % 3; ++k) {
            event_draft d;
            d.id = "evt_" + std::to_string(t) + "_" + std::to_string(i) + "_" + std::to_string(k);
            d.type = "load.test";
            d.data = R"({"t":)" + std::to_string(t) + "}";
            compute_fingerprint(d);
            req->body.events.push_back(std::move(d));
          }
          req->body.batch = req->body.events.size() > 1;
          self->request((*n)->writer(), caf::infinite, atom::append_v, req)
              .receive(
                  [&](append_outcome_ptr& o) {
                    std::lock_guard guard{mtx};
                    for (auto& e : o->events)
                      seqs.push_back(e.seq);
                  },
                  [&](caf::error&) {});
        }
      });
    for (auto& t : pool)
      t.join();
    (*n)->stop();
  }
  std::size_t expected_events = 0;
  for (int i = 0; i < requests_per_thread; ++i)
    expected_events += threads * (i % 3 + 1);
  REQUIRE(seqs.size() == expected_events);
  std::sort(seqs.begin(), seqs.end());
  for (std::size_t i = 0; i < seqs.size(); ++i)
    REQUIRE(seqs[i] == i + 1); // Distinct and gap-free.
  auto db = storage::database::open(dir.path() / "db", test::test_db_options(true));
  REQUIRE(db);
  storage::log_reader reader{**db};
  auto v = reader.verify_chain();
  REQUIRE(v);
  CHECK(v->intact);
  CHECK(v->checked == expected_events);
  CHECK((*reader.head()).seq == expected_events);
}
