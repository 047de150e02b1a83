#pragma once

#include "actors/actors.hpp"
#include "actors/node.hpp"
#include "domain/clock.hpp"
#include "domain/id_generator.hpp"
#include "domain/problem.hpp"
#include "domain/rate_limiter.hpp"
#include "http/answer_deadlines.hpp"
#include "http/authenticator.hpp"

#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace hookd::http {

/// A request with its body in memory (bounded by the parser's body limit).
using request = boost::beast::http::request<boost::beast::http::string_body>;
/// A response with its body in memory.
using response = boost::beast::http::response<boost::beast::http::string_body>;
/// Delivers the response to a request. Called exactly once, from any thread.
using responder = std::function<void(response)>;
/// Runs a function on the thread that serves a request's connection (the server posts it to the
/// io_context of the connection's I/O thread). An answer that arrives on another thread, such as
/// the log writer's, is built there, and the request is freed there: the memory stays with the
/// thread that allocated it instead of crossing malloc arenas.
using connection_runner = std::function<void(std::function<void()>)>;

/// Limits and knobs of the API.
struct api_config {
  /// Events waiting for the writer above which ingestion answers 503.
  std::size_t max_queued_events = 0;
  /// How long a request waits for the writer (or another actor) before answering 503.
  std::chrono::milliseconds writer_timeout{30000};
  /// Events per second each API key may ingest (0: no limit); beyond it, 429.
  double ingest_rate = 100000;
  /// Events an API key may send at once above its rate.
  double ingest_burst = 200000;
  /// The public base URL of this server (`https://hooks.example.com`), used in the setup
  /// instructions of sources; empty: derived from the request's Host header.
  std::string public_url;
  /// Where `POST /v1/admin/checkpoints` writes checkpoints (empty: the route answers 409).
  std::filesystem::path checkpoint_dir;
};

/// The HTTP API as plain functions from a request to a response: routing, authentication,
/// validation, JSON in and out, and the bridge into the actors. No sockets: the server feeds
/// it parsed requests, and tests can too. Thread-safe: `handle` may run on many threads.
class api {
 public:
  /// Serves `n` (which must outlive the API), with `time` for timestamps and `auth` for keys.
  api(caf::actor_system& sys, node& n, const clock& time, authenticator& auth, api_config cfg);
  ~api();
  api(const api&) = delete;
  api& operator=(const api&) = delete;

  /// Handles one request and calls `respond` exactly once, possibly later and from another
  /// thread. Every response carries `X-Request-Id`; every error is problem+json. With
  /// `on_connection` (owned by the caller, alive while `respond` is), answers computed on other
  /// threads are finished through it; without, they are finished where they arrive.
  void handle(request req, responder respond, const connection_runner* on_connection = nullptr);

  /// From now on, writes answer 503 `shutting-down`; reads still work. Waits for a checkpoint
  /// being written, so that the database can close after this returns.
  void begin_shutdown();

  /// Events handed to the writer and not yet answered.
  std::size_t queued_events() const noexcept { return queued_events_->load(); }

  /// A response holding `p` as problem+json (with `Retry-After` when it has one).
  static response problem_response(const problem& p, std::string_view request_id, unsigned version,
                                   bool keep_alive);

  /// One request in flight (defined in api.cpp).
  struct call;

