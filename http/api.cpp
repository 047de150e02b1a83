#include "http/api.hpp"

#include "actors/logging.hpp"
#include "domain/defaults.hpp"
#include "domain/event_type.hpp"
#include "domain/ingest_request.hpp"
#include "domain/json_writer.hpp"
#include "domain/timestamp.hpp"
#include "domain/webhook.hpp"
#include "http/actor_bridge.hpp"
#include "http/api_support.hpp"
#include "http/query.hpp"
#include "storage/config_reader.hpp"
#include "storage/delivery_reader.hpp"
#include "storage/log_reader.hpp"

#include <caf/sec.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace hookd::http {

using namespace detail;

namespace {

// Cursors are opaque to clients: "c" followed by the next sequence number.
std::string make_cursor(uint64_t next_seq) {
  return "c" + std::to_string(next_seq);
}

std::optional<uint64_t> parse_cursor(std::string_view c) {
  if (c.size() < 2 || c[0] != 'c')
    return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(c.data() + 1, c.data() + c.size(), v);
  if (ec != std::errc{} || end != c.data() + c.size())
    return std::nullopt;
  return v;
}

// Reads the `cursor` parameter into `out` when present; answers 400 and returns false when it
// is not one this API made.
template <class Call> bool read_cursor(const Call& c, uint64_t& out) {
  auto cur = c->tgt.param("cursor");
  if (!cur)
    return true;
  auto n = parse_cursor(*cur);
  if (!n || *n == 0) {
    c->fail(bad_parameter("cursor", "'cursor' is not a cursor this API returned"));
    return false;
  }
  out = *n;
  return true;
}

void write_event(json_writer& w, const event& e) {
  w.begin_object();
  write_event_fields(w, e);
  w.end_object();
}

void write_tenant(json_writer& w, const tenant& t) {
  w.begin_object();
  w.key("id").value(t.id);
  w.key("name").value(t.name);
  w.key("created_at").value(format_rfc3339(t.created_at_ms));
  w.key("application_deliveries_per_minute");
  if (t.application_deliveries_per_minute > 0)
    w.value(static_cast<uint64_t>(t.application_deliveries_per_minute));
  else
    w.null();
  w.key("retention_days");
  if (t.retention_days > 0)
    w.value(static_cast<uint64_t>(t.retention_days));
  else
    w.null();
  w.end_object();
}

void write_api_key(json_writer& w, const api_key& k, const std::string* token) {
  w.begin_object();
  w.key("id").value(k.id);
  w.key("tenant").value(k.tenant);
  w.key("name").value(k.name);
  w.key("scopes").begin_array();
  for (auto s : scope_names(k.scopes))
    w.value(s);
  w.end_array();
  w.key("created_at").value(format_rfc3339(k.created_at_ms));
  w.key("created_by").value(k.created_by);
  if (k.revoked_at_ms)
    w.key("revoked_at").value(format_rfc3339(*k.revoked_at_ms));
  else
    w.key("revoked_at").null();
  if (token != nullptr)
    w.key("key").value(*token);
  w.end_object();
}

void write_retry(json_writer& w, const retry_policy& r) {
  w.begin_object();
  switch (r.form()) {
  case retry_policy::kind::standard:
    w.key("schedule").value("standard");
    break;
  case retry_policy::kind::short_schedule:
    w.key("schedule").value("short");
    break;
  case retry_policy::kind::exponential:
    w.key("attempts").value(static_cast<uint64_t>(r.delays().size()));
    w.key("base_seconds").value(static_cast<int64_t>(r.base().count()));
    w.key("max_seconds").value(static_cast<int64_t>(r.cap().count()));
    break;
  }
  w.end_object();
}

// A webhook as the API shows it; the secret only when `with_secret` (create).
void write_webhook(json_writer& w, const webhook& h, bool with_secret) {
  w.begin_object();
  w.key("id").value(h.id);
  w.key("tenant").value(h.tenant);
  w.key("name").value(h.name);
  w.key("description").value(h.description);
  w.key("url").value(h.url);
  w.key("enabled").value(h.enabled);
  if (h.disabled_reason.empty())
    w.key("disabled_reason").null();
  else
    w.key("disabled_reason").value(h.disabled_reason);
  w.key("events").begin_array();
  for (const auto& e : h.events)
    w.value(e);
  w.end_array();
  w.key("label_filter");
  write_labels(w, h.label_filter);
  w.key("headers").begin_object();
  for (const auto& hd : h.headers)
    w.key(hd.name).value(hd.value);
  w.end_object();
  w.key("timeout_seconds").value(static_cast<uint64_t>(h.timeout_seconds));
  w.key("retry");
  write_retry(w, h.retry);
  w.key("max_in_flight").value(static_cast<uint64_t>(h.max_in_flight));
  w.key("rate_limit_per_second");
  if (h.rate_limit_per_second > 0)
    w.value(static_cast<uint64_t>(h.rate_limit_per_second));
  else
    w.null();
  w.key("ordering").value(h.ordering == delivery_ordering::fifo ? "fifo" : "none");
  w.key("template").value(to_string(h.body_template));
  w.key("custom_template");
  if (h.body_template == template_kind::custom)
    w.value(h.custom_template);
  else
    w.null();
  w.key("signature").value(to_string(h.signature.kind));
  w.key("signature_header");
  if (h.signature.kind == signature_kind::sha256_prefixed)
    w.value(h.signature.header);
  else
    w.null();
  w.key("created_at").value(format_rfc3339(h.created_at_ms));
  w.key("updated_at").value(format_rfc3339(h.updated_at_ms));
  // Rotated-out secrets still signing (never the secrets themselves).
  w.key("previous_keys").begin_array();
  for (const auto& p : h.previous_secrets)
    w.begin_object().key("expires_at").value(format_rfc3339(p.expires_at_ms)).end_object();
  w.end_array();
  if (with_secret)
    w.key("secret").value(h.secret);
  w.end_object();
}

// The audit details of a webhook change: what changed, never the secret.
std::string webhook_audit_details(const webhook& h) {
  json_writer w;
  w.begin_object().key("name").value(h.name).key("url").value(h.url);
  w.key("enabled").value(h.enabled);
  w.key("previous_keys").value(static_cast<uint64_t>(h.previous_secrets.size()));
  w.end_object();
  return w.take();
}

} // namespace

// -- construction
// ----------------------------------------------------------------------------------

