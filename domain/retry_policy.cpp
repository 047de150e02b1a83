#include "domain/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace hookd {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

double random_jitter::next() {
  // splitmix64: small, fast, and good enough for spreading retries.
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) / static_cast<double>(1ULL << 52) - 1.0;
}

retry_policy retry_policy::standard() {
  retry_policy p;
  p.kind_ = kind::standard;
  p.delays_ = {seconds{5}, minutes{5}, minutes{30}, hours{2}, hours{5}, hours{10}, hours{10}};
  return p;
}

retry_policy retry_policy::short_schedule() {
  retry_policy p;
  p.kind_ = kind::short_schedule;
  p.delays_ = {seconds{30}, minutes{2}, minutes{5}};
  return p;
}

retry_policy retry_policy::exponential(uint32_t retries, seconds base, seconds max) {
  retry_policy p;
  p.kind_ = kind::exponential;
  p.base_ = base;
  p.max_ = max;
  milliseconds d = base;
  for (uint32_t i = 0; i < retries; ++i) {
    p.delays_.push_back(std::min<milliseconds>(d, max));
    d = std::min<milliseconds>(d * 2, max);
  }
  return p;
}

std::optional<milliseconds> retry_policy::nominal_delay_before(uint32_t attempt) const {
  if (attempt <= 1)
    return milliseconds{0};
  if (attempt - 2 >= delays_.size())
    return std::nullopt;
  return delays_[attempt - 2];
}

std::optional<milliseconds> retry_policy::delay_before(uint32_t attempt,
                                                       jitter_source& jitter) const {
  auto nominal = nominal_delay_before(attempt);
  if (!nominal || nominal->count() == 0)
    return nominal;
  auto j = std::clamp(jitter.next(), -1.0, 1.0);
  auto scaled = static_cast<double>(nominal->count()) * (1.0 + retry_jitter_fraction * j);
  return milliseconds{static_cast<int64_t>(std::llround(scaled))};
}

} // namespace hookd
