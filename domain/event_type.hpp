#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hookd {

/// True when `type` is a valid event type: lower-case dotted segments of `[a-z0-9_]`,
/// 1 to `defaults::max_event_type_length` bytes (`deployment.started`, `payment.failed`).
bool is_valid_event_type(std::string_view type) noexcept;

/// A subscription or filter pattern over event types: an exact type, `prefix.*` (every type
/// below `prefix`, at any depth) or `*` (every type). Immutable value.
class event_type_pattern {
 public:
  /// What kind of pattern this is.
  enum class kind { exact, prefix, any };

  /// Parses `text`; nullopt when it is none of the three forms.
  static std::optional<event_type_pattern> parse(std::string_view text);

  /// True when `type` matches this pattern.
  bool matches(std::string_view type) const noexcept;

  /// The pattern's kind.
  kind form() const noexcept { return kind_; }
  /// The exact type, or the prefix without `.*`; empty for `*`.
  const std::string& stem() const noexcept { return stem_; }
  /// The pattern as written.
  std::string to_string() const;

 private:
  kind kind_ = kind::any;
  std::string stem_;
};

/// One entry of the built-in event catalog.
struct event_type_info {
  /// The event type (`deployment.started`).
  std::string_view type;
  /// The group it belongs to (`deployments`).
  std::string_view group;
  /// A one-line description.
  std::string_view description;
};

/// The built-in event catalog, in a stable order. Static storage; thread-safe.
std::span<const event_type_info> builtin_event_types() noexcept;

/// True when `type` is in the built-in catalog.
bool is_builtin_event_type(std::string_view type) noexcept;

} // namespace hookd
