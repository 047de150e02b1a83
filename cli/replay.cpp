#include "cli/replay.hpp"

#include "cli/exit_codes.hpp"
#include "domain/crypto.hpp"
#include "domain/delivery_outcome.hpp"
#include "domain/event_json.hpp"
#include "domain/event_type.hpp"
#include "domain/json_writer.hpp"
#include "domain/timestamp.hpp"
#include "storage/config_reader.hpp"
#include "storage/database.hpp"
#include "storage/delivery_reader.hpp"
#include "storage/log_export.hpp"
#include "storage/log_reader.hpp"
#include "storage/retention.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <ostream>
#include <set>
#include <unistd.h>
#include <zlib.h>

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
    auto ago = parse_duration_ms(std::string_view{text}.substr(1));
    if (!ago)
      return std::nullopt;
    return now - *ago;
  }
  return parse_rfc3339(text);
}

namespace {

// What `events` and `export` select: a window, type patterns, a tenant, labels, and the
// events one webhook matched.
struct event_selection {
  std::optional<int64_t> since, until;
  std::vector<event_type_pattern> patterns;
  std::vector<label> labels;
  std::string tenant;
  std::optional<webhook> hook;

  bool matches(const event& e) const {
    if (!tenant.empty() && e.tenant != tenant)
      return false;
    // Only the events that webhook matched: its tenant's, after it existed, by its filter.
    if (hook && (e.tenant != hook->tenant || e.received_at_ms < hook->created_at_ms ||
                 !hook->matches(e.type, e.labels)))
      return false;
    if (!patterns.empty() && std::none_of(patterns.begin(), patterns.end(),
                                          [&](const auto& p) { return p.matches(e.type); }))
      return false;
    for (const auto& w : labels)
      if (find_label(e.labels, w.key) != std::optional<std::string_view>{w.value})
        return false;
    return true;
  }

  // A human description, for an export's trailer.
  std::string describe(const replay_options& opts) const {
    std::string out;
    auto add = [&](std::string part) { out += (out.empty() ? "" : " ") + part; };
    if (since)
      add("since=" + format_rfc3339(*since));
    if (until)
      add("until=" + format_rfc3339(*until));
    for (const auto& t : opts.types)
      add("type=" + t);
    if (!tenant.empty())
      add("tenant=" + tenant);
    for (const auto& l : opts.labels)
      add("label=" + l);
    if (hook)
      add("webhook=" + hook->id);
    return out.empty() ? "all" : out;
  }
};

// Parses the selection options; false after explaining on `err`.
bool parse_selection(const replay_options& opts, event_selection& sel, std::ostream& err) {
  if (!read_window(opts, sel.since, sel.until, err))
    return false;
  for (const auto& t : opts.types) {
    auto p = event_type_pattern::parse(t);
    if (!p) {
      err << "hookd replay: --type '" << t << "' is not a type, 'prefix.*' or '*'\n";
      return false;
    }
    sel.patterns.push_back(*p);
  }
  for (const auto& l : opts.labels) {
    auto eq = l.find('=');
    if (eq == std::string::npos || eq == 0) {
      err << "hookd replay: --label '" << l << "' must be key=value\n";
      return false;
    }
    sel.labels.push_back({l.substr(0, eq), l.substr(eq + 1)});
  }
  sel.tenant = opts.tenant;
  return true;
}

// Opens the data folder, resolves `--webhook`, and streams the selected events with their
// stored records to `visit`. Returns the exit code; `selected` counts the events.
int scan_selection(const replay_options& opts, event_selection& sel, std::ostream& err,
                   uint64_t& selected,
                   const std::function<void(const event&, std::string_view)>& visit) {
  auto db = open_read_only(opts.data, err);
  if (!db)
    return exit_storage;
  if (!opts.webhook.empty()) {
    int rc = exit_ok;
    if (!(sel.hook = find_webhook(*db, opts.webhook, err, rc)))
      return rc;
  }
  storage::log_reader log{*db};
  uint64_t from = 1;
  if (sel.since) {
    auto first = log.first_seq_at_or_after(*sel.since);
    if (!first) {
      err << "hookd replay: " << first.error().detail << "\n";
      return exit_storage;
    }
    from = *first;
  }
  auto scanned = log.scan_records(from, UINT64_MAX, [&](const event& e, std::string_view record) {
    if (sel.until && e.received_at_ms >= *sel.until)
      return false; // received_at never decreases: nothing later matches
    if (sel.matches(e)) {
      ++selected;
      visit(e, record);
    }
    return true;
  });
  if (!scanned) {
    err << "hookd replay: reading the log failed: " << scanned.error().detail << "\n";
    return exit_storage;
  }
  if (selected == 0)
    err << "hookd replay: no events match\n";
  return exit_ok;
}

std::string pad(std::string s, std::size_t n) {
  if (s.size() < n)
    s.append(n - s.size(), ' ');
  return s;
}

// Where an export goes: standard output, a file, or a gzip file; files are written beside
// their target and renamed into place by `commit`.
class export_sink {
 public:
  export_sink(const replay_options& opts, std::ostream& out) : out_(out) {
    if (opts.output == "-" || opts.output.empty())
      return;
    target_ = opts.output;
    temp_ = opts.output + ".partial";
    if (opts.gzip || opts.output.ends_with(".gz")) {
      gz_ = gzopen(temp_.c_str(), "wb6");
      ok_ = gz_ != nullptr;
    } else {
      file_.open(temp_, std::ios::binary | std::ios::trunc);
      ok_ = file_.good();
    }
  }
  ~export_sink() {
    if (gz_)
      gzclose(gz_);
    if (!committed_ && !temp_.empty()) {
      std::error_code ec;
      std::filesystem::remove(temp_, ec);
    }
  }
  export_sink(const export_sink&) = delete;
  export_sink& operator=(const export_sink&) = delete;

