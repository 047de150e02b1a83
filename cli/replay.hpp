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
  /// `events`, `export` and `webhook`: the window (RFC 3339, or relative to now: `-24h`,
  /// `-30m`, `-7d`); `until` is exclusive.
  std::string since;
  std::string until;
  /// `events` and `export`: type patterns (`deployment.*`); any when empty.
  std::vector<std::string> types;
  /// `events` and `export`: only this tenant's events, when set. `show`: the tenant of an id.
  std::string tenant;
  /// `events` and `export`: labels every selected event must carry (`k=v`).
  std::vector<std::string> labels;
  /// `events`: `table`, `ndjson` or `csv`.
  std::string format = "table";
  /// `verify`: the range, and a noted checkpoint `HASH@SEQ` to start from.
  uint64_t from = 1;
  uint64_t to = UINT64_MAX;
  std::string from_anchor;
  /// `verify --export FILE`: verify an export file instead of the data folder.
  std::string export_file;
  /// `show`: the event (its id, or its sequence number).
  std::string event;
  /// `webhook <id>`, and `events --webhook` / `export --webhook`: the webhook.
  std::string webhook;
  /// `export`: the file to write (`-`: standard output); gzip when it ends in `.gz` or when
  /// `gzip` is set.
  std::string output = "-";
  bool gzip = false;
};

/// Parses a time given as RFC 3339 or relative to `now_ms` (`-24h`, `-90m`, `-7d`, `-30s`).
std::optional<int64_t> parse_time_arg(const std::string& text, int64_t now_ms);

/// `hookd replay events`: streams the matching events to `out` (constant memory). Returns the
/// process exit code (0, also when no event matches; 2 for bad options; 3 for a missing or
/// unreadable data folder or another schema version).
int replay_events(const replay_options& opts, std::ostream& out, std::ostream& err);

/// `hookd replay export`: the events `replay events` would select, as an export file (see
/// `storage/log_export.hpp`) that `verify --export` checks on its own: NDJSON, or gzip. A file
/// is written beside its target and renamed into place once complete. Exit codes as
/// `replay_events`, and 3 when the file cannot be written.
int replay_export(const replay_options& opts, std::ostream& out, std::ostream& err);

/// `hookd replay show <event>`: the event (a sequence number, or an id with `--tenant`), its
/// hash and sequence number, and for every webhook of its tenant what happened: the state and
/// the full timeline of attempts (time, attempt, status or error, latency, response excerpt).
/// Returns 0, 2 for bad options, 3 for an unusable data folder, 1 when there is no such event.
int replay_show(const replay_options& opts, std::ostream& out, std::ostream& err);

/// `hookd replay webhook <id>`: every attempt sent to the webhook in the window (`--since`,
/// `--until`), oldest first, with its event, status, latency and answer, and a summary. The
/// answer to "what did they receive". Attempt records are pruned to the newest per webhook.
int replay_webhook(const replay_options& opts, std::ostream& out, std::ostream& err);

/// `hookd replay verify`: recomputes the hash chain (all, a range, or from an anchor), checks
/// that every snapshot and attempt record references an event in the log, prints the head hash
/// to note, and a progress bar on a terminal. With `export_file`, verifies that export instead.
/// Returns 0 when intact, 1 naming the first broken sequence number, 2 for bad options, 3 for
/// an unusable data folder or file.
int replay_verify(const replay_options& opts, std::ostream& out, std::ostream& err);

} // namespace hookd::cli