api::api(caf::actor_system& sys, node& n, const clock& time, authenticator& auth, api_config cfg)
    : sys_(sys), node_(n), time_(time), auth_(auth), cfg_(cfg),
      ingest_limits_(cfg.ingest_rate, cfg.ingest_burst) {
  if (cfg_.max_queued_events == 0)
    cfg_.max_queued_events = defaults::max_queued_events;
  bridge_ = sys_.spawn(actor_bridge, node_.writer(), node_.router(), node_.retention(),
                       cfg_.writer_timeout, deadlines_);
}

api::~api() {
  begin_shutdown();
  caf::anon_send_exit(bridge_, caf::exit_reason::user_shutdown);
}

void api::begin_shutdown() {
  std::thread running;
  {
    std::lock_guard guard{checkpoint_mtx_};
    shutting_down_ = true;
    running = std::move(checkpoint_thread_);
  }
  if (running.joinable())
    running.join();
}

response api::problem_response(const problem& p, std::string_view request_id, unsigned version,
                               bool keep_alive) {
  response res{static_cast<bh::status>(p.status), version};
  res.set(bh::field::content_type, "application/problem+json");
  if (p.retry_after_seconds)
    res.set(bh::field::retry_after, std::to_string(*p.retry_after_seconds));
  res.keep_alive(keep_alive);
  res.body() = render_problem(p, request_id);
  res.prepare_payload();
  return res;
}

// -- routing
// ---------------------------------------------------------------------------------------

void api::handle(request req, responder respond, const connection_runner* on_connection) {
  auto c = std::make_shared<call>();
  c->req = std::move(req);
  c->respond = std::move(respond);
  c->on_connection = on_connection;
  auto rid = c->req["X-Request-Id"];
  c->request_id = is_valid_request_id(rid) ? std::string{rid} : ids_.next("req_", time_.now_ms());
  c->tgt = parse_target(c->req.target());
  if (!c->tgt.ok) {
    c->fail(make_problem(400, "bad-request", "The request target is malformed",
                         "a percent-escape in the path or query is malformed", "target"));
    return;
  }
  route(c);
}

void api::route(const std::shared_ptr<call>& c) {
  auto segs = path_segments(c->tgt.path);
  auto method = c->req.method();
  auto allow = [&](std::string_view methods) {
    auto p = make_problem(405, "method-not-allowed", "Method not allowed",
                          "this route accepts " + std::string{methods});
    auto res = problem_response(p, c->request_id, c->req.version(), c->req.keep_alive());
    res.set(bh::field::allow, methods);
    c->reply(std::move(res));
  };
  // Public routes.
  if (segs.size() == 1 && segs[0] == "healthz") {
    if (method != bh::verb::get)
      return allow("GET");
    return c->json(bh::status::ok, R"({"status":"ok"})");
  }
  if (segs.size() == 1 && segs[0] == "readyz") {
    if (method != bh::verb::get)
      return allow("GET");
    return readiness(c);
  }
  // Inbound git webhooks: public, proven by the source's secret instead of a key.
  if (segs.size() == 3 && segs[0] == "hooks") {
    if (method != bh::verb::post)
      return allow("POST");
    return receive_git_hook(c, segs[1], segs[2]);
  }
  bool metrics_route = segs.size() == 1 && segs[0] == "metrics";
  if (!metrics_route && (segs.empty() || segs[0] != "v1"))
    return c->fail(not_found("no route for " + c->tgt.path));
  // Everything under /v1, and /metrics, needs a key.
  c->who = auth_.authenticate(c->req[bh::field::authorization]);
  if (!c->who) {
    auto p = make_problem(401, "unauthorized", "Authentication required",
                          "send a valid key as 'Authorization: Bearer <key>'", "Authorization");
    auto res = problem_response(p, c->request_id, c->req.version(), c->req.keep_alive());
    res.set(bh::field::www_authenticate, R"(Bearer realm="hookd")");
    return c->reply(std::move(res));
  }
  if (metrics_route) {
    if (method != bh::verb::get)
      return allow("GET");
    if (!c->who->admin)
      return c->fail(forbidden("/metrics shows every tenant; it needs the admin token"));
    return metrics_page(c);
  }
  // The route table: resource, path depth (2: /v1/x, 3: /v1/x/{id}), method, handler. The
  // order of a resource's methods is the order `Allow` lists them in.
  using handler = void (*)(api&, const std::shared_ptr<call>&, std::string_view);
  struct route {
    std::string_view resource;
    std::size_t depth;
    bh::verb method;
    handler run;
    /// The last segment when it is fixed: /v1/x/{id}/action (depth 4) or /v1/x/action (3).
    std::string_view action = {};
    /// True when the third segment is an id (/v1/x/{id}, /v1/x/{id}/action).
    bool takes_id() const { return depth == 4 || (depth == 3 && action.empty()); }
  };
  static const route routes[] = {
      {"tenants", 2, bh::verb::get, [](api& a, auto& c, auto) { a.list_tenants(c); }},
      {"tenants", 2, bh::verb::post, [](api& a, auto& c, auto) { a.create_tenant(c); }},
      {"tenants", 3, bh::verb::get, [](api& a, auto& c, auto id) { a.get_tenant(c, id); }},
      {"tenants", 3, bh::verb::patch, [](api& a, auto& c, auto id) { a.patch_tenant(c, id); }},
      {"api-keys", 2, bh::verb::get, [](api& a, auto& c, auto) { a.list_api_keys(c); }},
      {"api-keys", 2, bh::verb::post, [](api& a, auto& c, auto) { a.create_api_key(c); }},
      {"api-keys", 3, bh::verb::delete_, [](api& a, auto& c, auto id) { a.revoke_api_key(c, id); }},
      {"events", 2, bh::verb::get, [](api& a, auto& c, auto) { a.list_events(c); }},
      {"events", 2, bh::verb::post, [](api& a, auto& c, auto) { a.ingest(c); }},
      {"events", 3, bh::verb::get, [](api& a, auto& c, auto id) { a.get_event(c, id); }},
      {"webhooks", 2, bh::verb::get, [](api& a, auto& c, auto) { a.list_webhooks(c); }},
      {"webhooks", 2, bh::verb::post, [](api& a, auto& c, auto) { a.create_webhook(c); }},
      {"webhooks", 3, bh::verb::get, [](api& a, auto& c, auto id) { a.get_webhook(c, id); }},
      {"webhooks", 3, bh::verb::patch, [](api& a, auto& c, auto id) { a.patch_webhook(c, id); }},
      {"webhooks", 3, bh::verb::delete_, [](api& a, auto& c, auto id) { a.delete_webhook(c, id); }},
      {"sources", 2, bh::verb::get, [](api& a, auto& c, auto) { a.list_sources(c); }},
      {"sources", 2, bh::verb::post, [](api& a, auto& c, auto) { a.create_source(c); }},
      {"sources", 3, bh::verb::get, [](api& a, auto& c, auto id) { a.get_source(c, id); }},
      {"sources", 3, bh::verb::patch, [](api& a, auto& c, auto id) { a.patch_source(c, id); }},
      {"sources", 3, bh::verb::delete_, [](api& a, auto& c, auto id) { a.delete_source(c, id); }},
      {"sources", 4, bh::verb::post,
       [](api& a, auto& c, auto id) { a.rotate_source_secret(c, id); }, "rotate-secret"},
      {"sources", 4, bh::verb::get, [](api& a, auto& c, auto id) { a.source_webhook_url(c, id); },
       "webhook-url"},
      {"event-types", 2, bh::verb::get, [](api& a, auto& c, auto) { a.list_event_types(c); }},
      {"audit", 2, bh::verb::get, [](api& a, auto& c, auto) { a.list_audit(c); }},
      {"queue", 3, bh::verb::get, [](api& a, auto& c, auto) { a.queue_stats(c); }, "stats"},
      {"queue", 3, bh::verb::post, [](api& a, auto& c, auto) { a.retry_failed(c); },
       "retry-failed"},
      {"admin", 3, bh::verb::post, [](api& a, auto& c, auto) { a.create_checkpoint(c); },
       "checkpoints"},
      {"admin", 3, bh::verb::post, [](api& a, auto& c, auto) { a.run_retention(c); }, "retention"},
      {"webhooks", 4, bh::verb::get, [](api& a, auto& c, auto id) { a.list_deliveries(c, id); },
       "deliveries"},
      {"webhooks", 4, bh::verb::get, [](api& a, auto& c, auto id) { a.get_webhook_stats(c, id); },
       "stats"},
      {"webhooks", 4, bh::verb::post, [](api& a, auto& c, auto id) { a.test_webhook(c, id); },
       "test"},
      {"webhooks", 4, bh::verb::post, [](api& a, auto& c, auto id) { a.rotate_secret(c, id); },
       "rotate-secret"},
      {"webhooks", 4, bh::verb::post, [](api& a, auto& c, auto id) { a.preview_webhook(c, id); },
       "preview"},
      {"templates", 3, bh::verb::post, [](api& a, auto& c, auto) { a.preview_template(c); },
       "preview"},
      {"events", 4, bh::verb::get, [](api& a, auto& c, auto id) { a.event_deliveries(c, id); },
       "deliveries"},
      {"events", 4, bh::verb::post, [](api& a, auto& c, auto id) { a.resend_event(c, id); },
       "resend"},
      {"webhooks", 4, bh::verb::post, [](api& a, auto& c, auto id) { a.replay_webhook(c, id); },
       "replay"},
      {"jobs", 2, bh::verb::get, [](api& a, auto& c, auto) { a.list_jobs(c); }},
      {"jobs", 3, bh::verb::get, [](api& a, auto& c, auto id) { a.get_job(c, id); }},
      {"jobs", 3, bh::verb::delete_, [](api& a, auto& c, auto id) { a.cancel_job(c, id); }},
  };
  std::string allowed;
  for (const auto& r : routes) {
    // An action names the last segment: /v1/x/{id}/action, or /v1/x/action.
    if (segs.size() != r.depth || segs[1] != r.resource ||
        (!r.action.empty() && segs[r.depth - 1] != r.action))
      continue;
    if (r.method == method)
      return r.run(*this, c, r.takes_id() ? segs[2] : std::string_view{});
    allowed += (allowed.empty() ? "" : ", ") + std::string{bh::to_string(r.method)};
  }
  if (!allowed.empty())
    return allow(allowed);
  c->fail(not_found("no route for " + c->tgt.path));
}

