#pragma once

#include "domain/event.hpp"

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookd {

/// The variables templates can use. Each is taken from the first present of its documented data
/// fields, then its label, or from the event and the webhook themselves (`variable_info`).
enum class variable : uint8_t {
  application_id,
  application_name,
  application_type,
  project_id,
  project_name,
  deployment_id,
  status,
  webhook_id,
  tenant_id,
  branch,
  commit_hash,
  repository,
  source_type,
  started_at,
  finished_at,
  duration,
  error_message,
  failed_stage,
  error_logs,
  logs_url,
  application_url,
  domains,
  triggered_by,
  trigger_type,
  event_type,
  event_id,
  timestamp,
  data,
};

/// How many variables there are.
constexpr std::size_t variable_count = static_cast<std::size_t>(variable::data) + 1;

/// Where a variable comes from, for lookups and the documentation.
struct variable_info {
  /// The variable.
  variable id;
  /// Its name in templates (`applicationId`).
  std::string_view name;
  /// JSON pointers into the event's data, tried in order; the first present one wins.
  std::array<std::string_view, 6> fields;
  /// The label used when no data field is present (empty: none).
  std::string_view label;
};

/// Every variable, in documentation order.
const std::array<variable_info, variable_count>& variables() noexcept;

/// The variable named `name` (`applicationId`), or nullopt.
std::optional<variable> find_variable(std::string_view name) noexcept;

/// The name of `v` in templates.
std::string_view variable_name(variable v) noexcept;

/// The JSON type of a value taken from an event.
enum class value_kind : uint8_t { missing, null, string, number, boolean, array, object };

/// A value taken from an event: its JSON text and its human-readable text.
struct template_value {
  /// `missing` when no source had it.
  value_kind kind = value_kind::missing;
  /// The value as JSON (quoted for strings; `null` when missing).
  std::string json = "null";
  /// The value as text: a string's characters, an array's items joined by ", ", other values'
  /// JSON text, nothing for null or missing.
  std::string text;

  /// True when it holds something other than null.
  bool present() const noexcept { return kind != value_kind::missing && kind != value_kind::null; }
};

/// The variables of one event delivered to one webhook, resolved on first use and cached.
/// The event's data is parsed at most once, on the first lookup that needs it. Lives for one
/// render: it must not outlive `e`.
class event_variables {
 public:
  /// Variables of `e` delivered to `webhook_id`.
  event_variables(const event& e, std::string_view webhook_id);
  ~event_variables();
  event_variables(const event_variables&) = delete;
  event_variables& operator=(const event_variables&) = delete;

  /// The value of `v`.
  const template_value& get(variable v);
  /// The value at JSON pointer `pointer` (RFC 6901) in the event's data; missing when absent.
  template_value data_field(std::string_view pointer);
  /// The event.
  const event& ev() const noexcept { return event_; }

 private:
  // The parsed data, or nullopt when it is not an object.
  std::optional<simdjson::dom::element> root();
  template_value resolve(variable v);

  const event& event_;
  std::string_view webhook_id_;
  std::array<std::optional<template_value>, variable_count> cache_;
  struct parsed;
  std::unique_ptr<parsed> parsed_;
};

/// `value` as a whole duration for people: "850 ms", "42s", "3m 05s", "2h 03m". Numbers are
/// seconds; a string is returned as it is.
std::string format_duration(const template_value& value);

} // namespace hookd
