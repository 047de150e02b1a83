#include "domain/ingest_request.hpp"

#include "domain/defaults.hpp"
#include "domain/event_type.hpp"
#include "domain/json_input.hpp"
#include "domain/timestamp.hpp"

#include <algorithm>

namespace hookd {

namespace {

// Validates one event object's fields (all but `data`'s bytes) into `draft`.
void validate_event(simdjson::dom::element element, const std::string& ptr, event_draft& draft,
                    std::vector<field_error>& errors) {
  simdjson::dom::object obj;
  if (element.get_object().get(obj) != simdjson::SUCCESS) {
    errors.push_back(
        {ptr.empty() ? "/" : ptr, "type", "an event must be a JSON object", std::nullopt});
    return;
  }
  check_object_keys(obj, {"id", "type", "occurred_at", "labels", "data"}, ptr, errors);
  if (auto id = read_string(obj, "id", false, ptr, errors)) {
    if (id->size() > defaults::max_event_id_length)
      errors.push_back(
          {ptr + "/id", "too_long", "'id' is longer than 64 bytes", defaults::max_event_id_length});
    else if (!is_valid_event_id(*id))
      errors.push_back({ptr + "/id", "format", "'id' must be 1 to 64 characters of [A-Za-z0-9_.:-]",
                        std::nullopt});
    draft.id = std::string{*id};
    draft.client_id = true;
  }
  if (auto type = read_string(obj, "type", true, ptr, errors)) {
    if (type->size() > defaults::max_event_type_length)
      errors.push_back({ptr + "/type", "too_long", "'type' is longer than 128 bytes",
                        defaults::max_event_type_length});
    else if (!is_valid_event_type(*type))
      errors.push_back({ptr + "/type", "format",
                        "'type' must be lower-case dotted segments of [a-z0-9_] "
                        "(e.g. deployment.started)",
                        std::nullopt});
    draft.type = std::string{*type};
  }
  if (auto when = read_string(obj, "occurred_at", false, ptr, errors)) {
    draft.occurred_at_ms = parse_rfc3339(*when);
    if (!draft.occurred_at_ms)
      errors.push_back({ptr + "/occurred_at", "format",
                        "'occurred_at' must be an RFC 3339 date-time (2026-11-24T08:00:00Z)",
                        std::nullopt});
  }
  simdjson::dom::element labels_el;
  if (obj.at_key("labels").get(labels_el) == simdjson::SUCCESS)
    read_labels(labels_el, ptr + "/labels", draft.labels, errors);
  simdjson::dom::element data;
  if (obj.at_key("data").get(data) != simdjson::SUCCESS)
    errors.push_back({ptr + "/data", "required", "'data' is required", std::nullopt});
  else if (!data.is_object())
    errors.push_back({ptr + "/data", "type", "'data' must be a JSON object", std::nullopt});
}

// Copies the raw bytes of `data` from an on-demand event object, and checks their size.
void read_raw_data(simdjson::ondemand::object obj, const std::string& ptr, event_draft& draft,
                   std::vector<field_error>& errors) {
  simdjson::ondemand::object data;
  std::string_view raw;
  if (obj.find_field_unordered("data").get_object().get(data) != simdjson::SUCCESS ||
      data.raw_json().get(raw) != simdjson::SUCCESS) {
    // Cannot happen after DOM validation; report rather than assert on hostile input.
    errors.push_back({ptr + "/data", "format", "'data' could not be read", std::nullopt});
    return;
  }
  if (raw.size() > defaults::max_event_data_bytes) {
    errors.push_back({ptr + "/data", "too_large", "'data' is larger than 256 KiB",
                      defaults::max_event_data_bytes});
    return;
  }
  draft.data.assign(raw);
}

} // namespace

ingest_parse_result parse_ingest_request(std::string_view body, id_generator& ids, int64_t now_ms) {
  ingest_parse_result result;
  json_input input{body};
  if (input.failure()) {
    result.failure = input.failure();
    return result;
  }
  simdjson::dom::object root;
  if (input.root().get_object().get(root) != simdjson::SUCCESS) {
    result.failure = validation_problem(
        {{"/", "type", "the body must be a JSON object (one event, or {\"events\":[...]})",
          std::nullopt}});
    return result;
  }
  ingest_request req;
  std::vector<field_error> errors;
  simdjson::dom::element events_el;
  req.batch = root.at_key("events").get(events_el) == simdjson::SUCCESS;
  if (req.batch) {
    check_object_keys(root, {"events"}, "", errors);
    simdjson::dom::array items;
    if (events_el.get_array().get(items) != simdjson::SUCCESS) {
      errors.push_back({"/events", "type", "'events' must be an array", std::nullopt});
    } else if (items.size() == 0) {
      errors.push_back({"/events", "too_few", "'events' must hold at least one event", 1});
    } else if (items.size() > defaults::max_batch_events) {
      errors.push_back(
          {"/events", "too_many", "a batch holds at most 1000 events", defaults::max_batch_events});
    } else {
      req.events.resize(items.size());
      std::size_t i = 0;
      for (auto item : items) {
        validate_event(item, "/events/" + std::to_string(i), req.events[i], errors);
        ++i;
      }
    }
  } else {
    req.events.resize(1);
    validate_event(input.root(), "", req.events[0], errors);
  }
  // A client id may appear once per batch.
  for (std::size_t i = 1; i < req.events.size(); ++i) {
    if (!req.events[i].client_id)
      continue;
    for (std::size_t j = 0; j < i; ++j)
      if (req.events[j].client_id && req.events[j].id == req.events[i].id) {
        errors.push_back({"/events/" + std::to_string(i) + "/id", "duplicate_id",
                          "the id '" + req.events[i].id + "' is used by /events/" +
                              std::to_string(j) + " of the same batch",
                          std::nullopt});
        break;
      }
  }
  if (errors.empty()) {
    // Second pass: copy each `data` object's exact bytes.
    auto& doc = input.on_demand();
    if (req.batch) {
      simdjson::ondemand::array items;
      if (doc.find_field_unordered("events").get_array().get(items) == simdjson::SUCCESS) {
        std::size_t i = 0;
        for (auto item : items) {
          simdjson::ondemand::object obj;
          if (item.get_object().get(obj) == simdjson::SUCCESS)
            read_raw_data(obj, "/events/" + std::to_string(i), req.events[i], errors);
          ++i;
        }
      }
    } else {
      simdjson::ondemand::object obj;
      if (doc.get_object().get(obj) == simdjson::SUCCESS)
        read_raw_data(obj, "", req.events[0], errors);
    }
  }
  if (!errors.empty()) {
    result.failure = validation_problem(std::move(errors));
    return result;
  }
  sha256_hasher whole;
  whole.update(req.batch ? std::string_view{"batch"} : std::string_view{"single"});
  for (auto& draft : req.events) {
    if (!draft.client_id)
      draft.id = ids.next("evt_", now_ms);
    compute_fingerprint(draft);
    whole.update(draft.fingerprint);
  }
  req.fingerprint = whole.finish();
  return result.from({}, std::move(req));
}

} // namespace hookd