  bool ok() const { return ok_; }
  const std::string& temp() const { return temp_; }

  void write(std::string_view text) {
    if (!ok_)
      return;
    if (gz_)
      ok_ = gzwrite(gz_, text.data(), static_cast<unsigned>(text.size())) ==
            static_cast<int>(text.size());
    else if (target_.empty())
      ok_ = static_cast<bool>(out_.write(text.data(), static_cast<std::streamsize>(text.size())));
    else
      ok_ = static_cast<bool>(file_.write(text.data(), static_cast<std::streamsize>(text.size())));
  }

  // Finishes the file and renames it into place; false when something failed.
  bool commit() {
    if (gz_) {
      ok_ = gzclose(gz_) == Z_OK && ok_;
      gz_ = nullptr;
    } else if (file_.is_open()) {
      file_.flush();
      ok_ = file_.good() && ok_;
      file_.close();
    } else {
      out_.flush();
    }
    if (!ok_ || temp_.empty())
      return ok_;
    std::error_code ec;
    std::filesystem::rename(temp_, target_, ec);
    committed_ = !ec;
    return committed_;
  }

 private:
  std::ostream& out_;
  std::string target_, temp_;
  std::ofstream file_;
  gzFile gz_ = nullptr;
  bool ok_ = true;
  bool committed_ = false;
};

} // namespace

int replay_events(const replay_options& opts, std::ostream& out, std::ostream& err) {
  event_selection sel;
  if (!parse_selection(opts, sel, err))
    return exit_usage;
  if (opts.format != "table" && opts.format != "ndjson" && opts.format != "csv") {
    err << "hookd replay: --format is table, ndjson or csv\n";
    return exit_usage;
  }
  bool header = false;
  uint64_t shown = 0;
  return scan_selection(opts, sel, err, shown, [&](const event& e, std::string_view) {
    if (!header && opts.format == "table")
      out << "seq       received_at               tenant        type                          id\n";
    else if (!header && opts.format == "csv")
      out << "seq,received_at,tenant,id,type,labels,hash\n";
    header = true;
    if (opts.format == "ndjson") {
      json_writer w;
      w.begin_object();
      write_event_fields(w, e);
      w.end_object();
      out << w.str() << "\n";
    } else if (opts.format == "csv") {
      out << e.seq << "," << format_rfc3339(e.received_at_ms) << "," << csv(e.tenant) << ","
          << csv(e.id) << "," << csv(e.type) << "," << csv(labels_text(e.labels)) << ","
          << hex(e.hash) << "\n";
    } else {
      out << pad(std::to_string(e.seq), 10) << pad(format_rfc3339(e.received_at_ms), 26)
          << pad(e.tenant, 14) << pad(e.type, 30) << e.id << "\n";
    }
  });
}

int replay_export(const replay_options& opts, std::ostream& out, std::ostream& err) {
  event_selection sel;
  if (!parse_selection(opts, sel, err))
    return exit_usage;
  export_sink sink{opts, out};
  if (!sink.ok()) {
    err << "hookd replay: cannot write " << sink.temp() << ": " << std::strerror(errno) << "\n";
    return exit_storage;
  }
  std::optional<storage::export_writer> writer;
  uint64_t exported = 0;
  auto rc = scan_selection(opts, sel, err, exported, [&](const event& e, std::string_view record) {
    if (!writer)
      writer.emplace(sel.describe(opts));
    sink.write(writer->record(e, record));
  });
  if (rc != exit_ok)
    return rc;
  if (!writer)
    writer.emplace(sel.describe(opts)); // An empty export still says what was asked.
  sink.write(writer->trailer());
  if (!sink.commit()) {
    err << "hookd replay: writing " << opts.output << " failed: " << std::strerror(errno) << "\n";
    return exit_storage;
  }
  if (opts.output != "-")
    err << "hookd replay: exported " << exported << " events to " << opts.output << "\n";
  return exit_ok;
}

