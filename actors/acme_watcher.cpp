#include "actors/acme_watcher.hpp"

#include "actors/logging.hpp"
#include "domain/ascii.hpp"
#include "domain/crypto.hpp"
#include "storage/byte_codec.hpp"
#include "storage/config_reader.hpp"
#include "storage/log_reader.hpp"
#include "storage/records.hpp"

#include <caf/send.hpp>

#include <fstream>
#include <sstream>

namespace hookd {

namespace {

using watcher_ptr = acme_watcher_actor::stateful_pointer<acme_watcher_state>;
using watch = acme_watcher_state::watch;

/// Longest error-log line quoted in a failure.
constexpr std::size_t max_error_text = 1000;

std::optional<std::string> read_file(const std::string& path, uint64_t from = 0) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return std::nullopt;
  if (from > 0)
    in.seekg(static_cast<std::streamoff>(from));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

uint64_t file_size(const std::string& path) {
  std::error_code ec;
  auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : n;
}

bool inside(const std::filesystem::path& file, const std::filesystem::path& dir) {
  auto f = file.lexically_normal().string();
  auto d = dir.lexically_normal().string();
  if (!d.empty() && d.back() != '/')
    d.push_back('/');
  return f.starts_with(d);
}

// The store a request waits on: the route for its server, then for its tenant, then its own
// `acme_path` (absolute, within the allowed folders), then the node's default.
std::string choose_store(const acme_watch_config& cfg, watch& w) {
  auto server = find_label(w.labels, "server_id");
  for (bool by_server : {true, false})
    for (const auto& r : cfg.stores)
      if (r.tenant == w.tenant &&
          (by_server ? server && r.server_id == *server : r.server_id.empty()))
        return r.path.string();
  if (!w.request.acme_path.empty()) {
    std::filesystem::path p{w.request.acme_path};
    bool allowed =
        cfg.allowed_dirs.empty() || std::any_of(cfg.allowed_dirs.begin(), cfg.allowed_dirs.end(),
                                                [&](const auto& d) { return inside(p, d); });
    if (p.is_absolute() && allowed && p.lexically_normal() == p)
      return p.string();
    w.refused = "acme_path '" + w.request.acme_path +
                "' is not an absolute path inside a folder hookd may read (--acme-allow-dir)";
    return {};
  }
  for (const auto& r : cfg.stores)
    if (r.tenant.empty())
      return r.path.string();
  w.refused = "no ACME store is configured for this tenant or server, and the request has no "
              "acme_path";
  return {};
}

// Builds the watch for started event `e`, with its deadline from the event's arrival.
watch make_watch(watcher_ptr self, const event& e) {
  auto& st = self->state;
  watch w;
  w.seq = e.seq;
  w.tenant = e.tenant;
  w.event_id = e.id;
  w.labels = e.labels;
  auto parsed = parse_provisioning_request(e.data);
  if (auto* err = std::get_if<std::string>(&parsed)) {
    w.refused = *err;
    w.request.domains.clear();
  } else {
    w.request = std::get<provisioning_request>(std::move(parsed));
  }
  auto timeout = w.request.timeout_ms.value_or(st.config.default_timeout.count());
  w.deadline_ms = e.received_at_ms + timeout;
  w.missing = w.request.domains;
  if (w.refused.empty())
    w.path = choose_store(st.config, w);
  w.error_log = !w.request.error_log.empty() ? w.request.error_log : st.config.error_log.string();
  // Only errors written after the request count.
  if (!w.error_log.empty())
    w.error_log_offset = file_size(w.error_log);
  if (!w.path.empty()) {
    st.seen_stores.emplace(w.tenant, w.path);
    if (st.events)
      st.events->watch(w.path);
  }
  return w;
}

// Appends `draft` for `tenant`, closing watch `seq` in the same commit when it is non-zero,
// and with `marks` as source state; `on_done(ok)` runs with the outcome.
void append(watcher_ptr self, std::string tenant, std::vector<event_draft> drafts,
            std::vector<std::pair<std::string, std::optional<std::string>>> marks,
            std::function<void(bool)> on_done) {
  auto req = std::make_shared<append_request>();
  req->tenant = std::move(tenant);
  for (auto& d : drafts) {
    d.client_id = true;
    compute_fingerprint(d);
    req->body.events.push_back(std::move(d));
  }
  req->body.batch = req->body.events.size() > 1;
  req->source_state = std::move(marks);
  self->request(self->state.writer, caf::infinite, atom::append_v, std::move(req))
      .then([on_done](const append_outcome_ptr&) { on_done(true); },
            [on_done](const caf::error& err) {
              HOOKD_WARN("acme watcher: appending failed, retrying later: {}", to_string(err));
              on_done(false);
            });
}

// Appends the outcome of watch `w` (completed when `data_completed` is set, else failed).
void close_watch(watcher_ptr self, watch& w, std::string_view type, std::string data) {
  w.closing = true;
  event_draft d;
  d.id = "dpw_" + std::to_string(w.seq);
  d.type = std::string{type};
  d.labels = w.labels;
  d.data = std::move(data);
  std::vector<event_draft> drafts;
  drafts.push_back(std::move(d));
  auto seq = w.seq;
  append(self, w.tenant, std::move(drafts), {{storage::watch_key(seq), std::nullopt}},
         [self, seq](bool ok) { self->send(self, atom::done_v, seq, ok); });
  HOOKD_INFO("acme watcher: {} for {} ({})", type, w.event_id, w.tenant);
}

void fail_watch(watcher_ptr self, watch& w, std::string_view reason, std::string_view error) {
  close_watch(self, w, provisioning_failed_type,
              provisioning_failed_data(w.request, w.event_id, w.path, reason, error, w.missing,
                                       w.deadline_ms));
}

// Checks every open watch on `path` against the store's current content.
void check_store(watcher_ptr self, const std::string& path) {
  auto& st = self->state;
  std::optional<std::vector<acme_certificate>> certs;
  bool read = false;
  for (auto& [seq, w] : st.watches) {
    if (w.closing || w.path != path || !w.refused.empty())
      continue;
    if (!read) {
      read = true;
      if (auto bytes = read_file(path))
        certs = parse_acme_store(*bytes); // nullopt while half written: read again later
    }
    if (!certs)
      return;
    std::vector<covered_domain> covered;
    std::vector<std::string> missing;
    for (const auto& domain : w.request.domains) {
      const acme_certificate* match = nullptr;
      for (const auto& c : *certs)
        if ((w.request.resolver.empty() || c.resolver == w.request.resolver) &&
            acme_covers(c, domain)) {
          match = &c;
          break;
        }
      auto infos = match ? parse_pem_certificates(match->pem) : std::vector<certificate_info>{};
      if (infos.empty())
        missing.push_back(domain);
      else
        covered.push_back({domain, std::move(infos.front())});
    }
    w.missing = std::move(missing);
    if (w.missing.empty())
      close_watch(self, w, provisioning_completed_type,
                  provisioning_completed_data(w.request, w.event_id, w.path, covered));
  }
}

// Fails watches whose error log names one of their domains since the request.
void check_error_logs(watcher_ptr self) {
  for (auto& [seq, w] : self->state.watches) {
    if (w.closing || w.error_log.empty() || !w.refused.empty())
      continue;
    auto size = file_size(w.error_log);
    if (size < w.error_log_offset)
      w.error_log_offset = 0; // rotated
    if (size == w.error_log_offset)
      continue;
    auto text = read_file(w.error_log, w.error_log_offset);
    if (!text)
      continue;
    // Only whole lines: a line still being written is read again next time.
    auto end = text->rfind('\n');
    if (end == std::string::npos)
      continue;
    w.error_log_offset += end + 1;
    std::string_view rest{text->data(), end};
    while (!rest.empty()) {
      auto nl = rest.find('\n');
      auto line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
      auto lower = ascii_lower(line);
      if (lower.find("error") == std::string::npos &&
          lower.find("unable to obtain") == std::string::npos)
        continue;
      for (const auto& d : w.request.domains)
        if (lower.find(ascii_lower(d)) != std::string::npos) {
          fail_watch(self, w, "acme_error", line.substr(0, max_error_text));
          break;
        }
      if (w.closing)
        break;
    }
  }
}

// The tick: refused requests fail at once, stores are read, logs scanned, deadlines enforced.
void poll(watcher_ptr self) {
  auto& st = self->state;
  auto now = st.time->now_ms();
  std::set<std::string> stores;
  for (auto& [seq, w] : st.watches) {
    if (w.closing)
      continue;
    if (!w.refused.empty()) {
      fail_watch(self, w, w.request.domains.empty() ? "invalid_request" : "store_not_allowed",
                 w.refused);
      continue;
    }
    stores.insert(w.path);
  }
  for (const auto& path : stores)
    check_store(self, path);
  check_error_logs(self);
  for (auto& [seq, w] : st.watches)
    if (!w.closing && now >= w.deadline_ms)
      fail_watch(self, w, "timeout", "no certificate covered every domain within the timeout");
}

// Loads the watches left open by an earlier run (their started events carry the deadline).
void recover(watcher_ptr self) {
  auto& st = self->state;
  auto open = storage::config_reader{*st.db}.list_source_state(storage::watch_key_prefix);
  if (!open) {
    HOOKD_ERROR("acme watcher: cannot read open watches: {}", open.error().detail);
    return;
  }
  storage::log_reader log{*st.db};
  for (const auto& [key, value] : *open) {
    auto seq = storage::parse_watch_key(key);
    if (!seq)
      continue;
    auto e = log.get(*seq);
    if (!e || !*e) {
      HOOKD_WARN("acme watcher: the started event at seq {} is missing; watch dropped", *seq);
      continue;
    }
    st.watches.emplace(*seq, make_watch(self, **e));
  }
  if (!st.watches.empty())
    HOOKD_INFO("acme watcher: resumed {} provisioning watches", st.watches.size());
}

// Certificates in a PEM file, folder, or ACME store: the leaf of each, with where it was.
std::vector<std::pair<certificate_info, std::string>>
certificates_at(const std::filesystem::path& p) {
  std::vector<std::pair<certificate_info, std::string>> out;
  auto add_file = [&](const std::filesystem::path& file) {
    auto bytes = read_file(file.string());
    if (!bytes)
      return;
    if (auto store = parse_acme_store(*bytes)) {
      for (const auto& c : *store)
        if (auto infos = parse_pem_certificates(c.pem); !infos.empty())
          out.emplace_back(std::move(infos.front()),
                           file.string() + "#" + c.resolver + "/" + c.main);
      return;
    }
    if (auto infos = parse_pem_certificates(*bytes); !infos.empty())
      out.emplace_back(std::move(infos.front()), file.string());
  };
  std::error_code ec;
  if (std::filesystem::is_directory(p, ec)) {
    for (const auto& entry : std::filesystem::directory_iterator{p, ec}) {
      auto ext = entry.path().extension().string();
      if (entry.is_regular_file(ec) &&
          (ext == ".pem" || ext == ".crt" || ext == ".cer" || ext == ".json"))
        add_file(entry.path());
    }
  } else {
    add_file(p);
  }
  return out;
}

std::string expiry_key(std::string_view tenant, std::string_view serial, uint32_t threshold) {
  return "expiry/" + std::string{tenant} + std::string{"\0", 1} + std::string{serial} +
         std::string{"\0", 1} + std::to_string(threshold);
}

// The expiry scan: one `certificate.expiring` per certificate and crossed threshold, once,
// and one `system.alert` per tenant that got new warnings, in the same commit as their marks.
void scan_expiry(watcher_ptr self) {
  auto& st = self->state;
  const auto& thresholds = st.config.thresholds;
  if (thresholds.empty())
    return;
  auto now = st.time->now_ms();
  std::set<std::pair<std::string, std::string>> targets(st.seen_stores.begin(),
                                                        st.seen_stores.end());
  for (const auto& t : st.config.expiry_targets)
    targets.emplace(t.tenant, t.path.string());
  for (const auto& r : st.config.stores)
    if (!r.tenant.empty())
      targets.emplace(r.tenant, r.path.string());
  storage::config_reader reader{*st.db};
  struct tenant_scan {
    std::vector<event_draft> drafts;
    std::vector<std::pair<std::string, std::optional<std::string>>> marks;
    std::vector<expiring_certificate> within;
    std::set<std::string> serials;
  };
  std::map<std::string, tenant_scan> by_tenant;
  auto widest = *std::max_element(thresholds.begin(), thresholds.end());
  for (const auto& [tenant, path] : targets) {
    for (auto& [info, where] : certificates_at(path)) {
      auto& scan = by_tenant[tenant];
      if (!scan.serials.insert(info.serial).second)
        continue; // the same certificate found twice
      auto days = days_left(info.not_after_ms, now);
      auto due = crossed_threshold(days, thresholds);
      if (!due)
        continue;
      scan.within.push_back({info, where, days});
      auto key = expiry_key(tenant, info.serial, *due);
      auto sent = reader.source_state(key);
      if (!sent || *sent)
        continue; // sent before (or unreadable: try next scan)
      event_draft d;
      d.id = "exp_" + to_hex(std::span<const uint8_t>{sha256(key).data(), 16});
      d.type = std::string{certificate_expiring_type};
      d.data = certificate_expiring_data(info, where, days, *due);
      scan.drafts.push_back(std::move(d));
      // This threshold and every wider one are done: a certificate first seen at 5 days left
      // warns once (7 days), not three times.
      for (auto t : thresholds)
        if (t >= *due)
          scan.marks.emplace_back(expiry_key(tenant, info.serial, t), std::to_string(now));
    }
  }
  for (auto& [tenant, scan] : by_tenant) {
    if (scan.drafts.empty())
      continue;
    event_draft alert;
    alert.id =
        "alr_" + to_hex(std::span<const uint8_t>{sha256(scan.marks.front().first).data(), 16});
    alert.type = std::string{system_alert_type};
    alert.data = expiry_alert_data(scan.within, widest);
    scan.drafts.push_back(std::move(alert));
    HOOKD_INFO("acme watcher: {} certificates of {} crossed an expiry threshold",
               scan.drafts.size() - 1, tenant);
    append(self, tenant, std::move(scan.drafts), std::move(scan.marks), [](bool) {});
  }
}

} // namespace

acme_watcher_actor::behavior_type
acme_watcher(acme_watcher_actor::stateful_pointer<acme_watcher_state> self,
             acme_watcher_setup setup) {
  auto& st = self->state;
  st.config = std::move(setup.config);
  st.db = setup.db;
  st.writer = std::move(setup.writer);
  st.time = setup.time;
  if (st.config.use_inotify) {
    auto handle = caf::actor_cast<acme_watcher_actor>(self);
    st.events = std::make_unique<file_events>(
        [handle](const std::string& path) { caf::anon_send(handle, atom::read_v, path); });
  }
  recover(self);
  self->send(self, atom::tick_v);
  self->send(self, atom::scan_v);
  return {
      [self](atom::committed, const committed_batch_ptr& batch) {
        bool added = false;
        for (const auto& e : batch->events)
          if (e.type == provisioning_started_type && !self->state.watches.count(e.seq)) {
            self->state.watches.emplace(e.seq, make_watch(self, e));
            added = true;
          }
        if (added)
          poll(self); // the certificate may be there already; refused requests fail now
      },
      [self](atom::tick) {
        poll(self);
        self->delayed_send(self, self->state.config.poll_interval, atom::tick_v);
      },
      [self](atom::read, const std::string& path) { check_store(self, path); },
      [self](atom::scan) {
        scan_expiry(self);
        self->delayed_send(self, self->state.config.expiry_interval, atom::scan_v);
      },
      [self](atom::done, uint64_t seq, bool ok) {
        auto i = self->state.watches.find(seq);
        if (i == self->state.watches.end())
          return;
        if (ok)
          self->state.watches.erase(i);
        else
          i->second.closing = false; // the next tick tries again
      },
  };
}

} // namespace hookd
