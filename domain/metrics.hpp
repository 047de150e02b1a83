#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace hookd {

/// A Prometheus-style histogram with fixed bucket bounds, updated without locks from any
/// thread.
class histogram {
 public:
  /// Buckets with these upper bounds (ascending); a `+Inf` bucket is implied.
  explicit histogram(std::vector<double> bounds);

  /// Counts one observation of `v`.
  void observe(double v) noexcept;

  /// A consistent-enough copy for a scrape: counts per bucket (cumulative, the last one
  /// `+Inf`), the number of observations and their sum.
  struct reading {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;
    uint64_t count = 0;
    double sum = 0;
  };
  /// Reads the histogram.
  reading read() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

/// Monotonic counters of one tenant: what `/metrics` shows with a `tenant` label.
struct tenant_counters {
  /// Events appended to the log (operational events included).
  std::atomic<uint64_t> events{0};
  /// Attempts by result, indexed by `attempt_result` (succeeded, retrying, failed).
  std::array<std::atomic<uint64_t>, 3> attempts{};
  /// Deliveries that ended, indexed by `delivery_state` (delivered, failed, dropped).
  std::array<std::atomic<uint64_t>, 3> deliveries{};
};

/// The process's metrics: per-tenant counters and the histograms, shared by the log writer,
/// the webhook actors and the HTTP server. Thread-safe. Label cardinality is bounded: at most
/// `max_tenants` tenants get their own series; the rest share the tenant `_other`.
class metrics {
 public:
  /// Tenants with their own series.
  static constexpr std::size_t max_tenants = 1000;

  /// The counters of `tenant`; the reference stays valid for the registry's lifetime.
  tenant_counters& tenant(std::string_view tenant);
  /// Calls `visit` for each tenant with counters, in name order.
  void for_each_tenant(
      const std::function<void(const std::string&, const tenant_counters&)>& visit) const;

  /// Seconds from an attempt's start to its answer.
  histogram delivery_latency{{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}};
  /// Seconds from an event's arrival to its successful delivery.
  histogram ingest_to_delivery{
      {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 60, 300, 3600, 86400}};
  /// Events per group commit.
  histogram commit_events{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096}};
  /// Seconds per group commit (the synced write, fsync included).
  histogram commit_seconds{{0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}};

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<tenant_counters>, std::less<>> tenants_;
};

} // namespace hookd
