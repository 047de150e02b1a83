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

void stop_actor(self_ptr self, const std::string& key, const webhook& w) {
  auto& st = self->state;
  if (auto it = st.actors.find(key); it != st.actors.end()) {
    self->send_exit(it->second, caf::exit_reason::user_shutdown);
    st.actors.erase(it);
  }
  st.config.transport->close_pool(w.id);
}

// Creates, reconfigures or stops the actor of `w`, and updates the index. Disabled webhooks
// have no actor and receive nothing.
void apply(self_ptr self, const webhook& w, bool removed) {
  auto& st = self->state;
  auto key = composite_key(w.tenant, w.id);
  if (removed || !w.enabled) {
    st.index.remove(w.tenant, w.id);
    stop_actor(self, key, w);
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
  st.actors.emplace(std::move(key), self->spawn(webhook_endpoint, std::move(cfg)));
}

} // namespace

router_actor::behavior_type router(router_actor::stateful_pointer<router_state> self,
                                   router_config config) {
  self->state.config = std::move(config);
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
          for (const auto* m : st.matches)
            if (auto it = st.actors.find(composite_key(m->tenant, m->id)); it != st.actors.end())
              per_actor[&it->second].push_back(i);
        }
        for (auto& [a, indices] : per_actor)
          self->send(*a, atom::deliver_v, batch, std::move(indices));
      },
      [self](atom::status, std::string& tenant, std::string& id) -> caf::result<webhook_stats_ptr> {
        auto it = self->state.actors.find(composite_key(tenant, id));
        if (it == self->state.actors.end())
          return make_error(ec::not_found, "no active webhook '" + id + "'");
        return self->delegate(it->second, atom::status_v);
      },
  };
}

} // namespace hookd
