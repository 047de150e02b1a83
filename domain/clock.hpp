#pragma once

#include <chrono>
#include <cstdint>

namespace hookd {

/// The source of wall-clock time. Injected so that tests can state exact instants.
/// Implementations must be thread-safe.
class clock {
 public:
  virtual ~clock() = default;
  /// Milliseconds since the Unix epoch.
  virtual int64_t now_ms() const = 0;
};

/// The real clock: `std::chrono::system_clock`.
class system_clock final : public clock {
 public:
  int64_t now_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock_type::now().time_since_epoch()).count();
  }

 private:
  using system_clock_type = std::chrono::system_clock;
};

/// A clock that returns whatever a test sets. Not thread-safe against concurrent `set`.
class manual_clock final : public clock {
 public:
  explicit manual_clock(int64_t ms) : ms_(ms) {}
  int64_t now_ms() const override { return ms_; }
  /// Moves the clock to `ms`.
  void set(int64_t ms) { ms_ = ms; }

 private:
  int64_t ms_;
};

} // namespace hookd
