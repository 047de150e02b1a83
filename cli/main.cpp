// hookd: the command line. `hookd serve` runs the server; later issues add more subcommands.

#include "actors/logging.hpp"
#include "actors/node.hpp"
#include "actors/type_ids.hpp"
#include "cli/admin_client.hpp"
#include "cli/admin_token.hpp"
#include "cli/exit_codes.hpp"
#include "cli/master_key.hpp"
#include "cli/open_files.hpp"
#include "cli/replay.hpp"
#include "domain/defaults.hpp"
#include "domain/id_generator.hpp"
#include "domain/timestamp.hpp"
#include "http/api.hpp"
#include "http/authenticator.hpp"
#include "http/server.hpp"
#include "storage/config_reader.hpp"

#include <CLI/CLI.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#ifdef HOOKD_WITH_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace {

using namespace hookd::cli; // the exit codes

/// The memory allocator this binary runs on, with its version: `--version` and the start-up
/// log say it, so that a build without jemalloc (a sanitizer build) is never mistaken for one.
std::string allocator_name() {
#ifdef HOOKD_WITH_JEMALLOC
  const char* version = nullptr;
  std::size_t size = sizeof version;
  if (mallctl("version", &version, &size, nullptr, 0) == 0 && version != nullptr)
    return std::string{"jemalloc "} + version;
  return "jemalloc";
#else
  return "glibc malloc";
#endif
}

struct serve_options {
  std::string data = "./data";
  std::string master_key_file;
  std::vector<std::string> allow_net;
  bool allow_http = false;
  std::string listen = "127.0.0.1:8080";
  std::size_t max_body = hookd::defaults::max_body_bytes;
  std::size_t max_header = hookd::defaults::max_header_bytes;
  int request_timeout = hookd::defaults::request_timeout_seconds;
  int idle_timeout = hookd::defaults::idle_timeout_seconds;
  std::size_t http_threads = hookd::http::default_http_threads();
  std::size_t max_queued_events = hookd::defaults::max_queued_events;
  std::size_t max_connections = hookd::defaults::max_connections;
  int shutdown_grace = 10;
  uint64_t keep_attempts = 100;
  uint32_t delivery_sync_ms =
      static_cast<uint32_t>(hookd::defaults::delivery_sync_interval.count());
  double ingest_rate = 100000;
  double ingest_burst = 200000;
  uint32_t delivery_window = 1024;
  uint32_t max_per_host = 8192;
  int disable_after_hours = 120;
  int snapshot_interval = 5;
  std::string log_level = "info";
  std::string log_format = "text";
  std::string checkpoint_dir;
  std::string scheduler = "sharing";
  std::string public_url;
  std::vector<std::string> acme_stores;
  std::vector<std::string> acme_allow_dirs;
  double acme_poll_seconds = 5;
  int acme_timeout = 600;
  std::string acme_error_log;
  std::vector<std::string> expiry_scan;
  std::string expiry_thresholds = "30,14,7,1";
  double expiry_interval_seconds = 3600;
  std::string retention = "0";
  double retention_interval_seconds = 600;
};

