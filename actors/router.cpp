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
  st.actors.emplace(std::move(key), self->spawn(webhook_endpoint, std::move(cfg)));
}

} // namespace

router_actor::behavior_type router(router_actor::stateful_pointer<router_state> self,
                                   router_config config) {
  self->state.config = std::move(config);
  self->state.position = self->state.config.position;
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
        for (const auto& change : batch->webhook_changes)
          apply(self, change.value, change.removed);
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
      [self](atom::tick) {
        auto& st = self->state;
        for (auto& [key, a] : st.actors)
          self->send(a, atom::tick_v, st.position);
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
