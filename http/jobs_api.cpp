// Redelivery: `POST /v1/webhooks/{id}/replay`, `POST /v1/events/{id}/resend`, and the jobs
// they start (`GET /v1/jobs`, `GET /v1/jobs/{id}`, `DELETE /v1/jobs/{id}`).

#include "domain/json_writer.hpp"
#include "domain/replay_job.hpp"
#include "http/api_support.hpp"
#include "storage/config_reader.hpp"
#include "storage/log_reader.hpp"

namespace hookd::http {

using namespace detail;

namespace {

void write_time_or_null(json_writer& w, std::string_view key, int64_t ms) {
  w.key(key);
  if (ms != 0)
    w.value(format_rfc3339(ms));
  else
    w.null();
}

void write_job(json_writer& w, const replay_job& j) {
  w.begin_object();
  w.key("id").value(j.id);
  w.key("kind").value(to_string(j.kind));
  w.key("webhook_id").value(j.webhook_id);
  w.key("state").value(to_string(j.state));
  w.key("since").value(format_rfc3339(j.since_ms));
  w.key("until").value(format_rfc3339(j.until_ms));
  w.key("types").begin_array();
  for (const auto& t : j.types)
    w.value(t);
  w.end_array();
  w.key("only_failed").value(j.only_failed);
  w.key("from_seq").value(j.from_seq);
  w.key("to_seq").value(j.to_seq);
  w.key("next_seq").value(j.next_seq);
  w.key("progress").value(j.progress());
  w.key("counts").begin_object();
  w.key("queued").value(j.queued).key("delivered").value(j.delivered);
  w.key("failed").value(j.failed).key("skipped").value(j.skipped);
  w.end_object();
  w.key("created_by").value(j.created_by);
  w.key("cancel_reason");
  if (j.cancel_reason.empty())
    w.null();
  else
    w.value(j.cancel_reason);
  w.key("created_at").value(format_rfc3339(j.created_at_ms));
  write_time_or_null(w, "updated_at", j.updated_at_ms);
  write_time_or_null(w, "finished_at", j.finished_at_ms);
  w.end_object();
}

// The audit details of new jobs: their ids, webhooks and windows.
std::string jobs_audit_details(const std::vector<replay_job>& jobs) {
  json_writer w;
  w.begin_object().key("jobs").begin_array();
  for (const auto& j : jobs) {
    w.begin_object().key("id").value(j.id).key("webhook_id").value(j.webhook_id);
    w.key("from_seq").value(j.from_seq).key("to_seq").value(j.to_seq);
    w.key("only_failed").value(j.only_failed).end_object();
  }
  w.end_array().end_object();
  return w.take();
}

problem webhook_disabled(std::string detail) {
  return make_problem(409, "webhook-disabled", "The webhook is disabled", std::move(detail),
                      "/enabled");
}

} // namespace

void api::submit_jobs(const std::shared_ptr<call>& c, std::vector<replay_job> jobs,
                      std::string object_id, std::string action) {
  auto details = jobs_audit_details(jobs);
  auto change =
      audited_change(c, time_.now_ms(), c->who->tenant, std::move(action), std::move(object_id),
                     std::move(details), config_change::create_jobs{std::move(jobs)});
  send_config(c, std::move(change), [c](const config_outcome& out) {
    if (out.error.code == ec::not_found)
      return c->fail(not_found(out.error.detail));
    if (out.error.code == ec::conflict)
      return c->fail(webhook_disabled(out.error.detail));
    if (out.error || out.jobs.empty())
      return c->fail(make_problem(500, "internal", "Internal error", out.error.detail));
    json_writer w;
    if (out.jobs.size() == 1 && out.jobs.front().kind == job_kind::replay) {
      write_job(w, out.jobs.front());
      return c->json(bh::status::accepted, w.take(), "/v1/jobs/" + out.jobs.front().id);
    }
    w.begin_object().key("jobs").begin_array();
    for (const auto& j : out.jobs)
      write_job(w, j);
    w.end_array().end_object();
    c->json(bh::status::accepted, w.take());
  });
}

void api::replay_webhook(const std::shared_ptr<call>& c, std::string_view id) {
  if (!require_tenant_scope(c, scope::manage, "replaying deliveries") || !require_json(c))
    return;
  auto now = time_.now_ms();
  auto parsed = parse_replay_request(c->req.body(), now);
  if (parsed.failure)
    return c->fail(*parsed.failure);
  auto hook = load_webhook(c, id);
  if (!hook)
    return;
  if (!hook->enabled)
    return c->fail(webhook_disabled("enable the webhook (PATCH {\"enabled\":true}) before "
                                    "replaying to it"));
  // The window as sequence numbers, fixed now: received_at never decreases along the log.
  storage::log_reader log{node_.db()};
  auto head = log.head();
  auto from = log.first_seq_at_or_after(parsed.value->since_ms);
  auto until = parsed.value->until_ms;
  // Without `until`: up to the head now (an event of this very millisecond included).
  auto past = until ? log.first_seq_at_or_after(*until) : expected<uint64_t>{UINT64_MAX};
  if (!head || !from || !past)
    return c->fail(make_problem(503, "storage-unavailable", "The event log cannot be read",
                                "reading the log failed"));
  replay_job job;
  job.id = ids_.next("job_", now);
  job.tenant = c->who->tenant;
  job.webhook_id = hook->id;
  job.kind = job_kind::replay;
  job.since_ms = parsed.value->since_ms;
  job.until_ms = until.value_or(now);
  job.types = std::move(parsed.value->types);
  job.only_failed = parsed.value->only_failed;
  job.from_seq = *from;
  job.to_seq = std::min(*past - 1, head->seq);
  job.next_seq = job.from_seq;
  job.created_by = c->who->key_id;
  job.created_at_ms = now;
  auto object = job.id;
  submit_jobs(c, {std::move(job)}, std::move(object), "webhook.replayed");
}

void api::resend_event(const std::shared_ptr<call>& c, std::string_view id) {
  if (!require_tenant_scope(c, scope::manage, "resending events"))
    return;
  if (!c->req.body().empty() && !require_json(c))
    return;
  auto parsed = parse_resend_request(c->req.body());
  if (parsed.failure)
    return c->fail(*parsed.failure);
  auto found =
      found_or_404(c, storage::log_reader{node_.db()}.find(c->who->tenant, id), "event", id);
  if (!found)
    return;
  const auto& e = *found;
  // The targets: the one named, or every enabled webhook that matched the event.
  std::vector<webhook> targets;
  const auto& wanted = *parsed.value;
  if (!wanted.empty()) {
    auto hook = load_webhook(c, wanted);
    if (!hook)
      return;
    if (!hook->matches(e.type, e.labels))
      return c->fail(make_problem(422, "not-subscribed", "The webhook does not take this event",
                                  "webhook '" + wanted + "' does not subscribe to '" + e.type +
                                      "' events with these labels",
                                  "/webhook_id"));
    if (!hook->enabled)
      return c->fail(webhook_disabled("enable the webhook before resending to it"));
    targets.push_back(std::move(*hook));
  } else {
    storage::config_reader reader{node_.db()};
    std::string after;
    for (;;) {
      auto page = reader.list_webhooks(c->who->tenant, after, 500);
      if (!page)
        return c->fail(problem_from(to_caf_error(page.error())));
      for (auto& h : *page)
        if (h.enabled && h.created_at_ms <= e.received_at_ms && h.matches(e.type, e.labels))
          targets.push_back(std::move(h));
      if (page->size() < 500)
        break;
      after = page->back().id;
    }
    if (targets.empty())
      return c->fail(
          make_problem(422, "no-subscribers", "No webhook takes this event",
                       "no enabled webhook of the tenant matched event '" + std::string{id} + "'"));
  }
  auto now = time_.now_ms();
  std::vector<replay_job> jobs;
  for (const auto& h : targets) {
    replay_job job;
    job.id = ids_.next("job_", now);
    job.tenant = c->who->tenant;
    job.webhook_id = h.id;
    job.kind = job_kind::resend;
    job.since_ms = e.received_at_ms;
    job.until_ms = e.received_at_ms + 1;
    job.from_seq = job.to_seq = job.next_seq = e.seq;
    job.created_by = c->who->key_id;
    job.created_at_ms = now;
    jobs.push_back(std::move(job));
  }
  submit_jobs(c, std::move(jobs), e.id, "event.resent");
}

void api::list_jobs(const std::shared_ptr<call>& c) {
  if (!require_tenant_scope(c, scope::read, "reading jobs"))
    return;
  answer_listing(
      c,
      [&](std::string_view after, std::size_t n) {
        return storage::config_reader{node_.db()}.list_jobs(c->who->tenant, after, n);
      },
      [](json_writer& w, const replay_job& j) { write_job(w, j); });
}

void api::get_job(const std::shared_ptr<call>& c, std::string_view id) {
  if (!require_tenant_scope(c, scope::read, "reading jobs"))
    return;
  auto job =
      found_or_404(c, storage::config_reader{node_.db()}.get_job(c->who->tenant, id), "job", id);
  if (!job)
    return;
  json_writer w;
  write_job(w, *job);
  c->json(bh::status::ok, w.take());
}

void api::cancel_job(const std::shared_ptr<call>& c, std::string_view id) {
  if (!require_tenant_scope(c, scope::manage, "cancelling jobs"))
    return;
  auto now = time_.now_ms();
  auto change = audited_change(
      c, now, c->who->tenant, "job.cancelled", std::string{id}, "{}",
      config_change::cancel_job{c->who->tenant, std::string{id}, "cancelled through the API", now});
  send_config(c, std::move(change), [c](const config_outcome& out) {
    if (out.error.code == ec::not_found)
      return c->fail(not_found(out.error.detail));
    if (out.error.code == ec::conflict)
      return c->fail(make_problem(409, "job-ended", "The job already ended", out.error.detail));
    if (out.error || out.jobs.empty())
      return c->fail(make_problem(500, "internal", "Internal error", out.error.detail));
    json_writer w;
    write_job(w, out.jobs.front());
    c->json(bh::status::ok, w.take());
  });
}

} // namespace hookd::http
