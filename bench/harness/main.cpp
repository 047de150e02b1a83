// hookd-bench: starts its own hookd, receivers and load, runs the scenarios of the benchmark
// issue, checks that nothing was lost, and prints each figure beside its raw ceiling.
// Usage: hookd-bench [--quick] [--scenarios B1,B3] [--runs 3] [--seconds 10] [--json FILE]

#include "bench/harness/scenarios.hpp"
#include "cli/open_files.hpp"
#include "domain/json_writer.hpp"
#include "domain/timestamp.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <thread>
#include <unistd.h>

using namespace hookd::bench;

namespace {

// The hookd binary next to this one in the build tree.
std::string default_hookd(const char* argv0) {
  std::error_code err;
  auto self = std::filesystem::canonical("/proc/self/exe", err);
  if (err)
    self = argv0;
  return (self.parent_path().parent_path() / "cli" / "hookd").string();
}

std::string machine() {
  std::ifstream cpuinfo{"/proc/cpuinfo"};
  std::string line;
  std::string model = "unknown CPU";
  while (std::getline(cpuinfo, line))
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  return std::to_string(std::thread::hardware_concurrency()) + " x " + model;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

// A figure for the table: large counts without decimals, small ones with two.
std::string show(const figure& f) {
  auto text = std::abs(f.value) >= 1000 ? fixed(f.value, 0) : fixed(f.value, 2);
  return f.unit.empty() ? text : text + " " + f.unit;
}

struct scenario_runs {
  const scenario* which = nullptr;
  std::vector<scenario_result> runs;
  std::size_t median = 0; // index of the median run by the main figure
};

// A run's ceiling, ratio, CPU and peak RSS, as keys of the object being written.
void write_measures(hookd::json_writer& w, const scenario_result& r) {
  w.key("ceiling");
  r.ceiling ? w.value(*r.ceiling) : w.null();
  w.key("ratio");
  r.ratio ? w.value(*r.ratio) : w.null();
  w.key("cpu_percent").value(r.cpu_percent);
  w.key("peak_rss_mib").value(r.peak_rss_mib);
}

void write_json(const std::string& path, const std::vector<scenario_runs>& all, bool quick) {
  hookd::json_writer w;
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  w.begin_object();
  w.key("date").value(hookd::format_rfc3339(now));
  w.key("machine").value(machine());
  w.key("quick").value(quick);
  w.key("scenarios").begin_array();
  for (const auto& s : all) {
    const auto& m = s.runs[s.median];
    w.begin_object();
    w.key("id").value(s.which->id);
    w.key("title").value(s.which->title);
    w.key("target").value(s.which->target);
    w.key("runs").begin_array();
    for (const auto& r : s.runs)
      w.value(r.figures.empty() ? 0.0 : r.figures.front().value);
    w.end_array();
    // Each run's own ceiling and ratio: the machine drifts between runs, so the median run's
    // ratio alone hides how far the others were from theirs.
    w.key("run_details").begin_array();
    for (const auto& r : s.runs) {
      w.begin_object();
      w.key("main").value(r.figures.empty() ? 0.0 : r.figures.front().value);
      write_measures(w, r);
      w.key("correct").value(r.correct);
      w.end_object();
    }
    w.end_array();
    w.key("median").begin_object();
    for (const auto& f : m.figures)
      w.key(f.name + (f.unit.empty() ? "" : " (" + f.unit + ")")).value(f.value);
    w.end_object();
    write_measures(w, m);
    w.key("disk_mib").value(m.disk_mib);
    bool correct = std::all_of(s.runs.begin(), s.runs.end(), [](auto& r) { return r.correct; });
    w.key("correct").value(correct);
    w.key("correctness").value(m.correctness);
    w.key("meets_target").value(m.meets_target);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  std::ofstream out{path};
  out << w.take() << "\n";
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"hookd-bench: the benchmark harness (see bench/README.md)"};
  bench_settings settings;
  settings.hookd = default_hookd(argv[0]);
  std::string only;
  std::size_t runs = 1;
  int seconds = 10;
  std::string json = "hookd-bench.json";
  app.add_option("--hookd", settings.hookd, "The hookd binary to measure")->capture_default_str();
  app.add_option("--hookd-arg", settings.hookd_args,
                 "An argument for hookd serve, repeatable (--hookd-arg=--scheduler=stealing)");
  app.add_flag("--quick", settings.quick,
               "A few seconds per scenario, correctness only (the CI smoke run)");
  app.add_option("--scenarios", only, "Comma-separated ids (default: all)");
  app.add_option("--runs", runs, "Runs per scenario; the table shows the median")
      ->check(CLI::Range(std::size_t{1}, std::size_t{20}));
  app.add_option("--seconds", seconds, "Seconds of load in the timed scenarios")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--in-flight", settings.in_flight,
                 "Each webhook's max_in_flight in B3, B4 and B9 (default: the scenario's own)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{256}));
  app.add_option("--json", json, "Where to write the results")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  settings.duration = std::chrono::seconds{seconds};
  hookd::cli::raise_open_file_limit(); // the sinks hold one socket per delivery in flight
  std::set<std::string> wanted;
  for (std::size_t at = 0; at < only.size();) {
    auto comma = std::min(only.find(',', at), only.size());
    wanted.insert(only.substr(at, comma - at));
    at = comma + 1;
  }
  std::vector<scenario_runs> results;
  bool all_correct = true;
  for (const auto& sc : all_scenarios()) {
    if (!wanted.empty() && wanted.count(sc.id) == 0)
      continue;
    scenario_runs sr{&sc, {}, 0};
    for (std::size_t i = 0; i < runs; ++i) {
      std::fprintf(stderr, "%s run %zu/%zu: %s\n", sc.id.c_str(), i + 1, runs, sc.title.c_str());
      try {
        sr.runs.push_back(sc.run(settings));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "\n%s failed: %s\n", sc.id.c_str(), e.what());
        scenario_result failed;
        failed.correct = false;
        failed.correctness = std::string{"did not run: "} + e.what();
        failed.figures = {{"error", 0, ""}};
        sr.runs.push_back(failed);
      }
      progress("done");
      std::fprintf(stderr, "\n");
    }
    std::vector<std::size_t> order(sr.runs.size());
    for (std::size_t i = 0; i < order.size(); ++i)
      order[i] = i;
    std::sort(order.begin(), order.end(), [&](auto a, auto b) {
      return sr.runs[a].figures.front().value < sr.runs[b].figures.front().value;
    });
    sr.median = order[order.size() / 2];
    for (const auto& r : sr.runs)
      all_correct = all_correct && r.correct;
    results.push_back(std::move(sr));
  }
  std::printf("\n%-4s %-52s %-22s %-12s %-7s %-6s %-8s %-8s %s\n", "id", "scenario",
              "median (main figure)", "ceiling", "ratio", "cpu%", "rss MiB", "correct", "target");
  for (const auto& s : results) {
    const auto& m = s.runs[s.median];
    std::printf("%-4s %-52s %-22s %-12s %-7s %-6s %-8s %-8s %s\n", s.which->id.c_str(),
                s.which->title.substr(0, 52).c_str(), show(m.figures.front()).c_str(),
                m.ceiling ? fixed(*m.ceiling, *m.ceiling >= 1000 ? 0 : 2).c_str() : "-",
                m.ratio ? fixed(*m.ratio, 2).c_str() : "-", fixed(m.cpu_percent, 0).c_str(),
                fixed(m.peak_rss_mib, 0).c_str(), m.correct ? "yes" : "NO",
                settings.quick ? "(quick run: not judged)" : (m.meets_target ? "met" : "MISSED"));
    for (std::size_t i = 1; i < m.figures.size(); ++i)
      std::printf("     %-30s %s\n", m.figures[i].name.c_str(), show(m.figures[i]).c_str());
    if (s.runs.size() > 1) {
      std::string each;
      for (const auto& r : s.runs) {
        each += each.empty() ? "" : ", ";
        each += r.figures.empty() ? "-" : show(r.figures.front());
        if (r.ratio)
          each += " (ratio " + fixed(*r.ratio, 2) + ")";
      }
      std::printf("     %-30s %s\n", "every run", each.c_str());
    }
    std::printf("     correctness: %s\n", m.correctness.c_str());
  }
  write_json(json, results, settings.quick);
  std::printf("\nresults: %s\n", json.c_str());
  return all_correct ? 0 : 1;
}
