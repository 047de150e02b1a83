#include "domain/event_variables.hpp"

#include "domain/json_writer.hpp"
#include "domain/timestamp.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace hookd {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// The documented sources of each variable. Data fields come first (nested sections, then the
// camelCase and snake_case flat forms); the label is the fallback producers can set without
// touching their payloads.
constexpr std::array<variable_info, variable_count> table{{
    {variable::application_id,
     "applicationId",
     {"/application/id", "/applicationId", "/application_id"},
     "application_id"},
    {variable::application_name,
     "applicationName",
     {"/application/name", "/applicationName", "/application_name"},
     "application_name"},
    {variable::application_type,
     "applicationType",
     {"/application/type", "/applicationType", "/application_type"},
     "application_type"},
    {variable::project_id, "projectId", {"/project/id", "/projectId", "/project_id"}, "project_id"},
    {variable::project_name,
     "projectName",
     {"/project/name", "/projectName", "/project_name"},
     "project_name"},
    {variable::deployment_id,
     "deploymentId",
     {"/deployment/id", "/deploymentId", "/deployment_id"},
     "deployment_id"},
    {variable::status, "status", {"/deployment/status", "/status"}, "status"},
    {variable::webhook_id, "webhookId", {}, ""},
    {variable::tenant_id, "tenantId", {}, ""},
    {variable::branch, "branch", {"/source/branch", "/branch"}, "branch"},
    {variable::commit_hash,
     "commitHash",
     {"/source/commit", "/commitHash", "/commit_hash", "/commit", "/after"},
     ""},
    {variable::repository, "repository", {"/source/repository", "/repository"}, "repository"},
    {variable::source_type, "sourceType", {"/source/type", "/sourceType", "/source_type"}, ""},
    {variable::started_at,
     "startedAt",
     {"/deployment/startedAt", "/deployment/started_at", "/startedAt", "/started_at"},
     ""},
    {variable::finished_at,
     "finishedAt",
     {"/deployment/finishedAt", "/deployment/finished_at", "/finishedAt", "/finished_at"},
     ""},
    {variable::duration, "duration", {"/deployment/duration", "/duration"}, ""},
    {variable::error_message,
     "errorMessage",
     {"/error/message", "/errorMessage", "/error_message", "/error"},
     ""},
    {variable::failed_stage, "failedStage", {"/error/stage", "/failedStage", "/failed_stage"}, ""},
    {variable::error_logs, "errorLogs", {"/error/logs", "/errorLogs", "/error_logs"}, ""},
    {variable::logs_url,
     "logsUrl",
     {"/deployment/logsUrl", "/deployment/logs_url", "/logsUrl", "/logs_url"},
     ""},
    {variable::application_url,
     "applicationUrl",
     {"/application/url", "/applicationUrl", "/application_url", "/url"},
     ""},
    {variable::domains, "domains", {"/application/domains", "/domains", "/sans", "/domain"}, ""},
    {variable::triggered_by,
     "triggeredBy",
     {"/trigger/triggeredBy", "/trigger/triggered_by", "/triggeredBy", "/triggered_by", "/pusher"},
     "triggered_by"},
    {variable::trigger_type, "triggerType", {"/trigger/type", "/triggerType", "/trigger_type"}, ""},
    {variable::event_type, "eventType", {}, ""},
    {variable::event_id, "eventId", {}, ""},
    {variable::timestamp, "timestamp", {}, ""},
    {variable::data, "data", {}, ""},
}};

constexpr bool table_in_enum_order() {
  for (std::size_t i = 0; i < table.size(); ++i)
    if (static_cast<std::size_t>(table[i].id) != i)
      return false;
  return true;
}
static_assert(table_in_enum_order(), "the variable table follows the enum");

template_value string_value(std::string_view text) {
  template_value v;
  v.kind = value_kind::string;
  v.text = text;
  v.json.clear();
  append_json_string(v.json, text);
  return v;
}

template_value from_element(element el) {
  template_value v;
  switch (el.type()) {
  case element_type::STRING: {
    std::string_view text;
    if (el.get_string().get(text) != simdjson::SUCCESS)
      return v;
    return string_value(text);
  }
  case element_type::NULL_VALUE:
    v.kind = value_kind::null;
    return v;
  case element_type::BOOL:
    v.kind = value_kind::boolean;
    v.json = v.text = el.get_bool().value_unsafe() ? "true" : "false";
    return v;
  case element_type::INT64:
  case element_type::UINT64:
  case element_type::DOUBLE:
    v.kind = value_kind::number;
    v.json = v.text = simdjson::to_string(el);
    return v;
  case element_type::ARRAY:
    v.kind = value_kind::array;
    v.json = simdjson::to_string(el);
    for (auto item : el.get_array()) {
      if (!v.text.empty())
        v.text += ", ";
      std::string_view s;
      if (item.get_string().get(s) == simdjson::SUCCESS)
        v.text += s;
      else
        v.text += simdjson::to_string(item);
    }
    return v;
  case element_type::OBJECT:
    v.kind = value_kind::object;
    v.json = v.text = simdjson::to_string(el);
    return v;
  }
  return v;
}