/// Reads the ACME and expiry options into `cfg`; false (after logging why) when one is wrong.
bool read_acme_options(const serve_options& opts, hookd::acme_watch_config& cfg) {
  auto split = [](const std::string& spec) -> std::pair<std::string, std::string> {
    auto eq = spec.find('=');
    if (eq == std::string::npos)
      return {{}, spec};
    return {spec.substr(0, eq), spec.substr(eq + 1)};
  };
  for (const auto& spec : opts.acme_stores) {
    auto [who, path] = split(spec);
    hookd::acme_store_route r;
    auto slash = who.find('/');
    r.tenant = who.substr(0, slash);
    if (slash != std::string::npos)
      r.server_id = who.substr(slash + 1);
    r.path = path;
    if (path.empty() || !r.path.is_absolute()) {
      HOOKD_ERROR("hookd: --acme-store '{}' must be [TENANT[/SERVER_ID]=]/absolute/acme.json",
                  spec);
      return false;
    }
    cfg.stores.push_back(std::move(r));
  }
  // Most specific first: server routes, then tenant routes, then the default.
  std::stable_sort(cfg.stores.begin(), cfg.stores.end(), [](const auto& a, const auto& b) {
    auto rank = [](const hookd::acme_store_route& r) {
      return r.tenant.empty() ? 2 : r.server_id.empty() ? 1 : 0;
    };
    return rank(a) < rank(b);
  });
  for (const auto& d : opts.acme_allow_dirs)
    cfg.allowed_dirs.emplace_back(d);
  cfg.poll_interval =
      std::chrono::milliseconds{static_cast<int64_t>(opts.acme_poll_seconds * 1000)};
  cfg.default_timeout = std::chrono::seconds{opts.acme_timeout};
  cfg.error_log = opts.acme_error_log;
  for (const auto& spec : opts.expiry_scan) {
    auto [tenant, path] = split(spec);
    if (tenant.empty() || path.empty()) {
      HOOKD_ERROR("hookd: --expiry-scan '{}' must be TENANT=PATH (a PEM file, a folder of them, "
                  "or an acme.json)",
                  spec);
      return false;
    }
    cfg.expiry_targets.push_back({tenant, path});
  }
  auto thresholds = hookd::parse_thresholds(opts.expiry_thresholds);
  if (!thresholds) {
    HOOKD_ERROR("hookd: --expiry-thresholds '{}' must be 1 to 16 distinct days from 1 to 3650, "
                "such as 30,14,7,1",
                opts.expiry_thresholds);
    return false;
  }
  cfg.thresholds = *thresholds;
  cfg.expiry_interval =
      std::chrono::milliseconds{static_cast<int64_t>(opts.expiry_interval_seconds * 1000)};
  return true;
}

/// `hookd checkpoint`: asks a running hookd for an online backup.
struct checkpoint_options {
  std::string url = "http://127.0.0.1:8080";
  std::string data = "./data";
  std::string name;
  int timeout = 600;
};

// Asks the hookd at `opts.url` to write a checkpoint, and prints its answer (JSON) to stdout.
int checkpoint(const checkpoint_options& opts) {
  auto base = hookd::parse_url(opts.url);
  if (!base) {
    std::cerr << "hookd: --url must be an http URL such as http://127.0.0.1:8080\n";
    return exit_config;
  }
  // The token: HOOKD_ADMIN_TOKEN, or the server's token file (never created here).
  const char* env = std::getenv("HOOKD_ADMIN_TOKEN");
  std::filesystem::path data{opts.data};
  if ((env == nullptr || *env == '\0') && !std::filesystem::exists(data / "admin.token")) {
    std::cerr << "hookd: set HOOKD_ADMIN_TOKEN, or --data to the server's data folder (for its "
                 "admin.token)\n";
    return exit_config;
  }
  auto token = hookd::cli::load_admin_token(data, env);
  if (!token) {
    std::cerr << "hookd: " << token.error().detail << "\n";
    return exit_config;
  }
  if (!opts.name.empty() && !hookd::is_plain_identifier(opts.name, 64)) {
    std::cerr << "hookd: --name must be 1 to 64 characters of [A-Za-z0-9_-]\n";
    return exit_usage;
  }
  auto body = opts.name.empty() ? std::string{"{}"} : R"({"name":")" + opts.name + R"("})";
  auto answer = hookd::cli::post_admin(*base, "/v1/admin/checkpoints", token->value, body,
                                       std::chrono::seconds{opts.timeout});
  if (!answer) {
    std::cerr << "hookd: " << answer.error().detail << "\n";
    return exit_listen;
  }
  std::cout << answer->body << "\n";
  return answer->status == 201 ? exit_ok : exit_failed;
}

