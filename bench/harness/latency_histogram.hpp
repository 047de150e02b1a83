#pragma once

#include <cstdint>
#include <vector>

namespace hookd::bench {

/// An HdrHistogram-style latency histogram of microseconds: exact up to 2048 µs, then 1024
/// linear sub-buckets per power of two (relative error below 0.1 %), up to about 2^41 µs.
/// Percentiles come from the counts, never from an average. Not thread-safe: one per thread,
/// merged at the end.
class latency_histogram {
 public:
  latency_histogram();

  /// Counts one value (negative values count as 0).
  void record(int64_t us) noexcept;
  /// Adds every count of `other`.
  void merge(const latency_histogram& other);
  /// Values recorded.
  uint64_t count() const noexcept { return count_; }
  /// The value at percentile `p` (0 to 100), nearest rank, as the upper edge of its bucket;
  /// 0 when empty.
  int64_t percentile(double p) const;
  /// The largest value recorded.
  int64_t max() const noexcept { return max_; }

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  int64_t max_ = 0;
};

} // namespace hookd::bench
