#include "domain/event_json.hpp"

#include "domain/timestamp.hpp"

namespace hookd {

void write_labels(json_writer& w, const std::vector<label>& labels) {
  w.begin_object();
  for (const auto& l : labels)
    w.key(l.key).value(l.value);
  w.end_object();
}

void write_event_fields(json_writer& w, const event& e) {
  w.key("id").value(e.id);
  w.key("seq").value(e.seq);
  w.key("type").value(e.type);
  w.key("tenant").value(e.tenant);
  if (e.occurred_at_ms)
    w.key("occurred_at").value(format_rfc3339(*e.occurred_at_ms));
  w.key("received_at").value(format_rfc3339(e.received_at_ms));
  w.key("labels");
  write_labels(w, e.labels);
  w.key("data").raw(e.data);
  w.key("hash").value(to_hex(e.hash));
}

} // namespace hookd