int serve(const serve_options& opts) {
  if (!hookd::setup_logging(opts.log_level, opts.log_format == "json")) {
    std::cerr << "hookd: --log-level must be trace, debug, info, warn, error or off\n";
    return exit_config;
  }
  auto colon = opts.listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "hookd: --listen must be HOST:PORT\n";
    return exit_config;
  }
  hookd::http::server_config scfg;
  scfg.host = opts.listen.substr(0, colon);
  if (scfg.host.size() > 2 && scfg.host.front() == '[' && scfg.host.back() == ']')
    scfg.host = scfg.host.substr(1, scfg.host.size() - 2);
  try {
    auto port = std::stoul(opts.listen.substr(colon + 1));
    if (port > 65535)
      throw std::out_of_range("port");
    scfg.port = static_cast<uint16_t>(port);
  } catch (const std::exception&) {
    std::cerr << "hookd: --listen has an invalid port\n";
    return exit_config;
  }
  scfg.max_body_bytes = opts.max_body;
  scfg.max_header_bytes = opts.max_header;
  scfg.request_timeout = std::chrono::seconds{opts.request_timeout};
  scfg.idle_timeout = std::chrono::seconds{opts.idle_timeout};
  scfg.threads = opts.http_threads;
  scfg.max_connections = opts.max_connections;

  // Every webhook keeps up to `max_in_flight` connections open, and every client one.
  if (auto raised = hookd::cli::raise_open_file_limit())
    HOOKD_DEBUG("hookd: open file limit raised to {}", *raised);
  // Signals are taken by sigwait on this thread; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::filesystem::path data{opts.data};
  auto token = hookd::cli::load_admin_token(data, std::getenv("HOOKD_ADMIN_TOKEN"));
  if (!token) {
    HOOKD_ERROR("hookd: {}", token.error().detail);
    return exit_config;
  }
  hookd::address_policy policy;
  policy.allow_http = opts.allow_http;
  for (const auto& net : opts.allow_net) {
    auto parsed = hookd::cidr::parse(net);
    if (!parsed) {
      HOOKD_ERROR("hookd: --allow-net '{}' is not an address or CIDR (10.0.0.0/8, ::1/128)", net);
      return exit_config;
    }
    policy.allow.push_back(*parsed);
  }
  if (policy.allow_http || !policy.allow.empty())
    HOOKD_WARN("hookd: webhooks may use plain http: {}, and {} allowed private networks "
               "(--allow-http, --allow-net): meant for local development and tests",
               policy.allow_http ? "yes" : "no", policy.allow.size());
  auto master =
      hookd::cli::load_master_key(data, opts.master_key_file, std::getenv("HOOKD_MASTER_KEY"));
  if (!master) {
    HOOKD_ERROR("hookd: {}", master.error().detail);
    return exit_config;
  }
  if (master->generated)
    HOOKD_WARN("hookd: created a master key in {} (mode 0600); webhook secrets are sealed with "
               "it. Back it up apart from the data: without it they cannot be read. Set "
               "HOOKD_MASTER_KEY or --master-key-file to keep it elsewhere.",
               master->file.string());
  caf::actor_system_config cfg;
  hookd::add_message_types(cfg);
  cfg.set("scheduler.max-threads", std::size_t{2});
  // Work sharing (one queue, workers sleep on a condition variable) or CAF's default work
  // stealing (workers poll each other's queues, with increasing sleeps, when idle).
  cfg.set("scheduler.policy",
          opts.scheduler == "sharing" ? caf::atom("sharing") : caf::atom("stealing"));
  caf::actor_system sys{cfg};
  hookd::system_clock time;
  hookd::node_config ncfg;
  ncfg.data_dir = data;
  ncfg.secrets = master->box;
  ncfg.policy = policy;
  if (!read_acme_options(opts, ncfg.acme))
    return 2;
  ncfg.keep_attempts = opts.keep_attempts;
  ncfg.delivery_sync_interval = std::chrono::milliseconds{opts.delivery_sync_ms};
  ncfg.tuning.window = opts.delivery_window;
  ncfg.max_per_origin = opts.max_per_host;
  ncfg.tuning.disable_after = std::chrono::hours{opts.disable_after_hours};
  ncfg.tick_interval = std::chrono::seconds{opts.snapshot_interval};
  ncfg.retention = std::chrono::milliseconds{
      opts.retention == "0" ? 0 : hookd::parse_duration_ms(opts.retention).value_or(0)};
  ncfg.retention_interval =
      std::chrono::milliseconds{static_cast<int64_t>(opts.retention_interval_seconds * 1000)};
  // Deliveries in flight get the same grace as HTTP requests in flight.
  ncfg.tuning.stop_grace = std::chrono::seconds{opts.shutdown_grace};
  auto node = hookd::node::start(sys, ncfg, time);
  if (!node) {
    HOOKD_ERROR("hookd: cannot open the database: {}", node.error().detail);
    return node.error().code == hookd::ec::bad_configuration ? exit_config : exit_storage;
  }
  hookd::http::authenticator auth{token->value};
  if (auto loaded = auth.load(hookd::storage::config_reader{(*node)->db()}); !loaded) {
    HOOKD_ERROR("hookd: cannot load API keys: {}", loaded.error().detail);
    return exit_storage;
  }
  hookd::http::api_config acfg;
  acfg.max_queued_events = opts.max_queued_events;
  acfg.ingest_rate = opts.ingest_rate;
  acfg.ingest_burst = opts.ingest_burst;
  acfg.public_url = opts.public_url;
  acfg.checkpoint_dir = opts.checkpoint_dir.empty() ? data / "checkpoints"
                                                    : std::filesystem::path{opts.checkpoint_dir};
  hookd::http::api api{sys, **node, time, auth, acfg};
  hookd::http::server server{api, scfg};
  auto port = server.listen();
  if (!port) {
    HOOKD_ERROR("hookd: {}", port.error().detail);
    return exit_listen;
  }
  server.start();
  HOOKD_INFO("hookd: {} with {}", HOOKD_VERSION, allocator_name());
  if (token->file.empty())
    HOOKD_INFO("hookd: admin token from HOOKD_ADMIN_TOKEN");
  else
    HOOKD_INFO("hookd: admin token {} {}", token->generated ? "written to" : "read from",
               token->file.string());
  // The one line scripts and tests parse; flushed at once.
  std::printf("hookd listening on %s:%u\n", scfg.host.c_str(), static_cast<unsigned>(*port));
  if (!token->file.empty())
    std::printf("admin token: %s\n", token->file.c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&signals, &sig);
  HOOKD_INFO("hookd: {} received; shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  // Fixed order: refuse new writes, stop accepting and drain HTTP, then the node (writer
  // commits what is staged, database closes).
  api.begin_shutdown();
  server.stop(std::chrono::seconds{opts.shutdown_grace});
  (*node)->stop();
  return exit_ok;
}

