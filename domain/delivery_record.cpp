#include "domain/delivery_record.hpp"

#include "domain/json_writer.hpp"
#include "domain/timestamp.hpp"
#include "domain/webhook.hpp"

namespace hookd {

std::string_view to_string(attempt_result r) noexcept {
  switch (r) {
  case attempt_result::succeeded:
    return "succeeded";
  case attempt_result::retrying:
    return "retrying";
  case attempt_result::failed:
    return "failed";
  }
  return "unknown";
}

std::optional<attempt_result> parse_attempt_result(std::string_view s) noexcept {
  for (auto r : {attempt_result::succeeded, attempt_result::retrying, attempt_result::failed})
    if (to_string(r) == s)
      return r;
  return std::nullopt;
}

std::string_view to_string(delivery_state s) noexcept {
  switch (s) {
  case delivery_state::delivered:
    return "delivered";
  case delivery_state::failed:
    return "failed";
  case delivery_state::dropped:
    return "dropped";
  }
  return "unknown";
}

std::string webhook_notice_data(const webhook& w, std::string_view reason, int64_t at_ms,
                                int64_t failing_since_ms) {
  json_writer j;
  j.begin_object();
  j.key("webhook_id").value(w.id);
  j.key("name").value(w.name);
  j.key("url").value(w.url);
  if (!reason.empty())
    j.key("reason").value(reason);
  j.key("at").value(format_rfc3339(at_ms));
  if (failing_since_ms > 0)
    j.key("failing_since").value(format_rfc3339(failing_since_ms));
  j.end_object();
  return j.take();
}

std::string delivery_exhausted_data(const webhook& w, const event& e, uint32_t attempts,
                                    std::string_view last_error, std::string_view reason) {
  json_writer j;
  j.begin_object();
  j.key("webhook_id").value(w.id);
  j.key("name").value(w.name);
  j.key("event_id").value(e.id);
  j.key("event_type").value(e.type);
  j.key("event_seq").value(e.seq);
  j.key("attempts").value(static_cast<uint64_t>(attempts));
  j.key("last_error").value(last_error);
  j.key("reason").value(reason);
  j.end_object();
  return j.take();
}

event_draft make_webhook_event(std::string type, std::string_view webhook_id, std::string data,
                               std::string id) {
  event_draft d;
  d.id = std::move(id);
  d.type = std::move(type);
  d.data = std::move(data);
  d.labels.push_back({"webhook_id", std::string{webhook_id}});
  compute_fingerprint(d);
  return d;
}

} // namespace hookd
