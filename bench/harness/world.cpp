#include "bench/harness/world.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <signal.h>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unistd.h>

namespace hookd::bench {

namespace {

std::string json_field(const std::string& body, const char* key) {
  simdjson::dom::parser p;
  simdjson::padded_string padded{body};
  std::string_view v;
  if (p.parse(padded)[key].get_string().get(v) != simdjson::SUCCESS)
    throw std::runtime_error(std::string{"no '"} + key + "' in " + body);
  return std::string{v};
}

std::map<std::string, std::string> environment() {
  return {{"HOOKD_ADMIN_TOKEN", world::admin_token()},
          {"HOOKD_ALLOW_HTTP", "1"},
          {"HOOKD_ALLOW_NET", "127.0.0.1"}};
}

} // namespace

const std::string& world::admin_token() {
  static const std::string token = "bench-admin-token-0123456789";
  return token;
}

const std::string& world::secret() {
  static const std::string s = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  return s;
}

world::world(const std::string& binary, std::vector<std::string> extra_args)
    : binary_(binary), args_(std::move(extra_args)) {
  restart();
  if (call("POST", "/v1/tenants", R"({"id":"bench","name":"Bench"})", admin_token()).status != 201)
    throw std::runtime_error("cannot create the tenant");
  auto k = call("POST", "/v1/api-keys", R"({"tenant":"bench","scopes":["ingest","read","manage"]})",
                admin_token());
  if (k.status != 201)
    throw std::runtime_error("cannot create a key: " + k.body);
  key_ = json_field(k.body, "key");
}

world::~world() {
  if (proc_)
    proc_->stop(SIGKILL);
}

void world::restart() {
  std::vector<std::string> args{"--log-level", "warn", "--ingest-rate", "0"};
  args.insert(args.end(), args_.begin(), args_.end());
  client_.reset();
  // hookd's own log goes to a file beside its data, not into the harness's output.
  proc_ =
      std::make_unique<test::hookd_process>(binary_, (dir_.path() / "data").string(), environment(),
                                            args, (dir_.path() / "hookd.log").string());
  if (proc_->port() == 0)
    throw std::runtime_error("hookd did not start: " + proc_->output());
  client_ = std::make_unique<test::http_client>(proc_->port());
}

test::http_result world::call(const std::string& method, const std::string& path,
                              const std::string& body, const std::string& token) {
  return client_->request(method, path, body, token);
}

namespace {

// Creates webhook `/w<n>` through `c` with `key`; returns its id. It subscribes to the
// harness's own event type, not to "*": with "*" every webhook also receives hookd's
// operational events about the others (`delivery.exhausted` for each delivery another one
// gave up on), which in B6 turns each timeout wave of the hung endpoint into a burst of 99
// deliveries per failed one (docs/benchmarks.md, session 16).
std::string create_with(test::http_client& c, const std::string& key, std::size_t n,
                        uint16_t sink_port, const std::string& extra) {
  auto body = R"({"name":"w)" + std::to_string(n) + R"(","url":"http://127.0.0.1:)" +
              std::to_string(sink_port) + "/w" + std::to_string(n) +
              R"(","events":["bench.event"],"secret":")" + world::secret() + "\"" +
              (extra.empty() ? "" : "," + extra) + "}";
  auto r = c.request("POST", "/v1/webhooks", body, key);
  if (r.status != 201)
    throw std::runtime_error("cannot create a webhook: " + r.body);
  return json_field(r.body, "id");
}

} // namespace

std::string world::create_webhook(std::size_t n, uint16_t sink_port, const std::string& extra) {
  return create_with(*client_, key_, n, sink_port, extra);
}

std::string world::client_for::create_webhook(std::size_t n, uint16_t sink_port,
                                              const std::string& extra) {
  return create_with(client_, w_.key(), n, sink_port, extra);
}

world::queue_state world::queue() {
  auto r = call("GET", "/v1/queue/stats", {}, key_);
  simdjson::dom::parser p;
  simdjson::padded_string padded{r.body};
  queue_state q;
  auto doc = p.parse(padded);
  if (doc["pending"].get_uint64().get(q.pending) != simdjson::SUCCESS ||
      doc["in_flight"].get_uint64().get(q.in_flight) != simdjson::SUCCESS)
    throw std::runtime_error("/v1/queue/stats: " + r.body);
  return q;
}

void world::set_enabled(const std::string& id, bool enabled) {
  auto r = call("PATCH", "/v1/webhooks/" + id,
                std::string{R"({"enabled":)"} + (enabled ? "true" : "false") + "}", key_);
  if (r.status != 200)
    throw std::runtime_error("cannot change a webhook: " + r.body);
}

uint64_t world::head_seq() {
  auto r = call("GET", "/readyz", {}, {});
  if (r.status != 200)
    throw std::runtime_error("/readyz answered " + std::to_string(r.status));
  simdjson::dom::parser p;
  simdjson::padded_string padded{r.body};
  uint64_t seq = 0;
  if (p.parse(padded)["head_seq"].get_uint64().get(seq) != simdjson::SUCCESS)
    throw std::runtime_error("/readyz: " + r.body);
  return seq;
}

process_sample world::sample() const {
  return sample_process(std::to_string(proc_->pid()));
}

process_sample sample_process(const std::string& pid) {
  process_sample s;
  std::ifstream stat{"/proc/" + pid + "/stat"};
  std::string line;
  std::getline(stat, line);
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  std::istringstream rest{line.substr(line.rfind(')') + 2)};
  std::string field;
  double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  for (int i = 3; i <= 15 && rest >> field; ++i)
    if (i == 14 || i == 15)
      s.cpu_seconds += std::stod(field) / ticks;
  std::ifstream status{"/proc/" + pid + "/status"};
  while (std::getline(status, line)) {
    auto kib = [&](const char* name) {
      return line.rfind(name, 0) == 0 ? std::stoull(line.substr(std::strlen(name))) * 1024 : 0;
    };
    if (auto v = kib("VmRSS:"))
      s.rss_bytes = v;
    if (auto v = kib("VmHWM:"))
      s.peak_rss_bytes = v;
  }
  return s;
}

machine_sample sample_machine() {
  machine_sample s;
  std::ifstream stat{"/proc/stat"};
  std::string label;
  stat >> label; // "cpu": the sum over every CPU
  double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  // user nice system idle iowait irq softirq steal (guest time is counted in user already)
  for (int i = 0; i < 8; ++i) {
    double v = 0;
    if (!(stat >> v))
      break;
    s.total_seconds += v / ticks;
    if (i != 3 && i != 4)
      s.busy_seconds += v / ticks;
  }
  return s;
}

cpu_account::cpu_account(const world* hookd)
    : world_(hookd), harness_start_(sample_process("self")), machine_start_(sample_machine()) {
  if (world_)
    hookd_start_ = world_->sample();
}

void cpu_account::finish() {
  if (world_)
    hookd_ = world_->sample().cpu_seconds - hookd_start_.cpu_seconds;
  harness_ = sample_process("self").cpu_seconds - harness_start_.cpu_seconds;
  auto m = sample_machine();
  auto total = m.total_seconds - machine_start_.total_seconds;
  auto cpus = static_cast<double>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
  busy_cores_ = total > 0 ? cpus * (m.busy_seconds - machine_start_.busy_seconds) / total : 0;
}

uint64_t world::disk_bytes() const {
  uint64_t total = 0;
  std::error_code err;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_.path() / "data", err))
    if (e.is_regular_file(err))
      total += e.file_size(err);
  return total;
}

int world::stop(int signal) {
  client_.reset();
  return proc_->stop(signal);
}

} // namespace hookd::bench
