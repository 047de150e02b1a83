#include "bench/harness/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace hookd::bench {

namespace {

constexpr int sub_bits = 10;                    // 1024 sub-buckets per power of two
constexpr int64_t linear_limit = 2 << sub_bits; // exact below 2048
constexpr int max_exponent = 31;                // 2048 << 31 µs: about 51 days

std::size_t index_of(int64_t v) {
  if (v < linear_limit)
    return static_cast<std::size_t>(v);
  auto top = static_cast<int>(std::bit_width(static_cast<uint64_t>(v))) - 1; // >= 11
  auto shift = std::min(top - sub_bits, max_exponent);
  auto sub = static_cast<std::size_t>(v >> shift) - (std::size_t{1} << sub_bits); // 0..1023
  return static_cast<std::size_t>(linear_limit) +
         static_cast<std::size_t>(shift - 1) * (std::size_t{1} << sub_bits) +
         std::min<std::size_t>(sub, 1023);
}

int64_t upper_edge(std::size_t i) {
  if (i < static_cast<std::size_t>(linear_limit))
    return static_cast<int64_t>(i);
  auto rest = i - static_cast<std::size_t>(linear_limit);
  auto shift = static_cast<int>(rest >> sub_bits) + 1;
  auto sub = static_cast<int64_t>(rest & ((std::size_t{1} << sub_bits) - 1));
  return (((int64_t{1} << sub_bits) + sub + 1) << shift) - 1;
}

} // namespace

latency_histogram::latency_histogram()
    : counts_(static_cast<std::size_t>(linear_limit) +
              static_cast<std::size_t>(max_exponent) * (std::size_t{1} << sub_bits)) {}

void latency_histogram::record(int64_t us) noexcept {
  us = std::max<int64_t>(us, 0);
  ++counts_[std::min(index_of(us), counts_.size() - 1)];
  ++count_;
  max_ = std::max(max_, us);
}

void latency_histogram::merge(const latency_histogram& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i)
    counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

int64_t latency_histogram::percentile(double p) const {
  if (count_ == 0)
    return 0;
  auto rank = static_cast<uint64_t>(
      std::ceil(std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(count_)));
  rank = std::max<uint64_t>(rank, 1);
  uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank)
      return std::min(upper_edge(i), max_);
  }
  return max_;
}

} // namespace hookd::bench
