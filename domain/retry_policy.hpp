#pragma once

#include "domain/problem.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hookd {

/// A source of jitter: each call returns a value in [-1, 1]. Injected so that retry tests
/// state exact instants. Implementations need not be thread-safe; each actor owns one.
class jitter_source {
 public:
  virtual ~jitter_source() = default;
  /// The next value in [-1, 1].
  virtual double next() = 0;
};

/// Uniform jitter from a seeded PRNG.
class random_jitter final : public jitter_source {
 public:
  /// Seeds the generator.
  explicit random_jitter(uint64_t seed) : state_(seed ? seed : 0x9E3779B97F4A7C15ULL) {}
  double next() override;

 private:
  uint64_t state_;
};

/// A fixed jitter (tests): always returns `value`.
class fixed_jitter final : public jitter_source {
 public:
  /// `value` in [-1, 1].
  explicit fixed_jitter(double value) : value_(value) {}
  double next() override { return value_; }

 private:
  double value_;
};

/// When to try a delivery again. The first attempt is immediate; `delays[i]` is the pause
/// before attempt i + 2. Each pause is scaled by (1 + 0.2 × jitter). Immutable value.
class retry_policy {
 public:
  /// Which schedule this is, as configured.
  enum class kind { standard, short_schedule, exponential };

  /// Immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8 attempts).
  static retry_policy standard();
  /// Immediately, then 30 s, 2 min, 5 min (4 attempts).
  static retry_policy short_schedule();
  /// Immediately, then `retries` pauses doubling from `base` and capped at `max`.
  static retry_policy exponential(uint32_t retries, std::chrono::seconds base,
                                  std::chrono::seconds max);

  /// The pause before attempt `attempt` (2, 3, ...) with jitter applied, or nullopt when the
  /// schedule is exhausted. Attempt 1 is always immediate.
  std::optional<std::chrono::milliseconds> delay_before(uint32_t attempt,
                                                        jitter_source& jitter) const;
  /// The pause before `attempt` without jitter (nullopt when exhausted).
  std::optional<std::chrono::milliseconds> nominal_delay_before(uint32_t attempt) const;
  /// Attempts in all, the first included.
  uint32_t max_attempts() const noexcept { return static_cast<uint32_t>(delays_.size()) + 1; }
  /// The schedule's kind.
  kind form() const noexcept { return kind_; }
  /// The configured pauses, without jitter.
  const std::vector<std::chrono::milliseconds>& delays() const noexcept { return delays_; }
  /// For exponential schedules: base and cap.
  std::chrono::seconds base() const noexcept { return base_; }
  std::chrono::seconds cap() const noexcept { return max_; }

  friend bool operator==(const retry_policy&, const retry_policy&) = default;

 private:
  kind kind_ = kind::standard;
  std::vector<std::chrono::milliseconds> delays_;
  std::chrono::seconds base_{0};
  std::chrono::seconds max_{0};
};

/// Fraction of a pause that jitter may add or remove.
constexpr double retry_jitter_fraction = 0.2;

} // namespace hookd
