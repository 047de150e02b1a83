#include "domain/webhook.hpp"

#include "domain/ascii.hpp"
#include "domain/defaults.hpp"
#include "domain/json_input.hpp"
#include "domain/url.hpp"
#include "domain/webhook_secret.hpp"

#include <algorithm>
#include <cctype>

namespace hookd {

namespace {

using simdjson::dom::element;
using simdjson::dom::object;

bool is_token(std::string_view name) {
  static constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos;
  });
}

bool has_member(object obj, std::string_view key) {
  element ignored;
  return obj.at_key(key).get(ignored) == simdjson::SUCCESS;
}

std::optional<uint64_t> read_uint(object obj, std::string_view key,
                                  std::vector<field_error>& errors) {
  element el;
  if (obj.at_key(key).get(el) != simdjson::SUCCESS)
    return std::nullopt;
  uint64_t v = 0;
  if (el.get_uint64().get(v) != simdjson::SUCCESS) {
    errors.push_back({"/" + std::string{key},
                      "type",
                      "'" + std::string{key} + "' must be a non-negative integer",
                      {}});
    return std::nullopt;
  }
  return v;
}

// The fields both create and patch accept, applied onto `w` when present.
void apply_fields(object obj, webhook& w, const address_policy& policy,
                  std::vector<field_error>& errors) {
  if (auto name = read_string(obj, "name", false, "", errors)) {
    if (name->empty() || name->size() > webhook_limits::max_name)
      errors.push_back({"/name", name->empty() ? "too_short" : "too_long",
                        "'name' must be 1 to 100 bytes", webhook_limits::max_name});
    w.name = std::string{*name};
  }
  if (auto d = read_string(obj, "description", false, "", errors)) {
    if (d->size() > webhook_limits::max_description)
      errors.push_back({"/description", "too_long", "'description' is at most 1000 bytes",
                        webhook_limits::max_description});
    w.description = std::string{*d};
  }
  if (auto u = read_string(obj, "url", false, "", errors)) {
    url_error why;
    auto parsed = parse_url(*u, &why);
    if (!parsed)
      errors.push_back(
          {"/url", why.code, why.detail,
           why.code == "too_long" ? std::optional<uint64_t>{max_url_length} : std::nullopt});
    else if (auto refused = policy.check_url(*parsed))
      errors.push_back({"/url", refused->code, refused->detail, std::nullopt});
    w.url = std::string{*u};
  }
  element el;
  if (obj.at_key("enabled").get(el) == simdjson::SUCCESS) {
    bool b = false;
    if (el.get_bool().get(b) != simdjson::SUCCESS)
      errors.push_back({"/enabled", "type", "'enabled' must be a boolean", {}});
    else if (b != w.enabled) {
      w.enabled = b;
      w.disabled_reason = b ? "" : "disabled by a user";
    }
  }
  if (obj.at_key("events").get(el) == simdjson::SUCCESS)
    read_type_patterns(el, "/events", webhook_limits::max_patterns, w.events, errors);
  if (obj.at_key("label_filter").get(el) == simdjson::SUCCESS)
    read_labels(el, "/label_filter", w.label_filter, errors);
  if (obj.at_key("headers").get(el) == simdjson::SUCCESS) {
    object hs;
    if (el.get_object().get(hs) != simdjson::SUCCESS) {
      errors.push_back({"/headers", "type", "'headers' must be an object of strings", {}});
    } else {
      w.headers.clear();
      if (hs.size() > webhook_limits::max_headers)
        errors.push_back(
            {"/headers", "too_many", "at most 20 custom headers", webhook_limits::max_headers});
      for (auto [k, v] : hs) {
        auto ptr = "/headers/" + json_pointer_escape(k);
        std::string_view text;
        if (!is_token(k))
          errors.push_back({ptr, "format", "not a valid header name", {}});
        else if (is_reserved_header(k))
          errors.push_back({ptr,
                            "reserved",
                            "Host, Content-Length, Transfer-Encoding, Connection and webhook-* "
                            "headers are set by hookd",
                            {}});
        else if (v.get_string().get(text) != simdjson::SUCCESS)
          errors.push_back({ptr, "type", "header values must be strings", {}});
        else if (text.find_first_of(std::string_view{"\r\n\0", 3}) != std::string_view::npos)
          errors.push_back({ptr, "format", "header values must not contain CR, LF or NUL", {}});
        else if (text.size() > webhook_limits::max_header_value)
          errors.push_back({ptr, "too_long", "header values are at most 1024 bytes",
                            webhook_limits::max_header_value});
        else
          w.headers.push_back({std::string{k}, std::string{text}});
      }
    }
  }
  if (auto t = read_uint(obj, "timeout_seconds", errors)) {
    if (*t < webhook_limits::min_timeout_seconds || *t > webhook_limits::max_timeout_seconds)
      errors.push_back({"/timeout_seconds", "range", "'timeout_seconds' is 1 to 300",
                        webhook_limits::max_timeout_seconds});
    else
      w.timeout_seconds = static_cast<uint32_t>(*t);
  }
  if (auto rate = read_nullable_limit(obj, "rate_limit_per_second",
                                      webhook_limits::max_rate_limit_per_second, errors))
    w.rate_limit_per_second = *rate;
  if (auto m = read_uint(obj, "max_in_flight", errors)) {
    if (*m < webhook_limits::min_in_flight || *m > webhook_limits::max_in_flight)
      errors.push_back({"/max_in_flight", "range", "'max_in_flight' is 1 to 256",
                        webhook_limits::max_in_flight});
    else
      w.max_in_flight = static_cast<uint32_t>(*m);
  }
  read_delivery_format(obj, w, errors);
  if (auto o = read_string(obj, "ordering", false, "", errors)) {
    if (*o == "none")
      w.ordering = delivery_ordering::none;
    else if (*o == "fifo")
      w.ordering = delivery_ordering::fifo;
    else
      errors.push_back({"/ordering", "format", "'ordering' is \"none\" or \"fifo\"", {}});
  }
  if (obj.at_key("retry").get(el) == simdjson::SUCCESS) {
    object r;
    if (el.get_object().get(r) != simdjson::SUCCESS) {
      errors.push_back({"/retry", "type", "'retry' must be an object", {}});
    } else if (has_member(r, "schedule")) {
      check_object_keys(r, {"schedule"}, "/retry", errors);
      auto s = read_string(r, "schedule", true, "/retry", errors);
      if (s && *s == "standard")
        w.retry = retry_policy::standard();
      else if (s && *s == "short")
        w.retry = retry_policy::short_schedule();
      else if (s)
        errors.push_back(
            {"/retry/schedule", "format", "'schedule' is \"standard\" or \"short\"", {}});
    } else {
      check_object_keys(r, {"attempts", "base_seconds", "max_seconds"}, "/retry", errors);
      std::vector<field_error> sub;
      auto attempts = read_uint(r, "attempts", sub);
      auto base = read_uint(r, "base_seconds", sub);
      auto max = read_uint(r, "max_seconds", sub);
      for (auto& e : sub)
        errors.push_back({"/retry" + e.field, e.code, e.detail, e.limit});
      if (!attempts || !base || !max) {
        if (sub.empty())
          errors.push_back({"/retry",
                            "required",
                            "'retry' is {\"schedule\":...} or {\"attempts\",\"base_seconds\","
                            "\"max_seconds\"}",
                            {}});
      } else if (*attempts > webhook_limits::max_retry_attempts) {
        errors.push_back({"/retry/attempts", "range", "'attempts' is 0 to 10",
                          webhook_limits::max_retry_attempts});
      } else if (*base < 1 || *base > webhook_limits::max_retry_seconds) {
        errors.push_back({"/retry/base_seconds", "range", "'base_seconds' is 1 to 86400",
                          webhook_limits::max_retry_seconds});
      } else if (*max < *base || *max > webhook_limits::max_retry_seconds) {
        errors.push_back({"/retry/max_seconds", "range",
                          "'max_seconds' is from base_seconds to 86400",
                          webhook_limits::max_retry_seconds});
      } else {
        w.retry =
            retry_policy::exponential(static_cast<uint32_t>(*attempts), std::chrono::seconds{*base},
                                      std::chrono::seconds{*max});
      }
    }
  }
}

} // namespace

