#include "actors/webhook.hpp"

#include "actors/logging.hpp"
#include "domain/delivery_message.hpp"
#include "domain/url.hpp"
#include "domain/webhook_secret.hpp"

#include <caf/send.hpp>

#include <algorithm>
#include <numeric>

namespace hookd {

namespace {

using self_ptr = webhook_actor::stateful_pointer<webhook_state>;
using time_point = caf::actor_clock::time_point;

// An attempt's token names its lane and event: the seq, with the top bit set for the replay
// lane (sequence numbers never reach 2^63).
constexpr uint64_t replay_bit = uint64_t{1} << 63;

bool is_replay(uint64_t token) {
  return (token & replay_bit) != 0;
}

uint64_t seq_of(uint64_t token) {
  return token & ~replay_bit;
}

delivery_lane& lane_of(webhook_state& st, uint64_t token) {
  return is_replay(token) ? st.replay : st.live;
}

int64_t wall_now(self_ptr self) {
  return self->state.config.time->now_ms();
}

// An actor-clock instant as wall-clock ms, and back: snapshots store wall time.
int64_t to_wall(self_ptr self, time_point t) {
  auto delta = std::chrono::duration_cast<std::chrono::milliseconds>(t - self->clock().now());
  return wall_now(self) + delta.count();
}

time_point from_wall(self_ptr self, int64_t ms) {
  auto delta = std::max<int64_t>(0, ms - wall_now(self));
  return self->clock().now() + std::chrono::milliseconds{delta};
}

// The signing keys of the webhook's secrets in its signature style, and its template.
void load_delivery_format(self_ptr self) {
  auto& st = self->state;
  const auto& hook = st.config.hook;
  st.keys.clear();
  if (auto raw = signing_key_material(hook.signature.kind, hook.secret))
    st.keys.push_back({std::make_unique<hmac_sha256_key>(*raw), INT64_MAX});
  for (const auto& p : hook.previous_secrets)
    if (auto raw = signing_key_material(hook.signature.kind, p.secret))
      st.keys.push_back({std::make_unique<hmac_sha256_key>(*raw), p.expires_at_ms});
  st.renderer = payload_renderer{hook.body_template, hook.custom_template};
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

replay_job job_record(self_ptr self, replay_run& run);

// -- records and snapshots -------------------------------------------------------------------

// The records not yet handed to the writer (a new, empty set when there are none).
delivery_log& unsent_log(webhook_state& st) {
  if (!st.outbox) {
    st.outbox = std::make_shared<delivery_log>();
    st.outbox->tenant = st.config.hook.tenant;
    st.outbox->webhook_id = st.config.hook.id;
    st.outbox->attempts.reserve(st.outbox_records);
    st.outbox->outcomes.reserve(st.outbox_records);
  }
  return *st.outbox;
}

// The records waiting for the writer; a flush is queued behind the messages already in the
// mailbox, so that the results of a burst share one message.
delivery_log& outbox(self_ptr self) {
  auto& st = self->state;
  auto& log = unsent_log(st);
  if (!st.outbox_queued) {
    st.outbox_queued = true;
    self->send(self, atom::record_v);
  }
  return log;
}

uint64_t cursor_of(const webhook_state& st) {
  return st.backlog_from != 0 ? st.backlog_from - 1 : st.position;
}

// Sends this actor a tick after `snapshot_delay`, unless one is on its way.
void arm_tick(self_ptr self) {
  auto& st = self->state;
  if (st.tick_armed || st.config.tuning.snapshot_delay.count() <= 0)
    return;
  st.tick_armed = true;
  self->delayed_send(self, st.config.tuning.snapshot_delay, atom::tick_v, uint64_t{0});
}

// Something a snapshot holds changed: the next tick writes one.
void mark_dirty(self_ptr self) {
  self->state.dirty = true;
  arm_tick(self);
}

delivery_snapshot take_snapshot(self_ptr self) {
  auto& st = self->state;
  delivery_snapshot s;
  s.cursor = cursor_of(st);
  s.next_record = st.next_record;
  for (const auto& [seq, d] : st.live.pending)
    s.pending.push_back({seq, d.attempts, to_wall(self, d.due)});
  // Attempt state of deliveries past the cursor that are not read back yet.
  for (const auto& [seq, p] : st.recovered)
    if (st.live.pending.count(seq) == 0)
      s.pending.push_back(p);
  s.circuit_open = st.stats.circuit_open;
  s.consecutive_failures = st.stats.consecutive_failures;
  s.probes = st.probes;
  s.failing_since_ms = st.failing_since_ms;
  s.awaiting_recovery = st.awaiting_recovery;
  s.counters = st.stats.counters;
  s.at_ms = wall_now(self);
  st.dirty = false;
  st.ended_since_snapshot = 0;
  st.snapshot_ms = s.at_ms;
  st.snapshot_cursor = s.cursor;
  return s;
}

// Hands the outbox to the writer, with a snapshot when asked (never while recovering: the
// stored one is still the truth).
void flush_outbox(self_ptr self, bool with_snapshot) {
  auto& st = self->state;
  if (with_snapshot && !st.recovering) {
    unsent_log(st).snapshot = take_snapshot(self);
    if (!st.jobs.empty() && st.jobs.front().dirty && !st.jobs.front().cancelled)
      unsent_log(st).jobs.push_back(job_record(self, st.jobs.front()));
  }
  if (st.outbox) {
    constexpr std::size_t most_reserved = 1024;
    st.outbox_records = std::min(st.outbox->attempts.size(), most_reserved);
    self->send(st.config.writer, atom::record_v, delivery_log_ptr{std::move(st.outbox)});
  }
  st.outbox.reset();
}

void record_latency(self_ptr self, std::chrono::microseconds d) {
  auto& st = self->state;
  auto cap = st.config.tuning.latency_window;
  if (cap == 0)
    return;
  if (st.latencies.size() < cap) {
    st.latencies.push_back(d.count());
  } else {
    st.latencies[st.latency_next] = d.count();
    st.latency_next = (st.latency_next + 1) % cap;
  }
}

// -- holding deliveries ----------------------------------------------------------------------

// True when this webhook wants only a small part of a large batch. Holding a delivery holds
// its whole batch; a webhook that matches one event in a thousand (a per-application label
// filter) would otherwise keep a thousand batches alive with a full window.
bool is_sparse(const committed_batch& batch, const std::vector<uint32_t>& indices) {
  return batch.events.size() >= 64 && indices.size() * 8 < batch.events.size();
}

// A private batch holding copies of the events at `indices`, in order.
committed_batch_ptr copy_events(const committed_batch& batch,
                                const std::vector<uint32_t>& indices) {
  auto copy = std::make_shared<committed_batch>();
  copy->events.reserve(indices.size());
  for (auto i : indices)
    copy->events.push_back(batch.events[i]);
  return copy;
}

void hold(self_ptr self, const committed_batch_ptr& batch, uint32_t index) {
  auto& st = self->state;
  auto seq = batch->events[index].seq;
  if (st.live.pending.count(seq) > 0)
    return;
  pending_delivery d;
  d.batch = batch;
  d.index = index;
  d.due = self->clock().now();
  if (auto it = st.recovered.find(seq); it != st.recovered.end()) {
    d.attempts = it->second.attempts;
    d.due = from_wall(self, it->second.due_ms);
    st.recovered.erase(it);
  }
  st.live.schedule.emplace(d.due, seq);
  st.live.pending.emplace(seq, std::move(d));
  mark_dirty(self);
}

void pump(self_ptr self);
void finish_stop(self_ptr self);

// How many deliveries the window takes from the log now: none while recovering or while it is
// more than half full, else what it has room for.
std::size_t window_room(const webhook_state& st) {
  auto window = st.config.tuning.window;
  if (st.recovering || st.live.pending.size() > window / 2)
    return 0;
  return std::max<std::size_t>(window - st.live.pending.size(), 1);
}

// Reads the next backlog page when the window has room.
void read_backlog(self_ptr self) {
  auto& st = self->state;
  auto room = static_cast<uint32_t>(window_room(st));
  if (st.backlog_from == 0 || st.reading || room == 0)
    return;
  st.reading = true;
  self->request(st.config.reader, caf::infinite, atom::read_v, st.hook, st.backlog_from,
                st.position, room)
      .then(
          [self](backlog_chunk_ptr& chunk) {
            auto& st = self->state;
            st.reading = false;
            if (st.backlog_from == 0)
              return;
            for (uint32_t i = 0; i < chunk->batch->events.size(); ++i)
              if (chunk->batch->events[i].seq >= st.backlog_from)
                hold(self, chunk->batch, i);
            st.backlog_from = std::max(st.backlog_from, chunk->next);
            // Attempt state of deliveries now behind the backlog's start was used or is moot.
            st.recovered.erase(st.recovered.begin(), st.recovered.lower_bound(st.backlog_from));
            if (st.backlog_from > st.position) {
              st.backlog_from = 0;
              st.recovered.clear();
            }
            mark_dirty(self);
            pump(self);
          },
          [self](caf::error& err) {
            // A storage error: try again on the next tick.
            self->state.reading = false;
            arm_tick(self);
            HOOKD_ERROR("webhook {}: reading the backlog failed: {}", self->state.config.hook.id,
                        to_string(err));
          });
}

// Puts failed deliveries of a bulk retry back in the queue as the window makes room: reads
// the events that still stand as failed, holds them as new deliveries (same `webhook-id`),
// and hands the writer the removal of their recorded end together with a snapshot that holds
// them, so that a crash cannot lose them in between.
void read_requeue(self_ptr self) {
  auto& st = self->state;
  auto room = window_room(st);
  if (st.requeue_reading || room == 0)
    return;
  auto seqs = std::make_shared<std::vector<uint64_t>>();
  std::map<uint64_t, retry_job_ptr> jobs;
  while (!st.requeue.empty() && seqs->size() < room) {
    auto [seq, job] = std::move(st.requeue.front());
    st.requeue.pop_front();
    if (st.live.pending.count(seq) > 0 || jobs.count(seq) > 0) {
      ++job->skipped;
      continue;
    }
    seqs->push_back(seq);
    jobs.emplace(seq, std::move(job));
  }
  if (seqs->empty())
    return;
  st.requeue_reading = true;
  self->request(st.config.reader, caf::infinite, atom::read_v, st.hook, seq_list_ptr{seqs})
      .then(
          [self, jobs](backlog_chunk_ptr& chunk) mutable {
            auto& st = self->state;
            st.requeue_reading = false;
            auto& batch = chunk->batch;
            auto& log = outbox(self);
            for (uint32_t i = 0; i < batch->events.size(); ++i) {
              auto seq = batch->events[i].seq;
              auto it = jobs.find(seq);
              if (it == jobs.end())
                continue;
              if (st.live.pending.count(seq) == 0) {
                hold(self, batch, i);
                log.reopened.push_back(seq);
                ++it->second->requeued;
              } else {
                ++it->second->skipped;
              }
              jobs.erase(it);
            }
            for (auto& [seq, job] : jobs)
              ++job->skipped; // No longer failed: delivered, or retried already.
            flush_outbox(self, true);
            pump(self);
          },
          [self, jobs](caf::error& err) {
            // A storage error: put them back; the next tick tries again.
            auto& st = self->state;
            st.requeue_reading = false;
            for (auto it = jobs.rbegin(); it != jobs.rend(); ++it)
              st.requeue.emplace_front(it->first, it->second);
            HOOKD_ERROR("webhook {}: reading deliveries to retry failed: {}", st.config.hook.id,
                        to_string(err));
          });
}

// -- sending ---------------------------------------------------------------------------------

void end_delivery(self_ptr self, uint64_t token, delivery_state how) {
  auto& st = self->state;
  auto& lane = lane_of(st, token);
  auto seq = seq_of(token);
  auto it = lane.pending.find(seq);
  if (it == lane.pending.end())
    return;
  if (how == delivery_state::delivered)
    ++st.stats.counters.delivered;
  else
    ++st.stats.counters.failed;
  st.tenant_metrics->deliveries[static_cast<std::size_t>(how)].fetch_add(1,
                                                                         std::memory_order_relaxed);
  if (how == delivery_state::delivered && !is_replay(token))
    st.config.counters->ingest_to_delivery.observe(
        static_cast<double>(std::max<int64_t>(0, wall_now(self) - it->second.ev().received_at_ms)) /
        1000.0);
  outbox(self).outcomes.push_back(
      {st.config.hook.id, seq, how, it->second.attempts, wall_now(self)});
  lane.schedule.erase({it->second.due, seq});
  st.notes.erase(token);
  lane.pending.erase(it);
  mark_dirty(self);
  ++st.ended_since_snapshot;
  if (is_replay(token) && !st.jobs.empty() && !st.jobs.front().cancelled) {
    auto& run = st.jobs.front();
    ++(how == delivery_state::delivered ? run.job.delivered : run.job.failed);
    run.dirty = true;
  }
}

// Where the answer to attempt `token` goes. A delivery's joins the actor's answer inbox, and
// only the first answer since the actor last emptied it sends a message; a test delivery's is
// its own message. A weak handle: the transport must not keep a stopped actor (and, through
// its state, the transport itself) alive.
delivery_callback answer_route(self_ptr self, uint64_t token, bool test) {
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(self);
  auto wake = [weak](auto&&... xs) {
    if (auto strong = caf::actor_cast<caf::strong_actor_ptr>(weak))
      caf::anon_send(caf::actor_cast<webhook_actor>(strong), std::forward<decltype(xs)>(xs)...);
  };
  if (test)
    return [wake, token](delivery_response r) {
      wake(atom::tested_v, token,
           delivery_result_ptr{std::make_shared<delivery_response>(std::move(r))});
    };
  return [wake, inbox = self->state.answers, token](delivery_response r) {
    if (inbox->put({token, std::move(r)}))
      wake(atom::done_v);
  };
}

// Renders and signs `e` for an attempt now, and sends it; `answer` gets what came back. A
// body that cannot be rendered is answered at once with `render_failed`, without sending.
// Returns the template's note for the attempt record.
std::string transmit(self_ptr self, const event& e, const std::string& message_id,
                     delivery_callback answer) {
  auto& st = self->state;
  const auto& hook = st.config.hook;
  auto now = wall_now(self);
  // During a rotation's overlap, one signature per secret, newest first; after it, only the
  // new one.
  std::vector<const hmac_sha256_key*> keys;
  for (const auto& k : st.keys)
    if (k.expires_at_ms > now)
      keys.push_back(k.key.get());
  auto prepared = prepare_delivery(hook, st.renderer, keys, e, message_id, now);
  if (!prepared.ok()) {
    delivery_response failed;
    failed.error = transport_error::render_failed;
    failed.detail = prepared.error;
    answer(std::move(failed));
    return std::move(prepared.note);
  }
  delivery_request req;
  req.pool = hook.id;
  req.target = *st.target;
  req.headers = std::move(prepared.message.headers);
  req.body = std::move(prepared.message.body);
  req.timeout = std::chrono::seconds{hook.timeout_seconds};
  st.config.transport->send(std::move(req), std::move(answer));
  return std::move(prepared.note);
}

void send_attempt(self_ptr self, uint64_t token, pending_delivery& d) {
  auto& st = self->state;
  if (!st.target) {
    // Validated at the API; a stored bad URL can only fail.
    st.stats.last_error = "invalid URL";
    return end_delivery(self, token, delivery_state::failed);
  }
  d.in_flight = true;
  d.started_ms = wall_now(self);
  ++st.in_flight;
  if (is_replay(token))
    ++st.replay_in_flight;
  ++d.attempts;
  ++st.stats.counters.attempts;
  if (d.attempts > 1)
    ++st.stats.counters.retries;
  if (d.message_id.empty()) // held only while the attempt is in flight
    d.message_id = delivery_message_id(st.config.hook.id, d.ev().id);
  if (auto note = transmit(self, d.ev(), d.message_id, answer_route(self, token, false));
      !note.empty())
    st.notes[token] = std::move(note);
}

// The webhook's rate limit: nullopt when an attempt may start now (and takes a token), else
// when the next token is there. A bucket of one second's worth, full at start.
std::optional<time_point> rate_wait(self_ptr self, time_point now) {
  auto& st = self->state;
  auto rate = static_cast<double>(st.config.hook.rate_limit_per_second);
  if (rate <= 0)
    return std::nullopt;
  if (!st.rate_at) {
    st.rate_tokens = rate;
    st.rate_at = now;
  }
  auto elapsed = std::chrono::duration<double>(now - *st.rate_at).count();
  st.rate_tokens = std::min(rate, st.rate_tokens + elapsed * rate);
  st.rate_at = now;
  if (st.rate_tokens >= 1 - 1e-9) { // (a token due at this instant counts, despite rounding)
    st.rate_tokens -= 1;
    return std::nullopt;
  }
  auto wait = std::chrono::duration<double>((1 - st.rate_tokens) / rate);
  return now + std::chrono::ceil<std::chrono::milliseconds>(wait);
}

// The tenant's per-application limit: nullopt when the delivery's application (its
// `application_id` label) may start an attempt now (which counts it), else when it may.
std::optional<time_point> application_wait(self_ptr self, const pending_delivery& d,
                                           time_point now) {
  const auto& limits = self->state.config.application_limits;
  if (!limits)
    return std::nullopt;
  auto app = find_label(d.ev().labels, application_label);
  if (!app)
    return std::nullopt;
  return limits->acquire(self->state.config.hook.tenant, *app, now);
}

// Starts the attempt on `token`'s delivery, unless the webhook's rate says to wait (then arms
// the timer and returns false) or the application used its minute (then the delivery waits its
// turn and the others go on).
bool start_attempt(self_ptr self, uint64_t token, time_point now) {
  auto& st = self->state;
  if (auto later = rate_wait(self, now)) {
    arm_timer(self, *later);
    return false;
  }
  auto& lane = lane_of(st, token);
  auto seq = seq_of(token);
  auto& d = lane.pending.at(seq);
  if (auto later = application_wait(self, d, now)) {
    if (st.config.hook.rate_limit_per_second > 0)
      st.rate_tokens += 1; // Not spent: nothing was sent.
    lane.schedule.erase({d.due, seq});
    d.due = *later;
    lane.schedule.emplace(d.due, seq);
    ++st.stats.application_limited;
    arm_timer(self, *later);
    return true;
  }
  lane.schedule.erase({d.due, seq});
  send_attempt(self, token, d);
  return true;
}

// -- redelivery jobs -------------------------------------------------------------------------

// How many redeliveries the replay lane holds at most.
std::size_t replay_window(const webhook_state& st) {
  return std::max<uint32_t>(1, st.config.tuning.window / 4);
}

// Where the running job resumes after a restart: its oldest unfinished redelivery, or where
// reading stands.
uint64_t resume_point(const webhook_state& st, const replay_run& run) {
  return st.replay.pending.empty() ? run.scan : st.replay.pending.begin()->first;
}

// The running job as it now stands, for the writer.
replay_job job_record(self_ptr self, replay_run& run) {
  run.job.next_seq = std::min(resume_point(self->state, run), run.job.to_seq + 1);
  run.job.updated_at_ms = wall_now(self);
  run.dirty = false;
  return run.job;
}

// Ends the running job once everything it read has ended: `completed` when its window is
// read (a cancelled one is already stored as such), then the next job starts.
void finish_job(self_ptr self) {
  auto& st = self->state;
  while (!st.jobs.empty() && st.replay.pending.empty() && !st.jobs.front().reading) {
    auto& run = st.jobs.front();
    if (!run.cancelled) {
      if (run.scan <= run.job.to_seq)
        return;
      run.job.state = job_state::completed;
      run.job.finished_at_ms = wall_now(self);
      outbox(self).jobs.push_back(job_record(self, run));
      HOOKD_INFO("webhook {}: job {} completed: {} queued, {} delivered, {} failed, {} skipped",
                 st.config.hook.id, run.job.id, run.job.queued, run.job.delivered, run.job.failed,
                 run.job.skipped);
    }
    st.jobs.pop_front();
  }
}

// Holds a redelivery of event `index` of `batch`, unless its live delivery has not ended:
// then the live queue sends it anyway, and the job counts it as skipped.
void hold_replay(self_ptr self, replay_run& run, const committed_batch_ptr& batch, uint32_t index) {
  auto& st = self->state;
  auto seq = batch->events[index].seq;
  bool live = st.live.pending.count(seq) > 0 || st.recovered.count(seq) > 0 ||
              (st.backlog_from != 0 && seq >= st.backlog_from) || seq > st.position;
  if (live || st.replay.pending.count(seq) > 0) {
    ++run.job.skipped;
    return;
  }
  pending_delivery d;
  d.batch = batch;
  d.index = index;
  d.due = self->clock().now();
  st.replay.schedule.emplace(d.due, seq);
  st.replay.pending.emplace(seq, std::move(d));
  ++run.job.queued;
}

// Reads the running job's next page when the replay lane has room.
void read_replay(self_ptr self) {
  auto& st = self->state;
  if (st.jobs.empty() || st.recovering)
    return;
  auto& run = st.jobs.front();
  auto window = replay_window(st);
  if (run.reading || run.cancelled || run.scan > run.job.to_seq ||
      st.replay.pending.size() > window / 2)
    return;
  run.reading = true;
  auto room = static_cast<uint32_t>(window - st.replay.pending.size());
  self->request(st.config.reader, caf::infinite, atom::replay_v, st.hook, run.spec, run.scan, room)
      .then(
          [self, id = run.job.id](backlog_chunk_ptr& chunk) {
            auto& st = self->state;
            if (st.jobs.empty() || st.jobs.front().job.id != id)
              return;
            auto& run = st.jobs.front();
            run.reading = false;
            if (!run.cancelled) {
              for (uint32_t i = 0; i < chunk->batch->events.size(); ++i)
                hold_replay(self, run, chunk->batch, i);
              run.scan = std::max(run.scan, chunk->next);
              run.dirty = true;
              mark_dirty(self);
            }
            pump(self);
          },
          [self, id = run.job.id](caf::error& err) {
            // A storage error: the next tick tries again.
            auto& st = self->state;
            if (!st.jobs.empty() && st.jobs.front().job.id == id)
              st.jobs.front().reading = false;
            HOOKD_ERROR("webhook {}: reading job {} failed: {}", st.config.hook.id, id,
                        to_string(err));
          });
}

// Takes a job handed over by the router or read back at start (once per id).
void add_job(self_ptr self, const replay_job& job) {
  auto& st = self->state;
  for (const auto& run : st.jobs)
    if (run.job.id == job.id)
      return;
  replay_run run;
  run.job = job;
  run.spec = std::make_shared<replay_job>(job);
  run.scan = std::max(job.next_seq, job.from_seq);
  st.jobs.push_back(std::move(run));
}

// Cancels job `id` (the writer stored it as cancelled): what is not in flight is dropped, and
// attempts in flight finish and are recorded.
void cancel_job(self_ptr self, const std::string& id) {
  auto& st = self->state;
  auto it = std::find_if(st.jobs.begin(), st.jobs.end(),
                         [&](const replay_run& r) { return r.job.id == id; });
  if (it == st.jobs.end())
    return;
  if (it != st.jobs.begin()) {
    st.jobs.erase(it);
    return;
  }
  it->cancelled = true;
  for (auto p = st.replay.pending.begin(); p != st.replay.pending.end();) {
    if (p->second.in_flight) {
      ++p;
      continue;
    }
    st.replay.schedule.erase({p->second.due, p->first});
    p = st.replay.pending.erase(p);
  }
  HOOKD_INFO("webhook {}: job {} cancelled", st.config.hook.id, id);
  finish_job(self);
}

// Starts redeliveries with what live deliveries leave: none while a live one is due, never the
// last quarter of `max_in_flight` (at least one slot), and for FIFO only when nothing live is
// held.
void pump_replay(self_ptr self, time_point now) {
  auto& st = self->state;
  read_replay(self);
  finish_job(self);
  if (st.replay.schedule.empty())
    return;
  if (!st.live.schedule.empty() && st.live.schedule.begin()->first <= now)
    return;
  auto max = st.config.hook.max_in_flight;
  uint32_t cap = 1;
  if (st.config.hook.ordering == delivery_ordering::fifo) {
    if (st.in_flight > 0 || !st.live.pending.empty())
      return;
  } else if (max > 1) {
    cap = max - std::max<uint32_t>(1, max / 4);
  }
  while (st.in_flight < max && st.replay_in_flight < cap && !st.replay.schedule.empty()) {
    auto [due, seq] = *st.replay.schedule.begin();
    if (due > now)
      return arm_timer(self, due);
    if (!start_attempt(self, seq | replay_bit, now))
      return;
  }
}

// Starts every attempt that is due and fits: `max_in_flight` (one for FIFO), one probe while
// the circuit is open, none while disabled or recovering; live deliveries first, then a
// job's redeliveries. Arms the timer for the next due attempt, and reads the backlog and the
// running job's window when there is room.
void pump(self_ptr self) {
  auto& st = self->state;
  if (!st.stats.enabled || st.disabling || st.recovering || st.stop_promise)
    return;
  read_backlog(self);
  read_requeue(self);
  auto now = self->clock().now();
  if (st.stats.circuit_open) {
    if (st.in_flight > 0)
      return;
    if (st.probe_at > now)
      return arm_timer(self, st.probe_at);
    // The probe: the oldest live delivery, else the oldest redelivery.
    if (!st.live.pending.empty())
      start_attempt(self, st.live.pending.begin()->first, now);
    else if (!st.replay.pending.empty())
      start_attempt(self, st.replay.pending.begin()->first | replay_bit, now);
    return;
  }
  if (st.config.hook.ordering == delivery_ordering::fifo) {
    if (st.in_flight > 0)
      return;
    if (!st.live.pending.empty()) {
      auto& [seq, head] = *st.live.pending.begin();
      if (head.due > now)
        return arm_timer(self, head.due);
      start_attempt(self, seq, now);
      return;
    }
    return pump_replay(self, now);
  }
  while (st.in_flight < st.config.hook.max_in_flight && !st.live.schedule.empty()) {
    auto [due, seq] = *st.live.schedule.begin();
    if (due > now) {
      arm_timer(self, due);
      break;
    }
    if (!start_attempt(self, seq, now))
      return; // Over the rate: the timer resumes at the next token.
  }
  pump_replay(self, now);
  read_backlog(self); // Deliveries that ended at once (a bad URL) made room.
}

// -- disabling and recovering ----------------------------------------------------------------

// Asks the writer to disable the webhook and append `webhook.disabled`. The router stops this
// actor once the change is committed; until then nothing more is sent.
void disable(self_ptr self, std::string reason) {
  auto& st = self->state;
  if (st.disabling)
    return;
  st.disabling = true;
  st.awaiting_recovery = true;
  auto now = wall_now(self);
  HOOKD_WARN("webhook {}: disabling: {}", st.config.hook.id, reason);
  flush_outbox(self, true);
  auto change = std::make_shared<config_change>();
  config_change::disable_webhook op;
  op.tenant = st.config.hook.tenant;
  op.id = st.config.hook.id;
  op.reason = reason;
  op.at_ms = now;
  op.notice =
      make_webhook_event("webhook.disabled", st.config.hook.id,
                         webhook_notice_data(st.config.hook, reason, now, st.failing_since_ms),
                         st.ids.next("evt_", now));
  change->op = std::move(op);
  change->audit.at_ms = now;
  change->audit.actor = "system";
  change->audit.tenant = st.config.hook.tenant;
  change->audit.action = "webhook.disabled";
  change->audit.object_id = st.config.hook.id;
  change->audit.details = webhook_notice_data(st.config.hook, reason, now, st.failing_since_ms);
  self->request(st.config.writer, caf::infinite, atom::configure_v, config_change_ptr{change})
      .then(
          [self](config_outcome_ptr& out) {
            if (out->error.code != ec::no_error)
              HOOKD_WARN("webhook {}: disabling failed: {}", self->state.config.hook.id,
                         out->error.detail);
          },
          [self](caf::error& err) {
            HOOKD_ERROR("webhook {}: disabling failed: {}", self->state.config.hook.id,
                        to_string(err));
          });
}

// Queues an operational event about this webhook; the writer appends it with the records.
void announce(self_ptr self, std::string type, std::string data) {
  auto& st = self->state;
  outbox(self).notices.push_back(make_webhook_event(
      std::move(type), st.config.hook.id, std::move(data), st.ids.next("evt_", wall_now(self))));
}

// Disables the webhook when every attempt has failed for longer than the window.
void check_failure_window(self_ptr self) {
  auto& st = self->state;
  if (st.failing_since_ms == 0 || st.disabling)
    return;
  auto failing = wall_now(self) - st.failing_since_ms;
  if (failing >= st.config.tuning.disable_after.count())
    disable(self, "every delivery failed for " + std::to_string(failing / 3'600'000) +
                      " hours (the limit is " +
                      std::to_string(st.config.tuning.disable_after.count() / 3'600'000) +
                      " hours)");
}

// -- results ---------------------------------------------------------------------------------

std::string describe(const delivery_response& res) {
  return res.status ? "HTTP " + std::to_string(*res.status) : std::string{to_string(res.error)};
}

// Numbers `r` and fills in what the transport answered.
void record_answer(self_ptr self, attempt_record& r, const delivery_response& res) {
  r.number = self->state.next_record++;
  r.duration_us = res.duration.count();
  r.status = res.status;
  r.error = res.error;
  r.response = res.body.substr(0, attempt_excerpt_bytes);
}

// The record of `d`'s attempt; takes its message id (a retry computes it again: a million
// deliveries waiting on retry should not each hold one).
attempt_record make_record(self_ptr self, uint64_t token, pending_delivery& d,
                           const delivery_response& res) {
  attempt_record r;
  r.webhook_id = self->state.config.hook.id;
  r.event_seq = d.ev().seq;
  r.event_id = d.ev().id;
  r.message_id = std::move(d.message_id);
  d.message_id = std::string{};
  r.attempt = d.attempts;
  r.at_ms = d.started_ms;
  record_answer(self, r, res);
  if (auto note = self->state.notes.find(token); note != self->state.notes.end()) {
    r.note = std::move(note->second);
    self->state.notes.erase(note);
  }
  if (is_replay(token) && !self->state.jobs.empty()) // Which job sent it, for audits.
    r.note = "job " + self->state.jobs.front().job.id + (r.note.empty() ? "" : "; " + r.note);
  return r;
}

// Queues the record of a finished attempt for the writer, and counts it.
void record_attempt(self_ptr self, attempt_record rec) {
  self->state.tenant_metrics->attempts[static_cast<std::size_t>(rec.result)].fetch_add(
      1, std::memory_order_relaxed);
  outbox(self).attempts.push_back(std::move(rec));
}

// Applies the answer to attempt `token`: records it, and ends the delivery or schedules its
// retry. What follows a batch of answers (the failure window, a pending stop, the next
// attempts) is `take_answers`.
void settle(self_ptr self, uint64_t token, const delivery_response& res) {
  auto& st = self->state;
  auto& lane = lane_of(st, token);
  auto it = lane.pending.find(seq_of(token));
  if (it == lane.pending.end() || !it->second.in_flight)
    return; // Stale: the delivery was dropped meanwhile.
  auto& d = it->second;
  d.in_flight = false;
  --st.in_flight;
  if (is_replay(token))
    --st.replay_in_flight;
  mark_dirty(self);
  auto now = self->clock().now();
  record_latency(self, res.duration);
  st.config.counters->delivery_latency.observe(std::chrono::duration<double>(res.duration).count());
  auto rec = make_record(self, token, d, res);
  auto cls = classify_attempt(res.error, res.status);
  if (cls != attempt_class::success) {
    st.stats.last_error = describe(res);
    if (st.failing_since_ms == 0)
      st.failing_since_ms = d.started_ms;
  }
  switch (cls) {
  case attempt_class::success:
    rec.result = attempt_result::succeeded;
    record_attempt(self, std::move(rec));
    st.stats.consecutive_failures = 0;
    st.failing_since_ms = 0;
    if (st.stats.circuit_open) {
      st.stats.circuit_open = false;
      st.probes = 0;
      HOOKD_INFO("webhook {}: circuit closed", st.config.hook.id);
    }
    end_delivery(self, token, delivery_state::delivered);
    if (st.awaiting_recovery) {
      // After hookd disabled the webhook and a user enabled it again: the first success.
      st.awaiting_recovery = false;
      announce(self, "webhook.recovered",
               webhook_notice_data(st.config.hook, {}, wall_now(self), 0));
    }
    break;
  case attempt_class::gone:
    // The endpoint asks to be left alone. This delivery ends; the others stay pending in the
    // snapshot and resume if a user enables the webhook again.
    rec.result = attempt_result::failed;
    record_attempt(self, std::move(rec));
    end_delivery(self, token, delivery_state::failed);
    disable(self, "the endpoint answered 410 Gone");
    break;
  case attempt_class::permanent:
    rec.result = attempt_result::failed;
    record_attempt(self, std::move(rec));
    announce(self, "delivery.exhausted",
             delivery_exhausted_data(st.config.hook, d.ev(), d.attempts, st.stats.last_error,
                                     "permanent_error"));
    end_delivery(self, token, delivery_state::failed);
    break;
  case attempt_class::retryable: {
    ++st.stats.consecutive_failures;
    auto pause = st.config.hook.retry.delay_before(d.attempts + 1, *st.config.jitter);
    if (!pause) {
      rec.result = attempt_result::failed; // The schedule is exhausted.
      record_attempt(self, std::move(rec));
      announce(self, "delivery.exhausted",
               delivery_exhausted_data(st.config.hook, d.ev(), d.attempts, st.stats.last_error,
                                       "schedule_exhausted"));
      end_delivery(self, token, delivery_state::failed);
    } else {
      if (res.retry_after)
        if (auto asked = parse_retry_after(*res.retry_after, wall_now(self)))
          pause = clamp_retry_after(*asked, *pause);
      d.due = now + *pause;
      lane.schedule.emplace(d.due, seq_of(token));
      rec.result = attempt_result::retrying;
      rec.next_at_ms = to_wall(self, d.due);
      record_attempt(self, std::move(rec));
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
}

// Settles every answer in the inbox, then checks the failure window, finishes a pending stop
// once nothing is in flight, and starts what the freed slots allow: once per batch.
void take_answers(self_ptr self) {
  auto& st = self->state;
  st.answers->take_all(st.answer_batch);
  if (st.answer_batch.empty())
    return; // Taken by an earlier wake-up.
  for (const auto& [token, res] : st.answer_batch)
    settle(self, token, res);
  st.answer_batch.clear();
  check_failure_window(self);
  if (st.stop_promise && st.in_flight == 0)
    return finish_stop(self);
  pump(self);
}

// Applies what storage says about where this webhook stood.
void on_recovered(self_ptr self, const recovery_state& rs) {
  auto& st = self->state;
  const auto& snap = rs.snapshot;
  st.stats.counters = snap.counters;
  st.stats.circuit_open = snap.circuit_open;
  st.stats.consecutive_failures = snap.consecutive_failures;
  st.probes = snap.probes;
  if (st.stats.circuit_open)
    st.probe_at = self->clock().now() + probe_delay(st, st.probes);
  st.failing_since_ms = snap.failing_since_ms;
  st.awaiting_recovery = snap.awaiting_recovery;
  st.next_record = std::max(st.next_record, rs.next_record);
  std::map<uint64_t, pending_entry> entries;
  for (const auto& p : snap.pending)
    entries[p.seq] = p;
  for (const auto& r : rs.retries)
    entries[r.seq] = r; // Recorded after the snapshot: newer.
  auto batch = std::make_shared<committed_batch>();
  batch->events = rs.pending_events;
  committed_batch_ptr shared = batch;
  for (const auto& e : shared->events)
    st.recovered.emplace(e.seq, entries.count(e.seq) ? entries[e.seq] : pending_entry{e.seq});
  for (uint32_t i = 0; i < shared->events.size(); ++i)
    hold(self, shared, i);
  // Open deliveries past the cursor get their attempt state when the backlog reads them.
  for (const auto& [seq, p] : entries)
    if (seq > snap.cursor)
      st.recovered.emplace(seq, p);
  st.position = std::max(st.position, snap.cursor);
  if (snap.cursor < st.position)
    st.backlog_from = snap.cursor + 1;
  st.snapshot_cursor = snap.cursor;
  st.snapshot_ms = snap.at_ms;
  for (const auto& job : rs.jobs)
    add_job(self, job);
  st.recovering = false;
  HOOKD_DEBUG("webhook {}: resumed at seq {} with {} pending, backlog {}..{}", st.config.hook.id,
              snap.cursor, st.live.pending.size(), st.backlog_from, st.position);
  pump(self);
}

void recover(self_ptr self) {
  auto& st = self->state;
  self->request(st.config.reader, caf::infinite, atom::recover_v, st.hook, st.position)
      .then([self](recovery_state_ptr& rs) { on_recovered(self, *rs); },
            [self](caf::error& err) {
              HOOKD_ERROR("webhook {}: reading its delivery state failed ({}); retrying in 5 s",
                          self->state.config.hook.id, to_string(err));
              self->delayed_send(self, std::chrono::seconds{5}, atom::recover_v);
            });
}

// Ends a stop: answers waiting tests, snapshots (unless deleted: the caller flushed already),
// answers the stop, and quits.
void finish_stop(self_ptr self) {
  auto& st = self->state;
  for (auto& [token, t] : st.tests)
    t.promise.deliver(make_error(ec::shutting_down, "the webhook stopped"));
  st.tests.clear();
  // Requeued deliveries not taken yet stay failed; a new bulk retry finds them again.
  for (auto& [seq, job] : st.requeue)
    ++job->skipped;
  st.requeue.clear();
  if (st.stop_promise) {
    flush_outbox(self, true);
    st.stop_promise->deliver(true);
    st.stop_promise.reset();
  }
  self->quit();
}

// -- test deliveries -------------------------------------------------------------------------

caf::typed_response_promise<test_result_ptr> start_test(self_ptr self) {
  auto& st = self->state;
  auto rp = self->make_response_promise<test_result_ptr>();
  if (!st.target) {
    rp.deliver(make_error(ec::validation_failed, "the webhook's URL is unusable"));
    return rp;
  }
  auto now = wall_now(self);
  event e;
  e.tenant = st.config.hook.tenant;
  e.id = st.ids.next("evt_", now);
  e.type = "webhook.test";
  e.received_at_ms = now;
  e.data = webhook_notice_data(st.config.hook, "a test delivery requested through the API", now, 0);
  auto token = st.next_test++;
  pending_test t{rp, {}};
  t.record.webhook_id = st.config.hook.id;
  t.record.event_id = e.id;
  t.record.message_id = delivery_message_id(st.config.hook.id, e.id);
  t.record.attempt = 1;
  t.record.at_ms = now;
  t.record.test = true;
  auto& record = st.tests.emplace(token, std::move(t)).first->second.record;
  record.note = transmit(self, e, record.message_id, answer_route(self, token, true));
  return rp;
}

void finish_test(self_ptr self, uint64_t token, const delivery_response& res) {
  auto& st = self->state;
  auto it = st.tests.find(token);
  if (it == st.tests.end())
    return;
  auto t = std::move(it->second);
  st.tests.erase(it);
  auto& r = t.record;
  record_answer(self, r, res);
  r.result = classify_attempt(res.error, res.status) == attempt_class::success
                 ? attempt_result::succeeded
                 : attempt_result::failed;
  outbox(self).attempts.push_back(r);
  t.promise.deliver(test_result_ptr{
      std::make_shared<test_delivery_result>(test_delivery_result{std::move(r), res.detail})});
}

// The counters and health now; the latency samples only when asked (they are large).
webhook_stats_ptr current_stats(self_ptr self, bool with_latencies) {
  auto& st = self->state;
  auto stats = st.stats;
  stats.pending = st.live.pending.size();
  stats.retrying =
      static_cast<uint64_t>(std::count_if(st.live.pending.begin(), st.live.pending.end(),
                                          [](const auto& kv) { return kv.second.attempts > 0; }));
  stats.in_flight = st.in_flight;
  stats.backlog_from = st.backlog_from;
  stats.cursor = cursor_of(st);
  stats.recovering = st.recovering;
  stats.enabled = st.stats.enabled && !st.disabling;
  stats.failing_since_ms = st.failing_since_ms;
  // Events arrive in seq order with received_at never decreasing: the first held is oldest.
  stats.oldest_pending_ms =
      st.live.pending.empty() ? 0 : st.live.pending.begin()->second.ev().received_at_ms;
  stats.replaying = st.replay.pending.size();
  stats.jobs = st.jobs.size();
  if (with_latencies)
    stats.recent_latencies_us = st.latencies;
  return std::make_shared<webhook_stats>(std::move(stats));
}

} // namespace

webhook_actor::behavior_type webhook_endpoint(webhook_actor::stateful_pointer<webhook_state> self,
                                              webhook_config config) {
  auto& st = self->state;
  st.config = std::move(config);
  st.hook = std::make_shared<webhook>(st.config.hook);
  st.stats.enabled = st.config.hook.enabled;
  st.target = parse_url(st.config.hook.url);
  st.position = st.config.position;
  if (!st.config.counters)
    st.config.counters = std::make_shared<metrics>();
  st.tenant_metrics = &st.config.counters->tenant(st.config.hook.tenant);
  load_delivery_format(self);
  recover(self);
  return {
      [self](atom::deliver, committed_batch_ptr& batch, std::vector<uint32_t>& indices) {
        auto& st = self->state;
        if (is_sparse(*batch, indices)) {
          batch = copy_events(*batch, indices);
          std::iota(indices.begin(), indices.end(), 0u);
        }
        for (auto i : indices) {
          auto seq = batch->events[i].seq;
          if (seq <= st.position)
            continue; // Already known (read back from the log, or a repeated batch).
          st.position = seq;
          if (st.recovering || st.backlog_from != 0)
            continue; // The backlog reads it from the log, in order.
          if (st.live.pending.size() >= st.config.tuning.window) {
            st.backlog_from = seq; // The window is full: this and what follows wait in the log.
            continue;
          }
          hold(self, batch, i);
        }
        pump(self);
      },
      [self](atom::done) { take_answers(self); },
      [self](atom::retry, uint64_t generation) {
        auto& st = self->state;
        if (generation != st.timer_generation)
          return; // A timer that was superseded by an earlier one.
        st.timer_at = time_point::max();
        pump(self);
      },
      [self](atom::configure, webhook_ptr& hook) {
        auto& st = self->state;
        bool new_secret = hook->secret != st.config.hook.secret ||
                          hook->previous_secrets != st.config.hook.previous_secrets;
        bool new_url = hook->url != st.config.hook.url;
        st.config.hook = *hook;
        st.hook = hook;
        st.stats.enabled = hook->enabled;
        if (new_secret)
          load_delivery_format(self);
        if (new_url) {
          st.target = parse_url(hook->url);
          st.config.transport->close_pool(hook->id);
        }
        pump(self);
      },
      [self](atom::status) { return current_stats(self, true); },
      [self](atom::queue) { return current_stats(self, false); },
      [self](atom::tick, uint64_t position) {
        auto& st = self->state;
        // Every batch up to `position` was routed before this tick: none of them is for us.
        // (A tick the actor sent itself carries 0.)
        st.position = std::max(st.position, position);
        if (position == 0)
          st.tick_armed = false;
        if (st.recovering)
          return;
        check_failure_window(self);
        auto quiet = std::chrono::milliseconds{wall_now(self) - st.snapshot_ms};
        if (st.dirty ||
            (cursor_of(st) != st.snapshot_cursor && quiet >= st.config.tuning.quiet_snapshot))
          flush_outbox(self, true);
        pump(self); // Retries a failed backlog read.
      },
      [self](atom::stop, bool drop) -> caf::result<bool> {
        auto& st = self->state;
        if (!drop && st.in_flight > 0 && !st.recovering) {
          // A clean stop: nothing new starts; the attempts in flight get the grace period to
          // finish and be recorded, so that a restart does not send them again.
          st.stop_promise = self->make_response_promise<bool>();
          self->delayed_send(self, st.config.tuning.stop_grace, atom::flush_v);
          return *st.stop_promise;
        }
        if (drop) {
          // Deleted: what is pending will never be sent. Record each held delivery as dropped;
          // the backlog (if any) stays in the log, unsent.
          for (const auto& [seq, d] : st.live.pending)
            outbox(self).outcomes.push_back(
                {st.config.hook.id, seq, delivery_state::dropped, d.attempts, wall_now(self)});
          st.stats.counters.dropped += st.live.pending.size();
          HOOKD_INFO("webhook {}: deleted; {} pending deliveries dropped{}", st.config.hook.id,
                     st.live.pending.size(),
                     st.backlog_from != 0
                         ? ", and the backlog from seq " + std::to_string(st.backlog_from)
                         : std::string{});
          st.live.pending.clear();
          st.live.schedule.clear();
          st.replay = {}; // Its jobs are cancelled with the webhook.
          st.jobs.clear();
          flush_outbox(self, false);
        } else {
          flush_outbox(self, true);
        }
        finish_stop(self);
        return true;
      },
      [self](atom::flush) {
        if (self->state.stop_promise)
          finish_stop(self); // The grace period ended; what is still in flight goes again later.
      },
      [self](atom::test) { return start_test(self); },
      [self](atom::tested, uint64_t token, delivery_result_ptr& res) {
        finish_test(self, token, *res);
      },
      [self](atom::recover) { recover(self); },
      [self](atom::requeue, seq_list_ptr& seqs, retry_job_ptr& job) {
        for (auto seq : *seqs)
          self->state.requeue.emplace_back(seq, job);
        pump(self);
      },
      [self](atom::replay, replay_job_ptr& job) {
        if (job->state == job_state::running)
          add_job(self, *job);
        else
          cancel_job(self, job->id);
        pump(self);
      },
      [self](atom::record) {
        auto& st = self->state;
        st.outbox_queued = false;
        flush_outbox(self, st.ended_since_snapshot >= st.config.tuning.snapshot_every);
      },
  };
}

} // namespace hookd
