#include "actors/webhook.hpp"

#include "actors/logging.hpp"
#include "domain/delivery_message.hpp"
#include "domain/url.hpp"
#include "domain/webhook_secret.hpp"

#include <caf/send.hpp>

namespace hookd {

namespace {

using self_ptr = webhook_actor::stateful_pointer<webhook_state>;
using time_point = caf::actor_clock::time_point;

void load_keys(self_ptr self) {
  auto& st = self->state;
  st.keys.clear();
  if (auto raw = parse_webhook_secret(st.config.hook.secret))
    st.keys.push_back(std::make_unique<hmac_sha256_key>(*raw));
}

// Pause before probe number `n` (from 0) of an open circuit: the webhook's own schedule,
// repeating its longest pause once it runs out.
caf::timespan probe_delay(const webhook_state& st, uint32_t n) {
  const auto& delays = st.config.hook.retry.delays();
  if (delays.empty())
    return std::chrono::seconds{5};
  return delays[std::min<std::size_t>(n, delays.size() - 1)];
}

// Arms the retry timer for `at` unless an earlier one is already armed.
void arm_timer(self_ptr self, time_point at) {
  auto& st = self->state;
  if (at >= st.timer_at)
    return;
  st.timer_at = at;
  ++st.timer_generation;
  auto now = self->clock().now();
  self->delayed_send(self, at > now ? at - now : caf::timespan{0}, atom::retry_v,
                     st.timer_generation);
}

void finish(self_ptr self, uint64_t seq, bool delivered) {
  auto& st = self->state;
  if (delivered)
    ++st.stats.delivered;
  else
    ++st.stats.failed;
  st.pending.erase(seq);
}

void send_attempt(self_ptr self, uint64_t seq, pending_delivery& d) {
  auto& st = self->state;
  const auto& hook = st.config.hook;
  if (!st.target) {
    // Validated at the API; a stored bad URL can only fail.
    st.stats.last_error = "invalid URL";
    return finish(self, seq, false);
  }
  d.in_flight = true;
  ++st.in_flight;
  ++d.attempts;
  ++st.stats.attempts;
  if (d.attempts > 1)
    ++st.stats.retries;
  const auto& e = d.ev();
  std::vector<const hmac_sha256_key*> keys;
  for (const auto& k : st.keys)
    keys.push_back(k.get());
  auto message = sign_delivery(delivery_message_id(hook.id, e.id), st.config.time->now_ms() / 1000,
                               render_standard_envelope(e), keys, hook.headers);
  delivery_request req;
  req.pool = hook.id;
  req.target = *st.target;
  req.headers = std::move(message.headers);
  req.body = std::move(message.body);
  req.timeout = std::chrono::seconds{hook.timeout_seconds};
  // A weak handle: the transport must not keep a stopped actor (and, through its state, the
  // transport itself) alive on the transport's own thread.
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(self);
  st.config.transport->send(std::move(req), [weak, seq](delivery_response r) {
    if (auto strong = caf::actor_cast<caf::strong_actor_ptr>(weak))
      caf::anon_send(caf::actor_cast<webhook_actor>(strong), atom::done_v, seq,
                     delivery_result_ptr{std::make_shared<delivery_response>(std::move(r))});
  });
}

// Starts every attempt that is due and fits: `max_in_flight` (one for FIFO), one probe while
// the circuit is open, none while disabled. Arms the timer for the next due attempt.
void pump(self_ptr self) {
  auto& st = self->state;
  if (!st.stats.enabled || st.pending.empty())
    return;
  auto now = self->clock().now();
  auto start = [&](uint64_t seq) {
    auto& d = st.pending.at(seq);
    st.schedule.erase({d.due, seq});
    send_attempt(self, seq, d);
  };
  if (st.stats.circuit_open) {
    if (st.in_flight > 0)
      return;
    if (st.probe_at > now)
      return arm_timer(self, st.probe_at);
    return start(st.pending.begin()->first); // The probe: the oldest delivery.
  }
  if (st.config.hook.ordering == delivery_ordering::fifo) {
    if (st.in_flight > 0)
      return;
    auto& [seq, head] = *st.pending.begin();
    if (head.due > now)
      return arm_timer(self, head.due);
    return start(seq);
  }
  while (st.in_flight < st.config.hook.max_in_flight && !st.schedule.empty()) {
    auto [due, seq] = *st.schedule.begin();
    if (due > now)
      return arm_timer(self, due);
    start(seq);
  }
}

void on_result(self_ptr self, uint64_t seq, const delivery_response& res) {
  auto& st = self->state;
  auto it = st.pending.find(seq);
  if (it == st.pending.end() || !it->second.in_flight)
    return; // Stale: the delivery was dropped meanwhile (410, delete).
  auto& d = it->second;
  d.in_flight = false;
  --st.in_flight;
  auto now = self->clock().now();
  switch (classify_attempt(res.error, res.status)) {
  case attempt_class::success:
    st.stats.consecutive_failures = 0;
    if (st.stats.circuit_open) {
      st.stats.circuit_open = false;
      st.probes = 0;
      HOOKD_INFO("webhook {}: circuit closed", st.config.hook.id);
    }
    finish(self, seq, true);
    break;
  case attempt_class::gone:
    // The endpoint asks to be left alone: disable, and drop what is pending.
    st.stats.enabled = false;
    st.stats.last_error = "410 Gone";
    st.stats.failed += st.pending.size();
    st.pending.clear();
    st.schedule.clear();
    HOOKD_WARN("webhook {}: disabled by 410 Gone", st.config.hook.id);
    return;
  case attempt_class::permanent:
    st.stats.last_error =
        res.status ? "HTTP " + std::to_string(*res.status) : std::string{to_string(res.error)};
    finish(self, seq, false);
    break;
  case attempt_class::retryable: {
    ++st.stats.consecutive_failures;
    st.stats.last_error =
        res.status ? "HTTP " + std::to_string(*res.status) : std::string{to_string(res.error)};
    auto pause = st.config.hook.retry.delay_before(d.attempts + 1, *st.config.jitter);
    if (!pause) {
      finish(self, seq, false); // The schedule is exhausted.
    } else {
      if (res.retry_after)
        if (auto asked = parse_retry_after(*res.retry_after, st.config.time->now_ms()))
          pause = clamp_retry_after(*asked, *pause);
      d.due = now + *pause;
      st.schedule.emplace(d.due, seq);
    }
    if (st.stats.circuit_open) {
      st.probe_at = now + probe_delay(st, ++st.probes);
    } else if (st.stats.consecutive_failures >= st.config.circuit_threshold) {
      st.stats.circuit_open = true;
      st.probes = 0;
      st.probe_at = now + probe_delay(st, 0);
      HOOKD_WARN("webhook {}: circuit open after {} failures", st.config.hook.id,
                 st.stats.consecutive_failures);
    }
    break;
  }
  }
  pump(self);
}

} // namespace

webhook_actor::behavior_type webhook_endpoint(webhook_actor::stateful_pointer<webhook_state> self,
                                              webhook_config config) {
  self->state.config = std::move(config);
  self->state.stats.enabled = self->state.config.hook.enabled;
  self->state.target = parse_url(self->state.config.hook.url);
  load_keys(self);
  return {
      [self](atom::deliver, committed_batch_ptr& batch, std::vector<uint32_t>& indices) {
        auto& st = self->state;
        auto now = self->clock().now();
        for (auto i : indices) {
          auto seq = batch->events[i].seq;
          if (st.pending.count(seq) > 0)
            continue; // Already queued (a replayed batch).
          st.pending.emplace(seq, pending_delivery{batch, i, 0, now, false});
          st.schedule.emplace(now, seq);
        }
        pump(self);
      },
      [self](atom::done, uint64_t seq, delivery_result_ptr& res) { on_result(self, seq, *res); },
      [self](atom::retry, uint64_t generation) {
        auto& st = self->state;
        if (generation != st.timer_generation)
          return; // A timer that was superseded by an earlier one.
        st.timer_at = time_point::max();
        pump(self);
      },
      [self](atom::configure, webhook_ptr& hook) {
        auto& st = self->state;
        bool new_secret = hook->secret != st.config.hook.secret;
        bool new_url = hook->url != st.config.hook.url;
        st.config.hook = *hook;
        st.stats.enabled = hook->enabled;
        if (new_secret)
          load_keys(self);
        if (new_url) {
          st.target = parse_url(hook->url);
          st.config.transport->close_pool(hook->id);
        }
        pump(self);
      },
      [self](atom::status) -> webhook_stats_ptr {
        auto stats = self->state.stats;
        stats.pending = self->state.pending.size();
        stats.in_flight = self->state.in_flight;
        return std::make_shared<webhook_stats>(std::move(stats));
      },
  };
}

} // namespace hookd