// -- shared steps
// ----------------------------------------------------------------------------------

namespace {} // namespace

void api::send_config(const std::shared_ptr<call>& c, config_change_ptr change,
                      std::function<void(const config_outcome&)> on_success) {
  if (shutting_down_)
    return c->fail(shutting_down("configuration changes are not accepted during shutdown"));
  auto callback = std::make_shared<std::function<void(caf::expected<config_outcome_ptr>)>>(
      [c, on_success = std::move(on_success)](caf::expected<config_outcome_ptr> result) {
        if (!result)
          return c->fail(problem_from(result.error()));
        on_success(**result);
      });
  caf::anon_send(bridge_, atom::configure_v, std::move(change), std::move(callback));
}

// -- tenants
// ---------------------------------------------------------------------------------------

void api::create_tenant(const std::shared_ptr<call>& c) {
  if (!c->who->admin)
    return c->fail(forbidden("only the admin key creates tenants"));
  if (!require_json(c))
    return;
  auto now = time_.now_ms();
  auto parsed = parse_tenant_create(c->req.body(), ids_, now);
  if (parsed.failure)
    return c->fail(*parsed.failure);
  auto t = std::move(*parsed.value);
  t.created_at_ms = now;
  json_writer details;
  details.begin_object().key("name").value(t.name).end_object();
  auto change = audited_change(c, now, t.id, "tenant.created", t.id, details.take(),
                               config_change::create_tenant{t});
  send_config(c, std::move(change), [c, t](const config_outcome& out) {
    if (out.error.code == ec::conflict)
      return c->fail(make_problem(409, "tenant-exists", "The tenant exists",
                                  "a tenant with id '" + t.id + "' exists", "/id"));
    if (out.error)
      return c->fail(make_problem(500, "internal", "Internal error", out.error.detail));
    json_writer w;
    write_tenant(w, t);
    c->json(bh::status::created, w.take());
  });
}

void api::list_tenants(const std::shared_ptr<call>& c) {
  if (!c->who->admin)
    return c->fail(forbidden("only the admin key lists tenants"));
  answer_listing(
      c,
      [&](std::string_view after, std::size_t n) {
        return storage::config_reader{node_.db()}.list_tenants(after, n);
      },
      write_tenant);
}

void api::get_tenant(const std::shared_ptr<call>& c, std::string_view id) {
  if (!c->who->admin && c->who->tenant != id)
    return c->fail(not_found("no tenant '" + std::string{id} + "'"));
  auto t = found_or_404(c, storage::config_reader{node_.db()}.get_tenant(id), "tenant", id);
  if (!t)
    return;
  json_writer w;
  write_tenant(w, *t);
  c->json(bh::status::ok, w.take());
}

