// Inbound git webhook sources: `/v1/sources` (a tenant's configuration) and the public
// receiving route `POST /hooks/{provider}/{source_id}`.

#include "domain/crypto.hpp"
#include "domain/git_hook.hpp"
#include "domain/json_writer.hpp"
#include "domain/source.hpp"
#include "http/api_support.hpp"
#include "storage/config_reader.hpp"

#include <caf/send.hpp>

namespace hookd::http {

using namespace detail;

namespace {

// The public path of a source's receiving route.
std::string hook_path(const source& s) {
  return "/hooks/" + std::string{to_string(s.provider)} + "/" + s.id;
}

void write_source(json_writer& w, const source& s, bool with_secret) {
  w.begin_object();
  w.key("id").value(s.id);
  w.key("name").value(s.name);
  w.key("provider").value(to_string(s.provider));
  w.key("repository");
  if (s.repository.empty())
    w.null();
  else
    w.value(s.repository);
  for (const auto* list : {&s.branches, &s.tags}) {
    w.key(list == &s.branches ? "branches" : "tags").begin_array();
    for (const auto& p : *list)
      w.value(p);
    w.end_array();
  }
  w.key("labels");
  write_labels(w, s.labels);
  w.key("signing_secret_set").value(!s.signing_secret.empty());
  w.key("path").value(hook_path(s));
  w.key("created_at").value(format_rfc3339(s.created_at_ms));
  w.key("updated_at").value(format_rfc3339(s.updated_at_ms));
  if (with_secret)
    w.key("secret").value(s.secret);
  w.end_object();
}

// The audit details of a source change: what changed, never a secret.
std::string source_audit_details(const source& s) {
  json_writer w;
  w.begin_object().key("name").value(s.name).key("provider").value(to_string(s.provider));
  w.key("repository").value(s.repository);
  w.end_object();
  return w.take();
}

template <class Call>
void answer_source_change(const Call& c, const config_outcome& out, bh::status status,
                          bool with_secret) {
  if (out.error.code == ec::not_found)
    return c->fail(not_found(out.error.detail));
  if (out.error.code == ec::conflict)
    return c->fail(make_problem(409, "conflict", "The source changed meanwhile", out.error.detail));
  if (out.error || !out.changed_source)
    return c->fail(make_problem(500, "internal", "Internal error", out.error.detail));
  json_writer w;
  write_source(w, *out.changed_source, with_secret);
  c->json(status, w.take());
}

// Step-by-step setup in the provider's own UI, for `url`.
std::vector<std::string> setup_steps(const source& s, const std::string& url) {
  auto repo = s.repository.empty() ? std::string{"your repository"} : s.repository;
  switch (s.provider) {
  case git_provider::github:
    return {"Open " + repo + " on GitHub, then Settings > Webhooks > Add webhook.",
            "Payload URL: " + url,
            "Content type: application/json (application/x-www-form-urlencoded works too).",
            "Secret: the secret hookd showed when the source was created or its secret was "
            "last rotated.",
            "SSL verification: enabled.",
            "Which events: Just the push event. Active: checked. Add webhook.",
            "GitHub sends a ping first; hookd answers it with 200 'ignored'."};
  case git_provider::gitlab:
    return {"Open " + repo + " on GitLab, then Settings > Webhooks > Add new webhook.",
            "URL: " + url,
            "Secret token: the secret hookd showed when the source was created or its secret "
            "was last rotated (sent as X-Gitlab-Token).",
            "Optional: copy the webhook's signing token (whsec_...) into the source's "
            "signing_secret; hookd then also checks the webhook-signature header.",
            "Trigger: Push events (all branches; hookd filters them) and Tag push events.",
            "Enable SSL verification, then Add webhook."};
  case git_provider::bitbucket:
    break;
  }
  return {"Open " + repo + " on Bitbucket, then Repository settings > Webhooks > Add webhook.",
          "Title: hookd. URL: " + url,
          "Secret: the secret hookd showed when the source was created or its secret was last "
          "rotated (Bitbucket then signs with X-Hub-Signature).",
          "Status: Active. Triggers: Repository > Push. Save."};
}

// The JSON of a push payload: the body itself, or GitHub's form encoding (`payload=<json>`).
std::optional<std::string> push_json(const request& req) {
  auto ct = req[bh::field::content_type];
  if (!ct.starts_with("application/x-www-form-urlencoded"))
    return std::string{req.body()};
  std::string_view body = req.body();
  while (!body.empty()) {
    auto amp = body.find('&');
    auto pair = body.substr(0, amp);
    if (pair.starts_with("payload="))
      return percent_decode(pair.substr(8));
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
  }
  return std::nullopt;
}

// A stand-in for an unknown source: its signature check costs the same as a real one, so
// the answer's timing does not tell unknown ids from wrong signatures.
const source& decoy_source(git_provider provider) {
  static const auto make = [](git_provider p) {
    source s;
    s.provider = p;
    s.secret = make_source_secret();
    return s;
  };
  static const source decoys[] = {make(git_provider::github), make(git_provider::gitlab),
                                  make(git_provider::bitbucket)};
  return decoys[static_cast<std::size_t>(provider)];
}

} // namespace

void api::create_source(const std::shared_ptr<call>& c) {
  if (!require_tenant_scope(c, scope::manage, "creating sources") || !require_json(c))
    return;
  auto now = time_.now_ms();
  auto parsed = parse_source_create(c->req.body(), c->who->tenant, ids_, now);
  if (parsed.failure)
    return c->fail(*parsed.failure);
  auto id = parsed.value->id;
  auto details = source_audit_details(*parsed.value);
  auto change =
      audited_change(c, now, c->who->tenant, "source.created", std::move(id), std::move(details),
                     config_change::create_source{std::move(*parsed.value)});
  send_config(c, std::move(change), [c](const config_outcome& out) {
    answer_source_change(c, out, bh::status::created, true);
  });
}

void api::list_sources(const std::shared_ptr<call>& c) {
  if (!require_tenant_scope(c, scope::read, "reading sources"))
    return;
  answer_listing(
      c,
      [&](std::string_view after, std::size_t n) {
        return storage::config_reader{node_.db()}.list_sources(c->who->tenant, after, n);
      },
      [](json_writer& w, const source& s) { write_source(w, s, false); });
}

namespace {

// The caller's source `id`; nullopt after answering 404 (or the storage error).
template <class Call>
std::optional<source> load_source(const Call& c, const storage::database& db, std::string_view id) {
  return found_or_404(c, storage::config_reader{db}.get_source(c->who->tenant, id), "source", id);
}

} // namespace

void api::get_source(const std::shared_ptr<call>& c, std::string_view id) {
  if (!require_tenant_scope(c, scope::read, "reading sources"))
    return;
  auto s = load_source(c, node_.db(), id);
  if (!s)
    return;
  json_writer w;
  write_source(w, *s, false);
  c->json(bh::status::ok, w.take());
}

void api::change_source(const std::shared_ptr<call>& c, std::string_view id,
                        std::string_view action, bool with_secret,
                        const std::function<parse_result<source>(const source&, int64_t)>& parse) {
  auto current = load_source(c, node_.db(), id);
  if (!current)
    return;
  update_object(
      c, *current, id, action, parse, source_audit_details,
      [](source v, int64_t based_on) {
        return config_change::update_source{std::move(v), based_on};
      },
      [with_secret](const auto& call, const config_outcome& out) {
        answer_source_change(call, out, bh::status::ok, with_secret);
      });
}

void api::patch_source(const std::shared_ptr<call>& c, std::string_view id) {
  if (!require_tenant_scope(c, scope::manage, "changing sources") || !require_json(c))
    return;
  change_source(c, id, "source.updated", false, [c](const source& current, int64_t now) {
    return parse_source_patch(c->req.body(), current, now);
  });
}

void api::rotate_source_secret(const std::shared_ptr<call>& c, std::string_view id) {
  if (!require_tenant_scope(c, scope::manage, "rotating source secrets"))
    return;
  if (!c->req.body().empty() && !require_json(c))
    return;
  change_source(c, id, "source.secret_rotated", true, [c](const source& current, int64_t now) {
    return parse_source_rotation(c->req.body(), current, now);
  });
}

void api::delete_source(const std::shared_ptr<call>& c, std::string_view id) {
  if (!require_tenant_scope(c, scope::manage, "deleting sources"))
    return;
  auto change = audited_change(c, time_.now_ms(), c->who->tenant, "source.deleted", std::string{id},
                               "{}", config_change::delete_source{c->who->tenant, std::string{id}});
  send_config(c, std::move(change), [c](const config_outcome& out) {
    if (out.error.code == ec::not_found)
      return c->fail(not_found(out.error.detail));
    if (out.error)
      return c->fail(make_problem(500, "internal", "Internal error", out.error.detail));
    reply_no_content(c);
  });
}

void api::source_webhook_url(const std::shared_ptr<call>& c, std::string_view id) {
  if (!require_tenant_scope(c, scope::read, "reading sources"))
    return;
  auto s = load_source(c, node_.db(), id);
  if (!s)
    return;
  auto base = cfg_.public_url;
  if (base.empty())
    base = "http://" + std::string{c->req[bh::field::host]};
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  auto url = base + hook_path(*s);
  json_writer w;
  w.begin_object();
  w.key("url").value(url);
  w.key("provider").value(to_string(s->provider));
  w.key("content_type").value("application/json");
  w.key("events").begin_array();
  w.value(s->provider == git_provider::bitbucket ? "repo:push" : "push");
  w.end_array();
  w.key("instructions").begin_array();
  for (const auto& step : setup_steps(*s, url))
    w.value(step);
  w.end_array();
  w.end_object();
  c->json(bh::status::ok, w.take());
}

void api::receive_git_hook(const std::shared_ptr<call>& c, std::string_view provider_name,
                           std::string_view source_id) {
  auto provider = parse_git_provider(provider_name);
  if (!provider)
    return c->fail(not_found("no git provider '" + std::string{provider_name} +
                             "' (github, gitlab, bitbucket)"));
  if (shutting_down_)
    return c->fail(shutting_down("webhooks are not accepted during shutdown"));
  auto found = storage::config_reader{node_.db()}.find_source(source_id);
  if (!found)
    return c->fail(problem_from(to_caf_error(found.error())));
  bool known = *found && (*found)->provider == *provider;
  const auto& src = known ? **found : decoy_source(*provider);
  // Headers, then the signature, checked the same way whether the source exists or not.
  const auto& names = header_names(*provider);
  git_hook_headers h;
  h.event = c->req[names.event];
  for (auto name : names.delivery)
    if (h.delivery = c->req[name]; !h.delivery.empty())
      break;
  if (!names.signature.empty())
    h.signature = c->req[names.signature];
  if (!names.token.empty())
    h.token = c->req[names.token];
  h.webhook_id = c->req["webhook-id"];
  h.webhook_timestamp = c->req["webhook-timestamp"];
  h.webhook_signature = c->req["webhook-signature"];
  auto auth = verify_git_hook(src, h, c->req.body(), time_.now_ms());
  if (!known)
    return c->fail(
        not_found("no " + std::string{provider_name} + " source '" + std::string{source_id} + "'"));
  if (auth != git_auth::ok) {
    auto header = std::string{names.signature.empty() ? names.token : names.signature};
    return c->fail(make_problem(401, "invalid-signature", "The webhook's signature does not verify",
                                auth == git_auth::missing
                                    ? "the request carries no " + header
                                    : "the " + header + " does not match the source's secret",
                                header));
  }
  auto json = push_json(c->req);
  if (!json)
    return c->fail(make_problem(400, "invalid-body", "The form body has no payload",
                                "a form-encoded push must carry its JSON in 'payload'", "payload"));
  auto content = parse_git_hook(*provider, h.event, *json);
  auto ignored = [&](const std::string& reason) {
    json_writer w;
    w.begin_object().key("status").value("ignored").key("reason").value(reason).end_object();
    c->json(bh::status::ok, w.take());
  };
  if (content.failure)
    return c->fail(*content.failure);
  if (content.pushes.empty())
    return ignored(content.ignored);
  std::string delivery{h.delivery};
  if (delivery.empty()) // No id from the host: the same bytes are the same delivery.
    delivery = to_hex(sha256(c->req.body()));
  auto req = std::make_shared<append_request>();
  req->tenant = src.tenant;
  std::string reasons;
  for (std::size_t i = 0; i < content.pushes.size(); ++i) {
    const auto& push = content.pushes[i];
    if (auto why = source_rejects(src, push)) {
      reasons += (reasons.empty() ? "" : "; ") + *why;
      continue;
    }
    event_draft d;
    d.id = git_event_id(src.id, delivery, i);
    d.client_id = true;
    d.type = std::string{git_push_event_type};
    d.occurred_at_ms = push.head_time_ms;
    d.labels = src.labels;
    d.data = git_push_data(push, delivery, src.id);
    compute_fingerprint(d);
    req->body.events.push_back(std::move(d));
  }
  if (req->body.events.empty())
    return ignored(reasons);
  req->body.batch = req->body.events.size() > 1;
  submit_append(c, std::move(req), [c](const append_outcome& out) {
    using st = append_outcome::status;
    // A redelivery is stored once: the same id with the same content is a replay; with other
    // content (the source's labels changed since) it is still the same delivery.
    bool duplicate = out.result == st::replayed || out.result == st::id_conflict;
    json_writer w;
    w.begin_object().key("status").value(duplicate ? "duplicate" : "accepted");
    w.key("events").begin_array();
    for (const auto& e : out.events)
      w.begin_object().key("id").value(e.id).key("seq").value(e.seq).end_object();
    w.end_array().end_object();
    c->json(duplicate ? bh::status::ok : bh::status::accepted, w.take());
  });
}

} // namespace hookd::http
