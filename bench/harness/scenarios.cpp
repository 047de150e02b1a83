#include "bench/harness/scenarios.hpp"

#include "bench/harness/load_generator.hpp"
#include "bench/harness/sink.hpp"
#include "bench/harness/world.hpp"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace hookd::bench {

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr std::size_t event_size = 1024;
// A delivery's body: the event in hookd's envelope (type, timestamp, data), with room to spare.
constexpr std::size_t delivered_body_size = event_size + 256;
constexpr double mib = 1024.0 * 1024.0;

double ms(int64_t us) {
  return static_cast<double>(us) / 1000.0;
}

// hookd's resource use between two samples, into `r`.
void add_usage(scenario_result& r, const world& w, const process_sample& before,
               clock_type::time_point since) {
  auto after = w.sample();
  auto wall = std::chrono::duration<double>(clock_type::now() - since).count();
  r.cpu_percent = wall > 0 ? 100.0 * (after.cpu_seconds - before.cpu_seconds) / wall : 0;
  r.peak_rss_mib = static_cast<double>(after.peak_rss_bytes) / mib;
  r.disk_mib = static_cast<double>(w.disk_bytes()) / mib;
}

// Waits until the sink holds `expected` distinct deliveries; false after `timeout`.
bool wait_delivered(const sink& s, uint64_t expected, std::chrono::seconds timeout,
                    const std::string& label) {
  auto until = clock_type::now() + timeout;
  auto last_print = clock_type::now();
  while (s.delivered() < expected) {
    if (clock_type::now() > until)
      return false;
    if (clock_type::now() - last_print > 500ms) {
      progress(label + ": delivered " + std::to_string(s.delivered()) + " / " +
               std::to_string(expected));
      last_print = clock_type::now();
    }
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// Checks that every acknowledged event reached each of `webhooks` exactly once with a valid
// signature; fills `r.correct` and `r.correctness`.
void check_deliveries(scenario_result& r, const sink_report& seen, const load_report& load,
                      std::size_t per_request, std::size_t webhooks) {
  uint64_t expected = 0;
  uint64_t missing = 0;
  for (std::size_t w = 0; w < webhooks; ++w)
    for (auto first : load.acked_first)
      for (std::size_t k = 0; k < per_request; ++k) {
        ++expected;
        auto i = first + k;
        if (w >= seen.seen.size() || i >= seen.seen[w].size() || seen.seen[w][i] != 2)
          ++missing;
      }
  std::ostringstream out;
  out << "expected " << expected << ", received " << expected - missing << ", missing " << missing
      << ", duplicates " << seen.duplicates << ", bad signatures " << seen.bad_signatures
      << ", refused requests " << load.refused << ", failed connections " << load.errors;
  r.correctness = out.str();
  r.correct = missing == 0 && seen.bad_signatures == 0 && expected > 0;
}

// Checks that the log holds exactly the acknowledged events (no webhooks, so no notices).
void check_log(scenario_result& r, world& w, const load_report& load, std::size_t per_request) {
  auto acked = load.ok * per_request;
  auto head = w.head_seq();
  std::ostringstream out;
  out << "acknowledged " << acked << " events, log head " << head << ", refused requests "
      << load.refused << ", failed connections " << load.errors;
  r.correctness = out.str();
  r.correct = head == acked && acked > 0;
}

// The raw ceiling: the same requests straight to a sink, no hookd in the middle. What the
// load generator and the sink measured.
struct ceiling_run {
  load_report load;
  sink_report seen;
  /// The harness's CPU (load generator and sink) and the machine's, while the load ran.
  cpu_account cpu;
};

ceiling_run raw_ceiling(load_options opts) {
  sink direct{world::secret(), {}};
  opts.port = direct.port();
  opts.target = "/raw";
  opts.token.clear();
  cpu_account cpu;
  auto load = run_load(opts);
  cpu.finish();
  return {std::move(load), direct.stop(), cpu};
}

/// The harness thread that did the harness's share of a measured phase, and its CPU time.
struct harness_part {
  std::string name; // "sink" (drains) or "load generator" (ingest)
  double cpu_seconds = 0;
};

// Where the CPU went, as figures: hookd's and the harness's CPU per unit (a delivery, or an
// event) over a phase that carried `units`, with the share of the harness's `part`, the cores
// the machine kept busy, and the same for the raw ceiling's run of `ceiling_units`, split
// between its load generator and its sink. On two saturated cores these say how far a rate
// can go: cores busy / (hookd + harness CPU per unit). bench/README.md explains them.
void add_cpu_figures(scenario_result& r, const std::string& unit, const cpu_account& run,
                     double units, const harness_part& part, const ceiling_run& ceiling,
                     double ceiling_units) {
  auto per = [](double seconds, double n) { return n > 0 ? seconds * 1e6 / n : 0; };
  r.figures.push_back({"hookd CPU per " + unit, per(run.hookd_seconds(), units), "us"});
  r.figures.push_back({"harness CPU per " + unit, per(run.harness_seconds(), units), "us"});
  r.figures.push_back({part.name + " CPU per " + unit, per(part.cpu_seconds, units), "us"});
  r.figures.push_back({"cores busy", run.busy_cores(), "cores"});
  r.figures.push_back({"ceiling: harness CPU per " + unit,
                       per(ceiling.cpu.harness_seconds(), ceiling_units), "us"});
  r.figures.push_back({"ceiling: load generator CPU per " + unit,
                       per(ceiling.load.cpu_seconds, ceiling_units), "us"});
  r.figures.push_back(
      {"ceiling: sink CPU per " + unit, per(ceiling.seen.cpu_seconds, ceiling_units), "us"});
  r.figures.push_back({"ceiling: cores busy", ceiling.cpu.busy_cores(), "cores"});
}

// Ingestion into `w`'s tenant over `connections` connections, `per_request` 1 KiB events per
// request; the caller sets when it stops.
load_options ingest_into(const world& w, std::size_t connections, std::size_t per_request = 1) {
  load_options opts;
  opts.port = w.port();
  opts.token = w.key();
  opts.connections = connections;
  opts.events_per_request = per_request;
  opts.event_size = event_size;
  return opts;
}

// How long the timed scenarios load hookd.
std::chrono::milliseconds load_time(const bench_settings& s) {
  return s.quick ? std::chrono::milliseconds{2000} : std::chrono::milliseconds{s.duration};
}

// B1 and B2: ingestion at full speed, `per_request` events per request.
scenario_result ingest(const bench_settings& s, std::size_t per_request) {
  scenario_result r;
  world w{s.hookd, s.hookd_args};
  auto opts = ingest_into(w, 64, per_request);
  opts.duration = load_time(s);
  progress("ingesting for " + std::to_string(opts.duration.count() / 1000) + " s");
  auto before = w.sample();
  auto started = clock_type::now();
  cpu_account cpu{&w};
  auto load = run_load(opts);
  cpu.finish();
  add_usage(r, w, before, started);
  check_log(r, w, load, per_request);
  auto rate = static_cast<double>(load.ok * per_request) / load.seconds;
  progress("raw ceiling");
  auto raw = raw_ceiling(opts);
  r.ceiling = static_cast<double>(raw.load.ok * per_request) / raw.load.seconds;
  r.ratio = rate / *r.ceiling;
  r.figures = {{"throughput", rate, "events/s"},
               {"ack p50", ms(load.ack.percentile(50)), "ms"},
               {"ack p99", ms(load.ack.percentile(99)), "ms"},
               {"ack max", ms(load.ack.max()), "ms"}};
  add_cpu_figures(r, "event", cpu, static_cast<double>(load.ok * per_request),
                  {"load generator", load.cpu_seconds}, raw,
                  static_cast<double>(raw.load.ok * per_request));
  if (per_request == 1)
    r.meets_target = rate >= 25000 && ms(load.ack.percentile(99)) <= 10 && *r.ratio >= 0.35;
  else
    r.meets_target = rate >= 100000;
  return r;
}

// Ingests `events` into a world whose webhooks are disabled (a backlog), in batches of 100.
load_report ingest_backlog(world& w, uint64_t events) {
  auto opts = ingest_into(w, 8, 100);
  opts.requests = (events + 99) / 100;
  progress("ingesting a backlog of " + std::to_string(events) + " events");
  return run_load(opts);
}

/// A backlog drain: `events` waiting for `webhooks` webhooks (each with `in_flight` attempts at
/// once) on one sink that answers as `behaviour` says.
struct drain_setup {
  uint64_t events = 0;
  std::size_t webhooks = 1;
  std::size_t in_flight = 64;
  sink_behaviour behaviour;
  /// Deliveries per second to reach.
  double target = 0;
  /// Measure the raw ceiling (the same deliveries straight to a sink, over as many connections
  /// as hookd may use: `in_flight` per webhook).
  bool ceiling = false;
  /// The least ratio to the ceiling that meets the target (0: none).
  double ratio_target = 0;
};

// B3, B4 and B9: drain a backlog, from the moment the webhooks are enabled to the last receipt.
scenario_result drain(const bench_settings& s, const drain_setup& d) {
  scenario_result r;
  world w{s.hookd, s.hookd_args};
  sink receiver{world::secret(), d.behaviour};
  const auto in_flight = s.in_flight.value_or(d.in_flight);
  const auto webhooks = d.webhooks;
  const auto events = d.events;
  std::vector<std::string> ids;
  for (std::size_t k = 0; k < webhooks; ++k) {
    ids.push_back(
        w.create_webhook(k, receiver.port(), R"("max_in_flight":)" + std::to_string(in_flight)));
    w.set_enabled(ids.back(), false);
  }
  auto load = ingest_backlog(w, events);
  auto expected = load.ok * 100 * webhooks;
  receiver.reserve(expected, delivered_body_size);
  auto before = w.sample();
  auto started = clock_type::now();
  cpu_account cpu{&w};
  for (const auto& id : ids)
    w.set_enabled(id, true);
  bool done = wait_delivered(receiver, expected, s.quick ? 60s : 600s, "draining");
  auto seconds = std::chrono::duration<double>(clock_type::now() - started).count();
  cpu.finish();
  add_usage(r, w, before, started);
  std::this_thread::sleep_for(s.quick ? 200ms : 1s); // late duplicates would show now
  auto seen = receiver.stop();
  check_deliveries(r, seen, load, 100, webhooks);
  if (!done)
    r.correct = false;
  auto rate = static_cast<double>(expected) / seconds;
  r.figures = {{"throughput", rate, "deliveries/s"},
               {"drain time", seconds, "s"},
               {"deliveries", static_cast<double>(expected), ""},
               {"in flight per webhook", static_cast<double>(in_flight), ""}};
  if (d.ceiling) {
    progress("raw ceiling");
    load_options raw;
    raw.connections = in_flight * webhooks;
    raw.requests = expected;
    raw.event_size = event_size;
    auto ceiling = raw_ceiling(raw);
    r.ceiling = static_cast<double>(ceiling.load.ok) / ceiling.load.seconds;
    r.ratio = rate / *r.ceiling;
    add_cpu_figures(r, "delivery", cpu, static_cast<double>(expected), {"sink", seen.cpu_seconds},
                    ceiling, static_cast<double>(ceiling.load.ok));
  }
  r.meets_target = rate >= d.target && (!r.ratio || *r.ratio >= d.ratio_target) &&
                   (d.behaviour.delay_max.count() == 0 || r.peak_rss_mib <= 1024);
  return r;
}

// B5: a steady 2,000 events/s to one webhook, end to end.
scenario_result steady(const bench_settings& s) {
  scenario_result r;
  world w{s.hookd, s.hookd_args};
  sink receiver{world::secret(), {}};
  w.create_webhook(0, receiver.port());
  auto opts = ingest_into(w, 8);
  opts.rate = 2000;
  opts.duration = load_time(s);
  progress("2,000 events/s for " + std::to_string(opts.duration.count() / 1000) + " s");
  auto before = w.sample();
  auto started = clock_type::now();
  auto load = run_load(opts);
  bool done = wait_delivered(receiver, load.ok, 30s, "delivering");
  add_usage(r, w, before, started);
  auto seen = receiver.stop();
  check_deliveries(r, seen, load, 1, 1);
  if (!done)
    r.correct = false;
  auto p50 = ms(seen.ingest_to_receipt.percentile(50));
  auto p99 = ms(seen.ingest_to_receipt.percentile(99));
  progress("raw ceiling");
  opts.duration = std::min<std::chrono::milliseconds>(opts.duration, 5000ms);
  auto raw_p99 = ms(raw_ceiling(opts).seen.ingest_to_receipt.percentile(99));
  r.figures = {{"ingest-to-receipt p99", p99, "ms"},
               {"ingest-to-receipt p50", p50, "ms"},
               {"ingest-to-receipt max", ms(seen.ingest_to_receipt.max()), "ms"},
               {"ack p99", ms(load.ack.percentile(99)), "ms"},
               {"events", static_cast<double>(load.ok), ""}};
  r.ceiling = raw_p99;
  r.ratio = p99 > 0 ? raw_p99 / p99 : 0;
  r.meets_target = p50 <= 2 && p99 <= 10;
  return r;
}

// One B6 run: `healthy` webhooks on an instant sink, plus `hung` on one that never answers
// (timeout 1 s), under a steady load. Returns the healthy deliveries' figures.
struct fan_out_run {
  double p99_ms = 0;
  double p50_ms = 0;
  // The highest p99 of any one second of send time (seconds with at least 1,000 deliveries).
  double worst_second_p99_ms = 0;
  double deliveries_per_second = 0;
  scenario_result checked;
};

fan_out_run steady_fan_out(const bench_settings& s, std::size_t healthy, std::size_t hung) {
  fan_out_run out;
  world w{s.hookd, s.hookd_args};
  sink_behaviour timed;
  timed.latency_by_second = true;
  sink receiver{world::secret(), timed};
  sink_behaviour silent;
  silent.hang = true;
  sink black_hole{world::secret(), silent};
  for (std::size_t k = 0; k < healthy; ++k)
    w.create_webhook(k, receiver.port());
  for (std::size_t k = 0; k < hung; ++k)
    w.create_webhook(
        healthy + k, black_hole.port(),
        R"("timeout_seconds":1,"retry":{"attempts":0,"base_seconds":1,"max_seconds":1})");
  auto opts = ingest_into(w, 8);
  opts.rate = 100; // x 100 webhooks: 10,000 deliveries/s
  opts.duration = load_time(s);
  auto before = w.sample();
  auto started = clock_type::now();
  auto load = run_load(opts);
  auto expected = load.ok * healthy;
  bool done = wait_delivered(receiver, expected, 60s, "delivering");
  auto seconds = std::chrono::duration<double>(clock_type::now() - started).count();
  add_usage(out.checked, w, before, started);
  auto seen = receiver.stop();
  black_hole.stop();
  check_deliveries(out.checked, seen, load, 1, healthy);
  out.checked.correct = out.checked.correct && done;
  out.p99_ms = ms(seen.ingest_to_receipt.percentile(99));
  out.p50_ms = ms(seen.ingest_to_receipt.percentile(50));
  std::string by_second;
  for (const auto& second : seen.ingest_to_receipt_by_second) {
    if (second.count() < 1000)
      continue;
    out.worst_second_p99_ms = std::max(out.worst_second_p99_ms, ms(second.percentile(99)));
    by_second += " " + std::to_string(ms(second.percentile(99))).substr(0, 5);
  }
  std::fprintf(stderr, "\n  p99 of each second (ms), %zu hung:%s\n", hung, by_second.c_str());
  out.deliveries_per_second = static_cast<double>(expected) / seconds;
  return out;
}

// B6: the same load with and without one hung endpoint among 100.
scenario_result hung_endpoint(const bench_settings& s) {
  progress("100 healthy webhooks");
  auto base = steady_fan_out(s, 100, 0);
  progress("99 healthy webhooks and 1 hung");
  auto with = steady_fan_out(s, 99, 1);
  scenario_result r = with.checked;
  r.correct = base.checked.correct && with.checked.correct;
  r.figures = {{"healthy p99 with the hung one", with.p99_ms, "ms"},
               {"healthy p99 without", base.p99_ms, "ms"},
               {"healthy p50 with", with.p50_ms, "ms"},
               {"worst 1-s p99 with", with.worst_second_p99_ms, "ms"},
               {"worst 1-s p99 without", base.worst_second_p99_ms, "ms"},
               {"throughput with", with.deliveries_per_second, "deliveries/s"},
               {"throughput without", base.deliveries_per_second, "deliveries/s"}};
  r.ceiling = base.p99_ms;
  r.ratio = with.p99_ms > 0 ? base.p99_ms / with.p99_ms : 0;
  auto throughput =
      base.deliveries_per_second > 0 ? with.deliveries_per_second / base.deliveries_per_second : 0;
  r.meets_target = with.p99_ms <= 2 * base.p99_ms && throughput >= 0.9;
  return r;
}

// B7: many webhooks, a million deliveries waiting on retry; memory and idle CPU.
scenario_result waiting_on_retry(const bench_settings& s) {
  scenario_result r;
  const std::size_t webhooks = s.quick ? 200 : 10000;
  const std::size_t events = 100;
  world w{s.hookd, s.hookd_args};
  sink_behaviour failing;
  failing.failure_rate = 1;
  sink receiver{world::secret(), failing};
  // Webhooks are created over several connections at once: their commits share fsyncs.
  progress("creating " + std::to_string(webhooks) + " webhooks");
  std::vector<std::thread> creators;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  for (int t = 0; t < 8; ++t)
    creators.emplace_back([&] {
      try {
        world::client_for creator{w};
        for (std::size_t k; (k = next++) < webhooks;)
          creator.create_webhook(
              k, receiver.port(),
              R"("retry":{"attempts":3,"base_seconds":3600,"max_seconds":3600})");
      } catch (const std::exception&) {
        failed = true;
      }
    });
  for (auto& t : creators)
    t.join();
  if (failed)
    throw std::runtime_error("creating the webhooks failed");
  auto opts = ingest_into(w, 1, events);
  opts.requests = 1;
  auto load = run_load(opts);
  const uint64_t expected = load.ok * events * webhooks;
  // First attempts fail (each webhook's circuit opens after 10); then everything waits an
  // hour. Settled means no attempt in flight for 2 s (connections that never reach the sink
  // are in flight until their timeout).
  progress("waiting for the first attempts to settle");
  auto settle_until = clock_type::now() + (s.quick ? 60s : 900s);
  world::queue_state q;
  for (auto quiet_since = clock_type::now(); clock_type::now() < settle_until;) {
    std::this_thread::sleep_for(250ms);
    q = w.queue();
    if (q.in_flight > 0) {
      quiet_since = clock_type::now();
      progress("attempts in flight: " + std::to_string(q.in_flight) +
               ", answered by the sink: " + std::to_string(receiver.requests()));
    } else if (clock_type::now() - quiet_since > 2s) {
      break;
    }
  }
  // A webhook actor snapshots its last changes `--snapshot-interval` (5 s) after they
  // happen: until then the node is still saving the first attempts' outcomes, not idle.
  progress("saving the last changes");
  std::this_thread::sleep_for(s.quick ? 1s : 6s);
  auto last = receiver.requests();
  auto pending = q.pending;
  progress("idle");
  auto before = w.sample();
  auto started = clock_type::now();
  std::this_thread::sleep_for(s.quick ? 2s : s.duration);
  add_usage(r, w, before, started);
  auto rss = static_cast<double>(w.sample().rss_bytes) / mib;
  receiver.stop();
  std::ostringstream out;
  out << "expected " << expected << " deliveries waiting, hookd holds " << pending << " (pending), "
      << last << " first attempts and probes answered 500";
  r.correctness = out.str();
  r.correct = pending == expected && expected > 0;
  r.figures = {{"rss", rss, "MiB"},
               {"idle cpu", r.cpu_percent, "% of a core"},
               {"deliveries waiting", static_cast<double>(pending), ""},
               {"webhooks", static_cast<double>(webhooks), ""}};
  r.meets_target = rss <= 1024 && r.cpu_percent <= 2;
  return r;
}

// B8: kill -9 in the middle of a backlog, then restart: readiness and the return to full rate.
scenario_result crash_restart(const bench_settings& s) {
  scenario_result r;
  const uint64_t events = s.quick ? 20000 : 1000000;
  world w{s.hookd, s.hookd_args};
  sink receiver{world::secret(), {}};
  auto id = w.create_webhook(0, receiver.port(), R"("max_in_flight":64)");
  w.set_enabled(id, false);
  auto load = ingest_backlog(w, events);
  w.set_enabled(id, true);
  // The full rate: measured between a quarter and a third of the backlog; the kill follows.
  if (!wait_delivered(receiver, events / 4, 300s, "draining"))
    throw std::runtime_error("the backlog does not drain");
  auto a = receiver.delivered();
  auto a_at = clock_type::now();
  wait_delivered(receiver, events / 3, 300s, "draining");
  auto full_rate = static_cast<double>(receiver.delivered() - a) /
                   std::chrono::duration<double>(clock_type::now() - a_at).count();
  w.stop(SIGKILL);
  auto killed_at = receiver.delivered();
  auto started = clock_type::now();
  w.restart();
  while (true) {
    try {
      w.head_seq(); // throws until /readyz answers 200 with a head
      break;
    } catch (const std::exception&) {
      if (clock_type::now() - started > 60s)
        throw;
      std::this_thread::sleep_for(5ms);
    }
  }
  auto ready_s = std::chrono::duration<double>(clock_type::now() - started).count();
  // The first 200 ms window whose rate reaches 80% of the full rate.
  double full_s = -1;
  uint64_t prev = receiver.delivered();
  while (clock_type::now() - started < 60s && receiver.delivered() < events) {
    std::this_thread::sleep_for(200ms);
    auto now_delivered = receiver.delivered();
    if (static_cast<double>(now_delivered - prev) * 5 >= 0.8 * full_rate) {
      full_s = std::chrono::duration<double>(clock_type::now() - started).count();
      break;
    }
    prev = now_delivered;
  }
  bool done = wait_delivered(receiver, events, s.quick ? 60s : 900s, "draining after the restart");
  auto seen = receiver.stop();
  check_deliveries(r, seen, load, 100, 1);
  r.correct = r.correct && done;
  r.peak_rss_mib = static_cast<double>(w.sample().peak_rss_bytes) / mib;
  r.disk_mib = static_cast<double>(w.disk_bytes()) / mib;
  r.figures = {{"ready after restart", ready_s, "s"},
               {"full rate after restart", full_s, "s"},
               {"full rate before the kill", full_rate, "deliveries/s"},
               {"delivered before the kill", static_cast<double>(killed_at), ""},
               {"sent twice", static_cast<double>(seen.duplicates), ""}};
  r.meets_target = ready_s <= 3 && full_s >= 0 && full_s <= 5;
  return r;
}

} // namespace

void progress(const std::string& line) {
  static const bool tty = ::isatty(STDERR_FILENO) != 0;
  if (tty)
    std::fprintf(stderr, "\r\033[K  %s", line.c_str());
  else
    std::fprintf(stderr, "  %s\n", line.c_str());
  std::fflush(stderr);
}

const std::vector<scenario>& all_scenarios() {
  static const std::vector<scenario> list{
      {"B1", "ingest, single-event POSTs, 64 connections",
       ">= 25,000 events/s, ack p99 <= 10 ms, >= 0.35 of ceiling",
       [](const bench_settings& s) { return ingest(s, 1); }},
      {"B2", "ingest, batches of 100, 64 connections", ">= 100,000 events/s",
       [](const bench_settings& s) { return ingest(s, 100); }},
      {"B3", "drain a 200k-event backlog to 1 webhook, instant sink",
       ">= 50,000 deliveries/s, >= 0.45 of ceiling",
       [](const bench_settings& s) {
         drain_setup d;
         d.events = s.quick ? 5000 : 200000;
         // As much as one webhook may have in flight: a drain to one endpoint is latency
         // bound at 64 (bench/README.md).
         d.in_flight = 256;
         d.target = 50000;
         d.ceiling = true;
         d.ratio_target = 0.45;
         return drain(s, d);
       }},
      {"B4", "fan-out: every event to 10 webhooks", ">= 50,000 deliveries/s",
       [](const bench_settings& s) {
         drain_setup d;
         d.events = s.quick ? 1000 : 50000;
         d.webhooks = 10;
         d.target = 50000;
         d.ceiling = true; // Stated beside the figure; the issue sets no ratio for B4.
         return drain(s, d);
       }},
      {"B5", "steady 2,000 events/s to 1 webhook, end to end",
       "ingest-to-receipt p50 <= 2 ms, p99 <= 10 ms", steady},
      {"B6", "100 webhooks, one endpoint hung past its timeout",
       "healthy p99 <= 2x the run without it, throughput >= 90%", hung_endpoint},
      {"B7", "10,000 webhooks, 1,000,000 deliveries waiting on retry",
       "RSS <= 1 GiB, idle CPU <= 2% of a core", waiting_on_retry},
      {"B8", "kill -9 with a 1,000,000-event backlog, then restart",
       "/readyz <= 3 s, full delivery rate <= 5 s", crash_restart},
      {"B9", "receivers answering in 1 to 2 s, 200 webhooks", ">= 2,000 deliveries/s, RSS <= 1 GiB",
       [](const bench_settings& s) {
         drain_setup d;
         d.events = s.quick ? 20 : 100;
         d.webhooks = 200;
         d.in_flight = 32;
         d.behaviour.delay_min = std::chrono::milliseconds{1000};
         d.behaviour.delay_max = std::chrono::milliseconds{2000};
         d.target = 2000;
         return drain(s, d);
       }},
  };
  return list;
}

} // namespace hookd::bench