namespace {

// `verify --export FILE`: reads the file (gzip or plain) in blocks and checks it line by line.
int verify_export(const replay_options& opts, std::ostream& out, std::ostream& err) {
  gzFile in = gzopen(opts.export_file.c_str(), "rb");
  if (!in) {
    err << "hookd replay: cannot read " << opts.export_file << ": " << std::strerror(errno) << "\n";
    return exit_storage;
  }
  storage::export_verifier verifier;
  std::string pending;
  std::vector<char> block(1 << 16);
  int n = 0;
  while ((n = gzread(in, block.data(), static_cast<unsigned>(block.size()))) > 0) {
    pending.append(block.data(), static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n', start)) {
      verifier.line(std::string_view{pending}.substr(start, nl - start));
      start = nl + 1;
    }
    pending.erase(0, start);
  }
  int gz_error = Z_OK;
  const char* gz_message = gzerror(in, &gz_error);
  std::string read_error = n < 0 ? std::string{gz_message} : std::string{};
  gzclose(in);
  if (n < 0) {
    err << "hookd replay: reading " << opts.export_file << " failed: " << read_error << "\n";
    return exit_failed; // A damaged gzip stream is a failed verification, not a usage error.
  }
  if (!pending.empty())
    verifier.line(pending); // A last line without its newline.
  auto v = verifier.finish();
  if (!v.intact) {
    out << "BROKEN at line " << v.bad_line;
    if (v.bad_seq != 0)
      out << " (seq " << v.bad_seq << ")";
    out << ": " << v.reason << "\n";
    return exit_failed;
  }
  out << "intact: " << v.records << " records";
  if (v.records > 0)
    out << ", seq " << v.first_seq << " to " << v.last_seq << ", " << v.links
        << " consecutive links checked";
  out << "\nselection: " << v.filters << "\n";
  if (v.records > 0) {
    out << "last: " << storage::anchor_text({v.last_seq, v.last_hash, 0})
        << " (equal to a noted head at that seq: the export matches that log)\n";
    out << "before: " << hex(v.first_prev_hash) << " (the hash of seq " << v.first_seq - 1 << ")\n";
  }
  return exit_ok;
}

// After an intact chain up to the head: every attempt record, outcome and snapshot must
// reference an event in the log. Returns the exit code.
int verify_references(const storage::database& db, const storage::chain_head& head,
                      std::ostream& out, std::ostream& err) {
  auto oldest = storage::log_reader{db}.oldest_seq();
  if (!oldest) {
    err << "hookd replay: reading the log failed: " << oldest.error().detail << "\n";
    return exit_storage;
  }
  auto refs = storage::delivery_reader{db}.check_references(*oldest, head.seq);
  if (!refs) {
    err << "hookd replay: reading delivery records failed: " << refs.error().detail << "\n";
    return exit_storage;
  }
  if (!refs->intact) {
    out << "BROKEN reference to seq " << refs->seq << ": " << refs->problem << "\n";
    return exit_failed;
  }
  out << "references: " << refs->attempts << " attempt records, " << refs->outcomes
      << " delivery outcomes and " << refs->snapshots << " snapshots name events in the log\n";
  return exit_ok;
}

} // namespace

int replay_verify(const replay_options& opts, std::ostream& out, std::ostream& err) {
  if (!opts.export_file.empty())
    return verify_export(opts, out, err);
  uint64_t from = opts.from;
  std::optional<sha256_digest> anchor;
  if (!opts.from_anchor.empty()) {
    auto noted = storage::parse_anchor_text(opts.from_anchor);
    if (!noted) {
      err << "hookd replay: --from-anchor must be HASH@SEQ (64 hex digits, then the sequence "
             "number), as printed by an earlier verify\n";
      return exit_usage;
    }
    anchor = noted->hash;
    from = noted->seq + 1;
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
  // Records retention deleted: the check starts from the anchor it left, which links to the
  // oldest record kept.
  auto oldest = log.oldest_seq();
  if (!oldest) {
    err << "hookd replay: " << oldest.error().detail << "\n";
    return exit_storage;
  }
  if (*oldest > 1 && from < *oldest) {
    auto kept = storage::retention_anchor(*db);
    if (!kept) {
      err << "hookd replay: " << kept.error().detail << "\n";
      return exit_storage;
    }
    if (!*kept || (*kept)->seq + 1 != *oldest) {
      out << "BROKEN at seq " << std::max<uint64_t>(from, 1) << ": records " << from << " to "
          << *oldest - 1 << " are missing and no retention anchor accounts for them\n";
      return exit_failed;
    }
    auto kept_anchor = storage::anchor_text(**kept);
    if (from > 1)
      out << "note: seq " << from - 1 << " was deleted by retention; checking from its anchor "
          << kept_anchor << " instead\n";
    else
      out << "from the retention anchor " << kept_anchor << " (records 1 to " << (*kept)->seq
          << " were deleted by retention)\n";
    from = *oldest;
    anchor = (*kept)->hash;
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
  if (last.seq == head->seq)
    if (auto rc = verify_references(*db, *head, out, err); rc != exit_ok)
      return rc;
  out << "head: " << storage::anchor_text(last) << "\n";
  out << "(note the head; `hookd replay verify --from-anchor " << storage::anchor_text(last)
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
