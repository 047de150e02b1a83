#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <sys/types.h>
#include <vector>

namespace hookd::test {

/// What a finished command printed, and how it exited.
struct command_result {
  /// The exit status (128 + signal when killed).
  int status = -1;
  /// Everything it wrote to stdout.
  std::string out;
  /// Everything it wrote to stderr (also copied to the test's stderr).
  std::string err;
};

/// Runs `binary args...` with `env` added to the environment, waits for it, and returns its
/// exit status, stdout and stderr.
command_result run_command(const std::string& binary, const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env = {});

/// A `hookd serve` child process on 127.0.0.1 and a free port, with its stdout parsed for the
/// bound port. Killed with SIGKILL on destruction if still running.
class hookd_process {
 public:
  /// Starts `binary serve --data data --listen 127.0.0.1:0 extra_args...` with `env` added to
  /// the environment and stderr sent to `stderr_path` (when set), and waits (up to 20 s) for
  /// its "listening on" line. When the child exits first, `port()` is 0.
  hookd_process(const std::string& binary, const std::string& data,
                std::map<std::string, std::string> env = {},
                std::vector<std::string> extra_args = {}, std::string stderr_path = {});
  ~hookd_process();
  hookd_process(const hookd_process&) = delete;
  hookd_process& operator=(const hookd_process&) = delete;

  /// The bound port (0 if the child never said it was listening).
  uint16_t port() const noexcept { return port_; }
  /// The child's process id (-1 once stopped).
  pid_t pid() const noexcept { return pid_; }
  /// Sends `signal` and waits for the exit; returns the exit status (or 128 + signal).
  int stop(int signal);
  /// Everything the child wrote to stdout so far.
  const std::string& output() const noexcept { return out_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  uint16_t port_ = 0;
  std::string out_;
};

} // namespace hookd::test
