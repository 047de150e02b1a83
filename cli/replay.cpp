#include "cli/replay.hpp"

#include "cli/exit_codes.hpp"
#include "domain/crypto.hpp"
#include "domain/delivery_outcome.hpp"
#include "domain/event_type.hpp"
#include "domain/json_writer.hpp"
#include "domain/timestamp.hpp"
#include "storage/config_reader.hpp"
#include "storage/database.hpp"
#include "storage/delivery_reader.hpp"
#include "storage/log_reader.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <ostream>
#include <set>
#include <unistd.h>

namespace hookd::cli {

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Opens `<data>/db` read-only; nullptr after explaining why on `err`.
std::unique_ptr<storage::database> open_read_only(const std::string& data, std::ostream& err) {
  auto dir = std::filesystem::path{data} / "db";
  std::error_code ec;
  if (!std::filesystem::exists(dir / "CURRENT", ec)) {
    err << "hookd replay: no hookd database in " << std::filesystem::absolute(data).string()
        << " (expected " << dir.string() << "); pass --data\n";
    return nullptr;
  }
  storage::database_options opts;
  opts.read_only = true;
  auto db = storage::database::open(dir, opts);
  if (!db) {
    err << "hookd replay: cannot open " << dir.string() << ": " << db.error().detail << "\n";
    return nullptr;
  }
  return std::move(*db);
}

std::string hex(const sha256_digest& d) {
  return to_hex(d);
}

// CSV field: quoted when it holds a comma, quote or line break.
std::string csv(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos)
    return std::string{s};
  std::string out = "\"";
  for (char c : s) {
    if (c == '"')
      out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

std::string labels_text(const std::vector<label>& labels) {
  std::string out;
  for (const auto& l : labels)
    out += (out.empty() ? "" : ",") + l.key + "=" + l.value;
  return out;
}

// One attempt as a line: time, [event,] attempt number, result, status or error, latency,
// message id, response excerpt and note.
void write_attempt_line(std::ostream& out, const attempt_record& a, bool with_event) {
  out << "  " << format_rfc3339(a.at_ms);
  if (with_event)
    out << "  seq " << a.event_seq << "  " << a.event_id;
  out << "  #" << a.attempt << "  " << to_string(a.result) << "  ";
  if (a.status)
    out << "HTTP " << *a.status;
  else
    out << to_string(a.error);
  out << "  " << a.duration_us / 1000 << " ms  " << a.message_id;
  if (!a.response.empty()) {
    auto excerpt = a.response.substr(0, 120);
    std::replace(excerpt.begin(), excerpt.end(), '\n', ' ');
    out << "  \"" << excerpt << (a.response.size() > 120 ? "…" : "") << "\"";
  }
  if (!a.note.empty())
    out << "  (" << a.note << ")";
  out << "\n";
}

// The webhook `id` of whichever tenant owns it; nullopt after explaining on `err` (`rc` says
// the exit code).
std::optional<webhook> find_webhook(const storage::database& db, const std::string& id,
                                    std::ostream& err, int& rc) {
  auto all = storage::config_reader{db}.list_all_webhooks();
  if (!all) {
    err << "hookd replay: reading webhooks failed: " << all.error().detail << "\n";
    rc = exit_storage;
    return std::nullopt;
  }
  for (auto& h : *all)
    if (h.id == id)
      return std::move(h);
  err << "hookd replay: no webhook '" << id << "' (a deleted webhook's history is gone with it)\n";
  rc = exit_failed;
  return std::nullopt;
}

// Parses --since and --until into [since, until); false after explaining on `err`.
bool read_window(const replay_options& opts, std::optional<int64_t>& since,
                 std::optional<int64_t>& until, std::ostream& err) {
  auto now = now_ms();
  if (!opts.since.empty() && !(since = parse_time_arg(opts.since, now))) {
    err << "hookd replay: --since '" << opts.since << "' is not RFC 3339 or relative (-24h)\n";
    return false;
  }
  if (!opts.until.empty() && !(until = parse_time_arg(opts.until, now))) {
    err << "hookd replay: --until '" << opts.until << "' is not RFC 3339 or relative (-1h)\n";
    return false;
  }
  return true;
}

} // namespace

std::optional<int64_t> parse_time_arg(const std::string& text, int64_t now) {
  if (text.size() >= 3 && text[0] == '-') {
    int64_t n = 0;
    auto unit = text.back();
    auto [end, ec] = std::from_chars(text.data() + 1, text.data() + text.size() - 1, n);
    if (ec != std::errc{} || end != text.data() + text.size() - 1 || n < 0)
      return std::nullopt;
    int64_t ms = unit == 's'   ? 1000
                 : unit == 'm' ? 60'000
                 : unit == 'h' ? 3'600'000
                 : unit == 'd' ? 86'400'000
                               : 0;
    if (ms == 0)
      return std::nullopt;
    return now - n * ms;
  }
  return parse_rfc3339(text);
}

int replay_events(const replay_options& opts, std::ostream& out, std::ostream& err) {
  std::optional<int64_t> since, until;
  if (!read_window(opts, since, until, err))
    return exit_usage;
  std::vector<event_type_pattern> patterns;
  for (const auto& t : opts.types) {
    auto p = event_type_pattern::parse(t);
    if (!p) {
      err << "hookd replay: --type '" << t << "' is not a type, 'prefix.*' or '*'\n";
      return exit_usage;
    }
    patterns.push_back(*p);
  }
  std::vector<label> wanted;
  for (const auto& l : opts.labels) {
    auto eq = l.find('=');
    if (eq == std::string::npos || eq == 0) {
      err << "hookd replay: --label '" << l << "' must be key=value\n";
      return exit_usage;
    }
    wanted.push_back({l.substr(0, eq), l.substr(eq + 1)});
  }
  if (opts.format != "table" && opts.format != "ndjson" && opts.format != "csv") {
    err << "hookd replay: --format is table, ndjson or csv\n";
    return exit_usage;
  }
  auto db = open_read_only(opts.data, err);
  if (!db)
    return exit_storage;
  std::optional<webhook> hook;
  if (!opts.webhook.empty()) {
    int rc = exit_ok;
    if (!(hook = find_webhook(*db, opts.webhook, err, rc)))
      return rc;
  }
  storage::log_reader log{*db};
  uint64_t from = 1;
  if (since) {
    auto first = log.first_seq_at_or_after(*since);
    if (!first) {
      err << "hookd replay: " << first.error().detail << "\n";
      return exit_storage;
    }
    from = *first;
  }
  if (opts.format == "table")
    out << "seq       received_at               tenant        type                          id\n";
  else if (opts.format == "csv")
    out << "seq,received_at,tenant,id,type,labels,hash\n";
  uint64_t shown = 0;
  auto scanned = log.scan(from, UINT64_MAX, [&](const event& e) {
    if (until && e.received_at_ms >= *until)
      return false; // received_at never decreases: nothing later matches
    if (!opts.tenant.empty() && e.tenant != opts.tenant)
      return true;
    // Only the events that webhook matched: its tenant's, after it existed, by its filter.
    if (hook && (e.tenant != hook->tenant || e.received_at_ms < hook->created_at_ms ||
                 !hook->matches(e.type, e.labels)))
      return true;
    if (!patterns.empty() && std::none_of(patterns.begin(), patterns.end(),
                                          [&](const auto& p) { return p.matches(e.type); }))
      return true;
    for (const auto& w : wanted)
      if (find_label(e.labels, w.key) != std::optional<std::string_view>{w.value})
        return true;
    ++shown;
    if (opts.format == "ndjson") {
      json_writer w;
      w.begin_object();
      w.key("seq").value(e.seq).key("id").value(e.id).key("tenant").value(e.tenant);
      w.key("type").value(e.type).key("received_at").value(format_rfc3339(e.received_at_ms));
      w.key("labels").begin_object();
      for (const auto& l : e.labels)
        w.key(l.key).value(l.value);
      w.end_object();
      w.key("hash").value(hex(e.hash));
      w.key("data").raw(e.data);
      w.end_object();
      out << w.str() << "\n";
    } else if (opts.format == "csv") {
      out << e.seq << "," << format_rfc3339(e.received_at_ms) << "," << csv(e.tenant) << ","
          << csv(e.id) << "," << csv(e.type) << "," << csv(labels_text(e.labels)) << ","
          << hex(e.hash) << "\n";
    } else {
      auto pad = [](std::string s, std::size_t n) {
        if (s.size() < n)
          s.append(n - s.size(), ' ');
        return s;
      };
      out << pad(std::to_string(e.seq), 10) << pad(format_rfc3339(e.received_at_ms), 26)
          << pad(e.tenant, 14) << pad(e.type, 30) << e.id << "\n";
    }
    return true;
  });
  if (!scanned) {
    err << "hookd replay: reading the log failed: " << scanned.error().detail << "\n";
    return exit_storage;
  }
  if (shown == 0)
    err << "hookd replay: no events match\n";
  return exit_ok;
}

int replay_verify(const replay_options& opts, std::ostream& out, std::ostream& err) {
  uint64_t from = opts.from;
  std::optional<sha256_digest> anchor;
  if (!opts.from_anchor.empty()) {
    auto at = opts.from_anchor.find('@');
    uint64_t seq = 0;
    std::optional<std::string> bytes;
    if (at != std::string::npos) {
      bytes = from_hex(opts.from_anchor.substr(0, at));
      auto s = opts.from_anchor.substr(at + 1);
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), seq);
      if (ec != std::errc{} || end != s.data() + s.size())
        bytes.reset();
    }
    if (!bytes || bytes->size() != 32) {
      err << "hookd replay: --from-anchor must be HASH@SEQ (64 hex digits, then the sequence "
             "number), as printed by an earlier verify\n";
      return exit_usage;
    }
    sha256_digest d{};
    std::copy(bytes->begin(), bytes->end(), d.begin());
    anchor = d;
    from = seq + 1;
  }
  if (from == 0 || from > opts.to) {
    err << "hookd replay: the range is empty (--from must be 1 or more and not past --to)\n";
    return exit_usage;
  }
  auto db = open_read_only(opts.data, err);
  if (!db)
    return exit_storage;
  storage::log_reader log{*db};
  auto head = log.head();
  if (!head) {
    err << "hookd replay: " << head.error().detail << "\n";
    return exit_storage;
  }
  // The anchor's own record, while the log still holds it, must be the one noted.
  if (anchor && from > 1) {
    auto noted = log.get(from - 1);
    if (!noted) {
      err << "hookd replay: reading the log failed: " << noted.error().detail << "\n";
      return exit_storage;
    }
    if (*noted && (*noted)->hash != *anchor) {
      out << "BROKEN at seq " << from - 1 << ": the record's hash differs from the anchor\n";
      return exit_failed;
    }
  }
  auto to = std::min(opts.to, head->seq);
  if (head->seq == 0 || from > to) {
    out << "hookd replay: no records in range (log head at seq " << head->seq
        << "); nothing to verify\n";
    return exit_ok;
  }
  // In chunks, each anchored on the last hash of the one before: the same check as one pass,
  // with progress between chunks.
  constexpr uint64_t chunk = 100'000;
  bool progress = ::isatty(STDERR_FILENO) != 0;
  uint64_t checked = 0;
  storage::chain_head last;
  for (uint64_t at = from; at <= to;) {
    auto end = std::min(to, at + chunk - 1);
    auto v = log.verify_chain(at, end, anchor);
    if (!v) {
      err << "hookd replay: reading the log failed: " << v.error().detail << "\n";
      return exit_storage;
    }
    if (!v->intact) {
      if (progress)
        err << "\n";
      out << "BROKEN at seq " << v->first_bad_seq << ": " << v->reason << "\n";
      out << "checked " << checked + v->checked << " records from seq " << from << "\n";
      return exit_failed;
    }
    checked += v->checked;
    last = v->last;
    anchor = v->last.hash;
    at = end + 1;
    if (progress) {
      auto done = static_cast<double>(end - from + 1) / static_cast<double>(to - from + 1);
      auto bar = static_cast<int>(done * 40);
      err << "\r[" << std::string(bar, '#') << std::string(40 - bar, ' ') << "] "
          << static_cast<int>(done * 100) << "% seq " << end << std::flush;
    }
  }
  if (progress)
    err << "\n";
  out << "intact: " << checked << " records, seq " << from << " to " << last.seq << "\n";
  out << "head: " << hex(last.hash) << "@" << last.seq << "\n";
  out << "(note the head; `hookd replay verify --from-anchor " << hex(last.hash) << "@" << last.seq
      << "` later checks only what came after it)\n";
  return exit_ok;
}

