#include "domain/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace hookd {

rate_limiter::rate_limiter(double rate, double burst)
    : rate_(std::max(rate, 0.0)), burst_(burst > 0 ? burst : std::max(rate, 1.0)) {}

rate_limiter::decision rate_limiter::take(std::string_view key, double n, int64_t now_ms) {
  if (!enabled())
    return {};
  std::lock_guard guard{mtx_};
  auto [it, fresh] = buckets_.try_emplace(std::string{key});
  auto& b = it->second;
  if (fresh) {
    b.tokens = burst_;
    b.at_ms = now_ms;
  }
  if (now_ms > b.at_ms) {
    b.tokens = std::min(burst_, b.tokens + rate_ * static_cast<double>(now_ms - b.at_ms) / 1000.0);
    b.at_ms = now_ms;
  }
  if (n <= b.tokens) {
    b.tokens -= n;
    return {};
  }
  auto missing = std::min(n, burst_) - b.tokens;
  if (n > burst_)
    missing = burst_; // never passes; report the time to a full bucket
  return {false, static_cast<int64_t>(std::ceil(missing / rate_ * 1000.0))};
}

} // namespace hookd
