#include "actors/state_reader.hpp"

#include "actors/logging.hpp"
#include "storage/config_reader.hpp"
#include "storage/delivery_reader.hpp"
#include "storage/log_reader.hpp"

#include <map>

namespace hookd {

expected<recovery_state> read_recovery_state(const storage::database& db, const webhook& hook,
                                             uint64_t position) {
  storage::delivery_reader deliveries{db};
  storage::log_reader log{db};
  recovery_state out;
  auto stored = deliveries.snapshot(hook.id);
  if (!stored)
    return stored.error();
  if (*stored) {
    out.snapshot = std::move(**stored);
    out.found = true;
  } else {
    out.snapshot.cursor = position;
  }
  // Attempts recorded after the snapshot: the last record of each delivery says whether it is
  // still open (retrying) or ended (its outcome is recorded too).
  std::map<uint64_t, pending_entry> open;
  uint64_t last = 0;
  // They also bring the counters and the failure clock up to date.
  auto& snap = out.snapshot;
  auto scanned = deliveries.scan_attempts(hook.id, snap.next_record, [&](const attempt_record& r) {
    last = r.number;
    if (r.test)
      return true;
    ++snap.counters.attempts;
    if (r.attempt > 1)
      ++snap.counters.retries;
    if (r.result == attempt_result::succeeded) {
      ++snap.counters.delivered;
      snap.consecutive_failures = 0;
      snap.failing_since_ms = 0;
    } else {
      ++snap.consecutive_failures;
      if (snap.failing_since_ms == 0)
        snap.failing_since_ms = r.at_ms;
      if (r.result == attempt_result::failed)
        ++snap.counters.failed;
    }
    if (r.result == attempt_result::retrying)
      open[r.event_seq] = {r.event_seq, r.attempt, r.next_at_ms};
    else
      open.erase(r.event_seq);
    return true;
  });
  if (!scanned)
    return scanned.error();
  auto newest = deliveries.last_attempt_number(hook.id);
  if (!newest)
    return newest.error();
  out.next_record = std::max({snap.next_record, last + 1, *newest + 1});
  for (auto& [seq, entry] : open)
    out.retries.push_back(entry);
  for (const auto& p : out.snapshot.pending) {
    auto done = deliveries.outcome(hook.id, p.seq);
    if (!done)
      return done.error();
    if (*done)
      continue; // It ended after the snapshot; never sent again.
    auto e = log.get(p.seq);
    if (!e)
      return e.error();
    if (!*e) {
      HOOKD_ERROR("webhook {}: snapshot names event {} that is not in the log", hook.id, p.seq);
      continue;
    }
    out.pending_events.push_back(std::move(**e));
  }
  auto jobs = storage::config_reader{db}.running_jobs(hook);
  if (!jobs)
    return jobs.error();
  out.jobs = std::move(*jobs);
  return out;
}

namespace {

// A page read back from the log, as a message.
backlog_chunk_ptr chunk_of(storage::backlog_page page) {
  auto batch = std::make_shared<committed_batch>();
  batch->events = std::move(page.events);
  auto chunk = std::make_shared<backlog_chunk>();
  chunk->batch = std::move(batch);
  chunk->next = page.next;
  return chunk;
}

} // namespace

delivery_reader_actor::behavior_type
state_reader(delivery_reader_actor::stateful_pointer<state_reader_state> self,
             const storage::database* db) {
  self->state.db = db;
  return {
      [self](atom::recover, webhook_ptr& hook,
             uint64_t position) -> caf::result<recovery_state_ptr> {
        auto state = read_recovery_state(*self->state.db, *hook, position);
        if (!state)
          return to_caf_error(state.error());
        return recovery_state_ptr{std::make_shared<recovery_state>(std::move(*state))};
      },
      [self](atom::read, webhook_ptr& hook, uint64_t from, uint64_t to,
             uint32_t max_events) -> caf::result<backlog_chunk_ptr> {
        storage::delivery_reader deliveries{*self->state.db};
        auto page = deliveries.read_backlog(*hook, from, to, max_events, self->state.max_scanned);
        if (!page)
          return to_caf_error(page.error());
        return chunk_of(std::move(*page));
      },
      [self](atom::replay, webhook_ptr& hook, replay_job_ptr& job, uint64_t from,
             uint32_t max_events) -> caf::result<backlog_chunk_ptr> {
        storage::delivery_reader deliveries{*self->state.db};
        auto page = deliveries.read_replay(*hook, *job, from, max_events, self->state.max_scanned);
        if (!page)
          return to_caf_error(page.error());
        return chunk_of(std::move(*page));
      },
      [self](atom::read, webhook_ptr& hook, seq_list_ptr& seqs) -> caf::result<backlog_chunk_ptr> {
        storage::delivery_reader deliveries{*self->state.db};
        auto events = deliveries.read_failed(hook->id, *seqs);
        if (!events)
          return to_caf_error(events.error());
        auto batch = std::make_shared<committed_batch>();
        batch->events = std::move(*events);
        auto chunk = std::make_shared<backlog_chunk>();
        chunk->batch = std::move(batch);
        return backlog_chunk_ptr{std::move(chunk)};
      },
      [self](atom::scan, webhook_ptr& hook, int64_t since,
             int64_t until) -> caf::result<seq_list_ptr> {
        storage::delivery_reader deliveries{*self->state.db};
        auto seqs = std::make_shared<std::vector<uint64_t>>();
        auto scanned = deliveries.scan_failed(hook->id, since, until, [&](uint64_t seq) {
          seqs->push_back(seq);
          return true;
        });
        if (!scanned)
          return to_caf_error(scanned.error());
        return seq_list_ptr{std::move(seqs)};
      },
  };
}

} // namespace hookd
