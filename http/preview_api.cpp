// The preview routes: a webhook's (or an inline) template and signature style applied to a
// stored or sample event, answered with the exact request hookd would send, with nothing sent
// and every secret redacted.

#include "domain/ascii.hpp"
#include "domain/delivery_message.hpp"
#include "domain/json_writer.hpp"
#include "domain/preview_request.hpp"
#include "domain/url.hpp"
#include "http/api.hpp"
#include "http/api_support.hpp"
#include "storage/log_reader.hpp"

#include <algorithm>
#include <cctype>

namespace hookd::http {

using namespace detail;

namespace {

constexpr std::string_view redacted = "[redacted]";

// Custom headers that usually hold credentials.
bool is_credential_header(std::string_view name) {
  auto n = ascii_lower(name);
  if (n == "authorization" || n == "proxy-authorization" || n == "cookie")
    return true;
  for (auto word : {"token", "secret", "key", "auth", "password", "signature"})
    if (n.find(word) != std::string::npos)
      return true;
  return false;
}

// A signature's value with the secret part hidden, keeping its form: `v1,[redacted]` per
// Standard Webhooks signature, `sha256=[redacted]`.
std::string redact_signature(signature_kind kind, std::string_view value) {
  switch (kind) {
  case signature_kind::standard: {
    std::string out;
    std::size_t count = value.empty() ? 0 : 1 + std::count(value.begin(), value.end(), ' ');
    for (std::size_t i = 0; i < count; ++i)
      out += (i ? " v1," : "v1,") + std::string{redacted};
    return out;
  }
  case signature_kind::sha256_prefixed:
    return "sha256=" + std::string{redacted};
  default:
    return std::string{redacted};
  }
}

// The URL without what may be a secret: the query, and for unsigned webhooks (whose URL is
// the secret, as with Slack and Discord) the path too.
std::string redact_url(const url& u, bool path_is_secret) {
  auto out = u.scheme + "://" + (u.ipv6_literal ? "[" + u.host + "]" : u.host);
  if (u.port != (u.scheme == "https" ? 443 : 80))
    out += ":" + std::to_string(u.port);
  if (path_is_secret)
    return out + "/" + std::string{redacted};
  auto query = u.target.find('?');
  out += u.target.substr(0, query);
  if (query != std::string::npos)
    out += "?" + std::string{redacted};
  return out;
}

} // namespace

void api::preview_webhook(const std::shared_ptr<call>& c, std::string_view id) {
  if (!require_webhook_read(c))
    return;
  if (!c->req.body().empty() && !require_json(c))
    return;
  auto parsed = parse_webhook_preview(c->req.body());
  if (parsed.failure)
    return c->fail(*parsed.failure);
  auto h = load_webhook(c, id);
  if (!h)
    return;
  if (!parsed.value->event_type && !h->events.empty())
    parsed.value->event_type = sample_type(h->events.front());
  auto request = std::move(*parsed.value);
  request.format = std::move(*h);
  preview_event(c, request.format, request.event_id, request.event_type.value_or(sample_type("*")),
                true);
}

void api::preview_template(const std::shared_ptr<call>& c) {
  if (!require_webhook_read(c) || !require_json(c))
    return;
  auto parsed = parse_template_preview(c->req.body(), c->who->tenant);
  if (parsed.failure)
    return c->fail(*parsed.failure);
  const auto& request = *parsed.value;
  preview_event(c, request.format, request.event_id, request.event_type.value_or(sample_type("*")),
                false);
}

void api::preview_event(const std::shared_ptr<call>& c, const webhook& format,
                        const std::optional<std::string>& event_id, const std::string& sample_of,
                        bool with_url) {
  if (!event_id)
    return answer_preview(c, format, sample_event(sample_of, c->who->tenant, time_.now_ms()), true,
                          with_url);
  auto e = found_or_404(c, storage::log_reader{node_.db()}.find(c->who->tenant, *event_id), "event",
                        *event_id);
  if (e)
    answer_preview(c, format, *e, false, with_url);
}

void api::answer_preview(const std::shared_ptr<call>& c, const webhook& h, const event& e,
                         bool sample, bool with_url) {
  auto now = time_.now_ms();
  // A throwaway key per secret that would sign now: the headers have the real shape (one
  // signature per secret during a rotation), and no real signature can leak. A valid
  // signature over a sample event would let the caller forge a delivery.
  std::vector<hmac_sha256_key> throwaway;
  auto live = 1 + std::count_if(h.previous_secrets.begin(), h.previous_secrets.end(),
                                [&](const previous_secret& p) { return p.expires_at_ms > now; });
  if (h.signature.kind != signature_kind::standard)
    live = 1;
  for (long i = 0; i < live; ++i)
    throwaway.emplace_back("preview");
  std::vector<const hmac_sha256_key*> keys;
  for (const auto& k : throwaway)
    keys.push_back(&k);
  payload_renderer renderer{h.body_template, h.custom_template};
  auto prepared = prepare_delivery(h, renderer, keys, e, delivery_message_id(h.id, e.id), now);
  if (!prepared.ok())
    return c->fail(make_problem(422, "render-failed", "The template cannot render this event",
                                prepared.error, "/custom_template"));
  auto target = parse_url(h.url);
  json_writer w;
  w.begin_object();
  w.key("webhook_id").value(h.id);
  w.key("template").value(to_string(h.body_template));
  w.key("signature").value(to_string(h.signature.kind));
  w.key("event").begin_object().key("id").value(e.id).key("type").value(e.type);
  w.key("sample").value(sample).end_object();
  w.key("method").value("POST");
  w.key("url");
  if (with_url && target)
    w.value(redact_url(*target, h.signature.kind == signature_kind::none));
  else
    w.null();
  w.key("headers").begin_array();
  auto header = [&](std::string_view name, std::string_view value) {
    w.begin_object().key("name").value(name).key("value").value(value).end_object();
  };
  if (with_url && target)
    header("Host", target->host);
  for (const auto& [name, value] : prepared.message.headers) {
    bool custom = std::any_of(h.headers.begin(), h.headers.end(),
                              [&](const webhook_header& x) { return x.name == name; });
    if (is_signature_header(h.signature, name))
      header(name, redact_signature(h.signature.kind, value));
    else if (custom && is_credential_header(name))
      header(name, redacted);
    else
      header(name, value);
  }
  header("Content-Length", std::to_string(prepared.message.body.size()));
  w.end_array();
  w.key("body").value(prepared.message.body);
  w.key("note");
  if (prepared.note.empty())
    w.null();
  else
    w.value(prepared.note);
  w.key("sent").value(false);
  w.end_object();
  c->json(bh::status::ok, w.take());
}

} // namespace hookd::http
