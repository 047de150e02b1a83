#pragma once

#include "actors/actors.hpp"
#include "actors/file_events.hpp"
#include "domain/clock.hpp"
#include "domain/provisioning.hpp"
#include "storage/database.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace hookd {

/// Where a tenant's (or one of its servers') Traefik ACME store lives.
struct acme_store_route {
  /// The tenant; empty: every tenant (the node's default store).
  std::string tenant;
  /// The `server_id` label the route is for; empty: the whole tenant.
  std::string server_id;
  /// The `acme.json` file.
  std::filesystem::path path;
};

/// A file or folder of PEM certificates (or an ACME store) scanned for expiry on a tenant's
/// behalf.
struct expiry_target {
  std::string tenant;
  std::filesystem::path path;
};

/// How the ACME watcher and the expiry scanner run.
struct acme_watch_config {
  /// Configured stores, most specific first when several match.
  std::vector<acme_store_route> stores;
  /// A request's own `acme_path` must lie in one of these folders (empty: any absolute path).
  std::vector<std::filesystem::path> allowed_dirs;
  /// How often every watched store is read again, changed or not (inotify reports sooner).
  std::chrono::milliseconds poll_interval{5000};
  /// How long a request waits for its certificate unless it says otherwise.
  std::chrono::milliseconds default_timeout{std::chrono::minutes{10}};
  /// An error log scanned for every request that names none.
  std::filesystem::path error_log;
  /// Extra certificate files and folders to scan for expiry.
  std::vector<expiry_target> expiry_targets;
  /// Warning thresholds in days, largest first.
  std::vector<uint32_t> thresholds{30, 14, 7, 1};
  /// How often the expiry scan runs (the first runs at start).
  std::chrono::milliseconds expiry_interval{std::chrono::hours{1}};
  /// Use inotify when available (polling always runs too).
  bool use_inotify = true;
};

/// Watches Traefik ACME stores for the domains of `domain.provisioning.started` requests and
/// appends `domain.provisioning.completed` or `.failed`; scans certificates for expiry and
/// appends `certificate.expiring` and a `system.alert` summary. One actor serves every request:
/// each store is read once per change for all requests waiting on it.
using acme_watcher_actor = batch_subscriber_actor::extend<
    // Poll: read the watched stores and error logs, fail requests past their deadline.
    caf::reacts_to<atom::tick>,
    // inotify saw the file at this path change.
    caf::reacts_to<atom::read, std::string>,
    // Run the expiry scan now.
    caf::reacts_to<atom::scan>,
    // The outcome of the watch opened by the event at this seq was appended (true) or not.
    caf::reacts_to<atom::done, uint64_t, bool>>;

/// The watcher's state.
struct acme_watcher_state {
  static constexpr const char* name = "acme_watcher";
  acme_watcher_state() = default;

  /// One provisioning request being watched.
  struct watch {
    /// The started event: its seq (the watch key), tenant, id and labels.
    uint64_t seq = 0;
    std::string tenant;
    std::string event_id;
    std::vector<label> labels;
    provisioning_request request;
    /// The store it waits on (empty when none could be chosen).
    std::string path;
    /// Why it cannot be watched at all (fails at once), when set.
    std::string refused;
    /// The original deadline: the started event's arrival plus its timeout.
    int64_t deadline_ms = 0;
    /// The error log, and how far it was read.
    std::string error_log;
    uint64_t error_log_offset = 0;
    /// The domains still missing after the last read of the store.
    std::vector<std::string> missing;
    /// True while its outcome is being appended.
    bool closing = false;
  };

  acme_watch_config config;
  const storage::database* db = nullptr;
  log_writer_actor writer;
  const clock* time = nullptr;
  /// Open watches by started-event seq.
  std::map<uint64_t, watch> watches;
  /// Stores seen in requests, by tenant (scanned for expiry too).
  std::set<std::pair<std::string, std::string>> seen_stores;
  /// inotify, when enabled.
  std::unique_ptr<file_events> events;
};

/// What the watcher needs.
struct acme_watcher_setup {
  acme_watch_config config;
  /// Read-only access for the open watches and the expiry marks. Must outlive the actor.
  const storage::database* db = nullptr;
  /// Where outcomes are appended.
  log_writer_actor writer;
  /// Time source. Must outlive the actor.
  const clock* time = nullptr;
};

/// The watcher's behaviour. Spawn it detached: it reads files.
acme_watcher_actor::behavior_type
acme_watcher(acme_watcher_actor::stateful_pointer<acme_watcher_state> self,
             acme_watcher_setup setup);

} // namespace hookd
