#include "http/actor_bridge.hpp"

namespace hookd::http {

namespace {

// Sends `xs...` to the writer and hands the answer or the error to `callback`.
template <class Result, class Callback, class... Ts>
void forward(http_bridge_actor::stateful_pointer<actor_bridge_state> self, const Callback& callback,
             Ts&&... xs) {
  self->request(self->state.writer, self->state.timeout, std::forward<Ts>(xs)...)
      .then([callback](Result& result) { (*callback)(std::move(result)); },
            [callback](caf::error& err) { (*callback)(std::move(err)); });
}

} // namespace

http_bridge_actor::behavior_type
actor_bridge(http_bridge_actor::stateful_pointer<actor_bridge_state> self, log_writer_actor writer,
             std::chrono::milliseconds timeout) {
  self->state.writer = std::move(writer);
  self->state.timeout = timeout;
  return {
      [self](atom::append, append_request_ptr& req, append_callback_ptr& callback) {
        forward<append_outcome_ptr>(self, callback, atom::append_v, std::move(req));
      },
      [self](atom::configure, config_change_ptr& change, config_callback_ptr& callback) {
        forward<config_outcome_ptr>(self, callback, atom::configure_v, std::move(change));
      },
      [self](atom::status, status_callback_ptr& callback) {
        forward<writer_status_ptr>(self, callback, atom::status_v);
      },
  };
}

} // namespace hookd::http
