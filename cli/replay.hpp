#pragma once

/// `hookd replay`: read-only audit commands over a data folder. They open the database
/// read-only (RocksDB does not lock a read-only open), so they run while the server is up,
/// and never write.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace hookd::cli {

/// Options shared by the replay commands.
struct replay_options {
  /// The server's data folder (the database is `<data>/db`).
  std::string data = "./data";
  /// `hookd replay events`: window (RFC 3339, or relative to now: `-24h`, `-30m`, `-7d`).
  std::string since;
  std::string until;
  /// Type patterns (`deployment.*`); any when empty.
  std::vector<std::string> types;
  /// Only this tenant's events, when set.
  std::string tenant;
  /// Labels every listed event must carry (`k=v`).
  std::vector<std::string> labels;
  /// `table`, `ndjson` or `csv`.
  std::string format = "table";
  /// `hookd replay show <event>`: the event (a sequence number, or an id with `--tenant`), its
  /// hash and sequence number, and for every webhook of its tenant what happened: the state and
  /// the full timeline of attempts (time, attempt, status or error, latency, response excerpt).
  /// Returns 0, 2 for bad options, 3 for an unusable data folder, 1 when there is no such event.
  int replay_show(const replay_options& opts, std::ostream& out, std::ostream& err);

  /// `hookd replay webhook <id>`: every attempt sent to the webhook in the window (`--since`,
  /// `--until`), oldest first, with its event, status, latency and answer, and a summary. The
  /// answer to "what did they receive". Attempt records are pruned to the newest per webhook.
  int replay_webhook(const replay_options& opts, std::ostream& out, std::ostream& err);

  /// `hookd replay verify`: the range, and a noted checkpoint `HASH@SEQ` to start from.
  uint64_t from = 1;
  uint64_t to = UINT64_MAX;
  std::string from_anchor;
  /// `hookd replay show`: the event (its id, or its sequence number).
  std::string event;
  /// `hookd replay webhook <id>`, and `events --webhook`: the webhook.
  std::string webhook;
};

/// Parses a time given as RFC 3339 or relative to `now_ms` (`-24h`, `-90m`, `-7d`, `-30s`).
std::optional<int64_t> parse_time_arg(const std::string& text, int64_t now_ms);

/// `hookd replay events`: streams the matching events to `out` (constant memory). Returns the
/// process exit code (0, also when no event matches; 2 for bad options; 3 for a missing or
/// unreadable data folder or another schema version).
int replay_events(const replay_options& opts, std::ostream& out, std::ostream& err);

/// `hookd replay show <event>`: the event (a sequence number, or an id with `--tenant`), its
/// hash and sequence number, and for every webhook of its tenant what happened: the state and
/// the full timeline of attempts (time, attempt, status or error, latency, response excerpt).
/// Returns 0, 2 for bad options, 3 for an unusable data folder, 1 when there is no such event.
int replay_show(const replay_options& opts, std::ostream& out, std::ostream& err);

/// `hookd replay webhook <id>`: every attempt sent to the webhook in the window (`--since`,
/// `--until`), oldest first, with its event, status, latency and answer, and a summary. The
/// answer to "what did they receive". Attempt records are pruned to the newest per webhook.
int replay_webhook(const replay_options& opts, std::ostream& out, std::ostream& err);

/// `hookd replay verify`: recomputes the hash chain (all, a range, or from an anchor), prints
/// the head hash to note, and a progress bar on a terminal. Returns 0 when intact, 1 naming the
/// first broken sequence number, 2 for bad options, 3 for an unusable data folder.
int replay_verify(const replay_options& opts, std::ostream& out, std::ostream& err);

} // namespace hookd::cli
