#include "domain/queue_request.hpp"

#include "domain/id_generator.hpp"
#include "domain/json_input.hpp"
#include "domain/timestamp.hpp"

namespace hookd {

namespace {

// An optional body: blank means the empty object.
std::string_view or_empty_object(std::string_view body) {
  return body.find_first_not_of(" \t\r\n") == std::string_view::npos ? "{}" : body;
}

constexpr std::size_t max_checkpoint_name = 64;

} // namespace

parse_result<retry_failed_request> parse_retry_failed(std::string_view body) {
  parse_result<retry_failed_request> result;
  json_input input{or_empty_object(body)};
  simdjson::dom::object obj;
  if ((result.failure = root_object(input, obj)))
    return result;
  std::vector<field_error> errors;
  check_object_keys(obj, {"webhook_id", "since", "until"}, "", errors);
  retry_failed_request req;
  if (auto id = read_string(obj, "webhook_id", false, "", errors)) {
    if (id->empty())
      errors.push_back({"/webhook_id", "empty", "'webhook_id' must not be empty", {}});
    req.webhook_id = *id;
  }
  for (auto [name, slot] : {std::pair{"since", &req.since_ms}, std::pair{"until", &req.until_ms}})
    if (auto v = read_string(obj, name, false, "", errors)) {
      if (auto ms = parse_rfc3339(*v))
        *slot = *ms;
      else
        errors.push_back({std::string{"/"} + name,
                          "format",
                          "'" + std::string{name} + "' must be an RFC 3339 date-time",
                          {}});
    }
  if (errors.empty() && req.since_ms >= req.until_ms)
    errors.push_back({"/until", "range", "'until' must be after 'since'", {}});
  return result.from(std::move(errors), std::move(req));
}

parse_result<checkpoint_request> parse_checkpoint_request(std::string_view body) {
  parse_result<checkpoint_request> result;
  json_input input{or_empty_object(body)};
  simdjson::dom::object obj;
  if ((result.failure = root_object(input, obj)))
    return result;
  std::vector<field_error> errors;
  check_object_keys(obj, {"name"}, "", errors);
  checkpoint_request req;
  if (auto name = read_string(obj, "name", false, "", errors)) {
    if (!is_plain_identifier(*name, max_checkpoint_name))
      errors.push_back({"/name", "format", "'name' must be 1 to 64 characters of [A-Za-z0-9_-]",
                        max_checkpoint_name});
    req.name = *name;
  }
  return result.from(std::move(errors), std::move(req));
}

} // namespace hookd
