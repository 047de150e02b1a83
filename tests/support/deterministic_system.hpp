#pragma once

#include "actors/type_ids.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <memory>

namespace hookd::test {

/// A CAF actor system on the deterministic test coordinator, with hookd's message types:
/// nothing runs until a test calls `sched->run()`, and time moves only with `advance_time`.
/// Fixtures derive from it, so the system outlives the actor handles they hold.
struct deterministic_system {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;

  deterministic_system() {
    add_message_types(cfg);
    cfg.set("scheduler.policy", caf::atom("testing"));
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
  }
};

} // namespace hookd::test
