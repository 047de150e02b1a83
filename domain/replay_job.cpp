#include "domain/replay_job.hpp"

#include "domain/json_input.hpp"
#include "domain/timestamp.hpp"

#include <algorithm>

namespace hookd {

std::string_view to_string(job_kind k) noexcept {
  return k == job_kind::resend ? "resend" : "replay";
}

std::string_view to_string(job_state s) noexcept {
  switch (s) {
  case job_state::running:
    return "running";
  case job_state::completed:
    return "completed";
  case job_state::cancelled:
    return "cancelled";
  }
  return "running";
}

double replay_job::progress() const noexcept {
  if (state != job_state::running || to_seq < from_seq)
    return 1.0;
  auto done = next_seq > from_seq ? next_seq - from_seq : 0;
  return std::min(1.0, static_cast<double>(done) / static_cast<double>(to_seq - from_seq + 1));
}

namespace {

// Reads RFC 3339 member `key`; records `type` or `format` errors.
std::optional<int64_t> read_time(simdjson::dom::object obj, std::string_view key, bool required,
                                 std::vector<field_error>& errors) {
  auto text = read_string(obj, key, required, "", errors);
  if (!text)
    return std::nullopt;
  auto ms = parse_rfc3339(*text);
  if (!ms)
    errors.push_back({"/" + std::string{key},
                      "format",
                      "'" + std::string{key} + "' must be an RFC 3339 time (2026-11-24T10:00:00Z)",
                      {}});
  return ms;
}

} // namespace

parse_result<replay_request> parse_replay_request(std::string_view body, int64_t now_ms) {
  return parse_object<replay_request>(
      body, {"since", "until", "types", "only_failed"},
      [&](simdjson::dom::object obj, std::vector<field_error>& errors) {
        replay_request r;
        auto since = read_time(obj, "since", true, errors);
        auto until = read_time(obj, "until", false, errors);
        if (since) {
          r.since_ms = *since;
          if (*since > now_ms)
            errors.push_back({"/since", "range", "'since' is in the future", {}});
        }
        r.until_ms = until;
        if (since && until && *until <= *since)
          errors.push_back({"/until", "range", "'until' must be after 'since'", {}});
        simdjson::dom::element el;
        if (obj.at_key("types").get(el) == simdjson::SUCCESS)
          read_type_patterns(el, "/types", job_limits::max_types, r.types, errors);
        if (obj.at_key("only_failed").get(el) == simdjson::SUCCESS &&
            el.get_bool().get(r.only_failed) != simdjson::SUCCESS)
          errors.push_back({"/only_failed", "type", "'only_failed' must be a boolean", {}});
        return r;
      });
}

parse_result<std::string> parse_resend_request(std::string_view body) {
  return parse_object<std::string>(
      body, {"webhook_id"},
      [&](simdjson::dom::object obj, std::vector<field_error>& errors) {
        auto id = read_string(obj, "webhook_id", false, "", errors);
        return id ? std::string{*id} : std::string{};
      },
      true);
}

} // namespace hookd
