#pragma once

#include "actors/acme_watcher.hpp"
#include "actors/actors.hpp"
#include "actors/webhook.hpp"
#include "domain/address_policy.hpp"
#include "domain/clock.hpp"
#include "domain/defaults.hpp"
#include "domain/delivery_transport.hpp"
#include "domain/error.hpp"
#include "domain/metrics.hpp"
#include "storage/database.hpp"

#include <caf/actor_system.hpp>

#include <filesystem>
#include <memory>

namespace hookd {

/// What a node needs to start.
struct node_config {
  /// The data folder (RocksDB lives in `<data>/db`).
  std::filesystem::path data_dir;
  /// Seals secrets at rest (the master key). Required.
  std::shared_ptr<const secret_box> secrets;
  /// Spawn the log writer detached (its fsyncs block). Off on the test coordinator.
  bool detach_writer = true;
  /// Most events per commit.
  std::size_t max_commit_events = 0;
  /// Where webhooks may point (`--allow-http`, `--allow-net`): checked when a webhook is saved
  /// and on every connection. Strict by default.
  address_policy policy;
  /// The delivery transport; when empty, the node makes the Beast client with `policy`.
  std::shared_ptr<delivery_transport> transport;
  /// Consecutive failures that open a webhook's circuit.
  uint32_t circuit_threshold = 10;
  /// Webhook actors' window and intervals.
  delivery_tuning tuning;
  /// How soon a webhook actor snapshots a change, and how often the router ticks webhook
  /// actors while new events arrive (see `router_config`).
  std::chrono::milliseconds tick_interval{5000};
  /// Attempt records kept per webhook.
  uint64_t keep_attempts = 100;
  /// Longest time delivery state may wait for its fsync (zero: every commit is synced). See
  /// `log_writer_config`.
  std::chrono::milliseconds delivery_sync_interval = defaults::delivery_sync_interval;
  /// The metrics registry (a new one when null).
  std::shared_ptr<metrics> counters;
  /// ACME stores, provisioning timeouts and the certificate expiry scan.
  acme_watch_config acme;
  /// Delivery requests in progress to one origin at most (the Beast client's limit).
  std::size_t max_per_origin = 8192;
  /// The node's retention (0: keep forever, unless a tenant sets its own).
  std::chrono::milliseconds retention{0};
  /// How often a retention pass runs.
  std::chrono::milliseconds retention_interval{std::chrono::minutes{10}};
};

/// The running core of hookd: the database and the actors around it. Starts components in
/// dependency order and stops them in the reverse, fixed order:
///   1. (the HTTP server, owned by the caller, stops accepting and drains first);
///   2. every webhook actor starts nothing new, lets its attempts in flight finish (up to
///      `tuning.stop_grace`; those still unanswered then are pending in the snapshot and go
///      again), hands its records and a snapshot to the writer, and quits;
///   3. the log writer commits what is staged, answers its callers, and quits;
///   4. the router and the state reader quit;
///   5. the delivery transport stops: no callback runs afterwards;
///   6. the database syncs its WAL and closes.
/// Not thread-safe: start and stop from one thread.
class node {
 public:
  /// Opens the database and spawns the actors. `time` must outlive the node.
  static expected<std::unique_ptr<node>> start(caf::actor_system& sys, node_config cfg,
                                               const clock& time);
  ~node();

  /// The log writer.
  const log_writer_actor& writer() const noexcept { return writer_; }
  /// The router.
  const router_actor& router() const noexcept { return router_; }
  /// The retention actor.
  const retention_actor& retention() const noexcept { return retention_; }
  /// The database, for readers (thread-safe reads).
  const storage::database& db() const noexcept { return *db_; }
  /// Where webhooks may point.
  const address_policy& policy() const noexcept { return policy_; }
  /// The metrics registry.
  metrics& counters() const noexcept { return *counters_; }
  /// True until `stop` began.
  bool running() const noexcept { return running_; }
  /// Stops the actors in order and closes the database. Blocks until done. Idempotent.
  void stop();

 private:
  node(caf::actor_system& sys) : sys_(sys) {}
  caf::actor_system& sys_;
  std::unique_ptr<storage::database> db_;
  log_writer_actor writer_;
  router_actor router_;
  delivery_reader_actor reader_;
  acme_watcher_actor acme_;
  retention_actor retention_;
  std::shared_ptr<delivery_transport> transport_;
  address_policy policy_;
  std::shared_ptr<metrics> counters_;
  std::chrono::milliseconds stop_grace_{0};
  bool running_ = false;
};

} // namespace hookd
