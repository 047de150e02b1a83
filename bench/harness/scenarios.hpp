#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hookd::bench {

/// One measured figure of a scenario.
struct figure {
  std::string name;
  double value = 0;
  std::string unit;
};

/// A scenario's result for one run.
struct scenario_result {
  /// The main figure (what the target and the ceiling ratio are about), then the others.
  std::vector<figure> figures;
  /// The raw ceiling of the main figure, measured in the same run (nullopt: none).
  std::optional<double> ceiling;
  /// hookd's figure as a share of the ceiling (for latencies: ceiling / hookd).
  std::optional<double> ratio;
  /// hookd's CPU use during the scenario, percent of one core; its peak RSS; its data on disk.
  double cpu_percent = 0;
  double peak_rss_mib = 0;
  double disk_mib = 0;
  /// Every acknowledged event reached every matching webhook once, correctly signed.
  bool correct = true;
  /// What the correctness check counted (expected, received, missing, duplicates, signatures).
  std::string correctness;
  /// True when the run meets the scenario's target.
  bool meets_target = false;
};

/// Settings shared by every scenario.
struct bench_settings {
  /// The hookd binary, and extra arguments for `hookd serve` (A/B runs of a setting).
  std::string hookd;
  std::vector<std::string> hookd_args;
  /// Short runs that check correctness only (CI).
  bool quick = false;
  /// Seconds of load in timed scenarios (when not quick).
  std::chrono::seconds duration{10};
  /// When set, each webhook's `max_in_flight` in the drain scenarios (B3, B4, B9) instead of
  /// the scenario's own (A/B runs of the setting).
  std::optional<std::size_t> in_flight;
};

/// A scenario of the benchmark issue's table.
struct scenario {
  std::string id;
  std::string title;
  std::string target;
  std::function<scenario_result(const bench_settings&)> run;
};

/// Every scenario the harness has, in table order.
const std::vector<scenario>& all_scenarios();

/// Prints a progress line (on a terminal: rewritten in place).
void progress(const std::string& line);

} // namespace hookd::bench
