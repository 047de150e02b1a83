#pragma once

/// The map of who talks to whom: every actor's typed interface, one line per handler.

#include "actors/messages.hpp"
#include "actors/type_ids.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace hookd {

/// Receives every committed batch, in commit order (the router is the first subscriber).
using batch_subscriber_actor = caf::typed_actor<
    // A batch was fsynced; its events are in the log and may be delivered.
    caf::reacts_to<atom::committed, committed_batch_ptr>>;

/// The one owner of the RocksDB write path: group commit of events and configuration.
using log_writer_actor = caf::typed_actor<
    // Appends events; answers after the fsync of the batch that holds them.
    caf::replies_to<atom::append, append_request_ptr>::with<append_outcome_ptr>,
    // The same, answered through the callback (on the writer's thread) instead.
    caf::reacts_to<atom::append, append_request_ptr, append_callback_ptr>,
    // Applies a configuration change and its audit entry atomically; answers after the fsync.
    caf::replies_to<atom::configure, config_change_ptr>::with<config_outcome_ptr>,
    // Adds a subscriber for committed batches; it is dropped when it terminates.
    caf::reacts_to<atom::subscribe, batch_subscriber_actor>,
    // Commits what is staged (sent to itself, behind the appends already queued).
    caf::reacts_to<atom::flush>,
    // Deletes expired idempotency keys (periodic, sent to itself).
    caf::reacts_to<atom::sweep>,
    // Fsyncs delivery state committed without an fsync (sent to itself, design note 38).
    caf::reacts_to<atom::sync>,
    // Stages a webhook actor's attempt records, outcomes and snapshot for the next commit.
    caf::reacts_to<atom::record, delivery_log_ptr>,
    // Reports the head, counters and health.
    caf::replies_to<atom::status>::with<writer_status_ptr>>;

/// Reads delivery state and backlogs for webhook actors, off the CAF workers (its RocksDB
/// reads may block, so it runs detached).
using delivery_reader_actor = caf::typed_actor<
    // The state to resume webhook `hook` from; the u64 is the router's position, used as the
    // cursor when no snapshot is stored.
    caf::replies_to<atom::recover, webhook_ptr, uint64_t>::with<recovery_state_ptr>,
    // The next page of `hook`'s backlog: seqs from, to, and at most that many events.
    caf::replies_to<atom::read, webhook_ptr, uint64_t, uint64_t, uint32_t>::with<backlog_chunk_ptr>,
    // The events of `hook`'s deliveries among these seqs that still stand as failed.
    caf::replies_to<atom::read, webhook_ptr, seq_list_ptr>::with<backlog_chunk_ptr>,
    // The seqs of `hook`'s deliveries that failed for good within [since, until) (ms).
    caf::replies_to<atom::scan, webhook_ptr, int64_t, int64_t>::with<seq_list_ptr>,
    // The next page of `job` for `hook` from seq `from`: at most that many events.
    caf::replies_to<atom::replay, webhook_ptr, replay_job_ptr, uint64_t,
                    uint32_t>::with<backlog_chunk_ptr>>;

