#include "http/actor_bridge.hpp"

namespace hookd::http {

namespace {

using bridge_ptr = http_bridge_actor::stateful_pointer<actor_bridge_state>;

// Sends `xs...` to `dest` and hands the answer or the error (a timeout once `timeout` has
// passed, found by a sweep) to `callback`. Whichever comes first wins; the other is dropped.
template <class Result, class Dest, class Callback, class... Ts>
void forward(bridge_ptr self, const Dest& dest, std::chrono::milliseconds timeout,
             const Callback& callback, Ts&&... xs) {
  auto deadlines = self->state.deadlines;
  auto ticket = deadlines->add(self->clock().now() + timeout,
                               [callback] { (*callback)(make_error(caf::sec::request_timeout)); });
  self->request(dest, caf::infinite, std::forward<Ts>(xs)...)
      .then(
          [deadlines, ticket, callback](Result& result) {
            if (deadlines->claim(ticket))
              (*callback)(std::move(result));
          },
          [deadlines, ticket, callback](caf::error& err) {
            if (deadlines->claim(ticket))
              (*callback)(std::move(err));
          });
}

} // namespace

http_bridge_actor::behavior_type
actor_bridge(http_bridge_actor::stateful_pointer<actor_bridge_state> self, log_writer_actor writer,
             router_actor router, retention_actor retention, std::chrono::milliseconds timeout,
             std::shared_ptr<answer_deadlines> deadlines) {
  self->state.writer = std::move(writer);
  self->state.retention = std::move(retention);
  self->state.router = std::move(router);
  self->state.timeout = timeout;
  self->state.deadlines = std::move(deadlines);
  // Every second, whether or not anything waits: the API registers appends without telling
  // the bridge (one wake-up a second costs nothing measurable).
  self->delayed_send(self, std::chrono::seconds{1}, atom::sweep_v);
  return {
      [self](atom::configure, config_change_ptr& change, config_callback_ptr& callback) {
        forward<config_outcome_ptr>(self, self->state.writer, self->state.timeout, callback,
                                    atom::configure_v, std::move(change));
      },
      [self](atom::status, status_callback_ptr& callback) {
        forward<writer_status_ptr>(self, self->state.writer, self->state.timeout, callback,
                                   atom::status_v);
      },
      [self](atom::status, std::string& tenant, std::string& id, stats_callback_ptr& callback) {
        forward<webhook_stats_ptr>(self, self->state.router, self->state.timeout, callback,
                                   atom::status_v, std::move(tenant), std::move(id));
      },
      [self](atom::test, std::string& tenant, std::string& id, test_callback_ptr& callback) {
        // A test waits for the endpoint, up to the longest webhook timeout.
        forward<test_result_ptr>(self, self->state.router,
                                 self->state.timeout +
                                     std::chrono::seconds{webhook_limits::max_timeout_seconds},
                                 callback, atom::test_v, std::move(tenant), std::move(id));
      },
      [self](atom::queue, std::string& tenant, queue_callback_ptr& callback) {
        forward<queue_report_ptr>(self, self->state.router, self->state.timeout, callback,
                                  atom::queue_v, std::move(tenant));
      },
      [self](atom::requeue, std::string& tenant, std::string& id, int64_t since, int64_t until,
             retry_job_callback_ptr& callback) {
        forward<retry_job_ptr>(self, self->state.router, self->state.timeout, callback,
                               atom::requeue_v, std::move(tenant), std::move(id), since, until);
      },
      [self](atom::prune, retention_callback_ptr& callback) {
        // A pass deletes and compacts: it may take longer than a write.
        forward<retention_report_ptr>(self, self->state.retention, self->state.timeout * 10,
                                      callback, atom::prune_v);
      },
      [self](atom::sweep) {
        self->delayed_send(self, std::chrono::seconds{1}, atom::sweep_v);
        self->state.deadlines->expire_overdue(self->clock().now());
      },
  };
}

} // namespace hookd::http