 private:
  void route(const std::shared_ptr<call>& c);
  void create_tenant(const std::shared_ptr<call>& c);
  /// `PATCH /v1/tenants/{id}` (admin): the name and the per-application delivery limit.
  void patch_tenant(const std::shared_ptr<call>& c, std::string_view id);
  void list_tenants(const std::shared_ptr<call>& c);
  void get_tenant(const std::shared_ptr<call>& c, std::string_view id);
  void create_api_key(const std::shared_ptr<call>& c);
  void list_api_keys(const std::shared_ptr<call>& c);
  void revoke_api_key(const std::shared_ptr<call>& c, std::string_view id);
  void ingest(const std::shared_ptr<call>& c);
  void get_event(const std::shared_ptr<call>& c, std::string_view id);
  void list_events(const std::shared_ptr<call>& c);
  void list_event_types(const std::shared_ptr<call>& c);
  void readiness(const std::shared_ptr<call>& c);
  void list_audit(const std::shared_ptr<call>& c);
  void create_webhook(const std::shared_ptr<call>& c);
  void list_webhooks(const std::shared_ptr<call>& c);
  void get_webhook(const std::shared_ptr<call>& c, std::string_view id);
  void patch_webhook(const std::shared_ptr<call>& c, std::string_view id);
  void delete_webhook(const std::shared_ptr<call>& c, std::string_view id);
  void list_deliveries(const std::shared_ptr<call>& c, std::string_view id);
  void get_webhook_stats(const std::shared_ptr<call>& c, std::string_view id);
  void test_webhook(const std::shared_ptr<call>& c, std::string_view id);
  void rotate_secret(const std::shared_ptr<call>& c, std::string_view id);
  void preview_webhook(const std::shared_ptr<call>& c, std::string_view id);
  void preview_template(const std::shared_ptr<call>& c);
  // Previews stored event `event_id` of the caller's tenant (404 when absent), or else a
  // sample of type `sample_of`, rendered as `format`.
  void preview_event(const std::shared_ptr<call>& c, const webhook& format,
                     const std::optional<std::string>& event_id, const std::string& sample_of,
                     bool with_url);
  void answer_preview(const std::shared_ptr<call>& c, const webhook& h, const event& e, bool sample,
                      bool with_url);
  // ops_api.cpp: the queue figures, bulk retry, and the Prometheus page.
  void queue_stats(const std::shared_ptr<call>& c);
  void retry_failed(const std::shared_ptr<call>& c);
  void metrics_page(const std::shared_ptr<call>& c);
  void run_retention(const std::shared_ptr<call>& c);
  void create_checkpoint(const std::shared_ptr<call>& c);
  // The caller's tenant's webhook `id`; nullopt after answering 404 (or the storage error).
  std::optional<webhook> load_webhook(const std::shared_ptr<call>& c, std::string_view id);
  // Reads `tenant`'s webhook `id`, applies `parse` to it, stores the result with an audit
  // entry `action`, and answers with the webhook (with its secret when `with_secret`).
  void change_webhook(const std::shared_ptr<call>& c, std::string_view id, std::string_view action,
                      bool with_secret,
                      const std::function<parse_result<webhook>(const webhook&, int64_t)>& parse);
  void event_deliveries(const std::shared_ptr<call>& c, std::string_view id);
  // Hands `req` to the log writer unless too many events wait already (503), and calls
  // `on_done` with the outcome once it is durable (errors are answered here).
  void submit_append(const std::shared_ptr<call>& c, std::shared_ptr<append_request> req,
                     std::function<void(const append_outcome&)> on_done);
  // sources_api.cpp: inbound git webhook sources, and the public receiving route.
  void create_source(const std::shared_ptr<call>& c);
  void list_sources(const std::shared_ptr<call>& c);
  void get_source(const std::shared_ptr<call>& c, std::string_view id);
  void patch_source(const std::shared_ptr<call>& c, std::string_view id);
  void delete_source(const std::shared_ptr<call>& c, std::string_view id);
  void rotate_source_secret(const std::shared_ptr<call>& c, std::string_view id);
  void source_webhook_url(const std::shared_ptr<call>& c, std::string_view id);
  void replay_webhook(const std::shared_ptr<call>& c, std::string_view id);
  void resend_event(const std::shared_ptr<call>& c, std::string_view id);
  void list_jobs(const std::shared_ptr<call>& c);
  void get_job(const std::shared_ptr<call>& c, std::string_view id);
  void cancel_job(const std::shared_ptr<call>& c, std::string_view id);
  /// Stores `jobs` (audited as `action` on `object_id`) and answers 202 with them.
  void submit_jobs(const std::shared_ptr<call>& c, std::vector<replay_job> jobs,
                   std::string object_id, std::string action);
  void receive_git_hook(const std::shared_ptr<call>& c, std::string_view provider,
                        std::string_view source_id);
  // The steps every update of a stored object shares: parse `current` at a time after its last
  // change, audit the result as `action` (details from `details`), send `make_op(value,
  // current's updated_at)` to the writer, and hand the outcome to `answer`. Defined in
  // api_support.hpp.
  template <class T, class Details, class MakeOp, class Answer>
  void update_object(const std::shared_ptr<call>& c, const T& current, std::string_view id,
                     std::string_view action,
                     const std::function<parse_result<T>(const T&, int64_t)>& parse,
                     Details details, MakeOp make_op, Answer answer);
  // Reads `tenant`'s source `id`, applies `parse` to it, stores the result with an audit
  // entry `action`, and answers with the source (with its secret when `with_secret`).
  void change_source(const std::shared_ptr<call>& c, std::string_view id, std::string_view action,
                     bool with_secret,
                     const std::function<parse_result<source>(const source&, int64_t)>& parse);
  void send_config(const std::shared_ptr<call>& c, config_change_ptr change,
                   std::function<void(const config_outcome&)> on_success);

  caf::actor_system& sys_;
  node& node_;
  const clock& time_;
  authenticator& auth_;
  api_config cfg_;
  /// Requests waiting for an actor's answer, with their deadlines (swept by the bridge).
  std::shared_ptr<answer_deadlines> deadlines_ = std::make_shared<answer_deadlines>();
  http_bridge_actor bridge_;
  id_generator ids_;
  // Shared with the append callbacks, which may run after the API is gone (at shutdown).
  std::shared_ptr<std::atomic<std::size_t>> queued_events_ =
      std::make_shared<std::atomic<std::size_t>>(0);
  rate_limiter ingest_limits_;
  std::atomic<bool> shutting_down_{false};
  // At most one checkpoint at a time, written on its own thread (it flushes and links files).
  std::mutex checkpoint_mtx_;
  std::thread checkpoint_thread_;
  bool checkpoint_running_ = false;
};

} // namespace hookd::http