void api::patch_tenant(const std::shared_ptr<call>& c, std::string_view id) {
  if (!c->who->admin && c->who->tenant != id)
    return c->fail(not_found("no tenant '" + std::string{id} + "'"));
  if (!c->who->admin)
    return c->fail(forbidden("only the admin key changes a tenant's settings"));
  if (!require_json(c))
    return;
  auto parsed = parse_tenant_patch(c->req.body());
  if (parsed.failure)
    return c->fail(*parsed.failure);
  const auto& patch = *parsed.value;
  json_writer details;
  details.begin_object();
  if (patch.name)
    details.key("name").value(*patch.name);
  if (patch.application_deliveries_per_minute)
    details.key("application_deliveries_per_minute")
        .value(static_cast<uint64_t>(*patch.application_deliveries_per_minute));
  if (patch.retention_days)
    details.key("retention_days").value(static_cast<uint64_t>(*patch.retention_days));
  details.end_object();
  auto tenant_id = std::string{id};
  auto change = audited_change(c, time_.now_ms(), tenant_id, "tenant.updated", tenant_id,
                               details.take(), config_change::update_tenant{tenant_id, patch});
  send_config(c, std::move(change), [c, tenant_id](const config_outcome& out) {
    if (out.error.code == ec::not_found)
      return c->fail(not_found("no tenant '" + tenant_id + "'"));
    if (out.error || !out.changed_tenant)
      return c->fail(make_problem(500, "internal", "Internal error", out.error.detail));
    json_writer w;
    write_tenant(w, *out.changed_tenant);
    c->json(bh::status::ok, w.take());
  });
}

// -- API keys
// --------------------------------------------------------------------------------------

void api::create_api_key(const std::shared_ptr<call>& c) {
  if (!c->who->can(scope::manage))
    return c->fail(forbidden("creating keys needs the 'manage' scope"));
  if (!require_json(c))
    return;
  auto parsed = parse_api_key_create(c->req.body());
  if (parsed.failure)
    return c->fail(*parsed.failure);
  auto req = std::move(*parsed.value);
  if (c->who->admin) {
    if (req.tenant.empty())
      return c->fail(validation_problem(
          {{"/tenant", "required", "'tenant' is required with the admin key", {}}}));
  } else {
    if (req.tenant.empty())
      req.tenant = c->who->tenant;
    if (req.tenant != c->who->tenant)
      return c->fail(not_found("no tenant '" + req.tenant + "'"));
    if ((req.scopes & ~c->who->scopes) != 0)
      return c->fail(forbidden("a key cannot grant scopes it does not have"));
  }
  auto now = time_.now_ms();
  auto minted = mint_api_key(req.tenant, req.scopes, req.name, c->who->key_id, ids_, now);
  json_writer details;
  details.begin_object().key("scopes").begin_array();
  for (auto s : scope_names(req.scopes))
    details.value(s);
  details.end_array().key("name").value(req.name).end_object();
  auto change = audited_change(c, now, req.tenant, "api_key.created", minted.record.id,
                               details.take(), config_change::create_api_key{minted.record});
  send_config(c, std::move(change), [this, c, minted](const config_outcome& out) {
    if (out.error.code == ec::not_found)
      return c->fail(validation_problem(
          {{"/tenant", "not_found", "tenant '" + minted.record.tenant + "' does not exist", {}}}));
    if (out.error)
      return c->fail(make_problem(500, "internal", "Internal error", out.error.detail));
    auth_.upsert(minted.record);
    json_writer w;
    write_api_key(w, minted.record, &minted.token);
    c->json(bh::status::created, w.take());
  });
}

void api::list_api_keys(const std::shared_ptr<call>& c) {
  if (!c->who->can(scope::manage))
    return c->fail(forbidden("listing keys needs the 'manage' scope"));
  std::optional<std::string_view> tenant;
  if (c->who->admin)
    tenant = c->tgt.param("tenant");
  else
    tenant = c->who->tenant;
  storage::config_reader reader{node_.db()};
  auto keys = reader.list_api_keys(tenant);
  if (!keys)
    return c->fail(problem_from(to_caf_error(keys.error())));
  json_writer w;
  w.begin_object().key("data").begin_array();
  for (const auto& k : *keys)
    write_api_key(w, k, nullptr);
  w.end_array().end_object();
  c->json(bh::status::ok, w.take());
}

void api::revoke_api_key(const std::shared_ptr<call>& c, std::string_view id) {
  if (!c->who->can(scope::manage))
    return c->fail(forbidden("revoking keys needs the 'manage' scope"));
  auto now = time_.now_ms();
  std::optional<std::string> tenant;
  if (!c->who->admin)
    tenant = c->who->tenant;
  auto change = audited_change(c, now, tenant.value_or(""), "api_key.revoked", std::string{id},
                               "{}", config_change::revoke_api_key{std::string{id}, tenant, now});
  send_config(c, std::move(change), [this, c, id = std::string{id}](const config_outcome& out) {
    if (out.error.code == ec::not_found || !out.key)
      return c->fail(not_found("no API key '" + id + "'"));
    if (out.error)
      return c->fail(make_problem(500, "internal", "Internal error", out.error.detail));
    auth_.upsert(*out.key);
    json_writer w;
    write_api_key(w, *out.key, nullptr);
    c->json(bh::status::ok, w.take());
  });
}

// -- events
// ----------------------------------------------------------------------------------------