int replay_show(const replay_options& opts, std::ostream& out, std::ostream& err) {
  bool by_seq = !opts.event.empty() && std::all_of(opts.event.begin(), opts.event.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; });
  if (!by_seq && opts.tenant.empty()) {
    err << "hookd replay: show needs --tenant with an event id (ids are unique per tenant), "
           "or a sequence number\n";
    return exit_usage;
  }
  auto db = open_read_only(opts.data, err);
  if (!db)
    return exit_storage;
  storage::log_reader log{*db};
  expected<std::optional<event>> found = std::optional<event>{};
  if (by_seq) {
    uint64_t seq = 0;
    std::from_chars(opts.event.data(), opts.event.data() + opts.event.size(), seq);
    found = log.get(seq);
  } else {
    found = log.find(opts.tenant, opts.event);
  }
  if (!found) {
    err << "hookd replay: reading the log failed: " << found.error().detail << "\n";
    return exit_storage;
  }
  if (!*found || (!opts.tenant.empty() && (*found)->tenant != opts.tenant)) {
    err << "hookd replay: no event '" << opts.event << "'"
        << (opts.tenant.empty() ? "" : " of tenant " + opts.tenant) << "\n";
    return exit_failed;
  }
  const auto& e = **found;
  out << "event     " << e.id << "\n";
  out << "seq       " << e.seq << "\n";
  out << "tenant    " << e.tenant << "\n";
  out << "type      " << e.type << "\n";
  out << "received  " << format_rfc3339(e.received_at_ms) << "\n";
  if (e.occurred_at_ms)
    out << "occurred  " << format_rfc3339(*e.occurred_at_ms) << "\n";
  out << "labels    " << labels_text(e.labels) << "\n";
  out << "hash      " << hex(e.hash) << "\n";
  out << "prev hash " << hex(e.prev_hash) << "\n";
  out << "data      " << e.data << "\n";
  auto timeline = storage::delivery_reader{*db}.timeline(e);
  if (!timeline) {
    err << "hookd replay: reading deliveries failed: " << timeline.error().detail << "\n";
    return exit_storage;
  }
  for (const auto& t : *timeline) {
    out << "\nwebhook " << t.hook.id << " (" << t.hook.name << "): " << t.state;
    if (t.next_attempt_ms)
      out << ", next attempt " << format_rfc3339(*t.next_attempt_ms);
    out << "\n";
    for (const auto& a : t.attempts)
      write_attempt_line(out, a, false);
  }
  return exit_ok;
}

