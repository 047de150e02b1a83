#include "actors/log_writer.hpp"

#include "actors/logging.hpp"
#include "domain/provisioning.hpp"
#include "storage/byte_codec.hpp"
#include "storage/records.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>

namespace hookd {

namespace {

using writer_ptr = log_writer_actor::stateful_pointer<log_writer_state>;

// Stages an append and returns the answer to give after the commit.
expected<std::shared_ptr<append_outcome>> stage_append(writer_ptr self, append_request& req) {
  auto& store = *self->state.config.store;
  auto now = self->state.config.time->now_ms();
  auto& body = req.body;
  auto outcome = std::make_shared<append_outcome>();
  outcome->batch = body.batch;
  if (req.idempotency_key) {
    auto found = store.find_idempotency(req.tenant, *req.idempotency_key, now);
    if (!found)
      return found.error();
    if (*found) {
      if ((*found)->fingerprint != body.fingerprint) {
        outcome->result = append_outcome::status::idempotency_conflict;
        return outcome;
      }
      outcome->result = append_outcome::status::replayed;
      outcome->batch = (*found)->batch;
      for (auto& [id, seq] : (*found)->events)
        outcome->events.push_back({id, seq, true});
      return outcome;
    }
  }
  // A repeated client id is a replay when its content is the same, a conflict otherwise.
  std::vector<std::optional<storage::event_id_entry>> existing(body.events.size());
  for (std::size_t i = 0; i < body.events.size(); ++i) {
    const auto& draft = body.events[i];
    if (!draft.client_id)
      continue;
    auto found = store.find_event_id(req.tenant, draft.id);
    if (!found)
      return found.error();
    if (*found && (*found)->fingerprint != draft.fingerprint)
      outcome->conflicts.push_back(i);
    existing[i] = *found;
  }
  if (!outcome->conflicts.empty()) {
    outcome->result = append_outcome::status::id_conflict;
    return outcome;
  }
  bool all_replayed = true;
  for (std::size_t i = 0; i < body.events.size(); ++i) {
    auto& draft = body.events[i];
    if (existing[i]) {
      outcome->events.push_back({draft.id, existing[i]->seq, true});
      continue;
    }
    auto id = draft.id;
    bool watch = draft.type == provisioning_started_type;
    auto seq = store.stage_event(req.tenant, std::move(draft), now);
    // A provisioning request opens a watch in the same commit, so that it survives a crash
    // until its outcome closes it (see actors/acme_watcher.hpp).
    if (watch)
      store.stage_source_state(storage::watch_key(seq), storage::tenant_key(req.tenant, id));
    outcome->events.push_back({std::move(id), seq, false});
    all_replayed = false;
  }
  outcome->result =
      all_replayed ? append_outcome::status::replayed : append_outcome::status::created;
  if (!all_replayed)
    for (const auto& [key, value] : req.source_state)
      store.stage_source_state(key, value ? std::optional<std::string_view>{*value} : std::nullopt);
  if (req.idempotency_key) {
    storage::idempotency_record rec;
    rec.created_at_ms = now;
    rec.fingerprint = body.fingerprint;
    rec.batch = body.batch;
    for (const auto& e : outcome->events)
      rec.events.emplace_back(e.id, e.seq);
    store.stage_idempotency(req.tenant, *req.idempotency_key, std::move(rec));
  }
  return outcome;
}

// `tenant`'s webhook `id`, or nullopt with `outcome.error` set to not_found.
expected<std::optional<webhook>> existing_webhook(storage::log_store& store,
                                                  std::string_view tenant, std::string_view id,
                                                  config_outcome& outcome) {
  auto current = store.find_webhook(tenant, id);
  if (current && !*current)
    outcome.error = make_error_info(ec::not_found, "no webhook '" + std::string{id} + "'");
  return current;
}

// `tenant`'s source `id`, or nullopt with `outcome.error` set to not_found.
expected<std::optional<source>> existing_source(storage::log_store& store, std::string_view tenant,
                                                std::string_view id, config_outcome& outcome) {
  auto current = store.find_source(tenant, id);
  if (current && !*current)
    outcome.error = make_error_info(ec::not_found, "no source '" + std::string{id} + "'");
  return current;
}

// True (and `outcome.error` set) when `name` is taken by another of `tenant`'s webhooks.
expected<bool> webhook_name_taken(storage::log_store& store, const webhook& w,
                                  config_outcome& outcome) {
  auto taken = store.find_webhook_name(w.tenant, w.name);
  if (!taken)
    return taken.error();
  if (*taken && **taken != w.id) {
    outcome.error = make_error_info(ec::conflict, "a webhook named '" + w.name + "' exists");
    return true;
  }
  return false;
}

// Stages a configuration change; fills `outcome->error` when it cannot be applied.
expected<void> stage_config(writer_ptr self, const config_change& change, config_outcome& outcome) {
  auto& store = *self->state.config.store;
  auto audit = change.audit;
  if (auto* op = std::get_if<config_change::create_tenant>(&change.op)) {
    auto exists = store.tenant_exists(op->value.id);
    if (!exists)
      return exists.error();
    if (*exists) {
      outcome.error = make_error_info(ec::conflict, "tenant '" + op->value.id + "' exists");
      return {};
    }
    store.stage_tenant(op->value);
    if (op->value.application_deliveries_per_minute > 0)
      self->state.tenant_changes.push_back(op->value);
  } else if (auto* op = std::get_if<config_change::update_tenant>(&change.op)) {
    auto current = store.find_tenant(op->id);
    if (!current)
      return current.error();
    if (!*current) {
      outcome.error = make_error_info(ec::not_found, "no tenant '" + op->id + "'");
      return {};
    }
    apply(op->patch, **current);
    store.stage_tenant(**current);
    outcome.changed_tenant = **current;
    self->state.tenant_changes.push_back(**current);
  } else if (auto* op = std::get_if<config_change::create_api_key>(&change.op)) {
    auto exists = store.tenant_exists(op->value.tenant);
    if (!exists)
      return exists.error();
    if (!*exists) {
      outcome.error =
          make_error_info(ec::not_found, "tenant '" + op->value.tenant + "' does not exist");
      return {};
    }
    store.stage_api_key(op->value);
  } else if (auto* op = std::get_if<config_change::revoke_api_key>(&change.op)) {
    auto key = store.find_api_key(op->key_id);
    if (!key)
      return key.error();
    if (!*key || (op->tenant && (*key)->tenant != *op->tenant)) {
      outcome.error = make_error_info(ec::not_found, "no API key '" + op->key_id + "'");
      return {};
    }
    if (!(*key)->revoked_at_ms) {
      (*key)->revoked_at_ms = op->at_ms;
      store.stage_api_key(**key);
    } else {
      // Revoking twice changes nothing; answer with the key as it is, write no audit entry.
      outcome.key = **key;
      return {};
    }
    outcome.key = **key;
  } else if (auto* op = std::get_if<config_change::create_webhook>(&change.op)) {
    auto taken = webhook_name_taken(store, op->value, outcome);
    if (!taken)
      return taken.error();
    if (*taken)
      return {};
    store.stage_webhook(op->value);
    // Its delivery state starts at the committed head: the router hands it every event of
    // the batch that creates it, and a crash before its first snapshot resumes from here.
    delivery_snapshot initial;
    initial.cursor = store.head().seq;
    initial.at_ms = op->value.created_at_ms;
    store.stage_snapshot(op->value.id, initial);
    outcome.hook = op->value;
    self->state.webhook_changes.push_back({op->value, false});
  } else if (auto* op = std::get_if<config_change::update_webhook>(&change.op)) {
    auto current = existing_webhook(store, op->value.tenant, op->value.id, outcome);
    if (!current)
      return current.error();
    if (!*current)
      return {};
    if ((*current)->updated_at_ms != op->based_on_updated_at_ms) {
      outcome.error = make_error_info(ec::conflict, "the webhook changed concurrently; retry");
      return {};
    }
    auto taken = webhook_name_taken(store, op->value, outcome);
    if (!taken)
      return taken.error();
    if (*taken)
      return {};
    store.stage_webhook(op->value, (*current)->name);
    outcome.hook = op->value;
    self->state.webhook_changes.push_back({op->value, false});
  } else if (auto* op = std::get_if<config_change::delete_webhook>(&change.op)) {
    auto current = existing_webhook(store, op->tenant, op->id, outcome);
    if (!current)
      return current.error();
    if (!*current)
      return {};
    store.stage_delete_webhook(**current);
    store.stage_delete_snapshot(op->id);
    // Its running jobs end with it.
    auto jobs = store.running_jobs(**current);
    if (!jobs)
      return jobs.error();
    for (auto& job : *jobs) {
      job.state = job_state::cancelled;
      job.cancel_reason = "the webhook was deleted";
      job.finished_at_ms = job.updated_at_ms = audit.at_ms;
      store.stage_job(job);
      self->state.ended_jobs.insert(job.id);
      self->state.job_changes.push_back(std::move(job));
    }
    self->state.attempt_logs.erase(op->id);
    outcome.hook = **current;
    self->state.webhook_changes.push_back({**current, true});
  } else if (auto* op = std::get_if<config_change::disable_webhook>(&change.op)) {
    auto current = existing_webhook(store, op->tenant, op->id, outcome);
    if (!current)
      return current.error();
    if (!*current)
      return {};
    if (!(*current)->enabled)
      return {}; // Disabled meanwhile (by a user, or by an earlier attempt): nothing to do.
    auto w = **current;
    w.enabled = false;
    w.disabled_reason = op->reason;
    w.updated_at_ms = op->at_ms;
    store.stage_webhook(w);
    auto notice = op->notice;
    store.stage_event(w.tenant, std::move(notice), self->state.config.time->now_ms());
    outcome.hook = w;
    self->state.webhook_changes.push_back({std::move(w), false});
  } else if (auto* op = std::get_if<config_change::create_source>(&change.op)) {
    store.stage_source(op->value);
    outcome.changed_source = op->value;
  } else if (auto* op = std::get_if<config_change::update_source>(&change.op)) {
    auto current = existing_source(store, op->value.tenant, op->value.id, outcome);
    if (!current)
      return current.error();
    if (!*current)
      return {};
    if ((*current)->updated_at_ms != op->based_on_updated_at_ms) {
      outcome.error = make_error_info(ec::conflict, "the source changed concurrently; retry");
      return {};
    }
    store.stage_source(op->value);
    outcome.changed_source = op->value;
  } else if (auto* op = std::get_if<config_change::create_jobs>(&change.op)) {
    for (const auto& job : op->jobs) {
      auto hook = existing_webhook(store, job.tenant, job.webhook_id, outcome);
      if (!hook)
        return hook.error();
      if (!*hook)
        return {};
      if (!(*hook)->enabled) {
        outcome.error = make_error_info(ec::conflict, "webhook '" + job.webhook_id +
                                                          "' is disabled; enable it first");
        return {};
      }
    }
    for (const auto& job : op->jobs) {
      store.stage_job(job);
      self->state.job_changes.push_back(job);
    }
    outcome.jobs = op->jobs;
  } else if (auto* op = std::get_if<config_change::cancel_job>(&change.op)) {
    auto job = store.find_job(op->tenant, op->id);
    if (!job)
      return job.error();
    if (!*job) {
      outcome.error = make_error_info(ec::not_found, "no job '" + op->id + "'");
      return {};
    }
    if ((*job)->state != job_state::running) {
      outcome.error = make_error_info(ec::conflict, "job '" + op->id + "' already " +
                                                        std::string{to_string((*job)->state)});
      outcome.jobs.push_back(**job);
      return {};
    }
    auto& j = **job;
    j.state = job_state::cancelled;
    j.cancel_reason = op->reason;
    j.finished_at_ms = j.updated_at_ms = op->at_ms;
    store.stage_job(j);
    self->state.ended_jobs.insert(j.id);
    self->state.job_changes.push_back(j);
    outcome.jobs.push_back(std::move(j));
  } else if (auto* op = std::get_if<config_change::prune_log>(&change.op)) {
    store.stage_retention(*op->plan);
  } else if (auto* op = std::get_if<config_change::delete_source>(&change.op)) {
    auto current = existing_source(store, op->tenant, op->id, outcome);
    if (!current)
      return current.error();
    if (!*current)
      return {};
    store.stage_delete_source(**current);
    outcome.changed_source = **current;
  }
  outcome.audit_seq = store.stage_audit(std::move(audit));
  return {};
}

// Stages a webhook actor's records; prunes its attempt log to the newest `keep_attempts`, but
// never a record newer than its snapshot (recovery replays those).
void stage_delivery_log(writer_ptr self, const delivery_log& log) {
  auto& st = self->state;
  auto& store = *st.config.store;
  for (auto notice : log.notices)
    store.stage_event(log.tenant, std::move(notice), st.config.time->now_ms());
  for (auto seq : log.reopened)
    store.stage_reopen(log.webhook_id, seq);
  for (const auto& a : log.attempts)
    store.stage_attempt(a);
  for (const auto& o : log.outcomes)
    store.stage_outcome(log.tenant, o);
  for (const auto& job : log.jobs) {
    if (st.ended_jobs.count(job.id) > 0)
      continue; // Cancelled (or its webhook deleted) after the actor reported.
    store.stage_job(job);
    if (job.state != job_state::running)
      st.ended_jobs.insert(job.id);
  }
  auto& marks = st.attempt_logs[log.webhook_id];
  if (!log.attempts.empty())
    marks.last = std::max(marks.last, log.attempts.back().number);
  if (log.snapshot) {
    // A snapshot that arrives after its webhook was deleted must not bring a row back.
    auto exists = store.find_webhook(log.tenant, log.webhook_id);
    if (exists && *exists) {
      store.stage_snapshot(log.webhook_id, *log.snapshot);
      marks.snapshot_from = log.snapshot->next_record;
    } else if (exists) {
      st.attempt_logs.erase(log.webhook_id);
      return;
    }
  }
  auto keep = st.config.keep_attempts;
  if (marks.snapshot_from == 0 || marks.last < keep)
    return;
  auto below = std::min(marks.last + 1 - keep, marks.snapshot_from);
  // One range deletion per `keep` records, not one per record.
  if (below >= marks.pruned_below + std::max<uint64_t>(keep, 1)) {
    store.stage_prune_attempts(log.webhook_id, below);
    marks.pruned_below = below;
  }
}

// Commits what is staged, then answers everyone who waited for it and publishes the batch.
void commit(writer_ptr self) {
  auto& st = self->state;
  auto appends = std::move(st.appends);
  auto configs = std::move(st.configs);
  auto changes = std::move(st.webhook_changes);
  auto tenant_changes = std::move(st.tenant_changes);
  auto job_changes = std::move(st.job_changes);
  st.job_changes.clear();
  st.appends.clear();
  st.configs.clear();
  st.webhook_changes.clear();
  st.tenant_changes.clear();
  auto& store = *st.config.store;
  if (store.has_staged()) {
    auto started = std::chrono::steady_clock::now();
    auto committed = store.commit();
    st.config.counters->commit_seconds.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (!committed) {
      st.stats.failed = true;
      HOOKD_ERROR("log_writer: commit failed: {}", committed.error().detail);
      auto err = to_caf_error(committed.error());
      for (auto& w : appends)
        w.answer(err);
      for (auto& w : configs)
        w.promise.deliver(err);
      return;
    }
    ++st.stats.commits;
    st.stats.events += committed->size();
    st.config.counters->commit_events.observe(static_cast<double>(committed->size()));
    for (const auto& e : *committed) {
      auto& slot = st.tenant_counters_cache[e.tenant];
      if (slot == nullptr)
        slot = &st.config.counters->tenant(e.tenant);
      slot->events.fetch_add(1, std::memory_order_relaxed);
    }
    st.stats.head_seq = store.head().seq;
    if ((!committed->empty() || !changes.empty() || !tenant_changes.empty() ||
         !job_changes.empty()) &&
        !st.subscribers.empty()) {
      auto batch = std::make_shared<committed_batch>();
      batch->webhook_changes = std::move(changes);
      batch->tenant_changes = std::move(tenant_changes);
      batch->job_changes = std::move(job_changes);
      batch->events = std::move(*committed);
      committed_batch_ptr shared = std::move(batch);
      for (auto& sub : st.subscribers)
        self->send(sub, atom::committed_v, shared);
    }
  }
  for (auto& w : appends)
    w.answer(append_outcome_ptr{std::move(w.outcome)});
  for (auto& w : configs)
    w.promise.deliver(config_outcome_ptr{std::move(w.outcome)});
  if (store.wal_unsynced() && !st.sync_queued) {
    st.sync_queued = true;
    self->delayed_send(self, st.config.delivery_sync_interval, atom::sync_v);
  }
}

// Fsyncs what was committed without an fsync (delivery state), unless a synced commit did.
void sync_delivery_state(writer_ptr self) {
  auto& st = self->state;
  auto& store = *st.config.store;
  if (!store.wal_unsynced())
    return;
  if (auto synced = store.sync_wal(); !synced) {
    st.stats.failed = true;
    HOOKD_ERROR("log_writer: {}", synced.error().detail);
  }
}

// Queues one flush behind whatever is already in the mailbox: everything that arrived
// during the previous fsync shares the next one.
void schedule_flush(writer_ptr self) {
  auto& st = self->state;
  if (st.config.store->staged_events() >= st.config.max_commit_events) {
    commit(self);
    return;
  }
  if (!st.flush_queued) {
    st.flush_queued = true;
    self->send(self, atom::flush_v);
  }
}

} // namespace

log_writer_actor::behavior_type
log_writer(log_writer_actor::stateful_pointer<log_writer_state> self, log_writer_config config) {
  self->state.config = std::move(config);
  if (!self->state.config.counters)
    self->state.config.counters = std::make_shared<metrics>();
  self->state.stats.head_seq = self->state.config.store->head().seq;
  self->state.config.store->defer_delivery_sync(self->state.config.delivery_sync_interval.count() >
                                                0);
  self->set_exit_handler([self](const caf::exit_msg& msg) {
    // Finish what is in flight: stage nothing new, commit what is staged, answer, sync, quit.
    commit(self);
    sync_delivery_state(self);
    self->quit(msg.reason);
  });
  self->set_down_handler([self](const caf::down_msg& msg) {
    auto& subs = self->state.subscribers;
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](const auto& s) { return s.address() == msg.source; }),
               subs.end());
  });
  self->delayed_send(self, self->state.config.sweep_interval, atom::sweep_v);
  return {
      [self](atom::append, append_request_ptr& req) {
        auto rp = self->make_response_promise<append_outcome_ptr>();
        if (!req) {
          rp.deliver(make_error(ec::internal, "empty append request"));
          return rp;
        }
        auto outcome = stage_append(self, *req);
        if (!outcome) {
          rp.deliver(to_caf_error(outcome.error()));
          return rp;
        }
        self->state.appends.push_back({rp, nullptr, std::move(*outcome)});
        schedule_flush(self);
        return rp;
      },
      [self](atom::append, append_request_ptr& req, append_callback_ptr& callback) {
        if (!req || !callback)
          return;
        auto outcome = stage_append(self, *req);
        if (!outcome) {
          (*callback)(to_caf_error(outcome.error()));
          return;
        }
        self->state.appends.push_back({{}, std::move(callback), std::move(*outcome)});
        schedule_flush(self);
      },
      [self](atom::configure, config_change_ptr& change) {
        auto rp = self->make_response_promise<config_outcome_ptr>();
        auto outcome = std::make_shared<config_outcome>();
        if (auto staged = stage_config(self, *change, *outcome); !staged) {
          rp.deliver(to_caf_error(staged.error()));
          return rp;
        }
        self->state.configs.push_back({rp, std::move(outcome)});
        schedule_flush(self);
        return rp;
      },
      [self](atom::subscribe, batch_subscriber_actor& sub) {
        self->monitor(sub);
        self->state.subscribers.push_back(std::move(sub));
      },
      [self](atom::flush) {
        self->state.flush_queued = false;
        commit(self);
      },
      [self](atom::sweep) {
        self->delayed_send(self, self->state.config.sweep_interval, atom::sweep_v);
        auto swept = self->state.config.store->sweep_idempotency(self->state.config.time->now_ms());
        if (!swept)
          HOOKD_WARN("log_writer: idempotency sweep failed: {}", swept.error().detail);
        else if (*swept > 0)
          HOOKD_DEBUG("log_writer: swept {} expired idempotency keys", *swept);
        auto counters = self->state.config.store->sweep_counters(self->state.config.time->now_ms());
        if (!counters)
          HOOKD_WARN("log_writer: counter sweep failed: {}", counters.error().detail);
      },
      [self](atom::record, delivery_log_ptr& log) {
        if (!log)
          return;
        stage_delivery_log(self, *log);
        schedule_flush(self);
      },
      [self](atom::sync) {
        self->state.sync_queued = false;
        sync_delivery_state(self);
      },
      [self](atom::status) -> writer_status_ptr {
        return std::make_shared<writer_status>(self->state.stats);
      },
  };
}

} // namespace hookd