webhook_filter::webhook_filter(const webhook& w) : id_(w.id), labels_(w.label_filter) {
  for (const auto& p : w.events)
    if (auto pattern = event_type_pattern::parse(p))
      patterns_.push_back(std::move(*pattern));
}

bool webhook_filter::matches_type(std::string_view type) const noexcept {
  return std::any_of(patterns_.begin(), patterns_.end(),
                     [&](const event_type_pattern& p) { return p.matches(type); });
}

bool webhook_filter::matches(std::string_view type, const std::vector<label>& labels) const {
  if (!matches_type(type) || is_operational_event_about(id_, type, labels))
    return false;
  return std::all_of(labels_.begin(), labels_.end(), [&](const label& want) {
    auto have = find_label(labels, want.key);
    return have && *have == want.value;
  });
}

bool is_operational_event_about(std::string_view webhook_id, std::string_view type,
                                const std::vector<label>& labels) noexcept {
  if (!type.starts_with("webhook.") && !type.starts_with("delivery."))
    return false;
  auto about = find_label(labels, "webhook_id");
  return about && *about == webhook_id;
}

bool webhook::matches(std::string_view type, const std::vector<label>& labels) const {
  return webhook_filter{*this}.matches(type, labels);
}

bool is_reserved_header(std::string_view name) noexcept {
  if (name.size() >= 8 && iequals(name.substr(0, 8), "webhook-"))
    return true;
  for (auto r : {"host", "content-length", "transfer-encoding", "connection"})
    if (iequals(name, r))
      return true;
  return false;
}

