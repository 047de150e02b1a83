// The answer inbox (a batch_handoff) between the transport's thread and a webhook actor:
// every answer is taken exactly once and in order, and only the first answer after a take
// asks for a wake-up. The delivery client's queue of sends is the same mechanism.

#include "actors/answer_inbox.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using namespace hookd;

namespace {

delivery_response status(int code) {
  delivery_response r;
  r.status = code;
  return r;
}

} // namespace

TEST_CASE("answer_inbox: one wake-up per burst, answers in order", "[actors][inbox]") {
  answer_inbox inbox;
  std::vector<std::pair<uint64_t, delivery_response>> taken;
  CHECK(inbox.put({1, status(200)}));
  CHECK_FALSE(inbox.put({2, status(500)}));
  CHECK_FALSE(inbox.put({3, status(429)}));
  inbox.take_all(taken);
  REQUIRE(taken.size() == 3);
  CHECK(taken[0].first == 1);
  CHECK(taken[1].first == 2);
  CHECK(taken[2].first == 3);
  CHECK(taken[1].second.status == 500);
  // Emptied: nothing more, and the next answer asks for a wake-up again.
  inbox.take_all(taken);
  CHECK(taken.empty());
  CHECK(inbox.put({4, status(200)}));
  inbox.take_all(taken);
  REQUIRE(taken.size() == 1);
  CHECK(taken[0].first == 4);
}

TEST_CASE("answer_inbox: answers from several threads are each taken once", "[actors][inbox]") {
  constexpr uint64_t producers = 4;
  constexpr uint64_t per_producer = 20000;
  answer_inbox inbox;
  std::atomic<uint64_t> wakes{0};
  std::vector<std::thread> threads;
  for (uint64_t p = 0; p < producers; ++p)
    threads.emplace_back([&, p] {
      for (uint64_t i = 0; i < per_producer; ++i)
        if (inbox.put({p * per_producer + i, status(200)}))
          wakes.fetch_add(1);
    });
  // The consumer takes while the producers put, as the actor would.
  std::vector<uint64_t> next(producers, 0);
  std::vector<std::pair<uint64_t, delivery_response>> taken;
  uint64_t total = 0;
  uint64_t takes_with_answers = 0;
  bool in_order = true;
  while (total < producers * per_producer) {
    inbox.take_all(taken);
    if (!taken.empty())
      ++takes_with_answers;
    for (const auto& [token, res] : taken) {
      auto p = token / per_producer;
      in_order = in_order && token % per_producer == next[p];
      ++next[p];
      ++total;
    }
  }
  for (auto& t : threads)
    t.join();
  inbox.take_all(taken);
  CHECK(taken.empty());
  CHECK(total == producers * per_producer);
  CHECK(in_order);
  // A wake-up is asked for only when the inbox was emptied since the last one: at most one
  // per take, and never more than there were answers.
  CHECK(wakes.load() >= 1);
  CHECK(wakes.load() <= takes_with_answers + 1);
}