// Text variables take scalars only (an `error` object is not an error message); `domains`
// takes an array, or one string as a list of one.
bool acceptable(variable v, element el) {
  auto t = el.type();
  if (t == element_type::NULL_VALUE)
    return false;
  if (v == variable::domains)
    return t == element_type::ARRAY || t == element_type::STRING;
  return t != element_type::ARRAY && t != element_type::OBJECT;
}

template_value number_value(double seconds) {
  template_value v;
  v.kind = value_kind::number;
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, seconds);
  v.json = v.text = std::string{buf, ec == std::errc{} ? end : buf};
  return v;
}

// Whether this thread's parser is lent out to a live `event_variables`.
thread_local bool thread_parser_busy = false;

simdjson::dom::parser& thread_parser() {
  thread_local simdjson::dom::parser p;
  return p;
}

} // namespace

struct event_variables::parsed {
  // Used only when the thread's parser is already lent (two renders alive at once).
  simdjson::dom::parser own;
  bool borrowed = false;
  std::optional<element> root;

  ~parsed() {
    if (borrowed)
      thread_parser_busy = false;
  }
};

const std::array<variable_info, variable_count>& variables() noexcept {
  return table;
}

std::optional<variable> find_variable(std::string_view name) noexcept {
  for (const auto& v : table)
    if (v.name == name)
      return v.id;
  return std::nullopt;
}

std::string_view variable_name(variable v) noexcept {
  return table[static_cast<std::size_t>(v)].name;
}

event_variables::event_variables(const event& e, std::string_view webhook_id)
    : event_(e), webhook_id_(webhook_id) {}

event_variables::~event_variables() = default;

std::optional<element> event_variables::root() {
  if (!parsed_) {
    parsed_ = std::make_unique<parsed>();
    auto* parser = &parsed_->own;
    if (!thread_parser_busy) {
      thread_parser_busy = parsed_->borrowed = true;
      parser = &thread_parser();
    }
    element el;
    if (parser->parse(event_.data.data(), event_.data.size(), true).get(el) == simdjson::SUCCESS &&
        el.type() == element_type::OBJECT)
      parsed_->root = el;
  }
  return parsed_->root;
}

template_value event_variables::data_field(std::string_view pointer) {
  auto r = root();
  element el;
  if (!r || r->at_pointer(pointer).get(el) != simdjson::SUCCESS)
    return {};
  return from_element(el);
}

const template_value& event_variables::get(variable v) {
  auto& slot = cache_[static_cast<std::size_t>(v)];
  if (!slot)
    slot = resolve(v);
  return *slot;
}

template_value event_variables::resolve(variable v) {
  switch (v) {
  case variable::webhook_id:
    return string_value(webhook_id_);
  case variable::tenant_id:
    return string_value(event_.tenant);
  case variable::event_type:
    return string_value(event_.type);
  case variable::event_id:
    return string_value(event_.id);
  case variable::timestamp:
    return string_value(format_rfc3339(event_.occurred_at_ms.value_or(event_.received_at_ms)));
  case variable::data: {
    template_value d;
    d.kind = value_kind::object;
    d.json = d.text = event_.data;
    return d;
  }
  default:
    break;
  }
  const auto& info = table[static_cast<std::size_t>(v)];
  if (auto r = root()) {
    for (auto pointer : info.fields) {
      element el;
      if (pointer.empty() || r->at_pointer(pointer).get(el) != simdjson::SUCCESS ||
          !acceptable(v, el))
        continue;
      auto value = from_element(el);
      if (v == variable::domains && value.kind == value_kind::string) {
        value.kind = value_kind::array;
        value.json = "[" + value.json + "]";
      }
      return value;
    }
  }
  if (!info.label.empty())
    if (auto l = find_label(event_.labels, info.label))
      return string_value(*l);
  if (v == variable::duration) {
    // Derived from the two times when the producer sent those but no duration.
    const auto& start = get(variable::started_at);
    const auto& finish = get(variable::finished_at);
    auto a = start.kind == value_kind::string ? parse_rfc3339(start.text) : std::nullopt;
    auto b = finish.kind == value_kind::string ? parse_rfc3339(finish.text) : std::nullopt;
    if (a && b && *b >= *a)
      return number_value(static_cast<double>(*b - *a) / 1000.0);
  }
  return {};
}

std::string format_duration(const template_value& value) {
  if (value.kind != value_kind::number)
    return value.text;
  double seconds = 0;
  std::from_chars(value.text.data(), value.text.data() + value.text.size(), seconds);
  if (!std::isfinite(seconds) || seconds < 0)
    return value.text;
  if (seconds < 1)
    return std::to_string(static_cast<int64_t>(std::lround(seconds * 1000))) + " ms";
  auto whole = static_cast<int64_t>(std::llround(seconds));
  auto two = [](int64_t n) { return (n < 10 ? "0" : "") + std::to_string(n); };
  if (whole < 60)
    return std::to_string(whole) + "s";
  if (whole < 3600)
    return std::to_string(whole / 60) + "m " + two(whole % 60) + "s";
  return std::to_string(whole / 3600) + "h " + two(whole % 3600 / 60) + "m";
}

} // namespace hookd