// The command line with `sub`'s HOOKD_* variables placed right after the subcommand's name,
// as `--name=value`: later flags still win (the last occurrence counts), and the variables beat
// the settings file, which CLI11 by itself would rank above them.
std::vector<std::string> with_environment(const CLI::App& sub, int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto at = std::find(args.begin(), args.end(), sub.get_name());
  if (at == args.end())
    return args;
  std::vector<std::string> from_env;
  for (const auto* opt : sub.get_options()) {
    const auto& var = opt->get_envname();
    const char* value = var.empty() ? nullptr : std::getenv(var.c_str());
    if (value != nullptr && !opt->get_lnames().empty())
      from_env.push_back("--" + opt->get_lnames().front() + "=" + value);
  }
  args.insert(at + 1, from_env.begin(), from_env.end());
  return args;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"hookd: a self-hosted webhook platform"};
  app.require_subcommand(1);
  app.allow_config_extras(false); // an unknown key in the settings file is an error
  app.fallthrough(); // `hookd serve --config FILE` reaches the app's option (set before any
                     // subcommand: they inherit it)
  app.set_version_flag("--version",
                       std::string{"hookd "} + HOOKD_VERSION + " (" + allocator_name() + ")");
  serve_options opts;
  auto* serve_cmd = app.add_subcommand("serve", "Run the HTTP API and the delivery engine");
  // The last occurrence wins, so wrappers can set defaults that users override.
  serve_cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  serve_cmd->add_option("--data", opts.data, "Data folder (RocksDB, admin token)")
      ->envname("HOOKD_DATA")
      ->capture_default_str();
  serve_cmd
      ->add_option("--allow-net", opts.allow_net,
                   "Address or CIDR webhooks may reach although private or special (repeatable; "
                   "for local development and tests)")
      ->envname("HOOKD_ALLOW_NET")
      ->delimiter(',')
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  serve_cmd->add_flag("--allow-http", opts.allow_http, "Accept plain http webhook URLs")
      ->envname("HOOKD_ALLOW_HTTP");
  serve_cmd
      ->add_option("--master-key-file", opts.master_key_file,
                   "File holding the master key (base64 of 32 bytes) that seals secrets at rest; "
                   "default <data>/master.key, created when missing. HOOKD_MASTER_KEY wins")
      ->envname("HOOKD_MASTER_KEY_FILE");
  serve_cmd->add_option("--listen", opts.listen, "HOST:PORT to listen on; port 0 picks one")
      ->envname("HOOKD_LISTEN")
      ->capture_default_str();
  serve_cmd->add_option("--max-body", opts.max_body, "Largest request body, bytes")
      ->envname("HOOKD_MAX_BODY")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{64} << 20))
      ->capture_default_str();
  serve_cmd->add_option("--max-header", opts.max_header, "Largest request header block, bytes")
      ->envname("HOOKD_MAX_HEADER")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 20))
      ->capture_default_str();
  serve_cmd
      ->add_option("--request-timeout", opts.request_timeout,
                   "Seconds to receive a whole request once it started")
      ->envname("HOOKD_REQUEST_TIMEOUT")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  serve_cmd
      ->add_option("--idle-timeout", opts.idle_timeout,
                   "Seconds an idle keep-alive connection stays open")
      ->envname("HOOKD_IDLE_TIMEOUT")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  serve_cmd
      ->add_option("--http-threads", opts.http_threads,
                   "Threads serving HTTP, each with its own connections (default: one per "
                   "two cores, 1 to 8)")
      ->envname("HOOKD_HTTP_THREADS")
      ->check(CLI::Range(std::size_t{1}, std::size_t{64}))
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-queued-events", opts.max_queued_events,
                   "Events waiting for the writer before ingestion answers 503")
      ->envname("HOOKD_MAX_QUEUED_EVENTS")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10000000}))
      ->capture_default_str();
  serve_cmd->add_option("--max-connections", opts.max_connections, "Open client connections")
      ->envname("HOOKD_MAX_CONNECTIONS")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}))
      ->capture_default_str();
  serve_cmd
      ->add_option("--shutdown-grace", opts.shutdown_grace,
                   "Seconds in-flight requests get to finish on shutdown")
      ->envname("HOOKD_SHUTDOWN_GRACE")
      ->check(CLI::Range(0, 3600))
      ->capture_default_str();
  serve_cmd
      ->add_option("--ingest-rate", opts.ingest_rate,
                   "Events per second each API key may ingest; 0 for no limit (beyond it: 429)")
      ->envname("HOOKD_INGEST_RATE")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  serve_cmd
      ->add_option("--ingest-burst", opts.ingest_burst,
                   "Events an API key may send at once above its rate")
      ->envname("HOOKD_INGEST_BURST")
      ->check(CLI::Range(1.0, 1e9))
      ->capture_default_str();
  serve_cmd
      ->add_option("--keep-attempts", opts.keep_attempts,
                   "Attempt records kept per webhook (older ones are pruned)")
      ->envname("HOOKD_KEEP_ATTEMPTS")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1000000}))
      ->capture_default_str();
  serve_cmd
      ->add_option("--delivery-sync-ms", opts.delivery_sync_ms,
                   "Longest wait for the fsync of delivery state (attempts, outcomes, "
                   "snapshots); 0 fsyncs every commit. Events are always fsynced before the ack")
      ->envname("HOOKD_DELIVERY_SYNC_MS")
      ->check(CLI::Range(uint32_t{0}, uint32_t{10000}))
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-connections-per-host", opts.max_per_host,
                   "Delivery requests in progress to one host (scheme, host, port) at most, over "
                   "every webhook; more wait their turn")
      ->envname("HOOKD_MAX_CONNECTIONS_PER_HOST")
      ->check(CLI::Range(uint32_t{1}, uint32_t{1000000}))
      ->capture_default_str();
  serve_cmd
      ->add_option("--delivery-window", opts.delivery_window,
                   "Deliveries each webhook holds in memory; the rest wait in the log")
      ->envname("HOOKD_DELIVERY_WINDOW")
      ->check(CLI::Range(uint32_t{16}, uint32_t{1000000}))
      ->capture_default_str();
  serve_cmd
      ->add_option("--disable-after", opts.disable_after_hours,
                   "Hours of nothing but failures after which a webhook is disabled")
      ->envname("HOOKD_DISABLE_AFTER_HOURS")
      ->check(CLI::Range(1, 8760))
      ->capture_default_str();
  serve_cmd
      ->add_option("--snapshot-interval", opts.snapshot_interval,
                   "Seconds between delivery-state snapshots of a changed webhook")
      ->envname("HOOKD_SNAPSHOT_INTERVAL")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  serve_cmd
      ->add_option("--public-url", opts.public_url,
                   "This server's public base URL (https://hooks.example.com), shown in the "
                   "setup instructions of git webhook sources; default: from the request's Host")
      ->envname("HOOKD_PUBLIC_URL");
  serve_cmd
      ->add_option("--acme-store", opts.acme_stores,
                   "A Traefik acme.json to watch for domain.provisioning.started requests: PATH "
                   "(the default), TENANT=PATH, or TENANT/SERVER_ID=PATH (repeatable)")
      ->envname("HOOKD_ACME_STORE")
      ->delimiter(',');
  serve_cmd
      ->add_option("--acme-allow-dir", opts.acme_allow_dirs,
                   "A folder a request's own acme_path may point into (repeatable; default: "
                   "any absolute path)")
      ->envname("HOOKD_ACME_ALLOW_DIR")
      ->delimiter(',');
  serve_cmd
      ->add_option("--acme-poll-interval", opts.acme_poll_seconds,
                   "Seconds between reads of the watched ACME stores (inotify reports sooner)")
      ->envname("HOOKD_ACME_POLL_INTERVAL")
      ->check(CLI::Range(0.05, 3600.0))
      ->capture_default_str();
  serve_cmd
      ->add_option("--acme-timeout", opts.acme_timeout,
                   "Seconds a provisioning request waits before domain.provisioning.failed "
                   "(a request's timeout_seconds overrides it)")
      ->envname("HOOKD_ACME_TIMEOUT")
      ->check(CLI::Range(1, 604800))
      ->capture_default_str();
  serve_cmd
      ->add_option("--acme-error-log", opts.acme_error_log,
                   "A log file (Traefik's) scanned for ACME errors naming a requested domain, "
                   "which fail the request early")
      ->envname("HOOKD_ACME_ERROR_LOG");
  serve_cmd
      ->add_option("--expiry-scan", opts.expiry_scan,
                   "TENANT=PATH: a PEM file, a folder of them, or an acme.json scanned for "
                   "certificates close to expiry (repeatable; watched stores are scanned too)")
      ->envname("HOOKD_EXPIRY_SCAN")
      ->delimiter(',');
  serve_cmd
      ->add_option("--expiry-thresholds", opts.expiry_thresholds,
                   "Days before expiry at which certificate.expiring is sent, once each")
      ->envname("HOOKD_EXPIRY_THRESHOLDS")
      ->capture_default_str();
  serve_cmd
      ->add_option("--expiry-interval", opts.expiry_interval_seconds,
                   "Seconds between expiry scans (the first runs at start)")
      ->envname("HOOKD_EXPIRY_INTERVAL")
      ->check(CLI::Range(1.0, 604800.0))
      ->capture_default_str();
  serve_cmd
      ->add_option("--retention", opts.retention,
                   "How long events stay in the log: 30d, 12h, ... (0: forever); a tenant's "
                   "retention_days overrides it. Events a webhook or job still needs stay")
      ->envname("HOOKD_RETENTION")
      ->check([](const std::string& v) {
        return v == "0" || hookd::parse_duration_ms(v)
                   ? std::string{}
                   : std::string{"a duration such as 30d, 12h or 90m, or 0"};
      })
      ->capture_default_str();
  serve_cmd
      ->add_option("--retention-interval", opts.retention_interval_seconds,
                   "Seconds between retention passes (the first runs at start)")
      ->envname("HOOKD_RETENTION_INTERVAL")
      ->check(CLI::Range(1.0, 604800.0))
      ->capture_default_str();
  serve_cmd
      ->add_option("--checkpoint-dir", opts.checkpoint_dir,
                   "Where POST /v1/admin/checkpoints (hookd checkpoint) writes online backups; "
                   "default <data>/checkpoints")
      ->envname("HOOKD_CHECKPOINT_DIR");
  serve_cmd
      ->add_option("--scheduler", opts.scheduler,
                   "CAF scheduler: sharing (idle workers sleep) or stealing (idle workers poll)")
      ->envname("HOOKD_SCHEDULER")
      ->check(CLI::IsMember({"sharing", "stealing"}))
      ->capture_default_str();
  serve_cmd->add_option("--log-level", opts.log_level, "trace, debug, info, warn, error, off")
      ->envname("HOOKD_LOG_LEVEL")
      ->capture_default_str();
  serve_cmd->add_option("--log-format", opts.log_format, "text or json")
      ->envname("HOOKD_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  checkpoint_options copts;
  auto* checkpoint_cmd = app.add_subcommand(
      "checkpoint", "Ask a running hookd for an online backup (a RocksDB checkpoint)");
  checkpoint_cmd->add_option("--url", copts.url, "The running hookd's address")
      ->envname("HOOKD_URL")
      ->capture_default_str();
  checkpoint_cmd
      ->add_option("--data", copts.data,
                   "The server's data folder, for its admin.token (HOOKD_ADMIN_TOKEN wins)")
      ->envname("HOOKD_DATA")
      ->capture_default_str();
  checkpoint_cmd->add_option("--name", copts.name,
                             "Folder name of the checkpoint ([A-Za-z0-9_-]); default: the time");
  checkpoint_cmd->add_option("--timeout", copts.timeout, "Seconds to wait for the answer")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  hookd::cli::replay_options ropts;
  auto* replay_cmd = app.add_subcommand(
      "replay", "Read-only audit of a data folder (runs while the server is up)");
  replay_cmd->require_subcommand(1);
  replay_cmd->add_option("--data", ropts.data, "The data folder")
      ->envname("HOOKD_DATA")
      ->capture_default_str();
  auto* events_cmd = replay_cmd->add_subcommand("events", "List events, streaming");
  events_cmd->add_option("--since", ropts.since, "RFC 3339, or relative: -24h, -30m, -7d");
  events_cmd->add_option("--until", ropts.until, "RFC 3339, or relative (exclusive)");
  events_cmd->add_option("--type", ropts.types, "Type patterns (deployment.*), repeatable");
  events_cmd->add_option("--tenant", ropts.tenant, "Only this tenant's events");
  events_cmd->add_option("--label", ropts.labels, "k=v that every event must carry, repeatable");
  events_cmd->add_option("--webhook", ropts.webhook, "Only the events this webhook matched");
  events_cmd->add_option("--format", ropts.format, "table, ndjson or csv")
      ->check(CLI::IsMember({"table", "ndjson", "csv"}))
      ->capture_default_str();
  auto* export_cmd = replay_cmd->add_subcommand(
      "export", "Write the selected events to an NDJSON or gzip file that verifies on its own");
  export_cmd->add_option("--since", ropts.since, "RFC 3339, or relative: -24h, -30m, -7d");
  export_cmd->add_option("--until", ropts.until, "RFC 3339, or relative (exclusive)");
  export_cmd->add_option("--type", ropts.types, "Type patterns (deployment.*), repeatable");
  export_cmd->add_option("--tenant", ropts.tenant, "Only this tenant's events");
  export_cmd->add_option("--label", ropts.labels, "k=v that every event must carry, repeatable");
  export_cmd->add_option("--webhook", ropts.webhook, "Only the events this webhook matched");
  export_cmd->add_option("-o,--output", ropts.output, "The file (- for standard output)")
      ->capture_default_str();
  export_cmd->add_flag("--gzip", ropts.gzip, "Compress (implied by an output ending in .gz)");
  auto* webhook_cmd = replay_cmd->add_subcommand(
      "webhook", "Everything sent to one endpoint in a window, with the answers");
  webhook_cmd->add_option("id", ropts.webhook, "The webhook id")->required();
  webhook_cmd->add_option("--since", ropts.since, "RFC 3339, or relative: -24h, -30m, -7d");
  webhook_cmd->add_option("--until", ropts.until, "RFC 3339, or relative (exclusive)");
  auto* show_cmd =
      replay_cmd->add_subcommand("show", "One event, its hash, and every webhook's attempts on it");
  show_cmd->add_option("event", ropts.event, "A sequence number, or an event id with --tenant")
      ->required();
  show_cmd->add_option("--tenant", ropts.tenant, "The event's tenant (with an id)");
  auto* verify_cmd =
      replay_cmd->add_subcommand("verify", "Recompute the hash chain; print the head hash to note");
  verify_cmd->add_option("--from", ropts.from, "First sequence number")->capture_default_str();
  verify_cmd->add_option("--to", ropts.to, "Last sequence number (default: the head)");
  verify_cmd->add_option("--from-anchor", ropts.from_anchor,
                         "HASH@SEQ printed by an earlier verify: check what came after it");
  verify_cmd->add_option("--export", ropts.export_file,
                         "Verify an export file (NDJSON or gzip) on its own, without the log");
  // An optional settings file (TOML): a `[serve]` table with one key per long flag, without
  // its dashes (`listen = "0.0.0.0:8080"`, `allow-net = ["10.0.0.0/8"]`). Precedence: flags, then
  // HOOKD_* variables (see `with_environment`), then the file, then the defaults.
  app.set_config("--config", "", "Settings file (TOML: a [serve] table, long flag names as keys)")
      ->envname("HOOKD_CONFIG");
  try {
    auto args = with_environment(*serve_cmd, argc, argv);
    std::reverse(args.begin(), args.end()); // CLI11 takes them last first
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    auto rc = app.exit(e);
    return rc == 0 ? exit_ok : exit_usage;
  }
  if (serve_cmd->parsed())
    return serve(opts);
  if (checkpoint_cmd->parsed())
    return checkpoint(copts);
  if (events_cmd->parsed())
    return hookd::cli::replay_events(ropts, std::cout, std::cerr);
  if (export_cmd->parsed())
    return hookd::cli::replay_export(ropts, std::cout, std::cerr);
  if (webhook_cmd->parsed())
    return hookd::cli::replay_webhook(ropts, std::cout, std::cerr);
  if (show_cmd->parsed())
    return hookd::cli::replay_show(ropts, std::cout, std::cerr);
  if (verify_cmd->parsed())
    return hookd::cli::replay_verify(ropts, std::cout, std::cerr);
  return exit_usage;
}
