// The operations routes: queue figures, bulk retry of failed deliveries, and `/metrics`.

#include "actors/logging.hpp"
#include "domain/json_writer.hpp"
#include "domain/queue_request.hpp"
#include "http/api.hpp"
#include "http/api_support.hpp"
#include "http/metrics_text.hpp"
#include "storage/delivery_reader.hpp"
#include "storage/log_reader.hpp"
#include "storage/retention.hpp"

#include <caf/send.hpp>

namespace hookd::http {

using namespace detail;

namespace {

// Exhausted failures are counted over this window.
constexpr int64_t exhausted_window_ms = 24 * 3'600'000;

void write_job(json_writer& w, const retry_job& j) {
  w.begin_object();
  w.key("id").value(j.id);
  w.key("state").value(j.done() ? "done" : "running");
  if (j.webhook_id.empty())
    w.key("webhook_id").null();
  else
    w.key("webhook_id").value(j.webhook_id);
  w.key("since");
  if (j.since_ms > 0)
    w.value(format_rfc3339(j.since_ms));
  else
    w.null();
  w.key("until");
  if (j.until_ms != INT64_MAX)
    w.value(format_rfc3339(j.until_ms));
  else
    w.null();
  w.key("total").value(j.total.load());
  w.key("requeued").value(j.requeued.load());
  w.key("skipped").value(j.skipped.load());
  w.key("created_at").value(format_rfc3339(j.created_at_ms));
  w.end_object();
}

// The figures of one tenant (or of all, summed), with what storage counts.
void write_figures(json_writer& w, const queue_figures& f, const storage::tenant_totals& stored,
                   int64_t now) {
  w.key("events_in_log").value(stored.events);
  w.key("pending").value(f.pending);
  w.key("in_flight").value(f.in_flight);
  w.key("retrying").value(f.retrying);
  w.key("oldest_pending_age_seconds");
  if (f.oldest_pending_ms != 0)
    w.value(static_cast<double>(std::max<int64_t>(0, now - f.oldest_pending_ms)) / 1000.0);
  else
    w.null();
  w.key("exhausted_last_24h").value(stored.exhausted);
  w.key("webhooks").begin_object();
  w.key("enabled").value(f.webhooks);
  w.key("disabled").value(f.disabled_webhooks);
  w.key("backlogged").value(f.backlogged_webhooks);
  w.key("open_circuits").value(f.open_circuits);
  w.end_object();
}

// Member `key`: the record as `HASH@SEQ`, or null when there is none (seq 0).
void write_anchor(json_writer& w, std::string_view key, const storage::chain_head& h) {
  w.key(key);
  if (h.seq == 0)
    w.null();
  else
    w.value(storage::anchor_text(h));
}

queue_figures sum(const queue_report& r) {
  queue_figures total;
  for (const auto& [t, f] : r.tenants)
    total.merge(f);
  return total;
}

} // namespace

void api::queue_stats(const std::shared_ptr<call>& c) {
  // A tenant key sees its tenant; the admin sees every tenant, or one with `?tenant=`.
  std::string tenant;
  if (c->who->admin) {
    if (auto t = c->tgt.param("tenant"))
      tenant = *t;
  } else {
    if (!c->who->can(scope::read))
      return c->fail(forbidden("queue figures need the 'read' scope"));
    tenant = c->who->tenant;
  }
  // The stored counters are read here, on the I/O thread; the callback only writes JSON.
  auto now = time_.now_ms();
  auto stored = storage::delivery_reader{node_.db()}.totals(tenant, now - exhausted_window_ms);
  if (!stored)
    return c->fail(problem_from(to_caf_error(stored.error())));
  // The log is shared by every tenant: its figures are the admin's.
  std::optional<storage::log_figures> log;
  if (c->who->admin) {
    auto figures = storage::read_log_figures(node_.db());
    if (!figures)
      return c->fail(problem_from(to_caf_error(figures.error())));
    log = *figures;
  }
  auto callback = std::make_shared<std::function<void(caf::expected<queue_report_ptr>)>>(
      [c, tenant, now, log, totals = std::move(*stored)](caf::expected<queue_report_ptr> result) {
        if (!result)
          return c->fail(problem_from(result.error()));
        const auto& report = **result;
        auto stored_of = [&totals](const std::string& t) {
          auto it = totals.find(t);
          return it == totals.end() ? storage::tenant_totals{} : it->second;
        };
        storage::tenant_totals all;
        for (const auto& [t, figures] : totals) {
          all.events += figures.events;
          all.exhausted += figures.exhausted;
        }
        json_writer w;
        w.begin_object();
        if (tenant.empty())
          w.key("tenant").null();
        else
          w.key("tenant").value(tenant);
        write_figures(w, sum(report), all, now);
        if (tenant.empty()) {
          // The admin's view: each tenant too.
          w.key("tenants").begin_object();
          for (const auto& [t, f] : report.tenants) {
            w.key(t).begin_object();
            write_figures(w, f, stored_of(t), now);
            w.end_object();
          }
          w.end_object();
        }
        w.key("retry_jobs").begin_array();
        for (const auto& j : report.jobs)
          write_job(w, *j);
        w.end_array();
        if (log) {
          w.key("log").begin_object();
          w.key("head_seq").value(log->head_seq).key("oldest_seq").value(log->oldest_seq);
          w.key("events").value(log->oldest_seq == 0 ? 0 : log->head_seq - log->oldest_seq + 1);
          w.key("bytes").value(log->bytes);
          write_anchor(w, "retention_anchor", log->anchor);
          w.end_object();
        }
        w.end_object();
        c->json(bh::status::ok, w.take());
      });
  caf::anon_send(bridge_, atom::queue_v, tenant, std::move(callback));
}

void api::retry_failed(const std::shared_ptr<call>& c) {
  if (!require_tenant_scope(c, scope::manage, "retrying failed deliveries"))
    return;
  if (!c->req.body().empty() && !require_json(c))
    return;
  auto parsed = parse_retry_failed(c->req.body());
  if (parsed.failure)
    return c->fail(*parsed.failure);
  const auto& scope_of = *parsed.value;
  if (!scope_of.webhook_id.empty() && !load_webhook(c, scope_of.webhook_id))
    return; // 404 (or the storage error) answered.
  auto callback = std::make_shared<std::function<void(caf::expected<retry_job_ptr>)>>(
      [c](caf::expected<retry_job_ptr> result) {
        if (!result) {
          auto info = from_caf_error(result.error());
          if (info.code == ec::conflict)
            return c->fail(make_problem(409, "conflict", "The webhook is disabled", info.detail,
                                        "webhook_id"));
          return c->fail(problem_from(result.error()));
        }
        json_writer w;
        write_job(w, **result);
        c->json(bh::status::accepted, w.take());
      });
  caf::anon_send(bridge_, atom::requeue_v, c->who->tenant, scope_of.webhook_id, scope_of.since_ms,
                 scope_of.until_ms, std::move(callback));
}

void api::run_retention(const std::shared_ptr<call>& c) {
  if (!c->who->admin)
    return c->fail(forbidden("retention runs for every tenant: it needs the admin token"));
  auto callback = std::make_shared<std::function<void(caf::expected<retention_report_ptr>)>>(
      [c](caf::expected<retention_report_ptr> result) {
        if (!result)
          return c->fail(problem_from(result.error()));
        const auto& r = **result;
        json_writer w;
        w.begin_object();
        w.key("pruned").value(r.pruned).key("oldest_seq").value(r.oldest_seq);
        write_anchor(w, "anchor", r.anchor);
        w.key("held_by");
        if (r.held_by.empty())
          w.null();
        else
          w.value(r.held_by);
        w.key("at").value(format_rfc3339(r.at_ms));
        w.end_object();
        c->json(bh::status::ok, w.take());
      });
  caf::anon_send(bridge_, atom::prune_v, std::move(callback));
}

void api::metrics_page(const std::shared_ptr<call>& c) {
  // Storage figures are read here, on the I/O thread; the callback only renders.
  node_figures stored;
  stored.storage_bytes = node_.db().disk_size();
  if (auto log = storage::read_log_figures(node_.db())) {
    stored.log_head = log->head_seq;
    stored.log_oldest = log->oldest_seq;
    stored.log_bytes = log->bytes;
  }
  stored.ingest_queue = queued_events_->load();
  auto callback = std::make_shared<std::function<void(caf::expected<queue_report_ptr>)>>(
      [this, c, stored](caf::expected<queue_report_ptr> result) {
        auto figures = stored;
        if (result)
          figures.queue = result->get();
        response res{bh::status::ok, c->req.version()};
        res.set(bh::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        res.keep_alive(c->req.keep_alive());
        res.body() = render_metrics(node_.counters(), figures);
        res.prepare_payload();
        c->reply(std::move(res));
      });
  caf::anon_send(bridge_, atom::queue_v, std::string{}, std::move(callback));
}

// -- checkpoints (online backups)
// --------------------------------------------------------------------------

namespace {

// A checkpoint's default name: `hookd-` and the UTC time, `hookd-20261124T142300123Z`.
std::string checkpoint_name(int64_t now_ms) {
  std::string name = "hookd-";
  for (char ch : format_rfc3339(now_ms))
    if (ch != '-' && ch != ':' && ch != '.')
      name.push_back(ch);
  return name;
}

// What a finished checkpoint holds, read back from the copy itself (which proves it opens).
struct checkpoint_summary {
  uint64_t head_seq = 0;
  uint64_t bytes = 0;
};

expected<checkpoint_summary> write_checkpoint(const storage::database& db,
                                              const std::filesystem::path& folder) {
  // The copy is a data folder of its own: `hookd serve --data <folder>` opens it.
  auto db_dir = folder / "db";
  if (auto made = db.checkpoint(db_dir); !made)
    return made.error();
  storage::database_options ro;
  ro.read_only = true;
  auto copy = storage::database::open(db_dir, ro);
  if (!copy)
    return copy.error();
  auto head = storage::log_reader{**copy}.head();
  if (!head)
    return head.error();
  return checkpoint_summary{head->seq, (*copy)->disk_size()};
}

} // namespace

void api::create_checkpoint(const std::shared_ptr<call>& c) {
  if (!c->who->admin)
    return c->fail(forbidden("a checkpoint copies every tenant's data; it needs the admin token"));
  if (!c->req.body().empty() && !require_json(c))
    return;
  auto parsed = parse_checkpoint_request(c->req.body());
  if (parsed.failure)
    return c->fail(*parsed.failure);
  if (cfg_.checkpoint_dir.empty())
    return c->fail(make_problem(409, "checkpoints-disabled", "Checkpoints are not configured",
                                "start hookd with --checkpoint-dir to allow them"));
  auto now = time_.now_ms();
  auto name = parsed.value->name.empty() ? checkpoint_name(now) : parsed.value->name;
  auto folder = cfg_.checkpoint_dir / name;
  std::lock_guard guard{checkpoint_mtx_};
  if (shutting_down_)
    return c->fail(shutting_down("checkpoints are not started during shutdown"));
  if (checkpoint_running_)
    return c->fail(make_problem(409, "checkpoint-running", "A checkpoint is being written",
                                "one checkpoint at a time; retry when it is done"));
  if (checkpoint_thread_.joinable())
    checkpoint_thread_.join(); // the previous one, finished
  checkpoint_running_ = true;
  checkpoint_thread_ = std::thread{[this, c, folder, name, now] {
    auto started = std::chrono::steady_clock::now();
    auto written = write_checkpoint(node_.db(), folder);
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    {
      std::lock_guard done{checkpoint_mtx_};
      checkpoint_running_ = false;
    }
    if (!written) {
      if (written.error().code == ec::conflict)
        return c->fail(make_problem(409, "checkpoint-exists", "The checkpoint exists",
                                    "a checkpoint named '" + name + "' exists", "/name"));
      HOOKD_ERROR("checkpoint {} failed: {}", folder.string(), written.error().detail);
      return c->fail(
          make_problem(500, "checkpoint-failed", "The checkpoint failed", written.error().detail));
    }
    HOOKD_INFO("checkpoint {} written: head seq {}, {} bytes, {} ms", folder.string(),
               written->head_seq, written->bytes, took.count());
    json_writer w;
    w.begin_object();
    w.key("name").value(name);
    w.key("path").value(std::filesystem::absolute(folder).string());
    w.key("head_seq").value(written->head_seq);
    w.key("bytes").value(written->bytes);
    w.key("created_at").value(format_rfc3339(now));
    w.key("duration_ms").value(static_cast<int64_t>(took.count()));
    w.end_object();
    c->json(bh::status::created, w.take());
  }};
}

} // namespace hookd::http
