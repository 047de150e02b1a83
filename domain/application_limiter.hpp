#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hookd {

/// The tenant setting "at most N delivery attempts per minute per application": a sliding
/// window of one minute per (tenant, `application_id` label value), shared by all of a
/// tenant's webhooks. Exact: in any 60 s span at most N attempts of one application start.
/// Thread-safe; free when no tenant has a limit (one atomic load).
class application_limiter {
 public:
  /// A monotonic instant (the actor clock's).
  using time_point = std::chrono::steady_clock::time_point;

  /// The window the limit counts over.
  static constexpr std::chrono::minutes window{1};

  /// Sets `tenant`'s limit: at most `per_minute` starts per application per minute (0: none).
  /// Lowering a limit takes effect at once; starts already counted stay counted.
  void set_limit(std::string_view tenant, uint32_t per_minute);

  /// `tenant`'s limit (0: none).
  uint32_t limit(std::string_view tenant) const;

  /// Counts one start for `application` of `tenant` at `now` and returns nullopt, or, when the
  /// application used its minute, counts nothing and returns when the next start may happen.
  std::optional<time_point> acquire(std::string_view tenant, std::string_view application,
                                    time_point now);

  /// Applications with starts in their window (for tests and metrics).
  std::size_t tracked() const;

 private:
  // Drops windows whose newest start left the window.
  void sweep(time_point now);

  std::atomic<std::size_t> limited_tenants_{0};
  mutable std::mutex mtx_;
  std::unordered_map<std::string, uint32_t> limits_;
  // tenant NUL application -> start times, oldest first, at most the tenant's limit.
  std::unordered_map<std::string, std::deque<time_point>> windows_;
  uint64_t acquires_ = 0;
};

} // namespace hookd
