#include "http/metrics_text.hpp"

#include "domain/delivery_record.hpp"

#include <charconv>

namespace hookd::http {

namespace {

// A label value with `\`, `"` and newlines escaped.
std::string label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"')
      out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string number(double x) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), x);
  return std::string(buf, end);
}

class exposition {
 public:
  void header(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }

  void sample(std::string_view name, std::string_view labels, double value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    out_ += number(value);
    out_ += '\n';
  }

  void histogram(std::string_view name, std::string_view help, const hookd::histogram& h) {
    header(name, "histogram", help);
    auto r = h.read();
    std::string bucket{name};
    bucket += "_bucket";
    for (std::size_t i = 0; i < r.bounds.size(); ++i)
      sample(bucket, "le=\"" + number(r.bounds[i]) + "\"", static_cast<double>(r.cumulative[i]));
    sample(bucket, "le=\"+Inf\"", static_cast<double>(r.cumulative.back()));
    sample(std::string{name} + "_sum", {}, r.sum);
    sample(std::string{name} + "_count", {}, static_cast<double>(r.count));
  }

  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string tenant_label(const std::string& tenant) {
  return "tenant=\"" + label_value(tenant) + "\"";
}

} // namespace

std::string render_metrics(const metrics& m, const node_figures& n) {
  exposition x;
  x.header("hookd_events_ingested_total", "counter",
           "Events appended to the log since start (operational events included).");
  m.for_each_tenant([&](const std::string& t, const tenant_counters& c) {
    x.sample("hookd_events_ingested_total", tenant_label(t), static_cast<double>(c.events.load()));
  });
  x.header("hookd_delivery_attempts_total", "counter", "Delivery attempts by result.");
  m.for_each_tenant([&](const std::string& t, const tenant_counters& c) {
    for (auto r : {attempt_result::succeeded, attempt_result::retrying, attempt_result::failed})
      x.sample("hookd_delivery_attempts_total",
               tenant_label(t) + ",result=\"" + std::string{to_string(r)} + "\"",
               static_cast<double>(c.attempts[static_cast<std::size_t>(r)].load()));
  });
  x.header("hookd_deliveries_total", "counter", "Deliveries that ended, by outcome.");
  m.for_each_tenant([&](const std::string& t, const tenant_counters& c) {
    for (auto s : {delivery_state::delivered, delivery_state::failed, delivery_state::dropped})
      x.sample("hookd_deliveries_total",
               tenant_label(t) + ",outcome=\"" + std::string{to_string(s)} + "\"",
               static_cast<double>(c.deliveries[static_cast<std::size_t>(s)].load()));
  });
  x.histogram("hookd_delivery_latency_seconds", "Time from an attempt's start to its answer.",
              m.delivery_latency);
  x.histogram("hookd_ingest_to_delivery_seconds",
              "Time from an event's arrival to its successful delivery.", m.ingest_to_delivery);
  if (n.queue != nullptr) {
    struct gauge {
      std::string_view name;
      std::string_view help;
      uint64_t queue_figures::*field;
    };
    static constexpr gauge gauges[] = {
        {"hookd_deliveries_pending", "Deliveries held in memory, in flight included.",
         &queue_figures::pending},
        {"hookd_deliveries_in_flight", "Deliveries in flight.", &queue_figures::in_flight},
        {"hookd_deliveries_retrying", "Held deliveries waiting for their next attempt.",
         &queue_figures::retrying},
        {"hookd_circuits_open", "Webhooks whose circuit breaker is open.",
         &queue_figures::open_circuits},
        {"hookd_webhooks_backlogged", "Webhooks with deliveries waiting in the log.",
         &queue_figures::backlogged_webhooks},
    };
    for (const auto& g : gauges) {
      x.header(g.name, "gauge", g.help);
      for (const auto& [t, f] : n.queue->tenants)
        x.sample(g.name, tenant_label(t), static_cast<double>(f.*g.field));
    }
    x.header("hookd_webhooks", "gauge", "Webhooks by state.");
    for (const auto& [t, f] : n.queue->tenants) {
      x.sample("hookd_webhooks", tenant_label(t) + ",state=\"enabled\"",
               static_cast<double>(f.webhooks));
      x.sample("hookd_webhooks", tenant_label(t) + ",state=\"disabled\"",
               static_cast<double>(f.disabled_webhooks));
    }
  }
  x.histogram("hookd_commit_events", "Events per group commit.", m.commit_events);
  x.histogram("hookd_commit_seconds", "Time per group commit (the synced write, fsync included).",
              m.commit_seconds);
  x.header("hookd_storage_bytes", "gauge", "Bytes of the database folder on disk.");
  x.sample("hookd_storage_bytes", {}, static_cast<double>(n.storage_bytes));
  x.header("hookd_log_head_seq", "gauge", "The log's last sequence number.");
  x.sample("hookd_log_head_seq", {}, static_cast<double>(n.log_head));
  x.header("hookd_log_oldest_seq", "gauge",
           "The oldest sequence number in the log (retention deletes older ones; 0: empty).");
  x.sample("hookd_log_oldest_seq", {}, static_cast<double>(n.log_oldest));
  x.header("hookd_log_bytes", "gauge", "Bytes the log's records take (SST files and memtables).");
  x.sample("hookd_log_bytes", {}, static_cast<double>(n.log_bytes));
  x.header("hookd_ingest_queue_events", "gauge",
           "Events handed to the log writer and not yet acknowledged.");
  x.sample("hookd_ingest_queue_events", {}, static_cast<double>(n.ingest_queue));
  return x.take();
}

} // namespace hookd::http