void api::ingest(const std::shared_ptr<call>& c) {
  if (!require_tenant_scope(c, scope::ingest, "ingesting events"))
    return;
  if (!require_json(c))
    return;
  if (shutting_down_)
    return c->fail(shutting_down("events are not accepted during shutdown"));
  std::optional<std::string> idem;
  if (auto h = c->req.find("Idempotency-Key"); h != c->req.end()) {
    if (!is_valid_idempotency_key(h->value())) {
      auto p = make_problem(400, "invalid-header", "A header is invalid",
                            "'Idempotency-Key' must be 1 to 255 visible ASCII characters",
                            "Idempotency-Key");
      p.limit = defaults::max_idempotency_key_length;
      return c->fail(p);
    }
    idem = std::string{h->value()};
  }
  auto parsed = parse_ingest_request(c->req.body(), ids_, time_.now_ms());
  if (parsed.failure)
    return c->fail(*parsed.failure);
  auto count = parsed.value->events.size();
  // The key's rate limit, in events: refused requests cost nothing.
  if (auto d = ingest_limits_.take(c->who->key_id, static_cast<double>(count), time_.now_ms());
      !d.allowed) {
    auto p = make_problem(429, "rate-limited", "Too many events for this key",
                          "this key may ingest " + shortest(cfg_.ingest_rate) +
                              " events per second (bursts of " + shortest(cfg_.ingest_burst) +
                              "); retry after Retry-After");
    p.retry_after_seconds = static_cast<int>(std::max<int64_t>(1, (d.retry_after_ms + 999) / 1000));
    p.limit = static_cast<uint64_t>(cfg_.ingest_burst);
    return c->fail(p);
  }
  auto req = std::make_shared<append_request>();
  req->tenant = c->who->tenant;
  req->idempotency_key = std::move(idem);
  req->body = std::move(*parsed.value);
  submit_append(c, std::move(req), [c](const append_outcome& out) {
    using st = append_outcome::status;
    if (out.result == st::idempotency_conflict)
      return c->fail(make_problem(409, "idempotency-conflict",
                                  "The Idempotency-Key was used with a different body",
                                  "this Idempotency-Key was used within 24 h for a request "
                                  "with different content",
                                  "Idempotency-Key"));
    if (out.result == st::id_conflict) {
      std::vector<field_error> errors;
      for (auto i : out.conflicts)
        errors.push_back({out.batch ? "/events/" + std::to_string(i) + "/id" : "/id",
                          "conflict",
                          "an event with this id exists with different content",
                          {}});
      auto p = make_problem(409, "event-id-conflict", "An event id is already used",
                            errors.front().detail, errors.front().field);
      p.errors = std::move(errors);
      return c->fail(p);
    }
    json_writer w;
    auto write_one = [&](const appended_event& e, bool flag) {
      w.begin_object().key("id").value(e.id).key("seq").value(e.seq);
      if (flag)
        w.key("replayed").value(e.replayed);
      w.end_object();
    };
    if (out.batch) {
      w.begin_object().key("events").begin_array();
      for (const auto& e : out.events)
        write_one(e, true);
      w.end_array().end_object();
    } else {
      write_one(out.events.front(), false);
    }
    bool replayed = out.result == st::replayed;
    response res{replayed ? bh::status::ok : bh::status::accepted, c->req.version()};
    res.set(bh::field::content_type, "application/json");
    if (replayed)
      res.set("Idempotent-Replayed", "true");
    res.keep_alive(c->req.keep_alive());
    res.body() = w.take();
    res.prepare_payload();
    c->reply(std::move(res));
  });
}

void api::submit_append(const std::shared_ptr<call>& c, std::shared_ptr<append_request> req,
                        std::function<void(const append_outcome&)> on_done) {
  auto count = req->body.events.size();
  // Admission: never queue more than the writer can absorb; refuse before accepting.
  auto before = queued_events_->fetch_add(count);
  if (before + count > cfg_.max_queued_events) {
    queued_events_->fetch_sub(count);
    return c->fail(overloaded("the log writer has " + std::to_string(before) +
                              " events queued; retry after the Retry-After delay"));
  }
  // Straight to the writer, which runs the callback on its thread after the commit (no hop
  // through a CAF worker each way). The deadline answers 503 if the writer takes longer than
  // `writer_timeout`, or quits without answering; the late answer is then dropped.
  //
  // Exactly one of the writer's callback and the deadline calls `finish`, once. It moves the
  // call into work for the connection's thread, which builds the answer and frees the request
  // there: the writer, which runs the callbacks between one commit and the next, neither
  // renders answers nor frees what the HTTP thread allocated (a third of its time before).
  auto finish = std::make_shared<std::function<void(caf::expected<append_outcome_ptr>)>>(
      // `c` by init-capture: a plain capture of the const reference would make the member a
      // const shared_ptr, and the std::move below would silently copy it.
      // The request too: the writer drops its reference once it has staged the events, and
      // this one, released on the connection's thread, frees what the HTTP thread allocated.
      [queued = queued_events_, c = std::shared_ptr<call>{c}, request = req, count,
       on_done = std::move(on_done)](caf::expected<append_outcome_ptr> result) mutable {
        queued->fetch_sub(count);
        const call& conn = *c;
        conn.on_own_thread([c = std::move(c), request = std::move(request),
                            on_done = std::move(on_done), result = std::move(result)] {
          static_cast<void>(request);
          if (!result)
            return c->fail(problem_from(result.error()));
          on_done(**result);
        });
      });
  auto ticket = deadlines_->add(sys_.clock().now() + cfg_.writer_timeout,
                                [finish] { (*finish)(make_error(caf::sec::request_timeout)); });
  auto callback = std::make_shared<std::function<void(caf::expected<append_outcome_ptr>)>>(
      [deadlines = deadlines_, ticket, finish](caf::expected<append_outcome_ptr> result) {
        if (deadlines->claim(ticket))
          (*finish)(std::move(result));
      });
  caf::anon_send(node_.writer(), atom::append_v, std::move(req), std::move(callback));
}

void api::get_event(const std::shared_ptr<call>& c, std::string_view id) {
  if (!require_tenant_scope(c, scope::read, "reading events"))
    return;
  auto e = found_or_404(c, storage::log_reader{node_.db()}.find(c->who->tenant, id), "event", id);
  if (!e)
    return;
  json_writer w;
  write_event(w, *e);
  c->json(bh::status::ok, w.take());
}

