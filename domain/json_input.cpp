#include "domain/json_input.hpp"

#include "domain/defaults.hpp"
#include "domain/event_type.hpp"

#include <algorithm>

namespace hookd {

json_input::json_input(std::string_view body) : bytes_(body.data(), body.size()) {
  auto err = dom_parser_.parse(bytes_).get(root_);
  if (err == simdjson::SUCCESS)
    return;
  problem p;
  p.status = 400;
  if (err == simdjson::UTF8_ERROR) {
    p.type = "invalid-utf8";
    p.title = "The request body is not valid UTF-8";
  } else {
    p.type = "invalid-json";
    p.title = "The request body is not valid JSON";
  }
  p.detail = simdjson::error_message(err);
  p.field = "body";
  failure_ = std::move(p);
}

simdjson::ondemand::document& json_input::on_demand() {
  od_doc_ = od_parser_.iterate(bytes_);
  return od_doc_;
}

std::optional<problem> root_object(const json_input& input, simdjson::dom::object& out,
                                   std::string_view what) {
  if (input.failure())
    return input.failure();
  if (input.root().get_object().get(out) != simdjson::SUCCESS)
    return validation_problem({{"/", "type", std::string{what}, std::nullopt}});
  return std::nullopt;
}

std::string json_pointer_escape(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~')
      out.append("~0");
    else if (c == '/')
      out.append("~1");
    else
      out.push_back(c);
  }
  return out;
}

void check_object_keys(simdjson::dom::object object,
                       std::initializer_list<std::string_view> allowed,
                       std::string_view pointer_prefix, std::vector<field_error>& errors) {
  std::vector<std::string_view> seen;
  for (auto [key, value] : object) {
    auto pointer = std::string{pointer_prefix} + "/" + json_pointer_escape(key);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      errors.push_back({pointer, "duplicate_key",
                        "the key '" + std::string{key} + "' appears more than once", std::nullopt});
      continue;
    }
    seen.push_back(key);
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      errors.push_back(
          {pointer, "unknown_field", "unknown field '" + std::string{key} + "'", std::nullopt});
  }
}

std::optional<std::string_view> read_string(simdjson::dom::object object, std::string_view key,
                                            bool required, std::string_view pointer_prefix,
                                            std::vector<field_error>& errors) {
  auto pointer = std::string{pointer_prefix} + "/" + json_pointer_escape(key);
  simdjson::dom::element value;
  if (object.at_key(key).get(value) != simdjson::SUCCESS) {
    if (required)
      errors.push_back(
          {pointer, "required", "'" + std::string{key} + "' is required", std::nullopt});
    return std::nullopt;
  }
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) {
    errors.push_back(
        {pointer, "type", "'" + std::string{key} + "' must be a string", std::nullopt});
    return std::nullopt;
  }
  return text;
}

std::optional<uint32_t> read_nullable_limit(simdjson::dom::object object, std::string_view key,
                                            uint32_t max, std::vector<field_error>& errors) {
  simdjson::dom::element value;
  if (object.at_key(key).get(value) != simdjson::SUCCESS)
    return std::nullopt;
  if (value.is_null())
    return 0u; // null turns the limit off
  uint64_t v = 0;
  if (value.get_uint64().get(v) != simdjson::SUCCESS || v < 1 || v > max) {
    auto name = std::string{key};
    errors.push_back({"/" + json_pointer_escape(key), "range",
                      "'" + name + "' is null or 1 to " + std::to_string(max), max});
    return std::nullopt;
  }
  return static_cast<uint32_t>(v);
}

void read_labels(simdjson::dom::element value, const std::string& pointer, std::vector<label>& out,
                 std::vector<field_error>& errors) {
  out.clear();
  simdjson::dom::object labels;
  if (value.get_object().get(labels) != simdjson::SUCCESS) {
    errors.push_back(
        {pointer, "type",
         "'" + pointer.substr(pointer.rfind('/') + 1) + "' must be an object of strings",
         std::nullopt});
    return;
  }
  if (labels.size() > defaults::max_labels)
    errors.push_back({pointer, "too_many", "at most 16 labels are allowed", defaults::max_labels});
  for (auto [key, v] : labels) {
    auto ptr = pointer + "/" + json_pointer_escape(key);
    std::string_view text;
    if (!is_valid_label_key(key))
      errors.push_back({ptr, key.size() > defaults::max_label_key_length ? "too_long" : "format",
                        "label keys must be 1 to 64 characters of [a-z0-9_]",
                        defaults::max_label_key_length});
    else if (v.get_string().get(text) != simdjson::SUCCESS)
      errors.push_back({ptr, "type", "label values must be strings", std::nullopt});
    else if (text.size() > defaults::max_label_value_length)
      errors.push_back({ptr, "too_long", "label values are at most 256 bytes",
                        defaults::max_label_value_length});
    else if (find_label(out, key))
      errors.push_back({ptr, "duplicate_key", "the label appears more than once", std::nullopt});
    else
      out.push_back({std::string{key}, std::string{text}});
  }
}

void read_type_patterns(simdjson::dom::element value, const std::string& pointer, std::size_t max,
                        std::vector<std::string>& out, std::vector<field_error>& errors) {
  simdjson::dom::array arr;
  if (value.get_array().get(arr) != simdjson::SUCCESS) {
    errors.push_back(
        {pointer, "type", "'" + pointer.substr(1) + "' must be an array of patterns", {}});
    return;
  }
  if (arr.size() == 0 || arr.size() > max) {
    errors.push_back({pointer, arr.size() == 0 ? "too_few" : "too_many",
                      "'" + pointer.substr(1) + "' holds 1 to " + std::to_string(max) + " patterns",
                      max});
    return;
  }
  std::vector<std::string> patterns;
  std::size_t i = 0;
  for (auto item : arr) {
    std::string_view p;
    auto ptr = pointer + "/" + std::to_string(i++);
    if (item.get_string().get(p) != simdjson::SUCCESS)
      errors.push_back({ptr, "type", "a pattern must be a string", {}});
    else if (!event_type_pattern::parse(p))
      errors.push_back({ptr, "format", "a pattern is an event type, 'prefix.*' or '*'", {}});
    else
      patterns.emplace_back(p);
  }
  if (patterns.size() == arr.size())
    out = std::move(patterns);
}

} // namespace hookd
