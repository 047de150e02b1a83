#include "actors/retention.hpp"

#include "actors/logging.hpp"
#include "actors/type_ids.hpp"

#include <caf/send.hpp>

namespace hookd {

namespace {

using self_ptr = retention_actor::stateful_pointer<retention_state>;

void run_pass(self_ptr self);

// Answers everyone waiting, and starts the next pass at once when this one stopped at its size
// limit.
void finish(self_ptr self, caf::expected<retention_report_ptr> result, bool more) {
  auto& st = self->state;
  st.running = false;
  auto waiting = std::move(st.waiting);
  st.waiting.clear();
  for (auto& rp : waiting) {
    if (result)
      rp.deliver(*result);
    else
      rp.deliver(result.error());
  }
  if (more)
    run_pass(self);
}

// A report of `plan` (after deleting it when `pruned`).
retention_report_ptr report_of(self_ptr self, const storage::retention_plan& plan, bool pruned) {
  auto r = std::make_shared<retention_report>();
  r->pruned = pruned ? plan.events() : 0;
  r->oldest_seq = pruned ? plan.cut : plan.oldest;
  r->anchor = plan.anchor;
  r->held_by = plan.held_by;
  r->at_ms = self->state.config.time->now_ms();
  return r;
}

// After the writer committed the deletion: compacts (the space returns once compaction drops
// the deleted ranges), then answers.
void compact_and_finish(self_ptr self, const std::shared_ptr<const storage::retention_plan>& plan) {
  HOOKD_INFO("retention: deleted seq {} to {} (anchor {}); kept from {}: {}", plan->oldest,
             plan->anchor.seq, storage::anchor_text(plan->anchor), plan->cut,
             plan->held_by.empty() ? "-" : plan->held_by);
  if (auto compacted = storage::compact_log(*self->state.config.db, plan->cut); !compacted)
    HOOKD_WARN("retention: compaction failed: {}", compacted.error().detail);
  finish(self, report_of(self, *plan, true), plan->more);
}

void run_pass(self_ptr self) {
  auto& st = self->state;
  if (st.running)
    return;
  st.running = true;
  auto planned = storage::plan_retention(*st.config.db, st.config.keep.count(),
                                         st.config.time->now_ms(), st.config.max_events);
  if (!planned) {
    HOOKD_ERROR("retention: planning failed: {}", planned.error().detail);
    return finish(self, to_caf_error(planned.error()), false);
  }
  auto plan = std::make_shared<const storage::retention_plan>(std::move(*planned));
  if (plan->events() == 0)
    return finish(self, report_of(self, *plan, false), false);
  auto change = std::make_shared<config_change>();
  change->op = config_change::prune_log{plan};
  change->audit.at_ms = st.config.time->now_ms();
  change->audit.actor = "system";
  change->audit.action = "log.pruned";
  change->audit.object_id = std::to_string(plan->anchor.seq);
  change->audit.details = R"({"from_seq":)" + std::to_string(plan->oldest) + R"(,"to_seq":)" +
                          std::to_string(plan->anchor.seq) + R"(,"anchor":")" +
                          storage::anchor_text(plan->anchor) + R"("})";
  self->request(st.config.writer, caf::infinite, atom::configure_v, config_change_ptr{change})
      .then(
          [self, plan](config_outcome_ptr& out) {
            if (out->error.code != ec::no_error)
              return finish(self, make_error(out->error.code, out->error.detail), false);
            compact_and_finish(self, plan);
          },
          [self](caf::error& err) { finish(self, err, false); });
}

} // namespace

retention_actor::behavior_type retention(retention_actor::stateful_pointer<retention_state> self,
                                         retention_config config) {
  self->state.config = std::move(config);
  if (self->state.config.interval.count() > 0)
    self->send(self, atom::tick_v);
  return {
      [self](atom::prune) -> caf::result<retention_report_ptr> {
        auto rp = self->make_response_promise<retention_report_ptr>();
        self->state.waiting.push_back(rp);
        run_pass(self);
        return rp;
      },
      [self](atom::tick) {
        run_pass(self);
        self->delayed_send(self, self->state.config.interval, atom::tick_v);
      },
  };
}

} // namespace hookd