void api::list_events(const std::shared_ptr<call>& c) {
  if (!require_tenant_scope(c, scope::read, "reading events"))
    return;
  problem err;
  auto limit = parse_limit(c->tgt, err);
  if (!limit)
    return c->fail(err);
  std::optional<event_type_pattern> pattern;
  if (auto t = c->tgt.param("type")) {
    pattern = event_type_pattern::parse(*t);
    if (!pattern)
      return c->fail(bad_parameter("type", "'type' must be an event type, 'prefix.*' or '*'"));
  }
  int64_t since = INT64_MIN;
  int64_t until = INT64_MAX;
  if (!parse_time_range(c, since, until))
    return;
  std::vector<label> label_filter;
  for (auto v : c->tgt.params_named("label")) {
    auto colon = v.find(':');
    if (colon == std::string_view::npos || !is_valid_label_key(v.substr(0, colon)))
      return c->fail(bad_parameter("label", "'label' must be key:value with a valid key"));
    label_filter.push_back({std::string{v.substr(0, colon)}, std::string{v.substr(colon + 1)}});
  }
  uint64_t from = 1;
  if (!read_cursor(c, from))
    return;
  storage::log_reader reader{node_.db()};
  if (since != INT64_MIN) {
    auto first = reader.first_seq_at_or_after(since);
    if (!first)
      return c->fail(problem_from(to_caf_error(first.error())));
    from = std::max(from, *first);
  }
  json_writer w;
  w.begin_object().key("data").begin_array();
  std::size_t found = 0;
  std::size_t scanned = 0;
  std::optional<uint64_t> next;
  expected<void> failure;
  auto scan = reader.scan_tenant(c->who->tenant, from, [&](const storage::tenant_event_ref& ref) {
    if (ref.received_at_ms > until)
      return false;
    if (found == *limit || scanned == defaults::max_scan_per_page) {
      next = ref.seq; // More may match: resume here.
      return false;
    }
    ++scanned;
    if (pattern && !pattern->matches(ref.type))
      return true;
    auto e = reader.get(ref.seq);
    if (!e || !*e) {
      failure = e ? make_error_info(ec::storage_corruption, "indexed event is missing") : e.error();
      return false;
    }
    for (const auto& want : label_filter) {
      auto have = find_label((*e)->labels, want.key);
      if (!have || *have != want.value)
        return true;
    }
    write_event(w, **e);
    ++found;
    return true;
  });
  if (!scan)
    return c->fail(problem_from(to_caf_error(scan.error())));
  if (!failure)
    return c->fail(problem_from(to_caf_error(failure.error())));
  w.end_array().key("next_cursor");
  if (next)
    w.value(make_cursor(*next));
  else
    w.null();
  w.end_object();
  c->json(bh::status::ok, w.take());
}

void api::list_event_types(const std::shared_ptr<call>& c) {
  if (!c->who->can(scope::read))
    return c->fail(forbidden("listing event types needs the 'read' scope"));
  std::optional<std::string_view> tenant;
  if (c->who->admin)
    tenant = c->tgt.param("tenant");
  else
    tenant = c->who->tenant;
  json_writer w;
  w.begin_object().key("data").begin_array();
  for (const auto& t : builtin_event_types()) {
    w.begin_object();
    w.key("type").value(t.type).key("group").value(t.group);
    w.key("description").value(t.description).key("builtin").value(true);
    w.end_object();
  }
  if (tenant) {
    storage::config_reader reader{node_.db()};
    auto used = reader.used_event_types(*tenant);
    if (!used)
      return c->fail(problem_from(to_caf_error(used.error())));
    for (const auto& t : *used) {
      if (is_builtin_event_type(t.type))
        continue;
      w.begin_object();
      w.key("type").value(t.type).key("group").value("custom");
      w.key("builtin").value(false);
      w.key("first_seen").value(format_rfc3339(t.first_seen_ms));
      w.end_object();
    }
  }
  w.end_array().end_object();
  c->json(bh::status::ok, w.take());
}

// -- webhooks
// --------------------------------------------------------------------------------------

namespace {

problem webhook_conflict(const error_info& err) {
  return make_problem(409, "webhook-conflict", "The webhook conflicts with another change",
                      err.detail, "/name");
}

// Answers a stored webhook change: 404, 409, or `status` with the webhook as stored (with its
// secret when `with_secret`).
template <class Call>
void answer_webhook_change(const Call& c, const config_outcome& out, bh::status status,
                           bool with_secret) {
  if (out.error.code == ec::not_found)
    return c->fail(not_found(out.error.detail));
  if (out.error.code == ec::conflict)
    return c->fail(webhook_conflict(out.error));
  if (out.error || !out.hook)
    return c->fail(make_problem(500, "internal", "Internal error", out.error.detail));
  json_writer w;
  write_webhook(w, *out.hook, with_secret);
  c->json(status, w.take());
}

} // namespace

void api::create_webhook(const std::shared_ptr<call>& c) {
  if (!require_tenant_scope(c, scope::manage, "creating webhooks") || !require_json(c))
    return;
  auto now = time_.now_ms();
  auto parsed = parse_webhook_create(c->req.body(), c->who->tenant, ids_, now, node_.policy());
  if (parsed.failure)
    return c->fail(*parsed.failure);
  auto id = parsed.value->id;
  auto details = webhook_audit_details(*parsed.value);
  auto change =
      audited_change(c, now, c->who->tenant, "webhook.created", std::move(id), std::move(details),
                     config_change::create_webhook{std::move(*parsed.value)});
  send_config(c, std::move(change), [c](const config_outcome& out) {
    answer_webhook_change(c, out, bh::status::created, true);
  });
}

void api::list_webhooks(const std::shared_ptr<call>& c) {
  if (!require_webhook_read(c))
    return;
  answer_listing(
      c,
      [&](std::string_view after, std::size_t n) {
        return storage::config_reader{node_.db()}.list_webhooks(c->who->tenant, after, n);
      },
      [](json_writer& w, const webhook& h) { write_webhook(w, h, false); });
}

std::optional<webhook> api::load_webhook(const std::shared_ptr<call>& c, std::string_view id) {
  return found_or_404(c, storage::config_reader{node_.db()}.get_webhook(c->who->tenant, id),
                      "webhook", id);
}

void api::get_webhook(const std::shared_ptr<call>& c, std::string_view id) {
  if (!require_webhook_read(c))
    return;
  auto h = load_webhook(c, id);
  if (!h)
    return;
  json_writer w;
  write_webhook(w, *h, false);
  c->json(bh::status::ok, w.take());
}

void api::patch_webhook(const std::shared_ptr<call>& c, std::string_view id) {
  if (!require_tenant_scope(c, scope::manage, "changing webhooks") || !require_json(c))
    return;
  change_webhook(c, id, "webhook.updated", false, [&](const webhook& current, int64_t now) {
    return parse_webhook_patch(c->req.body(), current, now, node_.policy());
  });
}

void api::rotate_secret(const std::shared_ptr<call>& c, std::string_view id) {
  if (!require_tenant_scope(c, scope::manage, "rotating secrets"))
    return;
  if (!c->req.body().empty() && !require_json(c))
    return;
  change_webhook(c, id, "webhook.secret_rotated", true, [&c](const webhook& current, int64_t now) {
    return parse_secret_rotation(c->req.body(), current, now);
  });
}

void api::change_webhook(
    const std::shared_ptr<call>& c, std::string_view id, std::string_view action, bool with_secret,
    const std::function<parse_result<webhook>(const webhook&, int64_t)>& parse) {
  auto current = load_webhook(c, id);
  if (!current)
    return;
  update_object(
      c, *current, id, action, parse, webhook_audit_details,
      [](webhook v, int64_t based_on) {
        return config_change::update_webhook{std::move(v), based_on};
      },
      [with_secret](const auto& call, const config_outcome& out) {
        answer_webhook_change(call, out, bh::status::ok, with_secret);
      });
}