namespace {

// Checks a create or patch body's keys: the fields both accept, plus `secret` on create.
void check_webhook_keys(object obj, bool with_secret, std::vector<field_error>& errors) {
  static constexpr std::string_view secret = "secret";
  std::vector<field_error> found;
  check_object_keys(obj,
                    {"name", "description", "url", "enabled", "events", "label_filter", "headers",
                     "timeout_seconds", "retry", "max_in_flight", "rate_limit_per_second",
                     "ordering", "template", "custom_template", "signature", "signature_header",
                     secret},
                    "", found);
  if (!with_secret && has_member(obj, secret))
    found.push_back({"/secret", "unknown_field", "unknown field 'secret'", std::nullopt});
  errors.insert(errors.end(), found.begin(), found.end());
}

// The `secret` member (checked against the signature style by `check_delivery_format`); a new
// secret when it is absent.
std::string read_secret(object obj, std::vector<field_error>& errors) {
  auto s = read_string(obj, "secret", false, "", errors);
  return s ? std::string{*s} : make_webhook_secret();
}

} // namespace

void read_delivery_format(simdjson::dom::object obj, webhook& w, std::vector<field_error>& errors) {
  element el;
  if (auto t = read_string(obj, "template", false, "", errors)) {
    if (auto kind = parse_template_kind(*t))
      w.body_template = *kind;
    else
      errors.push_back({"/template",
                        "format",
                        "'template' is standard, event, tenant_envelope, slack, discord, n8n or "
                        "custom",
                        {}});
  }
  if (obj.at_key("custom_template").get(el) == simdjson::SUCCESS && !el.is_null()) {
    if (auto text = read_string(obj, "custom_template", false, "", errors))
      w.custom_template = std::string{*text};
  } else if (w.body_template != template_kind::custom) {
    w.custom_template.clear(); // Left behind by a switch away from `custom`.
  }
  if (auto sig = read_string(obj, "signature", false, "", errors)) {
    if (auto kind = parse_signature_kind(*sig))
      w.signature.kind = *kind;
    else
      errors.push_back({"/signature",
                        "format",
                        "'signature' is standard, timestamped_hex, sha256_prefixed or none",
                        {}});
  }
  if (obj.at_key("signature_header").get(el) == simdjson::SUCCESS && !el.is_null()) {
    if (auto header = read_string(obj, "signature_header", false, "", errors))
      w.signature.header = std::string{*header};
  } else if (w.signature.kind != signature_kind::sha256_prefixed) {
    w.signature.header.clear();
  }
  if (w.signature.kind == signature_kind::sha256_prefixed && w.signature.header.empty())
    w.signature.header = default_prefixed_signature_header;
}