/// One webhook endpoint: queues matching events, signs and sends them through the delivery
/// transport, retries on its schedule, and guards the endpoint with a circuit breaker.
using webhook_actor = caf::typed_actor<
    // New events for this webhook: indices into a committed batch (shared, never copied).
    caf::reacts_to<atom::deliver, committed_batch_ptr, std::vector<uint32_t>>,
    // Answers to attempts wait in the actor's `answer_inbox`: take them all.
    caf::reacts_to<atom::done>,
    // The retry timer fired; the number tells stale timers from the current one.
    caf::reacts_to<atom::retry, uint64_t>,
    // The configuration changed (URL, headers, schedule, limits, enabled).
    caf::reacts_to<atom::configure, webhook_ptr>,
    // Reports counters and health.
    caf::replies_to<atom::status>::with<webhook_stats_ptr>,
    // The router's periodic tick with its position: snapshot when due, check the failure
    // window.
    caf::reacts_to<atom::tick, uint64_t>,
    // Stop: let attempts in flight finish (up to the grace period), snapshot and quit (false),
    // or record pending deliveries as dropped and quit because the webhook was deleted (true).
    // Answers once the records are handed over.
    caf::replies_to<atom::stop, bool>::with<bool>,
    // Sends a signed `webhook.test` delivery now, records it, and answers with the attempt.
    caf::replies_to<atom::test>::with<test_result_ptr>,
    // The transport's answer to test attempt `token`.
    caf::reacts_to<atom::tested, uint64_t, delivery_result_ptr>,
    // Retries reading the recovery state after a storage error (sent to itself).
    caf::reacts_to<atom::recover>,
    // Sends the buffered records to the writer (sent to itself, behind the queued messages).
    caf::reacts_to<atom::record>,
    // The grace period of a clean stop ended (sent to itself).
    caf::reacts_to<atom::flush>,
    // Counters and health without the latency samples (for the queue figures).
    caf::replies_to<atom::queue>::with<webhook_stats_ptr>,
    // Puts these failed deliveries back in the queue, counting progress in the job.
    caf::reacts_to<atom::requeue, seq_list_ptr, retry_job_ptr>,
    // A redelivery job for this webhook: queued when running, dropped when cancelled.
    caf::reacts_to<atom::replay, replay_job_ptr>>;

/// Routes committed events to webhook actors: applies the batch's webhook changes (spawning,
/// reconfiguring or stopping webhook actors), then matches each event through its type index.
using router_actor = batch_subscriber_actor::extend<
    // The counters of `tenant`'s webhook `id` (an error when it has no actor).
    caf::replies_to<atom::status, std::string, std::string>::with<webhook_stats_ptr>,
    // A test delivery through `tenant`'s webhook `id` (an error when it has no actor).
    caf::replies_to<atom::test, std::string, std::string>::with<test_result_ptr>,
    // The queue figures of `tenant` (empty: every tenant) and the recent bulk retries.
    caf::replies_to<atom::queue, std::string>::with<queue_report_ptr>,
    // Starts a bulk retry of `tenant`'s failed deliveries (one webhook, or all when empty)
    // that failed within [since, until) (ms); answers once they are counted.
    caf::replies_to<atom::requeue, std::string, std::string, int64_t, int64_t>::with<retry_job_ptr>,
    // Ticks every webhook actor (sent to itself periodically).
    caf::reacts_to<atom::tick>,
    // Asks every webhook actor to snapshot and stop; answers when all have (node shutdown).
    caf::replies_to<atom::stop>::with<bool>>;

/// The HTTP server's way into the actors: it forwards a request to the log writer and runs
/// the callback with the answer (or the error, including a timeout).
using http_bridge_actor = caf::typed_actor<
    // Forwards a configuration change to the log writer.
    caf::reacts_to<atom::configure, config_change_ptr, config_callback_ptr>,
    // Asks the log writer for its status.
    caf::reacts_to<atom::status, status_callback_ptr>,
    // Asks the router for a webhook's live counters (tenant, id).
    caf::reacts_to<atom::status, std::string, std::string, stats_callback_ptr>,
    // Asks the router for a test delivery (tenant, id).
    caf::reacts_to<atom::test, std::string, std::string, test_callback_ptr>,
    // Asks the router for the queue figures (tenant, or empty for all).
    caf::reacts_to<atom::queue, std::string, queue_callback_ptr>,
    // Asks the router to start a bulk retry (tenant, webhook id or empty, since, until).
    caf::reacts_to<atom::requeue, std::string, std::string, int64_t, int64_t,
                   retry_job_callback_ptr>,
    // Asks the retention actor for a pass now.
    caf::reacts_to<atom::prune, retention_callback_ptr>,
    // Times out the requests whose answers are overdue (sent to itself every second).
    caf::reacts_to<atom::sweep>>;

/// Runs retention: plans a pass, has the writer delete what it may, then compacts; every
/// interval, and when asked. Its reads and compactions block: it runs detached.
using retention_actor = caf::typed_actor<
    // A pass now; answers with what it did.
    caf::replies_to<atom::prune>::with<retention_report_ptr>,
    // The periodic timer (sent to itself).
    caf::reacts_to<atom::tick>>;

} // namespace hookd
