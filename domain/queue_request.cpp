#include "domain/queue_request.hpp"

#include "domain/json_input.hpp"
#include "domain/timestamp.hpp"

namespace hookd {

parse_result<retry_failed_request> parse_retry_failed(std::string_view body) {
  parse_result<retry_failed_request> result;
  auto text = body.find_first_not_of(" \t\r\n") == std::string_view::npos ? "{}" : body;
  json_input input{text};
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

} // namespace hookd