void check_delivery_format(const webhook& w, std::vector<field_error>& errors) {
  if (w.body_template != template_kind::custom && !w.custom_template.empty())
    errors.push_back({"/custom_template",
                      "conflict",
                      "'custom_template' goes with \"template\": \"custom\"",
                      {}});
  check_template(w.body_template, w.custom_template, w.events, errors);
  if (w.signature.kind == signature_kind::none && !allows_unsigned(w.body_template))
    errors.push_back({"/signature",
                      "conflict",
                      "unsigned deliveries are only for the slack, discord and n8n templates, "
                      "whose URLs carry the secret",
                      {}});
  if (w.signature.kind != signature_kind::sha256_prefixed && !w.signature.header.empty())
    errors.push_back({"/signature_header",
                      "conflict",
                      "'signature_header' goes with \"signature\": \"sha256_prefixed\"",
                      {}});
  if (w.signature.kind == signature_kind::sha256_prefixed) {
    const auto& h = w.signature.header;
    if (!is_token(h) || h.size() > webhook_limits::max_signature_header || is_reserved_header(h))
      errors.push_back({"/signature_header", "format",
                        "'signature_header' is a header name of at most 64 characters, not Host, "
                        "Content-Length, Transfer-Encoding, Connection or webhook-*",
                        webhook_limits::max_signature_header});
  }
  check_secret(w.signature.kind, w.secret, "/secret", errors);
  auto taken = signature_header_names(w.signature);
  for (const auto& h : w.headers) {
    if (std::find(taken.begin(), taken.end(), ascii_lower(h.name)) != taken.end())
      errors.push_back({"/headers/" + json_pointer_escape(h.name),
                        "reserved",
                        "this header carries the signature",
                        {}});
  }
}

parse_result<webhook> parse_webhook_create(std::string_view body, std::string tenant,
                                           id_generator& ids, int64_t now_ms,
                                           const address_policy& policy) {
  parse_result<webhook> result;
  json_input input{body};
  object obj;
  if ((result.failure = root_object(input, obj)))
    return result;
  std::vector<field_error> errors;
  check_webhook_keys(obj, true, errors);
  webhook w;
  w.tenant = std::move(tenant);
  w.id = ids.next("wh_", now_ms);
  w.created_at_ms = w.updated_at_ms = now_ms;
  for (auto required : {"name", "url", "events"})
    if (!has_member(obj, required))
      errors.push_back({"/" + std::string{required},
                        "required",
                        "'" + std::string{required} + "' is required",
                        {}});
  apply_fields(obj, w, policy, errors);
  w.secret = read_secret(obj, errors);
  check_delivery_format(w, errors);
  return result.from(std::move(errors), std::move(w));
}

parse_result<webhook> parse_webhook_patch(std::string_view body, const webhook& current,
                                          int64_t now_ms, const address_policy& policy) {
  parse_result<webhook> result;
  json_input input{body};
  object obj;
  if ((result.failure = root_object(input, obj)))
    return result;
  std::vector<field_error> errors;
  check_webhook_keys(obj, false, errors);
  auto w = current;
  w.updated_at_ms = now_ms;
  apply_fields(obj, w, policy, errors);
  check_delivery_format(w, errors);
  return result.from(std::move(errors), std::move(w));
}

parse_result<webhook> parse_secret_rotation(std::string_view body, const webhook& current,
                                            int64_t now_ms) {
  parse_result<webhook> result;
  auto text = body.find_first_not_of(" \t\r\n") == std::string_view::npos ? "{}" : body;
  json_input input{text};
  object obj;
  if ((result.failure = root_object(input, obj)))
    return result;
  std::vector<field_error> errors;
  check_object_keys(obj, {"secret", "overlap_seconds"}, "", errors);
  auto w = current;
  w.updated_at_ms = now_ms;
  auto overlap =
      read_uint(obj, "overlap_seconds", errors).value_or(default_rotation_overlap_seconds);
  if (overlap > max_rotation_overlap_seconds)
    errors.push_back({"/overlap_seconds", "range", "'overlap_seconds' is 0 to 2592000 (30 days)",
                      max_rotation_overlap_seconds});
  w.secret = read_secret(obj, errors);
  check_secret(w.signature.kind, w.secret, "/secret", errors);
  if (w.secret == current.secret)
    errors.push_back(
        {"/secret", "conflict", "the new secret must differ from the current one", {}});
  // Previous secrets whose overlap ended no longer sign: drop them. The current one joins them
  // for the overlap (none when it is 0).
  w.previous_secrets.clear();
  if (overlap > 0)
    w.previous_secrets.push_back({current.secret, now_ms + static_cast<int64_t>(overlap) * 1000});
  for (const auto& p : current.previous_secrets)
    if (p.expires_at_ms > now_ms)
      w.previous_secrets.push_back(p);
  if (w.previous_secrets.size() > webhook_limits::max_previous_secrets)
    errors.push_back({"/overlap_seconds", "too_many",
                      "at most 5 previous secrets may still sign at once; wait until the oldest "
                      "overlap ends, or rotate with overlap_seconds 0",
                      webhook_limits::max_previous_secrets});
  return result.from(std::move(errors), std::move(w));
}

} // namespace hookd
