#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hookd {

/// Token buckets by key (an API key id): `rate` tokens per second, at most `burst` saved up.
/// Thread-safe. A zero rate disables limiting.
class rate_limiter {
 public:
  /// What `take` decided.
  struct decision {
    /// True when the tokens were taken.
    bool allowed = true;
    /// When refused: milliseconds until enough tokens will have accumulated.
    int64_t retry_after_ms = 0;
  };

  /// Buckets refill at `rate` per second up to `burst` (which is at least `rate` when 0).
  rate_limiter(double rate, double burst);

  /// Takes `n` tokens from `key`'s bucket at `now_ms`, or none (refused). A request larger than
  /// the burst can never pass: it is refused with the time a full bucket would take.
  decision take(std::string_view key, double n, int64_t now_ms);

  /// True when limiting is on.
  bool enabled() const noexcept { return rate_ > 0; }

 private:
  struct bucket {
    double tokens = 0;
    int64_t at_ms = 0;
  };
  double rate_;
  double burst_;
  std::mutex mtx_;
  std::unordered_map<std::string, bucket> buckets_;
};

} // namespace hookd