void api::delete_webhook(const std::shared_ptr<call>& c, std::string_view id) {
  if (!require_tenant_scope(c, scope::manage, "deleting webhooks"))
    return;
  auto now = time_.now_ms();
  auto change = audited_change(c, now, c->who->tenant, "webhook.deleted", std::string{id}, "{}",
                               config_change::delete_webhook{c->who->tenant, std::string{id}});
  send_config(c, std::move(change), [c, id = std::string{id}](const config_outcome& out) {
    if (out.error.code == ec::not_found)
      return c->fail(not_found("no webhook '" + id + "'"));
    if (out.error)
      return c->fail(make_problem(500, "internal", "Internal error", out.error.detail));
    reply_no_content(c);
  });
}

// -- deliveries
// ------------------------------------------------------------------------------------

namespace {

void write_attempt(json_writer& w, const attempt_record& a) {
  w.begin_object();
  w.key("number").value(a.number);
  w.key("event_id").value(a.event_id);
  w.key("event_seq").value(a.event_seq);
  w.key("message_id").value(a.message_id);
  w.key("attempt").value(static_cast<uint64_t>(a.attempt));
  w.key("at").value(format_rfc3339(a.at_ms));
  w.key("duration_ms").value(static_cast<double>(a.duration_us) / 1000.0);
  w.key("status");
  if (a.status)
    w.value(*a.status);
  else
    w.null();
  w.key("error");
  if (a.error != transport_error::none)
    w.value(to_string(a.error));
  else
    w.null();
  w.key("result").value(to_string(a.result));
  w.key("next_attempt_at");
  if (a.result == attempt_result::retrying)
    w.value(format_rfc3339(a.next_at_ms));
  else
    w.null();
  w.key("response").value(a.response);
  w.key("test").value(a.test);
  w.key("note");
  if (a.note.empty())
    w.null();
  else
    w.value(a.note);
  w.end_object();
}

// Writes `{"count","avg","p50","p99"}` in milliseconds over `samples` (microseconds), or null.
void write_latency(json_writer& w, std::vector<int64_t> samples) {
  if (samples.empty()) {
    w.null();
    return;
  }
  std::sort(samples.begin(), samples.end());
  auto rank = [&](double q) {
    auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples.size())));
    return static_cast<double>(samples[std::clamp<std::size_t>(i, 1, samples.size()) - 1]) / 1000.0;
  };
  double sum = 0;
  for (auto x : samples)
    sum += static_cast<double>(x);
  w.begin_object();
  w.key("count").value(static_cast<uint64_t>(samples.size()));
  w.key("avg").value(sum / static_cast<double>(samples.size()) / 1000.0);
  w.key("p50").value(rank(0.50));
  w.key("p99").value(rank(0.99));
  w.end_object();
}

// The stats document, from the live actor or (for a disabled webhook) its snapshot.
std::string stats_json(const webhook& h, const webhook_stats& s, bool live) {
  const auto& n = s.counters;
  json_writer w;
  w.begin_object();
  w.key("webhook_id").value(h.id);
  w.key("enabled").value(h.enabled && s.enabled);
  w.key("live").value(live);
  w.key("delivered").value(n.delivered);
  w.key("failed").value(n.failed);
  w.key("dropped").value(n.dropped);
  w.key("pending").value(s.pending);
  w.key("retrying").value(s.retrying);
  w.key("in_flight").value(s.in_flight);
  w.key("replaying").value(s.replaying);
  w.key("jobs").value(s.jobs);
  w.key("backlog_from_seq");
  if (s.backlog_from != 0)
    w.value(s.backlog_from);
  else
    w.null();
  w.key("cursor").value(s.cursor);
  w.key("attempts").value(n.attempts);
  w.key("retries").value(n.retries);
  w.key("success_rate");
  if (n.delivered + n.failed > 0)
    w.value(static_cast<double>(n.delivered) / static_cast<double>(n.delivered + n.failed));
  else
    w.null();
  w.key("retry_rate");
  if (n.attempts > 0)
    w.value(static_cast<double>(n.retries) / static_cast<double>(n.attempts));
  else
    w.null();
  w.key("latency_ms");
  write_latency(w, s.recent_latencies_us);
  w.key("last_error");
  if (!s.last_error.empty())
    w.value(s.last_error);
  else
    w.null();
  w.key("failing_since");
  if (s.failing_since_ms != 0)
    w.value(format_rfc3339(s.failing_since_ms));
  else
    w.null();
  w.key("circuit").value(s.circuit_open ? "open" : "closed");
  w.key("application_limited").value(s.application_limited);
  w.key("consecutive_failures").value(static_cast<uint64_t>(s.consecutive_failures));
  w.key("disabled_reason");
  if (!h.enabled && !h.disabled_reason.empty())
    w.value(h.disabled_reason);
  else
    w.null();
  w.end_object();
  return w.take();
}

// A stored snapshot as stats (no live figures: the webhook has no actor).
webhook_stats stats_from_snapshot(const delivery_snapshot& snap) {
  webhook_stats s;
  s.counters = snap.counters;
  s.pending = snap.pending.size();
  s.retrying = static_cast<uint64_t>(std::count_if(snap.pending.begin(), snap.pending.end(),
                                                   [](const auto& p) { return p.attempts > 0; }));
  s.cursor = snap.cursor;
  s.circuit_open = snap.circuit_open;
  s.consecutive_failures = snap.consecutive_failures;
  s.failing_since_ms = snap.failing_since_ms;
  s.enabled = false;
  return s;
}

} // namespace

void api::list_deliveries(const std::shared_ptr<call>& c, std::string_view id) {
  if (!require_webhook_read(c))
    return;
  problem err;
  auto limit = parse_limit(c->tgt, err);
  if (!limit)
    return c->fail(err);
  std::optional<attempt_result> only;
  if (auto v = c->tgt.param("status")) {
    only = parse_attempt_result(*v);
    if (!only)
      return c->fail(
          bad_parameter("status", "'status' must be 'succeeded', 'retrying' or 'failed'"));
  }
  uint64_t before = 0;
  if (!read_cursor(c, before))
    return;
  auto h = load_webhook(c, id);
  if (!h)
    return;
  auto attempts = storage::delivery_reader{node_.db()}.list_attempts(id, before, *limit + 1, only);
  if (!attempts)
    return c->fail(problem_from(to_caf_error(attempts.error())));
  bool more = attempts->size() > *limit;
  if (more)
    attempts->resize(*limit);
  c->json(bh::status::ok, page_json(*attempts, more, write_attempt,
                                    [](const attempt_record& a) { return make_cursor(a.number); }));
}

