#include "domain/preview_request.hpp"

#include "domain/event.hpp"
#include "domain/event_type.hpp"
#include "domain/json_input.hpp"
#include "domain/webhook_secret.hpp"

namespace hookd {

namespace {

// Reads `event_id` and `event_type` onto `out`.
void read_event_choice(simdjson::dom::object obj, preview_request& out,
                       std::vector<field_error>& errors) {
  if (auto id = read_string(obj, "event_id", false, "", errors)) {
    if (!is_valid_event_id(*id))
      errors.push_back({"/event_id", "format", "'event_id' is not an event id", {}});
    out.event_id = std::string{*id};
  }
  if (auto type = read_string(obj, "event_type", false, "", errors)) {
    if (!is_valid_event_type(*type))
      errors.push_back({"/event_type", "format", "'event_type' is not an event type", {}});
    out.event_type = std::string{*type};
  }
  if (out.event_id && out.event_type)
    errors.push_back({"/event_type",
                      "conflict",
                      "name a stored event ('event_id') or a sample's type ('event_type'), not "
                      "both",
                      {}});
}

} // namespace

parse_result<preview_request> parse_webhook_preview(std::string_view body) {
  parse_result<preview_request> result;
  auto text = body.find_first_not_of(" \t\r\n") == std::string_view::npos ? "{}" : body;
  json_input input{text};
  simdjson::dom::object obj;
  if ((result.failure = root_object(input, obj)))
    return result;
  std::vector<field_error> errors;
  check_object_keys(obj, {"event_id", "event_type"}, "", errors);
  preview_request r;
  read_event_choice(obj, r, errors);
  return result.from(std::move(errors), std::move(r));
}

parse_result<preview_request> parse_template_preview(std::string_view body, std::string tenant) {
  parse_result<preview_request> result;
  json_input input{body};
  simdjson::dom::object obj;
  if ((result.failure = root_object(input, obj)))
    return result;
  std::vector<field_error> errors;
  check_object_keys(
      obj,
      {"template", "custom_template", "signature", "signature_header", "event_id", "event_type"},
      "", errors);
  preview_request r;
  read_event_choice(obj, r, errors);
  auto& w = r.format;
  w.id = "wh_preview";
  w.tenant = std::move(tenant);
  w.name = "preview";
  w.secret = make_webhook_secret();
  w.events = {r.event_type.value_or("*")};
  if (obj.at_key("template").error())
    errors.push_back({"/template", "required", "'template' is required", {}});
  read_delivery_format(obj, w, errors);
  check_delivery_format(w, errors);
  return result.from(std::move(errors), std::move(r));
}

} // namespace hookd
