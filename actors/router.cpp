#include "actors/router.hpp"

#include "actors/logging.hpp"
#include "domain/composite_key.hpp"
#include "domain/retry_policy.hpp"

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <random>

namespace hookd {

namespace {

using self_ptr = router_actor::stateful_pointer<router_state>;

// Stops the actor of `w`: it snapshots (or, when `drop`, records its pending deliveries as
// dropped) and quits.
void stop_actor(self_ptr self, const std::string& key, const webhook& w, bool drop) {
  auto& st = self->state;
  if (auto it = st.actors.find(key); it != st.actors.end()) {
    caf::anon_send(it->second, atom::stop_v, drop);
    st.actors.erase(it);
  }
  st.config.transport->close_pool(w.id);
}

// Creates, reconfigures or stops the actor of `w`, and updates the index. Disabled webhooks
// have no actor and receive nothing; their snapshot keeps their place in the log.
void apply(self_ptr self, const webhook& w, bool removed) {
  auto& st = self->state;
  auto key = composite_key(w.tenant, w.id);
  if (!removed && !w.enabled)
    st.disabled[key] = w.tenant;
  else
    st.disabled.erase(key);
  if (removed || !w.enabled) {
    st.index.remove(w.tenant, w.id);
    stop_actor(self, key, w, removed);
    return;
  }
  st.index.upsert(w);
  if (auto it = st.actors.find(key); it != st.actors.end()) {
    self->send(it->second, atom::configure_v, webhook_ptr{std::make_shared<webhook>(w)});
    return;
  }
  webhook_config cfg;
  cfg.hook = w;
  cfg.transport = st.config.transport;
  cfg.time = st.config.time;
  cfg.jitter = std::make_shared<random_jitter>(std::random_device{}());
  cfg.circuit_threshold = st.config.circuit_threshold;
  cfg.writer = st.config.writer;
  cfg.reader = st.config.reader;
  cfg.position = st.position;
  cfg.tuning = st.config.tuning;
  cfg.counters = st.config.counters;
  cfg.application_limits = st.config.application_limits;
  st.actors.emplace(std::move(key), self->spawn(webhook_endpoint, std::move(cfg)));
}

// An enabled webhook's actor, with the webhook's tenant and id.
struct webhook_entry {
  std::string tenant;
  std::string id;
  webhook_actor actor;
};

// The actors of `tenant`'s enabled webhooks (every tenant's when empty); only webhook `id`'s
// when given.
std::vector<webhook_entry> actors_of(self_ptr self, std::string_view tenant,
                                     std::string_view id = {}) {
  auto& actors = self->state.actors;
  std::vector<webhook_entry> out;
  auto add = [&out](std::string_view key, const webhook_actor& a) {
    auto nul = key.find('\0');
    out.push_back({std::string{key.substr(0, nul)}, std::string{key.substr(nul + 1)}, a});
  };
  if (!id.empty()) {
    auto key = composite_key(tenant, id);
    if (auto it = actors.find(key); it != actors.end())
      add(key, it->second);
    return out;
  }
  auto prefix = composite_key(tenant, {});
  for (const auto& [key, a] : actors)
    if (tenant.empty() || key.starts_with(prefix))
      add(key, a);
  return out;
}

// Collects the queue figures of `tenant` (all when empty) from every webhook actor.
caf::typed_response_promise<queue_report_ptr> report_queue(self_ptr self, std::string tenant) {
  auto& st = self->state;
  auto rp = self->make_response_promise<queue_report_ptr>();
  auto report = std::make_shared<queue_report>();
  for (const auto& [key, owner] : st.disabled)
    if (tenant.empty() || owner == tenant)
      ++report->tenants[owner].disabled_webhooks;
  for (const auto& job : st.jobs)
    if (tenant.empty() || job->tenant == tenant)
      report->jobs.push_back(job);
  auto targets = actors_of(self, tenant);
  auto left = std::make_shared<std::size_t>(targets.size());
  if (targets.empty()) {
    rp.deliver(queue_report_ptr{std::move(report)});
    return rp;
  }
  for (auto& [owner, id, a] : targets) {
    // No timeout: an actor that quits first bounces the request with an error, which leaves
    // it out. (A timeout per actor would queue thousands of timers on CAF's clock thread at
    // every poll of the queue figures.)
    auto done = [rp, left, report]() mutable {
      if (--*left == 0)
        rp.deliver(queue_report_ptr{report});
    };
    self->request(a, caf::infinite, atom::queue_v)
        .then(
            [done, report, owner = owner](webhook_stats_ptr& s) mutable {
              report->tenants[owner].add(*s);
              done();
            },
            [done](caf::error&) mutable { done(); });
  }
  return rp;
}

// Starts a bulk retry: asks the state reader for each webhook's failed deliveries in the
// window, then hands each actor its list; answers with the job once all are counted.
caf::typed_response_promise<retry_job_ptr> start_retry(self_ptr self, std::string tenant,
                                                       std::string webhook_id, int64_t since,
                                                       int64_t until) {
  auto& st = self->state;
  auto rp = self->make_response_promise<retry_job_ptr>();
  auto targets = actors_of(self, tenant, webhook_id);
  if (!webhook_id.empty() && targets.empty()) {
    rp.deliver(
        make_error(ec::conflict, "webhook '" + webhook_id + "' is disabled; enable it first"));
    return rp;
  }
  auto job = std::make_shared<retry_job>();
  auto now = st.config.time->now_ms();
  job->id = st.ids.next("rty_", now);
  job->tenant = tenant;
  job->webhook_id = webhook_id;
  job->since_ms = since;
  job->until_ms = until;
  job->created_at_ms = now;
  st.jobs.push_front(job);
  if (st.jobs.size() > 50)
    st.jobs.pop_back();
  if (targets.empty()) {
    rp.deliver(job);
    return rp;
  }
  // The lists are handed out once all are counted, so that the job's total is final before
  // any progress is counted against it.
  struct gathering {
    std::size_t left = 0;
    std::vector<std::pair<webhook_actor, seq_list_ptr>> lists;
  };
  auto g = std::make_shared<gathering>();
  g->left = targets.size();
  auto finish = [self, rp, job, g]() mutable {
    if (--g->left != 0)
      return;
    for (const auto& [a, seqs] : g->lists)
      job->total += seqs->size();
    for (auto& [a, seqs] : g->lists)
      self->send(a, atom::requeue_v, seqs, job);
    rp.deliver(job);
  };
  for (auto& [owner, id, a] : targets) {
    auto hook = std::make_shared<webhook>();
    hook->tenant = tenant;
    hook->id = id;
    self->request(st.config.reader, caf::infinite, atom::scan_v, webhook_ptr{hook}, since, until)
        .then(
            [g, finish, a = a](seq_list_ptr& seqs) mutable {
              if (!seqs->empty())
                g->lists.emplace_back(a, std::move(seqs));
              finish();
            },
            [finish, id = id](caf::error& err) mutable {
              HOOKD_ERROR("router: finding the failed deliveries of {} failed: {}", id,
                          to_string(err));
              finish();
            });
  }
  return rp;
}

} // namespace

router_actor::behavior_type router(router_actor::stateful_pointer<router_state> self,
                                   router_config config) {
  self->state.config = std::move(config);
  self->state.position = self->state.config.position;
  // The actors spawned now start at this position: no tick needs to tell them.
  self->state.ticked_position = self->state.position;
  self->state.ticked_at = self->clock().now();
  if (!self->state.config.counters)
    self->state.config.counters = std::make_shared<metrics>();
  auto initial = std::move(self->state.config.webhooks);
  for (const auto& w : initial)
    apply(self, w, false);
  HOOKD_INFO("router: {} webhooks, {} active", initial.size(), self->state.actors.size());
  self->set_exit_handler([self](const caf::exit_msg& msg) {
    for (auto& [key, a] : self->state.actors)
      self->send_exit(a, msg.reason);
    self->state.actors.clear();
    self->quit(msg.reason);
  });
  if (self->state.config.tick_interval.count() > 0)
    self->delayed_send(self, self->state.config.tick_interval, atom::tick_v);
  return {
      [self](atom::committed, committed_batch_ptr& batch) {
        auto& st = self->state;
        if (st.config.application_limits)
          for (const auto& t : batch->tenant_changes)
            st.config.application_limits->set_limit(t.id, t.application_deliveries_per_minute);
        for (const auto& change : batch->webhook_changes)
          apply(self, change.value, change.removed);
        // Jobs go to their webhook's actor; a disabled webhook's actor reads its running jobs
        // when it starts again.
        for (const auto& job : batch->job_changes)
          if (auto it = st.actors.find(composite_key(job.tenant, job.webhook_id));
              it != st.actors.end())
            self->send(it->second, atom::replay_v,
                       replay_job_ptr{std::make_shared<replay_job>(job)});
        // One message per webhook actor per batch, holding the indices of its events.
        std::unordered_map<const webhook_actor*, std::vector<uint32_t>> per_actor;
        for (uint32_t i = 0; i < batch->events.size(); ++i) {
          const auto& e = batch->events[i];
          st.matches.clear();
          st.index.match(e.tenant, e.type, e.labels, st.matches);
          for (const auto* m : st.matches) {
            if (is_operational_event_about(m->id, e.type, e.labels))
              continue; // Never a notice about itself.
            if (auto it = st.actors.find(composite_key(m->tenant, m->id)); it != st.actors.end())
              per_actor[&it->second].push_back(i);
          }
        }
        for (auto& [a, indices] : per_actor)
          self->send(*a, atom::deliver_v, batch, std::move(indices));
        if (!batch->events.empty())
          st.position = std::max(st.position, batch->events.back().seq);
      },
      [self](atom::status, std::string& tenant, std::string& id) -> caf::result<webhook_stats_ptr> {
        auto it = self->state.actors.find(composite_key(tenant, id));
        if (it == self->state.actors.end())
          return make_error(ec::not_found, "no active webhook '" + id + "'");
        return self->delegate(it->second, atom::status_v);
      },
      [self](atom::test, std::string& tenant, std::string& id) -> caf::result<test_result_ptr> {
        auto it = self->state.actors.find(composite_key(tenant, id));
        if (it == self->state.actors.end())
          return make_error(ec::conflict, "webhook '" + id + "' is disabled; enable it first");
        return self->delegate(it->second, atom::test_v);
      },
      [self](atom::queue, std::string& tenant) { return report_queue(self, std::move(tenant)); },
      [self](atom::requeue, std::string& tenant, std::string& id, int64_t since, int64_t until) {
        return start_retry(self, std::move(tenant), std::move(id), since, until);
      },
      [self](atom::tick) {
        auto& st = self->state;
        auto now = self->clock().now();
        if (st.position != st.ticked_position ||
            now - st.ticked_at >= st.config.idle_tick_interval) {
          for (auto& [key, a] : st.actors)
            self->send(a, atom::tick_v, st.position);
          st.ticked_position = st.position;
          st.ticked_at = now;
        }
        if (st.config.tick_interval.count() > 0)
          self->delayed_send(self, st.config.tick_interval, atom::tick_v);
      },
      [self](atom::stop) -> caf::result<bool> {
        // Shutdown: every actor snapshots before the writer's last commit.
        auto& st = self->state;
        auto rp = self->make_response_promise<bool>();
        auto left = std::make_shared<std::size_t>(st.actors.size());
        if (*left == 0) {
          rp.deliver(true);
          return rp;
        }
        for (auto& [key, a] : st.actors)
          self->request(a, st.config.tuning.stop_grace + std::chrono::seconds{5}, atom::stop_v,
                        false)
              .then(
                  [rp, left](bool) mutable {
                    if (--*left == 0)
                      rp.deliver(true);
                  },
                  [rp, left](caf::error&) mutable {
                    if (--*left == 0)
                      rp.deliver(true);
                  });
        st.actors.clear();
        st.index = subscription_index{};
        return rp;
      },
  };
}

} // namespace hookd