int replay_webhook(const replay_options& opts, std::ostream& out, std::ostream& err) {
  std::optional<int64_t> since, until;
  if (!read_window(opts, since, until, err))
    return exit_usage;
  auto db = open_read_only(opts.data, err);
  if (!db)
    return exit_storage;
  int rc = exit_ok;
  auto hook = find_webhook(*db, opts.webhook, err, rc);
  if (!hook)
    return rc;
  out << "webhook " << hook->id << " (" << hook->name << ") of " << hook->tenant << "\n";
  out << "url     " << hook->url << "\n";
  out << "window  " << (since ? format_rfc3339(*since) : std::string{"the start"}) << " to "
      << (until ? format_rfc3339(*until) : std::string{"now"}) << "\n";
  uint64_t attempts = 0, succeeded = 0, failed = 0;
  std::set<uint64_t> events;
  auto scanned =
      storage::delivery_reader{*db}.scan_attempts(hook->id, 0, [&](const attempt_record& a) {
        if ((since && a.at_ms < *since) || (until && a.at_ms >= *until))
          return true;
        ++attempts;
        if (a.result == attempt_result::succeeded)
          ++succeeded;
        else if (a.result != attempt_result::retrying)
          ++failed;
        if (!a.test)
          events.insert(a.event_seq);
        write_attempt_line(out, a, true);
        return true;
      });
  if (!scanned) {
    err << "hookd replay: reading attempts failed: " << scanned.error().detail << "\n";
    return exit_storage;
  }
  out << attempts << " attempts on " << events.size() << " events: " << succeeded << " succeeded, "
      << failed << " failed for good, " << attempts - succeeded - failed << " to be retried\n";
  return exit_ok;
}

} // namespace hookd::cli