void api::get_webhook_stats(const std::shared_ptr<call>& c, std::string_view id) {
  if (!require_webhook_read(c))
    return;
  auto h = load_webhook(c, id);
  if (!h)
    return;
  auto from_storage = [this, c, hook = *h] {
    auto snap = storage::delivery_reader{node_.db()}.snapshot(hook.id);
    if (!snap)
      return c->fail(problem_from(to_caf_error(snap.error())));
    auto s = *snap ? stats_from_snapshot(**snap) : webhook_stats{};
    c->json(bh::status::ok, stats_json(hook, s, false));
  };
  if (!h->enabled)
    return from_storage();
  auto callback = std::make_shared<std::function<void(caf::expected<webhook_stats_ptr>)>>(
      [c, hook = *h, from_storage](caf::expected<webhook_stats_ptr> result) {
        if (!result)
          return from_storage(); // Disabled or deleted meanwhile: what storage says.
        c->json(bh::status::ok, stats_json(hook, **result, true));
      });
  caf::anon_send(bridge_, atom::status_v, c->who->tenant, std::string{id}, std::move(callback));
}

void api::test_webhook(const std::shared_ptr<call>& c, std::string_view id) {
  if (!require_tenant_scope(c, scope::manage, "testing webhooks"))
    return;
  auto h = load_webhook(c, id);
  if (!h)
    return;
  auto disabled = [](std::string detail) {
    return make_problem(409, "webhook-disabled", "The webhook is disabled", std::move(detail),
                        "/enabled");
  };
  if (!h->enabled)
    return c->fail(disabled("enable the webhook (PATCH {\"enabled\":true}) before testing it"));
  auto callback = std::make_shared<std::function<void(caf::expected<test_result_ptr>)>>(
      [c, disabled](caf::expected<test_result_ptr> result) {
        if (!result) {
          if (from_caf_error(result.error()).code == ec::conflict)
            return c->fail(disabled(from_caf_error(result.error()).detail));
          return c->fail(problem_from(result.error()));
        }
        const auto& a = (*result)->attempt;
        json_writer w;
        w.begin_object();
        w.key("delivered").value(a.result == attempt_result::succeeded);
        w.key("detail");
        if ((*result)->detail.empty())
          w.null();
        else
          w.value((*result)->detail);
        w.key("attempt");
        write_attempt(w, a);
        w.end_object();
        c->json(bh::status::ok, w.take());
      });
  caf::anon_send(bridge_, atom::test_v, c->who->tenant, std::string{id}, std::move(callback));
}

void api::event_deliveries(const std::shared_ptr<call>& c, std::string_view id) {
  if (!require_tenant_scope(c, scope::read, "reading events"))
    return;
  auto e = found_or_404(c, storage::log_reader{node_.db()}.find(c->who->tenant, id), "event", id);
  if (!e)
    return;
  const auto& ev = *e;
  auto timeline = storage::delivery_reader{node_.db()}.timeline(ev);
  if (!timeline)
    return c->fail(problem_from(to_caf_error(timeline.error())));
  json_writer w;
  w.begin_object();
  w.key("event_id").value(ev.id);
  w.key("seq").value(ev.seq);
  w.key("data").begin_array();
  for (const auto& t : *timeline) {
    w.begin_object();
    w.key("webhook_id").value(t.hook.id);
    w.key("name").value(t.hook.name);
    w.key("enabled").value(t.hook.enabled);
    w.key("state").value(t.state);
    w.key("next_attempt_at");
    if (t.next_attempt_ms)
      w.value(format_rfc3339(*t.next_attempt_ms));
    else
      w.null();
    w.key("attempts").begin_array();
    for (const auto& a : t.attempts)
      write_attempt(w, a);
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.end_object();
  c->json(bh::status::ok, w.take());
}

// -- audit
// -----------------------------------------------------------------------------------------

void api::list_audit(const std::shared_ptr<call>& c) {
  // The admin sees every tenant's changes (or one, with ?tenant=); a tenant key with the
  // manage scope sees its own tenant's.
  std::optional<std::string> tenant;
  if (c->who->admin) {
    if (auto t = c->tgt.param("tenant"))
      tenant = std::string{*t};
  } else if (!require_tenant_scope(c, scope::manage, "reading the audit log")) {
    return;
  } else {
    tenant = c->who->tenant;
  }
  problem err;
  auto limit = parse_limit(c->tgt, err);
  if (!limit)
    return c->fail(err);
  int64_t since = INT64_MIN;
  int64_t until = INT64_MAX;
  if (!parse_time_range(c, since, until))
    return;
  uint64_t after = 0;
  if (!read_cursor(c, after))
    return;
  auto entries =
      storage::config_reader{node_.db()}.list_audit(since, until, after, *limit + 1, tenant);
  if (!entries)
    return c->fail(problem_from(to_caf_error(entries.error())));
  bool more = entries->size() > *limit;
  if (more)
    entries->resize(*limit);
  c->json(bh::status::ok, page_json(
                              *entries, more,
                              [](json_writer& w, const audit_entry& e) {
                                w.begin_object();
                                w.key("seq").value(e.seq);
                                w.key("at").value(format_rfc3339(e.at_ms));
                                w.key("actor").value(e.actor);
                                w.key("tenant").value(e.tenant);
                                w.key("action").value(e.action);
                                w.key("object_id").value(e.object_id);
                                w.key("details");
                                if (e.details.empty())
                                  w.null();
                                else
                                  w.raw(e.details);
                                w.end_object();
                              },
                              [](const audit_entry& e) { return make_cursor(e.seq); }));
}

void api::readiness(const std::shared_ptr<call>& c) {
  if (!node_.running() || shutting_down_)
    return c->fail(make_problem(503, "not-ready", "Not ready", "hookd is shutting down"));
  auto callback = std::make_shared<std::function<void(caf::expected<writer_status_ptr>)>>(
      [c](caf::expected<writer_status_ptr> result) {
        if (!result || (*result)->failed)
          return c->fail(make_problem(503, "not-ready", "Not ready",
                                      result ? "the log writer failed to commit"
                                             : "the log writer does not answer"));
        json_writer w;
        w.begin_object().key("status").value("ready");
        w.key("head_seq").value((*result)->head_seq).end_object();
        c->json(bh::status::ok, w.take());
      });
  caf::anon_send(bridge_, atom::status_v, std::move(callback));
}

} // namespace hookd::http
