#pragma once

#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hookd::bench {

/// The hookd process's resource use at one instant, from /proc.
struct process_sample {
  /// User plus system CPU time, seconds.
  double cpu_seconds = 0;
  /// Resident set now and at its peak (VmHWM), bytes.
  uint64_t rss_bytes = 0;
  uint64_t peak_rss_bytes = 0;
};

/// Reads process `pid`'s CPU time and memory from /proc ("self": the harness itself).
process_sample sample_process(const std::string& pid);

/// Where the machine's CPU time went, from /proc/stat, in seconds summed over every CPU.
struct machine_sample {
  /// Time not idle (user, nice, system, interrupts, steal).
  double busy_seconds = 0;
  /// Every CPU's time, idle and I/O wait included.
  double total_seconds = 0;
};

/// The machine's CPU counters now.
machine_sample sample_machine();

/// A `hookd serve` child on a fresh data folder and a free port, with a tenant and a key
/// (scopes ingest, read and manage), webhooks allowed to reach loopback over plain http.
class world {
 public:
  /// Starts `binary` with `extra_args`; throws when it does not come up.
  explicit world(const std::string& binary, std::vector<std::string> extra_args = {});
  ~world();

  /// The API port.
  uint16_t port() const noexcept { return proc_->port(); }
  /// The tenant's API key.
  const std::string& key() const noexcept { return key_; }
  /// The admin token.
  static const std::string& admin_token();
  /// Creates webhook `/w<n>` on the sink at `sink_port` for every event type, with `extra`
  /// JSON members; returns its id.
  std::string create_webhook(std::size_t n, uint16_t sink_port, const std::string& extra = {});
  /// The tenant's queue (`GET /v1/queue/stats`): deliveries held, and attempts in flight.
  struct queue_state {
    uint64_t pending = 0;
    uint64_t in_flight = 0;
  };
  /// The tenant's queue now.
  queue_state queue();
  /// A second connection to the same hookd, for creating webhooks from another thread.
  class client_for {
   public:
    explicit client_for(const world& w) : w_(w), client_(w.port()) {}
    /// As `world::create_webhook`.
    std::string create_webhook(std::size_t n, uint16_t sink_port, const std::string& extra = {});

   private:
    const world& w_;
    test::http_client client_;
  };
  /// Enables or disables webhook `id`.
  void set_enabled(const std::string& id, bool enabled);
  /// The log head from `/readyz`.
  uint64_t head_seq();
  /// CPU and memory of the hookd process now.
  process_sample sample() const;
  /// Bytes in the data folder.
  uint64_t disk_bytes() const;
  /// The webhook secret every webhook of the harness uses.
  static const std::string& secret();
  /// Stops hookd with `signal` (SIGTERM: cleanly) and returns its exit status.
  int stop(int signal);
  /// The data folder.
  const std::filesystem::path& data() const noexcept { return dir_.path(); }
  /// Starts hookd again on the same data folder (after `stop`).
  void restart();

 private:
  test::http_result call(const std::string& method, const std::string& path,
                         const std::string& body, const std::string& token);

  std::string binary_;
  std::vector<std::string> args_;
  test::temp_dir dir_;
  std::unique_ptr<test::hookd_process> proc_;
  std::unique_ptr<test::http_client> client_;
  std::string key_;
};

/// The CPU that a phase of a scenario cost: hookd's, the harness's own (sink, load
/// generator) and the machine's, from its construction to `finish`.
class cpu_account {
 public:
  /// Starts counting; `hookd` is the world whose process is counted (none: harness only).
  explicit cpu_account(const world* hookd = nullptr);
  /// Stops counting.
  void finish();
  /// CPU seconds of hookd, of the harness, and of the whole machine, over the phase.
  double hookd_seconds() const noexcept { return hookd_; }
  double harness_seconds() const noexcept { return harness_; }
  /// Cores the machine kept busy on average (0 to the number of CPUs).
  double busy_cores() const noexcept { return busy_cores_; }

 private:
  const world* world_;
  process_sample hookd_start_;
  process_sample harness_start_;
  machine_sample machine_start_;
  double hookd_ = 0;
  double harness_ = 0;
  double busy_cores_ = 0;
};

} // namespace hookd::bench
